"""Synthetic speech (Korean, English) and other sounds for the audio tests and the benchmark
(espeak-ng + sox).

Synthetic speech checks the pipeline (audio -> recogniser -> grammar -> parser -> draft), not
recognition accuracy on people: espeak-ng's formant voice is far from a human speaker, so the
utterances used are ones this voice and the packaged model agree on.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .requirements import require_tool

VOICE, SPEED_WPM, WORD_GAP = "ko+f2", "190", "10"


def require_tools() -> None:
    """espeak-ng and sox (TEST_DEBS): a test that speaks fails without them, it does not skip."""
    for tool, package in (("espeak-ng", "espeak-ng"), ("sox", "sox"), ("soxi", "sox")):
        require_tool(tool, package=package)


def speak(text: str, path: Path, *, rate: int = 16000, voice: str = VOICE, speed_wpm: str = SPEED_WPM) -> Path:
    """``text`` spoken into a 16-bit mono WAV at ``rate``, with a little silence either side."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", speed_wpm, "-g", WORD_GAP, "-w", str(raw), text],
                   check=True, timeout=30)
    subprocess.run(["sox", str(raw), "-r", str(rate), "-b", "16", "-c", "1", str(path), "pad", "0.3", "0.3"],
                   check=True, timeout=30)
    raw.unlink()
    return path


def with_noise(clean: Path, path: Path, snr_db: float, *, kind: str = "whitenoise") -> Path:
    """``clean`` mixed with noise ``snr_db`` below the speech's RMS level.

    ``kind``: sox's ``whitenoise``, or ``pinknoise`` / ``brownnoise`` (closer to a kitchen's fans
    and hiss); the level is set from the white-noise relation, so coloured noise lands within a
    few dB of the nominal SNR.
    """
    stats = subprocess.run(["sox", str(clean), "-n", "stat"], capture_output=True, text=True, timeout=30).stderr
    rms = float(next(line.split(":")[1] for line in stats.splitlines() if line.startswith("RMS     amplitude")))
    noise_amplitude = rms / (10 ** (snr_db / 20)) * 1.732  # white noise from sox: RMS = amplitude / sqrt(3)
    noise = path.with_suffix(".noise.wav")
    duration = subprocess.run(["soxi", "-D", str(clean)], capture_output=True, text=True, timeout=30).stdout.strip()
    rate = subprocess.run(["soxi", "-r", str(clean)], capture_output=True, text=True, timeout=30).stdout.strip()
    subprocess.run(["sox", "-n", "-r", rate, "-b", "16", "-c", "1", str(noise), "synth", duration, kind,
                    "vol", f"{noise_amplitude:.6f}"], check=True, timeout=30)
    subprocess.run(["sox", "-m", str(clean), str(noise), str(path)], check=True, timeout=30)
    noise.unlink()
    return path


def synth(path: Path, *effects: str, seconds: float = 3.0, rate: int = 16000) -> Path:
    """A sound that is not speech: ``synth(p, "whitenoise")``, ``synth(p, "pluck", "220", ...)``."""
    subprocess.run(["sox", "-n", "-r", str(rate), "-b", "16", "-c", "1", str(path), "synth", str(seconds), *effects],
                   check=True, timeout=30)
    return path


def music(path: Path, *, rate: int = 16000) -> Path:
    """A few bars of plucked chords: tonal, rhythmic, and not an order."""
    notes = [synth(path.with_name(f"{path.stem}-{i}.wav"), "pluck", note, "pluck", third, seconds=0.5, rate=rate)
             for i, (note, third) in enumerate([("C4", "E4"), ("F4", "A4"), ("G4", "B4"), ("C4", "G4")] * 2)]
    subprocess.run(["sox", *map(str, notes), str(path)], check=True, timeout=30)
    for note in notes:
        note.unlink()
    return path
