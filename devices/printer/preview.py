"""Render a layout ``Document`` as a PNG, so a manager can see a ticket without a printer."""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw

from devices.printer import glyphs
from devices.printer.escpos_render import DOTS_58MM, DOTS_80MM
from devices.printer.layout import QR, Cut, Document, Feed, Rule, Text

MARGIN = 16


def preview_image(document: Document) -> Image.Image:
    width_px = DOTS_80MM if document.width > 32 else DOTS_58MM
    strips = [_strip(block, document.width, width_px) for block in document.blocks]
    height = sum(strip.height for strip in strips) + 2 * MARGIN
    paper = Image.new("1", (width_px + 2 * MARGIN, height), 1)
    y = MARGIN
    for strip in strips:
        paper.paste(strip, (MARGIN, y))
        y += strip.height
    return paper


def preview_png(document: Document) -> bytes:
    buffer = io.BytesIO()
    preview_image(document).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _strip(block, columns: int, width_px: int) -> Image.Image:
    if isinstance(block, Text):
        return glyphs.line_image(block.text, width_px=width_px, columns=columns, bold=block.bold,
                                 size=block.size, align=block.align, invert=block.invert,
                                 underline=block.underline)
    if isinstance(block, Rule):
        return glyphs.line_image(block.char * columns, width_px=width_px, columns=columns)
    if isinstance(block, Feed):
        line = glyphs.line_image("", width_px=width_px, columns=columns)
        return line.resize((width_px, line.height * block.lines))
    if isinstance(block, QR):
        return _qr_strip(block, width_px)
    if isinstance(block, Cut):
        return _cut_strip(width_px)
    raise TypeError(f"unknown layout block {block!r}")


def _qr_strip(block: QR, width_px: int) -> Image.Image:
    code = qrcode.QRCode(box_size=block.size, border=2)
    code.add_data(block.data)
    picture = code.make_image().get_image().convert("1")
    strip = Image.new("1", (width_px, picture.height), 1)
    strip.paste(picture, ((width_px - picture.width) // 2, 0))
    return strip


def _cut_strip(width_px: int) -> Image.Image:
    strip = Image.new("1", (width_px, 40), 1)
    draw = ImageDraw.Draw(strip)
    for x in range(0, width_px, 12):
        draw.line((x, 28, x + 6, 28), fill=0, width=2)
    return strip
