"""Text a thermal printer can show, and lines drawn as pictures when its code pages cannot.

ESC/POS printers print text through 8-bit code pages. Latin text (é, ñ, ü, ß, €) is in CP858,
which every ESC/POS profile we ship has, so it prints as text. Anything else (CJK, Hangul) is
drawn with a font into a raster image when a font that covers it is installed
(``fonts-wqy-microhei`` on the appliance); without one it degrades to a readable ASCII fold
(accents dropped, one ``?`` per unknown character) rather than the garbage an unknown code page
produces.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

NATIVE_CODEPAGE = "cp858"
MONO_FONTS = {
    False: ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",),
    True: ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",),
}
WIDE_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Han, kana, Hangul and Latin in one font
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
# Characters no Latin code page has, but that have an obvious ASCII spelling.
ASCII_SPELLINGS = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u0153": "oe", "\u0152": "OE", "\u00a0": " ",
    "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0131": "i", "\u0127": "h",
}


def printable_natively(text: str) -> bool:
    try:
        text.encode(NATIVE_CODEPAGE)
    except UnicodeEncodeError:
        return False
    return True


def fold_to_codepage(text: str) -> str:
    """The closest text the code page can print: accents dropped, unknown characters as ``?``."""
    out = []
    for ch in text:
        if printable_natively(ch):
            out.append(ch)
        elif ch in ASCII_SPELLINGS:
            out.append(ASCII_SPELLINGS[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out.append(base if base and printable_natively(base) else "?")
    return "".join(out)


@functools.cache
def _font_path(candidates: tuple[str, ...]) -> str | None:
    return next((path for path in candidates if Path(path).is_file()), None)


def wide_font_available() -> bool:
    return _font_path(WIDE_FONTS) is not None


@functools.cache
def _font(bold: bool, wide: bool, size: int) -> ImageFont.ImageFont:
    path = _font_path(WIDE_FONTS if wide else MONO_FONTS[bold])
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def cell_font_size(width_px: int, columns: int) -> int:
    # DejaVu Sans Mono advances 0.602 em per character.
    return max(int(width_px / columns / 0.602), 8)


def line_image(text: str, *, width_px: int, columns: int, bold: bool = False, size: str = "normal",
               align: str = "left", invert: bool = False, underline: bool = False) -> Image.Image:
    """One printed line as a 1-bit picture ``width_px`` wide, as the printer would show it."""
    font_size = cell_font_size(width_px, columns) * (2 if size == "large" else 1)
    wide = not printable_natively(text)
    font = _font(bold, wide and wide_font_available(), font_size)
    shown = text if not wide or wide_font_available() else fold_to_codepage(text)
    left, top, right, bottom = font.getbbox(shown or " ")
    line_height = int(font_size * 1.25)
    image = Image.new("1", (width_px, line_height), 1)
    draw = ImageDraw.Draw(image)
    text_width = right - left
    x = {"left": 0, "center": (width_px - text_width) // 2, "right": width_px - text_width}[align]
    x = max(x, 0)
    if invert:
        draw.rectangle((0, 0, width_px, line_height), fill=0)
    ink = 1 if invert else 0
    draw.text((x, (line_height - font_size) // 2), shown, font=font, fill=ink)
    if wide and bold and wide_font_available():  # the fallback font has no bold: overstrike it
        draw.text((x + 1, (line_height - font_size) // 2), shown, font=font, fill=ink)
    if underline:
        draw.line((x, line_height - 2, x + text_width, line_height - 2), fill=ink, width=2)
    if size == "tall":
        image = image.resize((width_px, line_height * 2))
    return image
