"""`edge doctor`: small checks, each returning findings with a fix; a table; non-zero on failure.

A check is a function ``check(settings) -> Finding | list[Finding]``. The built-in ones live in
``edge.doctor.checks``; a feature adds its own with ``register(fn)`` at import, or -- without
touching the core -- through the ``edge.doctor`` entry-point group in its package metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Callable, Iterable, Literal

from edge.settings import Settings

log = logging.getLogger("edge.doctor")
Status = Literal["ok", "warn", "fail", "skip"]
ENTRY_POINT_GROUP = "edge.doctor"


@dataclass(frozen=True)
class Finding:
    name: str
    status: Status
    detail: str
    fix: str = ""


def ok(name: str, detail: str) -> Finding:
    return Finding(name, "ok", detail)


def fail(name: str, detail: str, fix: str) -> Finding:
    return Finding(name, "fail", detail, fix)


def warn(name: str, detail: str, fix: str) -> Finding:
    return Finding(name, "warn", detail, fix)


def skip(name: str, detail: str) -> Finding:
    return Finding(name, "skip", detail)


Check = Callable[[Settings], "Finding | list[Finding]"]
_registered: list[Check] = []


def register(check: Check) -> Check:
    """Add a check (usable as a decorator); it runs after the built-in ones."""
    if check not in _registered:
        _registered.append(check)
    return check


def all_checks() -> list[Check]:
    from edge.doctor.checks import BUILTIN_CHECKS

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


def healthy(findings: list[Finding]) -> bool:
    return all(finding.status != "fail" for finding in findings)


def format_table(findings: list[Finding]) -> str:
    """A plain-text table (it goes to a terminal or a journal), then one fix line per problem."""
    name_width = max([len("check"), *(len(f.name) for f in findings)])
    lines = [f"{'check':<{name_width}}  status  detail", f"{'-' * name_width}  ------  ------"]
    lines += [f"{f.name:<{name_width}}  {f.status.upper():<6}  {f.detail}" for f in findings]
    problems = [f for f in findings if f.status in ("fail", "warn") and f.fix]
    if problems:
        lines += ["", "How to fix:"]
        lines += [f"  {f.name}: {f.fix}" for f in problems]
    failed = sum(f.status == "fail" for f in findings)
    lines += ["", f"{failed} problem(s) found" if failed else "all checks passed"]
    return "\n".join(lines)


def _broken_plugin(name: str, error: Exception) -> Check:
    def check(settings: Settings) -> Finding:
        return fail(f"plugin {name}", f"could not load: {error}", "reinstall the package that provides it")
    return check
