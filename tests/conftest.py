"""Shared fixtures: an app on a fresh data directory with the demo restaurant seeded."""

from __future__ import annotations

import pytest

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.security import auth
from edge.settings import Settings
from tests.support.client import login
from tests.support.requirements import require_file


@pytest.fixture(autouse=True)
def cheap_pin_hashing(monkeypatch):
    """scrypt at full cost takes ~60 ms a PIN; tests log in hundreds of times. The real cost is
    kept by the end-to-end tests, which run the real server in a process of its own."""
    monkeypatch.setitem(auth.SCRYPT, "n", 2**8)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright: one for the whole run (Playwright's sync API runs
    one event loop per thread, so a second one beside it would fail); use fresh contexts."""
    from playwright.sync_api import sync_playwright

    from tests.support.e2e import CHROMIUM, CHROMIUM_ARGS

    require_file(CHROMIUM, package="chromium")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    return Settings(data_dir=tmp_path / "data", demo=True)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    yield app
    services.close()


@pytest.fixture
def services(app):
    return app.extensions["edge"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def staff(client) -> dict:
    return login(client, "1111")


@pytest.fixture
def admin(client) -> dict:
    return login(client, "1234")


@pytest.fixture
def customer(client) -> dict:
    return login(client, "0000")
