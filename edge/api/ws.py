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
from datetime import datetime, timezone

from flask import Blueprint, Response, g, request
from pydantic import Field

from edge.api.errors import ApiError
from edge.api.routing import ANY_STAFF, ROUTES, RouteSpec, parse_query
from edge.api.access import require_roles
from edge.api.current import current_services
from edge.domain.strict import Strict
from edge.serving.hub import RESYNC, Subscription
from edge.serving.feeds import HandshakeError
from edge.store.menu_repo import load_stations

log = logging.getLogger(__name__)

bp = Blueprint("ws", __name__, url_prefix="/api/v1")
CLOSE_CODES = {"shutdown": 1001, "revoked": 4401, "overflow": 4409, "replaced": 4429}
MAX_MESSAGE_BYTES = 4096  # tablets only send pings
# A kiosk (customer) listens to the menu only (86'd items vanish from its screen); orders,
# tickets and other guests' names are for staff.
CUSTOMER_EVENTS = ("menu.",)
WITH_KIOSKS = (*ANY_STAFF, "customer")


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
    """Checked before the view subscribes anything or the box answers 101: a refusal is a plain
    HTTP answer with its reason (401/403/404/422)."""
    require_roles(WITH_KIOSKS)
    query = parse_query(WsQuery)
    g.ws_after = query.after
    g.ws_station = _station_filter(query.station)
    g.ws_types = CUSTOMER_EVENTS if g.actor.role == "customer" else None


def _station_filter(station: str | None) -> str | None:
    """The station whose events to send; None (everything) for no station or for the expo."""
    if station is None:
        return None
    stations = {s.id: s for s in load_stations(current_services().store.read())}
    if station not in stations:
        raise ApiError(404, "station_not_found", f"station {station!r} not found",
                       [{"known": sorted(stations)}])
    return None if stations[station].kind == "expo" else station


@bp.route("/ws", websocket=True)  # werkzeug matches it to upgrade requests only (a plain GET: 400)
def live():
    """Subscribe, then hand the connection to the server's event loop (edge.serving.feeds), which
    answers 101, replays and streams: an open feed holds no request thread."""
    handover = request.environ.get("edge.feed")
    if handover is None:
        raise ApiError(400, "websocket_required", "the live feed is a WebSocket: open it with an upgrade")
    services = current_services()
    realtime = services.realtime
    subscription = realtime.subscribe(g.ws_station, g.claims["sub"], g.claims.get("sid"), types=g.ws_types,
                                      guest=g.actor.role == "customer")
    try:
        handover.accept(subscription, realtime.replay(subscription, g.ws_after),
                        heartbeat=lambda: _heartbeat(subscription),
                        heartbeat_s=services.settings.server.ws_heartbeat_s,
                        close_code=lambda reason: CLOSE_CODES.get(reason or "", 1000),
                        end=lambda: realtime.unsubscribe(subscription), resync=RESYNC,
                        max_message=MAX_MESSAGE_BYTES)
    except HandshakeError as error:
        realtime.unsubscribe(subscription)
        raise ApiError(400, "bad_handshake", str(error)) from None
    return Response(status=101)


def _heartbeat(subscription: Subscription) -> str:
    """Sent after a quiet heartbeat interval, so a tablet notices a dead box."""
    return json.dumps({"type": "heartbeat", "last_seq": subscription.last_seq,
                       "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds")})
