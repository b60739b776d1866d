"""shellcheck on every shell script of the image build, and the pi-gen stage's shape."""

from __future__ import annotations

import os

import pytest

from tests.deploy.conftest import PI_IMAGE, run
from tests.support.requirements import require_tool

SHELL_FILES = sorted(
    path for path in PI_IMAGE.rglob("*")
    if path.is_file() and (path.suffix == ".sh" or path.read_bytes().startswith(b"#!/usr/bin/env bash")
                           or path.name in ("EXPORT_IMAGE", "pi-gen.config"))
)


def test_the_scripts_are_found():
    names = {path.name for path in SHELL_FILES}
    assert {"install.sh", "edge-update", "fetch-vosk-model.sh", "prerun.sh", "01-run.sh",
            "02-run-chroot.sh", "EXPORT_IMAGE", "pi-gen.config"} <= names


@pytest.mark.parametrize("script", SHELL_FILES, ids=lambda p: str(p.relative_to(PI_IMAGE)))
def test_shellcheck(script):
    require_tool("shellcheck")
    run("shellcheck", "--shell=bash", "--severity=style", script)


def test_pi_gen_runs_the_stage_scripts():
    """pi-gen runs NN-run.sh only when executable, and feeds NN-run-chroot.sh to a chroot shell."""
    stage = PI_IMAGE / "stage-edge"
    for script in ("prerun.sh", "00-edge/01-run.sh"):
        assert os.access(stage / script, os.X_OK), script
    for script in ("install.sh", "edge-update", "fetch-vosk-model.sh"):
        assert os.access(PI_IMAGE / script, os.X_OK), script
    packages = (stage / "00-edge" / "00-packages-nr").read_text().split()
    assert {"python3-venv", "libportaudio2", "avahi-daemon", "fake-hwclock"} <= set(packages)
    assert {"chrony", "systemd-timesyncd"} & set(packages)


def test_the_model_checksum_is_pinned_the_same_everywhere():
    pinned = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    for script in ("install.sh", "fetch-vosk-model.sh"):
        assert pinned in (PI_IMAGE / script).read_text(), script
