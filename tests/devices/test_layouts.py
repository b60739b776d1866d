"""Layouts as data, rendered onto python-escpos printers (Dummy, File) and into PNG previews."""

from __future__ import annotations

import io

import pytest
from escpos.printer import Dummy
from PIL import Image

from devices.printer import glyphs
from devices.printer.backends import make_printer
from devices.printer.escpos_render import render, render_bytes
from devices.printer.layout import (QR, Cut, ReceiptStyle, Text, customer_receipt, kitchen_ticket, money,
                                    two_columns)
from devices.printer.preview import preview_png
from edge.domain.orders import OrderItemRequest
from edge.settings import PrinterSettings
from tests.devices.orders import fired_order

BOLD_ON, CUT = b"\x1bE\x01", b"\x1dV\x00"
DOUBLE_SIZE, DOUBLE_HEIGHT = b"\x1b!0", b"\x1b!\x10"
INVERT_ON, UNDERLINE_ON = b"\x1dB\x01", b"\x1b-\x01"
RASTER = b"\x1dv0\x00"


def test_kitchen_ticket_carries_what_the_cook_needs():
    order = fired_order(table="7", customer_name="Ana", notes="allergy: nuts")
    grill = order.tickets[0]
    text = kitchen_ticket(order, grill, timezone="Europe/Paris").plain_text()
    for expected in ("GRILL", "#42", "DINE IN", "Table 7  Ana", "2026-11-28 20:02", "2 x Burger",
                     "  + No onions", "  + Extra cheese", "  ! well done", "NOTE: allergy: nuts"):
        assert expected in text
    assert "REPRINT" not in text and "Fries" not in text  # fries are the fry station's ticket


def test_an_added_ticket_says_added_and_voided_items_leave_ticket_and_receipt():
    order = fired_order()
    grill = order.tickets[0].model_copy(update={"amendment": "added"})
    assert "ADDED" in kitchen_ticket(order, grill).plain_text()
    assert "ADDED" not in kitchen_ticket(order, order.tickets[0]).plain_text()
    burger = order.items[0]
    voided = order.model_copy(update={"items": [burger.model_copy(update={"voided_at": burger.done_at or order.fired_at,
                                                                          "void_reason": "mistake"}),
                                                *order.items[1:]]})
    assert "Burger" not in kitchen_ticket(voided, voided.tickets[0]).plain_text()
    assert "Burger" not in customer_receipt(voided).plain_text()


def test_courses_are_headed_only_when_a_ticket_has_several():
    order = fired_order([OrderItemRequest(menu_item_id="burger", modifier_ids=[]),
                         OrderItemRequest(menu_item_id="tteok", course=2)])
    assert "--- COURSE 2 ---" in kitchen_ticket(order, order.tickets[0]).plain_text()
    single = fired_order([OrderItemRequest(menu_item_id="fries")])
    assert "COURSE" not in kitchen_ticket(single, single.tickets[0]).plain_text()


def test_ticket_bytes_emphasise_station_items_modifiers_and_notes_and_end_with_a_cut():
    order = fired_order(type="takeout", customer_name="Bo")
    data = render_bytes(kitchen_ticket(order, order.tickets[0], reprint=True))
    assert data.startswith(b"\x1b@")                                  # initialise
    assert INVERT_ON + b"*" in data and b" REPRINT " in data           # white-on-black banner
    assert DOUBLE_SIZE in data.split(b"GRILL\n")[0][-40:]              # station in large type
    assert BOLD_ON in data.split(b"2 x Burger\n")[0][-40:]             # items bold and tall
    assert DOUBLE_HEIGHT in data.split(b"2 x Burger\n")[0][-40:]
    assert BOLD_ON in data.split(b"  + No onions\n")[0][-40:]          # modifiers bold
    assert UNDERLINE_ON in data.split(b"  ! well done\n")[0][-40:]     # notes bold and underlined
    assert INVERT_ON in data.split(b"TAKEOUT\n")[0][-40:]              # takeout stands out
    assert data.endswith(b"\x1bd\x06" + CUT)                           # feed, full cut


def test_receipt_totals_add_up_and_carry_a_qr_of_the_order_id():
    order = fired_order(table="3")
    style = ReceiptStyle(restaurant_name="Chez Zoë", header_lines=("1 Rue de la Paix",),
                         footer_lines=("Merci !",), currency="EUR")
    document = customer_receipt(order, style)
    text = document.plain_text()
    assert "Chez Zoë" in text and "Order #42" in text and "Merci !" in text
    assert two_columns("Subtotal", "€40.50", 42)[0] in text
    assert two_columns("TOTAL", "€44.04", 42)[0] in text  # 4050 + tax 354 (8.75 %, rounded half up)
    assert "   + Extra cheese" in text and "€1.50" in text
    assert QR(order.id) in document.blocks and isinstance(document.blocks[-1], Cut)
    data = render_bytes(document)
    assert b"\x1d(k" in data and order.id.encode() in data  # GS ( k: native QR with the id
    assert b"Chez Zo\x89" in data  # ë in CP858 (ESC t 19 selected up front)
    assert b"\x1bt\x13" in data[:10]


@pytest.mark.parametrize("text, expected", [
    ("Crème brûlée", b"Cr\x8ame br\x96l\x82e"),
    ("Jalapeño", b"Jalape\xa4o"),
    ("Müller Straße", b"M\x81ller Stra\xe1e"),
])
def test_latin_text_prints_in_the_code_page(text, expected):
    printer = Dummy()
    order = fired_order(customer_name=text)
    render(kitchen_ticket(order, order.tickets[0]), printer)
    assert expected in printer.output


def test_cjk_and_hangul_print_as_pictures_not_garbage():
    order = fired_order([OrderItemRequest(menu_item_id="tteok", notes="맵게 extra spicy"),
                         OrderItemRequest(menu_item_id="ramen")])
    data = render_bytes(kitchen_ticket(order, order.tickets[0]))
    assert glyphs.wide_font_available(), "fonts-wqy-microhei is a test dependency (Makefile TEST_DEBS)"
    assert data.count(RASTER) == 3  # two item lines and the note, drawn
    assert "떡".encode("cp949") not in data and "牛".encode("cp932") not in data
    assert b"?" not in without_pictures(data)


def without_pictures(data: bytes) -> bytes:
    """The bytes with every GS v 0 raster picture cut out (its pixels may be any byte)."""
    out = bytearray()
    while (start := data.find(RASTER)) >= 0:
        width_bytes = int.from_bytes(data[start + 4:start + 6], "little")
        height = int.from_bytes(data[start + 6:start + 8], "little")
        out += data[:start]
        data = data[start + 8 + width_bytes * height:]
    return bytes(out + data)


def test_without_a_wide_font_text_degrades_readably(monkeypatch):
    monkeypatch.setattr(glyphs, "wide_font_available", lambda: False)
    assert glyphs.fold_to_codepage("떡볶이 Tteokbokki") == "??? Tteokbokki"
    assert glyphs.fold_to_codepage("Crème “brûlée” – œuf…") == "Crème \"brûlée\" - oeuf..."
    assert glyphs.fold_to_codepage("Łódź") == "Lódz"  # ó is in CP858; Ł and ź are not: spelt plainly
    printer = Dummy()
    render(customer_receipt(fired_order([OrderItemRequest(menu_item_id="ramen")])), printer)
    assert b"1 ???" in printer.output and RASTER not in printer.output


def test_long_names_wrap_within_the_paper_width():
    lines = two_columns("2 Extraordinarily long burger name with everything on it", "$128.00", 32)
    assert all(len(line) <= 32 for line in lines) and lines[-1].endswith("$128.00")
    assert money(-150, "USD") == "-$1.50" and money(123456, "KRW") == "1,234.56 KRW"


def test_file_backend_appends_every_job(tmp_path):
    target = tmp_path / "printer.bin"
    settings = PrinterSettings(name="file", backend="file", path=str(target))
    order = fired_order()
    for ticket in order.tickets:
        printer = make_printer(settings)
        render(kitchen_ticket(order, ticket), printer)
        printer.close()
    data = target.read_bytes()
    assert data.count(CUT) == len(order.tickets) == 3
    assert b"GRILL\n" in data and b"FRY\n" in data and b"COLD\n" in data


def test_preview_is_a_png_as_wide_as_the_paper():
    order = fired_order()
    png = preview_png(kitchen_ticket(order, order.tickets[0], reprint=True))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 576 + 32
    narrow = Image.open(io.BytesIO(preview_png(customer_receipt(order, width=32))))
    assert narrow.width == 384 + 32
    pixels = image.convert("L").crop((16, 16, 592, 40))  # the REPRINT banner is mostly black
    dark = pixels.point(lambda p: 255 if p < 128 else 0).histogram()[255]
    assert dark > 0.5 * pixels.width * pixels.height


def test_text_block_defaults_are_plain():
    assert Text("x") == Text("x", align="left", bold=False, size="normal", invert=False, underline=False)


def test_an_unknown_printer_profile_is_refused_at_start_not_at_every_job():
    from devices.printer.service import PrintService

    with pytest.raises(ValueError, match="unknown profile 'TM-T88X'.*TM-T88V"):
        PrintService(None, [PrinterSettings(name="grill", backend="dummy", profile="TM-T88X")])
    PrintService(None, [PrinterSettings(name="grill", backend="dummy", profile="TM-T88V")])


def test_a_profile_with_its_own_paper_width_draws_pictures_that_wide():
    order = fired_order([OrderItemRequest(menu_item_id="ramen")])
    data = render_bytes(kitchen_ticket(order, order.tickets[0]), profile="TM-T88V")  # 512 dots
    start = data.index(RASTER)
    assert int.from_bytes(data[start + 4:start + 6], "little") == 512 // 8
