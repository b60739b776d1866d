"""The menu and stations, under /api/v1."""

from __future__ import annotations

from flask import Blueprint, current_app, g

from edge.api.routing import api_route
from edge.api.schemas import MenuItemPatch, MenuOut, StationList
from edge.domain.menu import MenuItem
from edge.store import commands
from edge.store.menu_repo import load_stations

bp = Blueprint("menu", __name__, url_prefix="/api/v1")
EVERYONE = ("admin", "staff", "customer")


@api_route(bp, "/menu", response=MenuOut, roles=EVERYONE, summary="The whole menu, with 86 state")
def get_menu():
    menu = current_app.extensions["edge"].store.menu()
    return MenuOut(version=menu.version, categories=menu.categories, items=menu.items)


@api_route(bp, "/menu/items/<item_id>", methods=["PATCH"], body=MenuItemPatch, response=MenuItem,
           roles=("admin",), errors=(400, 404, 415, 422),
           summary="Change an item's price or availability (86 / un-86)")
def patch_menu_item(item_id: str, body: MenuItemPatch):
    changes = body.model_dump(exclude_none=True)
    return commands.update_menu_item(current_app.extensions["edge"].store, item_id, changes, g.actor)


@api_route(bp, "/stations", response=StationList, roles=EVERYONE, summary="Kitchen stations and expo")
def list_stations():
    return StationList(stations=load_stations(current_app.extensions["edge"].store.read()))
