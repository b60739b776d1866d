"""Fixtures for the device tests: a real Store on a temporary SQLite file with the demo menu,
loopback fake printers, and a print service over them that is always stopped."""

from __future__ import annotations

import uuid

import pytest

from edge.appliance.demo import DEMO_MENU, seed_demo
from edge.domain.actors import Actor
from edge.domain.orders import OrderItemRequest, OrderRequest
from edge.settings import PrinterSettings
from edge.store import Store, commands
from edge_testing import wait_for  # noqa: F401  (the device tests import it from here)
from tests.devices.fake_printer import FakePrinter

SERVER = Actor(kind="user", id="u-sam", name="Sam", role="staff")


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "edge.sqlite", box_id="box-1", restaurant_id="r-1").open()
    seed_demo(store, b"s" * 32)
    yield store
    store.close()


@pytest.fixture
def fakes():
    printers: list[FakePrinter] = []

    def make(**options) -> FakePrinter:
        printer = FakePrinter(**options).start()
        printers.append(printer)
        return printer

    yield make
    for printer in printers:
        printer.stop()


def network_printer(name: str, fake: FakePrinter, stations, **fields) -> PrinterSettings:
    return PrinterSettings(name=name, backend="network", host="127.0.0.1", port=fake.port,
                           stations=list(stations), timeout_s=fields.pop("timeout_s", 2.0), **fields)


@pytest.fixture
def print_service(store):
    from devices.printer.service import PrintService

    services = []

    def make(printers, **options):
        options.setdefault("backoff_first_s", 0.05)
        options.setdefault("backoff_max_s", 0.2)
        service = PrintService(store, printers, **options).install().start()
        services.append(service)
        return service

    yield make
    for service in services:
        service.stop()


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
