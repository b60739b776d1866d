"""`edge sync ...`: see and drive cloud sync from a shell. Each docstring is the command's --help."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import click

from edge.ops.context import CommandContext, pass_command_context
from sync import state
from sync.credentials import mint_box_token
from sync.status import sync_status


def _open(context: CommandContext):
    """The store and the worker (None when the cloud is not configured); the caller closes the store."""
    from sync.service import build_worker  # the HTTP client stack: only for the commands that sync

    store = context.open_store()
    return store, build_worker(context.settings, store)


@click.group("sync")
def sync_group() -> None:
    """Cloud sync with Supabase: status, one push/pull, the worker, dead letters, credentials."""


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_command_context
def status_command(context: CommandContext, as_json: bool) -> None:
    """Show the cursor, backlog, last push/pull, dead letters and clock check."""
    store, worker = _open(context)
    try:
        status = sync_status(store, worker, configured=worker is not None)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    for key, value in status.items():
        click.echo(f"{key:>22}: {value}")


@sync_group.command("once")
@pass_command_context
def once_command(context: CommandContext) -> None:
    """Push everything waiting and pull the menu once, now (ignores the backoff)."""
    store, worker = _open(context)
    try:
        if worker is None:
            raise click.ClickException("sync is not configured (sync.supabase_url, sync.anon_key, sync.box_token)")
        if worker.stopped_for_credentials():
            raise click.ClickException("pushing is stopped: the cloud refused the credential "
                                       "(fix it, then `edge sync retry`)")
        error = worker.run_once()
        status = sync_status(store, worker)
    finally:
        store.close()
    click.echo(f"acked up to seq {status['acked_seq']}, {status['backlog_events']} waiting, "
               f"{status['dead_letters']} dead letter(s)")
    if error is not None:
        raise click.ClickException(str(error))


@sync_group.command("run")
@pass_command_context
def run_command(context: CommandContext) -> None:
    """Run the sync worker in the foreground until SIGTERM or Ctrl-C."""
    store, worker = _open(context)
    if worker is None:
        store.close()
        raise click.ClickException("sync is not configured (sync.supabase_url, sync.anon_key, sync.box_token)")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        worker.stop()
        store.close()


@sync_group.command("dead-letters")
@pass_command_context
def dead_letters_command(context: CommandContext) -> None:
    """List the events the cloud refused, with its reasons."""
    store, _ = _open(context)
    try:
        letters = state.dead_letters(store)
    finally:
        store.close()
    if not letters:
        click.echo("no dead letters")
    for letter in letters:
        click.echo(f"seq {letter['seq']} {letter['type']} ({letter['attempts']} attempt(s), "
                   f"last {letter['last_failed_at']}): {letter['reason']}")


@sync_group.command("retry")
@click.option("--seq", "seqs", type=int, multiple=True, help="Retry only this event (repeatable).")
@pass_command_context
def retry_command(context: CommandContext, seqs: tuple[int, ...]) -> None:
    """Send dead letters again and lift a credential stop, then push once."""
    store, worker = _open(context)
    try:
        marked = store.write(lambda tx: state.request_retry(tx, list(seqs) or None))
        click.echo(f"{marked} dead letter(s) marked for retry")
        if worker is not None:
            worker.retry_now()
            error = worker.run_once()
            if error is not None:
                raise click.ClickException(str(error))
            click.echo(f"{len(state.dead_letters(store))} dead letter(s) left")
    finally:
        store.close()


@sync_group.command("mint-token")
@click.option("--restaurant-id", required=True, help="The restaurant's id in the cloud.")
@click.option("--box-id", required=True, help="The box's id (registered in the cloud's boxes table).")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True, help="Validity.")
@click.option("--secret-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File holding the project's JWT secret (default: $SUPABASE_JWT_SECRET).")
def mint_token_command(restaurant_id: str, box_id: str, days: int, secret_file: Path | None) -> None:
    """Mint a box credential. Run it where the Supabase JWT secret is, never on the box."""
    secret = secret_file.read_text().strip() if secret_file else os.environ.get("SUPABASE_JWT_SECRET", "")
    if not secret:
        raise click.ClickException("no JWT secret: set SUPABASE_JWT_SECRET or pass --secret-file "
                                   "(Supabase dashboard: Project Settings > API > JWT secret)")
    try:
        click.echo(mint_box_token(secret, restaurant_id=restaurant_id, box_id=box_id, days=days))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
