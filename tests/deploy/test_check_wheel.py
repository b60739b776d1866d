"""`make dist`'s wheel check finds what a box would miss."""

from __future__ import annotations

import importlib.util
import zipfile

from tests.deploy.conftest import REPO

spec = importlib.util.spec_from_file_location("check_wheel", REPO / "deploy/check_wheel.py")
check_wheel = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_wheel)


def make_wheel(path, names, entry_points="[console_scripts]\nedge = edge.cli:main\n"):
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "")
        archive.writestr("restaurant_edge-0.1.0.dist-info/entry_points.txt", entry_points)
    return path


WEB_APP = [f"restaurant_edge-0.1.0.data/data/share/restaurant-edge/{path}" for path in check_wheel.WEB_APP]


def test_a_complete_wheel_passes(tmp_path):
    assert check_wheel.problems(make_wheel(tmp_path / "ok.whl", check_wheel.REQUIRED + WEB_APP)) == []


def test_a_wheel_without_the_tablet_app_is_reported(tmp_path):
    found = check_wheel.problems(make_wheel(tmp_path / "no-web.whl", check_wheel.REQUIRED))
    assert "missing the tablet app's web/js/kds.js" in found


def test_missing_migrations_a_missing_command_and_leaked_files_are_reported(tmp_path):
    names = [n for n in check_wheel.REQUIRED if not n.endswith(".sql")] + ["tests/conftest.py", "var/edge.sqlite"]
    found = check_wheel.problems(make_wheel(tmp_path / "bad.whl", names, entry_points=""))
    assert "missing edge/store/migrations/0001_core.sql" in found
    assert "no `edge` console script" in found
    assert "should not ship tests/conftest.py" in found and "should not ship var/edge.sqlite" in found
