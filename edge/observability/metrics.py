"""The box's Prometheus metrics, in a registry of their own (so tests can build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

MS_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


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
