"""Operator commands: `edge backup`, `edge restore FILE`, `edge rotate-secret`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from edge.ops import backup, backup_schedule
from edge.ops.context import CommandContext, pass_command_context
from edge.security import audit, auth, keyring


def _progress_bar(label: str):
    """A click progress bar driven by SQLite's (copied, total) page reports."""
    state = {"bar": None, "shown": 0}

    def report(copied: int, total: int) -> None:
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=max(total, 1), label=label, show_pos=True)
            state["bar"].__enter__()
        state["bar"].update(copied - state["shown"])
        state["shown"] = copied

    def finish() -> None:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
    return report, finish


@click.command("backup")
@click.option("--to", "destination", type=click.Path(path_type=Path),
              help="File or folder to write to (default: <data_dir>/backups).")
@pass_command_context
def backup_command(context: CommandContext, destination: Path | None) -> None:
    """Back up the database while the box runs (integrity checked before and after)."""
    settings = context.settings
    if not settings.database_path.exists():
        raise click.ClickException(f"no database at {settings.database_path}")
    name = f"edge-{backup.file_stamp()}.sqlite"
    target = destination or backup_schedule.backup_dir(settings)
    if target.is_dir() or destination is None:
        target = target / name
    report, finish = _progress_bar("backing up")
    try:
        info = backup.create_backup(settings.database_path, target, progress=report)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        finish()
    click.echo(f"backup {info.path} ({info.size_bytes} bytes, schema {info.schema_version}, "
               f"last event {info.last_seq}) integrity ok")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_command_context
def restore_command(context: CommandContext, backup_file: Path, yes: bool) -> None:
    """Replace the database with BACKUP_FILE (stop the box first); the old one is kept aside."""
    settings = context.settings
    try:
        info = backup.inspect_backup(backup_file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup of {info.restaurant_id!r}, schema {info.schema_version}, last event {info.last_seq}")
    if not yes:
        click.confirm(f"replace {settings.database_path} with it?", abort=True)
    report, finish = _progress_bar("restoring")
    try:
        aside = backup.restore_backup(backup_file, settings.database_path,
                                      restaurant_id=settings.restaurant_id, progress=report)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        finish()
    _audit_restore(context, backup_file, aside)
    click.echo(f"restored; the replaced database is kept at {aside}")


def _audit_restore(context: CommandContext, backup_file: Path, aside: Path) -> None:
    store = context.open_store()
    try:
        store.write(lambda tx: audit.record(tx, "backup.restored", None, device="cli",
                                            details={"file": str(backup_file), "replaced": str(aside)}))
    finally:
        store.close()


@click.command("rotate-secret")
@click.option("--grace-minutes", type=int, default=None,
              help="How long tokens signed with the old key keep working "
                   "(default: the access-token lifetime; 0 after a leak logs everyone out now).")
@pass_command_context
def rotate_secret_command(context: CommandContext, grace_minutes: int | None) -> None:
    """Make a new token-signing key; the running box picks it up by itself."""
    settings = context.settings
    grace = grace_minutes if grace_minutes is not None else (
        settings.auth.key_grace_minutes if settings.auth.key_grace_minutes is not None
        else settings.auth.token_ttl_minutes)
    secret = auth.load_or_create_secret(settings.data_dir)
    device_grace = timedelta(0) if grace <= 0 else timedelta(days=settings.auth.device_token_ttl_days)
    kid = keyring.rotate(settings.data_dir, secret, timedelta(minutes=grace), device_grace=device_grace)
    if grace <= 0:
        click.echo(f"new signing key {kid}; every token signed with an older key is refused now: "
                   "people log in again and paired tablets must be paired again")
    else:
        click.echo(f"new signing key {kid}; the previous key is accepted for {grace} more minutes "
                   "(paired tablets keep working)")


COMMANDS = [backup_command, restore_command, rotate_secret_command]
