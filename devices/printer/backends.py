"""Printers are configuration: ``PrinterSettings`` -> a python-escpos printer, opened per job.

Every backend is python-escpos' own class; only the connection parameters come from settings.
USB and serial need native packages (pyusb, pyserial) that only the appliance installs: their
absence is reported when such a printer is used, never at import.
"""

from __future__ import annotations

import socket

from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Network, Serial, Usb

from edge.settings import PrinterSettings


class PrinterUnavailable(Exception):
    """The printer could not be reached (off, unplugged, wrong address, missing driver)."""


class AppendingFile(File):
    """A file "printer" that keeps every job (escpos' File truncates the file on each open)."""

    def open(self, raise_not_found: bool = True) -> None:
        self.close()  # File.close() does nothing when nothing is open
        try:
            self.device = open(self.devfile, "ab")
        except OSError as error:
            self.device = None
            raise PrinterUnavailable(f"cannot open {self.devfile}: {error}") from error


def make_printer(settings: PrinterSettings) -> Escpos:
    """An unopened printer for these settings."""
    profile = None if settings.profile == "default" else settings.profile
    backend = settings.backend
    if backend == "network":
        _require(settings.host, settings, "host")
        return Network(settings.host, settings.port, timeout=settings.timeout_s, profile=profile)
    if backend == "usb":
        if not Usb.is_usable():
            raise PrinterUnavailable("USB printers need pyusb: pip install 'restaurant-edge[pi]'")
        _require(settings.vendor_id, settings, "vendor_id")
        _require(settings.product_id, settings, "product_id")
        return Usb(settings.vendor_id, settings.product_id, timeout=int(settings.timeout_s * 1000),
                   profile=profile)
    if backend == "serial":
        if not Serial.is_usable():
            raise PrinterUnavailable("serial printers need pyserial: pip install 'restaurant-edge[pi]'")
        _require(settings.device, settings, "device")
        return Serial(settings.device, baudrate=settings.baudrate, timeout=settings.timeout_s,
                      profile=profile)
    if backend == "file":
        _require(settings.path, settings, "path")
        return AppendingFile(settings.path, profile=profile)
    return Dummy(profile=profile)


def open_printer(settings: PrinterSettings) -> Escpos:
    """A connected printer; raises PrinterUnavailable within about ``timeout_s``."""
    printer = make_printer(settings)
    try:
        printer.open()
    except PrinterUnavailable:
        raise
    except Exception as error:  # escpos raises DeviceNotFoundError, USBNotFoundError, OSError...
        raise PrinterUnavailable(f"{settings.name}: {error}".strip()) from error
    if settings.backend == "dummy":
        return printer
    # escpos' public ``device`` is the connection open() made (None: it failed quietly). Read
    # before open() -- False -- it would open the printer itself, which never happens here.
    connection = printer.device
    if connection in (None, False):
        raise PrinterUnavailable(f"{settings.name}: not connected")
    if isinstance(connection, socket.socket):
        if connection.getsockname() == connection.getpeername():
            # TCP "simultaneous open": connecting to a free local port can pick that very port as
            # the source and connect to itself. It would then echo our status queries back as
            # answers and swallow tickets: a printer on this box that is off is just off.
            close_quietly(printer)
            raise PrinterUnavailable(f"{settings.name}: nothing listens on port {settings.port}")
        # A 2-byte status query right after a ticket would otherwise wait for the delayed ACK
        # of the ticket (Nagle): 40 ms per query, which halves the drain rate.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return printer


def send_raw(printer: Escpos, data: bytes) -> None:
    """Bytes to the printer as they are (rendered tickets, raster lines). python-escpos 3.x has
    no public call for that: ``_raw`` is the one method every backend must implement (abstract in
    Escpos), so it is called here only; the print tests send through the real Network, File and
    Dummy backends, so a release that renamed it would fail them."""
    printer._raw(data)


def close_quietly(printer: Escpos | None) -> None:
    if printer is None:
        return
    try:
        printer.close()
    except Exception:  # closing a broken connection may fail again; the job outcome is known
        pass


def _require(value, settings: PrinterSettings, field: str) -> None:
    if value in (None, ""):
        raise PrinterUnavailable(f"printer {settings.name!r} ({settings.backend}) needs {field}")
