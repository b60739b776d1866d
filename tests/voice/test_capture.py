"""Push-to-talk capture fed by a file-backed stream that behaves like sounddevice's."""

from __future__ import annotations

import queue
import time

import pytest

from tests.support.speech import speak
from tests.voice.conftest import MODEL_LOAD_TIMEOUT_S
from voice.capture import PushToTalk
from voice.filestream import CallbackFlags, WavFileStream

RESULT_TIMEOUT_S = 30


@pytest.fixture
def order_wav(speech_tools, tmp_path):
    return speak("김치찌개 두 개", tmp_path / "order.wav", rate=48000)  # a USB microphone's native rate


def push_to_talk(korean_service, results, **options):
    return PushToTalk(korean_service.recognizer, samplerate=48000, grammar=korean_service.grammar_json,
                      on_result=results.put, **options)


def test_held_button_streams_and_release_gives_the_draft(korean_service, published, order_wav):
    results: queue.Queue = queue.Queue()
    talk = push_to_talk(korean_service, results)
    stream = WavFileStream(order_wav, callback=talk.callback, blocksize=4800, speed=4.0)
    try:
        talk.press()
        with stream:
            assert stream.finished.wait(RESULT_TIMEOUT_S)
        talk.release()
        capture = results.get(timeout=RESULT_TIMEOUT_S)
    finally:
        talk.close()
    assert capture.error is None and capture.overflows == 0
    assert capture.audio_s == pytest.approx(stream_seconds(order_wav), abs=0.2)
    answer = korean_service.on_capture(capture, requested_by={"kind": "device", "id": "talk-button"})
    assert [(i["menu_item_id"], i["quantity"]) for i in answer["draft"]["items"]] == [("kimchi-stew", 2)]
    assert answer["latency_ms"] < 2000  # release -> draft (the benchmark measures it properly)
    assert published[0][0] == "voice.draft" and published[0][1]["requested_by"]["id"] == "talk-button"


def stream_seconds(path) -> float:
    import wave

    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_overflow_flags_are_counted(korean_service, order_wav):
    results: queue.Queue = queue.Queue()
    talk = push_to_talk(korean_service, results)
    stream = WavFileStream(order_wav, callback=talk.callback, blocksize=4800, speed=4.0,
                           overflow_blocks=frozenset({1, 3}))
    try:
        talk.press()
        with stream:
            assert stream.finished.wait(RESULT_TIMEOUT_S)
        talk.release()
        assert results.get(timeout=RESULT_TIMEOUT_S).overflows == 2
    finally:
        talk.close()


def test_a_stuck_button_ends_the_utterance_by_itself(korean_service, order_wav):
    results: queue.Queue = queue.Queue()
    talk = push_to_talk(korean_service, results, max_utterance_s=2.0)
    stream = WavFileStream(order_wav, callback=talk.callback, blocksize=4800, speed=4.0, loop_silence_s=10)
    try:
        talk.press()  # and never released
        with stream:
            capture = results.get(timeout=RESULT_TIMEOUT_S)
    finally:
        talk.close()
    assert capture.audio_s == pytest.approx(2.0, abs=0.11)
    assert capture.transcript is not None


def test_audio_without_a_press_gives_nothing(korean_service, order_wav):
    results: queue.Queue = queue.Queue()
    talk = push_to_talk(korean_service, results)
    try:
        with WavFileStream(order_wav, callback=talk.callback, blocksize=4800, speed=8.0) as stream:
            assert stream.finished.wait(RESULT_TIMEOUT_S)
        talk.release()  # a release without a press is ignored
        with pytest.raises(queue.Empty):
            results.get(timeout=0.5)
    finally:
        talk.close()


def test_the_audio_callback_never_blocks_even_when_the_worker_is_stuck(korean_service):
    results: queue.Queue = queue.Queue()
    talk = push_to_talk(korean_service, results, queue_blocks=4)
    korean_service.recognizer._lock.acquire()  # the engine is busy with someone else's utterance
    try:
        talk.press()
        block = memoryview(bytes(9600))
        started = time.perf_counter()
        for _ in range(50):
            talk.callback(block, 4800, None, CallbackFlags())
        assert time.perf_counter() - started < 0.05
        assert talk.dropped_blocks > 0
    finally:
        korean_service.recognizer._lock.release()
        talk.release()
        results.get(timeout=RESULT_TIMEOUT_S)
        talk.close()
    korean_service.recognizer.wait_ready(MODEL_LOAD_TIMEOUT_S)


def test_the_box_microphone_listener_publishes_the_draft(korean_service, published, order_wav):
    from voice.capture import Device
    from voice.listener import MicrophoneListener

    streams = []

    def open_stream(device, callback):
        streams.append(WavFileStream(order_wav, callback=callback, blocksize=device.samplerate // 10, speed=4.0))
        return streams[-1]

    listener = MicrophoneListener(korean_service, "USB", open_stream=open_stream,
                                  find_device=lambda name: Device(3, "USB PnP Sound Device", 48000))
    listener.start()
    try:
        assert listener.health().status == "ok" and "48000 Hz" in listener.health().detail
        listener.press({"kind": "device", "id": "talk-button"})
        assert streams[0].finished.wait(RESULT_TIMEOUT_S)
        listener.release()
        deadline = time.monotonic() + RESULT_TIMEOUT_S
        while not any(kind == "voice.draft" for kind, _ in published):
            assert time.monotonic() < deadline, "no draft published"
            time.sleep(0.02)
    finally:
        listener.close()
    # the paired tablet shows "listening..." while the button is held, then the draft
    assert [(kind, data.get("listening")) for kind, data in published] == [
        ("voice.listening", True), ("voice.listening", False), ("voice.draft", None)]
    assert all(data["requested_by"]["id"] == "talk-button" for _, data in published)
    kind, data = published[-1]
    assert kind == "voice.draft" and data["requested_by"]["id"] == "talk-button"
    assert [i["menu_item_id"] for i in data["draft"]["items"]] == ["kimchi-stew"]


def test_a_missing_microphone_degrades_voice_and_says_which(korean_service):
    from voice.listener import MicrophoneListener

    listener = MicrophoneListener(korean_service, "no-such-microphone-xyz").start()
    assert listener.health().status == "degraded"
    assert "microphone" in listener.health().detail
    listener.press()  # a talk button without a microphone does nothing, and does not crash
    listener.release()
    listener.close()
