"""Security headers on every response, the box's own names only, and CORS limited to them.

A request naming another host than the box's own (``edge.api.hosts``) is refused with 421 before
anything runs: that is what a DNS-rebinding page sends. The tablet app is served by the box
itself, so by default only pages on the box's own names may call the API from a browser (other
origins get no CORS headers, and their preflights and WebSocket upgrades a 403).
``security.allowed_origins`` adds more (say, an owner's dashboard). Doubled slashes in a path are
not merged by a redirect (a redirect is built from the Host header): such a path is a 404.
API tokens travel in headers, not cookies, so a forged cross-site request carries no credentials;
if a cookie is ever set it is made HttpOnly and SameSite=Strict here.
"""

from __future__ import annotations

from flask import Flask, request

from edge.api.errors import error_response
from edge.api.hosts import BoxNames

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; "
                           "form-action 'self'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(self)",
}
ALLOWED_METHODS = "GET, POST, PATCH, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Device-Id, X-Request-ID"
EXPOSED_HEADERS = "Retry-After, X-Request-ID"


def init_headers(app: Flask, settings) -> None:
    extra = tuple(o.rstrip("/") for o in settings.security.allowed_origins)
    box_names = BoxNames(settings)
    app.url_map.merge_slashes = False  # rules added from now on
    for rule in app.url_map.iter_rules():  # and those already there
        rule.merge_slashes = False

    def origin_allowed(origin: str) -> bool:
        return origin in extra or box_names.allows_origin(origin)

    @app.before_request
    def _refuse_foreign_hosts():
        host = request.headers.get("Host")
        if host is None or box_names.allows(host):
            return None
        return error_response(421, "unknown_host", f"this box does not answer to the name {host!r}; "
                              "open it by its own name or address (or add the name to "
                              "security.allowed_hosts)")

    @app.before_request
    def _refuse_foreign_origins():
        origin = request.headers.get("Origin")
        if origin is None or origin_allowed(origin):
            return None
        # A preflight or a WebSocket upgrade from a foreign page: refuse outright. Other requests
        # simply get no CORS headers, so the browser keeps the answer from the foreign page.
        if request.method == "OPTIONS" or request.headers.get("Upgrade", "").lower() == "websocket":
            return error_response(403, "origin_not_allowed",
                                  f"requests from {origin} are not allowed on this box")
        return None

    @app.before_request
    def _preflight():
        if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
            return app.response_class(status=204)
        return None

    @app.after_request
    def _secure(response):
        present = {name.lower() for name in response.headers.keys()}  # one pass, not one per header
        response.headers.extend((name, value) for name, value in SECURITY_HEADERS.items()
                                if name.lower() not in present)
        origin = request.headers.get("Origin")
        if origin and origin_allowed(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
            response.vary.add("Origin")
        _harden_cookies(response)
        return response


def _harden_cookies(response) -> None:
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        lowered = cookie.lower()
        cookie += "" if "httponly" in lowered else "; HttpOnly"
        cookie += "" if "samesite" in lowered else "; SameSite=Strict"
        response.headers.add("Set-Cookie", cookie)
