"""The menu and stations, under /api/v1."""

from __future__ import annotations

from flask import Blueprint, g
from pydantic import Field

from edge.api.errors import ApiError

from edge.api.routing import api_route
from edge.api.schemas import MenuItemPatch, MenuOut, StationList
from edge.api.current import current_services
from edge.domain.menu import MenuItem
from edge.domain.strict import Strict
from edge.store import commands
from edge.store.menu_repo import load_stations

bp = Blueprint("menu", __name__, url_prefix="/api/v1")
EVERYONE = ("admin", "staff", "customer")


@api_route(bp, "/menu", response=MenuOut, roles=EVERYONE, summary="The whole menu, with 86 state")
def get_menu():
    menu = current_services().store.menu()
    return MenuOut(version=menu.version, categories=menu.categories, items=menu.items)


@api_route(bp, "/menu/items/<item_id>", methods=["PATCH"], body=MenuItemPatch, response=MenuItem,
           roles=("admin",), errors=(400, 404, 415, 422),
           summary="Change an item's price or availability (86 / un-86)")
def patch_menu_item(item_id: str, body: MenuItemPatch):
    changes = body.model_dump(exclude_none=True)
    return commands.update_menu_item(current_services().store, item_id, changes, g.actor)


class AvailabilityIn(Strict):
    available: bool = Field(strict=True)


@api_route(bp, "/menu/items/<item_id>/availability", methods=["PUT"], body=AvailabilityIn, response=MenuItem,
           errors=(403, 404, 415, 422),
           summary="86 / un-86 an item from a kitchen screen (staff may when kds.staff_may_86; audited)")
def set_availability(item_id: str, body: AvailabilityIn):
    services = current_services()
    if g.actor.role != "admin" and not services.settings.kds.staff_may_86:
        raise ApiError(403, "staff_may_not_86", "only an admin may 86 items on this box (kds.staff_may_86 is off)")
    return commands.update_menu_item(services.store, item_id, {"available": body.available}, g.actor)


@api_route(bp, "/stations", response=StationList, roles=EVERYONE, summary="Kitchen stations and expo")
def list_stations():
    return StationList(stations=load_stations(current_services().store.read()))
