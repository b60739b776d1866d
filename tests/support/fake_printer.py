"""A loopback TCP "printer" that simulates the world for python-escpos' real Network backend.

It records every connection's bytes (a connection carries one or more cut tickets), answers ESC/POS real-time status
queries (DLE EOT 1 / DLE EOT 4) the way a printer in the given state would (or not at all), can
be switched off and on again on the same port, and can drop a connection after N bytes of a job.
"""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field

DLE_EOT = b"\x10\x04"
# Status bytes as an Epson TM printer sends them (bits 1 and 4 are always set).
ONLINE_BYTE = {"online": 0x12, "offline": 0x1A}
PAPER_BYTE = {"ok": 0x12, "low": 0x1E, "out": 0x72}
TICKET_NUMBER = re.compile(rb"#(\d+)\n")


CUT = b"\x1dV\x00"  # GS V 0: a full cut ends every ticket and receipt


@dataclass(frozen=True)
class Printout:
    """One cut piece of paper."""

    data: bytes
    at: float  # time.monotonic() when its cut arrived

    @property
    def numbers(self) -> list[int]:
        """Order numbers printed on it (``#42`` lines of kitchen tickets)."""
        return [int(n) for n in TICKET_NUMBER.findall(self.data)]

    @property
    def reprint(self) -> bool:
        return b"REPRINT" in self.data


@dataclass
class Job:
    data: bytearray = field(default_factory=bytearray)
    complete: bool = False
    received_at: float = 0.0
    cut_times: list[float] = field(default_factory=list)

    def printouts(self) -> list[Printout]:
        pieces = bytes(self.data).split(CUT)
        return [Printout(piece + CUT, at) for piece, at in zip(pieces[:-1], self.cut_times)]

    @property
    def status_only(self) -> bool:
        return _only_status_queries(bytes(self.data))


def _bind_below_ephemeral_ports(server: socket.socket) -> None:
    """A port the kernel never hands out as a source port, so a client retrying while this
    printer is off can never connect to itself on it (TCP simultaneous open)."""
    for _ in range(200):
        try:
            server.bind(("127.0.0.1", random.randint(20000, 32000)))
            return
        except OSError:
            continue
    raise RuntimeError("no free loopback port for the fake printer")


def _only_status_queries(data: bytes) -> bool:
    return data.replace(DLE_EOT + b"\x01", b"").replace(DLE_EOT + b"\x04", b"") == b""


class FakePrinter:
    def __init__(self, *, port: int = 0, online: str = "online", paper: str = "ok",
                 answers_status: bool = True):
        self.online = online
        self.paper = paper
        self.answers_status = answers_status
        self.drop_after_bytes: int | None = None  # drop the next job after this many bytes
        self.paper_runs_out_after: int | None = None  # cut printouts until the roll ends
        self.jobs: list[Job] = []
        self._lock = threading.RLock()  # wait_for predicates call printed()
        self._changed = threading.Condition(self._lock)
        self._server: socket.socket | None = None
        self._port = port
        self._threads: list[threading.Thread] = []

    # -- power --------------------------------------------------------------------------------
    def start(self) -> "FakePrinter":
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self._port:
            server.bind(("127.0.0.1", self._port))
        else:
            _bind_below_ephemeral_ports(server)
        server.listen(16)
        self._port = server.getsockname()[1]
        self._server = server
        thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Switch off: connections are refused until ``start()`` again (same port)."""
        server, self._server = self._server, None
        if server is not None:
            try:
                server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            server.close()

    @property
    def port(self) -> int:
        return self._port

    # -- what was printed ---------------------------------------------------------------------
    def printed(self) -> list[Job]:
        """Completed jobs that carried print data (status-only connections left out)."""
        with self._lock:
            return [job for job in self.jobs if job.complete and not job.status_only]

    def printouts(self) -> list[Printout]:
        """Every ticket or receipt that came out whole (cut), in arrival order. A connection that
        broke still printed what it received before the break, as a real printer does."""
        with self._lock:
            return [piece for job in self.jobs for piece in job.printouts()]

    def printed_numbers(self) -> list[int]:
        return [number for piece in self.printouts() for number in piece.numbers]

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    # -- the world ----------------------------------------------------------------------------
    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        job = Job()
        with self._lock:
            self.jobs.append(job)
        drop_after = None
        conn.settimeout(10)
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                if drop_after is None and not _only_status_queries(chunk):
                    with self._lock:  # the drop is meant for a print job, not a status poll
                        drop_after, self.drop_after_bytes = self.drop_after_bytes, None
                if drop_after is not None and len(job.data) + len(chunk) >= drop_after:
                    job.data += chunk[: max(drop_after - len(job.data), 0)]
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    return  # a reset, as when the printer's power is cut mid-ticket
                with self._changed:
                    job.data += chunk
                    now = time.monotonic()
                    new_cuts = job.data.count(CUT) - len(job.cut_times)
                    job.cut_times += [now] * new_cuts
                    self._use_paper(new_cuts)
                    self._changed.notify_all()
                self._answer_status(conn, chunk)
            with self._changed:
                job.complete = True
                job.received_at = time.monotonic()
                self._changed.notify_all()
        except OSError:
            pass
        finally:
            conn.close()
            with self._changed:
                self._changed.notify_all()

    def _use_paper(self, printouts: int) -> None:
        if self.paper_runs_out_after is not None and printouts:
            self.paper_runs_out_after -= printouts
            if self.paper_runs_out_after <= 0:
                self.paper, self.paper_runs_out_after = "out", None

    def _answer_status(self, conn: socket.socket, chunk: bytes) -> None:
        if not self.answers_status:
            return
        for match in re.finditer(re.escape(DLE_EOT) + rb"([\x01\x04])", chunk):
            byte = ONLINE_BYTE[self.online] if match.group(1) == b"\x01" else PAPER_BYTE[self.paper]
            conn.sendall(bytes([byte]))
