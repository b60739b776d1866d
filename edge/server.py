"""`edge serve`: gunicorn's arbiter and one worker, whose event loop holds every connection.

The realtime hub must live in exactly one process, so: one worker. Its event loop reads requests
whole and keeps the WebSocket feeds; its request threads only run the app (edge.serving, and
docs/serving.md for why). SIGTERM lets in-flight requests finish (graceful timeout), then the
worker closes the app, which drains the writer queue and closes the database cleanly.

Two processes, and the first one is kept lean. `edge serve` (the click command) builds and checks
the settings, then replaces itself (``os.execve``, same pid) with ``python -m edge.server OPTIONS``.
That process becomes gunicorn's arbiter, which lives as long as the box runs: whatever it imports
stays in memory for good, so it imports gunicorn, the standard library, this module, sdnotify and
the JSON log formatter (edge.observability.logs) only: no click, pydantic, Flask or subcommands. The
one worker it forks loads the settings again from the same sources (with the options the command
resolved: demo, the [server] section) and builds the app. OPTIONS is JSON with no secrets in it.

The exec also sets glibc's malloc to return freed memory (see MALLOC_TUNING); both processes
inherit it.

Under systemd (deploy/pi-image): the listening sockets may come from ``edge.socket`` (gunicorn
takes ``LISTEN_FDS`` itself; the exec keeps the pid and the descriptors), and the worker reports
READY=1 once the database is open and feeds the watchdog while the single writer still commits
(edge.appliance.sdnotify).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import sys

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from edge.appliance.sdnotify import Notifier
from edge.serving.worker import EdgeWorker

log = logging.getLogger("edge.server")

# The threads' malloc arenas keep what they freed: after start-up and a lunch service they held
# 15-35 MiB of free memory (bench/RESULTS.md, "Idle memory (issue 8), session 2"). A fixed mmap
# threshold hands large blocks back to the kernel on free (a dynamic one grows up to 32 MiB),
# and two arenas stop each thread from keeping a heap of its own. Values already set win.
MALLOC_TUNING = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072"}

# gunicorn's own lines (start, worker boot, signals) in the same one-JSON-object-per-line format.
GUNICORN_JSON_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "edge.observability.logs.JsonFormatter"}},
    "handlers": {  # the names gunicorn's defaults refer to, both JSON on stdout
        name: {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
        for name in ("console", "error_console")
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {"gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


def heartbeat_dir() -> str | None:
    """Where gunicorn's worker touches its heartbeat file (once a second): a RAM filesystem. On the
    default /tmp (the SD card under systemd's PrivateTmp) each touch is an inode write."""
    for candidate in (os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0], "/dev/shm"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return candidate
    return None  # gunicorn's default, the temp dir


class NoAccessLogLogger(glogging.Logger):
    """The app logs every request itself, with its request id (edge.app); gunicorn's own access
    line (switched on by any logging config) would double the log and its CPU."""

    def access(self, resp, req, environ, request_time) -> None:
        return None


def exec_server(settings) -> None:
    """Replace this process (the click command, with pydantic and every subcommand loaded) by the
    lean arbiter. ``settings`` were built and checked by the caller; the worker rebuilds them."""
    options = {"demo": settings.demo, "server": settings.server.model_dump(mode="json")}
    environment = {**MALLOC_TUNING, **os.environ}
    sys.stdout.flush()
    sys.stderr.flush()
    # -P: the working directory (/var/lib/edge under systemd) is not put on the module path.
    os.execve(sys.executable, [sys.executable, "-P", "-m", "edge.server", json.dumps(options)], environment)


class EdgeServer(BaseApplication):
    """gunicorn's application. ``options`` is what `edge serve` resolved (see exec_server)."""

    def __init__(self, options: dict, notifier: Notifier | None = None):
        self.options = options
        self.server = options["server"]
        self.demo = bool(options.get("demo"))
        self.notifier = notifier or Notifier(None)
        self.app = None
        super().__init__()

    def load_config(self) -> None:
        server = self.server
        for key, value in {
            "bind": [f"{server['host']}:{server['port']}"],
            "worker_class": EdgeWorker,
            "workers": 1,
            "threads": server["threads"],
            "graceful_timeout": server["graceful_timeout_s"],
            "timeout": 30,
            "accesslog": None,
            "logger_class": NoAccessLogLogger,
            "worker_tmp_dir": heartbeat_dir(),
            "logconfig_dict": GUNICORN_JSON_LOGGING,
            "pre_fork": _freeze_before_fork,
            "worker_exit": self._worker_exit,
            "post_worker_init": self._announce,
        }.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24: one box, no remote control
            self.cfg.set("control_socket_disable", True)

    def load(self):
        """In the worker: the settings (from the same sources as `edge serve`), then the app."""
        from edge.app import create_app
        from edge.observability.logs import configure_logging
        from edge.settings import load_settings

        settings = load_settings(demo=self.demo, server=self.server)
        configure_logging(settings.log_level, queued=True)
        self.app = create_app(settings)
        if settings.demo:
            _seed_demo(self.app)
        return self.app

    def _announce(self, worker) -> None:
        self._stop_long_requests_on_sigterm(worker)
        listening = ", ".join(str(sock) for sock in worker.sockets)
        log.info("serving on %s%s", listening, " (demo mode)" if self.demo else "")
        self.notifier.notify("READY=1", f"STATUS=serving on {listening}")
        self.notifier.start_watchdog(self._writer_commits)

    def _writer_commits(self) -> bool:
        """The watchdog's probe: the single writer still runs a transaction within 10 s."""
        store = self.app.extensions["edge"].store
        return store.write(lambda tx: True, timeout=10)

    def _stop_long_requests_on_sigterm(self, worker) -> None:
        """gunicorn waits up to the graceful timeout for running requests; an open WebSocket never
        ends by itself, so tell the app to close them as soon as SIGTERM arrives."""
        gunicorn_handler = worker.handle_exit

        def handle_exit(signum, frame):
            gunicorn_handler(signum, frame)
            if self.app is not None:
                self.app.extensions["edge"].stopping()

        signal.signal(signal.SIGTERM, handle_exit)

    def _worker_exit(self, arbiter, worker) -> None:
        self.notifier.notify("STOPPING=1")
        if self.app is not None:
            self.app.extensions["edge"].close()
            log.info("database closed cleanly")
        from edge.observability.logs import stop_queued_logging  # the worker has it loaded (load())

        stop_queued_logging()


def _freeze_before_fork(arbiter, worker) -> None:
    """The worker starts with the arbiter's objects on shared pages; keep its garbage collector
    from writing to them (and so copying every page) by moving them out of the collector's sight."""
    gc.collect()
    gc.freeze()


def _seed_demo(app) -> None:
    from edge.appliance.demo import DEMO_USERS, seed_demo

    services = app.extensions["edge"]
    if seed_demo(services.store, services.secret):
        log.info("demo restaurant seeded")
    for name, role, pin in DEMO_USERS:
        log.info("demo user %s (%s) PIN %s", name, role, pin)


def main(argv: list[str]) -> None:
    """The arbiter's entry (``python -m edge.server OPTIONS``), reached through exec_server."""
    EdgeServer(json.loads(argv[0]), Notifier.take_from_environment()).run()


if __name__ == "__main__":
    main(sys.argv[1:])
