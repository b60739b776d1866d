"""`edge doctor`: small checks, each returning findings with a fix; a table; non-zero on failure.

A check is a function ``check(settings) -> Finding | list[Finding]`` (edge.doctor.findings). The
built-in ones live in ``edge.doctor.checks``; a feature adds its own with ``register(fn)`` at
import, or -- without touching the core -- through the ``edge.doctor`` entry-point group in its
package metadata.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Callable, Iterable

from edge.doctor.checks import BUILTIN_CHECKS
from edge.doctor.findings import Finding, fail
from edge.settings import Settings

log = logging.getLogger("edge.doctor")
ENTRY_POINT_GROUP = "edge.doctor"
Check = Callable[[Settings], "Finding | list[Finding]"]
_registered: list[Check] = []


def register(check: Check) -> Check:
    """Add a check (usable as a decorator); it runs after the built-in ones."""
    if check not in _registered:
        _registered.append(check)
    return check


def all_checks() -> list[Check]:
    plugged = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            plugged.append(entry.load())
        except Exception as error:  # a broken plugin is reported, not fatal
            plugged.append(_broken_plugin(entry.name, error))
    return [*BUILTIN_CHECKS, *_registered, *plugged]


def run_checks(settings: Settings, checks: Iterable[Check] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for check in all_checks() if checks is None else checks:
        try:
            result = check(settings)
        except Exception as error:  # a check that crashes is itself a finding
            log.debug("doctor check %s crashed", check, exc_info=True)
            result = fail(getattr(check, "__name__", "check").removeprefix("check_"),
                          f"the check crashed: {error!r}", "report this; run with --verbose")
        findings.extend(result if isinstance(result, list) else [result])
    return findings


def _broken_plugin(name: str, error: Exception) -> Check:
    def check(settings: Settings) -> Finding:
        return fail(f"plugin {name}", f"could not load: {error}", "reinstall the package that provides it")
    return check
