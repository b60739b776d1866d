"""Orders, tickets, the kitchen displays' views and the event log, under /api/v1."""

from __future__ import annotations

import time

from flask import Blueprint, g
from pydantic import BaseModel, Field

from edge.api.errors import ApiError
from edge.api.routing import api_route
from edge.api.schemas import EventList, EventsQuery, ExpoOut, KdsOut, OrdersQuery
from edge.api.current import current_services
from edge.domain.amendments import AddItemsRequest, VoidItemsRequest
from edge.domain.orders import Order, OrderRequest, VoidRequest
from edge.domain.strict import Strict
from edge.store import commands, queries
from edge.store.menu_repo import load_stations

bp = Blueprint("orders", __name__, url_prefix="/api/v1")
WITH_CUSTOMERS = ("admin", "staff", "customer")



class OrderList(BaseModel):
    orders: list[Order]


@api_route(bp, "/orders", methods=["POST"], body=OrderRequest, response=Order, status=201,
           roles=WITH_CUSTOMERS, errors=(400, 409, 413, 415, 422),
           summary="Take an order (idempotent on client_order_id; a repeat answers 200)")
def create_order(body: OrderRequest):
    services = current_services()
    if g.actor.role == "customer" and body.source == "pos":
        body = body.model_copy(update={"source": "kiosk"})
    started = time.perf_counter()
    order, created = commands.create_order(services.store, body, g.actor)
    if not created and _hidden_from(g.actor, order):
        raise ApiError(409, "idempotency_key_reused", "client_order_id was already used for another order",
                       [{"field": "client_order_id"}])
    if created:
        services.metrics.order_processing.observe((time.perf_counter() - started) * 1000)
    return order, 201 if created else 200


@api_route(bp, "/orders", query=OrdersQuery, response=OrderList, roles=WITH_CUSTOMERS,
           summary="List orders (filters: status, station, since)")
def list_orders(query: OrdersQuery):
    statuses = [query.status] if isinstance(query.status, str) else query.status
    customer = g.actor if g.actor.role == "customer" else None
    orders = queries.list_orders(current_services().store.read(), status=statuses, station=query.station,
                                 since=query.since, created_by=customer and customer.id,
                                 created_session=customer and customer.session, limit=query.limit)
    return OrderList(orders=orders)


@api_route(bp, "/orders/<order_id>", response=Order, roles=WITH_CUSTOMERS, errors=(404,),
           summary="One order")
def get_order(order_id: str):
    order = queries.get_order(current_services().store.read(), order_id)
    if order is None or _hidden_from(g.actor, order):
        raise ApiError(404, "order_not_found", f"order {order_id} not found")
    return order


@api_route(bp, "/orders/<order_id>/fire", methods=["POST"], response=Order, errors=(404, 409),
           summary="Send an open order to the kitchen")
def fire_order(order_id: str):
    return commands.fire_order(current_services().store, order_id, g.actor)


@api_route(bp, "/orders/<order_id>/complete", methods=["POST"], response=Order, errors=(404, 409),
           summary="Expo hands over an order that every station has bumped")
def complete_order(order_id: str):
    return commands.complete_order(current_services().store, order_id, g.actor)


@api_route(bp, "/orders/<order_id>/void", methods=["POST"], body=VoidRequest, response=Order,
           errors=(400, 404, 409, 415, 422), summary="Void or cancel an order, with a reason")
def void_order(order_id: str, body: VoidRequest):
    return commands.void_order(current_services().store, order_id, body.reason, g.actor)


@api_route(bp, "/orders/<order_id>/items", methods=["POST"], body=AddItemsRequest, response=Order,
           status=201, errors=(400, 404, 409, 413, 415, 422),
           summary="Add items to a sent order: fired as new ADDED tickets (idempotent on "
                   "amendment_id; a repeat answers 200)")
def add_items(order_id: str, body: AddItemsRequest):
    order, created = commands.add_items(current_services().store, order_id, body, g.actor)
    return order, 201 if created else 200


@api_route(bp, "/orders/<order_id>/items/void", methods=["POST"], body=VoidItemsRequest, response=Order,
           status=201, errors=(400, 404, 409, 415, 422),
           summary="Void some items of an order, with a reason (idempotent on amendment_id; a "
                   "repeat answers 200)")
def void_items(order_id: str, body: VoidItemsRequest):
    order, created = commands.void_items(current_services().store, order_id, body, g.actor)
    return order, 201 if created else 200


@api_route(bp, "/tickets/<ticket_id>/bump", methods=["POST"], response=Order, errors=(404, 409),
           summary="A station bumps its ticket (ready)")
def bump_ticket(ticket_id: str):
    return commands.bump_ticket(current_services().store, ticket_id, g.actor)


@api_route(bp, "/tickets/<ticket_id>/recall", methods=["POST"], response=Order, errors=(404, 409),
           summary="Bring a bumped ticket back to the station")
def recall_ticket(ticket_id: str):
    return commands.recall_ticket(current_services().store, ticket_id, g.actor)


@api_route(bp, "/tickets/<ticket_id>/items/<item_id>/done", methods=["POST"], response=Order,
           errors=(404, 409), summary="Mark one item of a ticket done")
def mark_item_done(ticket_id: str, item_id: str):
    return commands.mark_item_done(current_services().store, ticket_id, item_id, g.actor)


@api_route(bp, "/kds/<station>", response=KdsOut, errors=(404,),
           summary="A station's open tickets (oldest first), recently bumped ones, all-day counts")
def kds(station: str):
    store = current_services().store
    _kitchen_station(store, station)
    return queries.kds_view(store.read(), station, store.now())


class SelectionIn(Strict):
    ticket_id: str | None = Field(max_length=64, description="an open ticket of the station, or null")


class SelectionOut(BaseModel):
    station: str
    ticket_id: str | None
    seq: int


@api_route(bp, "/kds/<station>/selection", methods=["POST"], body=SelectionIn, response=SelectionOut,
           errors=(404, 409, 415, 422),
           summary="Select a ticket on a station (a kds.selected event: the bump bar and every screen follow)")
def select_ticket(station: str, body: SelectionIn):
    store = current_services().store
    _kitchen_station(store, station)
    seq = commands.select_ticket(store, station, body.ticket_id, g.actor)
    return SelectionOut(station=station, ticket_id=body.ticket_id, seq=seq)


def _kitchen_station(store, station: str) -> None:
    stations = {s.id: s for s in load_stations(store.read())}
    if station not in stations:
        raise ApiError(404, "station_not_found", f"station {station!r} not found",
                       [{"known": sorted(stations)}])
    if stations[station].kind == "expo":
        raise ApiError(404, "station_not_found", f"{station!r} is the expo; use GET /api/v1/expo")


@api_route(bp, "/expo", response=ExpoOut, summary="Every order in the kitchen with each station's progress")
def expo():
    return queries.expo_view(current_services().store.read())


@api_route(bp, "/events", query=EventsQuery, response=EventList,
           summary="The event log after a seq (for catch-up and integrations)")
def events(query: EventsQuery):
    store = current_services().store
    found = store.events_after(query.after, limit=query.limit, station=query.station)
    admin = g.actor.role == "admin"  # audit details are for admins (and the cloud) only; others
    return {"events": [e.public() if admin or not e.type.startswith("audit.")  # see the seq, no data
                       else {**e.public(), "data": {}} for e in found], "last_seq": store.last_seq}


def _hidden_from(actor, order: Order) -> bool:
    """Customers see only what they ordered in this login session: a kiosk account is shared by
    every guest, and each guest (a new login) must not see the previous one's orders."""
    if actor.role != "customer":
        return False
    return order.created_by != actor.id or (actor.session is not None and order.created_session != actor.session)
