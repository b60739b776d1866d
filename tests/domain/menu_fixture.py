"""A tiny menu built in memory, so domain tests need no database."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

from edge.domain.menu import Category, Menu, MenuItem, Modifier, ModifierGroup
from edge.domain.orders import OrderRequest, build_order

NOW = datetime(2026, 11, 28, 19, 0, tzinfo=timezone.utc)

DONENESS = ModifierGroup(id="doneness", name="Doneness", min=1, max=1, modifiers=[
    Modifier(id="rare", name="Rare"), Modifier(id="medium", name="Medium")])
EXTRAS = ModifierGroup(id="extras", name="Extras", min=0, max=2, modifiers=[
    Modifier(id="cheese", name="Extra cheese", price_delta_cents=150),
    Modifier(id="bacon", name="Bacon", price_delta_cents=250),
    Modifier(id="no-onions", name="No onions")])

MENU = Menu(version=1, categories=[Category(id="food", name="Food")], items=[
    MenuItem(id="burger", name="Burger", category_id="food", price_cents=1195, tax_rate_bp=875,
             station="grill", modifier_groups=[DONENESS, EXTRAS]),
    MenuItem(id="fries", name="Fries", category_id="food", price_cents=450, tax_rate_bp=875, station="fry"),
    MenuItem(id="cola", name="Cola", category_id="food", price_cents=295, tax_rate_bp=1000, station="bar"),
    MenuItem(id="gone", name="Gone Pie", category_id="food", price_cents=500, station="cold",
             available=False),
])


def request(*lines, **fields) -> OrderRequest:
    """lines are (menu_item_id, quantity, [modifier ids])."""
    items = [{"menu_item_id": i, "quantity": q, "modifier_ids": list(m)} for i, q, *rest in lines
             for m in [rest[0] if rest else []]]
    return OrderRequest.model_validate({"client_order_id": "0193a5b2-0000-7000-8000-000000000001",
                                        "items": items, **fields})


def order(*lines, menu: Menu = MENU, **fields):
    counter = itertools.count(1)
    return build_order(request(*lines, **fields), menu, order_id="order-1", number=1,
                       business_date="2026-11-28", now=NOW, new_id=lambda: f"id-{next(counter)}")
