"""Printer status bytes read honestly, through the real Network backend and a loopback printer."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from escpos.printer import Dummy

from devices.printer import status
from devices.printer.backends import PrinterUnavailable, open_printer
from edge.settings import PrinterSettings
from tests.support.printing import network_printer


@pytest.mark.parametrize("online, paper", [("online", "ok"), ("online", "low"), ("online", "out"),
                                           ("offline", "ok")])
def test_status_answers_are_decoded(fakes, online, paper):
    fake = fakes(online=online, paper=paper)
    printer = open_printer(network_printer("p", fake, []))
    try:
        assert status.query(printer) == status.PrinterStatus(online, paper, "")
    finally:
        printer.close()


def test_no_answer_is_unknown_paper_not_paper_ok(fakes):
    fake = fakes(answers_status=False)
    printer = open_printer(network_printer("p", fake, []))
    try:
        started = time.monotonic()
        result = status.query(printer)
        assert (result.online, result.paper) == ("online", "unknown")
        assert result.problem is None
        assert time.monotonic() - started < 2.5  # silence costs about a second, not the job timeout
    finally:
        printer.close()


@pytest.fixture
def closing_printer():
    """A loopback "printer" that takes what is sent but has closed its side: every read ends."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)

    def serve():
        with server.accept()[0] as conn:
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(5)
            while conn.recv(1024):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield PrinterSettings(name="p", backend="network", host="127.0.0.1", port=server.getsockname()[1])
    thread.join(timeout=5)
    server.close()


def test_python_escpos_alone_would_call_a_closed_connection_paper_ok(closing_printer):
    """Why status.py exists: escpos maps an empty answer to 'paper adequate'."""
    printer = open_printer(closing_printer)
    try:
        assert printer.paper_status() == 2
        with pytest.raises(ConnectionError):
            status.query(printer)
    finally:
        printer.close()


def test_a_printer_that_is_off_is_unavailable_quickly(fakes):
    fake = fakes()
    fake.stop()
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable):
        open_printer(network_printer("p", fake, []))
    assert time.monotonic() - started < 1.0


def test_file_and_dummy_printers_have_no_status_channel():
    result = status.query(Dummy())
    assert (result.online, result.paper, result.detail) == ("online", "unknown", "no status channel")


def test_problems_are_what_a_cook_should_hear():
    assert status.PrinterStatus("offline", "unknown").problem == "offline"
    assert status.PrinterStatus("online", "out").problem == "out of paper"
    assert status.PrinterStatus("online", "low").problem == "paper low"
    assert status.PrinterStatus("online", "unknown").problem is None


def test_a_connection_to_itself_is_not_a_printer(monkeypatch):
    """Connecting to a free local port can connect to itself (TCP simultaneous open)."""
    import socket

    from escpos.printer import Network

    looped = socket.socket()
    looped.bind(("127.0.0.1", 0))
    port = looped.getsockname()[1]
    looped.connect(("127.0.0.1", port))  # the kernel joins the socket to itself
    monkeypatch.setattr(Network, "open", lambda self, raise_not_found=True: setattr(self, "device", looped))
    settings = PrinterSettings(name="p", backend="network", host="127.0.0.1", port=port)
    with pytest.raises(PrinterUnavailable, match="nothing listens"):
        open_printer(settings)
