"""Order entry never loses an order and never makes two: the IndexedDB outbox in real Chromium
against the real `edge serve --demo`, asserting on what the box holds."""

from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import expect

from tests.support.e2e import login_token

from .test_tablets_browser import LANDSCAPE, PORTRAIT, api, errors, open_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
ANSWER_MS = 15000  # the outbox backs off up to 10 s between tries
# on screen and on top: what a finger touching its middle would hit
UNCOVERED = """(el) => { const box = el.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return box.bottom <= innerHeight && box.top >= 0 && el.contains(hit); }"""


def orders_on_box(server):
    return api(server, "GET", "/orders", login_token(server, "1111"))["orders"]


def events_on_box(server, type_):
    events = api(server, "GET", "/events?after=0&limit=1000", login_token(server, "1234"))["events"]
    return [e for e in events if e["type"] == type_]


def add(page, item_id, *choices, category=None):
    if category:
        page.get_by_role("button", name=category, exact=True).click()
    page.get_by_test_id(f"menu-item-{item_id}").click()
    for choice in choices:
        page.get_by_role("button", name=choice).click()
    page.get_by_test_id("add-to-order").click()


def salmon_for_table(page, table):
    add(page, "grilled-salmon", category="Mains")
    page.get_by_test_id("table").fill(table)


def wait_for_service_worker(page):
    """The shell is cached (and the page controlled) before the test cuts the network."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=10000)


def test_offline_send_is_queued_shown_and_sent_once_when_back(browser, edge_server, errors, artifacts):
    page = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    page.context.set_offline(True)
    expect(page.get_by_test_id("connection")).to_have_text("Offline", timeout=2000)
    salmon_for_table(page, "7")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("queued-entry")).to_have_count(1)
    expect(page.get_by_test_id("outbox")).to_contain_text("Table 7")
    expect(page.locator(".toast.error")).to_have_count(0)
    expect(page.get_by_test_id("offline-banner")).to_contain_text("kept on this tablet")
    assert orders_on_box(edge_server) == []
    page.context.set_offline(False)
    expect(page.get_by_test_id("queued-entry")).to_have_count(0, timeout=ANSWER_MS)
    expect(page.get_by_test_id("order-title")).to_have_text("Order #1")
    [order] = orders_on_box(edge_server)
    assert order["table"] == "7" and [i["menu_item_id"] for i in order["items"]] == ["grilled-salmon"]
    assert page.evaluate("document.body.textContent").lower().count("not sent") == 0


def test_a_lost_answer_is_resent_and_makes_one_order_and_no_alarm(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    dropped = []

    def reach_the_box_then_drop_the_answer(route):
        if not dropped:
            dropped.append(route.fetch().status)  # the box took it...
            route.abort("connectionreset")        # ...and the tablet never hears so
        else:
            route.continue_()
    page.route("**/api/v1/orders", reach_the_box_then_drop_the_answer)
    salmon_for_table(page, "8")
    page.get_by_test_id("send").dblclick()  # an impatient double tap is still one order
    expect(page.locator(".toast")).to_contain_text("sent to the kitchen", timeout=ANSWER_MS)
    assert dropped == [201]
    assert len(orders_on_box(edge_server)) == 1
    expect(page.locator(".toast.error")).to_have_count(0)
    assert "not sent" not in page.evaluate("document.body.textContent").lower()


def test_adding_a_coffee_after_send_fires_one_added_ticket_even_when_retried(browser, edge_server, errors, artifacts):
    bar = open_page(browser, f"{edge_server.url}/kds/bar", errors, pin="1111")
    page = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    salmon_for_table(page, "9")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("order-title")).to_have_text("Order #1", timeout=ANSWER_MS)
    dropped = []

    def drop_the_first_answer(route):
        if not dropped:
            dropped.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()
    page.route("**/api/v1/orders/*/items", drop_the_first_answer)
    add(page, "cola", "No ice", category="Drinks")
    expect(page.get_by_test_id("send")).to_have_text("Send additions")
    page.get_by_test_id("send").click()
    expect(page.locator(".toast", has_text="Added to order #1")).to_be_visible(timeout=ANSWER_MS)
    assert dropped == [201]
    [order] = orders_on_box(edge_server)
    added = [t for t in order["tickets"] if t["amendment"] == "added"]
    assert [(t["station"], t["status"]) for t in added] == [("bar", "fired")]
    assert len(events_on_box(edge_server, "order.items_added")) == 1
    assert len(events_on_box(edge_server, "order.fired")) == 1
    expect(page.get_by_test_id("sent-line")).to_have_count(2)
    expect(bar.get_by_test_id("ticket")).to_have_count(1)
    expect(bar.get_by_test_id("added-badge")).to_contain_text("ADDED")
    bar.screenshot(path=artifacts / "kds-bar-added.png")

    # the coffee was a mistake: a void with a reason, not a new order
    page.get_by_role("button", name="Void Cola").click()
    page.get_by_role("button", name="Entered by mistake").click()
    expect(page.locator(".toast", has_text="Voided on order #1")).to_be_visible(timeout=ANSWER_MS)
    expect(bar.get_by_test_id("ticket")).to_have_count(0)
    [order] = orders_on_box(edge_server)
    cola = next(i for i in order["items"] if i["menu_item_id"] == "cola")
    assert cola["void_reason"] == "Entered by mistake" and len(events_on_box(edge_server, "order.items_voided")) == 1
    expect(page.get_by_test_id("sent-line").filter(has_text="Cola")).to_contain_text("voided: Entered by mistake")
    page.screenshot(path=artifacts / "order-entry-amended.png")

    # the salmon is all that is left: voiding it voids the order (once, with its Idempotency-Key)
    page.get_by_role("button", name="Void Grilled Salmon").click()
    expect(page.get_by_role("dialog")).to_contain_text("Void the whole order #1?")
    page.get_by_role("button", name="Guest changed their mind").click()
    expect(page.get_by_test_id("order-title")).to_have_text("Order #1 \u2014 VOIDED", timeout=ANSWER_MS)
    [order] = orders_on_box(edge_server)
    assert order["status"] == "voided" and order["void_reason"] == "Guest changed their mind"
    expect(page.get_by_test_id("send")).to_be_disabled()
    page.get_by_test_id("new-order").click()
    expect(page.get_by_test_id("table")).to_be_visible()


def test_the_box_killed_mid_queue_and_restarted_gets_the_order_once(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    edge_server.kill()
    expect(page.get_by_test_id("connection")).to_have_text("Offline", timeout=3000)
    salmon_for_table(page, "10")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("queued-entry")).to_have_count(1)
    edge_server.start()
    expect(page.get_by_test_id("queued-entry")).to_have_count(0, timeout=ANSWER_MS)
    expect(page.get_by_test_id("connection")).to_have_text("Live", timeout=ANSWER_MS)
    assert [o["table"] for o in orders_on_box(edge_server)] == ["10"]


def test_a_reload_while_offline_keeps_the_menu_and_the_queued_order_which_is_sent_once(
        browser, edge_server, errors, artifacts):
    page = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    wait_for_service_worker(page)
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    page.context.set_offline(True)
    salmon_for_table(page, "11")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("queued-entry")).to_have_count(1)
    add(page, "fries", "Small", category="Sides")  # a draft line of the next change, kept too
    page.reload()
    page.get_by_role("button", name="Sides", exact=True).click()
    expect(page.get_by_test_id("menu-item-fries")).to_be_visible()  # the cached menu
    expect(page.get_by_test_id("queued-entry")).to_have_count(1)
    expect(page.get_by_test_id("queued-line")).to_have_count(1)
    expect(page.get_by_test_id("line")).to_have_count(1)
    expect(page.get_by_test_id("offline-banner")).to_contain_text("kept on this tablet")
    page.screenshot(path=artifacts / "order-entry-offline-reload.png")
    assert orders_on_box(edge_server) == []
    page.context.set_offline(False)
    expect(page.get_by_test_id("queued-entry")).to_have_count(0, timeout=ANSWER_MS)
    [order] = orders_on_box(edge_server)
    assert order["table"] == "11" and len(order["items"]) == 1


def test_login_raises_no_false_alarm_and_log_out_ends_the_session_on_the_box(browser, edge_server, errors, artifacts):
    page = errors.new_page(browser, PHONE)
    page.goto(f"{edge_server.url}/")
    expect(page.get_by_role("button", name="Enter")).to_be_in_viewport()
    page.wait_for_timeout(1000)  # the probe of the box has answered
    expect(page.get_by_test_id("offline-banner")).to_be_hidden()
    expect(page.get_by_test_id("connection")).not_to_have_text("Offline")
    enter = page.get_by_role("button", name="Enter")
    assert enter.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the Enter label is cut off"
    page.screenshot(path=artifacts / "login-phone.png")
    for digit in "1111":
        page.get_by_role("button", name=digit, exact=True).click()
    logins = []
    page.on("request", lambda request: request.url.endswith("/auth/login") and logins.append(request))
    page.get_by_role("button", name="Enter").click()
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    refresh_token = page.evaluate("JSON.parse(localStorage.getItem('edge.session')).refresh_token")
    with page.expect_response("**/api/v1/auth/logout") as logout:
        page.get_by_role("button", name="Log out").click()
    assert logout.value.status == 204
    expect(page.get_by_test_id("login")).to_be_visible()
    again = requests.post(f"{edge_server.url}/api/v1/auth/refresh", json={"refresh_token": refresh_token}, timeout=5)
    assert again.status_code == 401


@pytest.mark.parametrize("viewport, name", [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait"), (PHONE, "phone")])
def test_send_stays_on_screen_with_a_full_cart_and_queued_orders(browser, edge_server, errors, artifacts, viewport, name):
    page = open_page(browser, f"{edge_server.url}/", errors, viewport=viewport, pin="1111")
    expect(page.get_by_test_id("connection")).to_have_text("Live")  # the menu is on the tablet
    page.context.set_offline(True)
    salmon_for_table(page, "3")
    page.get_by_test_id("send").click()  # queued: the box cannot be reached
    page.get_by_test_id("new-order").click()
    add(page, "cheeseburger", "Medium rare", "Add bacon", category="Burgers")
    add(page, "fries", "Large", category="Sides")
    add(page, "onion-rings", category="Sides")
    add(page, "cola", "No ice", category="Drinks")
    page.get_by_test_id("table").fill("4")
    expect(page.get_by_test_id("line")).to_have_count(4)
    expect(page.get_by_test_id("queued-entry")).to_have_count(1)
    page.screenshot(path=artifacts / f"order-entry-{name}.png")
    expect(page.get_by_test_id("send")).to_be_in_viewport(ratio=1)
    last = page.get_by_test_id("line").last
    last.evaluate("(line) => line.scrollIntoView({ block: 'end' })")
    page.locator("main").evaluate("(main) => main.scrollBy(0, 400)")  # as far as it goes
    assert last.evaluate(UNCOVERED), "the last line is hidden under the pinned totals"
    assert page.get_by_test_id("send").evaluate(UNCOVERED)
    page.screenshot(path=artifacts / f"order-entry-{name}-last-line.png")
    page.context.set_offline(False)


def test_orders_queued_during_an_outage_reach_the_box_once_each_in_the_order_taken(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    page.context.set_offline(True)
    tables = [str(n) for n in range(20, 26)]
    for table in tables:
        salmon_for_table(page, table)
        page.get_by_test_id("send").click()
        page.get_by_test_id("new-order").click()
    expect(page.get_by_test_id("queued-entry")).to_have_count(len(tables))
    started = time.monotonic()
    page.context.set_offline(False)
    expect(page.get_by_test_id("queued-entry")).to_have_count(0, timeout=ANSWER_MS)
    print(f"{len(tables)} queued orders sent in {time.monotonic() - started:.2f} s after the network came back")
    orders = orders_on_box(edge_server)
    assert [o["table"] for o in orders] == tables and [o["number"] for o in orders] == list(range(1, 7))
