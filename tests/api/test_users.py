"""Users over the API: admins add and disable them; PINs are unique; /auth/me says who you are."""

from __future__ import annotations

import pytest

from tests.support.client import login

from .helpers import assert_error, snapshot


def test_admin_adds_a_user_who_can_then_log_in(client, admin):
    created = client.post("/api/v1/users", json={"name": "Robin", "role": "staff", "pin": "24680"}, headers=admin)
    assert created.status_code == 201
    assert created.get_json() | {"id": "x"} == {"id": "x", "name": "Robin", "role": "staff", "active": True}
    robin = login(client, "24680")
    assert client.get("/api/v1/auth/me", headers=robin).get_json()["name"] == "Robin"
    names = [u["name"] for u in client.get("/api/v1/users", headers=admin).get_json()["users"]]
    assert "Robin" in names


@pytest.mark.parametrize("body, status, code", [
    ({"name": "Dup", "role": "staff", "pin": "1111"}, 409, "pin_taken"),
    ({"name": "sam", "role": "staff", "pin": "9753"}, 409, "name_taken"),
    ({"name": "Eve", "role": "owner", "pin": "9753"}, 422, None),
    ({"name": "Eve", "role": "staff", "pin": "12"}, 422, None),
    ({"name": "x" * 10_000, "role": "staff", "pin": "9753"}, 422, None),
    ({"name": "   ", "role": "staff", "pin": "9753"}, 422, "invalid_name"),
    ({"name": "Eve", "role": "staff"}, 422, None),
])
def test_bad_new_users_are_refused_and_change_nothing(client, admin, services, body, status, code):
    before = snapshot(services)
    assert_error(client.post("/api/v1/users", json=body, headers=admin), status, code)
    assert snapshot(services) == before


def test_disable_unknown_user_is_404(client, admin, services):
    before = snapshot(services)
    assert_error(client.post("/api/v1/users/nobody/disable", headers=admin), 404, "user_not_found")
    assert snapshot(services) == before


@pytest.mark.parametrize("pin, role", [("1234", "admin"), ("1111", "staff"), ("0000", "customer")])
def test_me_for_each_demo_user(client, pin, role):
    me = client.get("/api/v1/auth/me", headers=login(client, pin)).get_json()
    assert me["role"] == role


def test_login_answers_token_user_and_expiry(client):
    body = client.post("/api/v1/auth/login", json={"pin": "1111"}).get_json()
    assert set(body) == {"token", "expires_at", "user", "refresh_token", "refresh_expires_at"}
    assert body["user"]["name"] == "Sam" and body["user"]["role"] == "staff"
