"""Cloud-side fixtures: one throwaway PostgreSQL per test session with the Supabase shim and our
migrations applied, a PostgREST-compatible gateway per test, and registered restaurants/boxes
(unique ids per test, so tests never see each other's rows)."""

from __future__ import annotations

import json
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gateway import Gateway  # noqa: E402
from pg_server import ThrowawayPostgres  # noqa: E402

from boxes import Box  # noqa: E402

from sync.credentials import mint_box_token  # noqa: E402

JWT_SECRET = "test-jwt-secret-at-least-32-bytes-long!!"
ANON_KEY = "test-anon-key"


@pytest.fixture(scope="session")
def postgres():
    server = ThrowawayPostgres().start()
    try:
        server.apply_migrations()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_admin(postgres):
    """A superuser connection (plays the Supabase dashboard / service role)."""
    with psycopg.connect(postgres.superuser_dsn, autocommit=True) as conn:
        yield conn


class Cloud:
    def __init__(self, postgres: ThrowawayPostgres, admin: psycopg.Connection):
        self.postgres = postgres
        self.admin = admin

    def restaurant(self, name: str = "R") -> str:
        restaurant_id = f"{name}-{uuid.uuid4().hex[:8]}"
        self.admin.execute("insert into restaurants (id, name) values (%s, %s)", (restaurant_id, name))
        return restaurant_id

    def box(self, restaurant_id: str) -> tuple[str, str]:
        """Register a box; returns (box_id, its JWT)."""
        box_id = f"box-{uuid.uuid4().hex[:8]}"
        self.admin.execute("insert into boxes (id, restaurant_id) values (%s, %s)", (box_id, restaurant_id))
        return box_id, mint_box_token(JWT_SECRET, restaurant_id=restaurant_id, box_id=box_id)

    @contextmanager
    def as_claims(self, claims: dict, role: str = "authenticated"):
        """A transaction running as PostgREST would run a request with these claims."""
        with psycopg.connect(self.postgres.authenticator_dsn) as conn:
            with conn.transaction(force_rollback=False):
                conn.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
                             (role, json.dumps(claims)))
                yield conn

    def as_box(self, restaurant_id: str, box_id: str):
        return self.as_claims({"role": "authenticated", "restaurant_id": restaurant_id, "box_id": box_id})

    def push(self, restaurant_id: str, box_id: str, events: list[dict]) -> dict:
        with self.as_box(restaurant_id, box_id) as conn:
            return conn.execute("select sync_push(%s, %s::jsonb)", (box_id, json.dumps(events))).fetchone()[0]

    def scalar(self, sql: str, *params):
        return self.admin.execute(sql, params).fetchone()[0]


@pytest.fixture
def cloud(postgres, pg_admin) -> Cloud:
    return Cloud(postgres, pg_admin)


@pytest.fixture
def gateway(postgres):
    gw = Gateway(postgres.authenticator_dsn, jwt_secret=JWT_SECRET, anon_key=ANON_KEY).start()
    yield gw
    gw.close()


@pytest.fixture
def make_box(tmp_path, cloud, gateway):
    """Boxes with a real Store (SQLite file, demo menu) registered in the cloud, pushing through
    the gateway with short timeouts."""
    made: list[Box] = []

    def make(restaurant_id: str | None = None, path=None, **options) -> Box:
        restaurant_id = restaurant_id or cloud.restaurant()
        box_id, token = cloud.box(restaurant_id)
        box = Box(path or tmp_path / f"{box_id}.sqlite", restaurant_id, box_id, token, gateway.url, ANON_KEY,
                  **options)
        made.append(box)
        return box

    yield make
    for box in made:
        box.close()


@pytest.fixture
def box(make_box) -> Box:
    return make_box()
