"""JSON logs, Prometheus metrics and health checks."""

from __future__ import annotations

import atexit
import logging
import queue
import shutil
import sys
from dataclasses import dataclass
from logging.handlers import QueueHandler, QueueListener
from pathlib import Path
from typing import Callable, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from edge.security import redact
from edge.jsonlog import JsonFormatter, request_id_var  # noqa: F401  (JsonFormatter: public here too)

Status = Literal["ok", "degraded", "down"]
MS_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
_listener: QueueListener | None = None


# -- logging ----------------------------------------------------------------------------------
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
    # (the logging HOWTO's "Optimization" section; finding the caller walks the stack).
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


# -- metrics ----------------------------------------------------------------------------------
class Metrics:
    """The box's metrics, in a registry of their own (so tests can build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter("http_requests_total", "HTTP requests",
                                     ["method", "endpoint", "status"], registry=r)
        self.http_duration = Histogram("http_request_duration_ms", "HTTP request time (ms)",
                                       ["method", "endpoint"], buckets=MS_BUCKETS, registry=r)
        self.order_processing = Histogram("order_processing_time_ms",
                                          "Time to validate, store durably and fire an order (ms)",
                                          buckets=MS_BUCKETS, registry=r)
        self.websocket_connections = Gauge("websocket_connections_active",
                                           "Open WebSocket connections", registry=r)
        self.transcription_latency = Histogram("ai_transcription_latency_ms",
                                               "Voice: button release to draft order (ms)",
                                               buckets=MS_BUCKETS, registry=r)
        self.events_last_seq = Gauge("event_log_last_seq", "Highest event seq on the box", registry=r)
        self.write_groups = Gauge("db_write_groups_total", "Group commits since start", registry=r)
        self.write_jobs = Gauge("db_write_jobs_total", "Write jobs committed since start", registry=r)
        self.db_size = Gauge("db_size_bytes", "SQLite database and WAL size", registry=r)
        self.orders_open = Gauge("orders_in_kitchen", "Orders fired and not yet completed", registry=r)


# -- health -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    status: Status
    detail: str = ""


class Health:
    """Named checks; the box is as healthy as its worst check."""

    def __init__(self) -> None:
        self._checks: dict[str, Callable[[], Check]] = {}

    def register(self, name: str, check: Callable[[], Check]) -> None:
        self._checks[name] = check

    def run(self) -> tuple[Status, dict[str, dict]]:
        results = {}
        for name, check in self._checks.items():
            try:
                result = check()
            except Exception as error:  # a check that breaks is itself a finding
                result = Check("down", f"check failed: {error}")
            results[name] = {"status": result.status, "detail": result.detail}
        order = {"ok": 0, "degraded": 1, "down": 2}
        overall = max((r["status"] for r in results.values()), key=order.__getitem__, default="ok")
        return overall, results


def disk_check(path: Path, min_free_mb: int) -> Callable[[], Check]:
    def check() -> Check:
        usage = shutil.disk_usage(path)
        free_mb = usage.free // (1024 * 1024)
        if free_mb < min_free_mb:
            return Check("down", f"{free_mb} MB free, need {min_free_mb} MB")
        if free_mb < 2 * min_free_mb:
            return Check("degraded", f"{free_mb} MB free (low)")
        return Check("ok", f"{free_mb} MB free")
    return check
