"""Ticket and receipt layouts as data.

A layout is a ``Document``: a width in characters and a list of blocks (styled text, rules, feeds,
a QR code, a cut). The same document is rendered onto any python-escpos printer
(``devices.printer.escpos_render``) and into a PNG preview (``devices.printer.preview``), so what a
manager previews is what the kitchen gets.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Union
from zoneinfo import ZoneInfo

from edge.domain.orders import Order, Ticket

Size = Literal["normal", "tall", "large"]  # large = double width and double height
Align = Literal["left", "center", "right"]


# Controls that mean "white space" to a person typing: a line break in a note is one space on paper.
LINE_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")


def printable(text: str) -> str:
    """Text as a printer may receive it: letters, marks, symbols and spaces only.

    Every string on paper or in a preview passes through here (``Text`` and ``Rule`` call it), so
    a guest's name or note can never carry a printer command: C0/C1 controls and DEL (ESC, GS, DLE
    sequences lose their lead byte and print as harmless letters), bidi overrides and other
    invisible format characters, private-use, surrogate and unassigned code points.
    """
    out = []
    for ch in LINE_BREAKS.sub(" ", text):
        category = unicodedata.category(ch)
        if category == "Zs":
            out.append(" ")
        elif category in ("Cs", "Co", "Cn"):
            out.append("?")
        elif category[0] != "C":  # Cc controls and Cf format characters are dropped
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = "left"
    bold: bool = False
    size: Size = "normal"
    invert: bool = False
    underline: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", printable(self.text))


@dataclass(frozen=True)
class Rule:
    char: str = "-"

    def __post_init__(self) -> None:
        object.__setattr__(self, "char", printable(self.char)[:1] or "-")


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class QR:
    data: str
    size: int = 6


@dataclass(frozen=True)
class Cut:
    pass


Block = Union[Text, Rule, Feed, QR, Cut]


@dataclass(frozen=True)
class Document:
    width: int
    blocks: list[Block] = field(default_factory=list)

    def plain_text(self) -> str:
        """The text a reader sees, line by line: for tests and logs."""
        lines = []
        for block in self.blocks:
            if isinstance(block, Text):
                lines.append(block.text)
            elif isinstance(block, Rule):
                lines.append(block.char * self.width)
        return "\n".join(lines)


@dataclass(frozen=True)
class ReceiptStyle:
    restaurant_name: str = "My Restaurant"
    header_lines: tuple[str, ...] = ()
    footer_lines: tuple[str, ...] = ("Thank you!",)
    currency: str = "USD"
    timezone: str = "UTC"


CURRENCY_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def display_width(text: str) -> int:
    """Columns a string takes on paper: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def columns_for(size: Size, width: int) -> int:
    return width // 2 if size == "large" else width


def wrap(text: str, columns: int, indent: str = "") -> list[str]:
    text = printable(text)  # measured as it will print: a run of controls takes no room
    if display_width(text) <= columns:
        return [text]
    # textwrap counts characters; for wide scripts halve the budget so lines still fit.
    budget = columns if display_width(text) == len(text) else max(columns // 2, 1)
    return textwrap.wrap(text, budget, subsequent_indent=indent, break_long_words=True) or [""]


def two_columns(left: str, right: str, width: int) -> list[str]:
    """``left ....... right`` on one line, or left wrapped with right on the last line."""
    room = width - display_width(right) - 1
    lines = wrap(left, max(room, 8), indent="  ")
    last = lines[-1]
    padding = width - display_width(last) - display_width(right)
    if padding < 1:
        return lines + [" " * (width - display_width(right)) + right]
    return lines[:-1] + [last + " " * padding + right]


def money(cents: int, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency)
    amount = f"{whole:,}.{part:02d}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _texts(lines: list[str], **style) -> list[Text]:
    return [Text(line, **style) for line in lines]


def _order_heading(order: Order, width: int) -> list[Block]:
    blocks: list[Block] = [Text(f"#{order.number}", align="center", bold=True, size="large")]
    kind = "TAKEOUT" if order.type == "takeout" else "DINE IN"
    blocks.append(Text(kind, align="center", bold=True, invert=order.type == "takeout"))
    who = [f"Table {order.table}" if order.table else "", order.customer_name or ""]
    who_line = "  ".join(part for part in who if part)
    if who_line:
        blocks += _texts(wrap(who_line, columns_for("tall", width)), align="center", bold=True, size="tall")
    return blocks


def kitchen_ticket(order: Order, ticket: Ticket, *, width: int = 42, reprint: bool = False,
                   timezone: str = "UTC") -> Document:
    """One station's ticket: what the cook reads from a metre away, so the important parts are big."""
    blocks: list[Block] = []
    if reprint:
        blocks.append(Text(" REPRINT ".center(width, "*"), align="center", bold=True, invert=True))
    blocks.append(Text(ticket.station.upper(), align="center", bold=True, size="large"))
    if ticket.amendment == "added":  # more for an order already cooking: not a new order
        blocks.append(Text(" ADDED ".center(columns_for("large", width), "+"), align="center", bold=True,
                           size="large", invert=True))
    blocks += _order_heading(order, width)
    blocks.append(Text(local_time(ticket.fired_at or order.fired_at or order.created_at, timezone),
                       align="center"))
    blocks.append(Rule("="))
    items = order.ticket_items(ticket)
    courses = sorted({item.course for item in items})
    for course in courses:
        if len(courses) > 1:
            blocks.append(Text(f"--- COURSE {course} ---", align="center", bold=True))
        for item in (i for i in items if i.course == course):
            blocks += _texts(wrap(f"{item.quantity} x {item.name}", columns_for("tall", width), "    "),
                             bold=True, size="tall")
            for modifier in item.modifiers:
                blocks += _texts(wrap(f"  + {modifier}", width, "    "), bold=True)
            if item.notes:
                blocks += _texts(wrap(f"  ! {item.notes}", width, "    "), bold=True, underline=True)
    if order.notes:
        blocks.append(Rule())
        blocks += _texts(wrap(f"NOTE: {order.notes}", width, "  "), bold=True, invert=True)
    blocks.append(Rule("="))
    blocks.append(Text(f"order {order.id[-12:]}  ticket {ticket.id[-8:]}", align="center"))
    blocks.append(Cut())
    return Document(width, blocks)


def customer_receipt(order: Order, style: ReceiptStyle = ReceiptStyle(), *, width: int = 42,
                     reprint: bool = False) -> Document:
    blocks: list[Block] = []
    if reprint:
        blocks.append(Text(" COPY ".center(width, "*"), align="center", bold=True))
    blocks += _texts(wrap(style.restaurant_name, columns_for("large", width)),
                     align="center", bold=True, size="large")
    blocks += _texts([line for header in style.header_lines for line in wrap(header, width)],
                     align="center")
    blocks.append(Feed())
    blocks.append(Text(f"Order #{order.number}", align="center", bold=True, size="tall"))
    kind = "Takeout" if order.type == "takeout" else "Dine in"
    table = f"  Table {order.table}" if order.table else ""
    blocks.append(Text(f"{local_time(order.created_at, style.timezone)}  {kind}{table}", align="center"))
    blocks.append(Rule())
    for item in (i for i in order.items if i.voided_at is None):
        price = money(item.line_total_cents, style.currency)
        blocks += _texts(two_columns(f"{item.quantity} {item.name}", price, width))
        for modifier in item.modifiers:
            delta = money(modifier.price_delta_cents, style.currency) if modifier.price_delta_cents else ""
            blocks += _texts(two_columns(f"   + {modifier.name}", delta, width) if delta
                             else wrap(f"   + {modifier.name}", width))
    blocks.append(Rule())
    blocks += _texts(two_columns("Subtotal", money(order.subtotal_cents, style.currency), width))
    blocks += _texts(two_columns("Tax", money(order.tax_cents, style.currency), width))
    blocks += _texts(two_columns("TOTAL", money(order.total_cents, style.currency),
                                 columns_for("tall", width)), bold=True, size="tall")
    blocks.append(Feed())
    blocks.append(QR(order.id))
    blocks.append(Text(order.id, align="center"))
    blocks += _texts([line for footer in style.footer_lines for line in wrap(footer, width)],
                     align="center")
    blocks.append(Cut())
    return Document(width, blocks)
