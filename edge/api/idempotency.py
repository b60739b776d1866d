"""``Idempotency-Key`` for order and ticket actions: a tablet that queued taps while the box was
unreachable resends them on reconnect, and each is applied once.

The first request with a key runs normally and its answer (status and JSON body) is stored; a
repeat with the same method, path and body gets that stored answer back (header
``Idempotent-Replayed: true``) without running again; a repeat with anything different is a 409.
Two requests with one key at the same moment: the second is a 409 ``request_in_progress``.
A key belongs to its caller (the token's kind, subject and login session): the same key from
anyone else is a different key, so nobody can read another tablet's or kiosk guest's answer by
guessing or sniffing its key.

The answer is stored right after the action's own transaction, not inside it: a power cut in
between makes the retry run again, which for a bump or an item-done is a 409 the tablet treats
as "already applied" (the state machine refuses a second bump).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta, timezone

from flask import Flask, Response, g, request

from edge.api.errors import ApiError
from edge.api.access import authenticate_request
from edge.api.current import current_services

HEADER = "Idempotency-Key"
PATHS = ("/api/v1/orders", "/api/v1/tickets/")
KEEP = timedelta(hours=24)
MAX_KEY = 100

_in_flight: set[str] = set()
_in_flight_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.before_request(_replay_or_reserve)
    app.after_request(_remember)
    app.teardown_request(_release)


def _applies() -> bool:
    return request.method == "POST" and request.path.startswith(PATHS) and HEADER in request.headers


def _scoped(claims: dict, client_key: str) -> str:
    """The stored key: the client's, prefixed with a digest of who is asking."""
    caller = f"{claims.get('kind', 'user')}\x1f{claims['sub']}\x1f{claims.get('sid') or ''}"
    return f"{hashlib.sha256(caller.encode()).hexdigest()[:32]}:{client_key}"


def _fingerprint() -> str:
    digest = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    return f"{request.method} {request.path} {digest}"


def _replay_or_reserve():
    if not _applies():
        return None
    claims = authenticate_request()  # a stored answer is only replayed to the caller who stored it
    client_key = request.headers[HEADER].strip()
    if not 1 <= len(client_key) <= MAX_KEY:
        raise ApiError(400, "invalid_idempotency_key", f"{HEADER} must be 1 to {MAX_KEY} characters")
    key = _scoped(claims, client_key)
    fingerprint = _fingerprint()
    stored = current_services().store.read().execute(
        "SELECT fingerprint, status, body FROM idempotency_keys WHERE key = ?", (key,)).fetchone()
    if stored is not None:
        if stored["fingerprint"] != fingerprint:
            raise ApiError(409, "idempotency_key_reused",
                           f"this {HEADER} was already used for a different request",
                           [{"header": HEADER, "first_request": stored["fingerprint"].rsplit(" ", 1)[0]}])
        response = Response(stored["body"], status=stored["status"], mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    with _in_flight_lock:
        if key in _in_flight:
            raise ApiError(409, "request_in_progress", f"a request with this {HEADER} is still running")
        _in_flight.add(key)
    g.idempotency = (key, fingerprint)
    return None


def _remember(response: Response) -> Response:
    reserved = g.pop("idempotency", None)
    if reserved is None:
        return response
    key, fingerprint = reserved
    if response.status_code >= 500 or response.status_code in (401, 403):
        _release_key(key)  # only a definite answer is worth replaying; a 5xx or a login may change
        return response
    body = response.get_data(as_text=True)
    store = current_services().store

    def save(tx) -> None:
        tx.conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (_iso(tx.now - KEEP),))
        tx.conn.execute("INSERT OR IGNORE INTO idempotency_keys (key, fingerprint, status, body, created_at)"
                        " VALUES (?,?,?,?,?)", (key, fingerprint, response.status_code, body, _iso(tx.now)))
    try:
        store.write(save)
    finally:
        _release_key(key)
    return response


def _release(_error=None) -> None:
    reserved = g.pop("idempotency", None)
    if reserved is not None:
        _release_key(reserved[0])


def _release_key(key: str) -> None:
    with _in_flight_lock:
        _in_flight.discard(key)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
