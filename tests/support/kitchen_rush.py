"""A kitchen in a rush, for the kitchen-screen tests, screenshots and the first-render benchmark:
60 open tickets of 1 to 9 items, with long dish names, modifiers, "no ..." removals, allergy notes
and order notes. Written straight into the box's database while its server is stopped (the demo
menu cannot be given long names over the API), the same way a day of service would leave it."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import requests

from edge.appliance.demo import CATEGORIES, ITEMS, _item
from edge.domain.actors import Actor
from edge.domain.menu import Menu
from edge.domain.orders import OrderRequest
from edge.settings import Settings
from edge.store import Store, commands

LONG_DISHES = [
    _item("smash-stack", "Double Smashed Bacon Cheeseburger with Caramelised Onions", "burgers", 1895, "grill",
          [ITEMS[0].modifier_groups[0], ITEMS[0].modifier_groups[1]], position=9),
    _item("half-chicken", "Chargrilled Half Chicken Peri-Peri", "mains", 2150, "grill", position=9),
    _item("short-rib", "Slow-Cooked Beef Short Rib, Bone In", "mains", 2950, "grill", position=10),
]
RUSH_MENU = Menu(version=2, categories=CATEGORIES, items=[*ITEMS, *LONG_DISHES])
GRILL = ["cheeseburger", "hamburger", "bacon-burger", "veggie-burger", "chicken-sandwich", "steak",
         "grilled-salmon", "smash-stack", "half-chicken", "short-rib"]
OTHERS = ["fries", "wings", "caesar-salad", "cola"]
ITEM_NOTES = ["ALLERGY: sesame", "Allergy - shellfish, use a clean grill", "cut in half", "sauce on the side",
              "well rested, no pink", None, None, None, None, None, None, None]
ORDER_NOTES = ["Birthday: bring a candle with the dessert", "VIP table", "ALLERGY: peanuts (whole table)"]


def item_sizes(rng: random.Random, count: int) -> list[int]:
    """Mostly 1-3 items, as a rush is; every tenth ticket long; the first one 9 items."""
    return [9 if index == 0 else rng.choice([1, 1, 2, 2, 3, 3, 4]) if index % 10 else rng.randint(6, 9)
            for index in range(count)]


def _line(rng: random.Random, menu: Menu, item_id: str) -> dict:
    item = next(i for i in menu.items if i.id == item_id)
    modifiers = []
    for group in item.modifier_groups:
        low, high = group.min, min(group.max, 2)
        want = rng.randint(low, max(low, high))
        modifiers += [m.id for m in rng.sample(group.modifiers, min(want, len(group.modifiers)))]
    return {"menu_item_id": item_id, "quantity": rng.choice([1, 1, 1, 2, 3]), "modifier_ids": modifiers,
            "notes": rng.choice(ITEM_NOTES)}


def rush_orders(count: int = 60, seed: int = 13) -> list[dict]:
    rng = random.Random(seed)
    orders = []
    for index, size in enumerate(item_sizes(rng, count)):
        lines = [_line(rng, RUSH_MENU, rng.choice(GRILL)) for _ in range(size)]
        lines += [_line(rng, RUSH_MENU, rng.choice(OTHERS)) for _ in range(rng.randint(0, 2))]
        takeout = index % 4 == 3
        orders.append({"client_order_id": str(uuid.UUID(int=rng.getrandbits(128))),
                       "type": "takeout" if takeout else "dine_in",
                       "table": None if takeout else str(rng.randint(1, 40)),
                       "customer_name": f"Guest {index}" if takeout else None,
                       "source": ["pos", "pos", "kiosk", "voice"][index % 4],
                       "notes": ORDER_NOTES[index % 3] if index % 7 == 0 else None, "items": lines})
    return orders


def seed_rush(data_dir: Path, count: int = 60) -> list[str]:
    """Put the long-named menu and ``count`` fired orders in the box at ``data_dir`` (its server
    stopped). Returns the orders' ids, oldest first."""
    settings = Settings(data_dir=data_dir)
    store = Store(settings.database_path, box_id=settings.box_id, restaurant_id=settings.restaurant_id).open()
    try:
        commands.replace_menu(store, RUSH_MENU, RUSH_MENU.version)
        sam = store.read().execute("SELECT id FROM users WHERE name = 'Sam'").fetchone()[0]
        server = Actor(kind="user", id=sam, name="Sam", role="staff")
        return [commands.create_order(store, OrderRequest.model_validate(body), server)[0].id
                for body in rush_orders(count)]
    finally:
        store.close()


def start_rush_server(data_dir: Path, count: int = 60, **env: str):
    """A real `edge serve --demo` whose kitchen holds the rush: started once (it seeds the demo
    restaurant), stopped, given the rush, started again. The caller stops it."""
    from .e2e import stop
    from .edge_process import EdgeServer

    server = EdgeServer(data_dir, extra_env=env).start()
    stop(server)
    seed_rush(data_dir, count)
    return server.start()


def session_script(server, pin: str = "1111") -> str:
    """An init script that puts a logged-in session in the tablet's localStorage (no PIN pad)."""
    response = requests.post(f"{server.url}/api/v1/auth/login", json={"pin": pin}, timeout=10)
    response.raise_for_status()
    return f"localStorage.getItem('edge.session') || localStorage.setItem('edge.session', {json.dumps(response.text)})"
