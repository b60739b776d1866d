"""Health checks: named checks, and the box is as healthy as its worst one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

Status = Literal["ok", "degraded", "down"]


@dataclass(frozen=True)
class Check:
    status: Status
    detail: str = ""


class Health:
    """Named checks; the box is as healthy as its worst check."""

    def __init__(self) -> None:
        self._checks: dict[str, Callable[[], Check]] = {}

    def register(self, name: str, check: Callable[[], Check]) -> None:
        self._checks[name] = check

    def check(self, name: str) -> Check:
        try:
            return self._checks[name]()
        except Exception as error:  # a check that breaks is itself a finding
            return Check("down", f"check failed: {error}")

    def run(self) -> tuple[Status, dict[str, dict]]:
        results = {}
        for name in self._checks:
            result = self.check(name)
            results[name] = {"status": result.status, "detail": result.detail}
        order = {"ok": 0, "degraded": 1, "down": 2}
        overall = max((r["status"] for r in results.values()), key=order.__getitem__, default="ok")
        return overall, results


def disk_check(path: Path, min_free_mb: int) -> Callable[[], Check]:
    def check() -> Check:
        usage = shutil.disk_usage(path)
        free_mb = usage.free // (1024 * 1024)
        if free_mb < min_free_mb:
            return Check("down", f"{free_mb} MB free, need {min_free_mb} MB")
        if free_mb < 2 * min_free_mb:
            return Check("degraded", f"{free_mb} MB free (low)")
        return Check("ok", f"{free_mb} MB free")
    return check
