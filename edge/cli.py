"""The `edge` command. Each command's docstring is its --help."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from edge.appliance.cli import COMMANDS as APPLIANCE_COMMANDS
from edge.appliance.demo import DEMO_USERS, seed_demo as seed
from edge.domain.errors import DomainError
from edge.ops.commands import COMMANDS as OPERATOR_COMMANDS
from edge.ops.context import CommandContext, build_settings, check_database_or_exit, pass_command_context
from edge.security import auth
from edge.store import DatabaseError, db
from sync.cli import sync_group
from voice.models import choose_engine, demo_engine


@click.group()
@click.version_option(package_name="restaurant-edge")
@click.pass_context
def main(ctx: click.Context) -> None:
    """restaurant-edge: the offline-first kitchen box (orders, kitchen displays, printers, voice, sync)."""
    ctx.obj = CommandContext()


@main.command()
@click.option("--demo", is_flag=True, help="Seed a demo restaurant, menu and users; no hardware needed.")
@click.option("--host", default=None, help="Address to listen on (default from settings: 0.0.0.0).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 3001).")
@pass_command_context
def serve(context: CommandContext, demo: bool, host: str | None, port: int | None) -> None:
    """Run the box's server (gunicorn, one process: connections on an event loop, requests in threads) until SIGTERM."""
    from edge.server import exec_server  # gunicorn: loaded by `serve` only, not by every command

    base = context.settings
    server = base.server.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v})
    if demo:  # the demo hears English out of the box (the model the pocketsphinx wheel ships)
        engine = demo_engine(base.voice.engine, base.voice.model_path, base.voice.language)
        if engine != base.voice.engine:  # the environment reaches the worker, which rebuilds the settings
            os.environ["EDGE_VOICE__ENGINE"] = engine
    # Built again with the options on top, after the demo's voice engine reached the environment.
    settings = build_settings(demo=demo or None, server=server.model_dump())
    # Refuse a damaged database here, with one clear line, rather than as a traceback from a
    # gunicorn worker that failed to boot after the port was already bound.
    check_database_or_exit(settings)
    exec_server(settings)  # this process becomes the lean gunicorn arbiter (see edge/server.py)


@main.command()
@pass_command_context
def migrate(context: CommandContext) -> None:
    """Apply database migrations (they also run at every start)."""
    settings = context.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        conn = db.open_checked(settings.database_path)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    versions = sorted(db.applied_migrations(conn))
    conn.close()
    click.echo(f"database {settings.database_path} at schema version {versions[-1] if versions else 0}")


@main.command("seed-demo")
@pass_command_context
def seed_demo(context: CommandContext) -> None:
    """Seed the demo restaurant (stations, menu, users Alex/Sam/Kiosk) into an empty box."""
    store = context.open_store()
    try:
        seeded = seed(store, auth.load_or_create_secret(context.settings.data_dir))
    finally:
        store.close()
    if not seeded:
        raise click.ClickException("the box already has users; demo data is only seeded into an empty box")
    for name, role, pin in DEMO_USERS:
        click.echo(f"  {name:<6} {role:<8} PIN {pin}")


@main.command()
@pass_command_context
def check(context: CommandContext) -> None:
    """Check the settings and the database's integrity; exit non-zero on a problem."""
    settings = context.settings
    click.echo(f"settings ok (data dir {settings.data_dir})")
    context.open_store().close()
    click.echo(f"database ok ({settings.database_path}, integrity check passed)")


@main.group()
def user() -> None:
    """Manage staff users and their PINs."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(auth.ROLES), default="staff", show_default=True)
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True, help="4 to 8 digits.")
@pass_command_context
def user_add(context: CommandContext, name: str, role: str, pin: str) -> None:
    """Add a user NAME with a PIN."""
    _with_users(context, lambda tx, secret: auth.add_user(tx.conn, secret, name, role, pin),
                lambda u: f"added {u.name} ({u.role})")


@user.command("list")
@pass_command_context
def user_list(context: CommandContext) -> None:
    """List users."""
    store = context.open_store()
    try:
        for u in auth.list_users(store.read()):
            click.echo(f"{u.id}  {u.name:<20} {u.role:<8} {'active' if u.active else 'disabled'}")
    finally:
        store.close()


@user.command("disable")
@click.argument("name_or_id")
@pass_command_context
def user_disable(context: CommandContext, name_or_id: str) -> None:
    """Disable a user; their tokens stop working at once."""
    _with_users(context, lambda tx, secret: auth.disable_user(tx.conn, name_or_id), lambda u: f"disabled {u.name}")


def _with_users(context: CommandContext, change, describe) -> None:
    store = context.open_store()
    secret = auth.load_or_create_secret(context.settings.data_dir)
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
@pass_command_context
def voice_check(context: CommandContext, model_path: Path | None, language: str | None, engine: str | None) -> None:
    """Load the voice model; report load time, memory and which menu items it cannot hear."""
    from voice.check import check_model, describe  # the recognizer's stack: for this command only

    settings = context.settings
    language = language or settings.voice.language
    wanted = demo_engine(engine or settings.voice.engine, model_path or settings.voice.model_path, language)
    engine, model_path = choose_engine(wanted, model_path or settings.voice.model_path, language)
    if engine is None:
        raise click.ClickException("voice is off: no model configured ([voice] model_path or --model), "
                                   "and no pocketsphinx for English (pip install 'restaurant-edge[voice]')")
    store = context.open_store()
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


for command in (*APPLIANCE_COMMANDS, sync_group, *OPERATOR_COMMANDS):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
