"""English voice with the engine the pocketsphinx wheel ships (the demo's), through the real API.

What the issue asks of bad input: noise, silence, music, a 10-minute WAV, a 1 ms WAV, 8-bit or
3-channel audio and a WAV whose header lies each get a clear 4xx or a rejection, never a draft;
a recogniser that dies restarts itself while the box keeps taking orders.
"""

from __future__ import annotations

import io
import os
import signal
import struct
import time
import wave

import pytest

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from tests.support.client import login, order_body
from tests.support.requirements import require_module
from tests.support.speech import music, speak, synth, with_noise
from tests.voice.conftest import MODEL_LOAD_TIMEOUT_S

TRANSCRIBE = "/api/v1/voice/transcriptions"
EN_VOICE = "en-us"


@pytest.fixture(scope="module", autouse=True)
def english_engine():
    """pocketsphinx and its English model come with the voice extra that `make dev-deps` installs."""
    require_module("pocketsphinx")


@pytest.fixture(scope="module")
def english_app(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("english-voice"), demo=True,
                        voice={"engine": "pocketsphinx", "language": "en"})
    app = create_app(settings)
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    services.voice.recognizer.wait_ready(MODEL_LOAD_TIMEOUT_S)
    yield app
    services.close()


@pytest.fixture
def english_client(english_app):
    return english_app.test_client()


@pytest.fixture
def staff_headers(english_client):
    return login(english_client, "1111")


def post_wav(client, headers, body: bytes):
    return client.post(TRANSCRIBE, data=body, headers={**headers, "Content-Type": "audio/wav"})


def wav(*, frames: int, width: int = 2, channels: int = 1, rate: int = 16000, payload: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels), writer.setsampwidth(width), writer.setframerate(rate)
        writer.writeframes(payload if payload is not None else bytes(frames * width * channels))
    return out.getvalue()


def lying_header(body: bytes, claimed_frames: int) -> bytes:
    """The same WAV with a data chunk size promising ``claimed_frames`` 16-bit mono frames."""
    at = body.index(b"data") + 4
    return body[:at] + struct.pack("<I", claimed_frames * 2) + body[at + 4:]


def test_a_spoken_english_order_becomes_a_draft(english_app, english_client, staff_headers, speech_tools, tmp_path):
    """espeak-ng's voice is synthetic: a miss is said again at another speed (a server would say it
    again), but no attempt may ever draft a different order."""
    drafts = []
    for speed in ("150", "130", "170"):
        spoken = speak("two cheeseburgers and a coke", tmp_path / f"o{speed}.wav", voice=EN_VOICE, speed_wpm=speed)
        body = post_wav(english_client, staff_headers, spoken.read_bytes()).get_json()
        if body["draft"] is not None:
            drafts.append([(i["menu_item_id"], i["quantity"]) for i in body["draft"]["items"]])
    assert drafts, "never drafted"
    assert all(lines == [("cheeseburger", 2), ("cola", 1)] for lines in drafts), drafts


@pytest.mark.parametrize("sound", ["silence", "white noise", "brown noise", "music", "noise under speech-level"])
def test_sounds_that_are_not_orders_are_rejected_not_drafted(sound, english_app, english_client, staff_headers,
                                                              speech_tools, tmp_path):
    path = tmp_path / "sound.wav"
    if sound == "silence":
        path.write_bytes(wav(frames=32000))
    elif sound == "white noise":
        synth(path, "whitenoise", "vol", "0.3")
    elif sound == "brown noise":
        synth(path, "brownnoise", "vol", "0.5")
    elif sound == "music":
        music(path)
    else:  # a kitchen's hiss at the level of a voice, with no one speaking
        synth(path, "pinknoise", "vol", "0.1")
    before = english_app.extensions["edge"].store.last_seq
    response = post_wav(english_client, staff_headers, path.read_bytes())
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["draft"] is None, body
    assert english_app.extensions["edge"].store.last_seq == before + 1  # only the voice.rejected event


@pytest.mark.parametrize(("body", "status", "code"), [
    (wav(frames=600 * 8000, rate=8000), 413, "audio_too_large"),  # 10 minutes
    (wav(frames=16), 422, "unsupported_audio"),  # 1 ms
    (wav(frames=16000, width=1), 422, "unsupported_audio"),  # 8-bit
    (wav(frames=16000, channels=3), 422, "unsupported_audio"),  # 3 channels
    (lying_header(wav(frames=16000), 10 * 16000), 400, "malformed_wav"),  # promises 10 s, holds 1 s
    (lying_header(wav(frames=16000), 0xFFFFFFFF // 2), 400, "malformed_wav"),  # a streaming writer's size
], ids=["10-minutes", "1-ms", "8-bit", "3-channels", "truncated", "placeholder-size"])
def test_bad_audio_gets_a_clear_4xx_and_changes_nothing(english_app, english_client, staff_headers, body, status, code):
    before = english_app.extensions["edge"].store.last_seq
    response = post_wav(english_client, staff_headers, body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert english_app.extensions["edge"].store.last_seq == before


def test_a_long_recording_within_the_byte_limit_is_refused_by_its_length(english_app, english_client, staff_headers):
    thirty_one_s = wav(frames=31 * 8000, rate=8000)  # 496 kB: under the 4 MiB limit
    response = post_wav(english_client, staff_headers, thirty_one_s)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "audio_too_long"


def test_noisy_speech_is_a_draft_or_a_rejection_never_a_wrong_order(english_client, staff_headers, speech_tools,
                                                                     tmp_path):
    clean = speak("three fries no salt", tmp_path / "c.wav", voice=EN_VOICE, speed_wpm="150")
    body = post_wav(english_client, staff_headers, with_noise(clean, tmp_path / "n.wav", 0).read_bytes()).get_json()
    if body["draft"] is not None:
        assert [(i["menu_item_id"], i["quantity"]) for i in body["draft"]["items"]] == [("fries", 3)]


def test_the_recogniser_restarts_after_a_crash_while_the_box_keeps_taking_orders(english_app, english_client,
                                                                                staff_headers):
    recognizer = english_app.extensions["edge"].voice.recognizer
    restarts = recognizer.status.restarts
    os.kill(recognizer.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while english_client.get("/health").get_json()["checks"]["voice"]["status"] != "degraded":
        assert time.monotonic() < deadline, "voice never reported degraded"
        time.sleep(0.02)
    order = english_client.post("/api/v1/orders", json=order_body(), headers=staff_headers)
    assert order.status_code == 201, order.get_json()  # the kitchen does not wait for voice
    recognizer.wait_ready(MODEL_LOAD_TIMEOUT_S)
    assert recognizer.status.restarts == restarts + 1
    assert english_client.get("/health").get_json()["checks"]["voice"]["status"] == "ok"
    assert post_wav(english_client, staff_headers, wav(frames=16000)).status_code == 200
