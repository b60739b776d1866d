"""The nightly backup: APScheduler runs it in the restaurant's time zone, keeps the newest N
in ``<data_dir>/backups`` (and on a USB stick when one is mounted at ``backup.usb_path``),
and tidies expired lockouts and tokens while the kitchen is closed."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

from edge.ops import backup
from edge.security import refresh
from edge.observability.health import Check

log = logging.getLogger(__name__)
NIGHTLY_PREFIX = "edge-nightly-"


def backup_dir(settings) -> Path:
    return settings.backup.directory or settings.data_dir / "backups"


def nightly_name(now: datetime) -> str:
    return f"{NIGHTLY_PREFIX}{backup.file_stamp(now)}.sqlite"


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` nightly backups (names sort by time)."""
    nightly = sorted(folder.glob(f"{NIGHTLY_PREFIX}*.sqlite"))
    doomed = nightly[:-keep] if keep else nightly
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def run_nightly(services, now: datetime | None = None) -> backup.BackupInfo:
    settings = services.settings
    now = now or datetime.now(timezone.utc)
    folder = backup_dir(settings)
    info = backup.create_backup(settings.database_path, folder / nightly_name(now))
    prune(folder, settings.backup.keep)
    usb = settings.backup.usb_path
    if usb is not None:
        if usb.is_dir():
            copy = usb / info.path.name
            shutil.copyfile(info.path, copy.with_name(copy.name + ".partial"))
            copy.with_name(copy.name + ".partial").replace(copy)
            prune(usb, settings.backup.keep)
        else:
            log.warning("backup.usb_path %s is not mounted; nightly backup kept on the box only", usb)
    services.login_guard.prune()
    refresh.prune(services.store)
    log.info("nightly backup %s (%d bytes, last event %d)", info.path, info.size_bytes, info.last_seq)
    return info


class NightlyStatus:
    def __init__(self) -> None:
        self.last_ok: float | None = None
        self.last_error: str | None = None

    def check(self) -> Check:
        if self.last_error:
            return Check("degraded", f"last nightly backup failed: {self.last_error}")
        if self.last_ok is None:
            return Check("ok", "no nightly backup yet since start")
        return Check("ok", f"last nightly backup {time.time() - self.last_ok:.0f} s ago")


def start_nightly(services) -> None:
    settings = services.settings
    if not settings.backup.enabled:
        return
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    status = NightlyStatus()

    def job() -> None:
        try:
            run_nightly(services)
        except Exception as error:
            status.last_error = str(error)
            log.exception("nightly backup failed")
        else:
            status.last_ok, status.last_error = time.time(), None

    hour, minute = (int(part) for part in settings.backup.at.split(":"))
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(job, CronTrigger(hour=hour, minute=minute, timezone=settings.restaurant.timezone),
                      id="nightly-backup", max_instances=1, coalesce=True, misfire_grace_time=3600)
    scheduler.start()
    services.health.register("backup", status.check)
    services.on_close(lambda: scheduler.shutdown(wait=False))
