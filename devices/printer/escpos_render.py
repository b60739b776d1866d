"""Render a layout ``Document`` onto any python-escpos printer (Network, Usb, Serial, File, Dummy)."""

from __future__ import annotations

from escpos.escpos import Escpos
from PIL import Image, ImageOps
from escpos.printer import Dummy

from devices.printer import glyphs
from devices.printer.backends import send_raw
from devices.printer.layout import QR, Cut, Document, Feed, Rule, Text

DOTS_80MM = 576
DOTS_58MM = 384


def paper_dots(printer: Escpos, width_chars: int) -> int:
    """Printable width in dots: from the capability profile when it knows, else from the width."""
    pixels = printer.profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    if isinstance(pixels, int) and pixels > 0:
        return pixels
    return DOTS_80MM if width_chars > 32 else DOTS_58MM


def render(document: Document, printer: Escpos) -> None:
    printer.hw("INIT")
    _select_codepage(printer)
    for block in document.blocks:
        if isinstance(block, Text):
            _text(printer, block, document.width)
        elif isinstance(block, Rule):
            printer.set_with_default()
            printer.textln(block.char * document.width)
        elif isinstance(block, Feed):
            printer.ln(block.lines)
        elif isinstance(block, QR):
            printer.set_with_default(align="center")
            printer.qr(block.data, size=block.size, native=True, center=False)
        elif isinstance(block, Cut):
            printer.cut()


def render_bytes(document: Document, *, profile: str | None = None) -> bytes:
    """The exact bytes a printer with this profile receives for the document."""
    dummy = Dummy(profile=None if profile in (None, "default") else profile)
    render(document, dummy)
    return dummy.output


def _select_codepage(printer: Escpos) -> None:
    """Pin the Latin code page our text is folded to; a profile without it keeps magic encoding."""
    try:
        printer.magic.force_encoding(glyphs.NATIVE_CODEPAGE.upper())
    except Exception:  # escpos raises its own ValueError subclasses for unknown code pages
        pass


def _text(printer: Escpos, block: Text, width: int) -> None:
    if glyphs.printable_natively(block.text) or not glyphs.wide_font_available():
        printer.set_with_default(
            align=block.align, bold=block.bold, underline=1 if block.underline else 0,
            invert=block.invert, double_width=block.size == "large",
            double_height=block.size in ("tall", "large"),
        )
        printer.textln(glyphs.fold_to_codepage(block.text))
        return
    image = glyphs.line_image(
        block.text, width_px=paper_dots(printer, width), columns=width, bold=block.bold,
        size=block.size, align=block.align, invert=block.invert, underline=block.underline,
    )
    printer.set_with_default()
    send_raw(printer, raster_command(image))


def raster_command(image: Image.Image) -> bytes:
    """GS v 0: a 1-bit picture (what escpos' ``image()`` sends, minus its stdout chatter)."""
    ink = ImageOps.invert(image.convert("L")).convert("1")  # ESC/POS wants 1 = black dot
    width_bytes = (ink.width + 7) // 8
    header = b"\x1dv0\x00" + width_bytes.to_bytes(2, "little") + ink.height.to_bytes(2, "little")
    return header + ink.tobytes()
