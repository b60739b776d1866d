"""The kiosk never loses a guest's order and never makes two: its IndexedDB outbox in real Chromium
against the real `edge serve --demo`, asserting on what the box holds. While the box cannot be
reached the guest sees "Sending your order…" with their name, after a short wait (wait_s) is sent
to the counter with the name on the order, and gets the number if the box answers meanwhile."""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.support.e2e import CHROMIUM, CHROMIUM_ARGS, login_token
from .test_kiosk_browser import PHONE, add, session_of
from .test_tablets_browser import LANDSCAPE, PORTRAIT, api, errors, open_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
ANSWER_MS = 15000  # the outbox backs off up to 10 s between tries
NUMBER = re.compile(r"^\d+$")


def orders_on_box(server):
    return api(server, "GET", "/orders", login_token(server, "1111"))["orders"]


def place(page, name, item="coffee", category="Drinks"):
    page.get_by_role("button", name=category).click()
    add(page, item)
    page.get_by_test_id("k-continue").click()
    page.get_by_test_id("k-name").fill(name)
    page.get_by_test_id("k-place").click()


# true once the kiosk's outbox holds that many entries (the kiosk made the database at start-up)
WAITING_IN_OUTBOX = """(count) => new Promise((resolve) => { const db = indexedDB.open('edge-kiosk-outbox');
    db.onsuccess = () => { const n = db.result.transaction('pending').objectStore('pending').count();
      n.onsuccess = () => resolve(n.result === count); }; })"""


def wait_for_service_worker(page):
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=10000)


def shoot(page, artifacts, name):
    for size in (LANDSCAPE, PORTRAIT, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"kiosk-{name}-{size['width']}x{size['height']}.png")
    page.set_viewport_size(LANDSCAPE)


def test_offline_the_guest_waits_then_is_sent_to_the_counter_and_the_order_goes_in_once(
        browser, edge_server, errors, artifacts):
    page = open_page(browser, f"{edge_server.url}/kiosk?wait_s=3", errors, LANDSCAPE, pin="0000")
    expect(page.get_by_test_id("k-items")).to_be_visible()
    page.context.set_offline(True)
    page.get_by_role("button", name="Sides").click()
    add(page, "onion-rings")
    add(page, "fries", "Small")
    page.get_by_role("button", name="Desserts").click()
    add(page, "cheesecake")
    place(page, "Robin")  # and a coffee
    expect(page.get_by_test_id("k-sending")).to_contain_text("Sending your order")
    expect(page.get_by_test_id("k-sending-name")).to_have_text("Robin")
    shoot(page, artifacts, "waiting")
    counter = page.get_by_test_id("k-counter")
    expect(counter).to_contain_text("Please see us at the counter", timeout=6000)
    expect(page.get_by_test_id("k-counter-name")).to_have_text("Robin")
    expect(counter.locator(".k-lines li")).to_have_count(4)
    expect(page.get_by_test_id("k-sending")).to_have_count(0)
    shoot(page, artifacts, "counter")
    page.set_viewport_size(PHONE)  # a long order on a small screen: OK is still reachable
    page.get_by_test_id("k-counter-done").scroll_into_view_if_needed()
    expect(page.get_by_test_id("k-counter-done")).to_be_in_viewport()
    page.set_viewport_size(LANDSCAPE)
    assert orders_on_box(edge_server) == []
    page.context.set_offline(False)
    expect(page.get_by_test_id("k-order-number")).to_have_text(NUMBER, timeout=ANSWER_MS)  # the guest still sees it
    expect(page.get_by_test_id("k-done")).to_contain_text("Thank you, Robin!")
    [order] = orders_on_box(edge_server)
    assert (order["customer_name"], order["source"]) == ("Robin", "kiosk")
    assert order["number"] == int(page.get_by_test_id("k-order-number").inner_text())


def test_a_kiosk_reloaded_offline_mid_queue_keeps_the_order_and_sends_it_once(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk?wait_s=30", errors, LANDSCAPE, pin="0000")
    wait_for_service_worker(page)
    page.context.set_offline(True)
    place(page, "Sam", item="cheesecake", category="Desserts")
    expect(page.get_by_test_id("k-sending")).to_be_visible()
    page.wait_for_function(WAITING_IN_OUTBOX, arg=1, timeout=5000)  # on disk before the reload
    page.reload()  # the shell from the service worker, the order from IndexedDB
    expect(page.get_by_test_id("k-sending-name")).to_have_text("Sam")
    assert orders_on_box(edge_server) == []
    page.context.set_offline(False)
    expect(page.get_by_test_id("k-order-number")).to_have_text(NUMBER, timeout=ANSWER_MS)
    [order] = orders_on_box(edge_server)
    assert order["customer_name"] == "Sam" and [i["menu_item_id"] for i in order["items"]] == ["cheesecake"]
    assert order["number"] == int(page.get_by_test_id("k-order-number").inner_text())


def test_the_box_killed_and_restarted_gets_the_order_once_and_the_guest_at_the_counter_sees_the_number(
        browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk?wait_s=2", errors, PORTRAIT, pin="0000")
    expect(page.get_by_test_id("k-items")).to_be_visible()
    edge_server.kill()
    place(page, "Alex")
    expect(page.get_by_test_id("k-counter-name")).to_have_text("Alex", timeout=6000)
    edge_server.start()
    expect(page.get_by_test_id("k-order-number")).to_have_text(NUMBER, timeout=ANSWER_MS)
    assert [o["customer_name"] for o in orders_on_box(edge_server)] == ["Alex"]


def test_a_double_tap_on_place_with_a_lost_answer_is_one_order(browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk", errors, LANDSCAPE, pin="0000")
    posted = []

    def first_answer_lost(route):
        posted.append(route.request.post_data_json["client_order_id"])
        if len(posted) == 1:
            route.fetch()  # the box takes it...
            route.abort("connectionreset")  # ...and the kiosk never hears so
        else:
            route.continue_()
    page.route(re.compile(r".*/api/v1/orders$"), first_answer_lost)
    page.get_by_role("button", name="Drinks").click()
    add(page, "coffee")
    page.get_by_test_id("k-continue").click()
    page.get_by_test_id("k-name").fill("Jo")
    page.get_by_test_id("k-place").dblclick()
    expect(page.get_by_test_id("k-order-number")).to_have_text(NUMBER, timeout=ANSWER_MS)
    assert len(posted) >= 2 and len(set(posted)) == 1
    [order] = orders_on_box(edge_server)
    assert order["number"] == int(page.get_by_test_id("k-order-number").inner_text())


def test_the_idle_reset_keeps_a_waiting_order_which_goes_in_once_for_the_guest_who_placed_it(
        browser, edge_server, errors, artifacts):
    page = open_page(browser, f"{edge_server.url}/kiosk?wait_s=2&idle_s=2&countdown_s=2", errors, LANDSCAPE, pin="0000")
    expect(page.get_by_test_id("k-items")).to_be_visible()
    first = session_of(page)
    page.context.set_offline(True)
    place(page, "Mia")
    expect(page.get_by_test_id("k-counter")).to_be_visible(timeout=5000)
    expect(page.get_by_test_id("k-still-there")).to_contain_text("Your order stays saved", timeout=5000)
    page.screenshot(path=artifacts / "kiosk-counter-idle-1280x800.png")
    expect(page.get_by_test_id("k-counter")).to_have_count(0, timeout=5000)  # the next guest's screen
    expect(page.get_by_test_id("k-continue")).to_be_disabled()  # with an empty cart
    page.context.set_offline(False)
    page.wait_for_function("(old) => JSON.parse(localStorage.getItem('edge.session')).token !== old", arg=first["token"],
                           timeout=ANSWER_MS)
    deadline = time.monotonic() + ANSWER_MS / 1000
    while not orders_on_box(edge_server) and time.monotonic() < deadline:
        time.sleep(0.2)
    [order] = orders_on_box(edge_server)
    assert order["customer_name"] == "Mia"
    expect(page.get_by_test_id("k-order-number")).to_have_count(0)  # not shown to the next guest
    # the next guest orders for themselves: a second order, nothing of Mia's
    place(page, "Noor")
    expect(page.get_by_test_id("k-done")).to_contain_text("Thank you, Noor!", timeout=ANSWER_MS)
    assert sorted(o["customer_name"] for o in orders_on_box(edge_server)) == ["Mia", "Noor"]
    # once Mia's order was in, her session was ended on the box
    again = requests.post(f"{edge_server.url}/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}, timeout=5)
    assert again.status_code == 401


def test_a_kiosk_browser_restarted_sends_the_waiting_order_once_before_staff_set_it_up_again(
        browser, edge_server, errors, tmp_path):
    profile = tmp_path / "kiosk-browser-profile"  # on disk, as a kiosk's browser keeps it

    def start_the_kiosk_browser():
        context = browser.browser_type.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=LANDSCAPE)
        errors.contexts.append(context)
        return context, errors.watch(context.pages[0] if context.pages else context.new_page())

    context, page = start_the_kiosk_browser()
    page.goto(f"{edge_server.url}/kiosk?wait_s=2")
    for digit in "0000":
        page.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="Enter").click()
    expect(page.get_by_test_id("k-items")).to_be_visible()
    edge_server.kill()  # the box goes down...
    place(page, "Ezra")
    expect(page.get_by_test_id("k-counter-name")).to_have_text("Ezra", timeout=5000)
    context.close()  # ...and the kiosk's browser quits (its tab's PIN is gone with it)
    edge_server.start()
    assert orders_on_box(edge_server) == []

    context, page = start_the_kiosk_browser()
    page.goto(f"{edge_server.url}/kiosk")
    expect(page.get_by_role("button", name="Enter")).to_be_visible()  # staff have not set it up again yet...
    deadline = time.monotonic() + ANSWER_MS / 1000
    while not orders_on_box(edge_server) and time.monotonic() < deadline:
        time.sleep(0.2)
    [order] = orders_on_box(edge_server)  # ...and the order went in all the same, once
    assert order["customer_name"] == "Ezra"
    page.reload()
    expect(page.get_by_role("button", name="Enter")).to_be_visible()
    page.wait_for_timeout(500)
    assert len(orders_on_box(edge_server)) == 1


def test_a_lost_answer_then_the_guests_session_ended_is_still_one_order_and_leaves_the_outbox(
        browser, edge_server, errors):
    page = open_page(browser, f"{edge_server.url}/kiosk?wait_s=2&idle_s=2&countdown_s=2", errors, LANDSCAPE, pin="0000")
    expect(page.get_by_test_id("k-items")).to_be_visible()
    lee = session_of(page)
    tries, unreachable = [], [True]

    def took_it_then_unreachable(route):
        tries.append(route.request.headers.get("authorization"))
        if len(tries) == 1:
            route.fetch()  # the box takes Lee's order, the answer is lost...
            route.abort("connectionreset")
        elif unreachable[0]:
            route.abort("connectionreset")  # ...and then the box cannot be reached
        else:
            route.continue_()
    page.route(re.compile(r".*/api/v1/orders$"), took_it_then_unreachable)
    place(page, "Lee")
    expect(page.get_by_test_id("k-counter-name")).to_have_text("Lee", timeout=5000)
    # Lee's session is over on the box (as when it expires) before the kiosk hears back
    assert requests.post(f"{edge_server.url}/api/v1/auth/logout", json={"refresh_token": lee["refresh_token"]},
                         timeout=5).status_code == 204
    unreachable[0] = False
    expect(page.get_by_test_id("k-counter")).to_have_count(0, timeout=6000)  # the idle reset: the next guest
    page.wait_for_function(WAITING_IN_OUTBOX, arg=0, timeout=ANSWER_MS)
    [order] = orders_on_box(edge_server)
    assert order["customer_name"] == "Lee"
    assert len(set(tries)) >= 2  # resent in the next guest's session, which the box answered "already taken"
    expect(page.get_by_test_id("k-order-number")).to_have_count(0)
    expect(page.get_by_test_id("k-continue")).to_be_disabled()
