"""The status ticket: where to point the tablets, the admin PIN, whether sync is set up.

``status_ticket_lines`` is pure (a BoxStatus in, lines of at most ``width`` characters out), so
the same text can be rendered on any python-escpos printer, printed to a terminal, or carried
later by the print queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence


@dataclass(frozen=True)
class BoxStatus:
    restaurant: str
    box_id: str
    hostname: str
    url: str
    addresses: Sequence[str] = ()
    address_urls: Sequence[str] = ()
    admin_pin: str | None = None
    sync: str = "not set up"
    version: str = ""
    printed_at: datetime | None = None
    notes: Sequence[str] = field(default_factory=tuple)


def status_ticket_lines(status: BoxStatus, width: int = 42) -> list[str]:
    """The ticket's text, one string per printed line, none wider than ``width``."""
    rule = "-" * width
    lines = [_center("KITCHEN BOX READY", width), _center(status.restaurant, width), rule,
             *_pair("Box", status.box_id, width), *_pair("Name", status.hostname, width), rule,
             "Open on each tablet:", _center(status.url, width)]
    if status.address_urls:
        lines.append("or, if that does not load:")
        lines.extend(_center(url, width) for url in status.address_urls)
    lines.append(rule)
    lines.extend(_pair("IP", ", ".join(status.addresses) or "no network yet", width))
    if status.admin_pin:
        lines += [rule, *_pair("Admin PIN", status.admin_pin, width),
                  "Keep this ticket safe; change the PIN", "after logging in."]
    lines += [rule, *_pair("Cloud sync", status.sync, width)]
    lines.extend(wrapped for note in status.notes for wrapped in _wrap(note, width))
    footer = " ".join(part for part in (
        f"edge {status.version}" if status.version else "",
        status.printed_at.strftime("%Y-%m-%d %H:%M") if status.printed_at else "") if part)
    if footer:
        lines += [rule, *(_center(part, width) for part in _wrap(footer, width))]
    return [line[:width] for line in lines]


def status_ticket_text(status: BoxStatus, width: int = 42) -> str:
    return "\n".join(status_ticket_lines(status, width)) + "\n"


def _center(text: str, width: int) -> str:
    return text[:width].center(width).rstrip()


def _pair(label: str, value: str, width: int) -> list[str]:
    """``label: value`` on one line, or the value wrapped under the label when it is long."""
    line = f"{label}: {value}"
    if len(line) <= width:
        return [line]
    return [f"{label}:", *_wrap(value, width, indent="  ")]


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    lines, current = [], indent
    for word in text.split():
        while len(word) > width - len(indent):  # a URL longer than the paper: cut it
            if current.strip():
                lines.append(current)
                current = indent
            lines.append(indent + word[: width - len(indent)])
            word = word[width - len(indent):]
        if len(current) + len(word) + (1 if current.strip() else 0) > width:
            lines.append(current)
            current = indent
        current += (" " if current.strip() else "") + word
    if current.strip():
        lines.append(current)
    return lines
