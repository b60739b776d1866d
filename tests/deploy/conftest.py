"""Fixtures for the appliance tests: the pi-image folder, a temporary root, the built wheel."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.requirements import missing

REPO = Path(__file__).resolve().parents[2]

PI_IMAGE = REPO / "deploy" / "pi-image"


def make_root(path: Path) -> Path:
    """An empty root file system with just enough /etc for useradd --prefix (no edge user yet)."""
    etc = path / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\nlp:x:7:\naudio:x:29:\n")
    for name in ("shadow", "gshadow"):
        (etc / name).write_text("")
    return path


@pytest.fixture
def root(tmp_path) -> Path:
    return make_root(tmp_path / "root")


def run(*args, check: bool = True, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """Run a command (every argument str()-ed); with check, fail the test showing its output."""
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs)
    if check:
        assert result.returncode == 0, f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def wheel() -> Path:
    """The wheel exactly as `make dist` builds it."""
    if shutil.which("make") is None:
        missing("the program make", "run `apt-get install make` (the suite builds the wheel with `make dist`)")
    run("make", "-C", REPO, "dist", timeout=300)
    wheels = sorted((REPO / "dist").glob("restaurant_edge-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]
