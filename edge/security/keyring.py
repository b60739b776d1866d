"""JWT signing keys that can be rotated without logging everyone out.

``signing-keys.json`` (mode 0600) holds the current key and the keys it replaced, each with the
time until which it is still accepted. Tokens carry the key id (``kid``) in their header. After
``edge rotate-secret`` new tokens are signed with the new key while tokens signed with the
previous one keep working for the grace period (by default one access-token lifetime, after
which they would have expired anyway). The running server notices the rotated file by itself.

The first key is the box's original ``secret.key`` (kid ``k0``), so tokens issued before this
file existed stay valid. ``secret.key`` itself is never rotated: it also keys the PIN lookup
HMAC, and re-keying that would need every user's PIN.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import jwt

from edge.security.auth import ALGORITHM, AuthError, User, decode_token
from edge.domain.ids import uuid7
from edge.security.secretfiles import write_private

KEYRING_FILE = "signing-keys.json"
LEGACY_KID = "k0"
VERIFIED_CACHE_SIZE = 2048  # tokens; a box has tens of tablets and people, each renewing every 7 min


DEVICE_GRACE = timedelta(days=400)  # longer than any paired tablet's token lives


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: bytes
    accept_until: float | None  # unix seconds; None for the current key
    # Paired tablets' tokens live a year: a routine rotation keeps accepting the ones this key
    # signed until then, a leak rotation (grace 0) ends them with the people's. None: while listed.
    devices_until: float | None = None

    def as_dict(self) -> dict:
        return {"kid": self.kid, "secret": self.secret.decode(), "accept_until": self.accept_until,
                "devices_until": self.devices_until}

    def accepts(self, kind: str | None, now: float) -> bool:
        if self.accept_until is None or self.accept_until > now:
            return True
        return kind == "device" and (self.devices_until is None or self.devices_until > now)

    def retired(self, grace_until: float, devices_until: float) -> "SigningKey":
        accept_until = grace_until if self.accept_until is None else min(self.accept_until, grace_until)
        devices = devices_until if self.devices_until is None else min(self.devices_until, devices_until)
        return SigningKey(self.kid, self.secret, accept_until, devices)


def _load(path: Path, legacy_secret: bytes) -> list[SigningKey]:
    if not path.exists():
        return [SigningKey(LEGACY_KID, legacy_secret, None)]
    entries = json.loads(path.read_text())["keys"]
    keys = [SigningKey(e["kid"], e["secret"].encode(), e["accept_until"], e.get("devices_until"))
            for e in entries]
    if not any(k.kid == LEGACY_KID for k in keys):
        # Files from before device deadlines dropped k0 after its grace, but tablets paired back
        # then hold kid-less tokens signed with secret.key: they stay valid until a leak rotation.
        keys.insert(0, SigningKey(LEGACY_KID, legacy_secret, 0.0, None))
    return keys


def _expired_at(key: SigningKey, now: float) -> SigningKey:
    """The key with the deadlines already past at ``now`` written as ended (0)."""
    def ended(deadline: float | None) -> float | None:
        return 0.0 if deadline is not None and deadline <= now else deadline
    return SigningKey(key.kid, key.secret, ended(key.accept_until), ended(key.devices_until))


def rotate(data_dir: Path, legacy_secret: bytes, grace: timedelta, *,
           device_grace: timedelta | None = None, now: float | None = None) -> str:
    """Make a new current key; the old one is accepted for ``grace`` (people's tokens) and for
    ``device_grace`` (paired tablets' tokens; default: their lifetime, or 0 when ``grace`` is 0,
    which is how a leak is answered: every token signed with an old key dies). Returns the new kid."""
    now = now if now is not None else datetime.now(timezone.utc).timestamp()
    if device_grace is None:
        device_grace = timedelta(0) if grace <= timedelta(0) else DEVICE_GRACE
    path = data_dir / KEYRING_FILE
    grace_until, devices_until = now + grace.total_seconds(), now + device_grace.total_seconds()
    keys = [_expired_at(k, now) for k in _load(path, legacy_secret)]
    keys = [k for k in keys if k.accepts("device", now) or k.kid == LEGACY_KID]  # k0 keeps its record
    keys = [k.retired(grace_until, devices_until) if k.accept_until is None or device_grace <= timedelta(0)
            else k for k in keys]
    new = SigningKey(f"k{uuid7().replace('-', '')[:16]}", secrets.token_hex(32).encode(), None)
    keys.append(new)
    write_private(path, json.dumps({"keys": [k.as_dict() for k in keys]}, indent=1).encode())
    return new.kid


def _unverified_kind(token: str) -> str | None:
    """Only picks the key: the signature is checked with it right after."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims.get("kind") if isinstance(claims, dict) else None


class TokenService:
    """Issues and checks people's (and devices') JWTs with the key ring: ``issue(user, now=)``,
    ``verify(token)``, ``.ttl``. ``clock`` (epoch seconds) is the box's, so tests can move it."""

    def __init__(self, data_dir: Path, legacy_secret: bytes, restaurant_id: str, ttl: timedelta,
                 clock: Callable[[], float] = time.time):
        self.clock = clock
        self.path = data_dir / KEYRING_FILE
        self.legacy_secret = legacy_secret
        self.restaurant_id = restaurant_id
        self.ttl = ttl
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._keys: list[SigningKey] = []
        # token -> (claims, kid): a tablet sends the same token with every request for minutes, and
        # decoding it (base64, JSON, HMAC) twice per request was a tenth of a request's CPU
        self._verified: dict[str, tuple[dict, SigningKey]] = {}
        self._reload_if_changed()

    @property
    def secret(self) -> bytes:
        return self.current().secret

    def current(self) -> SigningKey:
        self._reload_if_changed()
        return next(k for k in reversed(self._keys) if k.accept_until is None)

    def issue(self, user: User, *, now: datetime | None = None, session: str | None = None) -> str:
        claims = {"sub": user.id, "name": user.name, "role": user.role, "kind": "user"}
        return self.encode({**claims, "sid": session} if session else claims, self.ttl, now=now)

    def encode(self, claims: dict, ttl: timedelta, *, now: datetime | None = None) -> str:
        """Sign any claims (device tokens too) with the current key, stamped for this restaurant."""
        now = now or datetime.fromtimestamp(self.clock(), timezone.utc)
        key = self.current()
        body = {"restaurant_id": self.restaurant_id, "jti": uuid7(), **claims, "iat": now, "exp": now + ttl}
        return jwt.encode(body, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})

    def verify(self, token: str) -> dict:
        """The token's claims, or AuthError. Checked once, then remembered until it expires or its
        key is retired; revocation is not cached (Services.check_not_revoked runs every time)."""
        self._reload_if_changed()  # a rotation empties the cache
        cached = self._verified.get(token)
        if cached is not None:
            claims, key = cached
            now = self.clock()
            if claims["exp"] > now and key.accepts(claims.get("kind"), now):
                return claims
        key = self._key_for(token)
        claims = decode_token(token, key.secret, self.restaurant_id, now=self.clock())
        with self._lock:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)), None)  # the oldest: dicts keep order
            self._verified[token] = (claims, key)
        return claims

    def _key_for(self, token: str) -> SigningKey:
        """The key that must have signed the token: the one its ``kid`` names (none: ``k0``, the
        original secret.key, which tablets paired before key ids existed were signed with).
        Paired tablets hold year-long tokens: a routine rotation keeps their key for them (the
        pairing row is still checked on every request), a leak rotation ends them."""
        try:
            kid = jwt.get_unverified_header(token).get("kid") or LEGACY_KID
            kind = _unverified_kind(token)
        except jwt.InvalidTokenError as error:
            raise AuthError(f"the token is not valid: {error}", code="invalid_token") from None
        self._reload_if_changed()
        key = next((k for k in self._keys if k.kid == kid), None)
        if key is None or not key.accepts(kind, self.clock()):
            raise AuthError("the token was signed with a retired key; log in again", code="key_retired")
        return key

    def _reload_if_changed(self) -> None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if self._keys and mtime == self._mtime:
            return
        with self._lock:
            self._keys = _load(self.path, self.legacy_secret)
            self._mtime = mtime
            self._verified.clear()

