"""The audit log: voids, menu and price changes, user changes, logins and lockouts."""

from __future__ import annotations

from tests.support.client import order_body

TABLET = {"REMOTE_ADDR": "10.0.0.21"}


def entries(client, admin, **query) -> list[dict]:
    response = client.get("/api/v1/audit", headers=admin, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["entries"]


def test_a_void_is_audited_with_who_and_which_device(client, staff, admin):
    order = client.post("/api/v1/orders", json=order_body(), headers=staff).get_json()
    voided = client.post(f"/api/v1/orders/{order['id']}/void", json={"reason": "customer left"},
                         headers={**staff, "X-Device-Id": "pos-2"}, environ_base=TABLET)
    assert voided.status_code == 200
    [entry] = entries(client, admin, action="order.voided")
    assert entry["actor"]["name"] == "Sam" and entry["target"] == order["id"]
    assert entry["device"] == "10.0.0.21 pos-2"
    assert entry["details"]["reason"] == "customer left"
    event = client.get("/api/v1/events", headers=staff, query_string={"after": entry["event_seq"] - 1,
                                                                        "limit": 1}).get_json()["events"][0]
    assert event["type"] == "order.voided"  # the void's own event carries it to the cloud


def test_price_changes_are_audited(client, admin):
    assert client.patch("/api/v1/menu/items/fries", json={"price_cents": 499}, headers=admin).status_code == 200
    [entry] = entries(client, admin, action="menu.item_updated")
    assert entry["target"] == "fries" and entry["actor"]["name"] == "Alex"
    assert {e["action"] for e in entries(client, admin, action="menu")} == {"menu.item_updated", "menu.replaced"}
    assert entry["details"]["changes"] == {"price_cents": 499}


def test_user_changes_logins_and_lockouts_are_audited_and_become_events(client, admin, staff):
    created = client.post("/api/v1/users", json={"name": "Jo", "role": "staff", "pin": "4321"}, headers=admin)
    client.post(f"/api/v1/users/{created.get_json()['id']}/disable", headers=admin)
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"pin": "9999"}, environ_base=TABLET)
    actions = [e["action"] for e in entries(client, admin)]
    assert actions.count("login") >= 2  # the admin's and the staff member's logins
    assert {"user.added", "user.disabled", "lockout"} <= set(actions)
    assert "login_failed" not in actions  # a single wrong PIN is bad input: it changes nothing
    [lockout] = entries(client, admin, action="lockout")
    assert lockout["device"] == "10.0.0.21" and lockout["details"]["seconds"] == 30
    types = [e["type"] for e in client.get("/api/v1/events", headers=admin,
                                           query_string={"limit": 1000}).get_json()["events"]]
    assert {"audit.user_added", "audit.user_disabled", "audit.login", "audit.lockout"} <= set(types)
    seen_by_staff = client.get("/api/v1/events", headers=staff, query_string={"limit": 1000}).get_json()
    assert all(e["data"] == {} for e in seen_by_staff["events"] if e["type"].startswith("audit."))


def test_audit_events_never_hold_a_pin(client, admin, staff):
    client.post("/api/v1/users", json={"name": "Jo", "role": "staff", "pin": "4321"}, headers=admin)
    client.post("/api/v1/auth/login", json={"pin": "8642"})
    events = client.get("/api/v1/events", headers=admin, query_string={"limit": 1000}).get_json()["events"]
    text = str([e for e in events if e["type"].startswith("audit.")])
    assert "4321" not in text and "8642" not in text


def test_only_admins_read_the_audit_log(client, staff, customer):
    assert client.get("/api/v1/audit", headers=staff).status_code == 403
    assert client.get("/api/v1/audit", headers=customer).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401


def test_audit_filters(client, admin):
    everything = entries(client, admin)
    newest = everything[0]["at"]
    assert entries(client, admin, since=newest.replace("+00:00", "Z"))
    assert entries(client, admin, limit=1) == everything[:1]
    bad = client.get("/api/v1/audit", headers=admin, query_string={"limit": 0})
    assert bad.status_code == 422
