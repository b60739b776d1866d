"""Cloud-side fixtures: one throwaway PostgreSQL per test session with the Supabase shim and our
migrations applied, a PostgREST-compatible gateway per test, and registered restaurants/boxes
(unique ids per test, so tests never see each other's rows)."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.gateway import Gateway
from tests.support.pg_server import ThrowawayPostgres
from tests.support.sync_box import Box
from tests.support.sync_cloud import ANON_KEY, JWT_SECRET, Cloud


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
