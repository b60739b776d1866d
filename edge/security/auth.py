"""Staff PINs, JWTs and roles.

A PIN is short, so it is never stored as is: ``pin_lookup`` (an HMAC under the box secret) finds
the user without trying every hash, and ``pin_hash`` (scrypt, salted) proves it. Tokens are
HS256 JWTs signed with the box secret, which is generated on first start (mode 0600).
"""

from __future__ import annotations

import hashlib
import re
import hmac
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import jwt

from edge.domain.actors import Actor
from edge.domain.errors import Conflict, Invalid, NotFound
from edge.domain.ids import uuid7
from edge.security.names import clean_user_name, skeleton
from edge.security.secretfiles import write_private

ROLES = ("admin", "staff", "customer")
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
PIN_PATTERN = "^[0-9]{4,8}$"
SECRET_FILE = "secret.key"
ALGORITHM = "HS256"


class AuthError(Exception):
    def __init__(self, message: str, code: str = "unauthorized"):
        super().__init__(message)
        self.message, self.code = message, code


def load_or_create_secret(data_dir: Path) -> bytes:
    """The signing secret; made on first start, readable by the service user only, and on disk
    before it signs anything (a power cut must not leave an empty key the box cannot start with)."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        try:
            write_private(path, secrets.token_hex(32).encode(), exclusive=True)
        except FileExistsError:
            pass  # another process made it just now
    secret = path.read_bytes().strip()
    if len(secret) < 32:
        raise AuthError(f"{path} holds a secret too short to sign tokens; delete it to make a new one")
    return secret


def pin_lookup(secret: bytes, pin: str) -> str:
    return hmac.new(secret, pin.encode(), hashlib.sha256).hexdigest()


LEGACY_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # hashes written as scrypt$salt$digest


def hash_pin(pin: str) -> str:
    """scrypt$n$r$p$salt$digest: the cost travels with the hash, so raising SCRYPT later does
    not lock out every user whose PIN was hashed at the old cost."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        parts = stored.split("$")
        if len(parts) == 6:
            _, n, r, p, salt_hex, digest_hex = parts
            params = {"n": int(n), "r": int(r), "p": int(p), "dklen": 32}
        else:
            _, salt_hex, digest_hex = parts
            params = LEGACY_SCRYPT
        digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), **params)
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str
    active: bool = True

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role, "active": self.active}

    def actor(self) -> Actor:
        return Actor(kind="user", id=self.id, name=self.name, role=self.role)


def add_user(conn: sqlite3.Connection, secret: bytes, name: str, role: str, pin: str) -> User:
    """Insert a user (inside the caller's transaction). PINs are unique among active users."""

    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    if not re.fullmatch(PIN_PATTERN, pin):
        raise Invalid("a PIN is 4 to 8 digits", code="invalid_pin")
    name = clean_user_name(name)
    lookup = pin_lookup(secret, pin)
    if conn.execute("SELECT 1 FROM users WHERE pin_lookup = ? AND active = 1", (lookup,)).fetchone():
        raise Conflict("that PIN is already in use; choose another", code="pin_taken")
    looks_like = skeleton(name)
    for (existing,) in conn.execute("SELECT name FROM users WHERE active = 1"):
        if existing.casefold() == name.casefold() or skeleton(existing) == looks_like:
            raise Conflict(f"a user named {existing!r} already exists"
                           + ("" if existing.casefold() == name.casefold() else f" ({name!r} reads the same)"),
                           code="name_taken")
    user = User(id=uuid7(), name=name, role=role)
    conn.execute("INSERT INTO users (id, name, role, pin_lookup, pin_hash, active, created_at)"
                 " VALUES (?,?,?,?,?,1,?)", (user.id, name, role, lookup, hash_pin(pin),
                                             datetime.now(timezone.utc).isoformat()))
    return user


def disable_user(conn: sqlite3.Connection, name_or_id: str) -> User:
    row = conn.execute("SELECT id, name, role FROM users WHERE (id = ? OR name = ? COLLATE NOCASE)"
                       " AND active = 1", (name_or_id, name_or_id)).fetchone()
    if row is None:
        raise NotFound(f"no active user {name_or_id!r}", code="user_not_found")
    conn.execute("UPDATE users SET active = 0 WHERE id = ?", (row["id"],))
    return User(id=row["id"], name=row["name"], role=row["role"], active=False)


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [User(id=r["id"], name=r["name"], role=r["role"], active=bool(r["active"]))
            for r in conn.execute("SELECT id, name, role, active FROM users ORDER BY active DESC, name")]


def authenticate(conn: sqlite3.Connection, secret: bytes, pin: str) -> User:
    row = conn.execute("SELECT id, name, role, pin_hash FROM users WHERE pin_lookup = ? AND active = 1",
                       (pin_lookup(secret, pin),)).fetchone()
    if row is None or not verify_pin(pin, row["pin_hash"]):
        raise AuthError("wrong PIN", code="wrong_pin")
    return User(id=row["id"], name=row["name"], role=row["role"])


def user_is_active(conn: sqlite3.Connection, user_id: str) -> bool:
    return conn.execute("SELECT 1 FROM users WHERE id = ? AND active = 1", (user_id,)).fetchone() is not None


def decode_token(token: str, secret: bytes, restaurant_id: str, now: float | None = None) -> dict:
    """Check a token's signature, expiry, restaurant and role (device tokens carry kind=device);
    its times against ``now`` (epoch seconds; default: the wall clock)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "role", "restaurant_id"],
                                     "verify_exp": False, "verify_iat": False, "verify_nbf": False})
        check_times(claims, time.time() if now is None else now)
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired; refresh it or log in again", code="token_expired") from None
    except jwt.InvalidTokenError as error:
        raise AuthError(f"the token is not valid: {error}", code="invalid_token") from None
    if claims["restaurant_id"] != restaurant_id:
        raise AuthError("the token belongs to another restaurant", code="wrong_restaurant")
    if claims["role"] not in ROLES and claims.get("kind") != "device":
        raise AuthError("the token carries an unknown role", code="invalid_token")
    return claims


def check_times(claims: dict, now: float) -> None:
    """PyJWT's checks of iat, nbf and exp (same order, same errors), but at ``now``: PyJWT reads
    the wall clock itself and takes no clock, so tests could only move time by sleeping."""
    def seconds(name: str, error: type[jwt.InvalidTokenError], what: str) -> int:
        try:
            return int(claims[name])
        except (ValueError, TypeError, OverflowError):
            raise error(f"{what} claim ({name}) must be an integer.") from None

    if "iat" in claims and seconds("iat", jwt.InvalidIssuedAtError, "Issued At") > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in claims and seconds("nbf", jwt.DecodeError, "Not Before") > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    if seconds("exp", jwt.DecodeError, "Expiration Time") <= now:
        raise jwt.ExpiredSignatureError("Signature has expired")
