"""Opening the box's database from settings: migrations, the integrity check, private file modes
and the restaurant label. The composition root (edge/services.py) and every `edge` command start
here; it imports neither Flask nor any device, voice or sync stack, so commands stay quick."""

from __future__ import annotations

from edge.ops.backup import record_restaurant
from edge.security.secretfiles import restrict_mode
from edge.settings import Settings
from edge.store import Store

PRIVATE_FILES = ("secret.key", "signing-keys.json", "edge.sqlite", "edge.sqlite-wal", "edge.sqlite-shm")


def open_store(settings: Settings) -> Store:
    store = Store(settings.database_path, box_id=settings.box_id, restaurant_id=settings.restaurant_id,
                  timezone=settings.restaurant.timezone,
                  day_starts_at=settings.restaurant.day_starts_at).open()
    protect_data(settings, store)
    return store


def protect_data(settings: Settings, store: Store) -> None:
    """The database holds PIN and token hashes: like the key files, it is the service's alone;
    and it is labelled with its restaurant, so a restore can refuse another restaurant's backup."""
    for name in PRIVATE_FILES:
        restrict_mode(settings.data_dir / name)
    record_restaurant(store)
