"""The sync worker: pushes the event log in seq order, keeps the cloud's cursor, pulls the menu.

One run at a time (APScheduler, max_instances=1). A run pushes dead letters the owner asked to
retry, then the backlog batch by batch until it is empty, then pulls the menu when the cloud's
version moved or the pull interval passed. Any retryable failure ends the run and schedules the
next attempt with exponential backoff and full jitter, counted from the last batch the cloud
acknowledged (a run that made progress starts the doubling over); a 401/403 stops pushing until the
credential changes or someone asks for a retry. The worker never stops itself on an error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime, timezone

from edge.domain.backoff import Backoff
from sync import menu_pull, outbox, state
from sync.transport import SyncError, Transport

log = logging.getLogger("edge.sync")


class SyncWorker:
    def __init__(self, store, transport: Transport, *, box_id: str, token: str, max_events: int = 500,
                 max_bytes: int = 256 * 1024, interval_s: float = 2.0, pull_interval_s: float = 60.0,
                 backoff: Backoff | None = None, clock=time.time):
        self.store = store
        self.transport = transport
        self.box_id = box_id
        self.token = token
        self.max_events = max_events
        self.max_bytes = max_bytes
        self.batch_limit = max_events
        self.interval_s = interval_s
        self.pull_interval_s = pull_interval_s
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.next_attempt_at = 0.0
        self.last_error: SyncError | None = None
        self.last_success_at: float | None = None
        self.pushed_events = 0
        self.errors: Counter = Counter()
        self._last_pull_attempt = float("-inf")
        self._menu_due = True
        self._run_lock = threading.Lock()
        self._wake_pending = threading.Event()
        self._scheduler = None
        self.heartbeat = None  # sync.heartbeat.Heartbeat, when the box reports its health
        self._lift_stop_if_token_changed()

    # -- scheduling -------------------------------------------------------------------------
    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        # A tick skipped because a run is still going is max_instances=1 doing its job, not news.
        for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
            logging.getLogger(name).setLevel(logging.ERROR)
        self._scheduler = BackgroundScheduler(daemon=True)
        self._scheduler.add_job(self.tick, "interval", seconds=self.interval_s, id="sync",
                                max_instances=1, coalesce=True, misfire_grace_time=None,
                                next_run_time=datetime.now(timezone.utc))
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None

    def wake(self, _events=None) -> None:
        """A commit listener: new events are waiting, push them now rather than at the next tick."""
        self._wake_pending.set()
        scheduler = self._scheduler
        if scheduler is not None and not self._run_lock.locked() and self.clock() >= self.next_attempt_at:
            try:
                scheduler.modify_job("sync", next_run_time=datetime.now(timezone.utc))
            except Exception:  # the scheduler is shutting down
                pass

    def tick(self) -> None:
        """The scheduled job: respects backoff and a credential stop; never raises."""
        if self.stopped_for_credentials() or self.clock() < self.next_attempt_at:
            return
        try:
            self.run_once()
        except Exception:
            log.exception("sync run failed unexpectedly; next tick tries again")
        if self.heartbeat is not None:
            self.heartbeat.beat_if_due()

    # -- one run ----------------------------------------------------------------------------
    def run_once(self) -> SyncError | None:
        """Push everything and pull the menu if due. Returns the error that ended the run, if any."""
        with self._run_lock:
            try:
                while True:
                    self._wake_pending.clear()
                    self._push_retries()
                    self._push_backlog()
                    if not self._wake_pending.is_set():
                        break
                self._pull_menu_if_due()
            except SyncError as error:
                self._failed(error)
                return error
            self.backoff.reset()
            self.next_attempt_at = 0.0
            self.last_error = None
            self.last_success_at = self.clock()
            return None

    def _push_backlog(self) -> None:
        cursor = state.load(self.store).acked_seq
        while True:
            batch = outbox.next_batch(self.store, cursor, box_id=self.box_id, max_events=self.batch_limit,
                                      max_bytes=self.max_bytes)
            if not batch:
                self.batch_limit = self.max_events
                return
            try:
                result = self.transport.push(self.box_id, batch.encoded)
            except SyncError as error:
                if error.kind != "too_large":
                    raise
                cursor = self._shrink_or_set_aside(batch, error)
                continue
            if result.cursor < batch.last_seq:
                raise SyncError("bad_response", f"the cloud acknowledged up to {result.cursor}, "
                                                f"not the batch's last event {batch.last_seq}")
            types = dict(zip(batch.seqs, batch.types))
            skew = self._clock_skew()
            self.store.write(lambda tx: state.record_push(tx, result.cursor, result.rejected, types, clock_skew_s=skew))
            self.pushed_events += result.accepted
            cursor = result.cursor
            # Progress: the cloud is answering. A lost answer after this is a first failure, not
            # one more in a row (at 30 % lost answers the doubling grew to the cap and a backlog
            # of 50,000 events took hours instead of minutes).
            self.backoff.reset()
            if result.menu_version is not None and result.menu_version > state.load(self.store).cloud_menu_version:
                self._menu_due = True
            if result.rejected:
                log.warning("the cloud refused %d event(s): %s", len(result.rejected), result.rejected[:3])

    def _shrink_or_set_aside(self, batch: outbox.Batch, error: SyncError) -> int:
        """413: halve the batch; a single event too large for the cloud becomes a dead letter."""
        if len(batch) > 1:
            self.batch_limit = max(1, len(batch) // 2)
            log.info("the cloud refused %d events as too large; trying %d", len(batch), self.batch_limit)
            return batch.seqs[0] - 1
        seq, event_id, type_ = batch.seqs[0], batch.ids[0], batch.types[0]

        def set_aside(tx):
            state.add_dead_letter(tx, seq, event_id, type_, f"too large for the cloud: {error}")
            state.skip_past(tx, seq)
        self.store.write(set_aside)
        return seq

    def _push_retries(self) -> None:
        """Dead letters someone asked to retry, one event a call: they are few, and one that is
        still too large (413) must not block the others."""
        for seq in state.retry_requested(self.store, limit=50):
            batch = outbox.batch_by_seq(self.store, [seq], box_id=self.box_id)
            if not batch:
                continue
            try:
                rejected = self.transport.push(self.box_id, batch.encoded).rejected
            except SyncError as error:
                if error.kind != "too_large":
                    raise
                rejected = [{"seq": seq, "id": batch.ids[0], "reason": f"too large for the cloud: {error}"}]
            accepted = [] if rejected else [seq]
            types = dict(zip(batch.seqs, batch.types))
            self.store.write(lambda tx: state.record_retried(tx, accepted, rejected, types))
            log.info("retried dead letter seq %d: %s", seq, "accepted" if accepted else rejected[0]["reason"])

    def _pull_menu_if_due(self) -> None:
        if not self._menu_due and self.clock() - self._last_pull_attempt < self.pull_interval_s:
            return
        self._last_pull_attempt = self.clock()
        menu_pull.pull_menu(self.store, self.transport)
        self._menu_due = False

    # -- failures ---------------------------------------------------------------------------
    def _failed(self, error: SyncError) -> None:
        self.last_error = error
        self.errors[error.kind] += 1
        skew = self._clock_skew()
        if error.kind == "credentials":
            log.error("sync stopped: the cloud refused the box's credential (%s)", error)
            self.store.write(lambda tx: state.record_credential_problem(tx, str(error), self.token))
            return
        delay = self.backoff.next_delay(error.retry_after_s)
        self.next_attempt_at = self.clock() + delay
        log.warning("sync failed (%s); retrying in %.1f s", error, delay)
        self.store.write(lambda tx: state.record_error(tx, str(error), skew))

    def stopped_for_credentials(self) -> bool:
        return state.load(self.store).credential_problem is not None

    def _lift_stop_if_token_changed(self) -> None:
        current = state.load(self.store)
        if current.credential_problem and current.credential_hash != state.token_hash(self.token):
            self.store.write(state.clear_credential_problem)

    def retry_now(self) -> None:
        """What `edge sync retry` and the Manage page do: lift a credential stop and the backoff."""
        self.store.write(state.clear_credential_problem)
        self.next_attempt_at = 0.0
        self.backoff.reset()

    def _clock_skew(self) -> float | None:
        server = self.transport.last_server_date
        return None if server is None else round(self.clock() - server.timestamp(), 3)
