"""The event's public shape is defined once (edge.store.events.EventOut): the tablets' feed, the
HTTP API and the cloud sync all send exactly that, byte for byte what they sent before."""

from __future__ import annotations

import json

import orjson
import pytest

from edge.serving import hub
from edge.store import Store
from edge.store.events import EventOut, encode_stored
from sync.outbox import COLUMNS, batch_of

# text the JSON encoders could disagree on: non-ASCII, emoji, control characters, quotes
AWKWARD = "Crème brûlée \u2603 \U0001F600 \x01\x1f \"half\" \\ / \u2028"


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "box.sqlite", box_id="box-1", restaurant_id="r1").open()
    yield store
    store.close()


def _append(store, type_, data, stations):
    return store.write(lambda tx: tx.append_event(type_, data, stations=stations, order_id="o-1"))


def _stored(store, seq):
    return store.read().execute(f"SELECT {COLUMNS} FROM events WHERE seq = ?", (seq,)).fetchone()


def test_the_public_shape_is_the_event_out_model_without_the_box_s_own_fields(store):
    event = _append(store, "ticket.bumped", {"ticket_id": "t1", "note": AWKWARD}, ["grill", "fry"])
    shape = event.public()
    assert list(shape) == list(EventOut.model_fields)  # the order tablets have always received
    assert "order_id" not in shape
    assert EventOut.model_validate(shape) == EventOut.model_validate(event.model_dump())
    shape["data"] = {}  # a caller may change the copy (GET /events hides audit data this way)
    assert event.data["note"] == AWKWARD


def test_the_feed_sends_the_public_shape_as_compact_json(store):
    event = _append(store, "order.fired", {"order": {"id": "o-1", "table": AWKWARD}, "actor": "u1"}, [])
    assert hub.encode(event) == orjson.dumps(event.public()).decode()
    guest = json.loads(hub.encode_for_guests(event))
    assert guest["data"] == {"order": {"id": "o-1", "table": AWKWARD}}  # no actor for a kiosk


def test_the_cloud_gets_the_same_event_with_its_stored_data_spliced_in_last(store):
    event = _append(store, "menu.item_updated", {"b": 1.5, "a": AWKWARD, "z": 0.1 + 0.2}, ["grill"])
    row = _stored(store, event.seq)
    encoded = encode_stored(row, "box-1")
    assert json.loads(encoded) == event.public()
    # data goes last and exactly as stored (never parsed and re-encoded)
    assert encoded.endswith(b',"data":' + row["data"].encode() + b"}")
    # the bytes the cloud has always received (the former json.dumps head, data spliced after it)
    head = json.dumps({"seq": row["seq"], "id": row["id"], "type": row["type"], "at": row["at"],
                       "hlc": row["hlc"], "box_id": "box-1", "stations": ["grill"]},
                      separators=(",", ":"), ensure_ascii=False)
    assert encoded == (head[:-1] + ',"data":' + row["data"] + "}").encode()
    assert batch_of([row], "box-1", max_bytes=1 << 20).encoded == [encoded]


def test_an_event_for_every_station_goes_out_with_no_stations(store):
    event = _append(store, "menu.replaced", {"version": 3}, [])
    assert json.loads(encode_stored(_stored(store, event.seq), "box-1"))["stations"] == []
    assert store.events_after(event.seq - 1)[0].stations == []
