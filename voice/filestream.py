"""A WAV file that behaves like a sounddevice RawInputStream: blocks, a callback, overflow flags.

Used where there is no sound card (tests, the benchmark, an integration feeding recorded audio):
it calls ``callback(indata, frames, time, status)`` from its own thread at the file's real pace
(or faster), and can simulate the overflow a slow consumer causes on real hardware.
"""

from __future__ import annotations

import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CallbackFlags:
    """The parts of sounddevice.CallbackFlags a capture callback reads."""

    input_overflow: bool = False
    input_underflow: bool = False

    def __bool__(self) -> bool:
        return self.input_overflow or self.input_underflow


class WavFileStream:
    """Plays ``path`` (16-bit mono PCM) into ``callback`` in blocks of ``blocksize`` frames.

    ``overflow_blocks``: block numbers delivered with ``input_overflow`` set, as PortAudio does
    when frames were lost. ``loop_silence_s``: after the file, keep delivering silence (a
    microphone does not stop when the speaker does).
    """

    def __init__(self, path: Path | str, *, callback, blocksize: int = 1600, speed: float = 1.0,
                 overflow_blocks: frozenset[int] = frozenset(), loop_silence_s: float = 0.0):
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise ValueError(f"{path}: need 16-bit mono PCM")
            self.samplerate = wav.getframerate()
            self._pcm = wav.readframes(wav.getnframes())
        self.callback, self.blocksize, self.speed = callback, blocksize, speed
        self.overflow_blocks = overflow_blocks
        self.loop_silence_s = loop_silence_s
        self.channels, self.dtype = 1, "int16"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wav-file-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    close = abort = stop

    def __enter__(self) -> "WavFileStream":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _blocks(self):
        step = self.blocksize * 2
        yield from (self._pcm[o:o + step] for o in range(0, len(self._pcm), step))
        silence = bytes(step)
        for _ in range(int(self.loop_silence_s * self.samplerate / self.blocksize)):
            yield silence

    def _run(self) -> None:
        block_s = self.blocksize / self.samplerate / self.speed
        next_at = time.monotonic()
        for number, block in enumerate(self._blocks()):
            if self._stop.is_set():
                break
            block = block.ljust(self.blocksize * 2, b"\0")
            flags = CallbackFlags(input_overflow=number in self.overflow_blocks)
            self.callback(memoryview(block), self.blocksize, None, flags)
            next_at += block_s
            self._stop.wait(max(0.0, next_at - time.monotonic()))
        self.finished.set()
