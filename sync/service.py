"""Builds the sync worker from settings (edge/services.py wires it into the box; `edge sync`
commands build one of their own)."""

from __future__ import annotations

import logging

from edge.security.secretfiles import SecretFileError
from edge.settings import Settings
from sync.heartbeat import Heartbeat
from sync.transport import Transport
from sync.worker import SyncWorker

log = logging.getLogger("edge.sync")


def box_token(settings: Settings) -> str | None:
    """The box's cloud credential, from wherever it was given (``SyncSettings.resolved_box_token``:
    the value, ``box_token_file``, or the systemd credential ``edge-box-token``); None, with the
    reason logged, when the named file cannot be read: the box then works offline."""
    try:
        return settings.sync.resolved_box_token()
    except SecretFileError as error:
        log.error("sync is off: %s", error)
        return None


def build_worker(settings: Settings, store) -> SyncWorker | None:
    """The worker, or None when the cloud is not configured (the box then simply works offline)."""
    sync = settings.sync
    token = box_token(settings)
    if not (sync.supabase_url and sync.anon_key and token):
        return None
    transport = Transport(sync.supabase_url, sync.anon_key, token, timeout_s=sync.timeout_s)
    box_id = sync.box_id or settings.box_id
    worker = SyncWorker(store, transport, box_id=box_id, token=token,
                        max_events=sync.batch_max_events, max_bytes=sync.batch_max_bytes,
                        interval_s=sync.interval_s, pull_interval_s=sync.menu_pull_interval_s)
    worker.heartbeat = Heartbeat(store, transport, box_id=box_id)
    return worker
