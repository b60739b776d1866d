"""Every bad input in the issue's list: the right status, the one error shape, nothing changed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from edge.security.auth import User
from edge.security.keyring import TokenService
from tests.support.client import login, order_body

from .helpers import assert_error, post_order, snapshot

ORDERS = "/api/v1/orders"
LONG = "x" * 10_000


@pytest.fixture
def unchanged(services):
    """Asserts, after the test body, that the database is exactly as it was before it."""
    before = snapshot(services)
    yield
    assert snapshot(services) == before


def raw_post(client, headers, data, content_type="application/json", path=ORDERS):
    return client.post(path, data=data, headers={**headers, "Content-Type": content_type})


# -- malformed bodies --------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"{bad", b"", b'{"client_order_id": ', b"\xff\xfe{}",
                                  b'{"items": [}'])
def test_malformed_json_is_400(client, staff, unchanged, data):
    assert_error(raw_post(client, staff, data), 400, "malformed_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml", ""])
def test_wrong_content_type_is_415(client, staff, unchanged, content_type):
    response = raw_post(client, staff, json.dumps(order_body()), content_type)
    assert_error(response, 415, "unsupported_media_type")


def test_json_with_charset_is_accepted(client, staff):
    response = raw_post(client, staff, json.dumps(order_body()), "application/json; charset=utf-8")
    assert response.status_code == 201


def test_body_over_the_size_limit_is_413(client, staff, services, unchanged):
    limit = services.settings.server.max_body_bytes
    body = order_body(notes="n" * (limit + 10))
    error = assert_error(raw_post(client, staff, json.dumps(body)), 413, "body_too_large")
    assert str(limit) in error["message"] and error["details"] == [{"limit_bytes": limit}]


@pytest.mark.parametrize("change", [
    {"items": "fries"},
    {"items": [{"menu_item_id": "fries", "quantity": "lots", "modifier_ids": ["small"]}]},
    {"items": [{"menu_item_id": 12, "quantity": 1}]},
    {"items": [{"menu_item_id": "fries", "quantity": 1, "modifier_ids": "small"}]},
    {"table": 12},
    {"type": "drive_through"},
    {"source": "fax"},
    {"fire": "maybe"},
    {"client_order_id": "not-a-uuid"},
    {"client_order_id": None},
    {"items": []},
    {"items": None},
], ids=lambda c: json.dumps(c)[:50])
def test_wrong_types_are_422(client, staff, unchanged, change):
    error = assert_error(post_order(client, staff, {**order_body(), **change}), 422, "validation_failed")
    assert error["details"] and all({"field", "message", "type"} <= set(d) for d in error["details"])


def test_a_json_array_instead_of_an_object_is_422(client, staff, unchanged):
    assert_error(raw_post(client, staff, b"[]"), 422)


@pytest.mark.parametrize("body", [
    {**order_body(), "discount": 100},
    {**order_body(), "total_cents": 1},
    {**order_body(), "items": [{"menu_item_id": "fries", "quantity": 1, "modifier_ids": ["small"],
                                "price_cents": 1}]},
], ids=["top-level", "total", "item-level"])
def test_unknown_fields_are_422(client, staff, unchanged, body):
    error = assert_error(post_order(client, staff, body), 422, "validation_failed")
    assert any(d["type"] == "extra_forbidden" for d in error["details"])


# -- the menu ------------------------------------------------------------------------------------
def test_unknown_menu_item_is_422(client, staff, unchanged):
    error = assert_error(post_order(client, staff, order_body(("caviar", 1))), 422, "unknown_menu_item")
    assert error["details"][0]["field"] == "items.0.menu_item_id"


def test_unknown_modifier_is_422(client, staff, unchanged):
    body = order_body(("cheeseburger", 1, ["rare", "ketchup"]))
    assert_error(post_order(client, staff, body), 422, "unknown_modifier")


def test_86d_item_is_409(client, staff, admin, services):
    response = client.patch("/api/v1/menu/items/onion-rings", json={"available": False}, headers=admin)
    assert response.status_code == 200 and response.get_json()["available"] is False
    before = snapshot(services)
    error = assert_error(post_order(client, staff, order_body(("onion-rings", 1))), 409, "item_unavailable")
    assert "86" in error["message"]
    assert snapshot(services) == before


@pytest.mark.parametrize("quantity", [0, -1, -100, 100, 10**20, 1.5, True])
def test_bad_quantities_are_422(client, staff, unchanged, quantity):
    body = order_body()
    body["items"][0]["quantity"] = quantity
    assert_error(post_order(client, staff, body), 422, "validation_failed")


@pytest.mark.parametrize("modifiers, why", [
    ([], "doneness is required"),
    (["rare", "medium-rare"], "two doneness choices"),
    (["rare", "no-onions", "no-pickles", "extra-cheese", "add-bacon", "no-onions"], "duplicate"),
])
def test_wrong_number_of_modifier_choices_is_422(client, staff, unchanged, modifiers, why):
    body = order_body(("cheeseburger", 1, modifiers))
    assert_error(post_order(client, staff, body), 422)


def test_too_many_choices_in_one_group_is_422(client, staff, services, unchanged):
    # Extras allows up to 4: five distinct ids can only come from a larger menu; use a 1-max group.
    body = order_body(("caesar-salad", 1, ["ranch", "vinaigrette"]))
    assert_error(post_order(client, staff, body), 422, "modifier_choice_count")


# -- state ---------------------------------------------------------------------------------------
@pytest.fixture
def fired_order(client, staff):
    response = post_order(client, staff, order_body(("cheeseburger", 1, ["rare"]), ("fries", 1, ["small"])))
    assert response.status_code == 201
    return response.get_json()


@pytest.mark.parametrize("action", ["fire", "complete"])
def test_illegal_order_transition_is_409(client, staff, services, fired_order, action):
    before = snapshot(services)
    assert_error(client.post(f"{ORDERS}/{fired_order['id']}/{action}", headers=staff), 409, "illegal_transition")
    assert snapshot(services) == before


def test_recall_of_an_unbumped_ticket_is_409(client, staff, services, fired_order):
    before = snapshot(services)
    ticket = fired_order["tickets"][0]["id"]
    assert_error(client.post(f"/api/v1/tickets/{ticket}/recall", headers=staff), 409, "illegal_transition")
    assert snapshot(services) == before


def test_bump_and_item_done_on_a_voided_order_are_409(client, staff, services, fired_order):
    voided = client.post(f"{ORDERS}/{fired_order['id']}/void", json={"reason": "walked out"}, headers=staff)
    assert voided.status_code == 200 and voided.get_json()["status"] == "voided"
    before = snapshot(services)
    ticket = fired_order["tickets"][0]
    assert_error(client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=staff), 409)
    assert_error(client.post(f"/api/v1/tickets/{ticket['id']}/items/{ticket['item_ids'][0]}/done",
                             headers=staff), 409)
    assert_error(client.post(f"{ORDERS}/{fired_order['id']}/void", json={"reason": "again"},
                             headers=staff), 409)
    assert snapshot(services) == before


@pytest.mark.parametrize("path", ["/api/v1/tickets/nope/bump", "/api/v1/tickets/nope/recall",
                                  "/api/v1/tickets/nope/items/x/done", f"{ORDERS}/nope/fire",
                                  f"{ORDERS}/nope/complete", f"{ORDERS}/nope"])
def test_unknown_ids_are_404(client, staff, unchanged, path):
    method = client.get if path == f"{ORDERS}/nope" else client.post
    assert_error(method(path, headers=staff), 404)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": LONG}, {"why": "x"}])
def test_void_needs_a_real_reason(client, staff, services, fired_order, body):
    before = snapshot(services)
    assert_error(client.post(f"{ORDERS}/{fired_order['id']}/void", json=body, headers=staff), 422)
    assert snapshot(services) == before


# -- idempotency ---------------------------------------------------------------------------------
def test_same_client_order_id_same_body_returns_the_first_order(client, staff, services):
    body = order_body(("fries", 2, ["large"]))
    first = post_order(client, staff, body)
    assert first.status_code == 201
    before = snapshot(services)
    again = post_order(client, staff, body)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert snapshot(services) == before


def test_same_client_order_id_different_body_is_409(client, staff, services):
    body = order_body(("fries", 2, ["large"]))
    first = post_order(client, staff, body)
    before = snapshot(services)
    changed = {**body, "items": [{"menu_item_id": "fries", "quantity": 3, "modifier_ids": ["large"]}]}
    error = assert_error(post_order(client, staff, changed), 409, "idempotency_key_reused")
    assert error["details"][0]["order_id"] == first.get_json()["id"]
    assert snapshot(services) == before


# -- tokens ----------------------------------------------------------------------------------------
def forged_tokens(services):
    user = User(id="u-1", name="Mallory", role="admin")
    now = datetime.now(timezone.utc)
    claims = {"sub": "u-1", "name": "Mallory", "role": "admin", "restaurant_id": services.settings.restaurant_id,
              "iat": now, "exp": now + timedelta(hours=1)}
    ttl = timedelta(minutes=5)
    return {
        "garbage": "not.a.jwt",
        "other_secret": jwt.encode(claims, "x" * 64, algorithm="HS256"),
        "alg_none": jwt.encode(claims, None, algorithm="none"),
        "no_expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, services.secret, algorithm="HS256"),
        "expired": services.tokens.issue(user, now=now - services.tokens.ttl - ttl),
        "other_restaurant": TokenService(services.settings.data_dir, services.secret, "another-restaurant",
                                         ttl).issue(user),
        "unknown_role": jwt.encode({**claims, "role": "owner"}, services.secret, algorithm="HS256"),
    }


@pytest.mark.parametrize("kind, code", [
    ("garbage", "invalid_token"), ("other_secret", "invalid_token"), ("alg_none", "invalid_token"),
    ("no_expiry", "invalid_token"), ("expired", "token_expired"), ("other_restaurant", "wrong_restaurant"),
    ("unknown_role", "invalid_token"),
])
def test_bad_tokens_are_401(client, services, unchanged, kind, code):
    headers = {"Authorization": f"Bearer {forged_tokens(services)[kind]}"}
    assert_error(post_order(client, headers, order_body()), 401, code)
    assert_error(client.get("/api/v1/menu", headers=headers), 401, code)


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Bearer "},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_missing_token_is_401(client, unchanged, headers):
    assert_error(post_order(client, headers, order_body()), 401, "missing_token")


def test_the_bearer_scheme_is_case_insensitive(client, staff):
    token = staff["Authorization"].split(" ", 1)[1]
    for scheme in ("bearer", "BEARER"):
        assert client.get("/api/v1/auth/me", headers={"Authorization": f"{scheme} {token}"}).status_code == 200


def test_a_disabled_users_token_stops_working(client, admin, staff, services):
    sam = next(u for u in client.get("/api/v1/users", headers=admin).get_json()["users"] if u["name"] == "Sam")
    assert client.post(f"/api/v1/users/{sam['id']}/disable", headers=admin).status_code == 200
    before = snapshot(services)
    assert_error(post_order(client, staff, order_body()), 401, "user_disabled")
    assert snapshot(services) == before


@pytest.mark.parametrize("body, status", [({"pin": "9999"}, 401), ({"pin": "12"}, 422), ({"pin": LONG}, 422),
                                          ({"pin": 1234}, 422), ({}, 422), ({"pin": "1234", "x": 1}, 422)])
def test_bad_logins(client, services, body, status):
    before = snapshot(services)
    assert_error(client.post("/api/v1/auth/login", json=body), status)
    after = snapshot(services)
    wrong_pin = status == 401  # counted towards the lockout, and nothing else
    assert (after.pop("login_failures") != before.pop("login_failures")) == wrong_pin
    assert after == before


# -- roles -----------------------------------------------------------------------------------------
def test_staff_cannot_change_the_menu(client, staff, unchanged):
    assert_error(client.patch("/api/v1/menu/items/fries", json={"price_cents": 1}, headers=staff), 403, "forbidden")


def test_staff_cannot_manage_users(client, staff, unchanged):
    assert_error(client.get("/api/v1/users", headers=staff), 403)
    assert_error(client.post("/api/v1/users", json={"name": "Eve", "role": "admin", "pin": "5555"},
                             headers=staff), 403)


def test_customer_cannot_bump_fire_void_or_read_the_kitchen(client, customer, staff, services):
    order = post_order(client, staff, order_body()).get_json()
    before = snapshot(services)
    ticket = order["tickets"][0]["id"]
    for path in (f"/api/v1/tickets/{ticket}/bump", f"{ORDERS}/{order['id']}/fire",
                 f"{ORDERS}/{order['id']}/complete"):
        assert_error(client.post(path, headers=customer), 403, "forbidden")
    assert_error(client.post(f"{ORDERS}/{order['id']}/void", json={"reason": "x"}, headers=customer), 403)
    for path in ("/api/v1/kds/grill", "/api/v1/events", "/api/v1/expo", "/api/v1/metrics"):
        assert_error(client.get(path, headers=customer), 403)
    assert snapshot(services) == before


def test_customer_sees_only_its_own_orders(client, customer, staff):
    staff_order = post_order(client, staff, order_body()).get_json()
    own = post_order(client, customer, order_body(("cola", 1))).get_json()
    assert own["source"] == "kiosk"
    listed = client.get(ORDERS, headers=customer).get_json()["orders"]
    assert [o["id"] for o in listed] == [own["id"]]
    assert client.get(f"{ORDERS}/{own['id']}", headers=customer).status_code == 200
    assert_error(client.get(f"{ORDERS}/{staff_order['id']}", headers=customer), 404)
    assert len(client.get(ORDERS, headers=staff).get_json()["orders"]) == 2


def test_admin_patch_with_bad_bodies(client, admin, unchanged):
    assert_error(client.patch("/api/v1/menu/items/fries", json={}, headers=admin), 422)
    assert_error(client.patch("/api/v1/menu/items/fries", json={"price_cents": -1}, headers=admin), 422)
    assert_error(client.patch("/api/v1/menu/items/fries", json={"name": "Chips"}, headers=admin), 422)
    assert_error(client.patch("/api/v1/menu/items/caviar", json={"price_cents": 1}, headers=admin), 404)


# -- strings ---------------------------------------------------------------------------------------
NASTY = [
    "Robert'); DROP TABLE orders;--",
    'say "hi" \\ and \'bye\'',
    "🍔🔥 extra 🌶️ x3 — naïve café",
    "1 OR 1=1; --",
    "<script>alert(1)</script>",
    "line\nbreak\ttab",
    "\u0000null byte",
]


@pytest.mark.parametrize("text", NASTY)
def test_nasty_strings_are_stored_verbatim(client, staff, services, text):
    body = order_body(notes=text, customer_name=text[:60], table=text[:20])
    body["items"][0]["notes"] = text
    created = post_order(client, staff, body)
    assert created.status_code == 201, created.get_json()
    fetched = client.get(f"{ORDERS}/{created.get_json()['id']}", headers=staff).get_json()
    assert fetched["notes"] == text
    assert fetched["customer_name"] == text[:60]
    assert fetched["table"] == text[:20]
    assert fetched["items"][0]["notes"] == text
    kds = client.get("/api/v1/kds/fry", headers=staff).get_json()
    assert kds["tickets"][0]["notes"] == text
    assert services.store.read().execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1


@pytest.mark.parametrize("field", ["notes", "table", "customer_name", "item_notes", "menu_item_id",
                                   "modifier_id"])
def test_10000_character_strings_are_refused_by_the_stated_limit(client, staff, unchanged, field):
    body = order_body()
    if field == "item_notes":
        body["items"][0]["notes"] = LONG
    elif field == "menu_item_id":
        body["items"][0]["menu_item_id"] = LONG
    elif field == "modifier_id":
        body["items"][0]["modifier_ids"] = [LONG]
    else:
        body[field] = LONG
    error = assert_error(post_order(client, staff, body), 422)
    assert any("at most" in d.get("message", "") for d in error["details"]), error


def test_more_than_the_item_limit_is_refused(client, staff, unchanged):
    body = order_body()
    body["items"] = body["items"] * 101
    assert_error(post_order(client, staff, body), 422)


def test_each_kiosk_guest_sees_only_the_orders_of_their_own_session(client, staff):
    """Every guest at a kiosk logs in with the same customer PIN; a new login is a new session."""
    first_guest, next_guest = login(client, "0000"), login(client, "0000")
    body = order_body(("cola", 1))
    first = post_order(client, first_guest, body).get_json()
    assert [o["id"] for o in client.get(ORDERS, headers=first_guest).get_json()["orders"]] == [first["id"]]
    assert client.get(ORDERS, headers=next_guest).get_json()["orders"] == []
    assert_error(client.get(f"{ORDERS}/{first['id']}", headers=next_guest), 404)
    # replaying the first guest's request (its client_order_id) does not hand over their order
    assert_error(post_order(client, next_guest, body), 409, "idempotency_key_reused")
    assert post_order(client, first_guest, body).status_code == 200  # the first guest's own retry
    assert client.get(f"{ORDERS}/{first['id']}", headers=staff).status_code == 200


def test_a_kiosk_session_keeps_its_orders_across_a_token_refresh(client):
    session = client.post("/api/v1/auth/login", json={"pin": "0000"}).get_json()
    guest = {"Authorization": f"Bearer {session['token']}"}
    placed = post_order(client, guest, order_body(("cola", 1))).get_json()
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}).get_json()
    later = {"Authorization": f"Bearer {renewed['token']}"}
    assert client.get(f"{ORDERS}/{placed['id']}", headers=later).status_code == 200
    assert [o["id"] for o in client.get(ORDERS, headers=later).get_json()["orders"]] == [placed["id"]]
