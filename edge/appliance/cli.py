"""The appliance's commands: `edge firstboot`, `edge status-ticket`, `edge doctor`.

Each command imports its modules when it runs: the printer stack (python-escpos, about half a
second) and the box's network and hardware probes would otherwise slow every `edge` command.
"""

from __future__ import annotations

import sys

import click

from edge.ops.context import CommandContext, pass_command_context
from edge.settings import SettingsError, config_path
from edge.store import DatabaseError


@click.command()
@pass_command_context
def firstboot(context: CommandContext) -> None:
    """First start of a new box: make the signing secret and an admin with a random PIN, then print
    the status ticket (on the receipt printer, else here). Safe to run again: it only adds an
    admin when the box has none."""
    from edge.appliance.firstboot import run_firstboot

    try:
        result = run_firstboot(context.settings, echo=click.echo)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    if result.printed_on:
        click.echo(f"status ticket printed on {result.printed_on}")
    if result.ticket_file:
        click.echo(f"the admin PIN is also in {result.ticket_file} (mode 0600): delete it once noted")
    if result.admin_pin is None:
        click.echo("the box already has an admin; no new PIN was made")


@click.command("status-ticket")
@click.option("--stdout", "to_stdout", is_flag=True, help="Show the ticket here even when a printer is configured.")
@pass_command_context
def status_ticket(context: CommandContext, to_stdout: bool) -> None:
    """Print the status ticket (box name, IP addresses, tablet URL, sync) on the receipt printer,
    or here when no printer is configured. The admin PIN only appears on the first-boot ticket."""
    from edge.appliance.boxinfo import collect_box_status
    from edge.appliance.firstboot import print_or_show
    from edge.appliance.ticket import status_ticket_text

    settings = context.settings
    status = collect_box_status(settings)
    if to_stdout:
        click.echo(status_ticket_text(status), nl=False)
        return
    printed_on = print_or_show(settings, status, lambda text: click.echo(text, nl=False))
    if printed_on:
        click.echo(f"status ticket printed on {printed_on}")


@click.command()
@pass_command_context
def doctor(context: CommandContext) -> None:
    """Check settings, database, disk, printers, GPIO, microphone, voice model, cloud and clock;
    print a table with a fix for each problem; exit 1 when something is wrong."""
    from edge.doctor import run_checks
    from edge.doctor.findings import fail, format_table, healthy

    try:
        findings = run_checks(context.load_settings())
    except SettingsError as error:  # nothing else can be checked without settings
        findings = [fail("settings", str(error).replace("\n", " "),
                         f"edit {config_path() or 'the EDGE_* environment'} (the template lists every key)")]
    except PermissionError as error:
        findings = [fail("settings", f"cannot read {error.filename}",
                         "run it as the service user: sudo -u edge edge doctor")]
    click.echo(format_table(findings))
    if not healthy(findings):
        sys.exit(1)


COMMANDS = [firstboot, status_ticket, doctor]
