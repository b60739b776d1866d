"""Microphone capture with push-to-talk.

The audio callback runs on PortAudio's thread and must never block: it only queues the block.
A worker thread keeps a short pre-roll, streams audio into the recogniser while the talk button
is held, and on release asks for the final result at once (no waiting for silence). vosk's
endpointing stays as a backstop, and a stuck button ends the utterance after ``max_utterance_s``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from voice.recognizer import Recognizer, RecognizerUnavailable, Transcript

log = logging.getLogger(__name__)
BLOCK_S = 0.1
PRE_ROLL_S = 0.3


class MicrophoneError(RuntimeError):
    """No usable microphone (sounddevice missing, no such device, or no input channels)."""


@dataclass
class Device:
    index: int
    name: str
    samplerate: int


def find_input_device(name_substring: str | None) -> Device:
    """The first input device whose name contains the substring, at its native sample rate."""
    try:
        import sounddevice
    except (ImportError, OSError) as error:  # OSError: the PortAudio library itself is missing
        raise MicrophoneError(f"sounddevice unavailable ({error}): pip install 'restaurant-edge[voice]'") from None
    for index, info in enumerate(sounddevice.query_devices()):
        if info["max_input_channels"] > 0 and (not name_substring or name_substring.lower() in info["name"].lower()):
            return Device(index, info["name"], int(info["default_samplerate"]))
    raise MicrophoneError(f"no input device matching {name_substring!r}")


def open_microphone(device: Device, callback):
    """A sounddevice stream at the device's own rate: many USB microphones refuse 16 kHz."""
    import sounddevice

    return sounddevice.RawInputStream(samplerate=device.samplerate, blocksize=int(device.samplerate * BLOCK_S),
                                      device=device.index, channels=1, dtype="int16", callback=callback)


@dataclass
class Capture:
    """What one push-to-talk produced, handed to ``on_result``."""

    transcript: Transcript | None
    error: str | None
    released_at: float  # time.monotonic() when the button was released (or the backstop fired)
    audio_s: float
    overflows: int


class PushToTalk:
    """``press()`` starts an utterance, ``release()`` ends it; results go to ``on_result(Capture)``."""

    def __init__(self, recognizer: Recognizer, *, samplerate: int, grammar: Callable[[], str | None],
                 on_result: Callable[[Capture], None], max_utterance_s: float = 15.0, queue_blocks: int = 600):
        self.recognizer, self.samplerate, self.grammar = recognizer, samplerate, grammar
        self.on_result, self.max_utterance_s = on_result, max_utterance_s
        self.blocks: queue.Queue = queue.Queue(maxsize=queue_blocks)
        self.dropped_blocks = 0
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._work, name="voice-capture", daemon=True)
        self._worker.start()

    # called on the audio thread: queue and return, nothing else
    def callback(self, indata, frames, time_info, status) -> None:
        try:
            self.blocks.put_nowait(("audio", bytes(indata), bool(status and status.input_overflow)))
        except queue.Full:
            self.dropped_blocks += 1

    def press(self) -> None:
        self.blocks.put(("press", time.monotonic(), False))

    def release(self) -> None:
        self.blocks.put(("release", time.monotonic(), False))

    def close(self) -> None:
        self._stop.set()
        self.blocks.put(("stop", None, False))
        self._worker.join(timeout=10)

    def _work(self) -> None:
        pre_roll: deque[bytes] = deque(maxlen=max(1, int(PRE_ROLL_S / BLOCK_S)))
        talk: _Talk | None = None
        while not self._stop.is_set():
            kind, payload, overflow = self.blocks.get()
            if kind == "stop":
                break
            if kind == "press" and talk is None:
                talk = self._begin(list(pre_roll))
            elif kind == "release" and talk is not None:
                self._end(talk, payload)
                talk = None
            elif kind == "audio":
                if talk is None:
                    pre_roll.append(payload)
                elif not talk.feed(payload, overflow, self.samplerate):
                    self._end(talk, time.monotonic())  # stuck button or lost engine: end it here
                    talk = None
        if talk is not None:
            talk.abandon()

    def _begin(self, pre_roll: list[bytes]) -> "_Talk":
        talk = _Talk(self.max_utterance_s)
        try:
            talk.utterance = self.recognizer.utterance(self.samplerate, self.grammar())
            for block in pre_roll:
                talk.feed(block, False, self.samplerate)
        except RecognizerUnavailable as error:
            talk.error = str(error)
        return talk

    def _end(self, talk: "_Talk", released_at: float) -> None:
        transcript = None
        if talk.utterance is not None and talk.error is None:
            try:
                transcript = talk.utterance.finish()
            except RecognizerUnavailable as error:
                talk.error = str(error)
        talk.abandon()
        capture = Capture(transcript, talk.error, released_at, talk.audio_s, talk.overflows)
        try:
            self.on_result(capture)
        except Exception:  # a consumer's bug must not stop the microphone
            log.exception("voice result handler failed")


class _Talk:
    def __init__(self, max_s: float):
        self.max_s, self.utterance, self.error = max_s, None, None
        self.audio_s, self.overflows = 0.0, 0

    def feed(self, block: bytes, overflow: bool, samplerate: int) -> bool:
        """Stream one block; False when the utterance must end now."""
        self.overflows += overflow
        self.audio_s += len(block) / 2 / samplerate
        if self.utterance is None or self.error is not None:
            return self.audio_s < self.max_s
        try:
            self.utterance.feed(block)
        except RecognizerUnavailable as error:
            self.error = str(error)
            return False
        return self.audio_s < self.max_s

    def abandon(self) -> None:
        if self.utterance is not None:
            self.utterance.release()
