"""Printers and fired orders for the device tests and the print benchmarks: a network printer's
settings pointed at a loopback fake (fake_printer.py), and orders of demo menu items taken (and
fired) through the real command, each line with the choices its item requires."""

from __future__ import annotations

import uuid

from edge.appliance.demo import DEMO_MENU
from edge.domain.actors import Actor
from edge.domain.orders import OrderItemRequest, OrderRequest
from edge.settings import PrinterSettings
from edge.store import commands

from .fake_printer import FakePrinter

SERVER = Actor(kind="user", id="u-sam", name="Sam", role="staff")


def network_printer(name: str, fake: FakePrinter, stations, **fields) -> PrinterSettings:
    return PrinterSettings(name=name, backend="network", host="127.0.0.1", port=fake.port,
                           stations=list(stations), timeout_s=fields.pop("timeout_s", 2.0), **fields)


def required_modifiers(item_id: str) -> list[str]:
    """The first choice of every group an item must have a choice from (doneness, size...)."""
    item = DEMO_MENU.item(item_id)
    return [group.modifiers[0].id for group in item.modifier_groups if group.min > 0]


def place_order(store, *items: str, fire: bool = True, **fields):
    """Take (and fire) an order of demo menu items through the real command."""
    lines = [OrderItemRequest(menu_item_id=item, modifier_ids=required_modifiers(item)) for item in items]
    request = OrderRequest(client_order_id=uuid.uuid4(), items=lines, fire=fire, **fields)
    order, _ = commands.create_order(store, request, SERVER)
    return order
