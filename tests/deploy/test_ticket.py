"""The status ticket: pure text, the same text on python-escpos printers, and first boot."""

from __future__ import annotations

import stat
from datetime import datetime

import pytest
from escpos.printer import Dummy

from edge.security import auth
from edge.ops.database import open_store
from edge.appliance.boxinfo import address_urls, collect_box_status, ipv4_addresses, sync_summary
from edge.appliance.firstboot import MARKER, TICKET_FILE, run_firstboot
from edge.appliance.printout import print_status_ticket, receipt_printer, render_status_ticket
from edge.appliance.ticket import BoxStatus, status_ticket_lines, status_ticket_text
from edge.settings import PrinterSettings, Settings, SyncSettings

STATUS = BoxStatus(restaurant="Luigi's Burgers", box_id="box-7", hostname="kitchen",
                   url="http://kitchen.local", addresses=["192.168.1.23"],
                   address_urls=["http://192.168.1.23"], admin_pin="482913",
                   sync="set up (abc.supabase.co)", version="1.2.3",
                   printed_at=datetime(2026, 11, 28, 7, 5))


def test_the_ticket_says_where_to_point_tablets_and_the_pin():
    text = status_ticket_text(STATUS)
    for expected in ("KITCHEN BOX READY", "Luigi's Burgers", "Box: box-7", "Name: kitchen",
                     "http://kitchen.local", "http://192.168.1.23", "IP: 192.168.1.23",
                     "Admin PIN: 482913", "Cloud sync: set up (abc.supabase.co)", "edge 1.2.3 2026-11-28 07:05"):
        assert expected in text, expected


@pytest.mark.parametrize("width", [24, 32, 42, 48])
def test_no_line_is_wider_than_the_paper(width):
    long = BoxStatus(**{**STATUS.__dict__, "sync": "set up (" + "z" * 70 + ".supabase.co)",
                        "notes": ["a note that is long enough to need wrapping on any paper width"]})
    lines = status_ticket_lines(long, width)
    assert max(map(len, lines)) <= width
    assert "".join(lines).count("z") == 70, "wrapped, not cut"
    assert "07:05" in lines[-1]


def test_without_a_pin_or_network_the_ticket_says_so():
    text = status_ticket_text(BoxStatus(restaurant="R", box_id="b", hostname="h", url="http://h.local"))
    assert "PIN" not in text
    assert "no network yet" in text and "Cloud sync: not set up" in text


def test_the_same_text_reaches_the_dummy_printer():
    printer = Dummy()
    render_status_ticket(printer, STATUS, 42)
    printed = printer.output.decode("cp437")
    for line in status_ticket_lines(STATUS, 42):
        assert line.strip() in printed
    assert b"\x1d(k" in printer.output and b"http://kitchen.local" in printer.output  # the QR code
    assert printer.output.endswith(b"\x1dV\x00"), "cut at the end"


def test_print_on_a_configured_file_printer(tmp_path):
    target = tmp_path / "receipt.bin"
    printer = PrinterSettings(name="receipt", backend="file", path=str(target), width=32)
    print_status_ticket(printer, STATUS)
    assert b"Admin PIN: 482913" in target.read_bytes()


def test_the_receipt_printer_is_chosen():
    kitchen = PrinterSettings(name="kitchen", backend="dummy")
    receipt = PrinterSettings(name="front", backend="dummy", receipt=True)
    assert receipt_printer(Settings(printers=[kitchen, receipt])) == receipt
    assert receipt_printer(Settings(printers=[kitchen])) == kitchen
    assert receipt_printer(Settings()) is None


def test_sync_summary(tmp_path):
    assert sync_summary(SyncSettings()).startswith("not set up")
    url = "https://abc.supabase.co"
    assert sync_summary(SyncSettings(supabase_url=url)) == "NO CREDENTIAL for abc.supabase.co"
    token = tmp_path / "box-token"
    token.write_text("eyJ")
    assert sync_summary(SyncSettings(supabase_url=url, box_token_file=token)) == "set up (abc.supabase.co)"


def test_addresses_and_their_urls():
    assert all(not a.startswith("127.") for a in ipv4_addresses())
    assert address_urls("http://kitchen.local", ["10.0.0.2"]) == ["http://10.0.0.2"]
    assert address_urls("http://kitchen.local:3001/", ["10.0.0.2"]) == ["http://10.0.0.2:3001"]


def test_collect_uses_the_public_url(tmp_path):
    settings = Settings(data_dir=tmp_path, server={"public_url": "http://kitchen.local"})
    status = collect_box_status(settings, admin_pin="123456")
    assert status.url == "http://kitchen.local" and status.admin_pin == "123456"


# -- first boot ---------------------------------------------------------------------------
def admin_login(settings: Settings, pin: str):
    store = open_store(settings)
    try:
        return auth.authenticate(store.read(), auth.load_or_create_secret(settings.data_dir), pin)
    finally:
        store.close()


def test_first_boot_without_a_printer_shows_the_ticket_and_keeps_it_private(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    shown = []
    result = run_firstboot(settings, echo=shown.append)
    assert result.admin_pin and len(result.admin_pin) == 6 and result.printed_on is None
    assert f"Admin PIN: {result.admin_pin}" in "".join(shown)
    assert admin_login(settings, result.admin_pin).role == "admin"
    for name in ("secret.key", TICKET_FILE, MARKER):
        assert stat.S_IMODE((settings.data_dir / name).stat().st_mode) == 0o600, name
    assert result.admin_pin in (settings.data_dir / TICKET_FILE).read_text()


def test_first_boot_prints_and_runs_again_without_a_second_admin(tmp_path):
    receipt = tmp_path / "receipt.bin"
    settings = Settings(data_dir=tmp_path / "data", printers=[
        PrinterSettings(name="front", backend="file", path=str(receipt), receipt=True)])
    first = run_firstboot(settings, echo=lambda _: None)
    assert first.printed_on == "front" and first.ticket_file is None
    assert f"Admin PIN: {first.admin_pin}".encode() in receipt.read_bytes()
    again = run_firstboot(settings, echo=lambda _: None)
    assert again.admin_pin is None
    store = open_store(settings)
    try:
        admins = store.read().execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()[0]
    finally:
        store.close()
    assert admins == 1


def test_a_printer_that_is_off_does_not_stop_first_boot(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", printers=[
        PrinterSettings(name="front", backend="file", path=str(tmp_path / "no/such/dir/lp0"))])
    shown = []
    result = run_firstboot(settings, echo=shown.append)
    assert result.printed_on is None and "printer front failed" in shown[0]
    assert result.ticket_file is not None and result.admin_pin in result.ticket_file.read_text()


def test_status_ticket_command_prints_to_stdout_without_a_printer(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from edge.cli import main

    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    monkeypatch.setenv("EDGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EDGE_RESTAURANT__NAME", "Chez Test")
    result = CliRunner().invoke(main, ["status-ticket"])
    assert result.exit_code == 0, result.output
    assert "KITCHEN BOX READY" in result.output and "Chez Test" in result.output
    assert "PIN" not in result.output


def test_print_on_a_network_printer_over_loopback():
    """python-escpos' real Network backend, talking to a loopback 'printer' that keeps the bytes."""
    import socket
    import threading

    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as printer_socket:
        printer_socket.settimeout(10)

        def printer() -> None:
            connection, _ = printer_socket.accept()
            with connection:
                connection.settimeout(10)
                while chunk := connection.recv(4096):
                    received.extend(chunk)

        thread = threading.Thread(target=printer, daemon=True)
        thread.start()
        port = printer_socket.getsockname()[1]
        print_status_ticket(PrinterSettings(name="front", backend="network", host="127.0.0.1", port=port), STATUS)
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert b"Admin PIN: 482913" in received and received.endswith(b"\x1dV\x00")
