"""Menu pull: the cloud is the menu's source of truth. A newer menu is swapped in whole, in one
SQLite transaction, and announced with a `menu.replaced` event so every tablet refreshes.
The box keeps its own 86 state (edge.store.menu_repo.replace_menu preserves it)."""

from __future__ import annotations

import sqlite3

from pydantic import ValidationError

from edge.domain.menu import Menu, Station
from edge.store import Store, commands, menu_repo
from sync import state
from sync.transport import SyncError, Transport


def pull_menu(store: Store, transport: Transport) -> int | None:
    """Pull and swap in the cloud's menu if it is newer. Returns the new version, or None."""
    since = state.load(store).cloud_menu_version
    document = transport.pull_menu(since)
    if document is None:
        store.write(state.record_pull)
        return None
    version, menu, stations = parse_menu(document)
    # Stations first (additive, idempotent): the new menu's items refer to them.
    try:
        store.write(lambda tx: [menu_repo.save_station(tx.conn, station) for station in stations])
        commands.replace_menu(store, menu, version)
    except sqlite3.IntegrityError as error:
        raise SyncError("bad_menu", f"the cloud's menu does not fit this box: {error}") from None
    store.write(lambda tx: state.record_pull(tx, version))
    return version


def parse_menu(document: dict) -> tuple[int, Menu, list[Station]]:
    try:
        version = int(document["version"])
        menu = Menu.model_validate({"version": version, "categories": document.get("categories", []),
                                    "items": document.get("items", [])})
        stations = [Station.model_validate(s) for s in document.get("stations", [])]
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise SyncError("bad_menu", f"the cloud's menu does not validate: {str(error)[:300]}") from None
    return version, menu, stations
