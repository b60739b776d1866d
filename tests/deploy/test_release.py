"""The wheel from `make dist`, installed the way a box installs it (edge-update into a clean venv),
then run: `edge --help`, `edge doctor` on a demo configuration, `edge firstboot`; then an update
that succeeds and one that fails its health check and rolls back. Real processes, real servers."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.deploy.conftest import PI_IMAGE, run
from tests.deploy.wheels import rebuild_wheel

EDGE_UPDATE = PI_IMAGE / "edge-update"
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Box:
    """A box's layout in a temporary directory: /opt/edge, /var/lib/edge, /etc/edge/edge.toml."""

    def __init__(self, base: Path):
        self.prefix, self.data, self.config = base / "opt-edge", base / "var-lib-edge", base / "edge.toml"
        self.prefix.mkdir()
        self.data.mkdir()
        self.port = free_port()
        self.pidfile = base / "server.pid"
        self.printer = socket.create_server(("127.0.0.1", 0))  # a network printer that answers
        self.config.write_text(
            f'data_dir = "{self.data}"\n[server]\nhost = "127.0.0.1"\nport = {self.port}\n'
            f'public_url = "http://kitchen.local"\n[restaurant]\nname = "Test Kitchen"\n'
            f'[[printers]]\nname = "kitchen"\nbackend = "network"\nhost = "127.0.0.1"\n'
            f'port = {self.printer.getsockname()[1]}\n'
            f'[[printers]]\nname = "receipt"\nbackend = "file"\npath = "{base / "receipt.bin"}"\nreceipt = true\n')
        self.receipt = base / "receipt.bin"
        self.restart = self._script(base / "restart.sh", f"""
            [ -f {self.pidfile} ] && kill "$(cat {self.pidfile})" 2>/dev/null && sleep 1
            EDGE_CONFIG={self.config} setsid {self.prefix}/current/bin/edge serve \\
                >>{base}/server.log 2>&1 </dev/null &
            echo $! > {self.pidfile}""")
        self.stop = self._script(base / "stop.sh", f"""
            [ -f {self.pidfile} ] && kill "$(cat {self.pidfile})" 2>/dev/null; rm -f {self.pidfile}; sleep 1""")

    @staticmethod
    def _script(path: Path, body: str) -> Path:
        path.write_text("#!/bin/bash\n" + "\n".join(line.strip() for line in body.splitlines()) + "\n")
        path.chmod(0o755)
        return path

    def env(self, **extra) -> dict:
        return {**os.environ, "EDGE_PREFIX": str(self.prefix), "EDGE_DATA_DIR": str(self.data),
                "EDGE_CONFIG": str(self.config), "EDGE_EXTRAS": "", "EDGE_RESTART_CMD": str(self.restart),
                "EDGE_STOP_CMD": str(self.stop), "EDGE_HEALTH_URL": f"http://127.0.0.1:{self.port}/health",
                "EDGE_HEALTH_TIMEOUT": "40", "EDGE_PIP_CACHE": "on", **extra}

    def edge(self, *args, check=True, timeout=60):
        return run(self.prefix / "current/bin/edge", *args, check=check, timeout=timeout,
                   env=self.env(), cwd=self.prefix)

    def current(self) -> str:
        return os.readlink(self.prefix / "current")

    def health(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as response:
            return json.load(response)

    def shut_down(self) -> None:
        run(self.stop, check=False, timeout=30)
        self.printer.close()


@pytest.fixture(scope="module", autouse=True)
def no_checkout_on_the_path():
    """A box has no PYTHONPATH. Run from a checkout with one (as the team runs worktrees), the
    release's clean venv would see that checkout: pip finds its restaurant_edge.egg-info and skips
    the install, and `import edge` finds the source tree instead of the wheel."""
    saved = os.environ.pop("PYTHONPATH", None)
    yield
    if saved is not None:
        os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="module")
def box(tmp_path_factory, wheel):
    """The first release, installed as the image build installs it (a clean venv, from PyPI)."""
    box = Box(tmp_path_factory.mktemp("box"))
    run(EDGE_UPDATE, "--first-install", wheel, env=box.env(), timeout=600)
    yield box
    box.shut_down()


def test_first_install_makes_a_release_and_points_current_at_it(box, wheel):
    version = wheel.name.split("-")[1]
    assert box.current() == f"releases/{version}"
    venv_python = box.prefix / "current/bin/python"
    origin = run(venv_python, "-c", "import edge; print(edge.__file__)", cwd=box.prefix).stdout
    assert origin.startswith(str(box.prefix)), "edge must come from the wheel, not the source tree"
    assert run(box.prefix / "current/bin/edge", "--version").stdout.strip().endswith(version)


def test_edge_help_lists_the_appliance_commands(box):
    out = box.edge("--help").stdout
    for command in ("serve", "doctor", "firstboot", "status-ticket", "migrate"):
        assert command in out


def test_doctor_on_a_demo_configuration(box):
    result = box.edge("doctor", check=False)
    rows = {line.split()[0] + (" " + line.split()[1] if line.startswith("printer") else ""): line
            for line in result.stdout.splitlines() if line.strip()}
    assert "OK" in rows["printer kitchen"] and "answers" in rows["printer kitchen"]
    assert "OK" in rows["printer receipt"]
    assert "SKIP" in rows["cloud"] and "OK" in rows["clock"]
    assert "WARN" in rows["database"], "no database before the first start"
    assert result.returncode == 0, result.stdout


def test_doctor_fails_with_a_fix_when_a_printer_is_off(box, tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connection refused
        config = tmp_path / "edge.toml"
        config.write_text(box.config.read_text().replace(
            f'port = {box.printer.getsockname()[1]}', f"port = {port}"))
        result = run(box.prefix / "current/bin/edge", "doctor", check=False,
                     env={**box.env(), "EDGE_CONFIG": str(config)})
    assert result.returncode == 1
    assert "printer kitchen  FAIL" in result.stdout
    assert "How to fix:" in result.stdout and "switch the printer on" in result.stdout


def test_firstboot_from_the_installed_wheel(box):
    out = box.edge("firstboot").stdout
    assert "status ticket printed on receipt" in out
    secret = box.data / "secret.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    ticket = box.receipt.read_bytes()
    assert b"http://kitchen.local" in ticket and b"Admin PIN: " in ticket and b"Test Kitchen" in ticket
    assert not (box.data / "first-boot-ticket.txt").exists(), "printed: the PIN is not left on disk"
    again = box.edge("firstboot").stdout
    assert "already has an admin" in again


def test_an_update_switches_over_and_keeps_a_backup(box, wheel, tmp_path):
    first = box.current()
    run(box.restart)  # the box runs the first release...
    _wait_healthy(box)
    newer = rebuild_wheel(wheel, tmp_path, "99.0.1")
    result = run(EDGE_UPDATE, newer, env=box.env(), timeout=300)  # ...then updates
    assert box.current() == "releases/99.0.1"
    assert box.health()["version"] == "99.0.1"
    backups = list((box.data / "backups").glob("edge-*-before-99.0.1.sqlite"))
    assert len(backups) == 1, result.stderr
    conn = sqlite3.connect(backups[0])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()[0] == 1
    conn.close()
    assert (box.prefix / first).is_dir(), "the previous release stays, to roll back to"


def test_a_release_that_does_not_start_is_rolled_back(box, wheel, tmp_path):
    assert box.current() == "releases/99.0.1"
    broken = rebuild_wheel(wheel, tmp_path, "99.0.2", replace={
        "edge/server.py": b"raise SystemExit('this release cannot start')\n"})
    result = run(EDGE_UPDATE, broken, env=box.env(EDGE_HEALTH_TIMEOUT="5"), check=False, timeout=300)
    assert result.returncode == 1
    assert "rolling back" in result.stderr
    assert box.current() == "releases/99.0.1"
    _wait_healthy(box)
    assert box.health()["version"] == "99.0.1"


def test_a_release_that_migrated_then_failed_is_rolled_back_with_the_backup(box, wheel, tmp_path):
    """The old code refuses a newer schema, so the rollback must restore the pre-update backup."""
    assert box.current() == "releases/99.0.1"
    with zipfile.ZipFile(wheel) as archive:
        services_py = archive.read("edge/services.py")
        newest = max(int(Path(name).name[:4]) for name in archive.namelist()
                     if name.startswith("edge/store/migrations/") and name.endswith(".sql"))
    unhealthy = services_py.replace(b'return Check("ok", f"last event', b'return Check("down", f"last event')
    assert unhealthy != services_py
    migrating = rebuild_wheel(wheel, tmp_path, "99.0.3", replace={  # a migration newer than every other
        f"edge/store/migrations/{newest + 1:04d}_update_test.sql": b"CREATE TABLE update_test (id INTEGER);\n",
        "edge/services.py": unhealthy})
    result = run(EDGE_UPDATE, migrating, env=box.env(EDGE_HEALTH_TIMEOUT="10"), check=False, timeout=300)
    assert result.returncode == 1 and "restoring" in result.stderr, result.stderr
    assert box.current() == "releases/99.0.1"
    _wait_healthy(box)
    assert box.health()["version"] == "99.0.1"
    conn = sqlite3.connect(box.data / "edge.sqlite")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "update_test" not in tables


def test_the_current_release_is_not_reinstalled(box, wheel, tmp_path):
    same = rebuild_wheel(wheel, tmp_path, "99.0.1")
    result = run(EDGE_UPDATE, same, env=box.env(), check=False)
    assert result.returncode == 1 and "already the current release" in result.stderr


def _wait_healthy(box: Box, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if box.health()["status"] != "down":
                return
        except OSError:
            pass
        time.sleep(0.3)
    log = (box.prefix.parent / "server.log")
    raise AssertionError("the server did not become healthy:\n" + (log.read_text()[-3000:] if log.exists() else ""))
