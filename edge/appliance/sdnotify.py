"""systemd's notify protocol (READY, WATCHDOG, STOPPING), spoken directly over its datagram socket.

systemd passes ``NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract namespace) and, when the
unit has ``WatchdogSec=``, ``WATCHDOG_USEC``. Outside systemd both are absent and every call is a
no-op, so the server runs the same on a laptop.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Callable

log = logging.getLogger("edge.sdnotify")


class Notifier:
    """Sends state lines to systemd. Built from the environment once, before gunicorn starts."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None):
        self.address = address
        self.watchdog_interval_s = watchdog_usec / 2_000_000 if watchdog_usec else None

    @classmethod
    def take_from_environment(cls) -> "Notifier":
        """Read and REMOVE the variables: gunicorn's arbiter would otherwise report READY=1 itself,
        before the worker has opened the database."""
        usec = os.environ.pop("WATCHDOG_USEC", None)
        os.environ.pop("WATCHDOG_PID", None)  # the worker, not the main pid, feeds the watchdog
        return cls(os.environ.pop("NOTIFY_SOCKET", None), int(usec) if usec else None)

    def notify(self, *lines: str) -> bool:
        if not self.address:
            return False
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(address)
                sock.sendall("\n".join(lines).encode())
        except OSError as error:
            log.warning("sd_notify to %s failed: %s", self.address, error)
            return False
        return True

    def start_watchdog(self, probe: Callable[[], bool]) -> threading.Thread | None:
        """Ping systemd every half watchdog period while ``probe()`` says the box works.

        A probe that fails or hangs stops the pings, and systemd restarts the service."""
        if not (self.address and self.watchdog_interval_s):
            return None
        stop = threading.Event()

        def feed() -> None:
            while not stop.wait(self.watchdog_interval_s):
                try:
                    healthy = probe()
                except Exception:
                    log.exception("watchdog probe failed")
                    healthy = False
                if healthy:
                    self.notify("WATCHDOG=1")
                else:
                    log.error("watchdog probe unhealthy; not feeding systemd's watchdog")

        thread = threading.Thread(target=feed, name="sd-watchdog", daemon=True)
        thread.stop = stop  # type: ignore[attr-defined]
        thread.start()
        return thread
