"""Wires the hardening into the app: limits, lockouts, tokens, headers, audit, storage, backups.

``init_app(app, services)`` is the one call ``create_app`` makes; each part lives in its own module.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, request

from edge.ops import backup, backup_schedule
from edge.security import audit, redact
from edge.api import audit as audit_api, bodies, sessions
from edge.api.errors import error_response
from edge.api.headers import init_headers
from edge.api.limits import device_label, init_limits, register_lockout_errors
from edge.security.lockout import LoginGuard
from edge.services import protect_data
from edge.storage import StorageMonitor, classify


def init_app(app: Flask, services, *, start_workers: bool = True) -> None:
    settings = services.settings
    protect_data(settings, services.store)
    for logger in ("gunicorn.error", "werkzeug"):  # loggers with handlers of their own
        redact.install(logging.getLogger(logger))
    services.login_guard = LoginGuard(services.store, settings.security)
    services.revocation_checks.append(sessions.check_access_not_revoked(services))
    services.rate_limits = init_limits(app, services)
    register_lockout_errors(app)
    init_headers(app, settings)
    bodies.install(app)
    _init_audit(app, services)
    _init_storage(app, services)
    for blueprint in (sessions.bp, audit_api.bp):
        app.register_blueprint(blueprint)
    services.on_close(backup.hold_in_use(settings.data_dir))
    if start_workers:
        backup_schedule.start_nightly(services)


def _init_audit(app: Flask, services) -> None:
    audit.carry_device(services.store)
    services.store.add_tx_hook(audit.audit_event_hook)

    @app.before_request
    def _remember_device():
        audit.set_device(device_label())

    @app.teardown_request
    def _forget_device(_error):
        audit.set_device(None)


def _init_storage(app: Flask, services) -> None:
    services.storage = StorageMonitor(services.store)
    services.store.add_commit_listener(services.storage.on_commit)
    services.health.register("storage", services.storage.check)

    @app.errorhandler(sqlite3.Error)
    def _storage_error(error: sqlite3.Error):
        problem = classify(error)
        if problem is None:
            app.logger.exception("database error on %s %s", request.method, request.path)
            return error_response(500, "internal_error", "something went wrong on the box; it was logged")
        services.storage.record(problem)
        return error_response(507, problem.code, problem.message)
