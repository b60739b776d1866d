"""The menu flows down: the owner edits it in the cloud, the box pulls and swaps it whole, tablets
get a `menu.replaced` event; more than 1,000 items; deletions; the 86 state stays the box's."""

from __future__ import annotations

from edge.domain.actors import SYSTEM
from edge.store import commands


def seed_cloud_menu(cloud, restaurant: str, items: int) -> None:
    """An owner's big menu, entered in one transaction (as a dashboard import would)."""
    with cloud.admin.transaction():
        cloud.admin.execute("insert into stations (restaurant_id, id, name, position) values "
                            "(%(r)s, 'grill', 'Grill', 1), (%(r)s, 'fry', 'Fry', 2), (%(r)s, 'pastry', 'Pastry', 5)",
                            {"r": restaurant})
        cloud.admin.execute("insert into menu_categories (restaurant_id, id, name, position) "
                            "select %s, 'cat-' || n, 'Category ' || n, n from generate_series(1, 20) n", (restaurant,))
        cloud.admin.execute(
            "insert into menu_items "
            "(restaurant_id, id, category_id, name, price_cents, tax_rate_bp, station, position) "
            "select %s, 'item-' || n, 'cat-' || (n %% 20 + 1), 'Dish ' || n, 100 + n, 875, "
            "(array['grill', 'fry', 'pastry'])[n %% 3 + 1], n from generate_series(1, %s) n", (restaurant, items))
        cloud.admin.execute("insert into modifier_groups (restaurant_id, id, name, min_choices, max_choices) "
                            "values (%s, 'size', 'Size', 1, 1)", (restaurant,))
        cloud.admin.execute("insert into modifiers (restaurant_id, id, group_id, name, price_delta_cents, position) "
                            "values (%(r)s, 'small', 'size', 'Small', 0, 1), (%(r)s, 'large', 'size', 'Large', 150, 2)",
                            {"r": restaurant})
        cloud.admin.execute("insert into menu_item_modifier_groups (restaurant_id, item_id, group_id) "
                            "select %s, 'item-' || n, 'size' from generate_series(1, least(50, %s)) n",
                            (restaurant, items))


def menu_version(cloud, restaurant):
    return cloud.scalar("select menu_version from restaurants where id = %s", restaurant)


def test_menu_version_moves_once_per_transaction(cloud):
    restaurant = cloud.restaurant()
    assert menu_version(cloud, restaurant) == 0
    seed_cloud_menu(cloud, restaurant, 1200)
    assert menu_version(cloud, restaurant) == 1
    cloud.admin.execute("update menu_items set price_cents = price_cents + 1 where restaurant_id = %s", (restaurant,))
    assert menu_version(cloud, restaurant) == 2
    cloud.admin.execute("delete from menu_items where restaurant_id = %s and id = 'item-7'", (restaurant,))
    assert menu_version(cloud, restaurant) == 3
    with cloud.as_box(restaurant, "any") as conn:
        assert conn.execute("select sync_pull_menu(3)").fetchone()[0] is None
        menu = conn.execute("select sync_pull_menu(2)").fetchone()[0]
    assert menu["version"] == 3 and len(menu["items"]) == 1199
    sized = next(i for i in menu["items"] if i["id"] == "item-1")
    assert sized["modifier_groups"][0]["modifiers"][1] == {"id": "large", "name": "Large", "price_delta_cents": 150}


def test_the_box_pulls_a_big_menu_keeps_its_86_and_sees_deletions(box, cloud):
    restaurant = box.restaurant_id
    seed_cloud_menu(cloud, restaurant, 1200)
    seeded = box.last_seq()
    assert box.worker.run_once() is None
    menu = box.store.menu()
    assert len(menu.items) == 1200 and menu.version == menu_version(cloud, restaurant)
    replaced = [e for e in box.store.events_after(seeded, limit=10_000) if e.type == "menu.replaced"]
    assert [e.data["version"] for e in replaced] == [menu.version]  # tablets refresh on this event
    assert box.store.read().execute("SELECT name FROM stations WHERE id = 'pastry'").fetchone()[0] == "Pastry"

    commands.update_menu_item(box.store, "item-5", {"available": False}, SYSTEM)  # 86'd on the box
    with cloud.admin.transaction():
        cloud.admin.execute("delete from menu_items where restaurant_id = %s and id in "
                            "(select 'item-' || n from generate_series(1000, 1200) n)", (restaurant,))
        cloud.admin.execute("update menu_items set price_cents = 999 where restaurant_id = %s and id = 'item-5'",
                            (restaurant,))
    assert box.worker.run_once() is None  # the push answer carries the new version: pull at once
    menu = box.store.menu()
    assert len(menu.items) == 999 and menu.item("item-1100") is None
    assert menu.item("item-5").price_cents == 999 and menu.item("item-5").available is False
    assert cloud.scalar("select available from item_availability where restaurant_id = %s and item_id = 'item-5'",
                        restaurant) is False


def test_a_price_changed_on_the_box_goes_up_and_comes_back(box, cloud):
    restaurant = box.restaurant_id
    seed_cloud_menu(cloud, restaurant, 10)
    assert box.worker.run_once() is None
    before = menu_version(cloud, restaurant)
    commands.update_menu_item(box.store, "item-3", {"price_cents": 4242}, SYSTEM)
    assert box.worker.run_once() is None
    assert cloud.scalar("select price_cents from menu_items where restaurant_id = %s and id = 'item-3'",
                        restaurant) == 4242
    assert menu_version(cloud, restaurant) == before + 1
    assert box.store.menu().version == before + 1 and box.store.menu().item("item-3").price_cents == 4242


def test_a_cloud_without_a_menu_leaves_the_box_menu_alone(box):
    demo_items = len(box.store.menu().items)
    assert box.worker.run_once() is None
    assert len(box.store.menu().items) == demo_items
