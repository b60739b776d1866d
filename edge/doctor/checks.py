"""The built-in doctor checks: settings, data, database, disk, clock, cloud. Hardware is in
``edge.doctor.hardware``. Each check is small and says how to fix what it finds."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from datetime import datetime, timedelta, timezone

from edge.doctor.findings import Finding, fail, ok, skip, warn
from edge.doctor.hardware import check_gpio, check_microphone, check_printers, check_voice_model
from edge.settings import Settings, config_path

RELEASE_YEAR = 2026  # a clock before this year has certainly not been set (a Pi has no RTC)
CLOCK_SLACK = timedelta(minutes=5)


def check_settings(settings: Settings) -> Finding:
    source = config_path() or "built-in defaults (no /etc/edge/edge.toml)"
    mode = " DEMO MODE" if settings.demo else ""
    return ok("settings", f"valid, from {source}{mode}")


def check_data_dir(settings: Settings) -> list[Finding]:
    data_dir = settings.data_dir
    if not data_dir.is_dir():
        return [fail("data dir", f"{data_dir} does not exist",
                     f"sudo install -d -o edge -g edge -m 0750 {data_dir}")]
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return [fail("data dir", f"{data_dir} is not writable by this user",
                     f"sudo chown -R edge:edge {data_dir}")]
    findings = [ok("data dir", f"{data_dir} writable")]
    secret = data_dir / "secret.key"
    if secret.exists() and stat.S_IMODE(secret.stat().st_mode) & 0o077:
        findings.append(fail("secret key", f"{secret} is readable by others "
                             f"(mode {stat.S_IMODE(secret.stat().st_mode):04o})", f"chmod 600 {secret}"))
    return findings


def check_database(settings: Settings) -> Finding:
    from edge.store import db

    path = settings.database_path
    if not path.exists():
        return warn("database", f"{path} not created yet", "start the service: sudo systemctl start edge")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations")]
        finally:
            conn.close()
    except sqlite3.Error as error:
        return fail("database", f"{path} cannot be read: {error}",
                    "restore the newest backup from /var/lib/edge/backups (see deploy/pi-image/README.md)")
    if problems != ["ok"]:
        return fail("database", "integrity check failed: " + "; ".join(problems[:3]),
                    "stop the service and restore the newest backup from /var/lib/edge/backups")
    newest_known = max(version for version, _, _ in db.available_migrations())
    current = max(versions, default=0)
    if current > newest_known:
        return fail("database", f"schema {current} is newer than this software ({newest_known})",
                    "install the newer release again: sudo edge-update <wheel>")
    pending = " (newer migrations apply at next start)" if current < newest_known else ""
    return ok("database", f"integrity ok, schema {current}{pending}")


def check_disk(settings: Settings) -> Finding:
    existing = next(p for p in (settings.data_dir, *settings.data_dir.absolute().parents) if p.exists())
    free_mb = shutil.disk_usage(existing).free // (1024 * 1024)
    need = settings.min_free_disk_mb
    if free_mb < need:
        return fail("disk", f"{free_mb} MB free, need {need} MB",
                    "delete old backups in /var/lib/edge/backups or use a larger SD card")
    if free_mb < 2 * need:
        return warn("disk", f"{free_mb} MB free (low)", "delete old backups in /var/lib/edge/backups")
    return ok("disk", f"{free_mb} MB free")


def check_clock(settings: Settings, now: datetime | None = None) -> Finding:
    now = now or datetime.now(timezone.utc)
    if now.year < RELEASE_YEAR:
        return fail("clock", f"the clock says {now:%Y-%m-%d %H:%M} UTC, before this release",
                    "connect the box to the internet (time sync), or: sudo date -s 'YYYY-MM-DD HH:MM'")
    newest = _newest_event_time(settings)
    if newest and now + CLOCK_SLACK < newest:
        return warn("clock", f"the clock ({now:%Y-%m-%d %H:%M}) is behind the newest order event "
                             f"({newest:%Y-%m-%d %H:%M})", "check time sync: timedatectl status")
    return ok("clock", f"{now:%Y-%m-%d %H:%M} UTC")


def _newest_event_time(settings: Settings) -> datetime | None:
    if not settings.database_path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        finally:
            conn.close()
        return datetime.fromisoformat(row[0]) if row else None
    except (sqlite3.Error, ValueError):
        return None  # the database check reports a broken file


def check_cloud(settings: Settings) -> list[Finding]:
    import requests

    sync = settings.sync
    if not sync.supabase_url:
        return [skip("cloud", "sync not set up; the box works offline")]
    token, problem = _box_token(sync)
    findings = [ok("cloud credential", "box token present") if token else
                fail("cloud credential", problem or "no box token",
                     "put the box token in the file named by sync.box_token_file (mode 0600, owner edge), "
                     "or give it as the systemd credential edge-box-token (LoadCredential=)")]
    try:
        response = requests.get(sync.supabase_url.rstrip("/") + "/rest/v1/",
                                headers={"apikey": sync.anon_key or ""}, timeout=min(sync.timeout_s, 3))
        findings.append(ok("cloud", f"{sync.supabase_url} reachable (HTTP {response.status_code})"))
    except requests.RequestException as error:
        findings.append(warn("cloud", f"{sync.supabase_url} unreachable: {type(error).__name__}",
                             "the kitchen keeps working offline; check the internet connection, "
                             "then sync catches up by itself"))
    return findings


def _box_token(sync) -> tuple[str | None, str | None]:
    """The token as the sync worker resolves it (one resolver), or why there is none."""
    from edge.security.secretfiles import SecretFileError

    try:
        return sync.resolved_box_token(), None
    except SecretFileError as error:
        return None, str(error)


BUILTIN_CHECKS = [check_settings, check_data_dir, check_database, check_disk, check_printers,
                  check_gpio, check_microphone, check_voice_model, check_cloud, check_clock]
