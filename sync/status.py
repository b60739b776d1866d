"""Sync status for people and machines: `edge sync status`, /health and Prometheus metrics.

The box keeps working without the cloud, so sync problems make the box `degraded`, never
`down`. A Pi has no real-time clock: a clock before this software's build date, or far from
the cloud's `Date` header, is flagged (HLC stamps keep the event order right regardless).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TypedDict

from prometheus_client.core import GaugeMetricFamily

from sync import outbox, state

BUILD_DATE = datetime(2026, 11, 1, tzinfo=timezone.utc)
MAX_CLOCK_SKEW_S = 300
STALE_BACKLOG_S = 300


def clock_problem(now: float, skew_s: float | None, build_date: datetime = BUILD_DATE) -> str | None:
    if now < build_date.timestamp():
        when = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="seconds")
        return f"the box clock reads {when}, before this software was built ({build_date.date()})"
    if skew_s is not None and abs(skew_s) > MAX_CLOCK_SKEW_S:
        direction = "ahead of" if skew_s > 0 else "behind"
        return f"the box clock is {abs(skew_s):.0f} s {direction} the cloud's"
    return None


def _timestamp(iso: str | None) -> float | None:
    """The Unix time of a stored ISO moment; None when there is none (or it cannot be read)."""
    try:
        return datetime.fromisoformat(iso).timestamp() if iso else None
    except ValueError:
        return None


def _age_s(now: float, iso: str | None) -> float | None:
    moment = _timestamp(iso)
    return None if moment is None else max(0.0, now - moment)


class SyncStatus(TypedDict):
    """How sync stands, the one definition of that report: `edge sync status`, /health, the
    metrics, the heartbeat, and GET /api/v1/sync/status (edge.api.sync, which puts the health
    verdict first). Most of it is the stored ``state.SyncState``; the rest is counted now."""

    configured: bool
    acked_seq: int
    backlog_events: int
    oldest_unsent_at: str | None
    oldest_unsent_age_s: float | None
    last_push_at: str | None
    last_pull_at: str | None
    cloud_menu_version: int
    last_error: str | None
    last_error_at: str | None
    credential_problem: str | None
    dead_letters: int
    clock_problem: str | None
    clock_skew_s: float | None
    next_attempt_in_s: float | None
    pushed_events: int | None


def sync_status(store, worker=None, *, configured: bool = True, now: float | None = None) -> SyncStatus:
    now = time.time() if now is None else now
    current = state.load(store)
    count, oldest_at = outbox.backlog(store, current.acked_seq)
    dead = store.read().execute("SELECT COUNT(*) FROM sync_dead_letters").fetchone()[0]
    return SyncStatus(
        configured=configured,
        acked_seq=current.acked_seq,
        backlog_events=count,
        oldest_unsent_at=oldest_at,
        oldest_unsent_age_s=_age_s(now, oldest_at) if count else 0.0,
        last_push_at=current.last_push_at,
        last_pull_at=current.last_pull_at,
        cloud_menu_version=current.cloud_menu_version,
        last_error=current.last_error,
        last_error_at=current.last_error_at,
        credential_problem=current.credential_problem,
        dead_letters=dead,
        clock_problem=clock_problem(now, current.clock_skew_s),
        clock_skew_s=current.clock_skew_s,
        next_attempt_in_s=max(0.0, worker.next_attempt_at - worker.clock()) if worker else None,
        pushed_events=worker.pushed_events if worker else None,
    )


def health(status: SyncStatus) -> tuple[str, str]:
    """(ok|degraded, detail): sync alone never makes the box `down`."""
    if not status["configured"]:
        return "ok", "cloud sync is not configured (the box works offline)"
    problems = []
    if status["credential_problem"]:
        problems.append(f"credential refused, pushing stopped: {status['credential_problem']}")
    if status["dead_letters"]:
        problems.append(f"{status['dead_letters']} event(s) refused by the cloud (edge sync dead-letters)")
    if status["clock_problem"]:
        problems.append(status["clock_problem"])
    if status["backlog_events"] and (status["oldest_unsent_age_s"] or 0) > STALE_BACKLOG_S:
        problems.append(f"{status['backlog_events']} event(s) waiting, oldest {status['oldest_unsent_age_s']:.0f} s"
                        + (f"; last error: {status['last_error']}" if status["last_error"] else ""))
    if problems:
        return "degraded", "; ".join(problems)
    return "ok", f"{status['backlog_events']} event(s) waiting; last push {status['last_push_at'] or 'never'}"


class SyncCollector:
    """Prometheus metrics computed from the box's sync state at scrape time."""

    def __init__(self, status_fn):
        self.status_fn = status_fn

    def collect(self):
        status = self.status_fn()
        gauges = [
            ("sync_backlog_events", "Events not yet acknowledged by the cloud", status["backlog_events"]),
            ("sync_oldest_unsent_age_seconds", "Age of the oldest event not yet in the cloud",
             status["oldest_unsent_age_s"] or 0.0),
            ("sync_last_success_timestamp", "Unix time of the last acknowledged push",
             _timestamp(status["last_push_at"]) or 0.0),
            ("sync_last_pull_timestamp", "Unix time of the last menu pull", _timestamp(status["last_pull_at"]) or 0.0),
            ("sync_dead_letters", "Events the cloud refused, waiting for a retry", status["dead_letters"]),
            ("sync_credential_ok", "0 when the cloud refused the box's credential",
             0 if status["credential_problem"] else 1),
            ("sync_clock_suspect", "1 when the box clock looks wrong", 1 if status["clock_problem"] else 0),
            ("sync_acked_seq", "The cloud's acknowledged cursor", status["acked_seq"]),
        ]
        for name, help_text, value in gauges:
            family = GaugeMetricFamily(name, help_text)
            family.add_metric([], float(value))
            yield family

    def describe(self):
        return []
