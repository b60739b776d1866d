"""English voice accuracy per engine: exact drafts / wrong drafts / rejections on synthetic speech.

Run pinned to one core, from the repository root (bench/voice_engines.py runs it too):

    taskset -c 0 .venv/bin/python -m bench.voice_english [--voices en-us,en-gb] [--quick]

The demo menu (edge.appliance.demo), espeak-ng voices en-us, en-us+m3, en-us+f2 and en-gb resampled to
16 kHz, clean and with pink noise (fans, hiss: kitchen-like) at 20 and 10 dB SNR. A WRONG draft
(a different order than was spoken) is the failure that matters: the table shows how the
confidence threshold that turns a draft into a rejection trades exact drafts for wrong ones.
Figures are on SYNTHETIC speech: they check the pipeline and how it degrades, not people.
"""

from __future__ import annotations

import argparse
import queue
import resource
import tempfile
import time
import wave
from pathlib import Path

from edge.appliance.demo import DEMO_MENU
from tests.support.speech import speak, with_noise
from voice.language import load_pack
from voice.parser import OrderParser
from voice.service import REJECT_BELOW, VoiceService

# What a server says, on the demo menu; each parses (as text) to the order the bench expects.
UTTERANCES = [
    "two cheeseburgers", "a coke", "three fries", "one hamburger medium rare", "two iced teas",
    "a caesar salad", "four chicken wings", "one large fries", "two cheeseburgers and a coke",
    "a milkshake", "one coffee table five", "two beers table twelve", "a veggie burger",
    "three onion rings and two lemonades", "one cheesecake", "a grilled salmon table eight",
]
VOICES = ["en-us", "en-us+m3", "en-us+f2", "en-gb"]
THRESHOLDS = [None, 0.3, 0.4, 0.5, 0.6]


def pcm(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()


def items_of(draft: dict) -> list:
    return [(i["menu_item_id"], i["quantity"], sorted(i["modifier_ids"])) for i in draft["items"]]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(engine: str, voices: list[str], folder: Path) -> None:
    menu = DEMO_MENU
    expected = {text: OrderParser(menu, load_pack("en")).parse_text(text).to_dict() for text in UTTERANCES}
    started = time.monotonic()
    service = VoiceService(None, "en", menu=lambda: menu, engine=engine).start(wait_s=120)
    print(f"{engine}: process start to ready {time.monotonic() - started:.2f} s "
          f"(model load {service.recognizer.status.load_s:.2f} s)")
    service.reject_below = None  # every draft is kept; the thresholds are applied below
    outcomes: dict[str, list[tuple[str, float | None]]] = {}
    latencies, audio_s = [], []
    try:
        service.grammar_json()  # the menu's model is built before the first utterance
        for voice in voices:
            for index, text in enumerate(UTTERANCES):
                clean = speak(text, folder / f"{voice}-{index}.wav", voice=voice, speed_wpm="150")
                clips = {"clean": clean}
                for snr in (20, 10):
                    clips[f"{snr} dB"] = with_noise(clean, clean.with_name(f"{clean.stem}-{snr}.wav"), snr,
                                                    kind="pinknoise")
                for condition, clip in clips.items():
                    answer = service.transcribe(*pcm(clip))
                    latencies.append(answer["latency_ms"])
                    data, rate = pcm(clip)
                    audio_s.append(len(data) / 2 / rate)
                    outcomes.setdefault(condition, []).append(verdict(answer, expected[text]))
        report(engine, voices, outcomes, latencies, audio_s, service)
        release_to_draft(service, [folder / f"{voices[0]}-{index}.wav" for index in range(len(UTTERANCES))])
    finally:
        service.close()


def verdict(answer: dict, expected: dict) -> tuple[str, float | None]:
    draft = answer["draft"]
    if draft is None:
        return "rejected", None
    same = items_of(draft) == items_of(expected) and draft["table"] == expected["table"]
    return ("exact" if same else "wrong"), draft["confidence"]


def report(engine, voices, outcomes, latencies, audio_s, service) -> None:
    print(f"\n{engine}, English, {len(UTTERANCES)} utterances x {len(voices)} voices ({', '.join(voices)}), "
          f"pink noise; exact / wrong / rejected")
    print("| threshold | " + " | ".join(outcomes) + " |")
    print("|---|" + "---|" * len(outcomes))
    for threshold in THRESHOLDS:
        cells = []
        for results in outcomes.values():
            exact = sum(1 for kind, c in results if kind == "exact" and (threshold is None or c >= threshold))
            wrong = sum(1 for kind, c in results if kind == "wrong" and (threshold is None or c >= threshold))
            cells.append(f"{exact} / {wrong} / {len(results) - exact - wrong}")
        mark = " (shipped)" if threshold == REJECT_BELOW.get(engine) else ""
        print(f"| {threshold if threshold is not None else 'none'}{mark} | " + " | ".join(cells) + " |")
    print(f"\nrequest-to-draft latency (whole WAV posted, decode included) over {len(latencies)} utterances of "
          f"{min(audio_s):.1f}-{max(audio_s):.1f} s: p50 {percentile(latencies, 50):.0f} ms, "
          f"p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms")
    print(f"recogniser process peak memory: {service.recognizer.peak_rss_mb():.0f} MB; "
          f"server process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def release_to_draft(service: VoiceService, clips: list[Path]) -> None:
    """The talk button: audio streams in at real speed while held; latency from release to draft."""
    from voice.capture import PushToTalk
    from voice.filestream import WavFileStream

    latencies = []
    for clip in clips:
        results: queue.Queue = queue.Queue()
        rate = pcm(clip)[1]
        talk = PushToTalk(service.recognizer, samplerate=rate, grammar=service.grammar_json, on_result=results.put)
        talk.press()
        with WavFileStream(clip, callback=talk.callback, blocksize=rate // 10) as stream:
            stream.finished.wait(60)
        talk.release()
        latencies.append(service.on_capture(results.get(timeout=60))["latency_ms"])
        talk.close()
    print(f"release-to-draft latency, talk button at real speed, {len(clips)} utterances ({clips[0].name[:5]}...): "
          f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default=",".join(VOICES))
    parser.add_argument("--engine", default="pocketsphinx")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(args.engine, args.voices.split(","), Path(folder))


if __name__ == "__main__":
    main()
