"""The speech grammar: the phrases of the lexicon that the model can actually hear.

vosk takes the phrases as a list; pocketsphinx takes sentences of orders made of those phrases
(voice.corpus) and builds a small language model from them. Vosk silently drops grammar words
its model does not know (pocketsphinx refuses them), so an item whose name holds such a
word could never be heard. The grammar is therefore checked word by word against the model's
vocabulary, and items and choices that cannot be recognised are reported so an admin can add a
spoken alias.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from voice.corpus import order_sentences
from voice.language import normalize
from voice.lexicon import Lexicon, modifier_key

UNKNOWN_WORD = "[unk]"


@dataclass(frozen=True)
class Grammar:
    phrases: tuple[str, ...]
    missing_words: tuple[str, ...] = ()
    unrecognisable_items: tuple[dict, ...] = ()
    unrecognisable_modifiers: tuple[dict, ...] = ()
    with_unknown: bool = False
    sentences: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The grammar argument of vosk's KaldiRecognizer."""
        return json.dumps([*self.phrases, *([UNKNOWN_WORD] if self.with_unknown else [])], ensure_ascii=False)

    def for_engine(self, engine: str) -> str:
        """What the recogniser process gets: vosk's phrase list, or pocketsphinx's sentences."""
        if engine == "pocketsphinx":
            return json.dumps({"sentences": list(self.sentences)}, ensure_ascii=False)
        return self.to_json()

    def report(self) -> dict:
        return {
            "phrases": len(self.phrases), "missing_words": list(self.missing_words),
            "unrecognisable_items": list(self.unrecognisable_items),
            "unrecognisable_modifiers": list(self.unrecognisable_modifiers),
        }


@dataclass
class _Vocabulary:
    word_known: Callable[[str], bool]
    cache: dict[str, bool] = field(default_factory=dict)

    def knows(self, phrase: str) -> bool:
        return all(self._word(word) for word in phrase.split())

    def _word(self, word: str) -> bool:
        if word not in self.cache:
            self.cache[word] = bool(self.word_known(word))
        return self.cache[word]


def build_grammar(lexicon: Lexicon, word_known: Callable[[str], bool], *, sentences: bool = False) -> Grammar:
    """Every lexicon phrase whose words the model knows, and what had to be left out.

    ``sentences``: also the order sentences a language-model engine (pocketsphinx) learns from.
    """
    vocabulary = _Vocabulary(word_known)
    phrases = sorted(" ".join(p) for p in lexicon.phrases if not any(w.isdigit() for w in p))
    heard = tuple(p for p in phrases if vocabulary.knows(p))
    missing = sorted({w for p in phrases for w in p.split() if not vocabulary.knows(w)})
    return Grammar(
        phrases=heard, missing_words=tuple(missing),
        unrecognisable_items=tuple(_unrecognisable_items(lexicon, vocabulary)),
        unrecognisable_modifiers=tuple(_unrecognisable_modifiers(lexicon, vocabulary)),
        with_unknown=vocabulary.knows(UNKNOWN_WORD),
        sentences=tuple(order_sentences(lexicon, vocabulary.knows)) if sentences else (),
    )


def _unrecognisable_items(lexicon: Lexicon, vocabulary: _Vocabulary) -> list[dict]:
    """Items none of whose names (name or alias) can be heard, with the words that are missing."""
    report = []
    for item in lexicon.menu.items:
        names = [normalize(name) for name in lexicon.item_names(item)]
        if not any(vocabulary.knows(name) for name in names):
            words = sorted({w for name in names for w in name.split() if not vocabulary.knows(w)})
            report.append({"menu_item_id": item.id, "name": item.name, "unknown_words": words})
    return report


def _unrecognisable_modifiers(lexicon: Lexicon, vocabulary: _Vocabulary) -> list[dict]:
    report = []
    for item in lexicon.menu.items:
        for group in item.modifier_groups:
            for modifier in group.modifiers:
                _, spoken = modifier_key(modifier, lexicon.pack)
                if not vocabulary.knows(spoken):
                    report.append({"menu_item_id": item.id, "modifier_id": modifier.id, "name": modifier.name,
                                   "unknown_words": [w for w in spoken.split() if not vocabulary.knows(w)]})
    return report


def grammar_words(lexicon: Lexicon) -> list[str]:
    """The words to look up in the model's vocabulary before building the grammar."""
    return [*lexicon.vocabulary(), UNKNOWN_WORD]
