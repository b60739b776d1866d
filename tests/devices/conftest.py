"""Fixtures for the device tests: a real Store on a temporary SQLite file with the demo menu,
loopback fake printers, and a print service over them that is always stopped."""

from __future__ import annotations

import pytest

from edge.appliance.demo import seed_demo
from edge.store import Store
from tests.support.fake_printer import FakePrinter


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
