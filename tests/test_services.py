"""The composition root: a box that cannot finish starting stops what it had started."""

from __future__ import annotations

import threading

import pytest

from edge.ops.backup import exclusive_use
from edge.services import build_services
from edge.settings import Settings


def test_a_settings_mistake_found_while_building_stops_what_already_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path / "box", demo=True,
                        bumpbars=[{"device": "bar", "station": "grill", "keymap": {"KEY_1": "dance"}}])
    threads_before = set(threading.enumerate())
    with pytest.raises(ValueError, match="keymap"):
        build_services(settings)
    # the store's writer, the recogniser's and the printers' threads are gone again...
    assert [t.name for t in set(threading.enumerate()) - threads_before if t.is_alive()] == []
    # ...and the data directory is free: a restore could take it
    with exclusive_use(settings.data_dir):
        pass
