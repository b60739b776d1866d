"""Language packs: the words of ordering in one language, loaded from ``voice/lang/<code>.toml``.

A pack is data (number words, fillers, modifier keywords, correction words, word order); the
parser and the grammar builder read it, so adding a language means adding a file, not code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

PACK_DIR = Path(__file__).parent / "lang"
MAX_QUANTITY = 99


class LanguagePackError(ValueError):
    """A language pack is missing or malformed; the message names the file and the key."""


@dataclass(frozen=True)
class NumberWords:
    """Spoken numbers 0-99: every phrase that means a number, and which are digits (0-9)."""

    values: dict[str, int]
    articles: dict[str, int] = field(default_factory=dict)
    table_only: frozenset[str] = frozenset()


Position = Literal["before", "after"]  # a number or keyword before or after what it counts


@dataclass(frozen=True)
class LanguagePack:
    code: str
    quantity_position: Position
    keyword_position: Position
    quantity_numbers: NumberWords
    table_numbers: NumberWords
    phrases: dict[str, tuple[str, ...]]  # kind -> phrases (fillers, table, no, cancel, ...)
    plural_rules: tuple[tuple[str, str], ...]

    def spoken_forms(self, name: str) -> set[str]:
        """A name and its plural forms: "cheeseburger" -> {"cheeseburger", "cheeseburgers", ...}."""
        base = normalize(name)
        forms = {base}
        for ending, replacement in self.plural_rules:
            if base and base.endswith(replacement):  # the name is plural: "onions" -> "onion"
                forms.add(base[: len(base) - len(replacement)] + ending)
        for ending, replacement in self.plural_rules:
            if base and base.endswith(ending):
                forms.add(base[: len(base) - len(ending)] + replacement)
                break
        return forms


PHRASE_KINDS = {
    ("words", "fillers"): "filler",
    ("words", "table"): "table",
    ("words", "table_suffix"): "table_suffix",
    ("words", "counters"): "counter",
    ("words", "takeout"): "takeout",
    ("words", "dine_in"): "dine_in",
    ("modifiers", "no"): "no",
    ("modifiers", "extra"): "extra",
    ("modifiers", "add"): "add",
    ("corrections", "make_that"): "make_that",
    ("corrections", "actually"): "actually",
    ("corrections", "remove"): "remove",
    ("corrections", "cancel"): "cancel",
    ("corrections", "confirm"): "confirm",
}
MODIFIER_KEYWORDS = ("no", "extra", "add")


def normalize(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: how transcripts and names are compared."""
    kept = "".join(ch if ch.isalnum() or ch == "'" else " " for ch in text.lower())
    return " ".join(word.strip("'") for word in kept.split() if word.strip("'"))


@lru_cache(maxsize=8)
def load_pack(code: str) -> LanguagePack:
    path = PACK_DIR / f"{code}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in PACK_DIR.glob("*.toml"))
        raise LanguagePackError(f"no language pack {code!r} (known: {', '.join(known)})")
    return parse_pack(tomllib.loads(path.read_text(encoding="utf-8")), source=str(path))


def parse_pack(data: dict, *, source: str = "<pack>") -> LanguagePack:
    try:
        order = data["order"]
        numbers = data["numbers"]
        quantity = _number_words(numbers["quantity"])
        table_section = numbers["table"]
        table = quantity if table_section.get("same_as") == "quantity" else _number_words(table_section)
        phrases = {kind: tuple(normalize(p) for p in data[section].get(key, ()))
                   for (section, key), kind in PHRASE_KINDS.items()}
        return LanguagePack(
            code=data["language"],
            quantity_position=_position(order, "quantity"),
            keyword_position=_position(order, "modifier_keyword"),
            quantity_numbers=quantity,
            table_numbers=table,
            phrases=phrases,
            plural_rules=tuple((drop, add) for drop, add in data.get("plurals", {}).get("rules", ())),
        )
    except KeyError as missing:
        raise LanguagePackError(f"{source}: missing key {missing}") from None


def _position(order: dict, key: str) -> Position:
    value = order[key]
    if value not in get_args(Position):
        raise LanguagePackError(f"order.{key} must be 'before' or 'after', got {value!r}")
    return value


def _number_words(section: dict) -> NumberWords:
    """All phrases for 0-99: units, tens, and tens followed by a unit ("twenty one", "이십일")."""
    units = {normalize(word): value for word, value in section["units"].items()}
    tens = {normalize(word): value for word, value in section.get("tens", {}).items()}
    joiners = (" ", "") if section.get("joined") else (" ",)
    values = {**units, **tens}
    for ten_word, ten in tens.items():
        for unit_word, unit in units.items():
            if 1 <= unit <= 9 and ten % 10 == 0 and ten + unit <= MAX_QUANTITY:
                for joiner in joiners:
                    values.setdefault(f"{ten_word}{joiner}{unit_word}", ten + unit)
    articles = {normalize(word): value for word, value in section.get("articles", {}).items()}
    return NumberWords(values=values, articles=articles,
                       table_only=frozenset(normalize(w) for w in section.get("table_only", ())))
