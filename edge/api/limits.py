"""Rate limits (a moving window; `limits` parses them) and the wrong-PIN lockout at the HTTP edge.

Clients are told apart by their address plus who their token says they are, so a guessing attack
from one tablet (or one laptop on the guest Wi-Fi) never throttles a kitchen screen elsewhere,
and a paired device keeps its own bucket even on a shared address. Limits live in memory: the box
runs one process, and a restart forgetting a minute of counts is harmless (lockouts are in SQLite).
Every 429 has the project's error shape and ``Retry-After``.

The box has three fixed limits (per client, per anonymous address, logins per address), so they
are checked in one hook over a small moving window of our own (MovingWindow). flask-limiter's
general machinery (per-blueprint scopes, dynamic limits, exemption lookups on every request) was a
tenth of the server's CPU under load.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from functools import wraps
from typing import Callable

from flask import Flask, g, request
from limits import RateLimitItem, parse_many

from edge.api.errors import error_response
from edge.api.access import bearer_token
from edge.api.current import current_services
from edge.security.auth import AuthError
from edge.security.lockout import LoginKey, LoginLocked, login_keys

DEVICE_HEADER = "X-Device-Id"
SWEEP_EVERY_S = 5.0
STATIC_PREFIXES = ("/web/", "/sw.js", "/favicon", "/manifest")
# Health checks come from the box's own watchdog and monitoring: never throttle them.
UNLIMITED_ENDPOINTS = frozenset({"root.root_health", "system.health"})


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
        claims = current_services().tokens.verify(token)
    except AuthError:
        return "bad-token"
    return f"{claims.get('kind', 'user')}:{claims['sub']}"


def client_key() -> str:
    if "rate_key" not in g:
        g.rate_key = f"{client_address()}|{_token_subject()}"
    return g.rate_key


class MovingWindow:
    """The last hits of each client and limit, in this process's memory: our own, not `limits`'.

    limits' MemoryStorage drops expired entries from a ``threading.Timer`` it restarts 10 ms after
    any hit: under load a thread started for every other request, which the request waited for.
    Changing that meant overriding a private method (and pinning limits<6), and the storage reads
    ``time.time`` itself, so tests could not move its clock. What the box needs is small: a moving
    window keeps, per key, the times of the last ``amount`` hits; a hit is refused while the oldest
    of them is younger than the window. Expired keys are dropped inline, at most every few seconds
    (only housekeeping: every check compares times itself). Refused hits do not count.
    """

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.hits: dict[tuple, deque[float]] = {}  # (amount, window s, *identifiers) -> times
        self._lock = threading.Lock()
        self._swept_at = clock()

    def hit(self, limit: RateLimitItem, *identifiers: str) -> float | None:
        """Count one hit: None when it is within the limit, else the seconds until it would be."""
        window = limit.get_expiry()
        key = (limit.amount, window, *identifiers)
        now = self.clock()
        with self._lock:
            self._sweep(now)
            hits = self.hits.get(key)
            if hits is None:
                hits = self.hits[key] = deque(maxlen=limit.amount)
            if len(hits) == hits.maxlen and (not hits or hits[0] >= now - window):
                return (hits[0] + window - now) if hits else window
            hits.append(now)
            return None

    def _sweep(self, now: float) -> None:
        if abs(now - self._swept_at) < SWEEP_EVERY_S:  # abs: the wall clock can be set back
            return
        self._swept_at = now
        for key in [key for key, hits in self.hits.items() if not hits or hits[-1] < now - key[1]]:
            del self.hits[key]


class RateLimits:
    """The box's limits, parsed once from the settings, over one in-memory moving window."""

    def __init__(self, policy, clock: Callable[[], float] = time.time):
        self.window = MovingWindow(clock)
        self.api = parse_many(policy.api_rate_limit)
        self.anonymous = parse_many(policy.anonymous_rate_limit)
        self.login = parse_many(policy.login_rate_limit)

    def refusal(self, limits: list[RateLimitItem], *key: str):
        """Count one request against each limit; the 429 for the first one exceeded, else None."""
        for limit in limits:
            wait_s = self.window.hit(limit, *key)
            if wait_s is not None:
                return _too_many(limit, max(1, int(wait_s)))
        return None

    def for_client(self):
        """Guessing and scanning come without a valid token: those get the tighter limits."""
        key = client_key()
        limits = self.anonymous if key.endswith(("|anonymous", "|bad-token")) else self.api
        return self.refusal(limits, "edge", key)


def _too_many(limit: RateLimitItem, retry_after: int):
    response = error_response(429, "too_many_requests", f"too many requests; try again in {retry_after} s",
                              [{"limit": str(limit), "retry_after_s": retry_after}])
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_limits(app: Flask, services) -> RateLimits:
    limits = RateLimits(services.settings.security, clock=services.store.wall_clock)

    @app.before_request
    def _limit_client():
        if request.endpoint in UNLIMITED_ENDPOINTS or _is_static_file(request.path):
            return None
        return limits.for_client()

    if "sessions.login" in app.view_functions:  # on top of the client's limit: PIN guessing is costly
        app.view_functions["sessions.login"] = _login_limited(app.view_functions["sessions.login"], limits)
    return limits


def _is_static_file(path: str) -> bool:  # the tablet app's own files: cheap, and a page loads dozens
    return path == "/" or path.startswith(STATIC_PREFIXES)


def _login_limited(view, limits: RateLimits):
    @wraps(view)
    def limited(*args, **kwargs):
        return limits.refusal(limits.login, "edge-login", client_address()) or view(*args, **kwargs)
    return limited


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
