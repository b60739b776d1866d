"""Schemathesis against the box's own OpenAPI document, in-process (WSGI), logged in as admin:
no 5xx, every error in the error shape, every response as the schema says. Bounded for CI; the
long run is bench/fuzz.py."""

from __future__ import annotations

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from tests.support.client import login
from tests.support.fuzzing import FUZZ_SECURITY, fuzz

MAX_EXAMPLES = 15


def test_the_api_survives_fuzzing(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    app = create_app(Settings(data_dir=tmp_path / "fuzz", demo=True, security=FUZZ_SECURITY),
                     start_workers=False)
    services = app.extensions["edge"]
    try:
        seed_demo(services.store, services.secret)
        report = fuzz(app, login(app.test_client(), "1234"), max_examples=MAX_EXAMPLES)
    finally:
        services.close()
    assert report.operations >= 15 and report.cases >= report.operations * 2
    assert not report.failures, "\n\n".join(report.failures)


def test_fuzzing_findings_stay_fixed(client, admin):
    """Each of these once answered 500 or was accepted against the schema."""
    huge = client.get("/api/v1/events", headers=admin, query_string={"after": 2**64})
    assert huge.status_code == 422 and huge.get_json()["error"]["code"] == "invalid_query"
    unix_time = client.get("/api/v1/orders", headers=admin, query_string={"since": "123"})
    assert unix_time.status_code == 422
    assert client.get("/api/v1/orders", headers=admin,
                      query_string={"since": "2026-11-28T10:00:00Z"}).status_code == 200
