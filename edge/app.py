"""The composition root: builds the Flask app and wires the store, auth, metrics and features."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Callable

from flask import Flask, g, request

from devices.kitchen import KitchenDevices
from edge.security import auth, hardening, pairing
from edge.security.keyring import TokenService
from edge.api import (auth as auth_api, errors, idempotency, menu as menu_api, orders as orders_api,
                      pairing as pairing_api, system, web as web_api, ws)
from edge.api import printers as printers_api
from edge.api.fastjson import OrjsonProvider
from edge.api import voice as voice_api
from edge.api import sync as sync_api
from edge.observability import Check, Health, Metrics, disk_check, set_request_id
from edge.realtime import Hub
from edge.services import open_store
from edge.settings import Settings
from edge.store import Store
from edge.domain.ids import uuid7

log = logging.getLogger("edge.http")


class Services:
    """Everything a request or a worker needs, built once per app."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.secret = auth.load_or_create_secret(settings.data_dir)
        self.tokens = TokenService(settings.data_dir, self.secret, settings.restaurant_id,
                                   timedelta(minutes=settings.auth.token_ttl_minutes), clock=store.wall_clock)
        self.metrics = Metrics()
        self.health = Health()
        self._closers: list[Callable[[], None]] = []
        self._stoppers: list[Callable[[], None]] = []
        self.revocation_checks: list[Callable[[dict], None]] = [self._user_still_active]
        self.realtime = Hub(store.events_after, max_queue=settings.server.ws_queue_max,
                            on_count=self.metrics.websocket_connections.set,
                            max_per_session=settings.server.ws_feeds_per_session)

    def on_close(self, fn: Callable[[], None]) -> None:
        self._closers.append(fn)

    def on_stop(self, fn: Callable[[], None]) -> None:
        """fn() runs when the server is asked to stop, BEFORE in-flight requests are awaited (so
        long-lived ones such as WebSockets end now). It must only set flags: it runs in a signal
        handler."""
        self._stoppers.append(fn)

    def stopping(self) -> None:
        for fn in self._stoppers:
            fn()

    def close(self) -> None:
        for fn in reversed(self._closers):
            try:
                fn()
            except Exception:
                log.exception("closing %r failed", fn)
        self._closers.clear()

    def check_not_revoked(self, claims: dict) -> None:
        for check in self.revocation_checks:
            check(claims)

    def _user_still_active(self, claims: dict) -> None:
        if claims.get("kind", "user") == "user" and not auth.user_is_active(self.store.read(), claims["sub"]):
            raise auth.AuthError("this user has been disabled", code="user_disabled")

    def refresh_gauges(self) -> None:
        conn = self.store.read()
        self.metrics.events_last_seq.set(self.store.last_seq)
        stats = self.store.writer_stats
        self.metrics.write_groups.set(stats.get("groups", 0))
        self.metrics.write_jobs.set(stats.get("jobs", 0))
        page_count, page_size = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
        wal = self.store.path.with_name(self.store.path.name + "-wal")
        self.metrics.db_size.set(page_count * page_size + (wal.stat().st_size if wal.exists() else 0))
        self.metrics.orders_open.set(conn.execute(
            "SELECT COUNT(*) FROM orders WHERE status IN ('fired', 'in_progress', 'ready')").fetchone()[0])


def create_app(settings: Settings, *, store: Store | None = None, start_workers: bool = True) -> Flask:
    """Build the appliance's app. Opens the store (migrations, integrity check) unless given one."""
    if store is None:
        store = open_store(settings)
    services = Services(settings, store)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.server.max_body_bytes
    app.json = OrjsonProvider(app)
    app.extensions["edge"] = services
    errors.init_app(app)
    for blueprint in (system.bp, system.root, auth_api.bp, menu_api.bp, orders_api.bp):
        app.register_blueprint(blueprint)
    _register_health(services)
    voice_api.init_app(app, services, start=start_workers)
    _instrument(app, services)
    hardening.init_app(app, services, start_workers=start_workers)
    services.on_close(store.close)
    printers_api.init_app(app, services, start_workers=start_workers)
    if start_workers:
        _start_kitchen_devices(services)
    sync_api.init_app(app, services, start=start_workers)  # after store.close: stops before it
    _wire_tablets(app, services)  # after store.close is registered, so sockets close before it
    return app


def _start_kitchen_devices(services: Services) -> None:
    """GPIO bump buttons, alerts and USB bump bars: the same commands as a tablet tap."""
    kitchen = KitchenDevices(services.store, services.settings,
                             talk=getattr(services, "microphone", None)).start()
    services.on_close(kitchen.close)
    services.health.register("kitchen_devices", lambda: Check(*kitchen.health()))


def _wire_tablets(app: Flask, services: Services) -> None:
    """The tablet app, its live feed, paired tablets and replay-safe retries of queued taps."""
    for blueprint in (ws.bp, pairing_api.bp, web_api.api, web_api.pages):
        app.register_blueprint(blueprint)
    idempotency.init_app(app)
    services.store.add_commit_listener(services.realtime.publish)
    services.revocation_checks.append(pairing.revocation_check(services.store.read))
    services.on_stop(services.realtime.shutdown)
    services.on_close(services.realtime.shutdown)


def _register_health(services: Services) -> None:
    def database() -> Check:
        if not services.store.writer_alive:
            return Check("down", "the database writer has stopped; orders cannot be saved")
        services.store.read().execute("SELECT 1 FROM events LIMIT 1").fetchall()
        return Check("ok", f"last event {services.store.last_seq}")

    services.health.register("database", database)
    services.health.register("disk", disk_check(services.settings.data_dir, services.settings.min_free_disk_mb))


def _instrument(app: Flask, services: Services) -> None:
    @app.before_request
    def _start():
        g.started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid7()
        set_request_id(g.request_id)

    @app.after_request
    def _finish(response):
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        services.metrics.http_requests.labels(request.method, endpoint, str(response.status_code)).inc()
        services.metrics.http_duration.labels(request.method, endpoint).observe(elapsed_ms)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"fields": {"status": response.status_code, "ms": round(elapsed_ms, 2),
                                   "method": request.method, "path": request.path}})
        set_request_id(None)
        return response
