"""The one-JSON-object-per-line log format, in a module of its own so that gunicorn's arbiter
(edge/server.py) can format its lines without importing the app's metrics and health code."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import datetime, timezone

import orjson

# A context variable, not a thread-local: a write job runs in the context of the request that
# submitted it, whichever thread commits it (edge/store/writer.py), and its log lines say so.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


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
