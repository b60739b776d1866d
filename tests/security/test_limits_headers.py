"""The general rate limit, security headers and CORS."""

from __future__ import annotations

import threading
import time
from collections import deque

import pytest

from limits import parse_many

from edge.api.headers import CONTENT_SECURITY_POLICY
from edge.api.limits import SWEEP_EVERY_S, MovingWindow
from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from tests.support.client import FakeClock, app_on_clock, login

KITCHEN = {"REMOTE_ADDR": "10.0.0.21"}
NOISY = {"REMOTE_ADDR": "10.0.0.66"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tight_client(tmp_path, monkeypatch, clock):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path / "tight", demo=True,
                        security={"api_rate_limit": "10 per minute", "anonymous_rate_limit": "10 per minute",
                                  "allowed_origins": ["https://owner.example"]})
    app = app_on_clock(settings, clock, start_workers=False)
    yield app.test_client()
    app.extensions["edge"].close()


def test_a_noisy_client_gets_429_in_the_error_shape_and_the_kitchen_does_not(tight_client):
    kitchen = login(tight_client, "1111")
    statuses = [tight_client.get("/api/v1/menu", environ_base=NOISY).status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    limited = tight_client.get("/api/v1/menu", environ_base=NOISY)
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert set(limited.get_json()["error"]) == {"code", "message", "details"}
    assert limited.headers["Retry-After"] == "60"  # the clock stood still: the whole minute
    for _ in range(5):
        assert tight_client.get("/api/v1/menu", headers=kitchen, environ_base=KITCHEN).status_code == 200


def test_the_window_moves_with_the_clock_and_retry_after_counts_down(tight_client, clock):
    for _ in range(10):
        tight_client.get("/api/v1/menu", environ_base=NOISY)
    clock.now += 45
    limited = tight_client.get("/api/v1/menu", environ_base=NOISY)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "15"
    clock.now += 15.001  # the minute is over for the ten hits: the address may try again
    assert tight_client.get("/api/v1/menu", environ_base=NOISY).status_code == 401


def test_a_moving_window_refuses_until_its_oldest_hit_is_a_window_old():
    clock = FakeClock(1000.0)
    window, [three_a_minute] = MovingWindow(clock), parse_many("3 per minute")
    for at in (1000.0, 1010.0, 1020.0):
        clock.now = at
        assert window.hit(three_a_minute, "tablet") is None
    clock.now = 1030.0
    assert window.hit(three_a_minute, "tablet") == 30.0  # refused: the hit at 1000 is 30 s young
    assert window.hit(three_a_minute, "laptop") is None  # another key, another bucket
    clock.now = 1060.0
    assert window.hit(three_a_minute, "tablet") == 0.0  # exactly a minute: still counted (as limits did)
    clock.now = 1060.5
    assert window.hit(three_a_minute, "tablet") is None  # the refused hits did not count
    assert window.hit(three_a_minute, "tablet") == pytest.approx(9.5)  # now the hit at 1010 is the oldest
    [none_allowed] = parse_many("0 per minute")
    assert window.hit(none_allowed, "tablet") == 60
    clock.now += 60 + SWEEP_EVERY_S  # the next hit sweeps: only its own key is left
    assert window.hit(three_a_minute, "laptop") is None
    assert list(window.hits.values()) == [deque([clock.now])]


def test_one_address_with_a_token_has_its_own_bucket(tight_client):
    staff = login(tight_client, "1111")
    for _ in range(11):
        tight_client.get("/api/v1/menu", environ_base=NOISY)  # anonymous bucket on that address
    assert tight_client.get("/api/v1/menu", headers=staff, environ_base=NOISY).status_code == 200


def test_a_paired_device_keeps_working_beside_a_noisy_neighbour(tight_client):
    from datetime import timedelta

    from edge.security import pairing
    from edge.domain.actors import SYSTEM

    services = tight_client.application.extensions["edge"]
    device = services.store.write(lambda tx: pairing.pair_device(tx, "Grill KDS", "grill", timedelta(days=1), SYSTEM))
    token = pairing.issue_token(device, services.tokens, services.store.now())
    for _ in range(11):
        tight_client.get("/api/v1/menu", environ_base=NOISY)
        tight_client.post("/api/v1/auth/login", json={"pin": "9876"}, environ_base=NOISY)
    kds = tight_client.get("/api/v1/kds/grill", headers={"Authorization": f"Bearer {token}"}, environ_base=NOISY)
    assert kds.status_code == 200


def test_authenticated_clients_get_the_roomier_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    app = create_app(Settings(data_dir=tmp_path / "roomy", demo=True,
                              security={"api_rate_limit": "20 per minute", "anonymous_rate_limit": "3 per minute"}),
                     start_workers=False)
    services = app.extensions["edge"]
    try:
        seed_demo(services.store, services.secret)
        client = app.test_client()
        staff = login(client, "1111")  # a login comes without a token: one of the address's 3
        assert [client.get("/api/v1/menu").status_code for _ in range(3)] == [401, 401, 429]
        assert client.get("/api/v1/stations").status_code == 429  # the limit is the client's, not a route's
        assert {client.get("/api/v1/menu", headers=staff).status_code for _ in range(10)} == {200}
        assert client.get("/api/v1/stations", headers=staff).status_code == 200
    finally:
        services.close()


def test_health_is_never_throttled(tight_client):
    assert {tight_client.get("/health", environ_base=NOISY).status_code for _ in range(15)} == {200}


def test_retry_after_only_on_429(client, staff):
    assert "Retry-After" not in client.get("/api/v1/menu", headers=staff).headers


@pytest.mark.parametrize("path", ["/api/v1/menu", "/api/v1/nope", "/health", "/api/v1/openapi.json"])
def test_security_headers_on_every_response(client, staff, path):
    response = client.get(path, headers=staff)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_cors_allows_the_box_itself_and_configured_origins_only(tight_client):
    staff = login(tight_client, "1111")
    own = tight_client.get("/api/v1/menu", headers={**staff, "Origin": "http://localhost"})
    assert own.headers["Access-Control-Allow-Origin"] == "http://localhost"
    owner = tight_client.get("/api/v1/menu", headers={**staff, "Origin": "https://owner.example"})
    assert owner.headers["Access-Control-Allow-Origin"] == "https://owner.example"
    foreign = tight_client.get("/api/v1/menu", headers={**staff, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_foreign_preflights_and_websocket_upgrades_are_refused(client):
    preflight = client.options("/api/v1/orders", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert preflight.get_json()["error"]["code"] == "origin_not_allowed"
    upgrade = client.get("/api/v1/ws", headers={"Origin": "https://evil.example", "Upgrade": "websocket",
                                                "Connection": "Upgrade"})
    assert upgrade.status_code == 403
    own = client.options("/api/v1/orders", headers={"Origin": "http://localhost",
                                                    "Access-Control-Request-Method": "POST"})
    assert own.status_code == 204
    assert "Authorization" in own.headers["Access-Control-Allow-Headers"]


def test_cookies_if_any_are_httponly_and_samesite(app, client):
    @app.get("/_cookie_probe")
    def probe():
        response = app.response_class("x")
        response.set_cookie("session", "abc")
        return response
    cookie = client.get("/_cookie_probe").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_counting_requests_starts_no_threads(client, staff):
    """limits' stock memory storage restarted a timer thread 10 ms after any hit, so a busy box
    started a thread for every other request and made the request wait for it: with it, every
    request below would start one."""
    started = []
    original_start = threading.Thread.start

    def counting_start(thread):
        started.append(thread)
        original_start(thread)

    threading.Thread.start = counting_start
    try:
        for _ in range(5):
            assert client.get("/api/v1/menu", headers=staff).status_code == 200
            time.sleep(0.012)  # past the stock storage's 10 ms timer
    finally:
        threading.Thread.start = original_start
    assert started == []


def test_expired_counts_are_swept(settings, clock):
    app = app_on_clock(settings, clock, start_workers=False)
    try:
        client = app.test_client()
        staff = login(client, "1111")
        window = app.extensions["rate_limits"].window
        assert client.get("/api/v1/menu", headers=staff).status_code == 200
        clock.now += SWEEP_EVERY_S / 2  # not yet time to sweep
        assert client.get("/api/v1/menu", headers=staff).status_code == 200
        assert sum(len(hits) for hits in window.hits.values()) == 7  # login: 2 + 1; menu: 2 x 2
        clock.now += 120  # two minutes later (the longest window is one), the token still valid:
        assert client.get("/api/v1/menu", headers=staff).status_code == 200
        # the old hits (the login's, the menu reads') are gone; the one just made stays,
        # once per limit of the client
        assert sum(len(hits) for hits in window.hits.values()) == 2
    finally:
        app.extensions["edge"].close()


def test_logins_have_their_own_tighter_limit_per_address(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    app = create_app(Settings(data_dir=tmp_path / "logins", demo=True,
                              security={"login_rate_limit": "3 per minute", "lockout_after": 50,
                                        "ip_lockout_after": 50}), start_workers=False)
    services = app.extensions["edge"]
    try:
        seed_demo(services.store, services.secret)
        client = app.test_client()
        guesses = [client.post("/api/v1/auth/login", json={"pin": "9999"}, environ_base=NOISY) for _ in range(4)]
        assert [r.status_code for r in guesses] == [401, 401, 401, 429]
        assert guesses[-1].get_json()["error"]["code"] == "too_many_requests"
        assert 1 <= int(guesses[-1].headers["Retry-After"]) <= 60
        # the right PIN from that address waits too; a tablet elsewhere logs in
        assert client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=NOISY).status_code == 429
        assert client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=KITCHEN).status_code == 200
        # and the address can still read with a token it already has
        staff = login(client, "1111")
        assert client.get("/api/v1/menu", headers=staff, environ_base=NOISY).status_code == 200
    finally:
        services.close()
