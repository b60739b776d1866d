"""Totals in integer cents and the stated rounding rule: tax per rate, rounded half up."""

from __future__ import annotations

import pytest

from edge.domain.orders import OrderItem, round_half_up, totals

from .menu_fixture import order


def line(cents: int, rate_bp: int, quantity: int = 1) -> OrderItem:
    return OrderItem(id="i", menu_item_id="m", name="x", station="grill", quantity=quantity,
                     unit_price_cents=cents, modifiers=[], line_total_cents=cents * quantity,
                     tax_rate_bp=rate_bp)


@pytest.mark.parametrize("numerator, denominator, expected", [
    (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (14_999, 10_000, 1), (15_000, 10_000, 2),
    (-5, 10, -1), (-4, 10, 0), (-15, 10, -2), (0, 10_000, 0),
])
def test_round_half_up_rounds_half_away_from_zero(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


def test_tax_exactly_half_a_cent_rounds_up():
    # 200 cents at 8.75 % = 17.5 cents -> 18
    assert totals([line(200, 875)]) == (200, 18, 218)


def test_tax_just_under_half_a_cent_rounds_down():
    # 199 cents at 8.75 % = 17.4125 cents -> 17
    assert totals([line(199, 875)]) == (199, 17, 216)


def test_tax_is_rounded_once_per_rate_not_per_line():
    # Three lines of 2 cents at 25 %: per line 0.5 -> 1 each (3), per rate 6 * 0.25 = 1.5 -> 2.
    assert totals([line(2, 2500)] * 3) == (6, 2, 8)


def test_each_tax_rate_is_rounded_separately_then_summed():
    # 200 @ 8.75 % = 17.5 -> 18; 105 @ 10 % = 10.5 -> 11; together 29, not round(28.0) = 28.
    assert totals([line(200, 875), line(105, 1000)]) == (305, 29, 334)


def test_zero_tax_and_empty_order():
    assert totals([line(1234, 0)]) == (1234, 0, 1234)
    assert totals([]) == (0, 0, 0)


def test_order_totals_include_modifier_deltas_and_quantity():
    built = order(("burger", 2, ["rare", "cheese", "bacon"]), ("cola", 3))
    burger, cola = built.items
    assert burger.unit_price_cents == 1195
    assert burger.line_total_cents == (1195 + 150 + 250) * 2  # 3190
    assert cola.line_total_cents == 295 * 3  # 885
    assert built.subtotal_cents == 3190 + 885
    # 3190 @ 8.75 % = 279.125 -> 279; 885 @ 10 % = 88.5 -> 89
    assert built.tax_cents == 279 + 89
    assert built.total_cents == built.subtotal_cents + built.tax_cents
    assert all(isinstance(v, int) for v in (built.subtotal_cents, built.tax_cents, built.total_cents))
