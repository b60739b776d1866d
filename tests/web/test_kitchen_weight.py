"""What a kitchen screen loads stays light: a KDS on a cheap tablet over restaurant Wi-Fi."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
IMPORT = re.compile(r"""(?:import|from)\s*\(?\s*['"](\./[\w-]+\.js)['"]""")
LIMIT_BYTES = 150 * 1024


def modules_reachable(start: str) -> set[Path]:
    seen: set[Path] = set()
    todo = [WEB / "js" / start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [WEB / "js" / name[2:] for name in IMPORT.findall(module.read_text())]
    return seen


def test_everything_a_kds_or_expo_loads_is_under_150_kb():
    shell = WEB / "app.html"
    styles = [WEB / href.lstrip("/").removeprefix("web/") for href in
              re.findall(r'href="(/web/css/[\w-]+\.css)"', shell.read_text())]
    preloaded = {WEB / href.removeprefix("/web/") for href in
                 re.findall(r'rel="modulepreload" href="(/web/js/[\w-]+\.js)"', shell.read_text())}
    for screen in ("kds.js", "expo.js"):
        files = {shell, *styles, *preloaded, *modules_reachable("main.js"), *modules_reachable(screen)}
        total = sum(path.stat().st_size for path in files)
        assert len(styles) >= 2 and total < LIMIT_BYTES, f"{screen}: {total} bytes in {len(files)} files"


KIOSK_LIMIT_BYTES = 135 * 1024  # 110 KB before its outbox (issue 14's follow-up), 127 KB with it


def test_everything_the_kiosk_loads_is_under_135_kb():
    shell = WEB / "app.html"
    styles = [WEB / href.lstrip("/").removeprefix("web/") for href in
              re.findall(r'href="(/web/css/[\w-]+\.css)"', shell.read_text())]
    files = {shell, *styles, WEB / "css" / "kiosk.css", *modules_reachable("main.js"), *modules_reachable("kiosk.js")}
    total = sum(path.stat().st_size for path in files)
    assert WEB / "js" / "outbox.js" in files and total < KIOSK_LIMIT_BYTES, f"kiosk: {total} bytes in {len(files)} files"
