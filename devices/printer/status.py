"""Printer status from ESC/POS real-time status queries (DLE EOT n), read honestly.

python-escpos' ``paper_status()`` answers "paper adequate" when the printer says nothing, and
``is_online()`` cannot tell silence from "offline". Here silence is *unknown*: a printer that
accepts a connection (and so takes jobs) but does not answer is online with unknown paper.
"""

from __future__ import annotations

import socket
from dataclasses import asdict, dataclass
from typing import Literal

from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.printer import Network, Serial, Usb

Online = Literal["online", "offline", "unknown"]
Paper = Literal["ok", "low", "out", "unknown"]

OFFLINE_BIT = 0x08       # DLE EOT 1, bit 3: printer offline (cover open, feeding, error)
PAPER_LOW_BITS = 0x0C    # DLE EOT 4, bits 2-3: roll near its end
PAPER_OUT_BITS = 0x60    # DLE EOT 4, bits 5-6: roll end, no paper
STATUS_READ_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class PrinterStatus:
    online: Online = "unknown"
    paper: Paper = "unknown"
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def problem(self) -> str | None:
        """What a cook should be told, or None when all is well (or simply not known)."""
        if self.online == "offline":
            return "offline"
        if self.paper == "out":
            return "out of paper"
        if self.paper == "low":
            return "paper low"
        return None


def online_from_byte(byte: int) -> Online:
    return "offline" if byte & OFFLINE_BIT else "online"


def paper_from_byte(byte: int) -> Paper:
    if byte & PAPER_OUT_BITS:
        return "out"
    if byte & PAPER_LOW_BITS:
        return "low"
    return "ok"


def _ask(printer: Escpos, command: bytes) -> int | None:
    """One status byte, or None when the printer does not answer in time.

    A broken connection (reset, closed) is not silence: it raises ``ConnectionError``, so a caller
    asking right after a job learns that the job may not have arrived whole.
    """
    try:
        answer = printer.query_status(command)
    except (NotImplementedError, socket.timeout, TimeoutError):
        return None
    if not answer:  # an orderly close from the far end
        raise ConnectionError("the printer closed the connection")
    return answer[-1]


# The backends python-escpos can read a printer's answers from (the others' query_status() would
# send the query into the file or the dummy's buffer, then fail).
STATUS_CHANNELS = (Network, Serial, Usb)


def has_status_channel(printer: Escpos) -> bool:
    return isinstance(printer, STATUS_CHANNELS)


def query(printer: Escpos) -> PrinterStatus:
    """Status of an open printer; raises ConnectionError if the connection is broken.

    Shortens a network socket's timeout so that a printer that never answers costs ~1 s."""
    if not has_status_channel(printer):  # file and dummy printers have no way back
        return PrinterStatus("online", "unknown", "no status channel")
    device = printer.device  # open: the connection (escpos' public property)
    if isinstance(device, socket.socket):
        device.settimeout(STATUS_READ_TIMEOUT_S)
    online_byte = _ask(printer, RT_STATUS_ONLINE)
    if online_byte is None:
        return PrinterStatus("online", "unknown", "takes jobs; no status answer")
    paper_byte = _ask(printer, RT_STATUS_PAPER)
    paper = "unknown" if paper_byte is None else paper_from_byte(paper_byte)
    return PrinterStatus(online_from_byte(online_byte), paper, "")


def unreachable(reason: str) -> PrinterStatus:
    return PrinterStatus("offline", "unknown", reason)
