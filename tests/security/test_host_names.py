"""The box answers only to its own names (DNS rebinding): a request whose Host is some other name
is refused before anything runs, the CORS and WebSocket origin checks trust only the box's names,
and no redirect leads off the box."""

from __future__ import annotations

import socket

import pytest

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import SecuritySettings, ServerSettings, Settings

EVIL = "evil.example:3201"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
WS_UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
HOSTNAME = socket.gethostname().split(".")[0]


@pytest.fixture
def box(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path / "data", demo=True,
                        server=ServerSettings(public_url="http://kitchen.example.lan:3201"),
                        security=SecuritySettings(allowed_hosts=["pos.restaurant.lan"]))
    app = create_app(settings, start_workers=False)
    seed_demo(app.extensions["edge"].store, app.extensions["edge"].secret)
    yield app.test_client()
    app.extensions["edge"].close()


def test_a_rebound_name_gets_no_preflight_no_feed_and_no_answer(box):
    preflight = box.options("/api/v1/orders", headers={"Host": EVIL, "Origin": f"http://{EVIL}", **PREFLIGHT})
    assert preflight.status_code == 421 and "Access-Control-Allow-Origin" not in preflight.headers
    assert preflight.get_json()["error"]["code"] == "unknown_host"
    socket_ = box.get("/api/v1/ws?token=x", headers={"Host": EVIL, "Origin": f"http://{EVIL}", **WS_UPGRADE})
    assert socket_.status_code == 421
    login = box.post("/api/v1/auth/login", json={"pin": "1234"}, headers={"Host": EVIL})
    assert login.status_code == 421  # a rebinding page cannot even guess PINs through a browser
    assert box.get("/", headers={"Host": EVIL}).status_code == 421


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:3201", "[::1]:3201", f"{HOSTNAME}.local:3201",
                                  HOSTNAME, f"{HOSTNAME}-2.local", "kitchen.example.lan:3201", "pos.restaurant.lan",
                                  "127.0.0.2"])
def test_the_boxs_own_names_and_addresses_are_answered(box, host):
    assert box.get("/health", headers={"Host": host}).status_code == 200
    preflight = box.options("/api/v1/orders", headers={"Host": host, "Origin": f"http://{host}", **PREFLIGHT})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == f"http://{host}"


@pytest.mark.parametrize("host", [f"{HOSTNAME}.evil.example", f"{HOSTNAME}-x.local", "0.0.0.0", "192.0.2.7",
                                  f"evil.example:3201@{HOSTNAME}.local"])
def test_names_that_merely_resemble_the_boxs_are_refused(box, host):
    assert box.get("/health", headers={"Host": host}).status_code == 421


def test_a_page_on_one_of_the_boxs_names_may_call_it_by_another(box):
    preflight = box.options("/api/v1/orders", headers={"Host": "127.0.0.1:3201",
                                                        "Origin": f"http://{HOSTNAME}.local:3201", **PREFLIGHT})
    assert preflight.status_code == 204


def test_a_foreign_page_is_refused_even_when_the_host_is_ours(box):
    preflight = box.options("/api/v1/orders", headers={"Host": "127.0.0.1:3201",
                                                        "Origin": "http://evil.example", **PREFLIGHT})
    assert preflight.status_code == 403 and "Access-Control-Allow-Origin" not in preflight.headers
    upgrade = box.get("/api/v1/ws?token=x", headers={"Host": "127.0.0.1:3201", "Origin": "http://evil.example",
                                                     **WS_UPGRADE})
    assert upgrade.status_code == 403 and upgrade.get_json()["error"]["code"] == "origin_not_allowed"


@pytest.mark.parametrize("path", ["/web//x", "/web//evil.example/", "/kds//grill", "/api/v1//orders"])
def test_doubled_slashes_never_redirect_off_the_box(box, path):
    response = box.get(path, headers={"Host": "127.0.0.1:3201"})
    location = response.headers.get("Location", "")
    assert not location.startswith(("http://", "https://", "//")), location
    assert response.status_code in (404, 200) or location.startswith("/")
