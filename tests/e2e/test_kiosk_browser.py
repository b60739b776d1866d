"""The kiosk in a real browser (Debian chromium) against the real `edge serve --demo`: a guest
orders with required choices, sees the box's total, gets the number; idle guests are cleared;
an item 86'd on the box vanishes live."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.support.e2e import login_token

from .test_tablets_browser import LANDSCAPE, PORTRAIT, api, errors, open_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
SMALL_TARGETS = """() => [...document.querySelectorAll('button, input, select')]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => { const box = el.getBoundingClientRect(); return box.height < 56 || box.width < 48; })
    .map((el) => el.outerHTML.slice(0, 80))"""


def cents(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


def add(page, item, *choices, more=0):
    page.get_by_test_id(f"k-item-{item}").click()
    dialog = page.get_by_test_id("k-item-dialog")
    for choice in choices:
        dialog.get_by_role("button", name=choice).click()
    for _ in range(more):
        dialog.get_by_role("button", name="One more").click()
    page.get_by_test_id("k-add").click()
    expect(dialog).to_have_count(0)


def session_of(page) -> dict:
    return page.evaluate("() => JSON.parse(localStorage.getItem('edge.session'))")


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["1280x800", "800x1280"])
def test_a_guest_orders_with_required_choices_and_gets_the_boxs_total_and_number(
        browser, edge_server, errors, artifacts, viewport):
    size = f"{viewport['width']}x{viewport['height']}"
    page = open_page(browser, f"{edge_server.url}/", errors, viewport, pin="0000")
    expect(page).to_have_url(f"{edge_server.url}/kiosk")  # the customer PIN opens the kiosk
    expect(page.get_by_test_id("k-title")).to_have_text("My Restaurant")
    page.screenshot(path=artifacts / f"kiosk-menu-{size}.png")

    page.get_by_test_id("k-item-cheeseburger").click()
    page.get_by_test_id("k-add").click()  # no doneness chosen: refused on screen, as the box would
    expect(page.get_by_test_id("k-problem-doneness")).to_have_text("Please choose your doneness.")
    expect(page.get_by_test_id("k-item-dialog")).to_be_visible()
    page.screenshot(path=artifacts / f"kiosk-choices-{size}.png")
    page.get_by_role("button", name="Medium rare").click()
    page.get_by_role("button", name=re.compile("Add bacon")).click()
    page.get_by_role("button", name="One more").click()
    page.get_by_test_id("k-add").click()
    page.get_by_role("button", name="Sides").click()
    add(page, "fries", re.compile("Large"))
    page.get_by_role("button", name="Drinks").click()
    add(page, "cola", "No ice")
    # (11.95 + 2.50) x 2 + (4.50 + 2.00) at 8.75 % = 35.40 + 3.10; 2.95 at 10 % = 2.95 + 0.30
    expect(page.get_by_test_id("k-total")).to_have_text("$41.75")
    assert page.evaluate(SMALL_TARGETS) == []
    page.screenshot(path=artifacts / f"kiosk-cart-{size}.png")
    shown_total = cents(page.get_by_test_id("k-total").inner_text())

    page.get_by_test_id("k-continue").click()
    page.get_by_test_id("k-place").click()
    expect(page.get_by_test_id("k-name-problem")).to_have_text("Please type a name so we can call you.")
    page.get_by_test_id("k-name").fill("Dana")
    page.get_by_role("button", name="To go").click()
    page.screenshot(path=artifacts / f"kiosk-checkout-{size}.png")
    page.get_by_test_id("k-place").click()
    number = page.get_by_test_id("k-order-number")
    expect(number).to_have_text(re.compile(r"^\d+$"))
    page.screenshot(path=artifacts / f"kiosk-done-{size}.png")

    [order] = api(edge_server, "GET", "/orders", login_token(edge_server, "1111"))["orders"]
    assert order["number"] == int(number.inner_text())
    assert (order["source"], order["customer_name"], order["type"]) == ("kiosk", "Dana", "takeout")
    assert order["total_cents"] == shown_total == cents(page.get_by_test_id("k-done-total").inner_text())
    assert [(i["name"], i["quantity"]) for i in order["items"]] == [("Cheeseburger", 2), ("Fries", 1), ("Cola", 1)]
    page.get_by_test_id("k-new-order").click()  # the next guest starts with nothing
    expect(page.get_by_test_id("k-continue")).to_be_disabled()


def test_an_idle_guest_is_asked_then_cleared_for_a_new_guest_session(browser, edge_server, errors, artifacts):
    page = open_page(browser, f"{edge_server.url}/kiosk?idle_s=2&countdown_s=3", errors, LANDSCAPE, pin="0000")
    page.get_by_role("button", name="Drinks").click()
    add(page, "coffee")
    expect(page.get_by_test_id("k-still-there")).to_be_visible(timeout=4000)
    page.get_by_test_id("k-stay").click()  # a tap keeps the order
    expect(page.get_by_test_id("k-lines").locator("li")).to_have_count(1)
    first = session_of(page)

    expect(page.get_by_test_id("k-still-there")).to_be_visible(timeout=4000)
    expect(page.get_by_test_id("k-countdown")).to_have_text(re.compile("^[1-3]$"))
    page.screenshot(path=artifacts / "kiosk-still-there-1280x800.png")
    expect(page.get_by_test_id("k-still-there")).to_have_count(0, timeout=5000)
    expect(page.get_by_test_id("k-continue")).to_be_disabled()  # the order is cleared
    expect(page.get_by_test_id("k-items")).to_be_visible()
    page.wait_for_function("(old) => JSON.parse(localStorage.getItem('edge.session')).token !== old", arg=first["token"])
    # a new login session for the new guest; the last guest's session is over on the box
    old_refresh = requests.post(f"{edge_server.url}/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}, timeout=5)
    assert old_refresh.status_code == 401


def test_an_item_86d_on_the_box_vanishes_from_the_kiosk_and_from_the_order(browser, edge_server, errors, artifacts):
    page = open_page(browser, f"{edge_server.url}/kiosk", errors, PHONE, pin="0000")
    page.get_by_role("button", name="Sides").click()
    add(page, "onion-rings")
    add(page, "fries", "Small")
    page.screenshot(path=artifacts / "kiosk-cart-390x844.png")
    admin = login_token(edge_server, "1234")
    api(edge_server, "PATCH", "/menu/items/fries", admin, json={"available": False})
    expect(page.get_by_test_id("k-item-fries")).to_have_count(0, timeout=3000)
    expect(page.get_by_test_id("k-notice")).to_have_text("Sorry, Fries has just sold out. We took it out of your order.")
    expect(page.get_by_test_id("k-lines").locator("li")).to_have_count(1)
    api(edge_server, "PATCH", "/menu/items/fries", admin, json={"available": True})
    expect(page.get_by_test_id("k-item-fries")).to_be_visible(timeout=3000)
    expect(page.get_by_test_id("k-total")).to_have_text("$6.47")  # 5.95 + 8.75 %
    api(edge_server, "PATCH", "/menu/items/onion-rings", admin, json={"price_cents": 695})
    expect(page.get_by_test_id("k-total")).to_have_text("$7.56", timeout=3000)  # the order follows the menu
    page.screenshot(path=artifacts / "kiosk-menu-390x844.png")


def test_a_lost_answer_is_retried_with_the_same_id_and_makes_one_order(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk", errors, LANDSCAPE, pin="0000")
    answers = []

    def box_answers_but_the_reply_is_lost(route):
        if route.request.method != "POST" or answers:
            route.continue_()
            return
        answers.append(route.fetch())  # the box takes the order...
        route.abort("connectionreset")  # ...and its answer never reaches the kiosk
    page.route(re.compile(r".*/api/v1/orders$"), box_answers_but_the_reply_is_lost)
    page.get_by_role("button", name="Drinks").click()
    add(page, "coffee", more=1)
    page.get_by_test_id("k-continue").click()
    page.get_by_test_id("k-name").fill("Lee")
    page.get_by_test_id("k-place").click()
    expect(page.get_by_test_id("k-order-number")).to_have_text(re.compile(r"^\d+$"), timeout=8000)
    assert answers[0].status == 201
    orders = api(edge_server, "GET", "/orders", login_token(edge_server, "1111"))["orders"]
    assert len(orders) == 1 and orders[0]["number"] == int(page.get_by_test_id("k-order-number").inner_text())


def test_a_refusal_is_said_in_a_guests_words_and_the_next_try_is_a_new_order(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk", errors, LANDSCAPE, pin="0000")
    page.get_by_role("button", name="Sides").click()
    add(page, "onion-rings")
    add(page, "fries", "Small")
    sent = []

    def sold_out_meanwhile(route):
        sent.append(route.request.post_data_json)
        if len(sent) == 1:  # as the box answers when Fries was 86'd a moment before Place
            route.fulfill(status=409, content_type="application/json", body=(
                '{"error": {"code": "item_unavailable", "message": "items[1]: \'Fries\' is 86\'d (not available)",'
                ' "details": [{"field": "items.1.menu_item_id", "value": "fries"}]}}'))
        else:
            route.continue_()
    page.route(re.compile(r".*/api/v1/orders$"), sold_out_meanwhile)
    page.get_by_test_id("k-continue").click()
    page.get_by_test_id("k-name").fill("Ana")
    page.get_by_test_id("k-place").click()
    expect(page.get_by_test_id("k-notice")).to_have_text("Sorry, Fries has just sold out. We took it out of your order.")
    assert "86" not in page.inner_text("body")
    expect(page.get_by_test_id("k-lines").locator("li")).to_have_count(1)
    page.get_by_test_id("k-continue").click()
    page.get_by_test_id("k-place").click()
    expect(page.get_by_test_id("k-order-number")).to_be_visible()
    assert sent[1]["client_order_id"] != sent[0]["client_order_id"]  # the box took nothing the first time
    assert [i["menu_item_id"] for i in sent[1]["items"]] == ["onion-rings"]


def test_a_reload_or_the_start_page_keeps_the_kiosk_and_starts_a_new_guest(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk", errors, LANDSCAPE, pin="0000")
    expect(page.get_by_test_id("k-items")).to_be_visible()
    first = session_of(page)
    page.goto(f"{edge_server.url}/")  # the kiosk's start page is the kiosk, with no PIN to type
    expect(page.get_by_test_id("k-items")).to_be_visible()
    expect(page.get_by_test_id("login")).to_have_count(0)
    page.wait_for_function("(old) => JSON.parse(localStorage.getItem('edge.session')).token !== old", arg=first["token"])
    staff_words = re.compile(r"\b(86|ticket|station|modifier|expo|fire|pos|dine)\b", re.I)
    assert not staff_words.search(page.inner_text("body"))

    page.get_by_role("button", name="Drinks").click()
    add(page, "coffee")
    page.get_by_test_id("k-start-over").click()  # a guest may also start over themselves
    page.get_by_role("button", name="No, keep my order").click()
    expect(page.get_by_test_id("k-lines").locator("li")).to_have_count(1)
    page.get_by_test_id("k-start-over").click()
    page.get_by_test_id("k-yes").click()
    expect(page.get_by_test_id("k-continue")).to_be_disabled()
    expect(page.get_by_test_id("k-start-over")).to_be_hidden()


def test_a_kiosk_reloaded_while_sending_finishes_that_order_once(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk", errors, LANDSCAPE, pin="0000")
    taken = []

    def box_takes_it_then_is_unreachable(route):
        if route.request.method != "POST":
            route.continue_()
            return
        if not taken:
            taken.append(route.fetch())
        route.abort("connectionreset")
    page.route(re.compile(r".*/api/v1/orders$"), box_takes_it_then_is_unreachable)
    page.get_by_role("button", name="Desserts").click()
    add(page, "cheesecake")
    page.get_by_test_id("k-continue").click()
    page.get_by_test_id("k-name").fill("Kim")
    page.get_by_test_id("k-place").click()
    expect(page.get_by_test_id("k-sending-status")).to_contain_text("your order is saved")
    page.unroute(re.compile(r".*/api/v1/orders$"))
    page.reload()
    expect(page.get_by_test_id("k-order-number")).to_have_text(re.compile(r"^\d+$"), timeout=8000)
    expect(page.get_by_test_id("k-done")).to_contain_text("Thank you, Kim!")
    [order] = api(edge_server, "GET", "/orders", login_token(edge_server, "1111"))["orders"]
    assert taken[0].status == 201 and order["number"] == int(page.get_by_test_id("k-order-number").inner_text())
    page.get_by_test_id("k-new-order").click()
    expect(page.get_by_test_id("k-continue")).to_be_disabled()


def test_a_choice_beyond_a_groups_maximum_is_refused_on_screen(browser, edge_server, errors):
    menu = api(edge_server, "GET", "/menu", login_token(edge_server, "1111"))
    burger = next(i for i in menu["items"] if i["id"] == "cheeseburger")
    extras = next(g for g in burger["modifier_groups"] if g["id"] == "burger-extras")
    extras["max"] = 2  # a menu whose extras allow two (the demo's allow all four)
    page = open_page(browser, f"{edge_server.url}/kiosk", errors, LANDSCAPE)
    page.route(re.compile(r".*/api/v1/menu$"), lambda route: route.fulfill(json=menu))
    for digit in "0000":
        page.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="Enter").click()
    page.get_by_test_id("k-item-cheeseburger").click()
    expect(page.get_by_test_id("k-group-burger-extras")).to_contain_text("Optional: choose up to 2")
    for choice in ("No onions", "No pickles", re.compile("Extra cheese")):
        page.get_by_role("button", name=choice).click()
    expect(page.get_by_test_id("k-problem-burger-extras")).to_have_text(
        "You can choose up to 2 for extras. Tap one to remove it first.")
    expect(page.get_by_role("button", name=re.compile("Extra cheese"))).to_have_attribute("aria-pressed", "false")
    page.get_by_role("button", name="No onions").click()  # one out, then the third fits
    page.get_by_role("button", name=re.compile("Extra cheese")).click()
    expect(page.get_by_test_id("k-problem-burger-extras")).to_have_text("")
    expect(page.get_by_role("button", name=re.compile("Extra cheese"))).to_have_attribute("aria-pressed", "true")
