"""Who is calling: the bearer token checked on every request that needs one."""

from __future__ import annotations

from flask import g, request

from edge.api.errors import ApiError
from edge.api.current import current_services
from edge.security.auth import AuthError
from edge.domain.actors import Actor


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":  # the scheme is case-insensitive (RFC 7235)
        return token.strip() or None
    # Browsers cannot put headers on a WebSocket, so the socket passes the token in the query.
    if request.path.endswith("/ws"):
        return request.args.get("token")
    return None


def authenticate_request() -> dict:
    if "claims" in g:
        return g.claims
    token = bearer_token()
    if token is None:
        raise AuthError("log in first: send 'Authorization: Bearer <token>'", code="missing_token")
    services = current_services()
    claims = services.tokens.verify(token)
    services.check_not_revoked(claims)
    g.claims = claims
    g.actor = Actor(kind=claims.get("kind", "user"), id=claims["sub"], name=claims.get("name", ""),
                    role=claims["role"], session=claims.get("sid"))
    return claims


def require_roles(roles: tuple[str, ...]) -> None:
    claims = authenticate_request()
    if claims["role"] not in roles:
        raise ApiError(403, "forbidden", f"this needs the role {' or '.join(roles)}; "
                                         f"you are {claims['role']}")
