"""Idempotency-Key on ticket and order actions: queued taps resent after an outage apply once."""

from __future__ import annotations

from tests.support.client import login, order_body


def fired_ticket(client, staff):
    order = client.post("/api/v1/orders", json=order_body(("fries", 1, ["small"]), ("cola", 1)),
                        headers=staff).get_json()
    return order, order["tickets"][0]


def test_a_resent_bump_is_answered_from_the_store_and_applied_once(client, staff, services):
    order, ticket = fired_ticket(client, staff)
    headers = {**staff, "Idempotency-Key": "tap-1"}
    first = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=headers)
    seq_after_first = services.store.last_seq
    second = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert services.store.last_seq == seq_after_first  # nothing happened the second time
    bumps = [e for e in services.store.events_after(0) if e.type == "ticket.bumped"]
    assert len(bumps) == 1


def test_without_a_key_a_second_bump_is_a_conflict(client, staff):
    _, ticket = fired_ticket(client, staff)
    assert client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=staff).status_code == 200
    again = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=staff)
    assert again.status_code == 409


def test_the_same_key_on_another_request_is_refused(client, staff, services):
    order, ticket = fired_ticket(client, staff)
    item_id = ticket["item_ids"][0]
    headers = {**staff, "Idempotency-Key": "tap-2"}
    assert client.post(f"/api/v1/tickets/{ticket['id']}/items/{item_id}/done", headers=headers).status_code == 200
    before = services.store.last_seq
    reused = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=headers)
    assert reused.status_code == 409 and reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert services.store.last_seq == before


def test_a_refused_action_is_remembered_too(client, staff):
    _, ticket = fired_ticket(client, staff)
    client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=staff)
    headers = {**staff, "Idempotency-Key": "tap-3"}
    first = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=headers)
    second = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=headers)
    assert first.status_code == second.status_code == 409
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_a_stored_answer_is_not_given_to_a_caller_without_a_token(client, staff):
    _, ticket = fired_ticket(client, staff)
    client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers={**staff, "Idempotency-Key": "tap-4"})
    stranger = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers={"Idempotency-Key": "tap-4"})
    assert stranger.status_code == 401


def test_a_key_that_is_too_long_is_a_clear_error(client, staff):
    _, ticket = fired_ticket(client, staff)
    response = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers={**staff, "Idempotency-Key": "k" * 101})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert client.get(f"/api/v1/orders/{ticket['order_id']}", headers=staff).get_json()["status"] == "fired"


def test_a_key_is_the_callers_own_another_person_replaying_it_gets_nothing_of_theirs(client, staff, admin):
    _, ticket = fired_ticket(client, staff)
    key = {"Idempotency-Key": "tap-shared"}
    first = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers={**admin, **key})
    assert first.status_code == 200
    theirs = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers={**staff, **key})
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.status_code == 409  # ran as the staff member's own bump: already bumped


def test_one_kiosk_cannot_read_another_kiosks_order_by_replaying_its_key(client):
    kiosk_a, kiosk_b = login(client, "0000"), login(client, "0000")  # one shared kiosk account
    body = order_body(("fries", 1, ["small"]), customer_name="Ana", table=None)
    headers = {"Idempotency-Key": "kiosk-order-1"}
    mine = client.post("/api/v1/orders", json=body, headers={**kiosk_a, **headers})
    assert mine.status_code == 201
    replay = client.post("/api/v1/orders", json=body, headers={**kiosk_b, **headers})
    assert "Idempotent-Replayed" not in replay.headers
    assert mine.get_json()["id"] not in replay.get_data(as_text=True)
    assert "Ana" not in replay.get_data(as_text=True)
    again = client.post("/api/v1/orders", json=body, headers={**kiosk_a, **headers})
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == mine.get_json()["id"]
