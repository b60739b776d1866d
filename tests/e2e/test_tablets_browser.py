"""The tablet app in a real browser (Debian chromium) against the real `edge serve --demo`."""

from __future__ import annotations

import re
import time
import uuid
from contextlib import contextmanager

import pytest
import requests
from playwright.sync_api import expect

from edge.domain.actors import SYSTEM
from edge.domain.orders import OrderRequest
from edge.settings import Settings
from edge.store import Store, commands
from tests.support.e2e import login_token, stop

pytestmark = pytest.mark.e2e
LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}


class PageErrors(list):
    """Script errors and Content-Security-Policy violations seen by any page of a test (whose
    browser contexts it also closes at the end)."""

    contexts: list

    def watch(self, page):
        page.on("pageerror", lambda error: self.append(f"{page.url}: {error}"))
        page.on("console", lambda msg: msg.type == "error" and "Content Security Policy" in msg.text
                and self.append(f"{page.url}: {msg.text}"))
        return page


    def new_page(self, browser, viewport):
        context = browser.new_context(viewport=viewport)
        self.contexts.append(context)
        return self.watch(context.new_page())


@pytest.fixture
def errors():
    seen = PageErrors()
    seen.contexts = []
    yield seen
    for context in seen.contexts:
        context.close()
    assert seen == [], "the pages raised errors"


def open_page(browser, url, errors, viewport=LANDSCAPE, pin=None):
    page = errors.new_page(browser, viewport)
    page.goto(url)
    if pin:
        for digit in pin:
            page.get_by_role("button", name=digit, exact=True).click()
        page.get_by_role("button", name="Enter").click()
        expect(page.get_by_test_id("login")).to_have_count(0)
    return page


SMALL_TARGETS = """() => [...document.querySelectorAll('button, input, select')]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => { const box = el.getBoundingClientRect(); return box.height < 48 || box.width < 48; })
    .map((el) => el.outerHTML.slice(0, 80))"""


def api(server, method, path, token, **kwargs):
    response = requests.request(method, f"{server.url}/api/v1{path}",
                                headers={"Authorization": f"Bearer {token}"}, timeout=5, **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def order_request(table):
    return {"client_order_id": str(uuid.uuid4()), "table": table,
            "items": [{"menu_item_id": "grilled-salmon", "quantity": 1}]}


def test_an_order_reaches_the_station_at_once_is_cooked_bumped_and_completed_on_expo(
        browser, edge_server, errors, artifacts):
    kds = open_page(browser, f"{edge_server.url}/kds/grill", errors, pin="1111")
    expo = open_page(browser, f"{edge_server.url}/expo", errors, pin="1111")
    entry = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    for page in (kds, expo, entry):
        expect(page.get_by_test_id("connection")).to_have_text("Live")

    entry.get_by_test_id("menu-item-cheeseburger").click()
    add = entry.get_by_test_id("add-to-order")
    expect(add).to_be_disabled()  # doneness: exactly one is required
    entry.get_by_role("button", name="Medium rare").click()
    entry.get_by_role("button", name="Add bacon").click()
    entry.get_by_role("button", name="One more").click()
    add.click()
    entry.get_by_role("button", name="Mains").click()
    entry.get_by_test_id("menu-item-grilled-salmon").click()
    entry.get_by_test_id("add-to-order").click()
    entry.get_by_test_id("table").fill("12")
    # (11.95 + 2.50) x 2 + 24.50 = 53.40, tax 8.75 % = 4.67
    expect(entry.get_by_test_id("total")).to_have_text("$58.07")
    entry.screenshot(path=artifacts / "order-entry.png")
    assert entry.evaluate(SMALL_TARGETS) == []  # every touch target is at least 48 px
    entry.get_by_test_id("send").click()

    ticket = kds.get_by_test_id("ticket")
    expect(ticket).to_have_count(1, timeout=1000)
    expect(ticket.locator(".where")).to_have_text("Table 12 \u00b7 Dine in")
    expect(ticket).to_contain_text("Medium rare \u00b7 Add bacon")
    expect(entry.locator(".toast")).to_contain_text("sent to the kitchen")
    kds.screenshot(path=artifacts / "kds-grill.png")
    assert kds.evaluate(SMALL_TARGETS) == []
    kds.get_by_role("button", name="All day").click()
    expect(kds.get_by_test_id("all-day").locator("li")).to_have_text(["Cheeseburger2", "Grilled Salmon1"])
    kds.get_by_role("button", name="Close").first.click()

    items = ticket.get_by_test_id("item")
    items.first.click()
    expect(items.first).to_have_attribute("aria-pressed", "true")
    expect(expo.get_by_test_id("station-grill")).to_contain_text("cooking")
    ticket.locator(".card-head").click()
    expect(kds.get_by_test_id("ticket")).to_have_count(0)
    expect(expo.get_by_test_id("station-grill")).to_contain_text("ready")
    kds.get_by_role("button", name="Recall").click()  # bumped by mistake: bring it back
    kds.get_by_test_id("recall-list").get_by_role("button", name=re.compile("#1 Table 12")).click()
    expect(kds.get_by_test_id("ticket")).to_have_count(1)
    expect(expo.get_by_test_id("station-grill")).to_contain_text("cooking")
    kds.get_by_test_id("ticket").locator(".card-head").click()
    expect(expo.get_by_test_id("station-grill")).to_contain_text("ready")
    complete = expo.get_by_role("button", name=re.compile("Complete"))
    expect(complete).to_be_enabled()
    expo.screenshot(path=artifacts / "expo.png")
    complete.click()
    expect(expo.get_by_test_id("expo-order")).to_have_count(0)
    expect(expo.get_by_test_id("undo-bar")).to_be_hidden(timeout=8000)  # sent once the undo time is over
    token = login_token(edge_server, "1111")
    [order] = api(edge_server, "GET", "/orders", token)["orders"]
    assert order["status"] == "completed" and order["table"] == "12"

    kds.get_by_role("button", name="Recall").click()
    expect(kds.get_by_test_id("recall-list")).to_contain_text("Nothing bumped")  # completed: not recallable


def test_86_on_manage_disables_the_item_on_order_entry_and_a_paired_tablet_opens_its_kds(
        browser, edge_server, errors, artifacts):
    entry = open_page(browser, f"{edge_server.url}/", errors, pin="1111")
    manage = open_page(browser, f"{edge_server.url}/manage", errors, pin="1234")
    fries = entry.get_by_role("button", name="Sides").click() or entry.get_by_test_id("menu-item-fries")
    expect(fries).to_be_enabled()
    manage.get_by_test_id("toggle-fries").click()
    expect(fries).to_be_disabled(timeout=1000)
    expect(fries).to_contain_text("86'd")
    manage.get_by_label("Price of Onion Rings").fill("6.25")
    manage.get_by_test_id("row-onion-rings").get_by_role("button", name="Save").click()
    expect(entry.get_by_test_id("menu-item-onion-rings")).to_contain_text("$6.25")  # live, no reload
    manage.screenshot(path=artifacts / "manage-menu.png")
    entry.set_viewport_size(PORTRAIT)
    expect(fries).to_be_visible()
    entry.screenshot(path=artifacts / "order-entry-portrait.png")
    manage.get_by_role("button", name="Status").click()
    expect(manage.get_by_test_id("check-database")).to_contain_text("ok")
    manage.screenshot(path=artifacts / "manage-status.png")

    manage.get_by_role("button", name="Tablets").click()
    manage.get_by_test_id("tablet-station").select_option("fry")
    manage.get_by_test_id("pair").click()
    expect(manage).to_have_url(f"{edge_server.url}/kds/fry")
    expect(manage.get_by_test_id("connection")).to_have_text("Live")
    manage.goto(f"{edge_server.url}/")  # after a reboot the tablet opens at its start page...
    expect(manage).to_have_url(f"{edge_server.url}/kds/fry")  # ...and goes straight to its KDS
    expect(manage.get_by_test_id("login")).to_have_count(0)
    admin = login_token(edge_server, "1234")
    [device] = api(edge_server, "GET", "/devices", admin)["devices"]
    api(edge_server, "POST", f"/devices/{device['id']}/revoke", admin)
    expect(manage.get_by_test_id("login")).to_be_visible(timeout=3000)  # unpaired: asks for a PIN


def test_a_kds_survives_a_box_restart_catches_up_and_shows_nothing_twice(
        browser, edge_server, errors, artifacts, monkeypatch):
    token = login_token(edge_server, "1111")
    first = api(edge_server, "POST", "/orders", token, json=order_request("1"))
    second = api(edge_server, "POST", "/orders", token, json=order_request("5"))
    kds = open_page(browser, f"{edge_server.url}/kds/grill", errors, pin="1111")
    expect(kds.get_by_test_id("ticket")).to_have_count(2)
    assert kds.evaluate("navigator.serviceWorker.ready.then(() => true)")

    stop(edge_server)
    expect(kds.get_by_test_id("offline-banner")).to_be_visible(timeout=3000)
    kds.reload()  # the app shell comes from the service worker, the tickets from the tablet's cache
    expect(kds.get_by_test_id("offline-banner")).to_be_visible()
    expect(kds.get_by_test_id("ticket")).to_have_count(2)
    for _ in range(2):  # both bumped on the tablet while the box is down (0.7 s apart: not a double tap)
        kds.get_by_test_id("ticket").first.locator(".card-head").click()
        kds.wait_for_timeout(700)
    expect(kds.get_by_test_id("offline-banner")).to_contain_text("2 tap(s) queued")
    # The box's clock is a day fast meanwhile (a Pi has no real-time clock): the KDS must still put
    # these tickets before the next one, in the event log's order, not by their stamps.
    with _box_while_the_server_is_down(edge_server, monkeypatch, clock_offset_s=86_400) as store:
        commands.bump_ticket(store, second["tickets"][0]["id"], SYSTEM)  # by a bump button meanwhile
        for table in ("2", "3"):
            commands.create_order(store, OrderRequest.model_validate(order_request(table)), SYSTEM)
    kds.screenshot(path=artifacts / "kds-offline.png")

    edge_server.start()
    expect(kds.get_by_test_id("connection")).to_have_text("Live", timeout=5000)
    expect(kds.get_by_test_id("offline-banner")).to_be_hidden(timeout=5000)
    expect(kds.locator(".toast.error")).to_contain_text("cannot bump")  # the second tap came too late
    api(edge_server, "POST", "/orders", login_token(edge_server, "1111"), json=order_request("4"))
    expect(kds.locator("article .where")).to_have_text(
        ["Table 2 \u00b7 Dine in", "Table 3 \u00b7 Dine in", "Table 4 \u00b7 Dine in"])
    kds.wait_for_timeout(300)  # a late duplicate would show up now
    assert kds.locator("article .where").all_inner_texts() == [
        "Table 2 \u00b7 Dine in", "Table 3 \u00b7 Dine in", "Table 4 \u00b7 Dine in"]  # (numbers restart on the fast day)
    order = api(edge_server, "GET", f"/orders/{first['id']}", login_token(edge_server, "1111"))
    assert order["status"] == "ready"  # the queued bump was applied, after the restart
    events = api(edge_server, "GET", "/events?after=0&limit=1000", login_token(edge_server, "1111"))["events"]
    assert sorted(e["data"]["order"]["number"] for e in events if e["type"] == "ticket.bumped") == [1, 2]


@contextmanager
def _box_while_the_server_is_down(server, monkeypatch, clock_offset_s=0.0):
    """The box's store, opened directly while no server runs: changes the KDS never saw live."""
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=server.data_dir)
    store = Store(settings.database_path, box_id=settings.box_id, restaurant_id=settings.restaurant_id,
                  wall_clock=lambda: time.time() + clock_offset_s).open()
    try:
        yield store
    finally:
        store.close()


def test_tickets_age_amber_then_red_and_a_double_tap_bumps_one(browser, edge_server, errors, artifacts):
    api(edge_server, "POST", "/orders", login_token(edge_server, "1111"), json=order_request("9"))
    kds = errors.new_page(browser, PORTRAIT)
    kds.clock.install()
    kds.goto(f"{edge_server.url}/kds/grill")
    for digit in "1111":
        kds.get_by_role("button", name=digit, exact=True).click()
    kds.get_by_role("button", name="Enter").click()
    ticket = kds.get_by_test_id("ticket")
    expect(ticket).to_have_attribute("data-age", "fresh")
    kds.clock.fast_forward("05:01")
    expect(ticket).to_have_attribute("data-age", "warn")
    expect(ticket.locator(".cue")).to_have_text("\u26a0 WAITING")
    kds.clock.fast_forward("03:00")
    expect(ticket).to_have_attribute("data-age", "late")
    expect(ticket.locator(".cue")).to_have_text("\u203c LATE")
    expect(ticket.locator(".timer")).to_have_text(re.compile(r"^8:0\d$"))
    kds.screenshot(path=artifacts / "kds-portrait-late.png")

    token = login_token(edge_server, "1111")
    for table in range(10, 16):  # 7 one-item tickets: one page in portrait (cards take their height)
        api(edge_server, "POST", "/orders", token, json=order_request(str(table)))
    expect(kds.get_by_test_id("page")).to_have_text("Page 1/1")
    expect(kds.get_by_test_id("ticket")).to_have_count(7)
    expect(kds.get_by_test_id("ticket").first.locator(".num")).to_have_text("#1")  # oldest first
    expect(kds.get_by_test_id("open-count")).to_have_text("7 open")
    kds.get_by_test_id("ticket").first.locator(".card-head").dblclick()  # a double tap bumps ONE ticket
    expect(kds.get_by_test_id("open-count")).to_have_text("6 open")
    expect(kds.get_by_test_id("ticket").first.locator(".num")).to_have_text("#2")


def test_an_order_entry_tablet_renews_its_short_lived_token_and_stays_logged_in(
        browser, start_edge_server, errors):
    server = start_edge_server("short-tokens", EDGE_AUTH__TOKEN_TTL_MINUTES="1")
    page = errors.new_page(browser, LANDSCAPE)
    page.clock.install()  # the tablet's clock; the box keeps real time
    page.goto(f"{server.url}/")
    for digit in "1111":
        page.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="Enter").click()
    expect(page.get_by_test_id("login")).to_have_count(0)
    first = page.evaluate("() => JSON.parse(localStorage.getItem('edge.session')).token")

    page.clock.fast_forward("00:35")  # past the one-minute token's half-life: time to renew
    page.wait_for_function("(old) => JSON.parse(localStorage.getItem('edge.session')).token !== old",
                           arg=first, timeout=5000)
    renewed = page.evaluate("() => JSON.parse(localStorage.getItem('edge.session')).token")
    me = requests.get(f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {renewed}"}, timeout=5)
    assert me.status_code == 200 and me.json()["name"] == "Sam"
    page.reload()  # a reload keeps the renewed session: no PIN pad
    expect(page.get_by_role("button", name="Send to kitchen")).to_be_visible()
    expect(page.get_by_test_id("login")).to_have_count(0)
