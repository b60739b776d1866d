"""Menu and stations in SQLite. Modifier groups are stored as JSON validated by the domain."""

from __future__ import annotations

import json
import sqlite3

from edge.domain.menu import Category, Menu, MenuItem, ModifierGroup, Station

VERSION_KEY = "menu_version"


def load_menu(conn: sqlite3.Connection) -> Menu:
    categories = [Category(**dict(row)) for row in
                  conn.execute("SELECT id, name, position FROM categories ORDER BY position, name")]
    items = [_row_to_item(row) for row in
             conn.execute("SELECT * FROM menu_items ORDER BY position, name")]
    return Menu(version=menu_version(conn), categories=categories, items=items)


def menu_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM box_state WHERE key = ?", (VERSION_KEY,)).fetchone()
    return int(row[0]) if row else 0


def load_stations(conn: sqlite3.Connection) -> list[Station]:
    return [Station(**dict(row)) for row in
            conn.execute("SELECT id, name, kind, position FROM stations ORDER BY position, id")]


def save_station(conn: sqlite3.Connection, station: Station) -> None:
    conn.execute("INSERT INTO stations (id, name, kind, position) VALUES (?,?,?,?) "
                 "ON CONFLICT(id) DO UPDATE SET name=excluded.name, kind=excluded.kind, "
                 "position=excluded.position", (station.id, station.name, station.kind, station.position))


def replace_menu(conn: sqlite3.Connection, menu: Menu, version: int) -> None:
    """Swap the whole menu (inside the caller's transaction). 86 state stays the box's own."""
    was_available = {row[0]: bool(row[1]) for row in
                     conn.execute("SELECT id, available FROM menu_items")}
    conn.execute("DELETE FROM menu_items")
    conn.execute("DELETE FROM categories")
    for category in menu.categories:
        conn.execute("INSERT INTO categories (id, name, position) VALUES (?,?,?)",
                     (category.id, category.name, category.position))
    for item in menu.items:
        save_item(conn, item.model_copy(update={"available": was_available.get(item.id, item.available)}))
    set_menu_version(conn, version)


def save_item(conn: sqlite3.Connection, item: MenuItem) -> None:
    conn.execute(
        "INSERT INTO menu_items (id, name, category_id, price_cents, tax_rate_bp, station, available,"
        " position, modifier_groups, aliases) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
        " name=excluded.name, category_id=excluded.category_id, price_cents=excluded.price_cents,"
        " tax_rate_bp=excluded.tax_rate_bp, station=excluded.station, available=excluded.available,"
        " position=excluded.position, modifier_groups=excluded.modifier_groups, aliases=excluded.aliases",
        (item.id, item.name, item.category_id, item.price_cents, item.tax_rate_bp, item.station,
         int(item.available), item.position,
         json.dumps([g.model_dump() for g in item.modifier_groups], ensure_ascii=False),
         json.dumps(item.aliases, ensure_ascii=False)),
    )


def set_menu_version(conn: sqlite3.Connection, version: int) -> None:
    conn.execute("INSERT INTO box_state (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (VERSION_KEY, str(version)))


def _row_to_item(row: sqlite3.Row) -> MenuItem:
    return MenuItem(
        id=row["id"], name=row["name"], category_id=row["category_id"],
        price_cents=row["price_cents"], tax_rate_bp=row["tax_rate_bp"], station=row["station"],
        available=bool(row["available"]), position=row["position"],
        modifier_groups=[ModifierGroup(**g) for g in json.loads(row["modifier_groups"])],
        aliases=json.loads(row["aliases"]),
    )
