"""The sync report has one shape (sync.status.SyncStatus): what `edge sync status`, /health and
the metrics read is what GET /api/v1/sync/status sends, after the health verdict."""

from __future__ import annotations

import json
from typing import get_type_hints

from tests.support.client import login
from sync.status import SyncStatus, sync_status


def test_the_status_report_has_exactly_the_fields_of_its_definition(services):
    status = sync_status(services.store, configured=False)
    assert list(status) == list(get_type_hints(SyncStatus))
    assert status["acked_seq"] == 0 and status["backlog_events"] > 0  # the demo's menu events


def test_the_api_sends_the_verdict_then_the_same_report(app, services):
    client = app.test_client()
    response = client.get("/api/v1/sync/status", headers=login(client, "1111"))
    assert response.status_code == 200
    body = json.loads(response.get_data())  # a dict keeps the order the fields were sent in
    assert list(body) == ["health", "detail", *get_type_hints(SyncStatus)]
    assert body["health"] == "ok" and body["configured"] is False
    report = sync_status(services.store, configured=False)
    for field in ("acked_seq", "backlog_events", "dead_letters", "last_push_at", "credential_problem"):
        assert body[field] == report[field]
