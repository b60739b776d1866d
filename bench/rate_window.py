"""The rate-limit check per request: our MovingWindow against `limits`' own moving window.

    taskset -c 0 .venv/bin/python -m bench.rate_window [--requests 200000]

Twenty clients share one window, each request counted against the box's default authenticated
limits (6000 per minute; 500 per second), as edge.api.limits does in its before_request hook.
`limits`' stock MemoryStorage also restarts a timer thread 10 ms after a hit (what the box had
to override before it owned the window).
"""

from __future__ import annotations

import argparse
import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from edge.api.limits import MovingWindow

LIMITS = parse_many("6000 per minute;500 per second")
CLIENTS = [f"10.0.0.{n}|user:{n}" for n in range(20)]


def per_request_us(hit, requests: int) -> float:
    started = time.perf_counter()
    for n in range(requests):
        client = CLIENTS[n % len(CLIENTS)]
        for limit in LIMITS:
            hit(limit, "edge", client)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    ours = MovingWindow()
    stock = MovingWindowRateLimiter(MemoryStorage())
    for _ in range(2):  # the second round is the one to read (warm)
        print(f"edge MovingWindow:          {per_request_us(ours.hit, args.requests):6.2f} us per request")
        print(f"limits MovingWindow+Memory: {per_request_us(stock.hit, args.requests):6.2f} us per request")


if __name__ == "__main__":
    main()
