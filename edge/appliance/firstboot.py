"""First boot: the signing secret, an admin with a random PIN, and the status ticket on paper.

Runs once (edge-firstboot.service, before edge.service), as the ``edge`` user. It is idempotent:
the secret is only created when missing, an admin is only added when the box has none, and a
marker file stops the unit from running again. The PIN exists in clear only on the ticket; when
no printer takes the ticket it also goes to ``first-boot-ticket.txt`` (0600) in the data dir.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from edge.security import auth
from edge.appliance.boxinfo import collect_box_status
from edge.appliance.printout import print_status_ticket, receipt_printer
from edge.appliance.ticket import BoxStatus, status_ticket_text
from edge.domain.errors import Conflict
from edge.security.secretfiles import write_private
from edge.ops.database import open_store
from edge.settings import Settings

log = logging.getLogger("edge.firstboot")
MARKER = "firstboot.done"
TICKET_FILE = "first-boot-ticket.txt"
ADMIN_NAME = "Admin"
PIN_DIGITS = 6


@dataclass(frozen=True)
class FirstBootResult:
    admin_pin: str | None  # None when the box already had an admin
    status: BoxStatus
    printed_on: str | None  # the printer's name, or None (no printer, or it failed)
    ticket_file: Path | None


def random_pin() -> str:
    return f"{secrets.randbelow(10 ** PIN_DIGITS):0{PIN_DIGITS}d}"


def ensure_admin(store, secret: bytes) -> str | None:
    """Add an admin with a random PIN unless an active admin exists; returns the new PIN."""
    def job(tx) -> str | None:
        if tx.conn.execute("SELECT 1 FROM users WHERE role = 'admin' AND active = 1").fetchone():
            return None
        for _ in range(20):  # a clash with an existing PIN is possible, if unlikely
            pin = random_pin()
            try:
                auth.add_user(tx.conn, secret, ADMIN_NAME, "admin", pin)
                return pin
            except Conflict as clash:
                if clash.code != "pin_taken":
                    raise
        raise RuntimeError("could not find a free admin PIN")

    return store.write(job)


def print_or_show(settings: Settings, status: BoxStatus, echo) -> str | None:
    """Print on the receipt printer; without one (or when it fails), show the text instead."""
    printer = receipt_printer(settings)
    if printer is not None:
        try:
            print_status_ticket(printer, status)
            return printer.name
        except Exception as error:  # a printer that is off must not stop the box from starting
            log.error("status ticket: printer %s failed: %s", printer.name, error)
            echo(f"printer {printer.name} failed ({error}); the ticket follows")
    echo(status_ticket_text(status, printer.width if printer else 42))
    return None


def run_firstboot(settings: Settings, echo=print) -> FirstBootResult:
    secret = auth.load_or_create_secret(settings.data_dir)
    store = open_store(settings)
    try:
        pin = ensure_admin(store, secret)
    finally:
        store.close()
    status = collect_box_status(settings, admin_pin=pin)
    printed_on = print_or_show(settings, status, echo)
    ticket_file = None
    if pin and not printed_on:
        ticket_file = write_text_private(settings.data_dir / TICKET_FILE, status_ticket_text(status))
    write_text_private(settings.data_dir / MARKER, f"{status.printed_at.isoformat()}\n")
    return FirstBootResult(pin, status, printed_on, ticket_file)


def write_text_private(path: Path, text: str) -> Path:
    write_private(path, text.encode("utf-8"))  # fsynced: a power cut must not undo first boot
    return path
