"""The pocketsphinx engine: the US English model that the ``pocketsphinx`` wheel ships.

English voice with nothing to download: the wheel carries an acoustic model (16 kHz), the CMU
pronouncing dictionary and a general language model. Orders are decoded with a small trigram
model of the menu's orders (voice.corpus), over only the words the parser reads.

- Plurals the dictionary lacks ("milkshakes") get a pronunciation from their singular (+S/Z/IZ),
  as English does; other unknown words are reported by the grammar builder like vosk's.
- A word's confidence is its posterior probability in the decoder's lattice; noise forced
  through a grammar comes out as words with low posteriors, which the parser then rejects.
- Audio at any rate is resampled to the model's 16 kHz as it streams in.
"""

from __future__ import annotations

import random
import tempfile
from array import array
from pathlib import Path

from voice.models import EngineLoadError

MODEL_RATE = 16000
# Probability left for word sequences the sentences never show. Small: the sentences cover the
# orders' shapes, and mass given to unseen sequences is where "table i you" for "table five" came from.
BACKOFF_MASS = 0.1
FRAME_S = 0.01  # pocketsphinx's frame rate: 100 frames a second
FILLERS = {"<s>", "</s>", "<sil>"}
VOICELESS = {"P", "T", "K", "F", "TH"}
SIBILANTS = {"S", "Z", "SH", "ZH", "CH", "JH"}


def packaged_model_dir() -> str | None:
    """The model directory inside the installed pocketsphinx wheel (``.../pocketsphinx/model``)."""
    try:
        import pocketsphinx
    except ImportError:
        return None
    return pocketsphinx.get_model_path()


class SphinxBackend:
    """Two decoders: one with the full dictionary (which words exist, their phones; free speech
    when no grammar is given), and one per menu with only the menu's words and a trigram model
    of its orders (loading a model over the full dictionary takes many seconds; this, 0.1 s)."""

    def __init__(self, model_path: str | None, max_alternatives: int):
        try:
            import pocketsphinx
        except ImportError:
            raise EngineLoadError("pocketsphinx is not installed: pip install 'restaurant-edge[voice]'") from None
        self.pocketsphinx = pocketsphinx
        self.root = model_path or pocketsphinx.get_model_path()
        self.hmm = f"{self.root}/en-us/en-us"
        try:
            self.dictionary = pocketsphinx.Decoder(self._config(f"{self.root}/en-us/cmudict-en-us.dict"))
        except (RuntimeError, ValueError, OSError) as error:
            raise EngineLoadError(f"cannot load the pocketsphinx model in {self.root}: {error}") from None
        self.max_alternatives = max_alternatives
        self.known: dict[str, bool] = {}
        self.menu_decoders: dict[str, object] = {}  # grammar text -> decoder (the last few menus)
        self.decoder = None
        self.resampler: Resampler | None = None

    def _config(self, dictionary: str):
        return self.pocketsphinx.Config(hmm=self.hmm, dict=dictionary, lm=None, samprate=MODEL_RATE,
                                        bestpath=True, dither=True, loglevel="FATAL")

    # vocabulary --------------------------------------------------------------------------------

    def knows(self, word: str) -> bool:
        if word not in self.known:
            self.known[word] = self._phones(word) is not None
        return self.known[word]

    def _phones(self, word: str) -> str | None:
        if any(ch in word for ch in "[]<>()"):  # "[unk]" and the decoder's own fillers are not words
            return None
        return self.dictionary.lookup_word(word) or plural_pronunciation(word, self.dictionary.lookup_word)

    # utterances --------------------------------------------------------------------------------

    def begin(self, sample_rate: int, grammar) -> None:
        self.decoder = self._decoder_for(grammar)
        self.resampler = Resampler(sample_rate, MODEL_RATE) if sample_rate != MODEL_RATE else None
        self.noise_floor = NoiseFloor()
        self.decoder.start_utt()

    def _decoder_for(self, grammar):
        if not grammar:  # no grammar: the general English language model, free speech
            if "" not in self.menu_decoders:
                self.dictionary.add_lm_file("free", f"{self.root}/en-us/en-us.lm.bin")
                self.dictionary.activate_search("free")
                self.menu_decoders[""] = self.dictionary
            return self.menu_decoders[""]
        sentences = grammar["sentences"] if isinstance(grammar, dict) else list(grammar)
        key = "\n".join(sentences)
        if key not in self.menu_decoders:
            if len(self.menu_decoders) > 3:  # menus change rarely; keep the last few
                self.menu_decoders.pop(next(k for k in self.menu_decoders if k))
            self.menu_decoders[key] = self._menu_decoder(sentences)
        return self.menu_decoders[key]

    def _menu_decoder(self, sentences: list[str]):
        """A decoder over the menu's words only, with a trigram model of the sentences."""
        from pocketsphinx.lm import ArpaBoLM

        # A restarted process has not seen this vocabulary yet: plurals are derived again here.
        heard = [s for s in sentences if all(self.knows(w) for w in s.split())] or ["<sil>"]
        words = sorted({w for s in heard for w in s.split() if self.knows(w)})
        language_model = ArpaBoLM(text="\n".join(heard), add_start=True, discount_mass=BACKOFF_MASS)
        language_model.compute()
        # pocketsphinx reads both from files; they are gone as soon as it has (a killed process
        # leaves nothing behind in /tmp).
        with tempfile.TemporaryDirectory(prefix="edge-sphinx-") as folder:
            dictionary, model = Path(folder) / "menu.dict", Path(folder) / "menu.arpa"
            dictionary.write_text("".join(f"{w} {self._phones(w)}\n" for w in words), encoding="utf-8")
            language_model.write_file(str(model))
            decoder = self.pocketsphinx.Decoder(self._config(str(dictionary)))
            decoder.add_lm_file("menu", str(model))
        decoder.activate_search("menu")
        return decoder

    def feed(self, data: bytes) -> None:
        if self.resampler is not None:
            data = self.resampler.convert(data)
        if data:
            self.decoder.process_raw(self.noise_floor.add(data), False, False)

    def finish(self) -> list[dict]:
        self.decoder.end_utt()
        if self.decoder.hyp() is None:
            return [{"text": "", "words": []}]
        words = [{"word": _spelling(segment.word), "conf": round(min(1.0, segment.prob), 3),
                  "start": segment.start_frame * FRAME_S, "end": (segment.end_frame + 1) * FRAME_S}
                 for segment in self.decoder.seg() if _is_word(segment.word)]
        return [{"text": " ".join(w["word"] for w in words), "words": words}]


def _spelling(word: str) -> str:
    """ "twelve(2)" (the dictionary's second pronunciation) is the word "twelve"."""
    return word.split("(", 1)[0]


def _is_word(word: str) -> bool:
    return word not in FILLERS and not word.startswith(("[", "+", "("))


def plural_pronunciation(word: str, lookup) -> str | None:
    """ "milkshakes" from "milkshake": the singular's phones plus the English plural ending."""
    for ending, singular_ending in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) > len(ending) + 1:
            phones = lookup(word[: -len(ending)] + singular_ending)
            if phones:
                last = phones.split()[-1]
                suffix = "IH Z" if last in SIBILANTS else "S" if last in VOICELESS else "Z"
                return f"{phones} {suffix}"
    return None


class NoiseFloor:
    """A faint fixed hiss (about -50 dBFS) under the audio, as any microphone has.

    Measured: on digitally silent pauses (synthetic speech, a browser's noise suppression) the
    decoder's noise and silence estimates go wrong and "table five" comes out "table i you"; the
    same clips with this floor decode right (bench/RESULTS.md, issue 15). The hiss is fixed
    (seeded), not random per call.
    """

    LEVEL = 100  # in 16-bit sample units

    def __init__(self, length: int = 4099):
        generator = random.Random(15)
        self.hiss = [generator.randint(-self.LEVEL, self.LEVEL) for _ in range(length)]
        self.position = 0

    def add(self, data: bytes) -> bytes:
        samples = array("h")
        samples.frombytes(data[: len(data) - len(data) % 2])
        hiss, length, start = self.hiss, len(self.hiss), self.position
        out = array("h", (max(-32768, min(32767, value + hiss[(start + i) % length]))
                          for i, value in enumerate(samples)))
        self.position = (start + len(samples)) % length
        return out.tobytes()


class Resampler:
    """16-bit mono PCM from any rate to ``target`` by linear interpolation, chunk by chunk.

    Plain Python on purpose (no numpy on the box): a few ms per second of audio, and speech's
    useful band (below 4 kHz) is far under either rate's Nyquist frequency.
    """

    def __init__(self, source: int, target: int):
        self.step = source / target
        self.position = 0.0  # where the next output sample falls, in input samples from `previous`
        self.previous: int | None = None
        self.odd_byte = b""  # half a sample left over from the last chunk

    def convert(self, data: bytes) -> bytes:
        data = self.odd_byte + data
        self.odd_byte = data[len(data) - len(data) % 2:]
        samples = array("h")
        samples.frombytes(data[: len(data) - len(data) % 2])
        if self.previous is not None:
            samples.insert(0, self.previous)
        out = array("h")
        position, step, last = self.position, self.step, len(samples) - 1
        while position < last:
            index = int(position)
            fraction = position - index
            out.append(int(samples[index] + (samples[index + 1] - samples[index]) * fraction))
            position += step
        if samples:
            self.previous = samples[-1]
            self.position = position - last
        return out.tobytes()
