"""The cloud side for tests and the benchmark: a Cloud handle on the throwaway PostgreSQL that
registers restaurants and boxes and runs SQL as PostgREST would for a given JWT."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import psycopg

from sync.credentials import mint_box_token

from .pg_server import ThrowawayPostgres

JWT_SECRET = "test-jwt-secret-at-least-32-bytes-long!!"
ANON_KEY = "test-anon-key"


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
