"""The suite's one skip policy.

What `make test` installs (the Debian packages of TEST_DEBS, the Python extras of dev-deps, the
dashboard's libraries) is part of the test environment: when it is missing the test FAILS and says
what to run, so a half-installed machine cannot pass by skipping (the voice tests used to skip
silently without espeak-ng). Only what no install can give this machine (a kernel device, root
rights, a container that refuses a mount) skips, with its reason: ``unavailable_here``, or a
``skipif`` mark for the same kind of reason (no /dev/uinput, no /dev/fuse, not root).
tests/test_suite_rules.py keeps every other skip out of the suite.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from types import ModuleType

import pytest


def missing(what: str, how: str):
    """Fail the test: a part of the test environment is not installed; ``how`` installs it."""
    pytest.fail(f"{what} is missing: {how}", pytrace=False)


def apt(installed_by: str, package: str) -> str:
    return f"run `{installed_by}` (or `apt-get install {package}`)"


def require_tool(name: str, *, package: str | None = None, installed_by: str = "make test") -> str:
    """The path of program ``name``; fails the test when it is not installed."""
    path = shutil.which(name)
    if path is None:
        missing(f"the program {name}", apt(installed_by, package or name))
    return path


def require_file(path: str | Path, *, package: str, installed_by: str = "make test") -> Path:
    """A file a Debian package installs (Chromium's binary...); fails the test when it is absent."""
    if not Path(path).exists():
        missing(str(path), apt(installed_by, package))
    return Path(path)


def require_module(name: str, *, installed_by: str = "make dev-deps") -> ModuleType:
    """An importable Python module of the dev or voice extras; fails the test when absent."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing(f"the Python module {name} ({error})", f"run `{installed_by}`")


def unavailable_here(reason: str) -> None:
    """Skip: this machine cannot do it whatever is installed (no such device, not root...)."""
    pytest.skip(reason)
