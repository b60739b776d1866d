"""The real `edge serve` (gunicorn) on a loopback port, driven over HTTP, then stopped with SIGTERM."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
import requests

from tests.support.edge_process import EdgeServer

pytestmark = pytest.mark.e2e
GRACEFUL_TIMEOUT_S = 10  # the default server.graceful_timeout_s


@pytest.fixture
def server(tmp_path):
    running = EdgeServer(tmp_path / "data").start()
    yield running
    running.kill()


def order(*lines, **fields):
    return {"client_order_id": str(uuid.uuid4()), "type": "dine_in", "table": "7",
            "items": [{"menu_item_id": i, "quantity": q, "modifier_ids": m} for i, q, m in lines], **fields}


def test_whole_flow_over_http_then_clean_sigterm(server):
    http = requests.Session()
    health = http.get(f"{server.url}/health", timeout=5).json()
    assert health["status"] == "ok" and health["demo"] is True
    staff = server.login("1111", http)
    api = f"{server.url}/api/v1"
    assert len(http.get(f"{api}/menu", headers=staff, timeout=5).json()["items"]) >= 20

    body = order(("cheeseburger", 1, ["medium", "no-onions"]), ("fries", 2, ["large"]), ("cola", 1, []))
    created = http.post(f"{api}/orders", json=body, headers=staff, timeout=5)
    assert created.status_code == 201, created.text
    placed = created.json()
    assert placed["status"] == "fired" and placed["number"] == 1
    repeat = http.post(f"{api}/orders", json=body, headers=staff, timeout=5)
    assert repeat.status_code == 200 and repeat.json()["id"] == placed["id"]

    kds = http.get(f"{api}/kds/grill", headers=staff, timeout=5).json()
    assert [t["order_id"] for t in kds["tickets"]] == [placed["id"]]
    grill = next(t for t in placed["tickets"] if t["station"] == "grill")
    item_done = http.post(f"{api}/tickets/{grill['id']}/items/{grill['item_ids'][0]}/done", headers=staff, timeout=5)
    assert item_done.json()["status"] == "in_progress"
    for ticket in placed["tickets"]:
        assert http.post(f"{api}/tickets/{ticket['id']}/bump", headers=staff, timeout=5).status_code == 200
    completed = http.post(f"{api}/orders/{placed['id']}/complete", headers=staff, timeout=5)
    assert completed.json()["status"] == "completed"

    bad = http.post(f"{api}/orders", data="{nope", headers={**staff, "Content-Type": "application/json"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
    events = http.get(f"{api}/events", params={"after": 0, "limit": 100}, headers=staff, timeout=5).json()["events"]
    assert [e["type"] for e in events if e["data"].get("order", {}).get("id") == placed["id"]][-1] == "order.completed"
    metrics = http.get(f"{api}/metrics", headers=staff, timeout=5).text
    assert "order_processing_time_ms_count 1.0" in metrics
    http.close()

    assert server.terminate(timeout=GRACEFUL_TIMEOUT_S + 5) == 0, server.log()
    assert "Traceback" not in server.log()
    database = server.data_dir / "edge.sqlite"
    wal = database.with_name("edge.sqlite-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL was not checkpointed on shutdown"
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT status FROM orders WHERE id = ?", (placed["id"],)).fetchone()[0] == "completed"
    finally:
        conn.close()


def test_sigterm_lets_an_in_flight_request_finish(server):
    """Requests already accepted when SIGTERM arrives are answered, and their orders are kept."""
    import threading

    staff = server.login("1111")
    results = []

    def client():
        http = requests.Session()
        for _ in range(200):
            try:
                response = http.post(f"{server.url}/api/v1/orders", json=order(("coffee", 1, [])),
                                     headers=staff, timeout=10)
            except requests.RequestException:
                return
            if response.status_code != 201:
                return
            results.append(response.json()["id"])

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    while len(results) < 20 and all(t.is_alive() for t in threads):
        threading.Event().wait(0.01)
    assert server.terminate(timeout=GRACEFUL_TIMEOUT_S + 5) == 0
    for t in threads:
        t.join(timeout=15)
    conn = sqlite3.connect(server.data_dir / "edge.sqlite")
    try:
        stored = {row[0] for row in conn.execute("SELECT id FROM orders")}
    finally:
        conn.close()
    assert set(results) <= stored


def _libraries(pid: int) -> set[str]:
    return {line.split()[-1].rsplit("/", 1)[-1] for line in open(f"/proc/{pid}/maps") if "/" in line}


def test_the_long_lived_arbiter_stays_lean_and_logs_json(server):
    """`edge serve` execs into gunicorn's arbiter (same pid): it holds neither pydantic nor the app,
    which only its worker loads; both log one JSON object per line, gunicorn's lines included."""
    arbiter = server.process.pid
    workers = [int(pid) for pid in open(f"/proc/{arbiter}/task/{arbiter}/children").read().split()]
    assert len(workers) == 1
    assert b"edge.server" in open(f"/proc/{arbiter}/cmdline", "rb").read().split(b"\0")
    assert not any(lib.startswith("_pydantic_core") for lib in _libraries(arbiter))
    assert any(lib.startswith("_pydantic_core") for lib in _libraries(workers[0]))
    environment = open(f"/proc/{workers[0]}/environ", "rb").read().split(b"\0")
    assert b"MALLOC_ARENA_MAX=2" in environment  # freed memory goes back to the kernel

    lines = [json.loads(line) for line in server.log_path.read_text().splitlines() if line.strip()]
    assert any(entry["logger"] == "gunicorn.error" and "Booting worker" in entry["msg"] for entry in lines)


def _get_on(sock, path: str, headers: dict) -> tuple[int, bytes]:
    """One request on an open keep-alive socket; the answer read to its last byte."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed a kept-alive connection mid-answer"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split(b" ")[1]), body


def test_kept_alive_connections_carry_many_requests_then_close_when_idle(server):
    """Kept-alive connections wait on the event loop between requests (edge.serving.front): many
    connections at once each get every answer in turn, and an idle one is closed."""
    import socket
    import threading
    import time

    staff = server.login("1111")
    host, port = server.url.removeprefix("http://").split(":")
    answers, problems = [], []

    def tablet():
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            try:
                for n in range(40):
                    status, body = _get_on(sock, "/api/v1/kds/grill" if n % 2 else "/api/v1/stations", staff)
                    answers.append(status)
                    json.loads(body)
            except (AssertionError, OSError, ValueError) as error:
                problems.append(repr(error))

    tablets = [threading.Thread(target=tablet) for _ in range(8)]
    for t in tablets:
        t.start()
    for t in tablets:
        t.join(timeout=60)
    assert problems == [] and answers == [200] * 320

    idle = socket.create_connection((host, int(port)), timeout=15)
    try:
        assert _get_on(idle, "/api/v1/health", {})[0] == 200
        started = time.monotonic()
        assert idle.recv(1) == b""  # closed by the server after its keep-alive timeout (5 s)
        assert 3 < time.monotonic() - started < 12
    finally:
        idle.close()
