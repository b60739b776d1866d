"""Voice under /api/v1/voice: a WAV in, a draft order (or a rejection) out (the recogniser is
built and started in edge/services.py).

Drafts are also appended to the event log (``voice.draft`` / ``voice.rejected``), which is how
the order-entry tablet that asked, or the one paired with the talk button, receives them.
"""

from __future__ import annotations

import io
import wave
from array import array

from flask import Blueprint, g, request
from pydantic import BaseModel

from edge.api.errors import ApiError
from edge.api.routing import api_route
from edge.api.current import current_services
from voice.service import VoiceOff

bp = Blueprint("voice", __name__, url_prefix="/api/v1")
WAV_TYPES = {"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}
MIN_RATE, MAX_RATE = 8000, 48000
MIN_SECONDS = 0.1  # shorter is a tap, not an order
MAX_SECONDS = 30.0  # a spoken order takes seconds; a longer recording is a stuck button or a file


class WordOut(BaseModel):
    word: str
    confidence: float | None


class AlternativeOut(BaseModel):
    text: str
    words: list[WordOut]


class TranscriptionOut(BaseModel):
    id: str
    text: str
    alternatives: list[AlternativeOut]
    draft: dict | None
    rejected: dict | None
    latency_ms: float
    requested_by: dict | None


@api_route(bp, "/voice/transcriptions", methods=["POST"], response=TranscriptionOut,
           roles=("admin", "staff", "device"), content_type="audio/wav", errors=(400, 413, 415, 422, 503),
           summary="Recognise a spoken order (WAV, 16-bit PCM, 8-48 kHz, 0.1-30 s) and propose a draft order")
def transcribe():
    services = current_services()
    limit = services.settings.voice.max_wav_bytes
    if request.mimetype not in WAV_TYPES:
        raise ApiError(415, "unsupported_media_type", "send the audio as Content-Type: audio/wav")
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "audio_too_large", f"the WAV is larger than {limit} bytes",
                       [{"limit_bytes": limit, "got_bytes": request.content_length}])
    request.max_content_length = limit  # the app's JSON limit is far smaller than a recording
    pcm, rate = read_wav(request.get_data(cache=False))
    try:
        answer = services.voice.transcribe(pcm, rate, requested_by=requested_by(g.actor))
    except VoiceOff as error:
        raise ApiError(503, "voice_unavailable", str(error)) from None
    return TranscriptionOut(**answer)


def requested_by(actor) -> dict:
    """Who asked, and from which login session: a person logged in on two tablets sees each
    draft only on the tablet that recorded it."""
    asked = actor.as_dict()
    if actor.session:
        asked["session"] = actor.session
    return asked


class VoiceStatusOut(BaseModel):
    enabled: bool
    language: str
    status: str
    detail: str
    coverage: dict | None


@api_route(bp, "/voice/status", response=VoiceStatusOut, roles=("admin",),
           summary="Voice state and the menu items the model cannot hear (for Manage: add a spoken alias)")
def voice_status():
    services = current_services()
    health = services.health.check("voice")
    coverage = None
    if services.voice.enabled:
        try:
            coverage = services.voice.compiled()[0].report()
        except VoiceOff:
            pass  # not ready yet: the status says why
    return VoiceStatusOut(enabled=services.voice.enabled, language=services.settings.voice.language,
                          status=health.status, detail=health.detail, coverage=coverage)


def read_wav(data: bytes, *, max_seconds: float = MAX_SECONDS) -> tuple[bytes, int]:
    """16-bit PCM frames (mono; the first channel of a stereo file) and the sample rate.

    The header is checked against the body: a header that promises more audio than the body
    holds (a truncated upload, a streaming writer's placeholder size) is refused, not guessed at.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            promised = wav.getnframes()
            frames = wav.readframes(promised)
    except (wave.Error, EOFError) as error:
        raise ApiError(400, "malformed_wav", f"the body is not a readable WAV file: {error}") from None
    problems = []
    if width != 2:
        problems.append({"field": "sample_width", "message": "need 16-bit PCM", "got": width * 8})
    if not MIN_RATE <= rate <= MAX_RATE:
        problems.append({"field": "sample_rate", "message": f"need {MIN_RATE}-{MAX_RATE} Hz", "got": rate})
    if channels not in (1, 2):
        problems.append({"field": "channels", "message": "need mono or stereo", "got": channels})
    if not frames:
        problems.append({"field": "frames", "message": "the recording is empty", "got": 0})
    if problems:
        raise ApiError(422, "unsupported_audio", "the WAV is not 16-bit PCM speech this box can read", problems)
    if len(frames) != promised * width * channels:
        raise ApiError(400, "malformed_wav", "the WAV header does not match its body",
                       [{"field": "frames", "message": "the header promises more audio than the body holds",
                         "promised": promised, "got": len(frames) // (width * channels)}])
    seconds = promised / rate
    if seconds < MIN_SECONDS:
        raise ApiError(422, "unsupported_audio", "the recording is too short to hold an order",
                       [{"field": "duration_s", "message": f"need at least {MIN_SECONDS} s", "got": round(seconds, 3)}])
    if seconds > max_seconds:
        raise ApiError(413, "audio_too_long", f"a spoken order is at most {max_seconds:.0f} s long",
                       [{"field": "duration_s", "limit": max_seconds, "got": round(seconds, 1)}])
    if channels == 2:
        samples = array("h", frames)
        frames = samples[0::2].tobytes()
    return frames, rate
