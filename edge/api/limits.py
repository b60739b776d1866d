"""Rate limits (flask-limiter) and the wrong-PIN lockout at the HTTP edge.

Clients are told apart by their address plus who their token says they are, so a guessing attack
from one tablet (or one laptop on the guest Wi-Fi) never throttles a kitchen screen elsewhere,
and a paired device keeps its own bucket even on a shared address. Limits live in memory: the box
runs one process, and a restart forgetting a minute of counts is harmless (lockouts are in SQLite).
Every 429 has the project's error shape and ``Retry-After``.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from limits.storage import MemoryStorage

from edge.api.errors import error_response
from edge.api.security import bearer_token
from edge.security.auth import AuthError
from edge.security.lockout import LoginKey, LoginLocked, login_keys

DEVICE_HEADER = "X-Device-Id"
SWEEP_EVERY_S = 5.0
STATIC_PREFIXES = ("/web/", "/sw.js", "/favicon", "/manifest")


def client_address() -> str:
    return request.remote_addr or "unknown"


def device_label() -> str:
    """How the audit log names the caller's device: address, and the device id when sent."""
    device_id = request.headers.get(DEVICE_HEADER, "").strip()[:64]
    return f"{client_address()} {device_id}".strip()


def _token_subject() -> str:
    token = bearer_token()
    if token is None:
        return "anonymous"
    try:
        claims = current_app.extensions["edge"].tokens.verify(token)
    except AuthError:
        return "bad-token"
    return f"{claims.get('kind', 'user')}:{claims['sub']}"


def _limit_for_client() -> str:
    """Guessing and scanning come without a valid token: those get the tighter limit."""
    policy = current_app.extensions["edge"].settings.security
    anonymous = client_key().endswith(("|anonymous", "|bad-token"))
    return policy.anonymous_rate_limit if anonymous else policy.api_rate_limit


def client_key() -> str:
    if "rate_key" not in g:
        g.rate_key = f"{client_address()}|{_token_subject()}"
    return g.rate_key


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, minus a new thread every 10 ms.

    The stock one drops expired entries from a ``threading.Timer`` it restarts 10 ms after any
    hit: under load that is a thread started for every other request, and the request waits for
    it to start (up to a GIL switch interval, 5 ms). Expiry is only housekeeping -- every check
    compares timestamps itself -- so here it runs inline, at most every few seconds.
    """

    STORAGE_SCHEME = ["edge-memory"]

    def __init__(self, uri: str | None = None, **options):
        super().__init__(uri, **options)
        self._swept_at = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private timer restart
        if time.monotonic() - self._swept_at >= SWEEP_EVERY_S:
            self._swept_at = time.monotonic()
            self._MemoryStorage__expire_events()


def _too_many(limit: RequestLimit):
    retry_after = max(1, int(limit.reset_at - time.time()))
    response = error_response(429, "too_many_requests",
                              f"too many requests; try again in {retry_after} s",
                              [{"limit": str(limit.limit), "retry_after_s": retry_after}])
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_limits(app: Flask, services) -> Limiter:
    policy = services.settings.security
    limiter = Limiter(client_key, app=app, default_limits=[_limit_for_client],
                      storage_uri="edge-memory://", strategy="moving-window",
                      # No X-RateLimit-* on every answer: no client of the box reads them, and
                      # computing them was a tenth of a light read's CPU. A 429 says Retry-After.
                      headers_enabled=False,
                      on_breach=_too_many, key_prefix="edge")
    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded):
        return error.response or _too_many(limiter.current_limit)  # the on_breach answer

    @limiter.request_filter
    def _static_files() -> bool:  # the tablet app's own files: cheap, and a page loads dozens at once
        return request.path == "/" or request.path.startswith(STATIC_PREFIXES)

    # Health checks come from the box's own watchdog and monitoring: never throttle them.
    for endpoint in ("root.root_health", "system.health"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = limiter.exempt(app.view_functions[endpoint])
    if "auth.login" in app.view_functions:
        app.view_functions["auth.login"] = limiter.limit(
            policy.login_rate_limit, key_func=client_address, override_defaults=False,
            on_breach=_too_many)(app.view_functions["auth.login"])
    return limiter


# -- wrong-PIN lockouts (used by the login view) --------------------------------------------------
def current_login_keys(user_id: str | None) -> list[LoginKey]:
    return login_keys(client_address(), request.headers.get(DEVICE_HEADER), user_id)


def register_lockout_errors(app: Flask) -> None:
    @app.errorhandler(LoginLocked)
    def _locked(error: LoginLocked):
        lockout = error.lockout
        who = {"device": "this device", "ip": "this address", "user": "this user"}[lockout.key.scope]
        response = error_response(429, "login_locked", f"too many wrong PINs from {who}; try again "
                                  f"in {lockout.retry_after_s} s",
                                  [{"scope": lockout.key.scope, "retry_after_s": lockout.retry_after_s}])
        response.headers["Retry-After"] = str(lockout.retry_after_s)
        return response
