"""Voice ordering as one service: recogniser + menu grammar + parser + where drafts go.

No Flask and no store here: the composition root passes ``menu()`` (the current menu) and
``publish(kind, data)`` (appends a ``voice.*`` event), so this runs the same under the API, the
push-to-talk button and the benchmark.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from edge.domain.ids import uuid7
from edge.domain.menu import Menu
from edge.observability.health import Check
from voice.capture import Capture
from voice.drafts import Draft
from voice.grammar import Grammar, build_grammar, grammar_words
from voice.language import load_pack
from voice.parser import OrderParser
from voice.recognizer import Recognizer, RecognizerUnavailable, State, Transcript

log = logging.getLogger(__name__)
# Below this word confidence an utterance is rejected, per engine: a wrong draft costs more than a
# retry. pocketsphinx's confidences are lattice posteriors, and noise forced through the menu
# grammar comes out as words with low ones; vosk's come from its n-best agreement and stay advisory.
REJECT_BELOW = {"pocketsphinx": 0.4, "vosk": None}


class VoiceOff(RuntimeError):
    """Voice is not configured (no model) or its recogniser is not running."""


class VoiceService:
    def __init__(self, model_path: Path | str | None, language: str, *, menu: Callable[[], Menu],
                 publish: Callable[[str, dict], None] | None = None,
                 observe_latency_ms: Callable[[float], None] | None = None,
                 recognizer: Recognizer | None = None, spoken_confirm: bool = False,
                 engine: str | None = "vosk"):
        self.pack = load_pack(language)
        self.menu, self.publish = menu, publish
        self.observe_latency_ms = observe_latency_ms
        self.spoken_confirm = spoken_confirm
        if recognizer is None and engine is not None and (model_path or engine == "pocketsphinx"):
            recognizer = Recognizer(model_path, engine=engine)
        self.recognizer = recognizer
        self.reject_below = REJECT_BELOW.get(recognizer.engine) if recognizer is not None else None
        self._parser: tuple[tuple, OrderParser] | None = None
        self._grammar: tuple[OrderParser, Grammar] | None = None
        self._compile_lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.recognizer is not None

    def start(self, *, wait_s: float | None = None) -> "VoiceService":
        if self.recognizer is not None and self.recognizer.status.state == State.STOPPED:
            self.recognizer.start(wait_s=wait_s)
        return self

    def close(self) -> None:
        if self.recognizer is not None:
            self.recognizer.close()

    def health(self) -> Check:
        if self.recognizer is None:
            return Check("ok", "off: no voice model configured")
        status = self.recognizer.status
        if status.state == State.READY and self.recognizer.ready:
            return Check("ok", f"{self.recognizer.engine} model loaded in {status.load_s:.1f} s, "
                                f"{status.restarts} restart(s)")
        if status.state == State.FAILED:
            return Check("down", status.detail)
        if status.state == State.STARTING:  # booting, not broken: voice answers 503 until loaded
            return Check("ok", f"starting: {status.detail}")
        return Check("degraded", f"recogniser {status.state.value}: {status.detail}")

    # grammar and parser, rebuilt when the menu changes ---------------------------------------

    def compiled(self) -> tuple[Grammar, OrderParser]:
        """The grammar (needs the recogniser: its model's vocabulary) and the parser, per menu."""
        parser = self.parser()
        with self._compile_lock:
            if self._grammar is None or self._grammar[0] is not parser:
                known = self._require().known_words(grammar_words(parser.lexicon))
                self._grammar = (parser, build_grammar(parser.lexicon, known.__getitem__,
                                                       sentences=self.recognizer.engine == "pocketsphinx"))
            return self._grammar[1], parser

    def parser(self) -> OrderParser:
        menu = self.menu()
        key = (menu.version, id(menu))
        with self._compile_lock:
            if self._parser is None or self._parser[0] != key:
                self._parser = (key, OrderParser(menu, self.pack, reject_below=self.reject_below))
            return self._parser[1]

    def _require(self) -> Recognizer:
        if self.recognizer is None:
            raise VoiceOff("voice is off: no model configured ([voice] model_path)")
        if not self.recognizer.ready:
            raise VoiceOff(f"voice recogniser is not ready: {self.recognizer.status.detail}")
        return self.recognizer

    # utterances --------------------------------------------------------------------------------

    def transcribe(self, pcm: bytes, sample_rate: int, *, requested_by: dict | None = None) -> dict:
        """A whole recording (the HTTP endpoint): transcript -> draft or rejection, published."""
        started = time.monotonic()
        grammar, _ = self.compiled()
        try:
            transcript = self._require().transcribe(pcm, sample_rate, grammar.for_engine(self.recognizer.engine))
        except RecognizerUnavailable as error:
            raise VoiceOff(str(error)) from None
        return self.conclude(transcript, started, requested_by=requested_by)

    def on_capture(self, capture: Capture, *, requested_by: dict | None = None) -> dict | None:
        """Push-to-talk result; latency is counted from the button's release."""
        if capture.transcript is None:
            log.warning("voice capture failed: %s", capture.error)
            return None
        return self.conclude(capture.transcript, capture.released_at, requested_by=requested_by)

    def announce_listening(self, requested_by: dict | None, *, listening: bool) -> None:
        """The talk button went down (or up): ``voice.listening`` so the paired tablet can show it."""
        if self.publish is not None:
            self.publish("voice.listening", {"listening": listening, "requested_by": requested_by})

    def grammar_json(self) -> str | None:
        """The grammar as the recogniser process takes it (JSON; its shape depends on the engine)."""
        return self.compiled()[0].for_engine(self.recognizer.engine)

    def conclude(self, transcript: Transcript, started: float, *, requested_by: dict | None) -> dict:
        result = self.parser().parse(transcript.alternatives)
        latency_ms = (time.monotonic() - started) * 1000
        draft = result.to_dict() if isinstance(result, Draft) else None
        if draft is not None:  # the tablet may skip the tap only when the box allows it
            draft["auto_confirm"] = self.spoken_confirm and draft["confirm"] and draft["complete"]
        answer = {
            "id": str(uuid7()), "text": transcript.text,
            "alternatives": [{"text": a.text, "words": [{"word": w.text, "confidence": w.confidence} for w in a.words]}
                             for a in transcript.alternatives],
            "draft": draft, "rejected": None if draft else result.to_dict(),
            "latency_ms": round(latency_ms, 1), "requested_by": requested_by,
        }
        if self.observe_latency_ms is not None:
            self.observe_latency_ms(latency_ms)
        if self.publish is not None:
            self.publish("voice.draft" if answer["draft"] else "voice.rejected", _event_data(answer))
        return answer


def _event_data(answer: dict) -> dict:
    return {key: answer[key] for key in ("id", "text", "draft", "rejected", "latency_ms", "requested_by")}
