"""One worker per printer: drains that printer's jobs in order and never gives one up.

The worker has an explicit state and restarts itself when anything unexpected goes wrong (a bug,
a database hiccup): it logs, waits a second and carries on, so one printer's trouble never reaches
order taking or the other printers. The connection is opened per job with the printer's timeout.

Delivery: a job is marked ``printing`` before its bytes leave and ``done`` after the printer
confirmed it (a status answer after the job's bytes proves they all arrived, TCP keeping order).
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
from devices.printer.backends import PrinterUnavailable, close_quietly, open_printer
from devices.printer.jobs import PrintJob
from devices.printer.status import PrinterStatus
from edge.settings import PrinterSettings

log = logging.getLogger(__name__)

Render = Callable[[PrintJob, bool], bytes]
StatusListener = Callable[[str, PrinterStatus], None]


class State(enum.Enum):
    STARTING = "starting"
    IDLE = "idle"
    PRINTING = "printing"
    BACKOFF = "backoff"
    RESTARTING = "restarting"
    STOPPED = "stopped"


class Backoff:
    def __init__(self, first_s: float = 0.5, max_s: float = 15.0):
        self.first_s, self.max_s = first_s, max_s
        self.next_s = first_s

    def take(self) -> float:
        delay, self.next_s = self.next_s, min(self.next_s * 2, self.max_s)
        return delay

    def reset(self) -> None:
        self.next_s = self.first_s


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
        self.backoff = backoff or Backoff()
        self.state = State.STARTING
        self.status = PrinterStatus()
        self.answers_status: bool | None = None  # learnt from the printer; None = not asked yet
        self.printed = 0
        self.retries = 0
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
        """New work was committed for this printer (called from the writer thread: no blocking)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
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
        job = jobs.next_job(self.store.read(), self.name)
        if job is None:
            self.state = State.IDLE
            if time.monotonic() - self._last_status_at >= self.status_every_s:
                self.refresh_status()
            self._wake.wait(timeout=self.status_every_s)
            return
        if self._print(job):
            self.backoff.reset()
        else:
            self.state = State.BACKOFF
            self._stopping.wait(self.backoff.take())

    def _print(self, job: PrintJob) -> bool:
        self.state = State.PRINTING
        reprint = job.reprint or job.status == "printing"  # "printing" here: the box died mid-job
        try:
            data = self.render(job, reprint)
        except Exception as error:  # a layout bug must not block every later ticket
            log.exception("print job %s cannot be rendered", job.id)
            self.store.write(lambda tx: jobs.mark_failed(tx.conn, job.id, f"cannot render: {error}"))
            return True
        self.store.write(lambda tx: jobs.mark_printing(tx.conn, job.id, reprint=reprint))
        try:
            self._send(data)
        except SendFailed as failure:
            self.retries += 1
            self.last_error = str(failure)
            log.warning("printer %s: job %s not printed (%s); will retry", self.name, job.id, failure)
            self.store.write(lambda tx: jobs.mark_retry(
                tx.conn, job.id, str(failure), bytes_may_have_left=failure.bytes_may_have_left))
            return False
        self.store.write(lambda tx: jobs.mark_done(tx.conn, job.id, tx.now))
        self.printed += 1
        self.last_error = None
        return True

    def _send(self, data: bytes) -> None:
        printer: Escpos | None = None
        sending = False
        try:
            printer = open_printer(self.settings)
            self._check_ready(printer)
            sending = True
            printer._raw(data)
            self._confirm_received(printer)
        except PrinterUnavailable as error:
            self._set_status(status.unreachable(str(error)))
            raise SendFailed(str(error), bytes_may_have_left=False) from None
        except SendFailed:
            raise
        except Exception as error:  # reset, broken pipe, timeout mid-send
            self._set_status(status.unreachable(f"connection lost: {error}"))
            raise SendFailed(f"connection lost: {error}", bytes_may_have_left=sending) from None
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
            self._set_status(status.query(printer))
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
