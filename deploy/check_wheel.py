"""`make dist`'s check: the wheel holds what a box needs (every package, the migrations, the
`edge` command), so a missing package-data rule fails the build, not a box in a kitchen."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

REQUIRED = ["edge/__init__.py", "edge/cli.py", "edge/store/migrations/0001_core.sql",
            "edge/appliance/sdnotify.py", "edge/doctor/checks.py",
            "devices/__init__.py", "voice/__init__.py", "sync/__init__.py"]
WEB_APP = ["web/app.html", "web/sw.js", "web/css/app.css", "web/css/kiosk.css", "web/js/main.js", "web/js/kds.js",
           "web/js/kiosk.js"]


def problems(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next((archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt")), "")
    found = [f"missing {path}" for path in REQUIRED if path not in names]
    found += [f"missing the tablet app's {path}" for path in WEB_APP
              if not any(n.endswith(f".data/data/share/restaurant-edge/{path}") for n in names)]
    if "edge = edge.cli:main" not in entry_points:
        found.append("no `edge` console script")
    leaked = sorted(n for n in names if n.startswith(("tests/", "bench/", "deploy/")) or n.endswith((".sqlite", ".key")))
    found += [f"should not ship {name}" for name in leaked]
    return found


def main(paths: list[str]) -> int:
    status = 0
    for path in paths:
        found = problems(Path(path))
        for problem in found:
            print(f"{path}: {problem}", file=sys.stderr)
        status |= bool(found)
        if not found:
            print(f"{path}: ok ({Path(path).stat().st_size // 1024} KiB)")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
