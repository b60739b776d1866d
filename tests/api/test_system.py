"""Health, metrics and the OpenAPI document."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from edge.api.routing import openapi_path
from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from tests.support.client import order_body

from .helpers import assert_error, post_order


def test_health_is_public_and_ok(client):
    for path in ("/health", "/api/v1/health"):
        response = client.get(path)
        assert response.status_code == 200
        body = response.get_json()
        assert body["status"] == "ok" and body["demo"] is True
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["disk"]["status"] == "ok"


@pytest.fixture
def starved_app(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    app = create_app(Settings(data_dir=tmp_path / "data", min_free_disk_mb=10**12))
    yield app
    app.extensions["edge"].close()


def test_health_is_503_when_the_disk_is_full(starved_app):
    response = starved_app.test_client().get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down" and body["demo"] is False
    assert body["checks"]["disk"]["status"] == "down"
    assert "need" in body["checks"]["disk"]["detail"]


def test_a_check_that_raises_counts_as_down(app, client):
    app.extensions["edge"].health.register("printer", lambda: 1 / 0)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["checks"]["printer"]["status"] == "down"


def test_health_is_503_when_the_database_writer_has_stopped(services, client):
    services.store._writer.stop()  # what a broken writer looks like from outside
    response = client.get("/health")
    assert response.status_code == 503
    assert "writer has stopped" in response.get_json()["checks"]["database"]["detail"]


def test_metrics_expose_the_required_series(client, staff):
    post_order(client, staff, order_body())
    client.get("/api/v1/kds/grill", headers=staff)
    response = client.get("/api/v1/metrics", headers=staff)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Type"].count("charset") == 1
    text = response.get_data(as_text=True)
    for name in ("http_requests_total", "http_request_duration_ms_bucket", "order_processing_time_ms_count",
                 "websocket_connections_active", "ai_transcription_latency_ms", "event_log_last_seq",
                 "db_size_bytes", "orders_in_kitchen"):
        assert name in text, name
    assert 'http_requests_total{endpoint="/api/v1/orders",method="POST",status="201"} 1.0' in text
    assert "order_processing_time_ms_count 1.0" in text
    assert "orders_in_kitchen 1.0" in text


def test_metrics_need_a_token(client):
    assert_error(client.get("/api/v1/metrics"), 401)


def test_responses_carry_a_request_id(client):
    assert client.get("/health").headers["X-Request-ID"]
    assert client.get("/health", headers={"X-Request-ID": "abc"}).headers["X-Request-ID"] == "abc"


def test_unknown_paths_and_methods_use_the_error_shape(client, staff):
    assert_error(client.get("/api/v1/nothing-here", headers=staff), 404, "not_found")
    assert_error(client.delete("/api/v1/orders", headers=staff), 405, "method_not_allowed")


# -- OpenAPI -------------------------------------------------------------------------------------
def test_every_api_route_is_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.websocket:  # the live feed is a WebSocket, not HTTP
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in document["paths"].get(openapi_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_openapi_describes_bodies_errors_and_security(client):
    document = client.get("/api/v1/openapi.json").get_json()
    create = document["paths"]["/api/v1/orders"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OrderRequest")
    assert {"201", "401", "409", "422"} <= set(create["responses"])
    assert create["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/api/v1/health"]["get"]
    assert "OrderRequest" in document["components"]["schemas"]
    params = {p["name"] for p in document["paths"]["/api/v1/orders"]["get"]["parameters"]}
    assert {"status", "station", "since", "limit"} <= params
