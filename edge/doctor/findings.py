"""What a doctor check finds, with its fix, and the table `edge doctor` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "skip"]


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
