"""`edge doctor`: each check against the real thing it looks at (loopback printers and HTTP
servers, SQLite files, gpiozero's MockFactory), the table, the plug-in points and the exit code."""

from __future__ import annotations

import http.server
import socket
import threading
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

import edge.doctor as doctor
from edge.ops.database import open_store
from edge.cli import main
from edge.doctor import run_checks
from edge.doctor.findings import Finding, format_table, healthy
from edge.doctor.checks import (check_clock, check_cloud, check_data_dir, check_database, check_disk,
                                check_settings)
from edge.doctor.hardware import check_gpio, check_microphone, check_printer, check_voice_model
from edge.settings import PrinterSettings, Settings


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    (tmp_path / "data").mkdir()
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def http_server():
    """A loopback stand-in for the cloud: answers every GET with 401, as PostgREST does without a key."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(401)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released: nothing listens there


# -- printers -------------------------------------------------------------------------------
def test_network_printer_that_answers_and_one_that_does_not():
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        assert check_printer(PrinterSettings(name="p", backend="network", host="127.0.0.1", port=port)).status == "ok"
    off = check_printer(PrinterSettings(name="p", backend="network", host="127.0.0.1", port=closed_port(),
                                        timeout_s=0.5))
    assert off.status == "fail" and "switch the printer on" in off.fix


def test_file_usb_and_serial_printers(tmp_path):
    assert check_printer(PrinterSettings(name="f", backend="file", path=str(tmp_path / "lp"))).status == "ok"
    assert check_printer(PrinterSettings(name="f", backend="file", path="/proc/no/such/lp")).status == "fail"
    usb = check_printer(PrinterSettings(name="u", backend="usb", vendor_id=0xFFFE, product_id=0x0001))
    assert usb.status == "fail" and "fffe:0001" in usb.detail and "lsusb" in usb.fix
    serial = check_printer(PrinterSettings(name="s", backend="serial", device=str(tmp_path / "ttyUSB9")))
    assert serial.status == "fail" and "dialout" in serial.fix
    assert check_printer(PrinterSettings(name="d", backend="dummy")).status == "ok"


# -- data, database, disk, clock ------------------------------------------------------------
def test_database_missing_then_healthy_then_corrupt(settings):
    assert check_database(settings).status == "warn"
    open_store(settings).close()
    healthy_db = check_database(settings)
    assert healthy_db.status == "ok" and "integrity ok" in healthy_db.detail
    settings.database_path.write_bytes(b"SQLite format 3\0" + b"\xff" * 4096)
    broken = check_database(settings)
    assert broken.status == "fail" and "backup" in broken.fix


def test_a_secret_readable_by_others_fails(settings):
    secret = settings.data_dir / "secret.key"
    secret.write_text("x" * 64)
    secret.chmod(0o644)
    findings = check_data_dir(settings)
    assert [f.status for f in findings] == ["ok", "fail"] and "chmod 600" in findings[1].fix


def test_disk_below_the_minimum_fails(settings):
    assert check_disk(settings).status == "ok"
    greedy = settings.model_copy(update={"min_free_disk_mb": 10**9})
    assert check_disk(greedy).status == "fail"


def test_a_clock_from_before_the_release_fails(settings):
    assert check_clock(settings).status == "ok"
    stale = check_clock(settings, now=datetime(2020, 1, 1, tzinfo=timezone.utc))
    assert stale.status == "fail" and "date -s" in stale.fix


def test_a_clock_behind_the_newest_event_warns(settings):
    store = open_store(settings)
    store.write(lambda tx: tx.append_event("test.clock", {}))
    store.close()
    behind = check_clock(settings, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert behind.status == "warn"


# -- cloud ----------------------------------------------------------------------------------
def test_cloud_not_set_up_is_skipped(settings):
    assert [f.status for f in check_cloud(settings)] == ["skip"]


def test_cloud_reachable_with_a_credential(settings, http_server, tmp_path):
    token = tmp_path / "box-token"
    token.write_text("eyJ\n")
    configured = settings.model_copy(update={"sync": settings.sync.model_copy(
        update={"supabase_url": http_server, "box_token_file": token})})
    credential, reach = check_cloud(configured)
    assert credential.status == "ok" and reach.status == "ok" and "HTTP 401" in reach.detail


def test_cloud_without_credential_fails_and_unreachable_only_warns(settings):
    configured = settings.model_copy(update={"sync": settings.sync.model_copy(
        update={"supabase_url": f"http://127.0.0.1:{closed_port()}"})})
    credential, reach = check_cloud(configured)
    assert credential.status == "fail" and "box_token_file" in credential.fix
    assert reach.status == "warn", "the kitchen works offline: no internet is not a failure"


# -- GPIO, microphone, voice model ----------------------------------------------------------
def test_gpio_with_the_mock_factory(settings, monkeypatch):
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    result = check_gpio(Settings(data_dir=settings.data_dir, buttons=[{"pin": 17, "station": "grill"}]))
    assert result.status == "ok" and "MockFactory" in result.detail


def test_gpio_without_a_factory_fails_only_when_buttons_are_wired(settings, monkeypatch):
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")
    assert check_gpio(settings).status == "skip"
    wired = Settings(data_dir=settings.data_dir, buttons=[{"pin": 17, "station": "grill"}])
    assert check_gpio(wired).status == "fail"


def test_voice_model_and_microphone(settings, tmp_path):
    assert check_voice_model(settings).status == "skip"
    assert check_microphone(settings).status == "skip"
    model = tmp_path / "model"
    voice = Settings(data_dir=settings.data_dir, voice={"model_path": model})
    assert check_voice_model(voice).status == "fail"
    (model / "conf").mkdir(parents=True)
    (model / "am").mkdir()
    assert check_voice_model(voice).status == "ok"
    assert check_microphone(voice).status in ("ok", "fail")  # this machine may have no sound card


# -- the framework --------------------------------------------------------------------------
def test_a_crashing_check_is_a_failure_not_a_crash(settings):
    def check_broken(_settings):
        raise RuntimeError("boom")

    findings = run_checks(settings, [check_settings, check_broken])
    assert [f.status for f in findings] == ["ok", "fail"]
    assert findings[1].name == "broken" and "boom" in findings[1].detail


def test_features_register_their_own_checks(settings, monkeypatch):
    monkeypatch.setattr(doctor, "_registered", [])

    @doctor.register
    def check_bump_bar(_settings):
        return Finding("bump bar", "fail", "not found", "plug it in")

    findings = run_checks(settings)
    assert findings[-1].name == "bump bar" and not healthy(findings)


def test_the_table_lists_fixes_for_problems_only():
    table = format_table([Finding("a", "ok", "fine"), Finding("printer grill", "fail", "off", "switch it on"),
                          Finding("cloud", "warn", "offline", "check the router")])
    lines = table.splitlines()
    assert lines[0].split() == ["check", "status", "detail"]
    assert "printer grill  FAIL    off" in table
    assert "  printer grill: switch it on" in table and "  cloud: check the router" in table
    assert lines[-1] == "1 problem(s) found"


def test_the_command_exits_non_zero_on_a_failure(settings, monkeypatch):
    monkeypatch.setenv("EDGE_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    good = runner.invoke(main, ["doctor"])
    assert good.exit_code == 0, good.output
    assert "all checks passed" in good.output
    monkeypatch.setenv("EDGE_PRINTERS", f'[{{"name": "grill", "backend": "network", "host": "127.0.0.1", '
                                        f'"port": {closed_port()}, "timeout_s": 0.5}}]')
    bad = runner.invoke(main, ["doctor"])
    assert bad.exit_code == 1 and "printer grill" in bad.output and "How to fix:" in bad.output


def test_bad_settings_are_a_finding_with_a_fix(tmp_path, monkeypatch):
    config = tmp_path / "edge.toml"
    config.write_text("[server]\nport = 99999\n")
    monkeypatch.setenv("EDGE_CONFIG", str(config))
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "settings  FAIL" in result.output and "server.port" in result.output
    assert f"edit {config}" in result.output
