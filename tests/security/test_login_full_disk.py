"""People can still log in and refresh when the disk is full or read-only: the kitchen screens
must come back after a reboot or a token expiry even while the box refuses new writes."""

from __future__ import annotations

from tests.support.client import login

from .test_storage import (fill_until_refused, probe_every_time, small_disk, small_disk_app,  # noqa: F401
                          writer_pragma, writer_pragma_off)


def fill_the_disk(client, services) -> None:
    pages = services.store.read().execute("PRAGMA page_count").fetchone()[0]
    writer_pragma(services, f"max_page_count={pages + 3}")
    response, _ = fill_until_refused(client, login(client, "1111"))
    assert response.status_code == 507


def bearer(body: dict) -> dict:
    return {"Authorization": f"Bearer {body['token']}"}


def test_a_wrong_pin_is_still_wrong_on_a_full_disk(client, services):
    fill_the_disk(client, services)
    wrong = client.post("/api/v1/auth/login", json={"pin": "9999"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "wrong_pin"


def test_pin_guessing_is_still_locked_out_when_the_disk_cannot_count(client, services):
    """Logins need no write now, so wrong PINs the disk cannot record are counted in memory:
    otherwise a full disk would be a PIN oracle with no lockout."""
    writer_pragma(services, "query_only=ON")
    try:
        for _ in range(services.settings.security.lockout_after - 1):
            assert client.post("/api/v1/auth/login", json={"pin": "9999"}).status_code == 401
        locking = client.post("/api/v1/auth/login", json={"pin": "9998"})
        assert locking.status_code == 429
        right_pin = client.post("/api/v1/auth/login", json={"pin": "1111"})
        assert right_pin.status_code == 429 and "Retry-After" in right_pin.headers
        other_device = client.post("/api/v1/auth/login", json={"pin": "1111"}, headers={"X-Device-Id": "tab-2"})
        assert other_device.status_code == 200  # the device is locked, not the whole box
    finally:
        writer_pragma_off(services)


def test_login_and_refresh_work_on_a_read_only_card(client, services):
    before = client.post("/api/v1/auth/login", json={"pin": "1234"}).get_json()
    writer_pragma(services, "query_only=ON")
    try:
        response = client.post("/api/v1/auth/login", json={"pin": "1111"})
        assert response.status_code == 200, response.get_json()
        assert client.get("/api/v1/orders", headers=bearer(response.get_json())).status_code == 200
        renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": before["refresh_token"]})
        assert renewed.status_code == 200, renewed.get_json()
        assert client.get("/api/v1/menu", headers=bearer(renewed.get_json())).status_code == 200
    finally:
        writer_pragma_off(services)


def fill_to_the_last_byte(directory) -> None:
    with open(directory / "filler", "wb", buffering=0) as filler:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 8, 1):
            try:
                while filler.write(b"\0" * size):
                    pass
            except OSError:
                continue


def test_login_and_refresh_work_on_a_really_full_filesystem(small_disk, small_disk_app):
    client = small_disk_app.test_client()
    before = client.post("/api/v1/auth/login", json={"pin": "1234"}).get_json()
    fill_to_the_last_byte(small_disk)
    for pin in ("1111", "1234", "1111"):
        response = client.post("/api/v1/auth/login", json={"pin": pin})
        assert response.status_code == 200, response.get_json()
        assert client.get("/api/v1/orders", headers=bearer(response.get_json())).status_code == 200
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": before["refresh_token"]})
    assert renewed.status_code == 200, renewed.get_json()
