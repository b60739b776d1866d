"""A session ends as a whole: logging out or a copied refresh token kills every token of the
family (access and refresh) and closes the session's live feeds, whatever the tablet can send."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests
import simple_websocket

from edge.security.auth import User
from tests.support.client import bearer, login_body
from tests.support.e2e import WsClient
from tests.support.edge_process import EdgeServer


def refresh(client, token: str):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def feed_of(services, body: dict):
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    return services.realtime.subscribe(None, claims["sub"], claims.get("sid"))


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_logout_with_only_the_access_token_ends_the_refresh_family(client, services):
    body = login_body(client)
    renewed = refresh(client, body["refresh_token"]).get_json()
    feed = feed_of(services, renewed)
    out = client.post("/api/v1/auth/logout", headers=bearer(renewed["token"]))  # no body at all
    assert out.status_code == 204
    after = refresh(client, renewed["refresh_token"])
    assert after.status_code == 401 and error_code(after) == "refresh_token_revoked"
    assert client.get("/api/v1/orders", headers=bearer(body["token"])).status_code == 401  # the login's own
    assert feed.closing_reason == "revoked"


def test_logout_with_an_empty_json_body_works_too(client):
    body = login_body(client)
    out = client.post("/api/v1/auth/logout", headers=bearer(body["token"]), json={})
    assert out.status_code == 204
    assert refresh(client, body["refresh_token"]).status_code == 401


def test_a_tablet_whose_access_token_expired_logs_out_with_its_refresh_token(client, services):
    body = login_body(client)
    feed = feed_of(services, body)
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    expired = services.tokens.issue(User(id=claims["sub"], name=claims["name"], role=claims["role"]),
                                    now=past, session=claims["sid"])
    out = client.post("/api/v1/auth/logout", headers=bearer(expired),
                      json={"refresh_token": body["refresh_token"]})
    assert out.status_code == 204
    assert refresh(client, body["refresh_token"]).status_code == 401
    assert client.get("/api/v1/orders", headers=bearer(body["token"])).status_code == 401
    assert feed.closing_reason == "revoked"
    no_token = client.post("/api/v1/auth/logout", json={"refresh_token": login_body(client)["refresh_token"]})
    assert no_token.status_code == 204


def test_logout_with_nothing_to_end_is_refused_and_changes_nothing(client):
    body = login_body(client)
    nothing = client.post("/api/v1/auth/logout")
    assert nothing.status_code == 401
    unknown = client.post("/api/v1/auth/logout", json={"refresh_token": "rt_not-a-real-token"})
    assert unknown.status_code == 401 and error_code(unknown) == "invalid_refresh_token"
    assert refresh(client, body["refresh_token"]).status_code == 200


def test_a_reused_refresh_token_kills_every_access_token_and_feed_of_the_family(client, services):
    body = login_body(client)
    first_refresh = refresh(client, body["refresh_token"]).get_json()  # the thief's, say
    other_session = login_body(client)
    feeds = [feed_of(services, body), feed_of(services, first_refresh)]
    bystander = feed_of(services, other_session)
    replay = refresh(client, body["refresh_token"])
    assert replay.status_code == 401 and error_code(replay) == "refresh_token_reused"
    for token in (body["token"], first_refresh["token"]):
        refused = client.get("/api/v1/orders", headers=bearer(token))
        assert refused.status_code == 401 and error_code(refused) == "session_revoked"
    assert [feed.closing_reason for feed in feeds] == ["revoked", "revoked"]
    assert bystander.closing_reason is None
    assert client.get("/api/v1/orders", headers=bearer(other_session["token"])).status_code == 200


@pytest.mark.e2e
def test_on_the_real_server_a_reused_refresh_token_closes_the_sessions_websocket(tmp_path):
    server = EdgeServer(tmp_path / "box").start()
    try:
        first = requests.post(f"{server.url}/api/v1/auth/login", json={"pin": "1111"}, timeout=10).json()
        stolen = requests.post(f"{server.url}/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]},
                               timeout=10).json()
        ws = WsClient.connect(f"ws://127.0.0.1:{server.port}/api/v1/ws?token={stolen['token']}&after=0")
        try:
            replay = requests.post(f"{server.url}/api/v1/auth/refresh",
                                   json={"refresh_token": first["refresh_token"]}, timeout=10)
            assert replay.status_code == 401 and replay.json()["error"]["code"] == "refresh_token_reused"
            deadline = time.monotonic() + 15
            with pytest.raises(simple_websocket.ConnectionClosed) as closed:
                while time.monotonic() < deadline:
                    print("RECV", repr((ws.receive(timeout=0.5) or "")[:60]), ws.connected, time.monotonic())
            assert closed.value.reason == 4401
        finally:
            if ws.connected:
                ws.close()
        refused = requests.get(f"{server.url}/api/v1/orders", headers=bearer(stolen["token"]), timeout=10)
        assert refused.status_code == 401
    finally:
        server.kill()
