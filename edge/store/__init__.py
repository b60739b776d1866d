"""SQLite storage: connections, migrations, the single writer, repositories and the event log."""

from edge.store.db import DatabaseError
from edge.store.events import Event
from edge.store.store import Store, Tx

__all__ = ["DatabaseError", "Event", "Store", "Tx"]
