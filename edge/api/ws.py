"""The tablets' live feed: ``/api/v1/ws?token=<jwt>&after=<seq>[&station=<id>]`` (WebSocket).

Browsers cannot put headers on a WebSocket, so the token is in the query. Messages are JSON
text: events exactly as ``GET /api/v1/events`` serves them, plus ``{"type": "heartbeat"}`` every
few seconds of quiet (so a tablet notices a dead box), ``{"type": "pong"}`` answering a tablet's
``{"type": "ping"}``, and ``{"type": "resync"}`` before the box hangs up on a tablet that fell
too far behind (it reloads a snapshot and reconnects).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timezone

from flask import Blueprint, current_app, g
from flask_sock import Sock
from pydantic import Field
from simple_websocket import ConnectionClosed

from edge.api.errors import ApiError
from edge.api.routing import ANY_STAFF, ROUTES, RouteSpec, parse_query
from edge.api.schemas import Strict
from edge.api.security import require_roles
from edge.realtime import RESYNC, Subscription
from edge.store.menu_repo import load_stations

log = logging.getLogger(__name__)

bp = Blueprint("ws", __name__, url_prefix="/api/v1")
sock = Sock()
POLL_S = 1.0  # how soon a socket notices the hub closed it (messages themselves wake it at once)
CLOSE_CODES = {"shutdown": 1001, "revoked": 4401, "overflow": 4409}
# A kiosk (customer) listens to the menu only (86'd items vanish from its screen); orders,
# tickets and other guests' names are for staff.
CUSTOMER_EVENTS = ("menu.",)
WITH_KIOSKS = (*ANY_STAFF, "customer")


class _SocketReaderThread(threading.Thread):
    """simple-websocket reads each socket in a thread of its own. A daemon one: it has nothing to
    flush, and a stopping worker must not wait for it to notice its socket closed (it would wait
    out a whole ping interval)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, daemon=True, **kwargs)


def server_options(heartbeat_s: float) -> dict:
    """flask-sock's SOCK_SERVER_OPTIONS: protocol pings (a silent client is dropped at the next
    ping), small incoming messages (tablets only send pings), daemon reader threads."""
    return {"ping_interval": heartbeat_s, "max_message_size": 4096, "thread_class": _SocketReaderThread}


class WsQuery(Strict):
    token: str = Field(min_length=1, max_length=4096)
    after: int = Field(0, ge=0)
    station: str | None = Field(None, max_length=32)


# Documented in the OpenAPI document like the other routes (api_route cannot declare a WebSocket).
ROUTES.append(RouteSpec(
    "/api/v1/ws", ["GET"], "The live event feed (WebSocket): replay after `after`, then live events; "
    "see docs/events.md (a customer gets menu events only)", body=None, query=WsQuery, response=None,
    status=101, roles=WITH_KIOSKS,
    errors=(400, 404, 422), tags=["ws"]))  # 400: a plain GET, not a WebSocket upgrade


@bp.before_request
def _check_before_handshake():
    """flask-sock completes the handshake before the view runs: refuse here, while a clear
    401/404/422 can still be answered."""
    require_roles(WITH_KIOSKS)
    query = parse_query(WsQuery)
    g.ws_after = query.after
    g.ws_station = _station_filter(query.station)
    g.ws_types = CUSTOMER_EVENTS if g.actor.role == "customer" else None


def _station_filter(station: str | None) -> str | None:
    """The station whose events to send; None (everything) for no station or for the expo."""
    if station is None:
        return None
    stations = {s.id: s for s in load_stations(current_app.extensions["edge"].store.read())}
    if station not in stations:
        raise ApiError(404, "station_not_found", f"station {station!r} not found",
                       [{"known": sorted(stations)}])
    return None if stations[station].kind == "expo" else station


@sock.route("/ws", bp=bp)
def live(ws) -> None:
    services = current_app.extensions["edge"]
    heartbeat_s = services.settings.server.ws_heartbeat_s
    ws.sock.settimeout(heartbeat_s)  # a send to a vanished tablet fails instead of hanging
    subscription = services.realtime.subscribe(g.ws_station, g.claims["sub"], g.claims.get("sid"),
                                               types=g.ws_types)
    try:
        for message in services.realtime.replay(subscription, g.ws_after):
            ws.send(message)
            if message == RESYNC:
                return
        _stream(ws, subscription, heartbeat_s)
    except (ConnectionClosed, OSError):
        pass  # the tablet went away; it reconnects with its last seq
    finally:
        services.realtime.unsubscribe(subscription)
        _close(ws, subscription.closing_reason)


def _stream(ws, subscription: Subscription, heartbeat_s: float) -> None:
    last_sent = time.monotonic()
    while ws.connected:
        message = subscription.next_message(timeout=POLL_S)
        if message is not None:
            ws.send(message)
            last_sent = time.monotonic()
            if message == RESYNC:
                return
        elif subscription.closing_reason:
            return
        _answer_pings(ws)
        if time.monotonic() - last_sent >= heartbeat_s:
            ws.send(json.dumps({"type": "heartbeat", "last_seq": subscription.last_seq,
                                "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds")}))
            last_sent = time.monotonic()


def _answer_pings(ws) -> None:
    while (incoming := ws.receive(timeout=0)) is not None:
        try:
            kind = json.loads(incoming).get("type")
        except (ValueError, AttributeError):
            continue  # tablets send nothing else; ignore noise rather than hang up
        if kind == "ping":
            ws.send(json.dumps({"type": "pong"}))


def _close(ws, reason: str | None) -> None:
    try:
        ws.close(reason=CLOSE_CODES.get(reason or "", 1000), message=reason or "")
    except (ConnectionClosed, OSError):
        pass
