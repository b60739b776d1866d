"""The recogniser process: alternatives and confidences, crash isolation and restart."""

from __future__ import annotations

import os
import signal
import time
import wave

import pytest

from tests.support.speech import speak
from tests.support.voice_menus import korean_menu
from tests.voice.conftest import MODEL_LOAD_TIMEOUT_S
from voice.recognizer import Recognizer, RecognizerUnavailable, State
from voice.service import VoiceService


def pcm_of(path):
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


def test_alternatives_carry_word_confidences(recognizer, speech_tools, tmp_path):
    pcm, rate = pcm_of(speak("김치찌개 두 개", tmp_path / "a.wav"))
    transcript = recognizer.transcribe(pcm, rate)  # no grammar: the model's full vocabulary
    assert 1 <= len(transcript.alternatives) <= 5
    words = transcript.alternatives[0].words
    assert words and all(0.0 < w.confidence <= 1.0 for w in words)
    assert transcript.decode_ms > 0


def test_vocabulary_lookup_runs_in_the_recogniser_process(recognizer):
    assert recognizer.peak_rss_mb() > 50  # the model lives in that process, not in the server
    assert recognizer.known_words(["김치찌개", "zzqxv"]) == {"김치찌개": True, "zzqxv": False}


def test_killed_mid_utterance_the_server_side_survives_and_it_restarts(korean_model, speech_tools, tmp_path):
    service = VoiceService(None, "ko", menu=korean_menu, recognizer=Recognizer(korean_model, restart_backoff_s=(0.1,)))
    service.start(wait_s=MODEL_LOAD_TIMEOUT_S)
    try:
        pcm, rate = pcm_of(speak("김치찌개 하나", tmp_path / "a.wav"))
        grammar = service.grammar_json()
        first_pid = service.recognizer.pid
        utterance = service.recognizer.utterance(rate, grammar)
        utterance.feed(pcm[: len(pcm) // 2])
        os.kill(first_pid, signal.SIGKILL)  # a native crash, as far as the parent can tell
        with pytest.raises(RecognizerUnavailable):
            utterance.feed(pcm[len(pcm) // 2:])
            utterance.finish()
        utterance.release()
        wait_for(lambda: service.health().status == "degraded", 5, "voice to report degraded")
        wait_for(lambda: service.health().status == "ok", MODEL_LOAD_TIMEOUT_S, "the recogniser to restart")
        assert service.recognizer.pid != first_pid
        assert service.recognizer.status.restarts == 1
        answer = service.transcribe(pcm, rate)
        assert [i["menu_item_id"] for i in answer["draft"]["items"]] == ["kimchi-stew"]
    finally:
        service.close()
    assert service.recognizer.status.state == State.STOPPED


def test_a_missing_model_is_reported_down_not_restarted_forever(tmp_path):
    service = VoiceService(tmp_path / "no-model", "ko", menu=korean_menu).start()
    try:
        wait_for(lambda: service.health().status == "down", 30, "voice to report the bad model")
        assert "no-model" in service.health().detail
        assert service.recognizer.status.restarts == 0
    finally:
        service.close()


def test_voice_without_a_model_is_simply_off():
    service = VoiceService(None, "en", menu=korean_menu)
    assert not service.enabled
    assert service.health().status == "ok" and service.health().detail.startswith("off")


def test_a_second_utterance_waits_for_the_first_then_gives_up(recognizer):
    with recognizer.utterance(16000):
        started = time.monotonic()
        with pytest.raises(RecognizerUnavailable, match="busy"):
            recognizer.utterance(16000, timeout_s=0.2)
        assert 0.15 < time.monotonic() - started < 2
    assert recognizer.transcribe(bytes(3200), 16000).text == ""  # free again after the first ended
