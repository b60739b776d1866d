"""Screenshots of the kitchen screens in a rush, for a reviewer to look at (not committed).

Starts a real box (`edge serve --demo`) holding 60 open tickets of 1-9 items (long dish names,
modifiers, "no ..." removals, allergy notes: tests/support/kitchen_rush.py), opens the grill KDS and
the expo in Debian's Chromium at 1280x800, 800x1280 and 390x844, and writes one PNG per screen
and size (plus the KDS's second page and its screen menu) to test-artifacts/kitchen/.

    python -m bench.kitchen_screens [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.e2e import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, stop
from tests.support.kitchen_rush import session_script, start_rush_server

SIZES = {"landscape": (1280, 800), "portrait": (800, 1280), "phone": (390, 844)}


def shoot(browser, server, out: Path, script: str) -> list[Path]:
    written = []
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(script)
        page = context.new_page()
        page.goto(f"{server.url}/kds/grill")
        page.get_by_test_id("ticket").first.wait_for(timeout=10_000)
        page.wait_for_timeout(300)
        for name, action in (("kds", None), ("kds-page2", "PageDown"), ("kds-menu", "Screen menu")):
            if action == "PageDown":  # the bump bar's page key: next page, or a screen down on a phone
                page.keyboard.press(action)
                page.wait_for_timeout(300)
            elif action:
                page.get_by_role("button", name=action).click()
                page.wait_for_timeout(200)
            written.append(out / f"{name}-{size}.png")
            page.screenshot(path=written[-1])
        page.goto(f"{server.url}/expo")
        page.get_by_test_id("expo-order").first.wait_for(timeout=10_000)
        page.wait_for_timeout(300)
        written.append(out / f"expo-{size}.png")
        page.screenshot(path=written[-1])
        context.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ARTIFACTS / "kitchen")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_rush_server(Path(tmp) / "box")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for path in shoot(browser, server, args.out, session_script(server)):
                    print(path)
                browser.close()
        finally:
            stop(server)


if __name__ == "__main__":
    main()
