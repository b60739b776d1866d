"""Helpers for tests that drive the app through Flask's test client: log in, an order's body, a
bearer header."""

from __future__ import annotations

import uuid


def login(client, pin: str) -> dict:
    response = client.post("/api/v1/auth/login", json={"pin": pin})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def order_body(*items, **fields) -> dict:
    """An order request; items are (menu_item_id, quantity, [modifier ids]) tuples."""
    lines = [{"menu_item_id": item, "quantity": qty, "modifier_ids": list(mods)}
             for item, qty, *rest in items for mods in [rest[0] if rest else []]]
    return {"client_order_id": str(uuid.uuid4()), "type": "dine_in", "table": "12",
            "items": lines or [{"menu_item_id": "fries", "quantity": 1, "modifier_ids": ["small"]}],
            **fields}


def login_body(client, pin="1111") -> dict:
    response = client.post("/api/v1/auth/login", json={"pin": pin})
    assert response.status_code == 200
    return response.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
