"""Realistic events made with the real domain rules (edge.domain), for cloud-side tests.

A `BoxTimeline` plays one box: it builds orders from a small menu, moves them through the
lifecycle and returns events of the documented shape (docs/events.md), stamped by a real
hybrid logical clock from a wall clock the test controls.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

from edge.domain import lifecycle
from edge.domain.hlc import HybridLogicalClock
from edge.domain.ids import uuid7
from edge.domain.menu import Category, Menu, MenuItem, Modifier, ModifierGroup
from edge.domain.orders import Order, OrderItemRequest, OrderRequest, build_order

MENU = Menu(version=1, categories=[Category(id="mains", name="Mains"), Category(id="drinks", name="Drinks")],
            items=[
                MenuItem(id="burger", name="Burger", category_id="mains", price_cents=1250, tax_rate_bp=875,
                         station="grill", modifier_groups=[ModifierGroup(
                             id="cook", name="Cook", min=0, max=1,
                             modifiers=[Modifier(id="rare", name="Rare"),
                                        Modifier(id="cheese", name="Cheese", price_delta_cents=150)])]),
                MenuItem(id="fries", name="Fries", category_id="mains", price_cents=450, tax_rate_bp=875,
                         station="fry"),
                MenuItem(id="cola", name="Cola", category_id="drinks", price_cents=300, tax_rate_bp=875, station="bar"),
            ])


class BoxTimeline:
    def __init__(self, box_id: str, *, start: datetime | None = None):
        self.box_id = box_id
        self.clock = HybridLogicalClock(box_id)
        self.now = start or datetime(2026, 11, 28, 18, 0, tzinfo=timezone.utc)
        self.seq = itertools.count(1)
        self.numbers = itertools.count(1)
        self.events: list[dict] = []

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def event(self, type_: str, data: dict, stations=()) -> dict:
        stamp = self.clock.tick(int(self.now.timestamp() * 1000))
        event = {"seq": next(self.seq), "id": uuid7(), "type": type_, "data": data,
                 "at": self.now.isoformat(), "hlc": str(stamp), "box_id": self.box_id,
                 "stations": list(stations)}
        self.events.append(event)
        return event

    def order_event(self, order: Order, type_: str, **extra) -> dict:
        return self.event(type_, {"order": order.model_dump(mode="json"), **extra}, order.stations)

    def create(self, items=("burger", "fries"), source="pos") -> Order:
        request = OrderRequest(client_order_id=uuid.uuid4(), source=source,
                               items=[OrderItemRequest(menu_item_id=i) for i in items])
        order = build_order(request, MENU, order_id=uuid7(), number=next(self.numbers),
                            business_date=self.now.date().isoformat(), now=self.now, new_id=uuid7)
        self.order_event(order, "order.created")
        return order

    def step(self, order: Order, transition, *args) -> Order:
        order, type_ = transition(order, *args, self.now)
        extra = {}
        if type_.startswith("ticket.") and args:
            extra["ticket_id"] = args[0]
        if type_ == "order.voided":
            extra["reason"] = order.void_reason
        self.order_event(order, type_, **extra)
        return order

    def full_service(self, items=("burger", "fries"), source="pos") -> Order:
        order = self.create(items, source)
        self.advance(1)
        order = self.step(order, lifecycle.fire)
        for ticket in order.tickets:
            self.advance(60)
            order = self.step(order, lifecycle.bump, ticket.id)
        self.advance(5)
        return self.step(order, lifecycle.complete)
