"""The pocketsphinx engine's pure parts (resampling, plural pronunciations, the order sentences,
which engine the settings mean, rejecting unsure words), and its vocabulary in its own process."""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import pytest

from tests.support.requirements import require_module
from tests.support.voice_menus import english_menu
from tests.voice.conftest import MODEL_LOAD_TIMEOUT_S
from voice.corpus import order_sentences
from voice.drafts import Alternative, Word
from voice.language import load_pack
from voice.lexicon import Lexicon
from voice.models import choose_engine, demo_engine
from voice.parser import OrderParser
from voice.recognizer import Recognizer
from voice.sphinx import Resampler, plural_pronunciation

CMU = {"milkshake": "M IH L K SH EY K", "fry": "F R AY", "glass": "G L AE S", "burger": "B ER G ER"}


def test_plurals_the_dictionary_lacks_get_the_english_ending():
    assert plural_pronunciation("milkshakes", CMU.get) == "M IH L K SH EY K S"  # voiceless: S
    assert plural_pronunciation("burgers", CMU.get) == "B ER G ER Z"  # voiced: Z
    assert plural_pronunciation("glasses", CMU.get) == "G L AE S IH Z"  # sibilant: IZ
    assert plural_pronunciation("fries", CMU.get) == "F R AY Z"  # -ies from -y
    assert plural_pronunciation("zzqs", CMU.get) is None


def test_resampling_keeps_a_tone_and_its_length_across_chunks():
    rate, seconds = 44100, 0.5
    tone = array("h", (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(rate * seconds))))
    resampler = Resampler(rate, 16000)
    data = tone.tobytes()
    out = array("h")
    for offset in range(0, len(data), 7001):  # odd chunk sizes: a sample split between two chunks
        out.frombytes(resampler.convert(data[offset:offset + 7001]))
    assert abs(len(out) - 16000 * seconds) <= 2
    expected = [int(8000 * math.sin(2 * math.pi * 440 * n / 16000)) for n in range(len(out))]
    assert max(abs(a - b) for a, b in zip(out, expected)) < 400


def test_order_sentences_use_known_words_only_and_cover_every_item():
    lexicon = Lexicon(english_menu(), load_pack("en"))
    unknown = {"milkshake", "milkshakes"}
    sentences = order_sentences(lexicon, lambda phrase: not set(phrase.split()) & unknown)
    words = {w for s in sentences for w in s.split()}
    assert not words & unknown
    assert {"cheeseburgers", "table", "twelve", "no", "onions", "large"} <= words
    assert "wingses" not in words and "frieses" not in words  # plurals of plurals are left out
    assert 1000 < len(sentences) < 20000


@pytest.mark.parametrize(("engine", "model", "language", "chosen"), [
    ("auto", None, "en", (None, None)),
    ("auto", Path("/m"), "en", ("vosk", Path("/m"))),
    ("pocketsphinx", None, "en", ("pocketsphinx", None)),
    ("off", Path("/m"), "en", (None, None)),
])
def test_which_engine_the_settings_mean(engine, model, language, chosen):
    assert choose_engine(engine, model, language) == chosen


def test_the_demo_speaks_english_unless_something_else_is_configured():
    require_module("pocketsphinx")
    assert demo_engine("auto", None, "en") == "pocketsphinx"
    assert demo_engine("auto", Path("/vosk-en"), "en") == "auto"  # a configured vosk model wins
    assert demo_engine("auto", None, "ko") == "auto"  # pocketsphinx ships English only
    assert demo_engine("off", None, "en") == "off"


def test_an_unsure_word_rejects_the_utterance_when_the_engine_asks_for_it():
    said = Alternative("two cokes", (Word("two", 0.95), Word("cokes", 0.2)))
    strict = OrderParser(english_menu(), load_pack("en"), reject_below=0.3)
    assert strict.parse([said]).reason == "low_confidence"
    assert OrderParser(english_menu(), load_pack("en")).parse([said]).items[0]["low_confidence"]


def test_the_sphinx_process_knows_plurals_and_not_made_up_words():
    require_module("pocketsphinx")
    recognizer = Recognizer(None, engine="pocketsphinx").start(wait_s=MODEL_LOAD_TIMEOUT_S)
    try:
        known = recognizer.known_words(["milkshakes", "cheeseburgers", "zzqxv", "[unk]"])
        assert known == {"milkshakes": True, "cheeseburgers": True, "zzqxv": False, "[unk]": False}
        assert recognizer.transcribe(bytes(16000), 16000).text == ""  # silence, no grammar: nothing
    finally:
        recognizer.close()
