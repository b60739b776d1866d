"""First render of a KDS holding 60 open tickets, in headless Chromium, and its page weight.

Starts a real box (`edge serve --demo`, pinned to CPU 0 like the other benchmarks) with the
rush of tests/support/kitchen_rush.py (60 tickets of 1-9 items), then opens /kds/grill at 1280x800
``--runs`` times, each in a fresh browser context (nothing cached: the first visit of a tablet)
and once more reloaded (the app shell revalidated, the last state shown from localStorage first).
Reports, per visit (ms from navigation start): `cards` the first tickets on screen (on a reload:
from the tablet's own cache, before any request), `fetched` the snapshot's two requests answered,
`drawn` the snapshot's tickets on screen; `render` how long drawing the 60-ticket snapshot took
(the screen's cards built, measured and packed into columns; the rest follows right after) and
`longest` the longest render of the visit (the full layout of all 60 included). Page weight: every static file the KDS loads (HTML, CSS, JS), as sent.

    python -m bench.kds_render [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.e2e import CHROMIUM, CHROMIUM_ARGS, stop
from tests.support.edge_process import EdgeServer
from tests.support.kitchen_rush import seed_rush, session_script

TIMINGS = """() => {
  const mark = (name) => performance.getEntriesByName(name)[0].startTime;
  const renders = performance.getEntriesByName('kds-render').map((m) => m.duration);
  return { drawn: mark('kds-snapshot-rendered'), fetched: mark('kds-snapshot-fetched'), cards: mark('kds-first-cards'),
           render: mark('kds-snapshot-rendered') - mark('kds-snapshot-fetched'), longest: Math.max(...renders),
           tickets: document.querySelectorAll('[data-testid=ticket]').length };
}"""
WEIGHT = """() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
  .filter((r) => !new URL(r.name).pathname.startsWith('/api/'))
  .map((r) => ({ path: new URL(r.name).pathname, bytes: r.encodedBodySize }))"""


def wait_drawn(page, timeout_s: float = 20.0) -> None:
    # Polled from here: Playwright's wait_for_function compiles its predicate with eval, which the
    # page's Content-Security-Policy forbids.
    deadline = time.monotonic() + timeout_s
    while not page.evaluate("() => performance.getEntriesByName('kds-snapshot-rendered').length > 0"):
        if time.monotonic() > deadline:
            raise TimeoutError("the KDS did not draw its snapshot")
        time.sleep(0.02)


def visit(browser, server, script, reload: bool) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(script)
    page = context.new_page()
    page.goto(f"{server.url}/kds/grill")
    wait_drawn(page)
    if reload:
        page.reload()
        wait_drawn(page)
    result = page.evaluate(TIMINGS)
    result["weight"] = page.evaluate(WEIGHT)
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = EdgeServer(Path(tmp) / "box", cpu=0).start()
        stop(server)
        seed_rush(server.data_dir, 60)
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                script = session_script(server)
                visit(browser, server, script, reload=False)  # warm the box's card cache and the disk
                for label, reload in (("first visit", False), ("reload", True)):
                    runs = [visit(browser, server, script, reload) for _ in range(args.runs)]
                    assert all(run["tickets"] > 0 for run in runs)
                    for key in ("cards", "fetched", "drawn", "render", "longest"):
                        values = sorted(run[key] for run in runs)
                        print(f"{label:12} {key:8} median {statistics.median(values):7.1f} ms  "
                              f"max {values[-1]:7.1f} ms")
                first = visit(browser, server, script, reload=False)["weight"]
                total = sum(entry["bytes"] for entry in first)
                print(f"page weight: {total / 1024:.1f} KiB in {len(first)} files (uncompressed, as served)")
                for entry in sorted(first, key=lambda e: -e["bytes"]):
                    print(f"  {entry['bytes']:7d}  {entry['path']}")
                browser.close()
        finally:
            stop(server)


if __name__ == "__main__":
    main()
