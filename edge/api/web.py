"""The tablet app: its pages and static files (``web/``), and the settings it needs."""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Blueprint, Response, request, send_from_directory
from pydantic import BaseModel

from edge.api.routing import api_route
from edge.api.current import current_services
from edge.domain.menu import Station
from edge.settings import StationTiming
from edge.store.menu_repo import load_stations

SOURCE_WEB_DIR = Path(__file__).resolve().parents[2] / "web"  # a source checkout
INSTALLED_WEB_DIR = Path(sys.prefix) / "share" / "restaurant-edge" / "web"  # the wheel's data files
DEFAULT_WEB_DIR = SOURCE_WEB_DIR if SOURCE_WEB_DIR.is_dir() else INSTALLED_WEB_DIR
SHELL = "app.html"  # one page for every screen; web/js/main.js picks the screen from the URL
pages = Blueprint("web", __name__)
api = Blueprint("web_api", __name__, url_prefix="/api/v1")
EVERYONE = ("admin", "staff", "customer")


class RestaurantOut(BaseModel):
    name: str
    currency: str


class KdsTimings(BaseModel):
    warn_after_s: int
    late_after_s: int
    per_station: dict[str, StationTiming]
    staff_may_86: bool = True


class WebConfig(BaseModel):
    restaurant: RestaurantOut
    kds: KdsTimings
    stations: list[Station]
    last_seq: int
    now: str


@api_route(api, "/web/config", response=WebConfig, roles=EVERYONE,
           summary="What the tablets need: stations, ageing thresholds, the box's clock and last seq")
def web_config():
    services = current_services()
    settings = services.settings
    return WebConfig(
        restaurant=RestaurantOut(name=settings.restaurant.name, currency=settings.restaurant.currency),
        kds=KdsTimings(**settings.kds.model_dump()),
        stations=load_stations(services.store.read()),
        last_seq=services.store.last_seq,
        now=services.store.now().isoformat(timespec="milliseconds"),
    )


@pages.get("/")
@pages.get("/kds/<station>")
@pages.get("/expo")
@pages.get("/manage")
@pages.get("/kiosk")
def screen(station: str | None = None):
    return _static(SHELL)


@pages.get("/sw.js")
def service_worker():
    # Served from the root so its scope covers every page.
    return _static("sw.js")


@pages.get("/web/<path:filename>")
def asset(filename: str):
    return _static(filename)


def _static(filename: str) -> Response:
    web_dir = current_services().settings.web_dir or DEFAULT_WEB_DIR
    response = send_from_directory(web_dir, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"  # revalidate (ETag); the service worker covers offline
    return response


@pages.after_request
def _security_headers(response: Response) -> Response:
    host = request.host
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' ws://{host} wss://{host}; worker-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
