"""The `edge` command: help everywhere, and each command against a temporary data directory."""

from __future__ import annotations

import sqlite3

import click
import pytest
from click.testing import CliRunner

from edge.cli import main


def walk(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


COMMANDS = [path for path, _ in walk(main)]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    for key in [k for k in __import__("os").environ if k.startswith("EDGE_")]:
        monkeypatch.delenv(key)
    return {"EDGE_DATA_DIR": str(tmp_path / "data")}


def run(env, *args, input=None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def test_the_expected_commands_exist():
    assert {("serve",), ("migrate",), ("seed-demo",), ("check",), ("user",), ("user", "add"),
            ("user", "list"), ("user", "disable")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "edge")
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command = dict(walk(main))[path]
    assert command.help and command.help.strip(), f"{path} has no docstring"
    first_line = " ".join(command.help.strip().split("\n")[0].split())
    assert first_line in " ".join(result.output.split())
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden and param.name not in ("help", "version"):
            assert param.help or param.type.name == "choice" or param.is_flag, f"{path} --{param.name} has no help"


def test_migrate_twice(env, tmp_path):
    first = run(env, "migrate")
    from edge.store.db import available_migrations

    newest = max(version for version, _, _ in available_migrations())
    assert first.exit_code == 0 and f"schema version {newest}" in first.output
    assert run(env, "migrate").output == first.output
    assert (tmp_path / "data" / "edge.sqlite").exists()


def test_seed_demo_then_users(env):
    seeded = run(env, "seed-demo")
    assert seeded.exit_code == 0
    assert "Alex" in seeded.output and "PIN 1234" in seeded.output
    again = run(env, "seed-demo")
    assert again.exit_code != 0 and "already has users" in again.output
    listed = run(env, "user", "list").output
    assert {"Alex", "Sam", "Kiosk"} <= set(listed.split())


def test_user_add_list_disable(env):
    added = run(env, "user", "add", "Jo", "--role", "staff", "--pin", "4242")
    assert added.exit_code == 0 and "added Jo (staff)" in added.output
    assert "Jo" in run(env, "user", "list").output
    duplicate = run(env, "user", "add", "Kim", "--pin", "4242")
    assert duplicate.exit_code != 0 and "PIN is already in use" in duplicate.output
    bad_pin = run(env, "user", "add", "Kim", "--pin", "12")
    assert bad_pin.exit_code != 0 and "4 to 8 digits" in bad_pin.output
    disabled = run(env, "user", "disable", "jo")
    assert disabled.exit_code == 0 and "disabled Jo" in disabled.output
    assert "disabled" in [line for line in run(env, "user", "list").output.splitlines() if "Jo" in line][0]
    missing = run(env, "user", "disable", "nobody")
    assert missing.exit_code != 0 and "no active user" in missing.output


def test_user_add_prompts_for_the_pin(env):
    result = run(env, "user", "add", "Lee", "--role", "admin", input="8765\n8765\n")
    assert result.exit_code == 0 and "added Lee (admin)" in result.output


def test_check_passes_on_a_good_database(env):
    run(env, "seed-demo")
    result = run(env, "check")
    assert result.exit_code == 0
    assert "settings ok" in result.output and "integrity check passed" in result.output


def test_check_refuses_a_corrupt_database(env, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "edge.sqlite").write_bytes(b"garbage, not SQLite " * 500)
    result = run(env, "check")
    assert result.exit_code != 0
    assert "not a usable SQLite database" in result.output
    assert "Restore a backup" in result.output


def test_check_refuses_a_newer_schema(env, tmp_path):
    run(env, "migrate")
    conn = sqlite3.connect(tmp_path / "data" / "edge.sqlite")
    conn.execute("INSERT INTO schema_migrations VALUES (9999, '9999_x.sql', 'now')")
    conn.commit()
    conn.close()
    result = run(env, "check")
    assert result.exit_code != 0 and "newer than this software" in result.output


@pytest.mark.parametrize("toml, key", [
    ('[server]\nport = "abc"\n', "server.port"),
    ("[server]\nport = 70000\n", "server.port"),
    ("[server]\nbogus = 1\n", "server.bogus"),
    ('[restaurant]\ntimezone = "Mars/Olympus"\n', "restaurant.timezone"),
    ('[restaurant]\nday_starts_at = "25:00"\n', "restaurant.day_starts_at"),
    ('log_level = "LOUD"\n', "log_level"),
])
def test_a_bad_toml_setting_stops_with_its_key(env, tmp_path, toml, key):
    config = tmp_path / "edge.toml"
    config.write_text(toml)
    result = run({**env, "EDGE_CONFIG": str(config)}, "check")
    assert result.exit_code != 0
    assert key in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("variable, value, key", [
    ("EDGE_SERVER__PORT", "not-a-port", "server.port"),
    ("EDGE_MIN_FREE_DISK_MB", "-5", "min_free_disk_mb"),
    ("EDGE_DEMO", "perhaps", "demo"),
    ("EDGE_AUTH__TOKEN_TTL_MINUTES", "0", "auth.token_ttl_minutes"),
    ("EDGE_SECURITY__API_RATE_LIMIT", "lots", "security.api_rate_limit"),
])
def test_a_bad_environment_setting_stops_with_its_key(env, variable, value, key):
    result = run({**env, variable: value}, "check")
    assert result.exit_code != 0
    assert key in result.output, result.output


def test_a_missing_or_broken_config_file_is_named(env, tmp_path):
    missing = run({**env, "EDGE_CONFIG": str(tmp_path / "nope.toml")}, "check")
    assert missing.exit_code != 0 and "nope.toml" in missing.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[server\nport = 1\n")
    result = run({**env, "EDGE_CONFIG": str(broken)}, "check")
    assert result.exit_code != 0 and "broken.toml" in result.output


def test_environment_overrides_the_file(env, tmp_path):
    from edge.settings import load_settings

    config = tmp_path / "edge.toml"
    config.write_text("[server]\nport = 4000\n[restaurant]\nname = 'Chez Test'\n")
    import os

    os.environ.update({**env, "EDGE_CONFIG": str(config), "EDGE_SERVER__PORT": "5000"})
    try:
        settings = load_settings()
    finally:
        for key in ("EDGE_CONFIG", "EDGE_SERVER__PORT", "EDGE_DATA_DIR"):
            os.environ.pop(key, None)
    assert settings.server.port == 5000
    assert settings.restaurant.name == "Chez Test"


def test_serve_refuses_a_corrupt_database_before_listening(env, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "edge.sqlite").write_bytes(b"garbage, not SQLite " * 500)
    result = run(env, "serve", "--port", "3999")
    assert result.exit_code == 1
    assert "not a usable SQLite database" in result.output and "Traceback" not in result.output


def test_serve_refuses_a_bad_port(env):
    result = run(env, "serve", "--port", "70000")
    assert result.exit_code != 0 and "server.port" in result.output


OPERATOR_COMMANDS_WITHOUT_FLASK = """
import sys
from click.testing import CliRunner
from edge.cli import main
for args in (["seed-demo"], ["user", "list"], ["check"], ["sync", "status"], ["backup", "--to", sys.argv[1]]):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
print(sorted(name for name in sys.modules if name == "flask" or name.startswith(("flask.", "edge.api"))))
"""


def test_operator_commands_never_import_the_web_stack(env, tmp_path):
    """`edge sync status` on a box whose server is wedged must not need Flask or the API."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", OPERATOR_COMMANDS_WITHOUT_FLASK, str(tmp_path / "backups")],
                            env={**__import__("os").environ, **env}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
