"""Manage's menu in a real browser against the real box: bad prices are refused on the page and
nothing changes on the box, a big change is asked about, search and categories, errors in words a
manager reads, and every control within reach on a phone."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.support.e2e import login_token

from .test_tablets_browser import LANDSCAPE, PORTRAIT, api, errors, open_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def box_state(server, token):
    """The menu and every event but the audit log's logins: a refused change leaves them as they were."""
    events = api(server, "GET", "/events?after=0&limit=1000", token)["events"]
    return api(server, "GET", "/menu", token), [e["seq"] for e in events if not e["type"].startswith("audit.")]


def price_of(server, token, item_id):
    return next(i["price_cents"] for i in api(server, "GET", "/menu", token)["items"] if i["id"] == item_id)


@pytest.mark.parametrize(("typed", "words"), [
    ("", "Type a price: an empty price is not $0."),
    ("-1", "A price cannot be below $0."),
    ("four fifty", "Type the price in dollars and cents, such as 12.95."),
    ("10000.01", "A price cannot be more than $10,000."),
    ("4.505", "A price has at most 2 digits after the point, such as 12.95."),
])
def test_a_bad_price_is_refused_on_the_page_and_nothing_changes_on_the_box(browser, edge_server, errors, typed, words):
    admin = login_token(edge_server, "1234")
    before = box_state(edge_server, admin)
    manage = open_page(browser, f"{edge_server.url}/manage", errors, pin="1234")
    manage.get_by_label("Price of Fries").fill(typed)
    manage.get_by_test_id("row-fries").get_by_role("button", name="Save").click()
    expect(manage.get_by_test_id("price-problem-fries")).to_have_text(words)
    manage.get_by_label("Price of Fries").press("Enter")  # Enter is Save too
    expect(manage.get_by_test_id("price-problem-fries")).to_have_text(words)
    assert box_state(edge_server, admin) == before


def test_the_api_refuses_the_same_prices_and_changes_nothing(edge_server):
    admin = login_token(edge_server, "1234")
    before = box_state(edge_server, admin)
    for price, code in [("", "price_missing"), (None, "price_missing"), (-1, "price_negative"),
                        ("4.50", "price_not_a_number"), (1_000_001, "price_too_high")]:
        response = requests.patch(f"{edge_server.url}/api/v1/menu/items/fries", json={"price_cents": price},
                                  headers={"Authorization": f"Bearer {admin}"}, timeout=5)
        assert response.status_code == 422 and response.json()["error"]["code"] == code, response.text
    assert box_state(edge_server, admin) == before


def test_a_change_over_half_the_price_is_asked_about_first(browser, edge_server, errors, artifacts):
    admin = login_token(edge_server, "1234")
    manage = open_page(browser, f"{edge_server.url}/manage", errors, pin="1234")
    price, save = manage.get_by_label("Price of Fries"), manage.get_by_test_id("row-fries").get_by_role("button", name="Save")
    price.fill("45.00")  # a slipped decimal point: $4.50 -> $45.00
    save.click()
    confirm = manage.get_by_test_id("confirm")
    expect(confirm).to_contain_text("Change Fries from $4.50 to $45.00?")
    expect(confirm).to_contain_text("900 % more")
    manage.screenshot(path=artifacts / "manage-confirm-1280x800.png")
    confirm.get_by_role("button", name="Cancel").click()
    expect(price).to_have_value("4.50")
    assert price_of(edge_server, admin, "fries") == 450
    price.fill("45.00")
    save.click()
    manage.get_by_test_id("confirm-yes").click()
    expect(manage.locator(".toast")).to_contain_text("Fries: new price $45.00 saved")
    assert price_of(edge_server, admin, "fries") == 4500

    manage.get_by_label("Price of Onion Rings").fill("6.25")  # +5 %: no question
    manage.get_by_test_id("row-onion-rings").get_by_role("button", name="Save").click()
    expect(manage.locator(".toast").last).to_contain_text("Onion Rings: new price $6.25 saved")
    expect(manage.get_by_test_id("confirm")).to_have_count(0)
    assert price_of(edge_server, admin, "onion-rings") == 625


def test_the_menu_is_grouped_searchable_and_errors_read_for_a_manager(browser, edge_server, errors, artifacts):
    manage = open_page(browser, f"{edge_server.url}/manage", errors, pin="1234")
    expect(manage.locator(".m-category h2")).to_have_text(["Burgers", "Mains", "Sides", "Salads", "Desserts", "Drinks"])
    manage.screenshot(path=artifacts / "manage-menu-1280x800.png")
    manage.get_by_test_id("menu-search").fill("fri")
    expect(manage.locator(".m-item")).to_have_count(2)
    expect(manage.locator(".m-category h2")).to_have_text(["Sides"])
    manage.evaluate("() => { document.querySelector('[data-testid=menu-search]').dataset.before = 'yes'; }")
    api(edge_server, "PATCH", "/menu/items/cola", login_token(edge_server, "1234"), json={"available": False})
    manage.wait_for_function("() => !document.querySelector('[data-testid=menu-search]').dataset.before",
                             timeout=3000)  # redrawn live, still filtered...
    manage.keyboard.type("es")  # ...and the search keeps the focus
    expect(manage.get_by_test_id("menu-search")).to_have_value("fries")
    expect(manage.locator(".m-item")).to_have_count(2)
    manage.get_by_test_id("menu-search").fill("caviar")
    expect(manage.locator(".m-none")).to_have_text("Nothing on the menu matches \u201ccaviar\u201d.")
    manage.get_by_test_id("menu-search").fill("")

    def refuse_as_the_schema_would(route):
        route.fulfill(status=422, content_type="application/json",
                      body='{"error": {"code": "validation_failed", "message": "the request does not match the schema", "details": []}}')
    manage.route(re.compile(r".*/api/v1/menu/items/.*"), refuse_as_the_schema_would)
    manage.get_by_test_id("toggle-coffee").click()
    toast = manage.locator(".toast.error")
    expect(toast).to_have_text("That change was not accepted. Check what you typed and try again.")
    manage.unroute(re.compile(r".*/api/v1/menu/items/.*"))
    manage.context.set_offline(True)
    manage.get_by_test_id("toggle-coffee").click()
    expect(toast.last).to_have_text("The box cannot be reached, so nothing was changed. Check the Wi-Fi and try again.")
    manage.context.set_offline(False)


@pytest.mark.parametrize("viewport", [PORTRAIT, PHONE], ids=["800x1280", "390x844"])
def test_every_menu_control_is_on_screen_on_a_tablet_and_a_phone(browser, edge_server, errors, artifacts, viewport):
    manage = open_page(browser, f"{edge_server.url}/manage", errors, viewport, pin="1234")
    for control in (manage.get_by_test_id("toggle-fries"), manage.get_by_label("Price of Fries"),
                    manage.get_by_test_id("row-fries").get_by_role("button", name="Save")):
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
        assert box["height"] >= 48
    manage.screenshot(path=artifacts / f"manage-menu-{viewport['width']}x{viewport['height']}.png")
    manage.get_by_test_id("toggle-fries").click()
    expect(manage.get_by_test_id("row-fries")).to_contain_text("86'd")
