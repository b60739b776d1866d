"""The kitchen screens in a rush, in real Chromium against the real `edge serve`: 60 open tickets of
1-9 items (tests/support/kitchen_rush.py) at 1280x800, 800x1280 and 390x844. One box for the module:
the tests that only look come first, the ones that bump, void and complete come after."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.support.e2e import login_token, stop
from tests.support.kitchen_rush import session_script, start_rush_server
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
SIZES = {"landscape": {"width": 1280, "height": 800}, "portrait": {"width": 800, "height": 1280},
         "phone": {"width": 390, "height": 844}}
CHECKS = (Path(__file__).with_name("kitchen_checks.js")).read_text()
SMALL_TARGETS = """() => [...document.querySelectorAll('button, a, input, select')]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => { const box = el.getBoundingClientRect(); return box.height < 44 || box.width < 44; })
    .map((el) => el.outerHTML.slice(0, 80))"""


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    server = start_rush_server(tmp_path_factory.mktemp("rush") / "box")
    yield server
    stop(server)


@pytest.fixture(scope="module")
def staff_token(box):
    return login_token(box, "1111")


@pytest.fixture
def open_screen(browser, box):
    contexts, errors = [], []

    def open_(path: str, size: str = "landscape"):
        context = browser.new_context(viewport=SIZES[size])
        context.add_init_script(session_script(box))
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{box.url}{path}")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == [], "the pages raised errors"


def api(box, token, method, path, **kwargs):
    response = requests.request(method, f"{box.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"},
                                timeout=5, **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def assert_reads_well(page, root: str):
    result = page.evaluate(CHECKS, root)
    assert result["texts"] > 20
    assert result["clipped"] == [], "text cut off or outside its card"
    assert result["overlapping"] == [], "text drawn over other text"
    assert result["lowContrast"] == [], "text under 4.5:1 on its background"


@pytest.mark.parametrize("size", list(SIZES))
def test_sixty_tickets_read_without_clipping_overlap_or_low_contrast(open_screen, box, staff_token, artifacts, size):
    kds = open_screen("/kds/grill", size)
    expect(kds.get_by_test_id("open-count")).to_have_text("60 open")
    expect(kds.get_by_test_id("connection")).to_have_text("Live")
    kds.screenshot(path=artifacts / f"kds-rush-{size}.png")
    assert_reads_well(kds, "[data-testid=tickets]")
    assert kds.evaluate(SMALL_TARGETS) == []  # every touch target at least 44 px

    # The 9-item first ticket: every item on screen, across columns when it does not fit one.
    snapshot = api(box, staff_token, "GET", "/kds/grill")
    first = snapshot["tickets"][0]
    parts = kds.locator(f"article[data-ticket='{first['id']}']")
    assert parts.locator("[data-testid=item]").count() == len(first["items"]) == 9
    if parts.count() > 1:
        expect(parts.first.get_by_test_id("continued")).to_have_text(re.compile("continued"))
        expect(parts.nth(1).locator(".cont-label")).to_have_text("\u25c2 continued")
    visible = len({t for t in kds.locator("article[data-ticket]").evaluate_all("(a) => a.map((x) => x.dataset.ticket)")})
    label = kds.get_by_test_id("page").inner_text()
    if size == "phone":
        assert label.startswith("Scroll")  # one column: it scrolls, it does not page
    else:
        assert label.startswith("Page 1/") and f"{60 - visible} off screen" in label
    kds.keyboard.press("PageDown")  # the next page (a screen further down on a phone)
    if size != "phone":
        expect(kds.get_by_test_id("page")).to_contain_text("Page 2/")
    kds.wait_for_timeout(300)
    kds.screenshot(path=artifacts / f"kds-rush-{size}-next.png")
    assert_reads_well(kds, "[data-testid=tickets]")


@pytest.mark.parametrize(("age", "minutes"), [("warn", "05:30"), ("late", "08:30")])
def test_ageing_cards_keep_their_contrast(browser, box, age, minutes, artifacts):
    context = browser.new_context(viewport=SIZES["landscape"])
    try:
        context.add_init_script(session_script(box))
        page = context.new_page()
        page.clock.install()  # the tablet's clock runs ahead; the box's stays
        page.goto(f"{box.url}/kds/grill")
        expect(page.get_by_test_id("connection")).to_have_text("Live")
        page.clock.fast_forward(minutes)
        expect(page.locator("article[data-testid=ticket]").first).to_have_attribute("data-age", age)
        page.screenshot(path=artifacts / f"kds-rush-{age}.png")
        assert_reads_well(page, "[data-testid=tickets]")
    finally:
        context.close()


def test_short_tickets_fill_the_screen_at_1280x800(open_screen):
    fry = open_screen("/kds/fry")  # the rush's fry tickets have one or two items each
    expect(fry.get_by_test_id("connection")).to_have_text("Live")
    assert fry.get_by_test_id("ticket").count() >= 10
    assert_reads_well(fry, "[data-testid=tickets]")


def test_removals_and_allergies_stand_out_and_done_items_recede(open_screen, box, staff_token, artifacts):
    kds = open_screen("/kds/grill")
    expect(kds.get_by_test_id("connection")).to_have_text("Live")
    allergy = kds.get_by_test_id("detail-allergy").first
    expect(allergy).to_contain_text("\u26a0 ALLERGY")
    assert allergy.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(255, 225, 77)"
    removal = kds.get_by_test_id("detail-remove").first
    expect(removal).to_contain_text(re.compile(r"\u2715 NO\s*\w+"))
    assert removal.evaluate("(el) => getComputedStyle(el).fontWeight") == "800"
    plain = kds.get_by_test_id("detail-mod").first
    assert plain.evaluate("(el) => getComputedStyle(el).fontWeight") == "500"  # "Medium rare" is not a warning

    ticket = kds.get_by_test_id("ticket").nth(1)
    item = ticket.get_by_test_id("item").first
    item.click()
    expect(item).to_have_attribute("aria-pressed", "true")
    expect(item).to_have_class(re.compile(r"\bdone\b"))
    name = item.locator(".name")
    assert "line-through" in name.evaluate("(el) => getComputedStyle(el).textDecorationLine")
    assert name.evaluate("(el) => getComputedStyle(el).color") == "rgb(154, 166, 178)"  # dimmed, still 4.5:1
    kds.screenshot(path=artifacts / "kds-item-done.png")
    assert_reads_well(kds, "[data-testid=tickets]")  # the done item included


def test_keys_move_a_selection_the_box_shares_and_bump_on_the_box(open_screen, box, staff_token):
    kds = open_screen("/kds/grill")
    expect(kds.get_by_test_id("connection")).to_have_text("Live")
    tickets = [t["id"] for t in api(box, staff_token, "GET", "/kds/grill")["tickets"]]
    kds.keyboard.press("ArrowRight")
    kds.keyboard.press("ArrowRight")
    selected = kds.locator("article.selected[data-testid=ticket]")
    expect(selected).to_have_attribute("data-ticket", tickets[1])

    def selections():
        events = api(box, staff_token, "GET", "/events?after=0&limit=1000")["events"]
        return [e["data"]["ticket_id"] for e in events if e["type"] == "kds.selected"]
    assert wait_for(lambda: selections()[-2:] == tickets[:2], timeout=5)  # on the log, for the bump bar

    kds.keyboard.press("Enter")  # bump the selected ticket
    expect(kds.get_by_test_id("open-count")).to_have_text("59 open")
    assert wait_for(lambda: ticket_status(box, staff_token, tickets[1]) == "ready", timeout=5)
    kds.wait_for_timeout(650)  # past the double-tap guard
    kds.keyboard.press("3")  # the ticket at position 3 on screen
    expect(kds.get_by_test_id("open-count")).to_have_text("58 open")
    assert wait_for(lambda: ticket_status(box, staff_token, tickets[3]) == "ready", timeout=5)
    kds.keyboard.press("r")  # recall the last bumped
    expect(kds.get_by_test_id("open-count")).to_have_text("59 open")
    assert wait_for(lambda: ticket_status(box, staff_token, tickets[3]) == "in_progress", timeout=5)

    # The box's bump bar moves the selection (the same event): the tablet shows it.
    api(box, staff_token, "POST", "/kds/grill/selection", json={"ticket_id": tickets[5]})
    expect(selected).to_have_attribute("data-ticket", tickets[5])
    expect(selected).to_have_attribute("aria-current", "true")


def ticket_status(box, token, ticket_id):
    cards = api(box, token, "GET", "/kds/grill")
    return next(c["status"] for c in cards["tickets"] + cards["recently_bumped"] if c["id"] == ticket_id)


def test_a_void_of_a_ticket_on_screen_stays_until_a_cook_acknowledges_it(open_screen, box, staff_token, artifacts):
    kds = open_screen("/kds/grill", "portrait")
    expect(kds.get_by_test_id("connection")).to_have_text("Live")
    card = api(box, staff_token, "GET", "/kds/grill")["tickets"][0]
    admin = login_token(box, "1234")
    api(box, admin, "POST", f"/orders/{card['order_id']}/void", json={"reason": "guest left"})
    notice = kds.get_by_test_id("notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(f"VOID #{card['number']}")
    expect(notice).to_contain_text("guest left")
    expect(kds.locator(f"article[data-ticket='{card['id']}']")).to_have_count(0)
    kds.screenshot(path=artifacts / "kds-void-notice.png")
    assert_reads_well(kds, "[data-testid=tickets]")
    kds.reload()  # a notice survives a reload: nobody has seen it yet
    expect(notice).to_have_count(1)
    notice.get_by_test_id("ack-notice").click()
    expect(notice).to_have_count(0)


def test_expo_at_sixty_orders_completes_with_undo_and_recalls(open_screen, box, staff_token, artifacts):
    expo = open_screen("/expo")
    orders = expo.get_by_test_id("expo-order")
    in_kitchen = len(api(box, staff_token, "GET", "/expo")["orders"])
    assert in_kitchen >= 59  # the rush's 60 (one voided if the void test ran first)
    expect(orders).to_have_count(in_kitchen)
    assert_reads_well(expo, "[data-testid=expo]")
    last = api(box, staff_token, "GET", "/expo")["orders"][-1]
    for station in last["stations"]:
        api(box, staff_token, "POST", f"/tickets/{station['ticket_id']}/bump")
    card = expo.locator(f"article[data-order='{last['id']}']")
    complete = card.get_by_role("button", name=re.compile("Complete"))
    complete.scroll_into_view_if_needed()
    expo.screenshot(path=artifacts / "expo-rush-bottom.png")
    complete.click()
    expect(card).to_have_count(0)
    expo.get_by_test_id("undo-bar").get_by_role("button", name="Undo").click()
    expect(card).to_have_count(1)
    assert api(box, staff_token, "GET", f"/orders/{last['id']}")["status"] == "ready"  # undone before it was sent
    card.get_by_role("button", name=re.compile("Complete")).click()
    expect(expo.get_by_test_id("undo-bar")).to_be_hidden(timeout=8000)
    assert api(box, staff_token, "GET", f"/orders/{last['id']}")["status"] == "completed"
    expect(orders).to_have_count(in_kitchen - 1)
    expo.get_by_role("button", name="Recently completed").click()
    expect(expo.get_by_test_id("completed-list").locator("li").first).to_contain_text(f"#{last['number']}")


@pytest.mark.parametrize("size", ["portrait", "phone"])
def test_expo_reads_well_on_tablets_and_phones(open_screen, size, artifacts):
    expo = open_screen("/expo", size)
    expect(expo.get_by_test_id("expo-order").first).to_be_visible()
    expo.screenshot(path=artifacts / f"expo-rush-{size}.png")
    assert_reads_well(expo, "[data-testid=expo]")
    assert expo.evaluate(SMALL_TARGETS) == []


def test_the_screen_menu_switches_station_and_staff_86_an_item(open_screen, box, staff_token):
    kds = open_screen("/kds/grill")
    expect(kds.get_by_test_id("connection")).to_have_text("Live")
    kds.get_by_role("button", name="Screen menu").click()
    menu = kds.get_by_test_id("screen-menu")
    expect(menu.get_by_test_id("menu-connection")).to_contain_text("live")
    assert kds.evaluate(SMALL_TARGETS) == []
    menu.get_by_test_id("eighty-six-grilled-salmon").click()
    expect(menu.get_by_test_id("eighty-six-grilled-salmon")).to_have_text("Back on")
    salmon = next(i for i in api(box, staff_token, "GET", "/menu")["items"] if i["id"] == "grilled-salmon")
    assert salmon["available"] is False
    audit = api(box, login_token(box, "1234"), "GET", "/audit?action=menu.item_updated")["entries"]
    assert audit[0]["actor"]["name"] == "Sam" and audit[0]["target"] == "grilled-salmon"
    menu.get_by_role("link", name="Fry").click()
    expect(kds).to_have_url(f"{box.url}/kds/fry")
    expect(kds.get_by_role("heading", name="Fry")).to_be_visible()


PACK = """async (cases) => {
  const { pack } = await import('/web/js/kds-layout.js');
  return cases.map(([cards, height]) => pack({ cards: cards.map((rows) => ({ head: 60, rows, tail: 0, chrome: 10 })),
    contHead: 40, marker: 20 }, { height, gap: 8 }).map((column) => column.map((f) => [f.block, f.from, f.to, f.first, f.last])));
}"""


def test_packing_splits_long_cards_never_leaves_a_header_alone_and_places_every_row(open_screen):
    page = open_screen("/kds/grill")
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    whole, split, dangling, giant = page.evaluate(PACK, [
        [[[50, 50], [50]], 400],              # two short cards share a column
        [[[100] * 8], 400],                   # 70 + 800 px of rows: three parts, "continued" between
        [[[100, 100], [100, 100]], 300],      # the 2nd card's header would sit alone at the bottom
        [[[500], [50]], 300],                 # a row taller than a column still gets one of its own
    ])
    assert whole == [[[0, 0, 2, True, True], [1, 0, 1, True, True]]]
    assert split == [[[0, 0, 3, True, False]], [[0, 3, 6, False, False]], [[0, 6, 8, False, True]]]
    assert dangling == [[[0, 0, 2, True, True]], [[1, 0, 2, True, True]]]
    assert giant == [[[0, 0, 1, True, True]], [[1, 0, 1, True, True]]]


def test_amendments_show_as_a_changed_notice_and_an_added_badge(browser, tmp_path, artifacts):
    """The amendment events (branch foh, docs/events.md contract), written into the box's log as
    that branch's commands will write them: the screen must show CHANGED and + ADDED ITEMS."""
    server = start_rush_server(tmp_path / "amend", count=3)
    context = browser.new_context(viewport=SIZES["landscape"])
    try:
        token = login_token(server, "1111")
        context.add_init_script(session_script(server))  # logins are events too: all of them first
        changed, added = [api(server, token, "GET", f"/orders/{card['order_id']}")
                          for card in api(server, token, "GET", "/kds/grill")["tickets"][1:3]]
        gone = changed["items"][0]
        gone.update(voided_at="2026-12-04T15:00:00+00:00", void_reason="guest changed their mind")
        for ticket in added["tickets"]:
            ticket["amendment"] = "added"
        log_directly(server, "order.items_voided", {"order": changed, "item_ids": [gone["id"]],
                                                    "reason": "guest changed their mind"}, changed)
        log_directly(server, "order.items_added", {"order": added, "ticket_ids": [t["id"] for t in added["tickets"]]},
                     added)
        kds = context.new_page()
        kds.goto(f"{server.url}/kds/grill")  # the replay after the snapshot brings both events
        notice = kds.get_by_test_id("notice")
        expect(notice).to_contain_text(f"CHANGED #{changed['number']}")
        expect(notice).to_contain_text(gone["name"])
        expect(notice).to_contain_text("guest changed their mind")
        card = kds.locator(f"article[data-ticket='{changed['tickets'][0]['id']}']").first
        expect(card.locator(".item.voided")).to_contain_text("VOID")
        badge = kds.locator(f"article[data-ticket='{added['tickets'][0]['id']}']").first.get_by_test_id("added-badge")
        expect(badge).to_have_text("+ ADDED ITEMS")
        kds.screenshot(path=artifacts / "kds-changed-added.png")
        assert_reads_well(kds, "[data-testid=tickets]")
        notice.get_by_test_id("ack-notice").click()
        expect(notice).to_have_count(0)
    finally:
        context.close()
        stop(server)


def log_directly(server, event_type: str, data: dict, order: dict) -> None:
    import sqlite3
    import uuid as uuid_

    from edge.settings import Settings

    stations = sorted({t["station"] for t in order["tickets"]})
    conn = sqlite3.connect(Settings(data_dir=server.data_dir).database_path, timeout=10)
    with conn:
        conn.execute("INSERT INTO events (id, type, data, at, hlc, stations, order_id) VALUES (?,?,?,?,?,?,?)",
                     (str(uuid_.uuid4()), event_type, json.dumps(data), "2026-12-04T15:00:00.000+00:00",
                      "001796396000000-000000-box-1", f",{','.join(stations)},", order["id"]))
    conn.close()
