"""Secrets never logged; secret files private; secrets readable from files and credentials."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest

from edge.security import redact
from edge.observability.logs import JsonFormatter, configure_logging
from edge.security.secretfiles import SecretFileError, read_secret, write_private

PIN = "4812"


@pytest.fixture
def captured(monkeypatch):
    """The box's real logging setup (JSON lines to stdout), captured."""
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    configure_logging("DEBUG")
    yield stream
    logging.getLogger().handlers.clear()


def test_a_logged_request_with_a_token_and_a_pin_leaves_no_secret(client, captured):
    response = client.post("/api/v1/auth/login", json={"pin": "1111"})
    token, refresh_token = response.get_json()["token"], response.get_json()["refresh_token"]
    log = logging.getLogger("edge.test")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    log.info("request headers %s", headers)
    log.info("request body %s", json.dumps({"pin": PIN, "refresh_token": refresh_token}))
    log.info("a repr %r and a query ?token=%s&x=1", {"pin": PIN}, token)
    log.warning("login", extra={"fields": {"pin": PIN, "authorization": f"Bearer {token}",
                                           "nested": {"secret": "s3cr3t-value"}}})
    try:
        raise ValueError(f"bad token {token} for pin={PIN}")
    except ValueError:
        log.exception("failed")
    client.get("/api/v1/menu", headers={"Authorization": f"Bearer {token}"})
    text = captured.getvalue()
    assert text.count("\n") >= 6 and "[REDACTED]" in text
    for secret in (token, token.split(".")[1], refresh_token, PIN, "s3cr3t-value"):
        assert secret not in text, secret
    for line in text.splitlines():
        json.loads(line)  # still one JSON object per line


def test_scrub_keeps_what_is_not_a_secret():
    line = 'GET /api/v1/orders 200 order 7 table "12" pin_pad=ok'
    assert redact.scrub(line) == line
    assert redact.scrub('{"pin": "1234", "name": "Sam"}') == '{"pin": "[REDACTED]", "name": "Sam"}'


def test_json_formatter_keeps_scrubbed_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops", None, None)
    try:
        raise RuntimeError("Authorization: Bearer abcdefghijklmnop")
    except RuntimeError:
        import sys
        record.exc_info = sys.exc_info()
    redact.RedactingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert "RuntimeError" in entry["exc"] and "abcdefghijklmnop" not in entry["exc"]


def test_secret_files_are_0600(services, tmp_path):
    assert (services.settings.data_dir / "secret.key").stat().st_mode & 0o777 == 0o600
    assert services.settings.database_path.stat().st_mode & 0o777 == 0o600
    path = tmp_path / "token"
    write_private(path, b"abc")
    assert path.stat().st_mode & 0o777 == 0o600 and path.read_bytes() == b"abc"


def test_a_loosened_secret_file_is_tightened_at_start(settings):
    from edge.app import create_app

    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "secret.key").write_text("a" * 64)
    os.chmod(settings.data_dir / "secret.key", 0o644)
    app = create_app(settings, start_workers=False)
    try:
        assert (settings.data_dir / "secret.key").stat().st_mode & 0o777 == 0o600
    finally:
        app.extensions["edge"].close()


def test_settings_secrets_from_value_file_or_systemd_credentials(tmp_path, monkeypatch):
    token_file = tmp_path / "box_token"
    token_file.write_text("from-file\n")
    os.chmod(token_file, 0o644)
    assert read_secret("direct", token_file, "box-token") == "direct"
    assert read_secret(None, token_file, "box-token") == "from-file"
    assert token_file.stat().st_mode & 0o777 == 0o600
    credentials = tmp_path / "creds"
    credentials.mkdir()
    (credentials / "box-token").write_text("from-systemd")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert read_secret(None, None, "box-token") == "from-systemd"
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    assert read_secret(None, None, "box-token") is None
    (tmp_path / "empty").write_text("")
    with pytest.raises(SecretFileError, match="empty"):
        read_secret(None, tmp_path / "empty")
    with pytest.raises(SecretFileError, match="cannot read"):
        read_secret(None, tmp_path / "missing")


def test_sync_box_token_can_come_from_a_file(tmp_path):
    from edge.settings import SyncSettings

    path = tmp_path / "box.jwt"
    path.write_text("eyJ.box.token")
    assert SyncSettings(box_token_file=path).resolved_box_token() == "eyJ.box.token"
    assert SyncSettings(box_token="inline").resolved_box_token() == "inline"


def test_the_sync_worker_doctor_and_status_ticket_agree_on_a_blank_or_padded_box_token(tmp_path):
    from edge.appliance.boxinfo import sync_summary
    from edge.doctor.checks import check_cloud
    from edge.settings import Settings, SyncSettings
    from sync.service import box_token

    cloud = {"supabase_url": "http://127.0.0.1:9", "anon_key": "anon", "timeout_s": 0.5}
    padded = Settings(data_dir=tmp_path, sync=SyncSettings(box_token="eyJ.box.token\n", **cloud))
    assert box_token(padded) == padded.sync.resolved_box_token() == "eyJ.box.token"
    blank = Settings(data_dir=tmp_path, sync=SyncSettings(box_token="  \n", **cloud))
    assert box_token(blank) is None  # the worker stays off, and the others say why
    assert sync_summary(blank.sync).startswith("NO CREDENTIAL")
    credential = next(f for f in check_cloud(blank) if f.name == "cloud credential")
    assert credential.status == "fail"
