"""Wrong-PIN lockouts: per device, per address, per named user; growing; kept across restarts."""

from __future__ import annotations

import pytest

from edge.app import create_app
from edge.security.lockout import LoginGuard, LoginLocked, login_keys
from edge.settings import SecuritySettings
from tests.support.client import FakeClock, login

TABLET = {"REMOTE_ADDR": "10.0.0.21"}
ATTACKER = {"REMOTE_ADDR": "10.0.0.66"}


@pytest.fixture
def clock(services) -> FakeClock:
    clock = FakeClock(1_800_000_000.0)
    services.login_guard.clock = clock
    return clock


def wrong_pin(client, environ=ATTACKER, **body):
    return client.post("/api/v1/auth/login", json={"pin": "9876", **body}, environ_base=environ)


def test_five_wrong_pins_lock_the_device_with_429_retry_after_and_error_shape(client, clock):
    for _ in range(4):
        assert wrong_pin(client).status_code == 401
    locked = wrong_pin(client)
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "30"
    assert locked.get_json()["error"]["code"] == "login_locked"
    assert locked.get_json()["error"]["details"] == [{"scope": "device", "retry_after_s": 30}]
    # even the right PIN is refused while locked
    right = client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=ATTACKER)
    assert right.status_code == 429


def test_lockouts_grow_and_are_capped(services, clock):
    guard, keys = services.login_guard, login_keys("10.0.0.66", None, None)
    durations = []
    for _ in range(8):
        lockout = None
        for _ in range(5):
            lockout = guard.record_failure(keys) or lockout
        durations.append(lockout.retry_after_s)
        clock.now += lockout.retry_after_s + 1
    assert durations == [30, 60, 120, 240, 480, 900, 900, 900]


def test_lock_expires_and_wrong_pins_outside_the_window_are_forgotten(client, services, clock):
    for _ in range(5):
        wrong_pin(client)
    clock.now += 31
    assert client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=ATTACKER).status_code == 200
    for _ in range(4):
        wrong_pin(client)
    clock.now += services.settings.security.failure_window_s + 1
    assert wrong_pin(client).status_code == 401  # the window restarted: 1 failure, not 5


def test_an_attack_from_one_tablet_does_not_touch_other_tablets_or_logged_in_kitchens(client, clock):
    kitchen = login(client, "1111")  # logged in before the attack, from another address
    for _ in range(12):
        wrong_pin(client)
    assert client.get("/api/v1/kds/grill", headers=kitchen, environ_base=TABLET).status_code == 200
    other = client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=TABLET)
    assert other.status_code == 200


def test_a_good_pin_does_not_reset_the_device_count(client, clock):
    """Otherwise a cook could guess 4 times, log in as themselves, and guess 4 more."""
    for _ in range(4):
        wrong_pin(client)
    assert client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=ATTACKER).status_code == 200
    assert wrong_pin(client).status_code == 429


def test_inventing_device_ids_hits_the_address_limit(client, services, clock):
    threshold = services.settings.security.ip_lockout_after
    statuses = [client.post("/api/v1/auth/login", json={"pin": "9876"}, environ_base=ATTACKER,
                            headers={"X-Device-Id": f"fake-{i}"}).status_code for i in range(threshold)]
    assert statuses[:-1] == [401] * (threshold - 1)
    assert statuses[-1] == 429
    locked = client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=ATTACKER,
                         headers={"X-Device-Id": "fresh"})
    assert locked.get_json()["error"]["details"][0]["scope"] == "ip"


def test_named_user_lockout_follows_the_user_across_devices_and_stays_short(client, services, clock):
    for i in range(5):
        response = wrong_pin(client, {"REMOTE_ADDR": f"10.0.1.{i}"}, user="Alex")
    assert response.status_code == 429
    assert response.get_json()["error"]["details"][0]["scope"] == "user"
    # Alex is locked everywhere (by name or by PIN alone); Sam is not.
    assert client.post("/api/v1/auth/login", json={"pin": "1234", "user": "alex"},
                       environ_base=TABLET).status_code == 429
    assert client.post("/api/v1/auth/login", json={"pin": "1234"}, environ_base=TABLET).status_code == 429
    assert client.post("/api/v1/auth/login", json={"pin": "1111"}, environ_base=TABLET).status_code == 200
    cap = services.settings.security.user_lockout_max_s
    guard, keys = services.login_guard, [login_keys("10.9.9.9", None, "someone")[2]]
    durations = []
    for _ in range(6):
        durations.append([guard.record_failure(keys) for _ in range(5)][-1].retry_after_s)
        clock.now += cap + 1
    assert durations == [30, 60, 120, 240, cap, cap]


def test_a_named_login_checks_that_user_only(client, clock):
    assert client.post("/api/v1/auth/login", json={"pin": "1111", "user": "Alex"},
                       environ_base=TABLET).status_code == 401  # Sam's PIN, Alex's name
    ok = client.post("/api/v1/auth/login", json={"pin": "1234", "user": "Alex"}, environ_base=TABLET)
    assert ok.status_code == 200 and ok.get_json()["user"]["name"] == "Alex"
    unknown = client.post("/api/v1/auth/login", json={"pin": "1234", "user": "Nobody"}, environ_base=TABLET)
    assert unknown.get_json()["error"]["code"] == "wrong_pin"  # no hint that the name is unknown


def test_lockouts_survive_a_restart(settings, app, services, clock):
    keys = login_keys("10.0.0.66", None, None)
    for _ in range(5):
        services.login_guard.record_failure(keys)
    services.close()
    reopened = create_app(settings, start_workers=False)
    try:
        guard = reopened.extensions["edge"].login_guard
        guard.clock = clock
        with pytest.raises(LoginLocked):
            guard.check(keys)
    finally:
        reopened.extensions["edge"].close()


def test_guard_policy_comes_from_settings():
    policy = SecuritySettings(lockout_after=2, lockout_base_s=5)
    assert LoginGuard(store=None, policy=policy)._duration(login_keys("a", None, None)[0], 0) == 5
