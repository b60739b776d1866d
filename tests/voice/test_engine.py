"""Word confidences from vosk's n-best list, and segments joined into one utterance (pure)."""

from __future__ import annotations

from voice.engine import merge_segments, with_confidences


def word(text, start, end):
    return {"word": text, "start": start, "end": end}


NBEST = [
    {"confidence": 100.0, "result": [word("two", 0.0, 0.3), word("cokes", 0.3, 0.8)], "text": "two cokes"},
    {"confidence": 100.0, "result": [word("two", 0.0, 0.3), word("coke", 0.3, 0.8)], "text": "two coke"},
    {"confidence": 90.0, "result": [word("do", 0.0, 0.3), word("cokes", 0.3, 0.8)], "text": "do cokes"},
]


def test_a_word_all_alternatives_agree_on_is_certain_and_a_disputed_one_is_not():
    first = with_confidences(NBEST)[0]["words"]
    assert first[0]["word"] == "two" and 0.99 < first[0]["conf"] <= 1.0  # the third is far less likely
    assert first[1]["word"] == "cokes" and 0.45 < first[1]["conf"] < 0.55  # an even split with "coke"


def test_agreement_needs_the_same_word_at_the_same_time():
    shifted = [NBEST[0], {"confidence": 100.0, "result": [word("cokes", 1.0, 1.5)], "text": "cokes"}]
    assert with_confidences(shifted)[0]["words"][1]["conf"] == 0.5


def test_segments_cut_by_a_pause_make_one_utterance():
    first = {"alternatives": [NBEST[0]]}
    last = {"alternatives": [{"confidence": 50.0, "result": [word("table", 2.0, 2.4), word("five", 2.4, 2.8)],
                              "text": "table five"}]}
    merged = merge_segments([first, last])
    assert merged[0]["text"] == "two cokes table five"
    assert [w["word"] for w in merged[0]["words"]] == ["two", "cokes", "table", "five"]


def test_nothing_heard_is_one_empty_alternative():
    assert merge_segments([{"alternatives": []}]) == [{"text": "", "words": []}]
