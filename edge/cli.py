"""The `edge` command. Each command's docstring is its --help."""

from __future__ import annotations

import os

import sys
from pathlib import Path

import click

from edge.security import auth
from edge.settings import Settings, SettingsError, load_settings
from edge.store import DatabaseError


def build_settings(**overrides) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


DAMAGED_DATABASE_HINT = "Restore a backup or move the file aside; the box will not serve a damaged database."


def open_store_or_exit(settings: Settings):
    from edge.services import open_store

    try:
        return open_store(settings)
    except DatabaseError as error:
        raise click.ClickException(f"{error}\n{DAMAGED_DATABASE_HINT}") from None


def check_database_or_exit(settings: Settings) -> None:
    from edge.store import db

    try:
        db.open_checked(settings.database_path).close()
    except DatabaseError as error:
        raise click.ClickException(f"{error}\n{DAMAGED_DATABASE_HINT}") from None


@click.group()
@click.version_option(package_name="restaurant-edge")
def main() -> None:
    """restaurant-edge: the offline-first kitchen box (orders, kitchen displays, printers, voice, sync)."""


@main.command()
@click.option("--demo", is_flag=True, help="Seed a demo restaurant, menu and users; no hardware needed.")
@click.option("--host", default=None, help="Address to listen on (default from settings: 0.0.0.0).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 3001).")
def serve(demo: bool, host: str | None, port: int | None) -> None:
    """Run the box's server (gunicorn, one process: connections on an event loop, requests in threads) until SIGTERM."""
    from edge.server import exec_server

    base = build_settings()
    server = base.server.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v})
    if demo:  # the demo hears English out of the box (the model the pocketsphinx wheel ships)
        from voice.models import demo_engine

        engine = demo_engine(base.voice.engine, base.voice.model_path, base.voice.language)
        if engine != base.voice.engine:  # the environment reaches the worker, which rebuilds the settings
            os.environ["EDGE_VOICE__ENGINE"] = engine
    settings = build_settings(demo=demo or None, server=server.model_dump())
    # Refuse a damaged database here, with one clear line, rather than as a traceback from a
    # gunicorn worker that failed to boot after the port was already bound.
    check_database_or_exit(settings)
    exec_server(settings)  # this process becomes the lean gunicorn arbiter (see edge/server.py)


@main.command()
def migrate() -> None:
    """Apply database migrations (they also run at every start)."""
    settings = build_settings()
    from edge.store import db

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        conn = db.open_checked(settings.database_path)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    versions = sorted(db.applied_migrations(conn))
    conn.close()
    click.echo(f"database {settings.database_path} at schema version {versions[-1] if versions else 0}")


@main.command("seed-demo")
def seed_demo() -> None:
    """Seed the demo restaurant (stations, menu, users Alex/Sam/Kiosk) into an empty box."""
    from edge.demo import DEMO_USERS, seed_demo as seed

    settings = build_settings()
    store = open_store_or_exit(settings)
    try:
        seeded = seed(store, auth.load_or_create_secret(settings.data_dir))
    finally:
        store.close()
    if not seeded:
        raise click.ClickException("the box already has users; demo data is only seeded into an empty box")
    for name, role, pin in DEMO_USERS:
        click.echo(f"  {name:<6} {role:<8} PIN {pin}")


@main.command()
def check() -> None:
    """Check the settings and the database's integrity; exit non-zero on a problem."""
    settings = build_settings()
    click.echo(f"settings ok (data dir {settings.data_dir})")
    store = open_store_or_exit(settings)
    store.close()
    click.echo(f"database ok ({settings.database_path}, integrity check passed)")


@main.group()
def user() -> None:
    """Manage staff users and their PINs."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(auth.ROLES), default="staff", show_default=True)
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True, help="4 to 8 digits.")
def user_add(name: str, role: str, pin: str) -> None:
    """Add a user NAME with a PIN."""
    _with_users(lambda tx, secret: auth.add_user(tx.conn, secret, name, role, pin),
                lambda u: f"added {u.name} ({u.role})")


@user.command("list")
def user_list() -> None:
    """List users."""
    settings = build_settings()
    store = open_store_or_exit(settings)
    try:
        for u in auth.list_users(store.read()):
            click.echo(f"{u.id}  {u.name:<20} {u.role:<8} {'active' if u.active else 'disabled'}")
    finally:
        store.close()


@user.command("disable")
@click.argument("name_or_id")
def user_disable(name_or_id: str) -> None:
    """Disable a user; their tokens stop working at once."""
    _with_users(lambda tx, secret: auth.disable_user(tx.conn, name_or_id), lambda u: f"disabled {u.name}")


def _with_users(change, describe) -> None:
    from edge.domain.errors import DomainError

    settings = build_settings()
    store = open_store_or_exit(settings)
    secret = auth.load_or_create_secret(settings.data_dir)
    try:
        result = store.write(lambda tx: change(tx, secret))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        store.close()
    click.echo(describe(result))


@main.group()
def voice() -> None:
    """Voice ordering: the speech model and what it can hear."""


@voice.command("check")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model directory (default: [voice] model_path).")
@click.option("--language", type=click.Choice(["en", "ko"]), default=None, help="Default: [voice] language.")
@click.option("--engine", type=click.Choice(["auto", "vosk", "pocketsphinx"]), default=None,
              help="Default: [voice] engine (auto: vosk with a model, else pocketsphinx for English).")
def voice_check(model_path: Path | None, language: str | None, engine: str | None) -> None:
    """Load the voice model; report load time, memory and which menu items it cannot hear."""
    from voice.check import check_model, describe
    from voice.models import choose_engine, demo_engine

    settings = build_settings()
    language = language or settings.voice.language
    wanted = demo_engine(engine or settings.voice.engine, model_path or settings.voice.model_path, language)
    engine, model_path = choose_engine(wanted, model_path or settings.voice.model_path, language)
    if engine is None:
        raise click.ClickException("voice is off: no model configured ([voice] model_path or --model), "
                                   "and no pocketsphinx for English (pip install 'restaurant-edge[voice]')")
    store = open_store_or_exit(settings)
    try:
        menu = store.menu()
    finally:
        store.close()
    try:
        report = check_model(model_path, language, menu, engine=engine)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    for line in describe(report):
        click.echo(line)


def _add_appliance_commands() -> None:
    from edge.appliance.cli import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_appliance_commands()

def _add_sync_commands() -> None:
    from sync.cli import sync_group

    main.add_command(sync_group)


_add_sync_commands()


def _add_operator_commands() -> None:
    from edge.ops.commands import backup_command, restore_command, rotate_secret_command

    for command in (backup_command, restore_command, rotate_secret_command):
        main.add_command(command)


_add_operator_commands()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
