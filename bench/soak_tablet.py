"""One simulated kitchen tablet for bench/soak.py, doing what web/js does on a real one.

It logs in with a PIN and its own ``X-Device-Id``, keeps ONE WebSocket on ``/api/v1/ws``
(live.js: opened after the ``last_seq`` read before any snapshot, a ping every 10 s, dropped
after 25 s of silence, reconnected 0.25-2 s later after the last seq it applied, ignoring
anything at or below it), takes orders over HTTP, and works the kitchen: a station tablet bumps
its share of the station's tickets a cook time after they fired, an expo tablet completes its
share of the orders that turn ready. Tokens (api.js): refreshed at max(TTL - 60 s, TTL / 2),
and on a 401 ``token_expired``; "sleepy" tablets (throttled timers, screen off) skip the early
refresh and meet the expiry itself: half of them wake with the socket gone, so the feed's
reconnect is what meets the expired token first (refused 401: refresh, reconnect), the other half
meet it on their next HTTP request. Every so often the Wi-Fi drops and the socket goes.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
import zlib
from datetime import datetime, timezone

import requests
import simple_websocket

from tests.support.e2e import WsClient

PING_S, DEAD_S, RETRY_S = 10.0, 25.0, [0.25, 0.5, 1.0, 2.0]
ITEMS = [("fries", ["small"]), ("cola", []), ("cheeseburger", ["medium"]), ("caesar-salad", []),
         ("wings", ["hot"]), ("coffee", [])]
STATIONS = ["grill", "fry", "cold", "bar", None]  # None: an expo / order-entry tablet (every event)


class Ledger:
    """What every tablet did and saw, shared (under one lock) for the report."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str, float, bool]] = []  # (at, kind, ms, ok)
        self.orders: dict[str, tuple[float, frozenset]] = {}  # order id -> (answered at, stations)
        self.reconnects: list[float] = []
        self.counters: dict[str, int] = {}
        self.problems: list[str] = []

    def request(self, kind: str, ms: float, ok: bool, problem: str = "") -> None:
        with self.lock:
            self.requests.append((time.monotonic(), kind, ms, ok))
            if problem and len(self.problems) < 20:
                self.problems.append(problem)

    def count(self, name: str, problem: str = "") -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1
            if problem and len(self.problems) < 20:
                self.problems.append(problem)


def reporting_crashes(ledger: Ledger, name: str, body) -> None:
    try:
        body()
    except Exception as error:  # noqa: BLE001 - a dead thread must show in the report, not vanish
        ledger.count("crashed", f"{name} crashed: {error!r}")


class TokenSession:
    """A person's session on one tablet: access + single-use refresh token (api.js)."""

    def __init__(self, url: str, device_id: str, ledger: Ledger, *, sleepy: bool):
        self.url, self.ledger, self.sleepy = url, ledger, sleepy
        self.http = requests.Session()
        self.http.headers["X-Device-Id"] = device_id
        self.lock = threading.Lock()  # refresh tokens are single-use: one refresh at a time
        self.token, self.refresh_token, self.expires_at, self.refresh_due = "", "", 0.0, float("inf")

    def login(self, pin: str) -> None:
        self._take(self._post("/api/v1/auth/login", {"pin": pin}))

    def refresh(self, seen_token: str) -> None:
        with self.lock:
            if self.token != seen_token:
                return  # another thread of this tablet refreshed meanwhile
            self._take(self._post("/api/v1/auth/refresh", {"refresh_token": self.refresh_token}))
            self.ledger.count("refreshes")

    def refresh_if_due(self) -> None:
        if not self.sleepy and time.monotonic() >= self.refresh_due:
            self.refresh(self.token)

    def expired(self) -> bool:
        return time.monotonic() >= self.expires_at

    def _post(self, path: str, body: dict) -> dict:
        try:
            response = self.http.post(f"{self.url}{path}", json=body, timeout=10)
        except requests.ConnectionError as error:
            if not _reset(error):
                raise
            # The box closed the idle keep-alive connection as the request went out, so it never
            # read it: a browser sends it again on a new connection, and so does this tablet.
            self.ledger.count("resent_after_keepalive_close")
            response = self.http.post(f"{self.url}{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def _take(self, body: dict) -> None:
        left = (datetime.fromisoformat(body["expires_at"]) - datetime.now(timezone.utc)).total_seconds()
        now = time.monotonic()
        self.token, self.refresh_token = body["token"], body["refresh_token"]
        self.expires_at, self.refresh_due = now + left, now + max(left - 60, left / 2)


class LiveFeed(threading.Thread):
    """The tablet's WebSocket, read in a thread of its own so each message is timed on arrival."""

    def __init__(self, tablet: "Tablet"):
        super().__init__(daemon=True, name=f"feed-{tablet.index}")
        self.tablet, self.ledger = tablet, tablet.ledger
        self.ws: simple_websocket.Client | None = None
        self.last_seq = 0
        self.seqs: dict[int, int] = {}  # seq -> times received
        self.created_at: dict[str, float] = {}  # order id -> when its order.created arrived
        self.stopping = threading.Event()
        self.failures = 0

    def start_after(self, seq: int) -> None:
        self.last_seq = seq
        self.start()

    def run(self) -> None:
        reporting_crashes(self.ledger, self.name, self._run)

    def _run(self) -> None:
        connected_before = False
        while not self.stopping.is_set():
            if not self._connect():
                self.stopping.wait(RETRY_S[min(self.failures, len(RETRY_S) - 1)])
                self.failures += 1
                continue
            if connected_before:
                with self.ledger.lock:
                    self.ledger.reconnects.append(time.monotonic())
            connected_before, self.failures = True, 0
            self._listen()
            self.stopping.wait(RETRY_S[0])

    def drop(self) -> None:
        """The Wi-Fi went: the socket is gone, the feed reconnects after the last seq it applied."""
        ws = self.ws
        if ws is not None and ws.connected:
            try:
                ws.close()
            except (simple_websocket.ConnectionClosed, OSError):
                pass

    def stop(self) -> None:
        self.stopping.set()
        self.drop()

    def _connect(self) -> bool:
        session, tablet = self.tablet.session, self.tablet
        token = session.token
        query = f"token={token}&after={self.last_seq}" + (f"&station={tablet.station}" if tablet.station else "")
        try:
            self.ws = WsClient.connect(f"ws://{tablet.host}/api/v1/ws?{query}")
            return True
        except simple_websocket.ConnectionError as error:
            if error.status_code == 401 and session.expired():
                self.ledger.count("ws_handshakes_with_expired_token")  # as live.js: /auth/me, refresh, retry
                session.refresh(token)
                return self._connect()
            self.ledger.count("ws_handshake_refused", f"ws handshake refused: {error.status_code}")
        except OSError as error:
            self.ledger.count("ws_handshake_refused", f"ws connect failed: {error}")
        return False

    def _listen(self) -> None:
        ws, heard, pinged = self.ws, time.monotonic(), time.monotonic()
        while not self.stopping.is_set():
            try:
                message = ws.receive(timeout=1.0)
            except simple_websocket.ConnectionClosed:
                return
            now = time.monotonic()
            if message is not None:
                heard = now
                self._receive(json.loads(message), now)
            elif not ws.connected:
                return
            if now - heard > DEAD_S:
                self.ledger.count("ws_dead", "no message for 25 s: socket dropped")
                self.drop()
                return
            if now - pinged >= PING_S:
                pinged = now
                try:
                    ws.send('{"type":"ping"}')
                except (simple_websocket.ConnectionClosed, OSError):
                    return

    def _receive(self, message: dict, now: float) -> None:
        if message.get("type") == "resync":
            self.ledger.count("resyncs", f"tablet {self.tablet.index} told to resync")
            return
        seq = message.get("seq")
        if not isinstance(seq, int):
            return  # heartbeat, pong
        self.seqs[seq] = self.seqs.get(seq, 0) + 1
        if seq <= self.last_seq:
            return  # the app ignores it; counted as a duplicate by the report
        self.last_seq = seq
        if message["type"] == "order.created":
            self.created_at.setdefault(message["data"]["order"]["id"], now)
        self.tablet.on_event(message, now)


class Tablet(threading.Thread):
    def __init__(self, server_url: str, index: int, *, tablets: int, orders_per_minute: float,
                 cook_s: float, drop_every_s: float, until: float, ledger: Ledger, sleepy: bool,
                 shift_starts: threading.Barrier):
        super().__init__(daemon=True, name=f"tablet-{index}")
        self.url, self.host, self.index, self.until, self.ledger = \
            server_url, server_url.split("//", 1)[1], index, until, ledger
        self.station = STATIONS[index % len(STATIONS)]
        self.crew = sum(1 for i in range(tablets) if i % len(STATIONS) == index % len(STATIONS))
        self.rank = index // len(STATIONS)  # which share of the station's work is this tablet's
        self.order_every, self.cook_s, self.drop_every_s = 60.0 / orders_per_minute, cook_s, drop_every_s
        self.rng = random.Random(index)
        self.session = TokenSession(server_url, f"soak-tablet-{index}", ledger, sleepy=sleepy)
        self.wakes_socket_first = sleepy and self.rank % 2 == 0
        self.feed = LiveFeed(self)
        self.work_lock = threading.Lock()
        self.work: dict[str, tuple[float, str]] = {}  # ticket or order id -> (due at, path to POST)
        self.start_seq = 0
        self.shift_starts = shift_starts  # every feed is open before the first order

    def mine(self, some_id: str) -> bool:
        return zlib.crc32(some_id.encode()) % self.crew == self.rank

    def on_event(self, event: dict, now: float) -> None:
        """The KDS / expo screen's view: which of my tickets or orders wait for me, and until when."""
        order = event["data"].get("order")
        if order is None:
            return
        with self.work_lock:
            if self.station is None:
                if order["status"] == "ready" and self.mine(order["id"]):
                    self.work.setdefault(order["id"], (now + self.rng.uniform(3, 10),
                                                       f"/api/v1/orders/{order['id']}/complete"))
                elif order["status"] in ("completed", "voided"):
                    self.work.pop(order["id"], None)
                return
            for ticket in order["tickets"]:
                if ticket["station"] != self.station or not self.mine(ticket["id"]):
                    continue
                if ticket["status"] in ("fired", "in_progress"):
                    self.work.setdefault(ticket["id"], (now + self.rng.uniform(0.5, 1.5) * self.cook_s,
                                                        f"/api/v1/tickets/{ticket['id']}/bump"))
                else:
                    self.work.pop(ticket["id"], None)

    def run(self) -> None:
        reporting_crashes(self.ledger, self.name, self._run)

    def _run(self) -> None:
        self.session.login("1111")
        self.start_seq = self.call("config", "GET", "/api/v1/web/config").json()["last_seq"]
        self.feed.start_after(self.start_seq)
        self.shift_starts.wait(timeout=60)
        next_order = time.monotonic() + self.rng.uniform(0, self.order_every)
        next_drop = time.monotonic() + self.rng.expovariate(1 / self.drop_every_s)
        while (now := time.monotonic()) < self.until:
            self.session.refresh_if_due()
            if self.wakes_socket_first and self.session.expired():
                self.wake_with_the_socket_gone()
            if now >= next_order:
                self.take_order()
                next_order += self.order_every
            self.work_the_kitchen(now)
            if now >= next_drop:
                self.feed.drop()
                next_drop = now + self.rng.expovariate(1 / self.drop_every_s)
            time.sleep(min(0.25, max(0.0, next_order - time.monotonic())))

    def wake_with_the_socket_gone(self) -> None:
        """The screen comes back on after the token expired, the socket dropped meanwhile: the
        feed reconnects with the expired token before the tablet sends anything else."""
        self.feed.drop()
        deadline = time.monotonic() + 10
        while self.session.expired() and time.monotonic() < deadline:
            time.sleep(0.05)

    def take_order(self) -> None:
        items = [{"menu_item_id": item, "quantity": 1, "modifier_ids": mods}
                 for item, mods in self.rng.sample(ITEMS, self.rng.randint(1, 2))]
        response = self.call("order", "POST", "/api/v1/orders", json={
            "client_order_id": str(uuid.uuid4()), "type": "dine_in", "table": str(self.index), "items": items})
        if response is not None and response.status_code == 201:
            order = response.json()
            with self.ledger.lock:
                self.ledger.orders[order["id"]] = (time.monotonic(), frozenset(t["station"] for t in order["tickets"]))

    def work_the_kitchen(self, now: float) -> None:
        with self.work_lock:
            due = [(key, path) for key, (at, path) in self.work.items() if at <= now]
            for key, _ in due:
                del self.work[key]
        for _, path in due:  # each tap carries its Idempotency-Key, as the app's queued taps do
            self.call("bump" if "/tickets/" in path else "complete", "POST", path,
                      headers={"Idempotency-Key": str(uuid.uuid4())})

    def call(self, kind: str, method: str, path: str, headers: dict | None = None, *, retried: bool = False,
             **kwargs):
        token = self.session.token
        started = time.perf_counter()
        try:
            response = self.session.http.request(method, f"{self.url}{path}", timeout=10, **kwargs,
                                                 headers={"Authorization": f"Bearer {token}", **(headers or {})})
        except requests.ConnectionError as error:
            if retried or not _reset(error):
                self.ledger.request(kind, (time.perf_counter() - started) * 1000, False, f"{kind}: {error}")
                return None
            # The box closed the idle keep-alive connection as this request went out: a browser
            # sends it again on a new one, as here (client_order_id / Idempotency-Key make it safe).
            self.ledger.count("resent_after_keepalive_close")
            return self.call(kind, method, path, headers, retried=True, **kwargs)
        except requests.RequestException as error:
            self.ledger.request(kind, (time.perf_counter() - started) * 1000, False, f"{kind}: {error}")
            return None
        ms = (time.perf_counter() - started) * 1000
        if response.status_code == 401 and response.json()["error"]["code"] == "token_expired":
            self.ledger.count("requests_with_expired_token")
            self.session.refresh(token)
            return self.call(kind, method, path, headers, **kwargs)
        ok = response.status_code < 400
        self.ledger.request(kind, ms, ok, "" if ok else f"{kind} {path}: {response.status_code} {response.text[:200]}")
        return response


def _reset(error: requests.ConnectionError) -> bool:
    """The connection was reset or closed before any answer (not refused, not a timeout)."""
    text = str(error)
    return "Connection aborted" in text or "RemoteDisconnected" in text or "reset by peer" in text
