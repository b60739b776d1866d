"""How long a backlog takes to reach the cloud over a link that loses some answers, under the
sync worker's backoff rule (edge.domain.backoff.Backoff, the real class), simulated on a virtual clock.

A lost answer arrives after the cloud committed the batch, so the next run re-sends it (the cloud
deduplicates) and moves on. ``--rule old`` counts failures in a row until a whole run succeeds
(what the worker did before issue 16); ``--rule new`` starts over at every acknowledged batch.

    .venv/bin/python -m bench.sync_backoff --batches 40 --loss 0.3
    .venv/bin/python -m bench.sync_backoff --batches 100 --loss 0.3   # 50,000 events of 500
"""

from __future__ import annotations

import argparse
import random
import statistics

from edge.domain.backoff import Backoff

BATCH_S = 0.3  # one push round trip
TICK_S = 2.0  # sync.interval_s: a run starts at the first tick after the backoff


def drain(batches: int, loss: float, rule: str, rng: random.Random) -> float:
    backoff, now, left = Backoff(rng=rng), 0.0, batches
    while left:
        while left:  # one run: push until the backlog is empty or an answer is lost
            now += BATCH_S
            if rng.random() < loss:
                break
            left -= 1
            if rule == "new":
                backoff.reset()
        else:
            break
        now += backoff.next_delay()
        now += rng.uniform(0, TICK_S)
    return now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--loss", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    for rule in ("old", "new"):
        rng = random.Random(16)
        times = sorted(drain(args.batches, args.loss, rule, rng) for _ in range(args.runs))
        p90 = times[int(len(times) * 0.9)]
        print(f"{rule}: {args.batches} batches, {args.loss:.0%} answers lost: median "
              f"{statistics.median(times) / 60:.1f} min, p90 {p90 / 60:.1f} min")


if __name__ == "__main__":
    main()
