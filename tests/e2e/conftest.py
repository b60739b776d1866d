"""Reusable real-server and real-browser fixtures (tests/e2e is a package so that this conftest
cannot shadow tests/conftest.py).

``edge_server``: the real ``edge serve --demo`` (gunicorn) in a subprocess on a free loopback
port with its own data directory; waits for /health (with a timeout), yields an ``EdgeServer``
(edge_process.py: ``.url``, ``.port``, ``.start()``, ``.terminate()``, ``.log()``,
``.login(pin)``), SIGTERMs it afterwards (support.stop). ``start_edge_server(name, **env)`` starts more, with extra ``EDGE_*``
settings. ``browser`` (tests/conftest.py): Debian's chromium driven by Playwright (one per
session; use fresh contexts). ``artifacts``: the gitignored folder for screenshots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .edge_process import EdgeServer
from .support import ARTIFACTS, stop


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
