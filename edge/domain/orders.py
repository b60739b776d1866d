"""Orders, their items and tickets: building an order from a request, and totals in cents.

Rounding rule (stated once, used everywhere): a line costs (item price + modifier deltas) x
quantity, in cents. Tax is computed per tax rate on the sum of the lines at that rate and
rounded half up to a whole cent; the order's tax is the sum over rates. No floats anywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, Field

from edge.domain.menu import Cents, Menu, MenuItem, orderable_item, resolve_modifiers
from edge.domain.strict import Strict

OrderStatus = Literal["open", "fired", "in_progress", "ready", "completed", "voided"]
TicketStatus = Literal["open", "fired", "in_progress", "ready", "completed", "voided"]
OrderType = Literal["dine_in", "takeout"]
Source = Literal["pos", "voice", "kiosk"]
Amendment = Literal["added"]  # a ticket fired by an add-items amendment

MAX_NOTE = 500
MAX_ITEMS = 100
MAX_ID = 64
MenuId = Annotated[str, Field(min_length=1, max_length=MAX_ID)]


class OrderItemRequest(Strict):
    menu_item_id: MenuId
    # strict: JSON true or "2" is a wrong type, not a quantity of 1 or 2
    quantity: int = Field(1, ge=1, le=99, strict=True)
    modifier_ids: list[MenuId] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(None, max_length=MAX_NOTE)
    course: int = Field(1, ge=1, le=9)


class OrderRequest(Strict):
    """The body of ``POST /api/v1/orders``."""

    client_order_id: UUID = Field(description="idempotency key made by the client")
    type: OrderType = "dine_in"
    source: Source = "pos"
    table: str | None = Field(None, min_length=1, max_length=20)
    customer_name: str | None = Field(None, min_length=1, max_length=60)
    notes: str | None = Field(None, max_length=MAX_NOTE)
    fire: bool = True
    items: list[OrderItemRequest] = Field(min_length=1, max_length=MAX_ITEMS)

    def fingerprint(self) -> str:
        """Same fingerprint <=> same order: a reused client_order_id must carry the same body."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class ChosenModifier(Strict):
    id: str
    name: str
    price_delta_cents: Cents


class OrderItem(Strict):
    id: str
    menu_item_id: str
    name: str
    station: str
    quantity: int
    unit_price_cents: Cents
    modifiers: list[ChosenModifier]
    notes: str | None = None
    course: int = 1
    line_total_cents: Cents
    tax_rate_bp: int
    done_at: datetime | None = None
    # a void after Send (an amendment): the line stays on the order, out of its totals
    voided_at: datetime | None = None
    void_reason: str | None = None
    amendment_id: str | None = Field(None, description="the add-items amendment that brought it")


class TicketItem(Strict):
    id: str
    name: str
    quantity: int
    modifiers: list[str]
    notes: str | None = None
    course: int = 1
    done: bool = False


class Ticket(Strict):
    id: str
    order_id: str
    station: str
    status: TicketStatus
    fired_at: datetime | None = None
    started_at: datetime | None = None
    bumped_at: datetime | None = None
    item_ids: list[str]
    amendment: Amendment | None = None


class Order(Strict):
    id: str
    number: int
    business_date: str
    client_order_id: str
    source: Source
    type: OrderType
    table: str | None = None
    customer_name: str | None = None
    notes: str | None = None
    status: OrderStatus
    void_reason: str | None = None
    created_by: str | None = None
    # the login session (refresh-token family) that took it: a shared kiosk account sees only
    # the orders of the guest in front of it
    created_session: str | None = None
    created_at: datetime
    fired_at: datetime | None = None
    ready_at: datetime | None = None
    completed_at: datetime | None = None
    voided_at: datetime | None = None
    items: list[OrderItem]
    tickets: list[Ticket]
    subtotal_cents: Cents
    tax_cents: Cents
    total_cents: Cents

    def ticket(self, ticket_id: str) -> Ticket | None:
        return next((t for t in self.tickets if t.id == ticket_id), None)

    def item(self, item_id: str) -> OrderItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def ticket_items(self, ticket: Ticket) -> list[TicketItem]:
        items = {i.id: i for i in self.items}
        return [
            TicketItem(
                id=i.id, name=i.name, quantity=i.quantity, modifiers=[m.name for m in i.modifiers],
                notes=i.notes, course=i.course, done=i.done_at is not None,
            )
            for i in (items[item_id] for item_id in ticket.item_ids)
            if i.voided_at is None
        ]

    @property
    def stations(self) -> list[str]:
        return [t.station for t in self.tickets]


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding .5 away from zero, for non-negative and negative amounts."""
    sign = -1 if numerator * denominator < 0 else 1
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    return sign * (quotient + (1 if 2 * remainder >= abs(denominator) else 0))


def totals(items: list[OrderItem]) -> tuple[Cents, Cents, Cents]:
    """(subtotal, tax, total) in cents, by the rounding rule in this module's docstring."""
    by_rate: dict[int, int] = defaultdict(int)
    for item in items:
        if item.voided_at is None:
            by_rate[item.tax_rate_bp] += item.line_total_cents
    subtotal = sum(by_rate.values())
    tax = sum(round_half_up(amount * rate, 10_000) for rate, amount in by_rate.items())
    return subtotal, tax, subtotal + tax


def build_order(
    request: OrderRequest,
    menu: Menu,
    *,
    order_id: str,
    number: int,
    business_date: str,
    now: datetime,
    new_id,
    created_by: str | None = None,
    created_session: str | None = None,
) -> Order:
    """A new, open order checked against the menu. ``new_id()`` makes item and ticket ids."""
    items = [
        order_item(line, menu_item, requested, new_id())
        for line, requested in enumerate(request.items)
        for menu_item in [orderable_item(menu, requested.menu_item_id, line=line)]
    ]
    subtotal, tax, total = totals(items)
    return Order(
        id=order_id, number=number, business_date=business_date,
        client_order_id=str(request.client_order_id), source=request.source, type=request.type,
        table=request.table, customer_name=request.customer_name, notes=request.notes,
        status="open", created_by=created_by, created_session=created_session, created_at=now, items=items,
        tickets=tickets_for(order_id, items, new_id),
        subtotal_cents=subtotal, tax_cents=tax, total_cents=total,
    )


def order_item(line: int, menu_item: MenuItem, requested: OrderItemRequest, item_id: str) -> OrderItem:
    modifiers = resolve_modifiers(menu_item, requested.modifier_ids, line=line)
    unit = menu_item.price_cents + sum(m.price_delta_cents for m in modifiers)
    return OrderItem(
        id=item_id, menu_item_id=menu_item.id, name=menu_item.name, station=menu_item.station,
        quantity=requested.quantity, unit_price_cents=menu_item.price_cents,
        modifiers=[ChosenModifier(**m.model_dump()) for m in modifiers],
        notes=requested.notes, course=requested.course,
        line_total_cents=max(unit, 0) * requested.quantity, tax_rate_bp=menu_item.tax_rate_bp,
    )


def tickets_for(order_id: str, items: list[OrderItem], new_id) -> list[Ticket]:
    """One ticket per station, in the order the stations first appear on the order."""
    per_station: dict[str, list[str]] = {}
    for item in items:
        per_station.setdefault(item.station, []).append(item.id)
    return [
        Ticket(id=new_id(), order_id=order_id, station=station, status="open", item_ids=item_ids)
        for station, item_ids in per_station.items()
    ]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("reason must not be blank")
    return value


# Why an order or some of its items were voided: said by a person, shown to the kitchen.
VoidReason = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]


class VoidRequest(Strict):
    reason: VoidReason
