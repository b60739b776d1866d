"""Wrong-PIN lockouts that grow, kept in SQLite so a restart does not forgive an attacker.

A login sends only a PIN, so a wrong PIN belongs to nobody: it is counted against the *device*
that sent it (client address + X-Device-Id) and against the *address* alone (a higher threshold,
so inventing device ids does not reset the count). When the request names a user (the optional
``user`` field of the login body, sent by tablets with a user picker), the PIN is checked against
that user only and the failure also counts against the *user*, wherever it came from.

After ``lockout_after`` wrong PINs within ``failure_window_s`` the key is locked for
``lockout_base_s``; each further lockout lasts twice the previous one, up to ``lockout_max_s``
(``user_lockout_max_s`` for users: anyone can lock a named user out, so that stays short).
A good PIN clears the user's own record but not the device's: otherwise a cook could guess the
manager's PIN four times, log in as themselves, and guess four more.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Callable

from edge.settings import SecuritySettings
from edge.observability.disk import classify
from edge.store import Store

FORGET_LOCKOUTS_AFTER_S = 24 * 3600  # a day without failures and the next lockout is short again


@dataclass(frozen=True)
class LoginKey:
    scope: str  # "device" | "ip" | "user"
    key: str


@dataclass(frozen=True)
class Lockout:
    key: LoginKey
    retry_after_s: int


class LoginLocked(Exception):
    def __init__(self, lockout: Lockout, *, just_locked: bool = False):
        self.lockout = lockout
        self.just_locked = just_locked
        super().__init__(f"too many wrong PINs; try again in {lockout.retry_after_s} s")


def login_keys(address: str, device_id: str | None, user_id: str | None) -> list[LoginKey]:
    keys = [LoginKey("device", f"{address}|{(device_id or '-')[:64]}"), LoginKey("ip", address)]
    if user_id:
        keys.append(LoginKey("user", user_id))
    return keys


class LoginGuard:
    def __init__(self, store: Store, policy: SecuritySettings, clock: Callable[[], float] = time.time):
        self.store = store
        self.policy = policy
        self.clock = clock
        # wrong PINs the disk could not take (full or read-only): kept here until a restart
        self._unrecorded: dict[LoginKey, dict] = {}
        self._unrecorded_lock = threading.Lock()

    def check(self, keys: list[LoginKey]) -> None:
        """Raise LoginLocked when any key is locked now."""
        now = self.clock()
        conn = self.store.read()
        worst: Lockout | None = None
        for key in keys:
            row = conn.execute("SELECT locked_until FROM login_failures WHERE scope = ? AND key = ?",
                               (key.scope, key.key)).fetchone()
            unrecorded = self._unrecorded.get(key)
            locked_until = max(row[0] if row else 0.0, unrecorded["locked_until"] if unrecorded else 0.0)
            if locked_until > now:
                lockout = Lockout(key, math.ceil(locked_until - now))
                if worst is None or lockout.retry_after_s > worst.retry_after_s:
                    worst = lockout
        if worst is not None:
            raise LoginLocked(worst)

    def record_failure(self, keys: list[LoginKey], then: Callable | None = None) -> Lockout | None:
        """Count a wrong PIN against every key; returns the longest lockout it started, if any.
        ``then(tx, lockout_or_none)`` runs inside the same transaction (the audit entries)."""
        now = self.clock()

        def job(tx) -> Lockout | None:
            started = [lock for key in keys if (lock := self._count(tx.conn, key, now))]
            worst = max(started, key=lambda lock: lock.retry_after_s, default=None)
            if then is not None:
                then(tx, worst)
            return worst

        try:
            return self.store.write(job)
        except sqlite3.Error as error:
            if classify(error) is None:
                raise
            return self._count_unrecorded(keys, now)

    def record_success(self, keys: list[LoginKey]) -> None:
        users = [key for key in keys if key.scope == "user"]
        if users:
            self.store.write(lambda tx: [tx.conn.execute(
                "DELETE FROM login_failures WHERE scope = ? AND key = ?", (k.scope, k.key)) for k in users])

    def _count(self, conn, key: LoginKey, now: float) -> Lockout | None:
        row = conn.execute("SELECT failures, window_start, lockouts, last_failure FROM login_failures"
                           " WHERE scope = ? AND key = ?", (key.scope, key.key)).fetchone()
        failures, window_start, lockouts, locked_until, lockout = self._after_failure(key, row, now)
        conn.execute(
            "INSERT INTO login_failures (scope, key, failures, window_start, lockouts, locked_until,"
            " last_failure) VALUES (?,?,?,?,?,?,?) ON CONFLICT (scope, key) DO UPDATE SET"
            " failures = excluded.failures, window_start = excluded.window_start,"
            " lockouts = excluded.lockouts, locked_until = excluded.locked_until,"
            " last_failure = excluded.last_failure",
            (key.scope, key.key, failures, window_start, lockouts, locked_until, now))
        return lockout

    def _after_failure(self, key: LoginKey, row, now: float):
        """(failures, window_start, lockouts, locked_until, new lockout or None) after one more
        wrong PIN, from the key's record (a row of login_failures, or None)."""
        failures, window_start, lockouts = 0, now, 0
        if row is not None:
            failures, window_start, lockouts = row["failures"], row["window_start"], row["lockouts"]
            if now - window_start > self.policy.failure_window_s:
                failures, window_start = 0, now
            if now - row["last_failure"] > FORGET_LOCKOUTS_AFTER_S:
                lockouts = 0
        failures += 1
        locked_until, lockout = 0.0, None
        if failures >= self._threshold(key):
            duration = self._duration(key, lockouts)
            locked_until, lockouts, failures = now + duration, lockouts + 1, 0
            lockout = Lockout(key, duration)
        return failures, window_start, lockouts, locked_until, lockout

    def _count_unrecorded(self, keys: list[LoginKey], now: float) -> Lockout | None:
        """The disk refused to record a wrong PIN (full, read-only): count it in memory, on top of
        what the database holds, so guessing stays locked out while logins need no write."""
        conn, started = self.store.read(), []
        with self._unrecorded_lock:
            for key in keys:
                row = self._unrecorded.get(key) or conn.execute(
                    "SELECT failures, window_start, lockouts, last_failure, locked_until FROM login_failures"
                    " WHERE scope = ? AND key = ?", (key.scope, key.key)).fetchone()
                failures, window_start, lockouts, locked_until, lockout = self._after_failure(key, row, now)
                self._unrecorded[key] = {"failures": failures, "window_start": window_start,
                                         "lockouts": lockouts, "last_failure": now, "locked_until": locked_until}
                if lockout is not None:
                    started.append(lockout)
        return max(started, key=lambda lock: lock.retry_after_s, default=None)

    def _threshold(self, key: LoginKey) -> int:
        return self.policy.ip_lockout_after if key.scope == "ip" else self.policy.lockout_after

    def _duration(self, key: LoginKey, previous_lockouts: int) -> int:
        cap = self.policy.user_lockout_max_s if key.scope == "user" else self.policy.lockout_max_s
        return min(self.policy.lockout_base_s * 2 ** min(previous_lockouts, 20), cap)

    def prune(self) -> None:
        """Drop records nobody needs any more (called by the nightly job)."""
        cutoff = self.clock() - FORGET_LOCKOUTS_AFTER_S
        self.store.write(lambda tx: tx.conn.execute(
            "DELETE FROM login_failures WHERE last_failure < ? AND locked_until < ?", (cutoff, cutoff)))
