"""Text people type reaches paper as printable text only: no printer command hides in a name or a note.

A kiosk guest can type anything into ``customer_name``, ``notes`` or an item's notes; a tablet
sends a table name. Every such string is rendered onto python-escpos' real Dummy and Network
backends (the loopback fake printer) and into previews, and the bytes between our markers must be
plain code-page text: no C0/C1 control, no ESC/GS/DLE sequence, no bidi override.
"""

from __future__ import annotations

import io
import re

import pytest
from escpos.printer import Dummy
from PIL import Image

from devices.printer.escpos_render import render
from devices.printer.layout import Text, customer_receipt, kitchen_ticket
from devices.printer.preview import preview_png
from edge.domain.orders import OrderItemRequest
from tests.devices.orders import fired_order
from tests.support.printing import network_printer, place_order

C0 = [chr(code) for code in range(0x20)]
C1 = [chr(code) for code in range(0x80, 0xA0)]
BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069"]
INVISIBLE = ["\u200b", "\u200d", "\u2028", "\u2029", "\ufeff", "\u00ad", "\ue000", "\U000e0041"]
SEQUENCES = {
    "drawer kick (ESC p)": "\x1bp\x00\x19\xfa",
    "full cut (GS V 0)": "\x1dV\x00",
    "partial cut (GS V A)": "\x1dVA\x03",
    "character size (GS !)": "\x1d!\x11",
    "initialise (ESC @)": "\x1b@",
    "code page (ESC t)": "\x1bt\x10",
    "printer off (ESC =)": "\x1b=\x02",
    "real-time pulse (DLE DC4)": "\x10\x14\x01\x00\x05",
    "status query (DLE EOT)": "\x10\x04\x01",
    "raster image (GS v 0)": "\x1dv0\x00\x01\x00\x01\x00\xff",
}
EVERY_CONTROL = "".join(C0 + ["\x7f"] + C1 + BIDI + INVISIBLE)
PAYLOADS = [pytest.param(text, id=name) for name, text in SEQUENCES.items()] + [
    pytest.param("".join(C0), id="every C0"),
    pytest.param("\x7f" + "".join(C1), id="DEL and every C1"),
    pytest.param("".join(BIDI), id="bidi controls"),
    pytest.param("".join(INVISIBLE), id="separators, format, private use, tags"),
]
MARKED = re.compile(rb"<<(.*?)>>", re.S)


def marked(payload: str) -> str:
    return f"<<{payload}>>"


def hostile_order(payload: str):
    return fired_order([OrderItemRequest(menu_item_id="burger", notes=marked(payload))],
                       table=marked(payload[:16]), customer_name=marked(payload),
                       notes=marked(payload))


def assert_plain_text_between_markers(data: bytes, expected_fields: int) -> None:
    segments = MARKED.findall(data)
    assert len(segments) >= expected_fields, data
    for segment in segments:
        assert all(0x20 <= byte != 0x7F for byte in segment), segment


def assert_every_text_block_printable(document) -> None:
    for block in document.blocks:
        if isinstance(block, Text):
            assert block.text.isprintable() or block.text == "", repr(block.text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_ticket_and_receipt_bytes_carry_no_command_from_typed_text(payload):
    order = hostile_order(payload)
    for document in (kitchen_ticket(order, order.tickets[0]), customer_receipt(order)):
        printer = Dummy()
        render(document, printer)
        assert_every_text_block_printable(document)
        # table (receipt and ticket), customer name and notes on the ticket, item notes
        assert_plain_text_between_markers(printer.output, 1)
        assert printer.output.count(b"\x1dV") == 1  # only the layout's own cut, at the end
        assert b"\x1bp" not in printer.output and b"\x10\x14" not in printer.output


def test_every_control_in_every_field_still_prints_the_readable_part():
    order = fired_order([OrderItemRequest(menu_item_id="burger", notes=f"no{EVERY_CONTROL} salt")],
                        table=f"T{chr(0x1b)}4", customer_name=f"\u202eAna\x1bp\x00",
                        notes=f"ring\r\nbell\x1d!\x11")
    printer = Dummy()
    document = kitchen_ticket(order, order.tickets[0])
    render(document, printer)
    assert_every_text_block_printable(document)
    words = " ".join(document.plain_text().split())
    # a control's lead byte goes, the letters after it stay (harmless); line breaks become spaces
    assert "Table T4 Anap" in words and "! no ? salt" in words and "NOTE: ring bell !" in words
    assert b"\x1b!\x11" not in printer.output and b"\x1d!" not in printer.output


def test_wide_script_text_drawn_as_a_picture_is_cleaned_too():
    order = fired_order([OrderItemRequest(menu_item_id="tteok", notes="맵게\x1bp\x00\u202e\n매운")])
    document = kitchen_ticket(order, order.tickets[0])
    assert_every_text_block_printable(document)
    assert any(isinstance(b, Text) and "맵게" in b.text and "매운" in b.text for b in document.blocks)


@pytest.mark.parametrize("fields", [
    {"table": "a\nb"}, {"notes": "x\r\ny"}, {"notes": "x\x1dy"}, {"customer_name": "\u202eAna\x00"},
], ids=["newline in table", "CRLF in notes", "GS in notes", "bidi and NUL in name"])
def test_previews_of_typed_controls_render(fields):
    order = fired_order(**fields)
    for document in (kitchen_ticket(order, order.tickets[0]), customer_receipt(order)):
        image = Image.open(io.BytesIO(preview_png(document)))
        assert image.format == "PNG" and image.height > 100


def test_the_network_printer_receives_only_the_layouts_commands(store, fakes, print_service):
    grill = fakes()
    print_service([network_printer("grill", grill, ["grill"])])
    kick = SEQUENCES["drawer kick (ESC p)"] + SEQUENCES["full cut (GS V 0)"]
    place_order(store, "cheeseburger", table=marked("7\x1dV\x00"), customer_name=marked(kick),
                notes=marked(EVERY_CONTROL + kick))
    assert grill.wait_for(lambda f: len(f.printed()) == 1, timeout=10)
    data = bytes(grill.printed()[0].data)
    assert len(grill.printouts()) == 1  # one cut: the ticket's own
    assert_plain_text_between_markers(data, 3)
    assert b"\x1bp" not in data and b"\x1d!" not in data
