"""JSON logs: one object per line on stdout, with the request id, scrubbed of secrets.

gunicorn's arbiter (edge/server.py) formats its lines with ``JsonFormatter`` too; this module
imports nothing of the app's metrics or health code."""

from __future__ import annotations

import atexit
import logging
import queue
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from logging.handlers import QueueHandler, QueueListener

import orjson

from edge.security import redact

# A context variable, not a thread-local: a write job runs in the context of the request that
# submitted it, whichever thread commits it (edge/store/writer.py), and its log lines say so.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_listener: QueueListener | None = None


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = value
        if record.exc_info or record.exc_text:  # exc_text: already formatted (and scrubbed)
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str = "INFO", *, queued: bool = False) -> None:
    """JSON lines on stdout. ``queued`` (the server's worker): request threads only format and
    enqueue, one thread writes. A write to journald's pipe lets go of the GIL, and getting it back
    behind busy threads cost a request up to a switch interval (5 ms) per line."""
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None
    stdout = logging.StreamHandler(sys.stdout)
    stdout.setFormatter(JsonFormatter())
    handler = stdout
    if queued:
        stdout.setFormatter(logging.Formatter("%(message)s"))  # lines arrive as JSON already
        handler = QueueHandler(queue.SimpleQueue())
        handler.setFormatter(JsonFormatter())
        _listener = QueueListener(handler.queue, stdout)
        _listener.start()
        atexit.register(stop_queued_logging)
    # A JSON line names no source line, thread or process: do not look them up for every record
    # (finding the caller walks the stack). The logging HOWTO's "Optimization" section names this
    # module attribute as the switch and there is no public one; tests/observability/test_logs.py
    # fails if a Python release stops honouring it.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    redact.install(root)


def stop_queued_logging() -> None:
    """Write what is queued (on a clean stop; a power cut loses at most the last few lines)."""
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None


def set_request_id(request_id: str | None) -> None:
    request_id_var.set(request_id)
