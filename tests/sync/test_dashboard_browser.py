"""The owner's dashboard in real Chromium, against real PostgreSQL through the test gateway, with
orders synced by real boxes: each owner sees exactly their restaurants' totals (the boxes' own
figures), the charts draw, the box whose sync stopped is flagged, a menu edit reaches the box,
CSV exports match, and the page stays under its weight budget with a strict CSP."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest

from edge.domain.actors import SYSTEM
from edge.domain.amendments import AddItemsRequest, VoidItemsRequest
from edge.domain.orders import OrderItemRequest
from edge.store import commands
from tests.support.requirements import missing
from tests.support.sync_box import SIMPLE_ITEMS
from tests.support.sync_cloud import ANON_KEY

from .dashboard_server import DashboardServer, missing_vendor_files

pytestmark = pytest.mark.e2e

PAGE_BUDGET_BYTES = 300 * 1024
PASSWORD = "long enough password"


@pytest.fixture
def dashboard(gateway):
    if missing_vendor_files():
        missing(f"supabase/dashboard/public/vendor/ ({', '.join(missing_vendor_files())})", "run `make dashboard`")
    server = DashboardServer(gateway.url, ANON_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def artifacts():
    from tests.support.e2e import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class ServiceClock:
    """The boxes' wall clock during a service that already happened today: orders minutes apart,
    tickets bumped minutes after firing (so the hourly and ticket-time charts have a shape)."""

    def __init__(self):
        now = datetime.now(timezone.utc)
        day_start = now.replace(hour=4, minute=5, second=0, microsecond=0)
        start = now - timedelta(hours=3)
        self.now = (day_start if now >= day_start and start < day_start else start).timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def service(box, clock: ServiceClock, orders: int, rng: random.Random) -> None:
    for _ in range(orders):
        clock.advance(rng.uniform(60, 360))
        order = amend(box, box.order(rng.randint(1, 3)), rng)
        roll = rng.random()
        if roll < 0.1:
            commands.void_order(box.store, order.id, "customer left", SYSTEM)
        elif roll < 0.9:
            for ticket in (t for t in order.tickets if t.status != "voided"):
                clock.advance(rng.uniform(60, 480))
                order = commands.bump_ticket(box.store, ticket.id, SYSTEM)
            commands.complete_order(box.store, order.id, SYSTEM)
        clock.advance(-rng.uniform(0, 300))  # the next order came in while these cooked


def amend(box, order, rng: random.Random):
    """Now and then the server adds an item after Send, or voids a line (never the last one)."""
    roll = rng.random()
    if roll < 0.2:
        added = [OrderItemRequest(menu_item_id=rng.choice(SIMPLE_ITEMS), quantity=rng.randint(1, 2))]
        order, _ = commands.add_items(box.store, order.id, AddItemsRequest(amendment_id=uuid.uuid4(), items=added),
                                      SYSTEM)
    elif roll < 0.4 and len(order.items) > 1:
        voiding = VoidItemsRequest(amendment_id=uuid.uuid4(), item_ids=[rng.choice(order.items).id],
                                   reason=rng.choice(["wrong item", "customer changed their mind"]))
        order, _ = commands.void_items(box.store, order.id, voiding, SYSTEM)
    return order


def restaurant(cloud, name: str) -> str:
    restaurant_id = f"{name.split()[-1].lower()}-{uuid.uuid4().hex[:6]}"
    cloud.admin.execute("insert into restaurants (id, name) values (%s, %s)", (restaurant_id, name))
    return restaurant_id


def upload_menu(cloud, restaurant_id: str, box) -> None:
    """The owner puts the box's menu in the cloud (no modifiers: the test orders simple items)."""
    conn = box.store.read()
    with cloud.admin.transaction():
        for row in conn.execute("SELECT id, name, kind, position FROM stations"):
            cloud.admin.execute("insert into stations (restaurant_id, id, name, kind, position) values (%s, %s, %s, %s, %s)",
                                (restaurant_id, *row))
        menu = box.store.menu()
        for c in menu.categories:
            cloud.admin.execute("insert into menu_categories (restaurant_id, id, name, position) values (%s, %s, %s, %s)",
                                (restaurant_id, c.id, c.name, c.position))
        for i in menu.items:
            cloud.admin.execute("insert into menu_items (restaurant_id, id, category_id, name, price_cents, tax_rate_bp, "
                                "station, position) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                                (restaurant_id, i.id, i.category_id, i.name, i.price_cents, i.tax_rate_bp, i.station,
                                 i.position))


def box_figures(box) -> dict[str, str]:
    """The box's own figures for its orders, formatted as the dashboard shows them."""
    docs = [json.loads(row[0]) for row in box.store.read().execute("SELECT doc FROM orders")]
    sold = [d for d in docs if d["status"] != "voided"]
    voided = [d for d in docs if d["status"] == "voided"]
    average = (Decimal(sum(d["total_cents"] for d in sold)) / len(sold)).quantize(Decimal(1), ROUND_HALF_UP)
    lines = [line for d in docs for line in d["items"] if line["voided_at"]]
    return {"net-sales": dollars(sum(d["subtotal_cents"] for d in sold)), "orders": str(len(sold)),
            "average-ticket": dollars(int(average)), "tax": dollars(sum(d["tax_cents"] for d in sold)),
            "voids": str(len(voided)), "voids-note": dollars(sum(d["total_cents"] for d in voided)),
            "voided-lines": str(sum(line["quantity"] for line in lines)),
            "voided-lines-note": f"{dollars(sum(line['line_total_cents'] for line in lines))} before tax"}


def box_item_lists(box) -> dict[str, list[tuple[str, str]]]:
    """The box's own top items (live lines of live orders) and what it voided (voided lines and the
    lines of voided orders), as the dashboard lists them: (name, "quantity · amount")."""
    sold, voided = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for row in box.store.read().execute("SELECT doc FROM orders"):
        doc = json.loads(row[0])
        for line in doc["items"]:
            tally = voided if doc["status"] == "voided" or line["voided_at"] else sold
            tally[line["name"]][0] += line["quantity"]
            tally[line["name"]][1] += line["line_total_cents"]

    def ranked(tally, rank):
        return [(name, f"{quantity} · {dollars(cents)}")
                for name, (quantity, cents) in sorted(tally.items(), key=rank)]
    by_amount = sorted(voided.values(), key=lambda qc: (-qc[1], -qc[0]))
    more = by_amount[5:]
    return {"top-items": ranked(sold, lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:5],  # most sold first
            "voided-items": ranked(voided, lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:5],  # costliest first
            "voided-more": [(f"{len(more)} more item{'s' if len(more) > 1 else ''}",
                             f"{sum(q for q, _ in more)} · {dollars(sum(c for _, c in more))}")] if more else []}


def shown_item_lists(page, restaurant_id: str) -> dict[str, list[tuple[str, str]]]:
    column = page.locator(f"[data-testid=restaurant-{restaurant_id}]")
    def listed(selector):
        return [(li.locator("span").first.inner_text().split("\n")[0], li.locator("> span").last.inner_text())
                for li in column.locator(selector).all()]
    return {"top-items": listed("[data-testid=top-items] li"),
            "voided-items": listed("[data-testid=voided-items] li:not(.more)"),
            "voided-more": listed("[data-testid=voided-items] li.more")}


def dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def shown_figures(page, restaurant_id: str) -> dict[str, str]:
    column = page.locator(f"[data-testid=restaurant-{restaurant_id}]")
    return {key: column.locator(f"[data-testid={key}]").inner_text()
            for key in ("net-sales", "orders", "average-ticket", "tax", "voids", "voids-note", "voided-lines",
                        "voided-lines-note")}


def bar_pixels(page, chart_selector: str) -> int:
    """Pixels of the chart's canvas painted in the bars' colours (blue sales, green/amber times)."""
    return page.eval_on_selector(chart_selector + " canvas", """canvas => {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
            if (a > 100 && ((b > 180 && r < 120) || (g > 120 && r < 90 && b < 120) || (r > 200 && g > 120 && b < 60))) n++;
        }
        return n;
    }""")


def open_page(browser, dashboard, viewport):
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    problems, weight = [], {"bytes": 0}
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    def count(response):
        if response.url.startswith(dashboard.url):
            weight["bytes"] += len(response.body())
    page.on("response", count)
    page.goto(dashboard.url)
    return context, page, problems, weight


def sign_in(page, email: str) -> None:
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@dataclass
class Day:
    """Three restaurants after a service: Ann owns Bistro Main and Bistro Port, Bob owns Chez Bob."""
    main: str
    port: str
    chez: str
    main_box: object
    port_box: object
    bob_box: object
    port_synced: dict  # Bistro Port's figures as they were when its sync stopped


def serve_a_day(cloud, make_box, gateway) -> Day:
    main, port, chez = (restaurant(cloud, name) for name in ("Bistro Main", "Bistro Port", "Chez Bob"))
    clock, rng = ServiceClock(), random.Random(7)
    main_box, port_box, bob_box = (make_box(r, seed=n, wall_clock=clock) for n, r in enumerate((main, port, chez)))
    upload_menu(cloud, main, main_box)
    for box, name in ((main_box, "Kitchen"), (port_box, "Pass"), (bob_box, "Counter")):
        cloud.admin.execute("update boxes set name = %s where id = %s", (name, box.box_id))
    for box, orders in ((main_box, 30), (port_box, 12), (bob_box, 18)):
        start = clock.now
        service(box, clock, orders, rng)
        clock.now = start  # the three restaurants work at the same hours
        box.worker.heartbeat.interval_s = 0
        box.worker.tick()  # push, pull the menu, heartbeat
        box.worker.tick()  # push the pull's menu.replaced event, heartbeat
        assert box.worker.last_error is None
    port_synced = box_figures(port_box)
    # Bistro Port's uplink dies: its box keeps taking orders that never reach the cloud, and two
    # hours pass for the cloud (its record of the box is moved back; the box is not ticked again).
    service(port_box, clock, 4, rng)
    for table, column in (("sync_cursors", "pushed_at"), ("box_heartbeats", "received_at")):
        cloud.admin.execute(f"update {table} set {column} = {column} - interval '2 hours' where box_id = %s",
                            (port_box.box_id,))
    gateway.auth.add_user("ann@example.com", PASSWORD, restaurant_ids=[main, port])
    gateway.auth.add_user("bob@example.com", PASSWORD, restaurant_ids=[chez])
    return Day(main, port, chez, main_box, port_box, bob_box, port_synced)


def test_two_owners_see_their_own_restaurants(browser, dashboard, gateway, cloud, make_box, artifacts):
    day = serve_a_day(cloud, make_box, gateway)
    context, page, problems, weight = open_page(browser, dashboard, {"width": 1280, "height": 800})
    ann_reads_her_figures(page, day, weight, problems, artifacts)
    ann_exports_orders(page, day, cloud)
    ann_edits_the_menu(page, day, cloud, artifacts)
    page.click("[data-testid=sign-out]")
    page.wait_for_selector("input[name=email]", timeout=5000)
    assert page.locator("[data-testid^=restaurant-]").count() == 0
    assert problems == []
    context.close()

    day.main_box.worker.pull_interval_s = 0  # the minute until the box's next pull has passed
    assert day.main_box.worker.run_once() is None
    menu = {item.id: item for item in day.main_box.store.menu().items}
    assert menu["grilled-salmon"].price_cents == 1975 and menu["onion-rings"].name == "Beer-battered Onion Rings"

    context, page, problems, _ = open_page(browser, dashboard, {"width": 390, "height": 844})
    bob_signs_in_with_a_link_on_his_phone(page, day, gateway, artifacts)
    assert problems == []
    context.close()


def ann_reads_her_figures(page, day: Day, weight: dict, problems: list, artifacts) -> None:
    """Ann, on a laptop: a wrong password first, then both her restaurants side by side."""
    page.fill("input[name=email]", "ann@example.com")
    page.fill("input[name=password]", "not her password")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Wrong e-mail or password", timeout=5000)
    problems.clear()  # the browser logs the refused sign-in (HTTP 400) as a console error
    sign_in(page, "ann@example.com")
    page.wait_for_selector(f"[data-testid=restaurant-{day.port}] [data-testid=station-chart] canvas", timeout=15000)
    assert weight["bytes"] < PAGE_BUDGET_BYTES, weight
    assert shown_figures(page, day.main) == box_figures(day.main_box)
    assert box_figures(day.main_box)["voided-lines"] != "0"  # the service voided lines to compare
    assert shown_item_lists(page, day.main) == box_item_lists(day.main_box)
    assert page.eval_on_selector(f"[data-testid=restaurant-{day.main}] [data-testid=voided-items]",  # no stray text
                                 "list => [...list.childNodes].every((node) => node.nodeName === 'LI')")
    assert shown_figures(page, day.port) == day.port_synced  # what reached the cloud, not the unsynced orders
    assert page.locator(f"[data-testid=restaurant-{day.chez}]").count() == 0
    banner = page.inner_text("[data-testid=stale-banner]")
    assert "Bistro Port last synced 2 h ago (Pass)" in banner and "Bistro Main" not in banner
    assert page.get_attribute(f"[data-testid=box-{day.port_box.box_id}]", "data-state") == "offline"
    assert page.get_attribute(f"[data-testid=box-{day.main_box.box_id}]", "data-state") == "ok"
    for chart in ("hourly-chart", "station-chart"):
        assert bar_pixels(page, f"[data-testid=restaurant-{day.main}] [data-testid={chart}]") > 200, chart
    page.screenshot(path=str(artifacts / "dashboard-owner-1280x800.png"))
    page.screenshot(path=str(artifacts / "dashboard-owner-1280-full.png"), full_page=True)

    page.select_option("[data-testid=restaurant-select]", day.port)  # one restaurant at a time
    page.wait_for_selector(f"[data-testid=restaurant-{day.main}]", state="detached", timeout=5000)
    assert shown_figures(page, day.port) == day.port_synced
    page.select_option("[data-testid=restaurant-select]", "all")


def download_csv(page, button: str) -> list[dict]:
    with page.expect_download(timeout=10000) as download:
        page.click(f"[data-testid={button}]")
    return list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))


def ann_exports_orders(page, day: Day, cloud) -> None:
    """The CSVs hold exactly the orders and order lines the cloud has for her two restaurants."""
    page.click("[data-testid=tab-export]")
    orders = download_csv(page, "export-orders")
    expected = sum(int(figures[key]) for figures in (box_figures(day.main_box), day.port_synced)
                   for key in ("orders", "voids"))
    assert len(orders) == expected
    assert {row["restaurant_id"] for row in orders} == {day.main, day.port}
    lines = download_csv(page, "export-items")
    cloud_lines = cloud.scalar("select count(*) from order_items where restaurant_id in (%s, %s)", day.main, day.port)
    assert len(lines) == cloud_lines and {row["order_id"] for row in lines} <= {row["id"] for row in orders}
    main_total = sum(int(row["line_total_cents"]) for row in lines
                     if row["restaurant_id"] == day.main and row["order_status"] != "voided" and not row["voided_at"])
    voided_lines = [row for row in lines if row["voided_at"]]
    assert voided_lines and all(row["void_reason"] for row in voided_lines)
    assert dollars(main_total) == box_figures(day.main_box)["net-sales"]  # lines add up to the net sales


def ann_edits_the_menu(page, day: Day, cloud, artifacts) -> None:
    """Bad prices are refused on the page and change nothing; a good save is one menu version."""
    page.select_option("[data-testid=restaurant-select]", day.main)
    page.click("[data-testid=tab-menu]")
    price = page.locator("[data-testid=price-grilled-salmon]")
    version = cloud.scalar("select menu_version from restaurants where id = %s", day.main)
    for bad, why in (("", "required"), ("-3", "negative"), ("abc", "not a price"), ("10000.01", "at most")):
        price.fill(bad)
        page.click("[data-testid=save-menu]")
        assert why in page.inner_text("[data-testid=menu-row-grilled-salmon]")
    page.screenshot(path=str(artifacts / "dashboard-menu-refused-1280x800.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    price.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dashboard-menu-refused-390x844.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    assert cloud.scalar("select menu_version from restaurants where id = %s", day.main) == version
    price.fill("19.75")
    page.fill("[data-testid=menu-row-onion-rings] input[type=text] >> nth=0", "Beer-battered Onion Rings")
    page.click("[data-testid=save-menu]")
    page.wait_for_selector(".toast:has-text('menu version')", timeout=10000)
    assert cloud.scalar("select menu_version from restaurants where id = %s", day.main) == version + 1
    page.screenshot(path=str(artifacts / "dashboard-menu-1280x800.png"))


def bob_signs_in_with_a_link_on_his_phone(page, day: Day, gateway, artifacts) -> None:
    """Bob sees only Chez Bob, for today, for chosen dates and for the last 7 days."""
    page.fill("input[name=email]", "bob@example.com")
    page.click("text=E-mail me a sign-in link")
    page.wait_for_selector("text=a sign-in link is on its way", timeout=10000)
    (email, link), = gateway.auth.mailbox
    assert email == "bob@example.com"
    page.goto(gateway.url + link)
    column = f"[data-testid=restaurant-{day.chez}]"
    page.wait_for_selector(f"{column} [data-testid=hourly-chart] canvas", timeout=15000)
    assert shown_figures(page, day.chez) == box_figures(day.bob_box)
    assert shown_item_lists(page, day.chez) == box_item_lists(day.bob_box)
    assert page.locator(f"[data-testid=restaurant-{day.main}], [data-testid=restaurant-{day.port}]").count() == 0
    assert page.locator("[data-testid=stale-banner]").count() == 0
    business_day = page.inner_text(f"{column} p.muted").split()[2]
    page.select_option("[data-testid=range-select]", "custom")  # chosen dates: the same day
    page.fill("[data-testid=range-from]", business_day)
    page.fill("[data-testid=range-to]", business_day)
    with page.expect_response(lambda r: "owner_report" in r.url and r.request.method == "POST", timeout=10000):
        page.click("text=Show")
    page.wait_for_selector(f"{column} canvas", timeout=5000)
    assert shown_figures(page, day.chez) == box_figures(day.bob_box)
    page.select_option("[data-testid=range-select]", "7")  # the last 7 business days hold the same orders
    page.wait_for_selector(f"{column} p.muted:has-text(' to ')", timeout=5000)
    assert shown_figures(page, day.chez) == box_figures(day.bob_box)
    page.screenshot(path=str(artifacts / "dashboard-owner-390x844.png"))
    page.screenshot(path=str(artifacts / "dashboard-owner-390-full.png"), full_page=True)
