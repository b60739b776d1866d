"""Reusable real-server and real-browser fixtures.

``edge_server``: the real ``edge serve --demo`` (gunicorn) in a subprocess on a free loopback
port with its own data directory; waits for /health (with a timeout), yields an ``EdgeServer``
(tests/support/edge_process.py: ``.url``, ``.port``, ``.start()``, ``.terminate()``, ``.log()``,
``.login(pin)``), SIGTERMs it afterwards (tests.support.e2e.stop). ``start_edge_server(name, **env)``
starts more, with extra ``EDGE_*`` settings. ``browser`` (tests/conftest.py): Debian's chromium driven by Playwright (one per
session; use fresh contexts). ``artifacts``: the gitignored folder for screenshots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.e2e import ARTIFACTS, stop
from tests.support.edge_process import EdgeServer


@pytest.fixture
def start_edge_server(tmp_path):
    servers: list[EdgeServer] = []

    def start(name: str = "box", **env: str) -> EdgeServer:
        server = EdgeServer(tmp_path / name, extra_env=env).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        stop(server)


@pytest.fixture
def edge_server(start_edge_server) -> EdgeServer:
    return start_edge_server()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
