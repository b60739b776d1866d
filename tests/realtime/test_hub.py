"""The hub against a real store: replay, live fan-out, no gap and no duplicate, overflow, drops."""

from __future__ import annotations

import json
import threading

import pytest

from edge.serving import hub as hub_module
from edge.serving.hub import RESYNC, Hub
from edge.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "edge.sqlite", box_id="box-1", restaurant_id="r1").open()
    yield store
    store.close()


@pytest.fixture
def counts():
    return []


@pytest.fixture
def hub(store, counts):
    hub = Hub(store.events_after, max_queue=5, on_count=counts.append)
    store.add_commit_listener(hub.publish)
    return hub


def append(store, n=1, stations=()):
    return store.write(lambda tx: [tx.append_event("test.happened", {"i": i}, stations=list(stations)).seq
                                   for i in range(n)])


def drain(subscription, timeout=0.2):
    seqs = []
    while (message := subscription.next_message(timeout)) is not None:
        seqs.append(json.loads(message)["seq"])
    return seqs


def test_replays_after_the_seq_then_streams_live_events(store, hub):
    first, second, third = append(store, 3)
    subscription = hub.subscribe(None)
    replayed = [json.loads(m) for m in hub.replay(subscription, after=first)]
    assert [e["seq"] for e in replayed] == [second, third]
    assert set(replayed[0]) >= {"seq", "type", "data", "at", "id", "hlc", "stations"}
    [live] = append(store)
    assert drain(subscription) == [live]


def test_no_gap_and_no_duplicate_while_events_arrive_during_the_replay(store, tmp_path):
    hub = Hub(store.events_after, max_queue=10_000)
    store.add_commit_listener(hub.publish)
    append(store, 50)
    writing = threading.Thread(target=lambda: [append(store, 2) for _ in range(150)])
    writing.start()
    subscription = hub.subscribe(None)
    seqs = [json.loads(m)["seq"] for m in hub.replay(subscription, after=10)]
    writing.join(30)
    seqs += drain(subscription, timeout=0.5)
    assert seqs == list(range(11, store.last_seq + 1))


def test_a_station_gets_its_own_events_and_those_for_everyone(store, hub):
    grill, = append(store, stations=["grill"])
    append(store, stations=["fry"])
    everyone, = append(store)
    grill_screen, expo = hub.subscribe("grill"), hub.subscribe(None)
    assert [json.loads(m)["seq"] for m in hub.replay(grill_screen, 0)] == [grill, everyone]
    assert len(list(hub.replay(expo, 0))) == 3
    live_grill, = append(store, stations=["grill", "bar"])
    append(store, stations=["bar"])
    assert drain(grill_screen) == [live_grill]
    assert len(drain(expo)) == 2


def test_a_slow_tablet_is_told_to_resync_and_never_holds_up_the_others(store, hub, counts):
    slow, fast = hub.subscribe(None), hub.subscribe(None)
    fast_seen = []
    for _ in range(8):  # the fast tablet keeps up; the slow one never reads (queue of 5)
        append(store)
        fast_seen += drain(fast, timeout=0.05)
    assert len(fast_seen) == 8
    assert slow.next_message(0.1) == RESYNC
    assert slow.closing_reason == "overflow"
    assert hub.count == 1 and counts[-1] == 1


def test_a_client_that_leaves_is_dropped_and_the_gauge_follows(store, hub, counts):
    subscriptions = [hub.subscribe("grill") for _ in range(3)]
    assert counts[-1] == 3
    hub.unsubscribe(subscriptions[0])
    hub.unsubscribe(subscriptions[0])  # a second goodbye is harmless
    append(store, stations=["grill"])
    assert counts[-1] == 2 and hub.count == 2
    assert subscriptions[0].queue.empty()


def test_a_revoked_tablet_is_cut_off_and_others_are_not(store, hub):
    tablet, other = hub.subscribe("grill", subject="device-1"), hub.subscribe("grill", subject="device-2")
    store.write(lambda tx: tx.append_event("device.revoked", {"device": {"id": "device-1"}}, stations=["grill"]))
    assert tablet.next_message(0.1) is None and tablet.closing_reason == "revoked"
    assert json.loads(other.next_message(0.5))["type"] == "device.revoked"


def test_shutdown_wakes_every_waiting_socket_at_once(hub):
    subscription = hub.subscribe(None)
    woke = []
    waiter = threading.Thread(target=lambda: woke.append(subscription.next_message(timeout=10)))
    waiter.start()
    hub.shutdown()
    waiter.join(2)
    assert not waiter.is_alive() and woke == [None] and subscription.closing_reason == "shutdown"


def test_a_tablet_that_connects_while_the_server_stops_is_ended_too(hub):
    hub.shutdown()
    late = hub.subscribe("grill")
    assert late.next_message(timeout=5) is None and late.closing_reason == "shutdown"


def test_a_tablet_too_far_behind_gets_a_resync_instead_of_an_endless_replay(store, hub, monkeypatch):
    monkeypatch.setattr(hub_module, "REPLAY_PAGE", 4)
    monkeypatch.setattr(hub_module, "REPLAY_MAX", 8)
    append(store, 20)
    messages = list(hub.replay(hub.subscribe(None), after=0))
    assert messages[-1] == RESYNC and len(messages) == 9


def test_a_session_beyond_its_feed_cap_loses_its_oldest_feed_only(store):
    hub = Hub(store.events_after, max_queue=5, max_per_session=2)
    store.add_commit_listener(hub.publish)
    woken = []
    first, second = hub.subscribe(None, "u1", "s1"), hub.subscribe(None, "u1", "s1")
    other_session = hub.subscribe(None, "u1", "s2")
    first.on_ready = lambda: woken.append("first")
    third = hub.subscribe(None, "u1", "s1")
    assert first.closing_reason == "replaced" and woken == ["first"]  # its feed is woken to close
    assert [s.closing_reason for s in (second, third, other_session)] == [None, None, None]
    seq = append(store)[0]
    assert all(drain(s) == [seq] for s in (second, third, other_session))


def test_on_ready_is_called_for_each_queued_event_so_a_loop_feed_wakes(hub, store):
    subscription = hub.subscribe(None)
    calls = []
    subscription.on_ready = lambda: calls.append(subscription.queue.qsize())
    append(store, n=2)
    assert calls == [1, 2]  # called after the event is on the queue, never before
