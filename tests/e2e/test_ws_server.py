"""The WebSocket feed on the real server: refusals before the handshake, replay and live per
station, a vanished client dropped by the heartbeat, the live gauge, a quick SIGTERM."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
import uuid

import pytest
import requests
import simple_websocket

from tests.support.e2e import WsClient, active_sockets, login_token, stop
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def ws_url(server, token, **query):
    params = "&".join(f"{k}={v}" for k, v in {"token": token, **query}.items())
    return f"ws://127.0.0.1:{server.port}/api/v1/ws?{params}"


def receive_json(ws, timeout=5.0):
    while True:
        message = ws.receive(timeout=timeout)
        assert message is not None, "no message in time"
        event = json.loads(message)
        if event["type"] != "heartbeat":
            return event


def post_order(server, token, item="grilled-salmon"):
    response = requests.post(f"{server.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"},
                             json={"client_order_id": str(uuid.uuid4()), "table": "5",
                                   "items": [{"menu_item_id": item, "quantity": 1}]}, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_handshake_is_refused_with_the_reason(edge_server):
    token = login_token(edge_server, "1111")
    for url, status in [(ws_url(edge_server, "not-a-jwt"), 401),
                        (ws_url(edge_server, token, station="pizza"), 404),
                        (ws_url(edge_server, token, after="-3"), 422)]:
        with pytest.raises(simple_websocket.ConnectionError, match=str(status)):
            WsClient.connect(url)


def test_a_station_replays_then_streams_only_what_concerns_it(edge_server):
    token = login_token(edge_server, "1111")
    before = post_order(edge_server, token)
    post_order(edge_server, token, item="cola")  # the bar's, not the grill's
    grill = WsClient.connect(ws_url(edge_server, token, station="grill", after=0))
    expo = WsClient.connect(ws_url(edge_server, token, station="expo", after=0))
    try:
        replayed = [receive_json(grill) for _ in range(3)]  # menu.replaced, order.created, order.fired
        assert [e["type"] for e in replayed] == ["menu.replaced", "order.created", "order.fired"]
        assert replayed[1]["data"]["order"]["id"] == before["id"]
        assert [receive_json(expo)["type"] for _ in range(5)][-1] == "order.fired"  # expo: everything
        live = post_order(edge_server, token)
        event = receive_json(grill)
        assert event["type"] == "order.created" and event["data"]["order"]["id"] == live["id"]
        assert event["seq"] > replayed[-1]["seq"]
        grill.send(json.dumps({"type": "ping"}))
        assert receive_json(grill)["type"] in ("pong", "order.fired")
        assert active_sockets(edge_server, token) == 2
    finally:
        grill.close()
        expo.close()
    wait_until(lambda: active_sockets(edge_server, token) == 0, 3, "the gauge to fall back to 0")


def test_a_kiosk_hears_menu_changes_only_never_other_guests_orders(edge_server):
    staff, admin = login_token(edge_server, "1111"), login_token(edge_server, "1234")
    post_order(edge_server, staff)
    guest_token = login_token(edge_server, "0000")
    kiosk = WsClient.connect(ws_url(edge_server, guest_token, after=0))
    expo = WsClient.connect(ws_url(edge_server, staff, after=0))
    try:
        assert receive_json(kiosk)["type"] == "menu.replaced"  # the replay skips the staff's order
        post_order(edge_server, staff, item="cola")
        requests.patch(f"{edge_server.url}/api/v1/menu/items/fries", json={"available": False},
                       headers={"Authorization": f"Bearer {admin}"}, timeout=5).raise_for_status()
        event = receive_json(kiosk)
        assert event["type"] == "menu.item_updated" and event["data"]["item"]["available"] is False
        assert "actor" not in event["data"]  # a guest never learns which member of staff did it
        staff_view = receive_json(expo)
        for _ in range(20):  # the replay of the orders first
            if staff_view.get("type") == "menu.item_updated":
                break
            staff_view = receive_json(expo)
        assert staff_view["data"]["actor"]["name"] == "Alex"
    finally:
        kiosk.close()
        expo.close()
    replayed = WsClient.connect(ws_url(edge_server, guest_token, after=0))
    try:
        events = [receive_json(replayed) for _ in range(2)]
        assert [e["type"] for e in events] == ["menu.replaced", "menu.item_updated"]
        assert "actor" not in events[1]["data"]
    finally:
        replayed.close()


def test_a_client_that_vanishes_is_dropped_by_the_heartbeat(start_edge_server):
    server = start_edge_server(EDGE_SERVER__WS_HEARTBEAT_S="0.5")
    token = login_token(server, "1111")
    ghost = _handshake_then_go_silent(server, token)  # never reads, never answers a ping
    try:
        wait_until(lambda: active_sockets(server, token) == 1, 3, "the ghost to be counted")
        started = time.monotonic()
        wait_until(lambda: active_sockets(server, token) == 0, 5, "the ghost to be dropped")
        assert time.monotonic() - started < 2 * 0.5 + 1.5
    finally:
        ghost.close()


def _handshake_then_go_silent(server, token) -> socket.socket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall((f"GET /api/v1/ws?token={token}&after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    assert raw.recv(4096).startswith(b"HTTP/1.1 101")
    return raw


def test_sigterm_closes_open_sockets_at_once_instead_of_waiting_out_the_grace(edge_server):
    clients = [WsClient.connect(ws_url(edge_server, login_token(edge_server, "1111")))
               for _ in range(3)]
    took = stop(edge_server)
    assert took < 5, f"stopping with open sockets took {took:.1f} s"
    for client in clients:
        with pytest.raises(simple_websocket.ConnectionClosed):
            while True:
                client.receive(timeout=2)
