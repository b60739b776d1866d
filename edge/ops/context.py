"""What every `edge` command gets through click's context: the settings, loaded once per run,
and the store, opened through edge/ops/database.py (no web layer, so no command imports Flask).

The root group (edge/cli.py) puts one ``CommandContext`` in ``ctx.obj``; a command takes it with
``@pass_command_context``. This module imports no command module, so the command modules
(edge/ops, edge/appliance, sync) depend on it and the root depends on them, never back.
"""

from __future__ import annotations

import click

from edge.ops.database import open_store
from edge.settings import Settings, SettingsError, load_settings
from edge.store import DatabaseError, Store, db

DAMAGED_DATABASE_HINT = "Restore a backup or move the file aside; the box will not serve a damaged database."


def build_settings(**overrides) -> Settings:
    """Settings from the file and the environment, with the command's own options on top."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


class CommandContext:
    """Loads the settings on first use rather than in the root group, so the commands that need
    none (`sync mint-token`, run away from the box) or report a bad file themselves (`doctor`)
    still run when the settings are wrong."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    def load_settings(self) -> Settings:
        """The settings; a SettingsError or PermissionError is the caller's to report."""
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def settings(self) -> Settings:
        try:
            return self.load_settings()
        except SettingsError as error:
            raise click.ClickException(str(error)) from None

    def open_store(self) -> Store:
        """The box's store (migrated, checked); the caller closes it."""
        try:
            return open_store(self.settings)
        except DatabaseError as error:
            raise click.ClickException(f"{error}\n{DAMAGED_DATABASE_HINT}") from None


def check_database_or_exit(settings: Settings) -> None:
    """Refuse a damaged database with one clear line (used before the server starts)."""
    try:
        db.open_checked(settings.database_path).close()
    except DatabaseError as error:
        raise click.ClickException(f"{error}\n{DAMAGED_DATABASE_HINT}") from None


# ensure=True: a command group invoked on its own (without the root) still gets a context.
pass_command_context = click.make_pass_decorator(CommandContext, ensure=True)
