"""POST /api/v1/voice/transcriptions on a real app with the real Korean model, and voice's health.

Synthetic speech checks the pipeline, not accuracy on people (see tests/support/speech.py).
"""

from __future__ import annotations

import io
import os
import signal
import time
import wave

import pytest

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from edge.store import commands
from tests.support.client import login
from tests.support.speech import speak
from tests.support.voice_menus import korean_menu
from tests.voice.conftest import MODEL_LOAD_TIMEOUT_S

TRANSCRIBE = "/api/v1/voice/transcriptions"


@pytest.fixture(scope="module")
def voice_app(korean_model, tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("voice-app"), demo=True,
                        voice={"model_path": str(korean_model), "language": "ko", "max_wav_bytes": 400_000})
    app = create_app(settings)
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    commands.replace_menu(services.store, korean_menu(), 2)
    services.voice.recognizer.wait_ready(MODEL_LOAD_TIMEOUT_S)
    yield app
    services.close()


@pytest.fixture
def voice_client(voice_app):
    return voice_app.test_client()


@pytest.fixture
def staff_headers(voice_client):
    return login(voice_client, "1111")


def wav_bytes(path) -> bytes:
    return path.read_bytes()


def post_wav(client, headers, body: bytes, content_type: str = "audio/wav"):
    return client.post(TRANSCRIBE, data=body, headers={**headers, "Content-Type": content_type})


def test_a_spoken_order_becomes_a_draft_and_an_event(voice_app, voice_client, staff_headers, speech_tools, tmp_path):
    response = post_wav(voice_client, staff_headers, wav_bytes(speak("김치찌개 두 개", tmp_path / "o.wav", rate=22050)))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) >= {"text", "alternatives", "draft", "rejected", "latency_ms"}
    assert [(i["menu_item_id"], i["quantity"]) for i in body["draft"]["items"]] == [("kimchi-stew", 2)]
    assert body["rejected"] is None and body["requested_by"]["name"] == "Sam"
    events = voice_client.get("/api/v1/events?after=0&limit=500", headers=staff_headers).get_json()["events"]
    drafts = [e for e in events if e["type"] == "voice.draft"]
    assert drafts[-1]["data"]["id"] == body["id"] and drafts[-1]["data"]["draft"] == body["draft"]
    metrics = voice_client.get("/api/v1/metrics", headers=staff_headers).get_data(as_text=True)
    assert "ai_transcription_latency_ms_count 1.0" in metrics


def test_out_of_grammar_speech_is_rejected(voice_client, staff_headers, speech_tools, tmp_path):
    response = post_wav(voice_client, staff_headers, wav_bytes(speak("화장실이 어디예요", tmp_path / "c.wav")))
    body = response.get_json()
    assert response.status_code == 200 and body["draft"] is None
    assert body["rejected"]["heard"] == body["text"]


def test_stereo_is_read_from_its_first_channel(voice_client, staff_headers, speech_tools, tmp_path):
    mono = speak("김치찌개 하나", tmp_path / "m.wav")
    with wave.open(str(mono)) as source:
        rate, frames = source.getframerate(), source.readframes(source.getnframes())
    stereo = io.BytesIO()
    with wave.open(stereo, "wb") as out:
        out.setnchannels(2), out.setsampwidth(2), out.setframerate(rate)
        out.writeframes(b"".join(frames[i:i + 2] * 2 for i in range(0, len(frames), 2)))
    body = post_wav(voice_client, staff_headers, stereo.getvalue()).get_json()
    assert [i["menu_item_id"] for i in body["draft"]["items"]] == ["kimchi-stew"]


def silent_wav(*, width=2, rate=16000, channels=1, frames=1600) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels), wav.setsampwidth(width), wav.setframerate(rate)
        wav.writeframes(bytes(frames * width * channels))
    return out.getvalue()


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (b"{}", "application/json", 415, "unsupported_media_type"),
    (b"RIFF not really a wav", "audio/wav", 400, "malformed_wav"),
    (silent_wav(width=1), "audio/wav", 422, "unsupported_audio"),
    (silent_wav(rate=96000), "audio/wav", 422, "unsupported_audio"),
    (silent_wav(frames=0), "audio/wav", 422, "unsupported_audio"),
    (silent_wav(frames=300_000), "audio/wav", 413, "audio_too_large"),
])
def test_bad_audio_gets_a_clear_error_and_changes_nothing(voice_app, voice_client, staff_headers, body,
                                                          content_type, status, code):
    before = voice_app.extensions["edge"].store.last_seq
    response = post_wav(voice_client, staff_headers, body, content_type)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert voice_app.extensions["edge"].store.last_seq == before


def test_transcription_needs_a_login(voice_client):
    assert voice_client.post(TRANSCRIBE, data=silent_wav(), headers={"Content-Type": "audio/wav"}).status_code == 401


def test_health_reports_voice_degraded_while_the_recogniser_restarts(voice_app, voice_client, staff_headers):
    recognizer = voice_app.extensions["edge"].voice.recognizer
    os.kill(recognizer.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while voice_client.get("/health").get_json()["checks"]["voice"]["status"] != "degraded":
        assert time.monotonic() < deadline, "voice never reported degraded"
        time.sleep(0.05)
    assert post_wav(voice_client, staff_headers, silent_wav()).status_code == 503
    recognizer.wait_ready(MODEL_LOAD_TIMEOUT_S)
    assert voice_client.get("/health").get_json()["checks"]["voice"]["status"] == "ok"
    assert post_wav(voice_client, staff_headers, silent_wav()).status_code == 200


def test_without_a_model_voice_is_off(client, staff):
    check = client.get("/health").get_json()["checks"]["voice"]
    assert check["status"] == "ok" and check["detail"].startswith("off")
    response = post_wav(client, staff, silent_wav())
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "voice_unavailable"


def test_the_endpoint_is_in_the_openapi_document(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][TRANSCRIBE]["post"]
    assert operation["requestBody"]["content"]["audio/wav"]["schema"]["format"] == "binary"
    assert {"413", "415", "422", "503"} <= set(operation["responses"])


def test_manage_sees_which_items_cannot_be_heard(voice_app, voice_client):
    from edge.store import commands as store_commands
    from tests.support.voice_menus import item

    menu = korean_menu()
    menu.items.append(item("mystery", "쿠쿠루삥뽕", "food", "grill", 100))
    store_commands.replace_menu(voice_app.extensions["edge"].store, menu, 5)
    try:
        body = voice_client.get("/api/v1/voice/status", headers=login(voice_client, "1234")).get_json()
        assert body["enabled"] and body["status"] == "ok" and body["language"] == "ko"
        assert [i["menu_item_id"] for i in body["coverage"]["unrecognisable_items"]] == ["mystery"]
    finally:
        store_commands.replace_menu(voice_app.extensions["edge"].store, korean_menu(), 6)


def test_voice_status_is_for_admins(voice_client, staff_headers):
    assert voice_client.get("/api/v1/voice/status", headers=staff_headers).status_code == 403
