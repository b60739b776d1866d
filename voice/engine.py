"""The speech engine's side of the process boundary: vosk, loaded once, serving utterances.

This module runs inside the recogniser's own process (see voice.recognizer); a native crash
here ends only that process. It is also where vosk's n-best list becomes per-word confidences:
with alternatives on, vosk gives a score per alternative but none per word, so a word's
confidence is the share of the n-best (weighted by score) that agrees on it.
"""

from __future__ import annotations

import json
import math
import resource
import time


def serve(conn, model_path: str, max_alternatives: int) -> None:
    """Process entry point: load the model, say ready, then answer begin/audio/end messages."""
    try:
        import vosk
    except ImportError:  # pragma: no cover - reported to the parent, which reports it on /health
        conn.send(("failed", "vosk is not installed: pip install 'restaurant-edge[voice]'"))
        return
    vosk.SetLogLevel(-1)
    started = time.perf_counter()
    try:
        model = vosk.Model(model_path)
    except Exception as error:  # vosk raises a bare Exception for a bad model directory
        conn.send(("failed", f"cannot load vosk model {model_path}: {error}"))
        return
    conn.send(("ready", {"load_s": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}))
    _Session(conn, model, vosk, max_alternatives).run()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Session:
    def __init__(self, conn, model, vosk, max_alternatives: int):
        self.conn, self.model, self.vosk = conn, model, vosk
        self.max_alternatives = max_alternatives
        self.current = None
        self.segments: list[dict] = []
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
        """Which words the model knows; vosk would silently drop the others from a grammar."""
        find = getattr(self.model, "find_word", None) or self.model.vosk_model_find_word
        self.conn.send(("vocabulary", {word: find(word) >= 0 for word in words}))

    def on_begin(self, sample_rate: int, grammar: str | None) -> None:
        # A fresh recogniser per utterance (a few ms, even with a grammar): vosk adapts to the
        # speaker within a recogniser, so reusing one would make a result depend on the last one.
        recognizer = (self.vosk.KaldiRecognizer(self.model, sample_rate, grammar) if grammar
                      else self.vosk.KaldiRecognizer(self.model, sample_rate))
        recognizer.SetMaxAlternatives(self.max_alternatives)
        recognizer.SetWords(True)
        self.current, self.segments, self.decode_s = recognizer, [], 0.0

    def on_audio(self, data: bytes) -> None:
        started = time.perf_counter()
        if self.current.AcceptWaveform(data):  # vosk's endpointing: a pause ended a segment
            self.segments.append(json.loads(self.current.Result()))
        self.decode_s += time.perf_counter() - started

    def on_end(self) -> None:
        started = time.perf_counter()
        final = json.loads(self.current.FinalResult())
        self.decode_s += time.perf_counter() - started
        segments = [s for s in [*self.segments, final] if best_text(s)] or [final]
        self.conn.send(("result", {"alternatives": merge_segments(segments), "decode_s": self.decode_s}))


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
