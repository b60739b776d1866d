"""The owner dashboard's one read, `owner_report`, on a busy restaurant's month.

    .venv/bin/python -m bench.owner_report [--orders-per-day 400] [--days 30]

Real PostgreSQL with the Supabase migrations (as in the tests); one restaurant with a 60-item menu,
`--days` business days of `--orders-per-day` orders (2 lines and 3 tickets each, 5 % voided, one
line voided after Send on 10 %), then the report for today, the last 7 and the last 30 days, run
as an owner (row-level security on), median of 5. Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import psycopg

from tests.support.pg_server import ThrowawayPostgres

SEED = [
    "insert into restaurants (id, name) values ('r1', 'Busy')",
    "insert into menu_categories (restaurant_id, id, name) values ('r1', 'c', 'C')",
    "insert into menu_items (restaurant_id, id, category_id, name, price_cents, station) "
    "select 'r1', 'i' || n, 'c', 'Item ' || n, 500 + n, (array['grill', 'fry', 'bar'])[n % 3 + 1] "
    "from generate_series(1, 60) n",
    "insert into orders (restaurant_id, id, box_id, number, business_date, source, type, status, void_reason, "
    "created_at, fired_at, completed_at, subtotal_cents, tax_cents, total_cents, hlc, updated_seq) "
    "select 'r1', 'o' || n, 'b', n %% %(per_day)s, (now() - (n / %(per_day)s) * interval '1 day')::date, "
    "(array['pos', 'kiosk', 'voice'])[n %% 3 + 1], 'dine_in', "
    "case when n %% 20 = 0 then 'voided' else 'completed' end, case when n %% 20 = 0 then 'x' end, "
    "now() - (n / %(per_day)s) * interval '1 day' - (n %% %(per_day)s) * interval '1 minute', now(), now(), "
    "2000, 175, 2175, 'x', n from generate_series(1, %(total)s) n",
    "insert into order_items (restaurant_id, order_id, id, menu_item_id, name, station, quantity, unit_price_cents, "
    "line_total_cents) select 'r1', 'o' || n, 'l' || k, 'i' || ((n * k) %% 60 + 1), 'Item', 'grill', 1, 1000, 1000 "
    "from generate_series(1, %(total)s) n, generate_series(1, 2) k",
    "update order_items set voided_at = now(), void_reason = 'wrong item' where id = 'l2' and order_id like '%7'",
    "insert into tickets (restaurant_id, order_id, id, station, status, fired_at, bumped_at) "
    "select 'r1', 'o' || n, 't' || k, (array['grill', 'fry', 'bar'])[k], 'completed', now(), "
    "now() + ((n * k) %% 600) * interval '1 second' from generate_series(1, %(total)s) n, generate_series(1, 3) k",
    "analyze",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=400)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    postgres = ThrowawayPostgres().start()
    try:
        postgres.apply_migrations()
        sizes = {"per_day": args.orders_per_day, "total": args.orders_per_day * args.days}
        with psycopg.connect(postgres.superuser_dsn, autocommit=True) as admin:
            for statement in SEED:
                admin.execute(statement, sizes if "%(" in statement else None)
        claims = json.dumps({"role": "authenticated", "sub": "owner", "app_metadata": {"restaurant_ids": ["r1"]}})
        with psycopg.connect(postgres.authenticator_dsn) as conn:
            for days in (1, 7, 30):
                timings = []
                for _ in range(5):
                    with conn.transaction():
                        conn.execute("select set_config('role', 'authenticated', true), "
                                     "set_config('request.jwt.claims', %s, true)", (claims,))
                        started = time.perf_counter()
                        report = conn.execute("select owner_report(null, null, %s)", (days,)).fetchone()[0][0]
                        timings.append((time.perf_counter() - started) * 1000)
                orders = report["totals"]["orders"] + report["voids"]["orders"]
                print(f"last {days:>2} business day(s): {orders:>6} orders, median {statistics.median(timings):6.1f} ms")
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
