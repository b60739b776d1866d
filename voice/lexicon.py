"""The lexicon: every phrase the parser understands, built from a menu and a language pack.

The parser and the vosk grammar share it, so the recogniser can only hear what the parser can
read. A phrase may mean several things ("medium" is a doneness and a size; "two" is a quantity
and a table digit); the parser picks the meaning from context.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from edge.domain.menu import Menu, MenuItem, Modifier
from voice.language import MODIFIER_KEYWORDS, LanguagePack, normalize

PLAIN = "plain"
IGNORED_KINDS = frozenset({"filler", "counter", "table_suffix"})


@dataclass(frozen=True)
class Meaning:
    kind: str  # number, table_number, item, mod, filler, table, no, extra, add, cancel, ...
    value: object = None
    article: bool = False  # "a", "an": a quantity only in front of an item


@dataclass(frozen=True)
class Token:
    meanings: tuple[Meaning, ...]
    start: int  # index of the first word in the utterance
    end: int  # one past the last word
    text: str

    def has(self, kind: str) -> bool:
        return any(m.kind == kind for m in self.meanings)

    def value(self, kind: str):
        return next(m.value for m in self.meanings if m.kind == kind)

    def values(self, kind: str) -> set:
        return {m.value for m in self.meanings if m.kind == kind}

    def meaning(self, kind: str) -> Meaning:
        return next(m for m in self.meanings if m.kind == kind)

    @property
    def unknown(self) -> bool:
        return not self.meanings


def modifier_key(modifier: Modifier, pack: LanguagePack) -> tuple[str, str]:
    """(keyword kind, spoken object): "No onions" -> ("no", "onions"); "Large" -> ("plain", "large")."""
    name = normalize(modifier.name)
    for kind in MODIFIER_KEYWORDS:
        for keyword in sorted(pack.phrases[kind], key=len, reverse=True):
            if pack.keyword_position == "before" and name.startswith(keyword + " "):
                return kind, name[len(keyword) + 1:]
            if pack.keyword_position == "after" and name.endswith(" " + keyword):
                return kind, name[: -len(keyword) - 1]
    return PLAIN, name


class Lexicon:
    """Phrase -> meanings for one menu in one language."""

    def __init__(self, menu: Menu, pack: LanguagePack):
        self.menu = menu
        self.pack = pack
        self.phrases: dict[tuple[str, ...], list[Meaning]] = {}
        self._add_keywords()
        self._add_numbers()
        self._add_menu()
        self.longest = max((len(p) for p in self.phrases), default=1)

    def _add(self, phrase: str, meaning: Meaning) -> None:
        words = tuple(normalize(phrase).split())
        if words and meaning not in self.phrases.setdefault(words, []):
            self.phrases[words].append(meaning)

    def _add_keywords(self) -> None:
        for kind, phrases in self.pack.phrases.items():
            for phrase in phrases:
                self._add(phrase, Meaning(kind))

    def _add_numbers(self) -> None:
        quantity, table = self.pack.quantity_numbers, self.pack.table_numbers
        for phrase, value in quantity.values.items():
            if phrase not in quantity.table_only:
                self._add(phrase, Meaning("number", value))
        for phrase, value in quantity.articles.items():
            self._add(phrase, Meaning("number", value, article=value == 1))
        for phrase, value in table.values.items():
            self._add(phrase, Meaning("table_number", value))
        for value in range(100):  # digits typed into a text transcript
            self._add(str(value), Meaning("number", value))
            self._add(str(value), Meaning("table_number", value))

    def _add_menu(self) -> None:
        for item in self.menu.items:
            for name in self.item_names(item):
                for form in self.pack.spoken_forms(name):
                    self._add(form, Meaning("item", item.id))
            for group in item.modifier_groups:
                for modifier in group.modifiers:
                    _, spoken = modifier_key(modifier, self.pack)
                    for form in self.pack.spoken_forms(spoken):
                        self._add(form, Meaning("mod", spoken))

    @staticmethod
    def item_names(item: MenuItem) -> list[str]:
        return [item.name, *item.aliases]

    @cached_property
    def modifier_keys(self) -> dict[str, list[tuple[str, str, Modifier]]]:
        """item id -> [(keyword kind, spoken object, modifier)] for the item's own modifiers."""
        return {
            item.id: [(*modifier_key(m, self.pack), m) for g in item.modifier_groups for m in g.modifiers]
            for item in self.menu.items
        }

    def tokenize(self, words: list[str]) -> list[Token]:
        """Longest-match phrases; fillers dropped; an unknown word is a token with no meaning."""
        tokens: list[Token] = []
        position = 0
        while position < len(words):
            for length in range(min(self.longest, len(words) - position), 0, -1):
                phrase = tuple(words[position:position + length])
                meanings = self.phrases.get(phrase)
                if meanings:
                    break
            else:
                length, meanings = 1, []
            if not meanings or not all(m.kind in IGNORED_KINDS for m in meanings):
                kept = tuple(m for m in meanings if m.kind not in IGNORED_KINDS)
                tokens.append(Token(kept, position, position + length, " ".join(phrase)))
            position += length
        return self._keyword_first(tokens) if self.pack.keyword_position == "after" else tokens

    @staticmethod
    def _keyword_first(tokens: list[Token]) -> list[Token]:
        """Languages that say the keyword after its object ("양파 빼고") are read as "빼고 양파"."""
        swapped = list(tokens)
        for index in range(len(swapped) - 1):
            here, following = swapped[index], swapped[index + 1]
            object_then_keyword = here.has("mod") and any(following.has(k) for k in MODIFIER_KEYWORDS)
            item_then_removal = here.has("item") and (following.has("remove") or following.has("cancel"))
            if object_then_keyword or item_then_removal:
                swapped[index], swapped[index + 1] = following, here
        return swapped

    def vocabulary(self) -> set[str]:
        """Every single word of every phrase: what the speech grammar must contain."""
        return {word for phrase in self.phrases for word in phrase if not word.isdigit()}
