"""People's names as the box stores them: one spelling per name, no look-alikes.

A user name is shown on tickets, in the audit log and in the tablets' user picker, and a login may
name its user. So a name is normalised (NFKC: a full-width ``Ｓａｍ`` is ``Sam``) and refused when
it hides something: control and format characters (``\\u200b``, bidi overrides), letters from
scripts that do not belong together (``Аlex`` with a Cyrillic A), or a spelling that reads like
an existing user's (``Сеса`` in Cyrillic next to ``Ceca``).
"""

from __future__ import annotations

import re
import unicodedata

from edge.domain.errors import Invalid

MAX_NAME = 40
# Scripts that are written together: Japanese mixes Han and kana, Korean Han and Hangul.
SCRIPT_FAMILIES = ({"CJK", "HIRAGANA", "KATAKANA"}, {"CJK", "HANGUL"})
# Letters of other scripts that print like Latin ones (a subset of Unicode's confusables.txt
# for the scripts a restaurant's staff is likely to type).
LOOKS_LATIN = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ζ": "z",
    "0": "o", "1": "l", "|": "l", "5": "s",
})


def clean_user_name(name: str) -> str:
    """The name to store, or Invalid (code ``invalid_name``) saying what is wrong with it."""
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise Invalid(f"a name is 1 to {MAX_NAME} characters", code="invalid_name")
    hidden = [ch for ch in name if unicodedata.category(ch)[0] == "C"]
    if hidden:
        raise Invalid("a name cannot contain invisible or control characters "
                      f"({', '.join(f'U+{ord(ch):04X}' for ch in hidden)})", code="invalid_name")
    scripts = letter_scripts(name)
    if len(scripts) > 1 and not any(scripts <= family for family in SCRIPT_FAMILIES):
        raise Invalid(f"a name mixes letters of {' and '.join(sorted(scripts))} scripts; "
                      "type it in one script", code="invalid_name")
    return name


def letter_scripts(text: str) -> set[str]:
    """The scripts of the letters in ``text`` (digits, spaces, marks and punctuation have none)."""
    scripts = set()
    for ch in text:
        if unicodedata.category(ch)[0] == "L":
            script = unicodedata.name(ch, "UNKNOWN").split()[0]
            scripts.add("CJK" if script in ("CJK", "IDEOGRAPHIC") else script)
    return scripts


def skeleton(name: str) -> str:
    """What a name looks like: case, accents and Latin look-alikes folded away."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return folded.translate(LOOKS_LATIN).replace("rn", "m").replace(" ", "")
