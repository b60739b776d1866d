"""The print queue wired to the store: jobs made in the order's transaction, one worker per printer.

``PrintService(store, settings).install()`` adds a transaction hook: when an ``order.fired`` event
(or an ``order.items_added``, for its ADDED tickets) is appended, one kitchen-ticket job per ticket per printer serving that ticket's station is
inserted in the same transaction, so a fired order and its tickets commit together or not at
all. A commit listener then wakes the workers concerned (without blocking the writer).
"""

from __future__ import annotations

import logging
from typing import Iterable

from escpos.capabilities import CAPABILITIES, get_profile

from devices.printer import jobs
from devices.printer.escpos_render import render_bytes
from devices.printer.jobs import PrintJob
from devices.printer.layout import Document, ReceiptStyle, customer_receipt, kitchen_ticket
from devices.printer.status import PrinterStatus
from devices.printer.worker import VOIDED, PrintWorker, State, printer_backoff
from edge.domain.errors import Conflict, NotFound
from edge.domain.orders import Order
from edge.settings import PrinterSettings, Settings

log = logging.getLogger(__name__)

ALL_STATIONS = "*"
STATUS_EVENT = "printer.status"
JOB_REQUESTED_EVENT = "printer.job_requested"
# events that fire tickets: a whole order, or the ADDED tickets of an add-items amendment
PRINTED_EVENTS = ("order.fired", "order.items_added")
KEEP_FINISHED_JOBS = 20_000  # a few busy weeks of tickets to look back at or reprint


def check_profile(settings: PrinterSettings) -> None:
    """An unknown capability profile would fail every job: refuse it at start instead."""
    if settings.profile == "default":
        return
    try:
        get_profile(settings.profile)
    except KeyError:
        known = ", ".join(sorted(name for name in CAPABILITIES["profiles"] if name != "default"))
        raise ValueError(f"printers[{settings.name}].profile: unknown profile {settings.profile!r}; "
                         f"python-escpos knows: default, {known}") from None


class PrintService:
    def __init__(self, store, printers: Iterable[PrinterSettings], *,
                 receipt_style: ReceiptStyle = ReceiptStyle(), status_every_s: float = 30.0,
                 backoff_first_s: float = 0.5, backoff_max_s: float = 15.0):
        self.store = store
        self.printers = {p.name: p for p in printers}
        for settings in self.printers.values():
            check_profile(settings)
        self.receipt_style = receipt_style
        self.workers: dict[str, PrintWorker] = {
            name: PrintWorker(store, settings, render=self.render_job, on_status=self._status_changed,
                              status_every_s=status_every_s,
                              backoff=printer_backoff(backoff_first_s, backoff_max_s))
            for name, settings in self.printers.items()
        }
        self._announced: dict[str, tuple[str, str]] = {}

    @classmethod
    def from_settings(cls, store, settings: Settings, **options) -> "PrintService":
        style = ReceiptStyle(restaurant_name=settings.restaurant.name,
                             currency=settings.restaurant.currency,
                             timezone=settings.restaurant.timezone)
        return cls(store, settings.printers, receipt_style=style, **options)

    # -- wiring ---------------------------------------------------------------------------------
    def install(self) -> "PrintService":
        self.store.add_tx_hook(self._on_event)
        self.store.add_commit_listener(self._on_commit)
        return self

    def start(self) -> "PrintService":
        self.store.write(lambda tx: jobs.prune(tx.conn, keep=KEEP_FINISHED_JOBS))
        for worker in self.workers.values():
            worker.start()
        return self

    def stop(self) -> None:
        for worker in self.workers.values():  # all at once: a worker mid-send may take its timeout
            worker.request_stop()
        for worker in self.workers.values():
            worker.stop()

    def printers_for_station(self, station: str) -> list[str]:
        return [name for name, p in self.printers.items()
                if station in p.stations or ALL_STATIONS in p.stations]

    def _on_event(self, tx, event) -> None:
        """Inside the transaction that appends ``event``: queue the tickets it needs printed."""
        if event.type == "order.voided":
            jobs.cancel_queued_tickets(tx.conn, event.data["order"]["id"], VOIDED)
            return
        if event.type not in PRINTED_EVENTS:
            return
        order = Order.model_validate(event.data["order"])
        order_doc = order.model_dump_json()
        for ticket in _tickets_to_print(order, event):
            for printer in self.printers_for_station(ticket.station):
                jobs.insert_job(tx.conn, printer=printer, kind="ticket", order=order, now=tx.now,
                                ticket_id=ticket.id, order_doc=order_doc)

    def _on_commit(self, events) -> None:
        """After the commit, in the committing thread: wake the printers that have new jobs."""
        to_wake = set()
        for event in events:
            if event.type in PRINTED_EVENTS:
                for ticket in event.data["order"]["tickets"]:
                    to_wake.update(self.printers_for_station(ticket["station"]))
            elif event.type == JOB_REQUESTED_EVENT and event.data["printer"] in self.workers:
                to_wake.add(event.data["printer"])
        for name in to_wake:
            self.workers[name].wake()

    # -- rendering ------------------------------------------------------------------------------
    def document(self, job: PrintJob, reprint: bool | None = None) -> Document:
        settings = self.printers.get(job.printer)
        width = settings.width if settings else 42
        order = job.order()
        reprint = job.reprint if reprint is None else reprint
        if job.kind == "receipt":
            return customer_receipt(order, self.receipt_style, width=width, reprint=reprint)
        ticket = order.ticket(job.ticket_id)
        if ticket is None:
            raise NotFound(f"print job {job.id}: ticket {job.ticket_id} is not on its order",
                           code="ticket_not_found")
        return kitchen_ticket(order, ticket, width=width, reprint=reprint,
                              timezone=self.receipt_style.timezone)

    def render_job(self, job: PrintJob, reprint: bool) -> bytes:
        settings = self.printers.get(job.printer)
        return render_bytes(self.document(job, reprint), profile=settings.profile if settings else None)

    # -- requests from people (API) -------------------------------------------------------------
    def request_receipt(self, order: Order, *, actor_id: str | None = None) -> str:
        printer = next((name for name, p in self.printers.items() if p.receipt), None)
        if printer is None:
            raise Conflict("no receipt printer is configured", code="no_receipt_printer")
        return self._request(order, printer=printer, kind="receipt", actor_id=actor_id)

    def reprint_job(self, job_id: str, *, actor_id: str | None = None) -> str:
        job = jobs.get_job(self.store.read(), job_id)
        if job is None:
            raise NotFound(f"print job {job_id} not found", code="print_job_not_found")
        return self._request(job.order(), printer=job.printer, kind=job.kind, ticket_id=job.ticket_id,
                             reprint_of=job.id, actor_id=actor_id, order_doc=job.order_doc)

    def reprint_ticket(self, order: Order, ticket_id: str, *, actor_id: str | None = None) -> list[str]:
        ticket = order.ticket(ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found", code="ticket_not_found")
        printers = self.printers_for_station(ticket.station)
        if not printers:
            raise Conflict(f"no printer serves station {ticket.station!r}", code="no_printer_for_station")
        return [self._request(order, printer=p, kind="ticket", ticket_id=ticket_id, actor_id=actor_id)
                for p in printers]

    def _request(self, order: Order, *, printer: str, kind: str, ticket_id: str | None = None,
                 reprint_of: str | None = None, actor_id: str | None = None,
                 order_doc: str | None = None) -> str:
        reprint = kind == "ticket" or reprint_of is not None

        def queue(tx) -> str:
            job_id = jobs.insert_job(tx.conn, printer=printer, kind=kind, order=order, now=tx.now,
                                     ticket_id=ticket_id, reprint=reprint, reprint_of=reprint_of,
                                     order_doc=order_doc)
            tx.append_event(JOB_REQUESTED_EVENT, {
                "job_id": job_id, "printer": printer, "kind": kind, "order_id": order.id,
                "ticket_id": ticket_id, "reprint": reprint, "by": actor_id,
            }, stations=self.printers[printer].stations, order_id=order.id)
            return job_id

        return self.store.write(queue)

    # -- status ---------------------------------------------------------------------------------
    def _status_changed(self, name: str, current: PrinterStatus) -> None:
        key = (current.online, current.paper)
        if self._announced.get(name) == key:  # detail text alone changing is not news
            return
        self._announced[name] = key
        data = {"printer": name, **current.as_dict(), "problem": current.problem}
        try:
            self.store.write(lambda tx: tx.append_event(STATUS_EVENT, data,
                                                        stations=self.printers[name].stations))
        except Exception:  # the event is news, not state: a failed write must not stop printing
            log.exception("printer %s: could not record its status", name)

    def snapshot(self) -> list[dict]:
        conn = self.store.read()
        return [{**worker.snapshot(), "queued": jobs.pending_count(conn, name)}
                for name, worker in self.workers.items()]

    def health(self):
        """(status, detail) for /health: printers never make the box "down", only "degraded"."""
        problems = [f"{w.name}: {w.status.problem}" for w in self.workers.values() if w.status.problem]
        dead = [f"{w.name}: worker {w.state.value}" for w in self.workers.values()
                if w.state in (State.RESTARTING, State.STOPPED)]
        issues = problems + dead
        count = len(self.workers)
        return ("degraded" if issues else "ok"), ("; ".join(issues) or f"{count} printer{'s' * (count != 1)} ok")


def _tickets_to_print(order: Order, event) -> list:
    """The tickets an event fires: every live one of a fired order, or the ADDED ones."""
    if event.type == "order.items_added":
        added = set(event.data["ticket_ids"])
        return [t for t in order.tickets if t.id in added and t.status == "fired"]
    return [t for t in order.tickets if t.status != "voided"]
