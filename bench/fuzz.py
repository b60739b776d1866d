"""The long API fuzz run: schemathesis against the in-process app, many random examples.

    taskset -c 0 .venv/bin/python -m bench.fuzz --examples 200

Same checks as tests/security/test_fuzz.py (no 5xx, error shape, schema conformance, invalid
data rejected), but randomised and much longer. Exits 1 and prints each failure when any.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from tests.support.client import login
from tests.support.fuzzing import FUZZ_SECURITY, fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per operation and mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(data_dir=Path(folder), demo=True, security=FUZZ_SECURITY),
                         start_workers=False)
        services = app.extensions["edge"]
        try:
            seed_demo(services.store, services.secret)
            report = fuzz(app, login(app.test_client(), "1234"), max_examples=args.examples,
                          derandomize=False)
        finally:
            services.close()
    print(f"operations {report.operations}  cases {report.cases}  seconds {report.seconds:.1f}  "
          f"cases/s {report.cases / report.seconds:.0f}  failures {len(report.failures)}")
    for failure in report.failures:
        print("\n---", failure)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
