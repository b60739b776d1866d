"""What Supabase Auth (GoTrue) does for the owner's dashboard, for the test gateway: password
logins, refresh tokens (single use, rotated), the current user, log out, and magic links (the
"e-mail" lands in ``Auth.mailbox`` for the test to open). Access tokens are HS256 JWTs signed
with the project's JWT secret and carry the claims Supabase puts there (sub, role, aud, email,
app_metadata with the owner's restaurant_ids), so PostgREST and row-level security see exactly
what they would see in a real project.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse

import jwt

ACCESS_TOKEN_S = 3600


@dataclass
class User:
    email: str
    password: str
    app_metadata: dict
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def document(self) -> dict:
        return {"id": self.id, "aud": "authenticated", "role": "authenticated", "email": self.email,
                "email_confirmed_at": "2026-11-01T00:00:00Z", "phone": "",
                "app_metadata": {"provider": "email", "providers": ["email"], **self.app_metadata},
                "user_metadata": {}, "identities": [], "created_at": "2026-11-01T00:00:00Z",
                "updated_at": "2026-11-01T00:00:00Z", "is_anonymous": False}


def _error(status: int, error_code: str, message: str) -> tuple[int, dict]:
    return status, {"code": status, "error_code": error_code, "msg": message}


class Auth:
    def __init__(self, jwt_secret: str, *, magic_links: bool = True):
        self.jwt_secret = jwt_secret
        self.magic_links = magic_links
        self.mailbox: list[tuple[str, str]] = []  # (email, link)
        self._users: dict[str, User] = {}
        self._refresh: dict[str, str] = {}   # refresh token -> user id
        self._link_tokens: dict[str, tuple[str, str]] = {}  # one-time token -> (user id, redirect)
        self._lock = threading.Lock()

    def add_user(self, email: str, password: str, *, restaurant_ids: list[str]) -> User:
        user = User(email, password, {"restaurant_ids": list(restaurant_ids)})
        self._users[user.id] = user
        return user

    def _by_email(self, email: str) -> User | None:
        return next((u for u in self._users.values() if u.email == (email or "").strip().lower()), None)

    def session(self, user: User) -> dict:
        now = int(time.time())
        claims = {"aud": "authenticated", "exp": now + ACCESS_TOKEN_S, "iat": now, "iss": "test-gateway/auth/v1",
                  "sub": user.id, "email": user.email, "phone": "", "role": "authenticated",
                  "app_metadata": user.document()["app_metadata"], "user_metadata": {}, "aal": "aal1",
                  "amr": [{"method": "password", "timestamp": now}], "session_id": str(uuid.uuid4()),
                  "is_anonymous": False}
        refresh = secrets.token_urlsafe(24)
        with self._lock:
            self._refresh[refresh] = user.id
        return {"access_token": jwt.encode(claims, self.jwt_secret, algorithm="HS256"), "token_type": "bearer",
                "expires_in": ACCESS_TOKEN_S, "expires_at": now + ACCESS_TOKEN_S, "refresh_token": refresh,
                "user": user.document()}

    # -- endpoints: (method, path, query, body, bearer) -> (status, body | None, headers) -------------
    def handle(self, method: str, path: str, query: str, body: dict, bearer: str | None):
        grant = parse_qs(query).get("grant_type", [""])[0]
        if method == "POST" and path == "/token" and grant == "password":
            return (*self._password(body), {})
        if method == "POST" and path == "/token" and grant == "refresh_token":
            return (*self._refresh_grant(body), {})
        if method == "GET" and path == "/user":
            return (*self._user(bearer), {})
        if method == "POST" and path == "/logout":
            return 204, None, {}
        if method == "POST" and path == "/otp":
            return (*self._otp(body, parse_qs(query).get("redirect_to", [""])[0]), {})
        if method == "GET" and path == "/verify":
            return self._verify(parse_qs(query))
        return (*_error(404, "not_found", f"no such auth endpoint {method} {path}"), {})

    def _password(self, body: dict):
        user = self._by_email(body.get("email"))
        if user is None or not secrets.compare_digest(user.password, str(body.get("password", ""))):
            return _error(400, "invalid_credentials", "Invalid login credentials")
        return 200, self.session(user)

    def _refresh_grant(self, body: dict):
        with self._lock:
            user_id = self._refresh.pop(str(body.get("refresh_token", "")), None)
        if user_id is None:
            return _error(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
        return 200, self.session(self._users[user_id])

    def _user(self, bearer: str | None):
        try:
            claims = jwt.decode(bearer or "", self.jwt_secret, algorithms=["HS256"], audience="authenticated")
        except jwt.InvalidTokenError as error:
            return _error(403, "bad_jwt", f"invalid JWT: {error}")
        user = self._users.get(claims.get("sub"))
        return (200, user.document()) if user else _error(403, "user_not_found", "User from sub claim in JWT does not exist")

    def _otp(self, body: dict, redirect_to: str):
        if not self.magic_links:
            return _error(422, "email_provider_disabled", "Email logins are disabled")
        user = self._by_email(body.get("email"))
        if user is not None:  # an unknown address gets the same answer: no account probing
            token = secrets.token_urlsafe(24)
            with self._lock:
                self._link_tokens[token] = (user.id, redirect_to)
            self.mailbox.append((user.email, f"/auth/v1/verify?{urlencode({'token': token, 'type': 'magiclink', 'redirect_to': redirect_to})}"))
        return 200, {}

    def _verify(self, query: dict):
        with self._lock:
            found = self._link_tokens.pop(query.get("token", [""])[0], None)
        if found is None:
            return (*_error(403, "otp_expired", "Email link is invalid or has expired"), {})
        user_id, redirect_to = found
        if urlparse(redirect_to).scheme not in ("http", "https"):
            return (*_error(400, "validation_failed", "redirect_to is not an allowed URL"), {})
        session = self.session(self._users[user_id])
        fragment = urlencode({key: session[key] for key in ("access_token", "expires_at", "expires_in",
                                                            "refresh_token", "token_type")} | {"type": "magiclink"})
        return 303, None, {"Location": f"{redirect_to}#{fragment}"}
