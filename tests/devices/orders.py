"""Small order fixtures built with the real domain (edge.domain.orders.build_order)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from edge.domain import lifecycle
from edge.domain.ids import uuid7
from edge.domain.menu import Category, Menu, MenuItem, Modifier, ModifierGroup
from edge.domain.orders import Order, OrderItemRequest, OrderRequest, build_order

NOW = datetime(2026, 11, 28, 19, 2, tzinfo=timezone.utc)

MENU = Menu(
    version=1,
    categories=[Category(id="mains", name="Mains")],
    items=[
        MenuItem(id="burger", name="Burger", category_id="mains", price_cents=1250, tax_rate_bp=875,
                 station="grill", modifier_groups=[ModifierGroup(
                     id="extras", name="Extras", max=3, modifiers=[
                         Modifier(id="no-onion", name="No onions"),
                         Modifier(id="cheese", name="Extra cheese", price_delta_cents=150)])]),
        MenuItem(id="fries", name="Fries", category_id="mains", price_cents=450, tax_rate_bp=875,
                 station="fry"),
        MenuItem(id="creme", name="Crème brûlée", category_id="mains", price_cents=800,
                 tax_rate_bp=875, station="cold"),
        MenuItem(id="tteok", name="떡볶이 Tteokbokki", category_id="mains", price_cents=1100,
                 tax_rate_bp=875, station="grill"),
        MenuItem(id="ramen", name="牛肉麵", category_id="mains", price_cents=1300, tax_rate_bp=875,
                 station="grill"),
    ],
)


def fired_order(items: list[OrderItemRequest] | None = None, *, number: int = 42, fire: bool = True,
                **fields) -> Order:
    request = OrderRequest(
        client_order_id=uuid.uuid4(),
        items=items or [
            OrderItemRequest(menu_item_id="burger", quantity=2, modifier_ids=["no-onion", "cheese"],
                             notes="well done"),
            OrderItemRequest(menu_item_id="fries"),
            OrderItemRequest(menu_item_id="creme", course=2),
        ],
        **fields,
    )
    order = build_order(request, MENU, order_id=uuid7(), number=number, business_date="2026-11-28",
                        now=NOW, new_id=uuid7)
    return lifecycle.fire(order, NOW)[0] if fire else order
