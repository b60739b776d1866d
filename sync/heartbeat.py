"""The box's heartbeat: after its sync runs, at most once a minute, the box tells the cloud what it
knows about itself (backlog, oldest unsent event, dead letters, credential and clock problems,
software version) with `POST /rest/v1/rpc/sync_heartbeat`. The owner's dashboard reads it in
`box_status`; a box that is up is heard from every minute even when it has nothing to push, so
silence means the restaurant is offline. Best effort: a failed heartbeat is never an error."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone

from edge import __version__
from sync.status import sync_status
from sync.transport import SyncError, Transport

log = logging.getLogger("edge.sync")

# ages, not timestamps: a Pi has no real-time clock, and an age is right even when the clock is off
REPORTED = ("acked_seq", "backlog_events", "oldest_unsent_age_s", "dead_letters", "credential_problem",
            "clock_problem", "last_error")


class Heartbeat:
    def __init__(self, store, transport: Transport, *, box_id: str, interval_s: float = 60.0, clock=time.time):
        self.store = store
        self.transport = transport
        self.box_id = box_id
        self.interval_s = interval_s
        self.clock = clock
        self._last_attempt = float("-inf")

    def payload(self) -> dict:
        status = sync_status(self.store, now=self.clock())
        health = {key: status[key] for key in REPORTED}
        health["version"] = __version__
        health["box_time"] = datetime.fromtimestamp(self.clock(), timezone.utc).isoformat()
        return health

    def beat_if_due(self) -> bool:
        """Send the heartbeat if the interval passed; True if the cloud took it."""
        if self.clock() - self._last_attempt < self.interval_s:
            return False
        self._last_attempt = self.clock()
        body = json.dumps({"box_id": self.box_id, "health": self.payload()}).encode()
        try:
            self.transport.rpc("sync_heartbeat", body)
        except SyncError as error:
            log.info("heartbeat not delivered (%s); the next run tries again", error)
            return False
        return True
