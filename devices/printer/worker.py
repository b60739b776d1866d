"""One worker per printer: drains that printer's jobs in order and never gives one up.

The worker has an explicit state and restarts itself when anything unexpected goes wrong (a bug,
a database hiccup): it logs, waits a second and carries on, so one printer's trouble never reaches
order taking or the other printers. The connection is opened per job with the printer's timeout.

Delivery: a job is marked ``printing`` before its bytes leave and ``done`` after the printer
confirmed it (a status answer after the job's bytes proves they all arrived, TCP keeping order).
A printer that never answers status gets one job per connection and is trusted once the bytes
are sent, which is all such a printer allows anyone to know.
If the connection breaks once bytes may have left, the job goes back to the queue marked REPRINT;
if the box dies meanwhile, a job found in ``printing`` at start is printed again as REPRINT.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from typing import Callable

from escpos.escpos import Escpos

from devices.printer import jobs, status
from devices.printer.backends import PrinterUnavailable, close_quietly, open_printer, send_raw
from devices.printer.jobs import PrintJob
from devices.printer.status import PrinterStatus
from edge.domain.backoff import Backoff
from edge.settings import PrinterSettings

log = logging.getLogger(__name__)

# Jobs sent on one connection when a backlog has built up. Only for printers that answer status
# queries: each job is confirmed before the next, so a break loses track of one job at most.
MAX_BATCH = 16
VOIDED = "order voided before it printed"

Render = Callable[[PrintJob, bool], bytes]
StatusListener = Callable[[str, PrinterStatus], None]


class State(enum.Enum):
    STARTING = "starting"
    IDLE = "idle"
    PRINTING = "printing"
    BACKOFF = "backoff"
    RESTARTING = "restarting"
    STOPPED = "stopped"


def printer_backoff(first_s: float = 0.5, max_s: float = 15.0) -> Backoff:
    """A printer's retry waits: 0.5, 1, 2 ... 15 s, no jitter (a printer has one box to itself)."""
    return Backoff(first_s, max_s, jitter=False)


class SendFailed(Exception):
    def __init__(self, message: str, *, bytes_may_have_left: bool):
        super().__init__(message)
        self.bytes_may_have_left = bytes_may_have_left


class PrintWorker:
    def __init__(self, store, settings: PrinterSettings, *, render: Render,
                 on_status: StatusListener = lambda name, status: None,
                 status_every_s: float = 30.0, backoff: Backoff | None = None):
        self.store = store
        self.settings = settings
        self.name = settings.name
        self.render = render
        self.on_status = on_status
        self.status_every_s = status_every_s
        self.backoff = backoff or printer_backoff()
        self.state = State.STARTING
        self.status = PrinterStatus()
        self.answers_status: bool | None = None  # learnt from the printer; None = not asked yet
        self.printed = 0
        self.retries = 0
        self.failures_in_row = 0
        self.last_error: str | None = None
        self._last_status_at = 0.0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self.run, name=f"print-{self.name}", daemon=True)

    # -- control --------------------------------------------------------------------------------
    def start(self) -> "PrintWorker":
        self._thread.start()
        return self

    def wake(self) -> None:
        """New work was committed for this printer (called by the thread that committed it: no blocking)."""
        self._wake.set()

    def request_stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._cycle()
            except Exception:
                log.exception("print worker %s failed; restarting", self.name)
                self.state = State.RESTARTING
                self._stopping.wait(1.0)
        self.state = State.STOPPED

    def _cycle(self) -> None:
        self._wake.clear()
        limit = MAX_BATCH if self.answers_status else 1
        batch = jobs.next_jobs(self.store.read(), self.name, limit)
        if not batch:
            self.state = State.IDLE
            if time.monotonic() - self._last_status_at >= self.status_every_s:
                self.refresh_status()
            self._wake.wait(timeout=self.status_every_s)
            return
        if self._print(batch):
            self.backoff.reset()
            self.failures_in_row = 0
        else:
            self.state = State.BACKOFF
            self._stopping.wait(self.backoff.next_delay())

    def _print(self, batch: list[PrintJob]) -> bool:
        """Print a run of queued jobs on one connection; True when all of them printed."""
        self.state = State.PRINTING
        voided = jobs.voided_ticket_jobs(self.store.read(), [job.id for job in batch])
        if voided:  # voided while it waited (the printer was off): the kitchen must not cook it
            self.store.write(lambda tx: jobs.mark_cancelled(tx.conn, voided, VOIDED))
            batch = [job for job in batch if job.id not in voided]
        ready = [(job, reprint, data) for job in batch
                 for reprint in [job.reprint or job.status == "printing"]  # "printing": box died mid-job
                 for data in [self._render(job, reprint)] if data is not None]
        if not ready:
            return True
        claimed = self.store.write(lambda tx: {job.id for job, reprint, _ in ready
                                               if jobs.mark_printing(tx.conn, job.id, reprint=reprint)})
        ready = [entry for entry in ready if entry[0].id in claimed]  # a void may have come in between
        if not ready:
            return True
        confirmed, failure = self._send(ready)
        self.store.write(lambda tx: self._settle(tx, ready, confirmed, failure))
        self.printed += len(confirmed)
        if failure is None:
            self.last_error = None
            return True
        self.retries += 1
        self.failures_in_row += 1
        self.last_error = str(failure)
        # A printer that is off for an hour should not fill the log: say it once, then quietly.
        log.log(logging.WARNING if self.failures_in_row == 1 else logging.DEBUG,
                "printer %s: %d job(s) waiting (%s); will retry", self.name,
                len(ready) - len(confirmed), failure)
        return False

    def _render(self, job: PrintJob, reprint: bool) -> bytes | None:
        try:
            return self.render(job, reprint)
        except Exception as error:  # a layout bug must not block every later ticket
            log.exception("print job %s cannot be rendered", job.id)
            reason = f"cannot render: {error}"
        self.store.write(lambda tx: jobs.mark_failed(tx.conn, job.id, reason))
        return None

    @staticmethod
    def _settle(tx, ready, confirmed: list[str], failure: "SendFailed | None") -> None:
        for job_id in confirmed:
            jobs.mark_done(tx.conn, job_id, tx.now)
        if failure is None:
            return
        unsent = [job for job, _, _ in ready if job.id not in set(confirmed)]
        for index, job in enumerate(unsent):
            jobs.mark_retry(tx.conn, job.id, str(failure),
                            bytes_may_have_left=failure.bytes_may_have_left and index == 0)

    def _send(self, ready) -> tuple[list[str], "SendFailed | None"]:
        """Send each job and confirm it arrived; returns the confirmed ids and what went wrong."""
        printer: Escpos | None = None
        confirmed: list[str] = []
        sending = False
        try:
            printer = open_printer(self.settings)
            self._check_ready(printer)
            for job, _, data in ready:
                sending = True
                send_raw(printer, data)
                self._confirm_received(printer)
                confirmed.append(job.id)
                sending = False
            return confirmed, None
        except PrinterUnavailable as error:
            self._set_status(status.unreachable(str(error)))
            return confirmed, SendFailed(str(error), bytes_may_have_left=False)
        except SendFailed as failure:
            return confirmed, failure
        except Exception as error:  # reset, broken pipe, timeout mid-send
            self._set_status(status.unreachable(f"connection lost: {error}"))
            return confirmed, SendFailed(f"connection lost: {error}", bytes_may_have_left=sending)
        finally:
            close_quietly(printer)

    def _check_ready(self, printer: Escpos) -> None:
        """Before sending: a printer that says it is offline or out of paper gets nothing yet."""
        if self.answers_status is False:
            return
        current = status.query(printer)
        self.answers_status = current.detail == ""
        self._set_status(current)
        if current.online == "offline" or current.paper == "out":
            raise SendFailed(f"printer reports {current.problem}", bytes_may_have_left=False)

    def _confirm_received(self, printer: Escpos) -> None:
        if self.answers_status and status.has_status_channel(printer):
            after = status.query(printer)
            self._set_status(after)
            if after.online == "offline" or after.paper == "out":
                # The roll ran out (or the cover opened) during this ticket: part of it may be
                # missing. Printing it again, marked, beats a cook missing half a ticket.
                raise SendFailed(f"printer reports {after.problem} after the ticket",
                                 bytes_may_have_left=True)
        elif self.status.online != "online":
            self._set_status(status.PrinterStatus("online", self.status.paper, "takes jobs"))

    # -- status ---------------------------------------------------------------------------------
    def refresh_status(self) -> PrinterStatus:
        """Ask the printer now (on its own connection). Only called from the worker's thread."""
        self._last_status_at = time.monotonic()
        printer = None
        try:
            printer = open_printer(self.settings)
            current = status.query(printer)
            self.answers_status = current.detail == ""
        except (PrinterUnavailable, ConnectionError, OSError) as error:
            current = status.unreachable(str(error))
        finally:
            close_quietly(printer)
        self._set_status(current)
        return current

    def _set_status(self, current: PrinterStatus) -> None:
        self._last_status_at = time.monotonic()
        if current == self.status:
            return
        self.status = current
        try:
            self.on_status(self.name, current)
        except Exception:
            log.exception("printer %s: status listener failed", self.name)

    def snapshot(self) -> dict:
        return {
            "name": self.name, "backend": self.settings.backend, "stations": self.settings.stations,
            "receipt": self.settings.receipt, "state": self.state.value, **self.status.as_dict(),
            "problem": self.status.problem, "printed": self.printed, "retries": self.retries,
            "last_error": self.last_error,
        }
