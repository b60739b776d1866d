"""Helpers for tests that drive the app through Flask's test client: log in, an order's body, a
bearer header, and an app on a clock the test moves."""

from __future__ import annotations

import time
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


class FakeClock:
    """Epoch seconds that move only when the test moves them (``clock.now += 61``): pass it where
    the code takes a clock instead of sleeping or patching ``time.time`` for everyone."""

    def __init__(self, now: float | None = None):
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now


def app_on_clock(settings, clock, **options):
    """The demo app whose store -- and so its tokens, rate limits and lockouts -- reads ``clock``.
    The caller closes it: ``app.extensions["edge"].close()``."""
    from edge.app import create_app
    from edge.appliance.demo import seed_demo
    from edge.store import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_path, box_id=settings.box_id, restaurant_id=settings.restaurant_id,
                  timezone=settings.restaurant.timezone, day_starts_at=settings.restaurant.day_starts_at,
                  wall_clock=clock).open()
    app = create_app(settings, store=store, **options)
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    return app
