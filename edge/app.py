"""The web layer: builds the box's services (edge/services.py) and routes HTTP to them.

Every blueprint only routes; what runs behind them is built in ``edge.services.build_services``.
The HTTP edge's own defences are wired here too: rate limits and the login limit, security
headers, body limits, the audit log's device, and clear answers when the disk fails.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from flask import Flask, g, request

from edge.api import (audit as audit_api, bodies, errors, idempotency, menu as menu_api, orders as orders_api,
                      pairing as pairing_api, printers as printers_api, sessions, sync as sync_api, system,
                      users as users_api, voice as voice_api, web as web_api, ws)
from edge.api.errors import error_response
from edge.api.fastjson import OrjsonProvider
from edge.api.headers import init_headers
from edge.api.limits import device_label, init_limits, register_lockout_errors
from edge.domain.ids import uuid7
from edge.observability.disk import classify
from edge.observability.logs import set_request_id
from edge.security import audit
from edge.services import Services, build_services
from edge.settings import Settings
from edge.store import Store

log = logging.getLogger("edge.http")
BLUEPRINTS = (system.bp, system.root, sessions.bp, users_api.bp, menu_api.bp, orders_api.bp, printers_api.bp,
              voice_api.bp, sync_api.bp, audit_api.bp, ws.bp, pairing_api.bp, web_api.api, web_api.pages)


def create_app(settings: Settings, *, store: Store | None = None, start_workers: bool = True) -> Flask:
    """Build the appliance's app. Opens the store (migrations, integrity check) unless given one."""
    services = build_services(settings, store, start=start_workers)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.server.max_body_bytes
    # the server reads a request whole before the app sees it: this route's bodies are recordings
    app.config["EDGE_LARGER_BODIES"] = {"/api/v1/voice/transcriptions": settings.voice.max_wav_bytes}
    app.json = OrjsonProvider(app)
    app.extensions["edge"] = services
    errors.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    _instrument(app, services)
    app.extensions["rate_limits"] = init_limits(app, services)  # after the blueprints: wraps the login view
    register_lockout_errors(app)
    init_headers(app, settings)
    bodies.install(app)
    _remember_device(app)
    _answer_storage_errors(app, services)
    idempotency.init_app(app)  # last: its after_request stores the response the others shaped
    return app


def _remember_device(app: Flask) -> None:
    """Which device made a request, for the audit entries its writes make."""
    @app.before_request
    def _remember():
        audit.set_device(device_label())

    @app.teardown_request
    def _forget(_error):
        audit.set_device(None)


def _answer_storage_errors(app: Flask, services: Services) -> None:
    """A full, read-only or failing disk is a 507 saying so (and /health knows); any other
    database error is a logged 500."""
    @app.errorhandler(sqlite3.Error)
    def _storage_error(error: sqlite3.Error):
        problem = classify(error)
        if problem is None:
            app.logger.exception("database error on %s %s", request.method, request.path)
            return error_response(500, "internal_error", "something went wrong on the box; it was logged")
        services.storage.record(problem)
        return error_response(507, problem.code, problem.message)


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
