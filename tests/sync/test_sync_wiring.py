"""Sync inside the real app and CLI: /health, /metrics, the Manage API, `edge sync ...`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner

from edge.app import create_app
from edge.cli import main
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from tests.support.client import login
from tests.support.sync_cloud import ANON_KEY, JWT_SECRET
from tests.support.waiting import wait_for

EDGE = str(Path(sys.executable).with_name("edge"))


@pytest.fixture
def synced_app(tmp_path, cloud, gateway, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    restaurant = cloud.restaurant()
    box_id, token = cloud.box(restaurant)
    settings = Settings(data_dir=tmp_path / "data", demo=True, box_id=box_id, restaurant_id=restaurant,
                        sync={"supabase_url": gateway.url, "anon_key": ANON_KEY, "box_token": token,
                              "interval_s": 0.2})
    app = create_app(settings)
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    yield app
    services.close()


def test_orders_reach_the_cloud_and_health_and_metrics_show_sync(synced_app, cloud, gateway):
    client = synced_app.test_client()
    staff = login(client, "1111")
    body = {"client_order_id": "0193a0c4-0000-7000-8000-000000000001", "items": [{"menu_item_id": "coleslaw"}]}
    created = client.post("/api/v1/orders", json=body, headers=staff)
    assert created.status_code == 201, created.get_json()
    order_id = created.get_json()["id"]
    assert wait_for(lambda: cloud.admin.execute("select 1 from orders where id = %s", (order_id,)).fetchone())
    assert wait_for(lambda: client.get("/api/v1/sync/status", headers=staff).get_json()["backlog_events"] == 0)

    health = client.get("/health").get_json()
    assert health["checks"]["sync"]["status"] == "ok"
    metrics = client.get("/api/v1/metrics", headers=staff).get_data(as_text=True)
    assert "sync_backlog_events 0.0" in metrics and "sync_last_success_timestamp" in metrics

    status = client.get("/api/v1/sync/status", headers=staff).get_json()
    assert status["backlog_events"] == 0 and status["health"] == "ok"

    gateway.stop()  # the internet goes away: the box still takes orders, /health is degraded at worst
    body["client_order_id"] = "0193a0c4-0000-7000-8000-000000000002"
    assert client.post("/api/v1/orders", json=body, headers=staff).status_code == 201
    assert client.get("/health").status_code == 200
    assert wait_for(lambda: client.get("/api/v1/sync/status", headers=staff).get_json()["last_error"])
    assert client.get("/health").get_json()["checks"]["sync"]["status"] in ("ok", "degraded")


def test_manage_api_lists_and_retries_dead_letters(synced_app):
    services = synced_app.extensions["edge"]
    client = synced_app.test_client()
    services.store.write(lambda tx: tx.append_event("ticket.bumped", {"ticket_id": "lost"}))
    assert wait_for(lambda: client.get("/api/v1/sync/dead-letters", headers=login(client, "1111"))
                    .get_json()["dead_letters"])
    admin = login(client, "1234")
    assert client.post("/api/v1/sync/retry", json={"seqs": "x"}, headers=admin).status_code == 422
    assert client.post("/api/v1/sync/retry", json={}, headers=login(client, "1111")).status_code == 403
    assert client.post("/api/v1/sync/retry", json={}, headers=admin).get_json() == {"marked": 1}
    assert wait_for(lambda: client.get("/api/v1/sync/dead-letters", headers=admin)
                    .get_json()["dead_letters"][0]["attempts"] == 2)


def test_health_is_ok_when_sync_is_not_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    app = create_app(Settings(data_dir=tmp_path / "data"), start_workers=False)
    try:
        assert app.extensions["edge"].health.run()[1]["sync"]["status"] == "ok"
    finally:
        app.extensions["edge"].close()


def test_cli_mint_token_and_status(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPABASE_JWT_SECRET", JWT_SECRET)
    runner = CliRunner()
    result = runner.invoke(main, ["sync", "mint-token", "--restaurant-id", "r1", "--box-id", "b1", "--days", "30"])
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.output.strip(), JWT_SECRET, algorithms=["HS256"], audience="authenticated")
    assert (claims["restaurant_id"], claims["box_id"], claims["role"]) == ("r1", "b1", "authenticated")
    assert claims["exp"] - claims["iat"] == 30 * 86400
    monkeypatch.delenv("SUPABASE_JWT_SECRET")
    assert runner.invoke(main, ["sync", "mint-token", "--restaurant-id", "r", "--box-id", "b"]).exit_code != 0

    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_")}
    env["EDGE_DATA_DIR"] = str(tmp_path / "data")
    status = subprocess.run([EDGE, "sync", "status"], env=env, capture_output=True, text=True, timeout=30)
    assert status.returncode == 0 and "backlog_events: 0" in status.stdout
    once = subprocess.run([EDGE, "sync", "once"], env=env, capture_output=True, text=True, timeout=30)
    assert once.returncode != 0 and "not configured" in once.stderr
    letters = subprocess.run([EDGE, "sync", "dead-letters"], env=env, capture_output=True, text=True, timeout=30)
    assert letters.stdout.strip() == "no dead letters"


@pytest.mark.parametrize("command", ["status", "once", "run", "dead-letters", "retry", "mint-token"])
def test_every_sync_command_has_help(command):
    result = CliRunner().invoke(main, ["sync", command, "--help"])
    assert result.exit_code == 0 and len(result.output.splitlines()) > 3


def test_the_box_token_from_a_systemd_credential_reaches_the_worker_and_the_doctor(
        tmp_path, cloud, gateway, monkeypatch):
    """`LoadCredential=edge-box-token:/path` (docs/security.md): no token in the config or the
    environment, only in $CREDENTIALS_DIRECTORY; the worker pushes with it and the doctor sees it."""
    from edge.doctor.checks import check_cloud

    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    restaurant = cloud.restaurant()
    box_id, token = cloud.box(restaurant)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "edge-box-token").write_text(token + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    settings = Settings(data_dir=tmp_path / "data", demo=True, box_id=box_id, restaurant_id=restaurant,
                        sync={"supabase_url": gateway.url, "anon_key": ANON_KEY, "interval_s": 0.2})
    app = create_app(settings)
    services = app.extensions["edge"]
    try:
        seed_demo(services.store, services.secret)
        assert services.sync_worker is not None and services.sync_worker.token == token
        client = app.test_client()
        body = {"client_order_id": "0193a0c4-0000-7000-8000-0000000000c1", "items": [{"menu_item_id": "coleslaw"}]}
        order_id = client.post("/api/v1/orders", json=body, headers=login(client, "1111")).get_json()["id"]
        assert wait_for(lambda: cloud.admin.execute("select 1 from orders where id = %s", (order_id,)).fetchone())
    finally:
        services.close()
    assert check_cloud(settings)[0].status == "ok"


def test_an_unreadable_token_file_leaves_sync_off_and_says_why(tmp_path, cloud, gateway, monkeypatch):
    from edge.doctor.checks import check_cloud

    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path / "data", demo=True,
                        sync={"supabase_url": gateway.url, "anon_key": ANON_KEY,
                              "box_token_file": str(tmp_path / "missing.jwt")})
    app = create_app(settings, start_workers=False)
    try:
        assert app.extensions["edge"].sync_worker is None
        assert app.test_client().get("/health").status_code == 200  # the kitchen does not need the cloud
    finally:
        app.extensions["edge"].close()
    credential = check_cloud(settings)[0]
    assert credential.status == "fail" and "missing.jwt" in credential.detail
