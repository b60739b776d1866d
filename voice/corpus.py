"""Sentences of the menu's orders, from which the pocketsphinx engine builds its language model.

A grammar decoder with no model of word order strings anything together ("pickle we'll take" for
"table twelve"), and pocketsphinx's grammar search grows slow on a full menu. A small trigram
model trained on sentences of the shape orders take is fast and keeps the decoder on that shape:
an item followed by its own choices, "table" followed by a number, lead-ins at the start. Built
from the same lexicon as the parser, so the recogniser only hears what the parser reads.
"""

from __future__ import annotations

from collections.abc import Callable

from voice.language import MODIFIER_KEYWORDS
from voice.lexicon import PLAIN, Lexicon

QUANTITIES = ("a", "one", "two", "three", "four", "five", "six", "ten", "twelve", "an", "twenty", "a dozen")
TABLES = range(1, 41)
LEADS = ("", "can i get", "i'd like", "let me get", "can i have", "give me")
CLOSINGS = ("", "please", "thanks", "thank you", "that's it", "that's all", "confirm")
COMMAND_KINDS = ("make_that", "actually", "remove", "cancel", "confirm", "takeout", "dine_in")


def order_sentences(lexicon: Lexicon, knows: Callable[[str], bool]) -> list[str]:
    """A few thousand plausible utterances; every word in them is one the model knows."""
    sentences: list[str] = []
    numbers = _known(lexicon, "number", knows)
    quantities = [q for q in QUANTITIES if q in numbers]
    tables = [t for t in _known(lexicon, "table_number", knows) if t in _spoken_numbers(lexicon, TABLES)]
    keywords = {kind: _known(lexicon, kind, knows) for kind in MODIFIER_KEYWORDS}
    lines = []
    for item in lexicon.menu.items:
        forms = {f for n in lexicon.item_names(item) for f in _forms(lexicon, n) if knows(f)}
        # "cheese burger" beside "cheeseburger": the same sounds spelt twice would split the
        # decoder's confidence between them, so only the one-word spelling is in the model.
        names = sorted(f for f in forms if not (" " in f and f.replace(" ", "") in forms))
        for name in names:
            for quantity in quantities:
                lines.append(f"{quantity} {name}")
            for kind, spoken, _ in lexicon.modifier_keys[item.id]:
                if not knows(spoken) or name != names[0] and kind != PLAIN:
                    continue
                if kind == PLAIN:
                    lines.extend(f"{q} {spoken} {name}" for q in quantities[:3])
                    lines.append(f"{quantities[3]} {name} {spoken}")
                    lines.append(f"{quantities[4]} {name} with {spoken}")
                else:
                    lines.extend(f"{quantities[i % 4 + 1]} {name} {k} {spoken}" for i, k in enumerate(keywords[kind]))
    sentences.extend(lines)
    for index, line in enumerate(lines):  # joined in pairs, with leads, tables and closings
        other = lines[(index * 7 + 3) % len(lines)]
        lead, closing = LEADS[index % len(LEADS)], CLOSINGS[index % len(CLOSINGS)]
        table = tables[index % len(tables)] if tables else ""
        sentences.append(" ".join(w for w in (lead, line, "and", other, "table", table, closing) if w))
    sentences.extend(f"table {t}" for t in tables)
    sentences.extend(f"table number {t}" for t in tables if knows("number"))
    for kind in COMMAND_KINDS:
        for phrase in _known(lexicon, kind, knows):
            sentences.append(phrase)
            sentences.extend(f"{phrase} {q}" for q in quantities[2:6])
    return [s for s in sentences if all(knows(w) for w in s.split())]


def _forms(lexicon: Lexicon, name: str) -> set[str]:
    """A name's singular and plural, but not a plural of a plural ("wingses", "frieses"), which the
    parser tolerates but nobody says: in the model they would only pull words apart."""
    base = " ".join(name.lower().split())
    return {f for f in lexicon.pack.spoken_forms(name) if not (base.endswith("s") and len(f) > len(base))}


def _known(lexicon: Lexicon, kind: str, knows: Callable[[str], bool]) -> list[str]:
    phrases = {" ".join(words) for words, meanings in lexicon.phrases.items()
               if any(m.kind == kind for m in meanings) and not any(w.isdigit() for w in words)}
    return sorted(p for p in phrases if knows(p))


def _spoken_numbers(lexicon: Lexicon, values) -> set[str]:
    wanted = set(values)
    return {phrase for phrase, value in lexicon.pack.table_numbers.values.items() if value in wanted}
