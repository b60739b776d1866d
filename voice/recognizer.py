"""The recogniser: the speech engine in its own process, supervised and restarted by the server.

The engine (vosk or pocketsphinx, see voice.engine) is native code; if it crashes, only its
process dies. A watchdog thread notices, reports
the voice check as degraded and starts a new process (with backoff). The model is loaded once
per process and stays resident; utterances stream into it while the talk button is held.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from voice.drafts import Alternative, Word
from voice.engine import serve

log = logging.getLogger(__name__)
DEFAULT_ALTERNATIVES = 5


class RecognizerUnavailable(RuntimeError):
    """The recogniser process is not running (starting, restarting after a crash, or stopped)."""


class State(Enum):
    STARTING = "starting"
    READY = "ready"
    RESTARTING = "restarting"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass
class Transcript:
    alternatives: list[Alternative]
    decode_ms: float

    @property
    def text(self) -> str:
        return self.alternatives[0].text if self.alternatives else ""


@dataclass
class Status:
    state: State
    detail: str
    restarts: int = 0
    load_s: float | None = None
    peak_rss_mb: float | None = None
    last_error: str | None = field(default=None)


class Recognizer:
    """Parent-side handle; thread-safe, one utterance at a time."""

    def __init__(self, model_path: Path | str | None, *, engine: str = "vosk",
                 alternatives: int = DEFAULT_ALTERNATIVES,
                 restart_backoff_s: tuple[float, ...] = (0.2, 1.0, 5.0, 30.0)):
        self.engine = engine
        self.model_path = str(model_path) if model_path is not None else None
        self.alternatives = alternatives
        self.restart_backoff_s = restart_backoff_s
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()  # one utterance at a time
        self._state_lock = threading.Lock()
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._process = None
        self._conn = None
        self.status = Status(State.STOPPED, "not started")
        self._watchdog: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------

    def start(self, *, wait_s: float | None = None) -> "Recognizer":
        self._stopping.clear()
        self._spawn(State.STARTING)
        self._watchdog = threading.Thread(target=self._watch, name="voice-watchdog", daemon=True)
        self._watchdog.start()
        if wait_s is not None:
            self.wait_ready(wait_s)
        return self

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.ready:  # "ready" also needs the process alive: a dead one is not ready yet
            if time.monotonic() > deadline:
                raise RecognizerUnavailable(f"recogniser not ready after {timeout_s:.0f} s: {self.status.detail}")
            if self._ready.wait(0.05):
                time.sleep(0.02)  # set, but the process just died: the watchdog is about to clear it

    def close(self) -> None:
        self._stopping.set()
        with self._state_lock:
            self._stop_process()
            self.status = Status(State.STOPPED, "stopped", self.status.restarts)
        if self._watchdog is not None:
            self._watchdog.join(timeout=5)

    def describe(self) -> str:
        return f"{self.engine} model {self.model_path or '(the one its package ships)'}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._process is not None and self._process.is_alive()

    def _spawn(self, state: State) -> None:
        with self._state_lock:
            if self._stopping.is_set():  # closed while the watchdog was about to restart it
                return
            self._ready.clear()
            parent, child = self._context.Pipe()
            process = self._context.Process(target=serve, args=(child, self.engine, self.model_path, self.alternatives),
                                            name="voice-recognizer", daemon=True)
            process.start()
            child.close()
            self._process, self._conn = process, parent
            self.status = Status(state, f"loading {self.describe()}", self.status.restarts)
        threading.Thread(target=self._await_ready, args=(process, parent), daemon=True).start()

    def _await_ready(self, process, conn) -> None:
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            return  # died while loading; the watchdog restarts it
        with self._state_lock:
            if process is not self._process:
                return
            if kind == "ready":
                self.status = Status(State.READY, "model loaded", self.status.restarts,
                                     load_s=payload["load_s"], peak_rss_mb=payload["peak_rss_mb"])
                self._ready.set()
            else:
                self.status = Status(State.FAILED, payload, self.status.restarts, last_error=payload)

    def _stop_process(self) -> None:
        process, conn = self._process, self._conn
        self._ready.clear()
        if conn is not None:
            try:
                conn.send(("stop",))
            except (OSError, ValueError):
                pass
            conn.close()
        if process is not None:
            process.join(timeout=2)
            if process.is_alive():
                process.kill()
                process.join(timeout=2)
        self._process = self._conn = None

    def _watch(self) -> None:
        """Restart the process when it dies; back off when it keeps dying."""
        failures = 0
        while not self._stopping.wait(0.1):
            process = self._process
            if process is None or process.is_alive() or self.status.state == State.FAILED:
                if self._ready.is_set():
                    failures = 0
                continue
            with self._state_lock:
                if self._stopping.is_set() or process is not self._process:
                    continue  # closed (or already replaced) meanwhile: nothing died
                log.error("voice recogniser process died (exit code %s); restarting", process.exitcode)
                self._ready.clear()
                self.status = Status(State.RESTARTING, f"recogniser exited with code {process.exitcode}",
                                     self.status.restarts + 1, last_error=f"exit code {process.exitcode}")
            delay = self.restart_backoff_s[min(failures, len(self.restart_backoff_s) - 1)]
            failures += 1
            if self._stopping.wait(delay):
                return
            with self._state_lock:
                if self._conn is not None:
                    self._conn.close()
            self._spawn(State.RESTARTING)

    # utterances ------------------------------------------------------------------------------

    def utterance(self, sample_rate: int, grammar: str | None = None, *, timeout_s: float = 30.0) -> "Utterance":
        return Utterance(self, sample_rate, grammar, timeout_s)

    def transcribe(self, pcm: bytes, sample_rate: int, grammar: str | None = None, *,
                   chunk_bytes: int = 8000, timeout_s: float = 30.0) -> Transcript:
        with self.utterance(sample_rate, grammar, timeout_s=timeout_s) as utterance:
            for offset in range(0, len(pcm), chunk_bytes):
                utterance.feed(pcm[offset:offset + chunk_bytes])
            return utterance.finish()

    def known_words(self, words: list[str], *, timeout_s: float = 30.0) -> dict[str, bool]:
        """Ask the model (in its process) which of these words it can recognise."""
        with self._lock:
            self._send(("vocabulary", sorted(set(words))))
            _, known = self._receive(timeout_s)
        return known

    def peak_rss_mb(self, *, timeout_s: float = 10.0) -> float:
        """The recogniser process's peak memory so far (the model plus decoding)."""
        with self._lock:
            self._send(("stats",))
            _, stats = self._receive(timeout_s)
        return stats["peak_rss_mb"]

    def _send(self, message: tuple) -> None:
        if not self.ready:
            raise RecognizerUnavailable(self.status.detail)
        try:
            self._conn.send(message)
        except (OSError, ValueError, BrokenPipeError) as error:
            raise RecognizerUnavailable(f"recogniser went away: {error}") from None

    def _receive(self, timeout_s: float):
        deadline = time.monotonic() + timeout_s
        conn, process = self._conn, self._process
        while time.monotonic() < deadline:
            try:
                if conn.poll(0.05):
                    return conn.recv()
            except (EOFError, OSError):
                break
            if not process.is_alive():
                break
        else:
            process.kill()  # a hung engine is as good as dead: the watchdog restarts it
            raise RecognizerUnavailable(f"no result within {timeout_s:.0f} s")
        raise RecognizerUnavailable("recogniser process died during the utterance")


class Utterance:
    """Audio streamed while the talk button is held; ``finish()`` on release gives the transcript."""

    def __init__(self, recognizer: Recognizer, sample_rate: int, grammar: str | None, timeout_s: float):
        self.recognizer, self.timeout_s = recognizer, timeout_s
        self._held = False
        if not recognizer._lock.acquire(timeout=timeout_s):  # someone is holding the talk button
            raise RecognizerUnavailable(f"recogniser busy with another utterance for {timeout_s:.0f} s")
        self._held = True
        try:
            recognizer._send(("begin", sample_rate, grammar))
        except BaseException:
            self.release()
            raise

    def feed(self, pcm: bytes) -> None:
        if pcm:
            self.recognizer._send(("audio", bytes(pcm)))

    def finish(self) -> Transcript:
        try:
            self.recognizer._send(("end",))
            _, payload = self.recognizer._receive(self.timeout_s)
        finally:
            self.release()
        return Transcript([_alternative(a) for a in payload["alternatives"]], payload["decode_s"] * 1000)

    def release(self) -> None:
        if self._held:
            self._held = False
            self.recognizer._lock.release()

    def __enter__(self) -> "Utterance":
        return self

    def __exit__(self, *exc) -> None:
        if self._held:  # left without finish(): drain the engine so the next utterance starts clean
            try:
                self.recognizer._send(("end",))
                self.recognizer._receive(self.timeout_s)
            except RecognizerUnavailable:
                pass
            self.release()


def _alternative(raw: dict) -> Alternative:
    return Alternative(raw["text"], tuple(Word(w["word"], w["conf"]) for w in raw["words"]))
