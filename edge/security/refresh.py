"""Refresh tokens: opaque, single use, stored as a hash, revocable.

People get a short access token (minutes) and a refresh token (a shift). A refresh token is
random bytes; the box keeps only its SHA-256, so a stolen database copy cannot be replayed.
Each use spends it and hands out a new one in the same *family*; presenting a spent token again
means someone copied it, so the whole family is revoked (refresh-token reuse detection).
Disabling a user or logging out revokes their refresh tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from edge.security import audit
from edge.security.auth import AuthError, User
from edge.domain.ids import uuid7
from edge.store import Store

PREFIX = "rt_"


@dataclass(frozen=True)
class Refreshed:
    token: str
    expires_at: datetime
    user: User
    family: str  # the login session it continues


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new(tx, user_id: str, family: str, device: str | None, ttl: timedelta) -> tuple[str, datetime]:
    token = PREFIX + secrets.token_urlsafe(32)
    expires = tx.now + ttl
    tx.conn.execute("INSERT INTO refresh_tokens (id, token_hash, family, user_id, device, created_at,"
                    " expires_at) VALUES (?,?,?,?,?,?,?)",
                    (uuid7(tx.wall_ms), _digest(token), family, user_id, device, tx.now.isoformat(),
                     expires.isoformat()))
    return token, expires


def start_family(tx, user_id: str, device: str | None, ttl: timedelta) -> tuple[str, datetime, str]:
    """A fresh login's first refresh token (inside the caller's transaction), its expiry and its
    family: the session's id."""
    family = uuid7(tx.wall_ms)
    return (*_new(tx, user_id, family, device, ttl), family)


def redeem(store: Store, token: str, device: str | None, ttl: timedelta) -> Refreshed:
    """Spend ``token`` and return its successor, or raise AuthError (and revoke on reuse)."""
    def job(tx) -> Refreshed | AuthError:
        row = tx.conn.execute(
            "SELECT r.id, r.family, r.expires_at, r.used_at, r.revoked_at, u.id AS uid, u.name,"
            " u.role, u.active FROM refresh_tokens r JOIN users u ON u.id = r.user_id"
            " WHERE r.token_hash = ?", (_digest(token),)).fetchone()
        if row is None:
            return AuthError("unknown refresh token; log in again", code="invalid_refresh_token")
        if row["used_at"] is not None and row["revoked_at"] is None:
            revoke_family(tx, row["family"])
            # every access token of the session dies with it (session_ended) and so do its feeds
            audit.record(tx, "session_revoked", User(id=row["uid"], name=row["name"], role=row["role"]).actor(),
                         device=device, target=row["uid"],
                         details={"session": row["family"], "reason": "refresh_token_reused"})
            return AuthError("this refresh token was already used; every session it started is "
                             "now logged out", code="refresh_token_reused")
        if row["revoked_at"] is not None or not row["active"]:
            return AuthError("this session was ended; log in again", code="refresh_token_revoked")
        if datetime.fromisoformat(row["expires_at"]) <= tx.now:
            return AuthError("the session has expired; log in again", code="refresh_token_expired")
        tx.conn.execute("UPDATE refresh_tokens SET used_at = ? WHERE id = ?", (tx.now.isoformat(), row["id"]))
        successor, expires = _new(tx, row["uid"], row["family"], device, ttl)
        return Refreshed(successor, expires, User(id=row["uid"], name=row["name"], role=row["role"]),
                         row["family"])

    # The reuse revocation must commit, so the error is returned from the job, not raised in it.
    result = store.write(job)
    if isinstance(result, AuthError):
        raise result
    return result


def unspent(conn, token: str, now: datetime) -> Refreshed | AuthError:
    """Read-only: the live refresh token ``token`` as it stands (itself, not a successor), or why it
    is not live. For when the disk cannot take the write that spends it (see sessions)."""
    row = conn.execute(
        "SELECT r.family, r.expires_at, r.used_at, r.revoked_at, u.id AS uid, u.name, u.role, u.active"
        " FROM refresh_tokens r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?",
        (_digest(token),)).fetchone()
    if row is None:
        return AuthError("unknown refresh token; log in again", code="invalid_refresh_token")
    if row["used_at"] is not None or row["revoked_at"] is not None or not row["active"]:
        return AuthError("this session was ended; log in again", code="refresh_token_revoked")
    expires = datetime.fromisoformat(row["expires_at"])
    if expires <= now:
        return AuthError("the session has expired; log in again", code="refresh_token_expired")
    return Refreshed(token, expires, User(id=row["uid"], name=row["name"], role=row["role"]), row["family"])


def revoke_family(tx, family: str) -> None:
    tx.conn.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
                    (tx.now.isoformat(), family))


def family_of(tx, token: str) -> tuple[str, User] | None:
    """The session (family) a refresh token belongs to and its user, or None if unknown."""
    row = tx.conn.execute("SELECT r.family, u.id, u.name, u.role FROM refresh_tokens r"
                          " JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?",
                          (_digest(token),)).fetchone()
    if row is None:
        return None
    return row["family"], User(id=row["id"], name=row["name"], role=row["role"])


def revoke_user(tx, user_id: str) -> None:
    tx.conn.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                    (tx.now.isoformat(), user_id))


def revoke_access(tx, jti: str, expires_at: float) -> None:
    tx.conn.execute("INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)", (jti, expires_at))


def ended(conn, jti: str | None, session: str | None) -> str | None:
    """Why an access token no longer counts: ``token_revoked`` (it was logged out) or
    ``session_revoked`` (its session was logged out, or its refresh token was copied); else None.
    One indexed statement per request."""
    row = conn.execute("SELECT EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?),"
                       " EXISTS(SELECT 1 FROM refresh_tokens WHERE family = ? AND revoked_at IS NOT NULL)",
                       (jti or "", session or "")).fetchone()
    if row[0]:
        return "token_revoked"
    return "session_revoked" if row[1] else None


def revocation_check(read_conn):
    """A check for ``Services.revocation_checks``: an access token stops working once it, or its
    session, is logged out."""
    def check(claims: dict) -> None:
        reason = ended(read_conn(), claims.get("jti"), claims.get("sid"))
        if reason == "token_revoked":
            raise AuthError("this token was logged out", code="token_revoked")
        if reason == "session_revoked":
            raise AuthError("this session was ended; log in again", code="session_revoked")
    return check


def prune(store: Store) -> None:
    """Forget expired tokens (the nightly job)."""
    def job(tx) -> None:
        tx.conn.execute("DELETE FROM refresh_tokens WHERE expires_at < ?", (tx.now.isoformat(),))
        tx.conn.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (tx.now.timestamp(),))
    store.write(job)
