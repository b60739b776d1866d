"""Logging in, refreshing and logging out: lockouts, short access tokens, refresh tokens, audit.

Routes under /api/v1/auth: login, refresh, logout.
"""

from __future__ import annotations

import logging
import sqlite3
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import Blueprint, Response, g
from pydantic import Field

from edge.security import audit, auth, refresh
from edge.api.limits import current_login_keys, device_label
from edge.api.routing import PUBLIC, api_route
from edge.api.schemas import LoginRequest, LoginResponse, UserOut
from edge.api.access import authenticate_request
from edge.api.current import current_services
from edge.security.auth import AuthError, User
from edge.security.lockout import LoginLocked
from edge.domain.ids import uuid7
from edge.domain.strict import Strict
from edge.observability.disk import classify

bp = Blueprint("sessions", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
EVERYONE = ("admin", "staff", "customer")
# Checking a PIN for a name that does not exist still costs one scrypt, so timing tells nothing.
_DUMMY_HASH = auth.hash_pin("00000000")
# Each scrypt takes 16 MiB and a core for ~50 ms. Run in whichever request thread, it would leave
# 16 MiB in that thread's malloc arena for good (glibc keeps freed big blocks once its mmap
# threshold has risen): measured 128 -> 450 MiB with 30 tablets logging in. Two dedicated threads
# keep that to two arenas, and a login flood cannot take every core from the kitchen.
_PIN_CHECKER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pin-check")


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=8, max_length=200)


class LogoutRequest(Strict):
    refresh_token: str | None = Field(None, min_length=8, max_length=200)



@api_route(bp, "/auth/login", methods=["POST"], body=LoginRequest, response=LoginResponse,
           roles=PUBLIC, errors=(400, 401, 415, 422, 429),
           summary="Log in with a PIN; returns a short-lived JWT and a refresh token")
def login(body: LoginRequest) -> LoginResponse:
    services = current_services()
    conn = services.store.read()
    named = _find_named_user(conn, body.user) if body.user else None
    user_key = named["id"] if named else (f"name:{body.user.casefold()}" if body.user else None)
    keys = current_login_keys(user_key)
    services.login_guard.check(keys)
    try:
        user = _PIN_CHECKER.submit(_check_pin, services.store, services.secret, body.pin, named,
                                   by_name=body.user is not None).result(timeout=30)
    except AuthError:
        _count_wrong_pin(services, keys)
        raise
    if user_key is None:  # a PIN-only login still respects the user's own lockout
        keys = current_login_keys(user.id)
        services.login_guard.check(keys)
    _unless_storage_fails(services, lambda: services.login_guard.record_success(keys), "clearing a lockout")
    return _session(services, user, "login")


def _find_named_user(conn, name: str):
    name = unicodedata.normalize("NFKC", name).strip()  # names are stored NFKC (edge.security.names)
    return conn.execute("SELECT id, name, role, pin_hash FROM users WHERE (id = ? OR name = ? COLLATE NOCASE)"
                        " AND active = 1", (name, name)).fetchone()


def _check_pin(store, secret: bytes, pin: str, named, *, by_name: bool) -> User:
    if not by_name:
        return auth.authenticate(store.read(), secret, pin)
    if not auth.verify_pin(pin, named["pin_hash"] if named else _DUMMY_HASH) or named is None:
        raise AuthError("wrong PIN", code="wrong_pin")
    return User(id=named["id"], name=named["name"], role=named["role"])


def _count_wrong_pin(services, keys) -> None:
    device = device_label()

    def audit_it(tx, lockout) -> None:
        # A single wrong PIN changes nothing but its counter (bad input changes nothing); the
        # lockout it may trigger is what the audit log and the cloud hear about.
        if lockout is not None:
            audit.record(tx, "lockout", None, device=device, target=lockout.key.key,
                         details={"scope": lockout.key.scope, "seconds": lockout.retry_after_s})

    lockout = services.login_guard.record_failure(keys, then=audit_it)
    if lockout is not None:
        raise LoginLocked(lockout, just_locked=True)


def _session(services, user: User, action: str, refresh_token: str | None = None,
             refresh_expires: datetime | None = None, session: str | None = None) -> LoginResponse:
    """Access token + refresh token; a new login starts a refresh family (the session, named in
    the token's ``sid``) and is audited."""
    now = services.store.now()
    if refresh_token is None:
        device = device_label()
        ttl = timedelta(hours=services.settings.auth.refresh_ttl_hours)

        def job(tx):
            audit.record(tx, action, user.actor(), device=device, target=user.id)
            return refresh.start_family(tx, user.id, device, ttl)
        started = _unless_storage_fails(services, lambda: services.store.write(job), f"{action} of {user.id}")
        # A full or read-only disk must not lock the kitchen out: the login then gets an access
        # token alone, for a session that exists only in it (no refresh token to record).
        refresh_token, refresh_expires, session = started or (None, None, uuid7())
    return LoginResponse(token=services.tokens.issue(user, now=now, session=session), expires_at=now + services.tokens.ttl,
                         user=UserOut(**user.as_dict()), refresh_token=refresh_token,
                         refresh_expires_at=refresh_expires)


@api_route(bp, "/auth/refresh", methods=["POST"], body=RefreshRequest, response=LoginResponse,
           roles=PUBLIC, errors=(400, 401, 415, 422),
           summary="Trade a refresh token for a new access token and a new refresh token")
def refresh_session(body: RefreshRequest):
    services = current_services()
    device, ttl = device_label(), timedelta(hours=services.settings.auth.refresh_ttl_hours)
    renewed = _unless_storage_fails(services, lambda: refresh.redeem(services.store, body.refresh_token, device, ttl),
                                    "a refresh")
    if renewed is None:
        # The disk cannot record the spent token: keep it unspent and hand out an access token
        # for its session, so a tablet stays logged in until the disk takes writes again.
        renewed = refresh.unspent(services.store.read(), body.refresh_token, services.store.now())
        if isinstance(renewed, AuthError):
            raise renewed
    return _session(services, renewed.user, "refresh", renewed.token, renewed.expires_at, renewed.family)


def _unless_storage_fails(services, write, what: str):
    """``write()``'s result, or None when the disk refused it (full, read-only, I/O error); the
    storage monitor hears of it, so /health still says the storage is down."""
    try:
        return write()
    except sqlite3.Error as error:
        problem = classify(error)
        if problem is None:
            raise
        services.storage.record(problem)
        log.warning("%s not recorded: %s", what, problem.code)
        return None


@api_route(bp, "/auth/logout", methods=["POST"], body=LogoutRequest, body_required=False, status=204,
           roles=PUBLIC, errors=(400, 401, 415, 422),
           summary="End this session: every access and refresh token of it, and its live feeds. "
                   "Send the access token, the refresh token, or both (an expired access token is fine "
                   "with the refresh token)")
def logout(body: LogoutRequest):
    services = current_services()
    claims = _claims_if_any(required=body.refresh_token is None)
    caller = g.actor if claims is not None else None  # the job may run in another request's thread

    def job(tx) -> AuthError | None:
        sessions: dict[str, User | None] = {}
        if claims is not None:
            refresh.revoke_access(tx, claims.get("jti", ""), claims["exp"])
            sessions[claims.get("sid") or ""] = None
        if body.refresh_token:
            found = refresh.family_of(tx, body.refresh_token)
            if found is None and claims is None:
                return AuthError("unknown refresh token; nothing to log out", code="invalid_refresh_token")
            if found is not None:
                sessions[found[0]] = found[1]
        for session, user in sessions.items():
            if session:
                refresh.revoke_family(tx, session)
            actor = user.actor() if user else caller
            # the session lets the hub close this session's live feeds (and no other tablet's)
            audit.record(tx, "logout", actor, target=actor.id, details={"session": session or None})
        return None
    failure = services.store.write(job)  # returned, not raised: nothing was written anyway
    if failure is not None:
        raise failure
    return Response(status=204)


def _claims_if_any(*, required: bool) -> dict | None:
    """The caller's valid access token, if any. A tablet logging out at the end of a shift may hold
    an expired one: its refresh token alone is enough then."""
    try:
        return authenticate_request()
    except AuthError:
        if required:
            raise
        return None
