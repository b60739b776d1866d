"""Tablet figures: WebSocket fan-out latency, KDS page weight, KDS time to first render.

    python -m bench.ws_fanout [--clients 30] [--orders 200]

Starts the real `edge serve --demo` pinned to CPU 0 (`taskset -c 0`) on a loopback port with a
fresh data directory; this process (and the browser) run on the other CPUs when there are any.
1. fan-out: N WebSocket clients subscribed to the bar; for each POST /orders, the time from the
   HTTP answer arriving to each client receiving that order's `order.created` event (p50/p99/max;
   negative = the event beat the answer).
2. first render: Debian chromium opens a KDS with 40 open tickets; navigation start to the first
   ticket card on screen (median of 5 fresh browser contexts).
3. page weight: every file that KDS page loaded (HTML, CSS, ES modules), uncompressed, as the
   browser received them; the API data (snapshot of 40 tickets) separately.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from tests.support.e2e import CHROMIUM, CHROMIUM_ARGS, WsClient, stop  # the same server and browser as the tests
from tests.support.edge_process import EdgeServer

# This one process posts every order and logs every tablet in; lift the per-client rate limits
# meant for a real tablet.
SERVER_ENV = {"EDGE_SERVER__THREADS": "64", "EDGE_SECURITY__API_RATE_LIMIT": "10000000 per minute",
              "EDGE_SECURITY__LOGIN_RATE_LIMIT": "100000 per minute"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Listener:
    """One tablet: records when each order's `order.created` event arrives."""

    def __init__(self, url: str):
        self.ws = WsClient.connect(url)
        self.arrivals: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while True:
                message = self.ws.receive()
                received = time.perf_counter()
                event = json.loads(message)
                if event.get("type") == "order.created":
                    self.arrivals[event["data"]["order"]["id"]] = received
        except Exception:
            return


def tablet_token(base: str) -> str:
    return requests.post(f"{base}/api/v1/auth/login", json={"pin": "1111"}).json()["token"]


def fan_out(base: str, port: int, token: str, clients: int, orders: int) -> list[float]:
    after = requests.get(f"{base}/api/v1/web/config", headers={"Authorization": f"Bearer {token}"}).json()["last_seq"]
    # each tablet its own login session, as in a kitchen (the box caps feeds per session)
    listeners = [Listener(f"ws://127.0.0.1:{port}/api/v1/ws?token={tablet_token(base)}&after={after}&station=bar")
                 for _ in range(clients)]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    answered: dict[str, float] = {}
    for _ in range(orders):
        body = {"client_order_id": str(uuid.uuid4()), "table": "1",  # the bar's: the grill stays at 40
                "items": [{"menu_item_id": "coffee", "quantity": 1}]}
        response = session.post(f"{base}/api/v1/orders", json=body)
        answered[response.json()["id"]] = time.perf_counter()
        time.sleep(0.02)  # a latency test, not a throughput test
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(len(l.arrivals) < orders for l in listeners):
        time.sleep(0.05)
    latencies = [(l.arrivals[order_id] - at) * 1000 for l in listeners for order_id, at in answered.items()
                 if order_id in l.arrivals]
    missing = clients * orders - len(latencies)
    for listener in listeners:
        listener.ws.close()
    if missing:
        print(f"  WARNING: {missing} deliveries missing")
    return latencies


def first_render(base: str, token_json: str, runs: int = 5) -> tuple[list[float], dict[str, int]]:
    """Navigation start -> first ticket card, per fresh context; and the bytes of every file the
    page loaded (uncompressed), from the first run."""
    from playwright.sync_api import sync_playwright

    probe = """
      localStorage.setItem('edge.session', %s);
      new MutationObserver((_, observer) => {
        if (document.querySelector('article.card')) { window.__firstCard = performance.now(); observer.disconnect(); }
      }).observe(document, {childList: true, subtree: true});
    """ % json.dumps(token_json)
    timings: list[float] = []
    snapshot_at: list[float] = []
    loaded: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
            context.add_init_script(probe)
            page = context.new_page()
            if not timings:
                page.on("requestfinished", lambda request: loaded.setdefault(
                    request.url.removeprefix(base), len(request.response().body())))
            page.goto(f"{base}/kds/grill")
            page.locator("article.card").first.wait_for(timeout=10000)
            timings.append(page.evaluate("window.__firstCard"))
            snapshot_at.append(page.evaluate(
                "performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/v1/kds/grill')).responseEnd"))
            page.wait_for_load_state("networkidle")
            context.close()
        browser.close()
    print(f"  (the 40-ticket snapshot had arrived at a median {statistics.median(snapshot_at):.0f} ms)")
    return timings, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, os.sched_getaffinity(0) - {0})  # keep CPU 0 for the server
    with tempfile.TemporaryDirectory() as data_dir:
        server = EdgeServer(Path(data_dir) / "box", cpu=0, extra_env=SERVER_ENV).start()
        base, port = server.url, server.port
        try:
            login = requests.post(f"{base}/api/v1/auth/login", json={"pin": "1111"}).json()
            token = login["token"]
            latencies = fan_out(base, port, token, args.clients, args.orders)
            print(f"fan-out, {args.clients} clients x {args.orders} orders ({len(latencies)} deliveries): "
                  f"p50 {statistics.median(latencies):.2f} ms, p99 {percentile(latencies, 0.99):.2f} ms, "
                  f"max {max(latencies):.2f} ms")
            for _ in range(40):
                requests.post(f"{base}/api/v1/orders", headers={"Authorization": f"Bearer {token}"},
                              json={"client_order_id": str(uuid.uuid4()), "items": [{"menu_item_id": "steak", "modifier_ids": ["rare"]}]})
            renders, loaded = first_render(base, json.dumps(login))
            print(f"KDS first render with 40 open tickets: median {statistics.median(renders):.0f} ms "
                  f"(runs: {', '.join(f'{r:.0f}' for r in renders)})")
            app = {url: size for url, size in loaded.items() if not url.startswith("/api/")}
            data = sum(size for url, size in loaded.items() if url.startswith("/api/"))
            print(f"KDS page weight: {sum(app.values())} bytes ({sum(app.values()) / 1024:.1f} KiB) uncompressed "
                  f"in {len(app)} files ({', '.join(sorted(app))}); plus {data} bytes of API data for 40 tickets")
        finally:
            stop(server)


if __name__ == "__main__":
    main()
