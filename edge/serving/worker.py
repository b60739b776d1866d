"""gunicorn's worker for the box: the event-loop front (edge.serving.front) in the worker process.

gunicorn documents custom workers as subclasses of ``gunicorn.workers.base.Worker`` that
implement ``run()``: serve ``self.sockets`` with ``self.wsgi``, call ``notify()`` while alive,
return once ``alive`` is False. That is the whole contract used here (no private method), so the
arbiter keeps what it does well: socket activation, signals, restarting a dead worker.

This module is imported by the lean arbiter (edge.server): asyncio and the front are imported in
the worker only, when ``run()`` starts.
"""

from __future__ import annotations

import logging
import os
import time

from gunicorn.workers.base import Worker

log = logging.getLogger("edge.server")

FILE_DESCRIPTORS_SPARE = 256  # the database, its WAL, logs, printers, the sync worker's sockets


class EdgeWorker(Worker):
    HEARTBEAT_S = 1.0  # the arbiter only looks for a silence of `timeout` (30 s)
    _last_heartbeat = 0.0

    def notify(self) -> None:
        """Touch the heartbeat file at most once a second (a syscall each time)."""
        now = time.monotonic()
        if now - self._last_heartbeat >= self.HEARTBEAT_S:
            self._last_heartbeat = now
            super().notify()

    def run(self) -> None:
        import asyncio

        from edge.serving.front import Front

        limits = limits_from(self.app.server, larger_bodies=getattr(self.wsgi, "config", {}).get("EDGE_LARGER_BODIES", {}))
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        front = Front(self.wsgi, loop, limits, threads=self.cfg.threads)
        try:
            loop.run_until_complete(self._serve(front))
        finally:
            front.threads.shutdown(wait=False, cancel_futures=True)
            loop.close()

    async def _serve(self, front) -> None:
        import asyncio
        import socket

        from edge.serving.front import SWEEP_S

        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(front.connection, sock=socket.socket(fileno=os.dup(listener.fileno())),
                                            backlog=self.cfg.backlog)
                   for listener in self.sockets]
        while self.alive:
            await asyncio.sleep(SWEEP_S)
            front.sweep()
            self.notify()
            if self.ppid != os.getppid():
                log.info("the arbiter is gone; stopping")
                break
        for server in servers:
            server.close()
        await self._drain(front)

    async def _drain(self, front) -> None:
        """Stopping: answer the requests already read (up to the graceful timeout), then close all.
        Feeds were told to close by the SIGTERM handler (edge.server) and do so at once."""
        import asyncio

        deadline = time.monotonic() + self.cfg.graceful_timeout
        front.stop_idle()
        while front.busy() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            self.notify()
        for feed in list(front.feeds.live):  # any the hub did not reach (still replaying, say)
            feed.close(1001, "shutdown")
        await asyncio.sleep(0.1)  # let close frames and last answers reach the kernel
        for connection in list(front.connections):
            connection.close()
        await asyncio.sleep(0)


def limits_from(server: dict, larger_bodies: dict[str, int] | None = None):
    """The front's limits from the [server] settings, within what the process may open;
    ``larger_bodies``: path -> bytes, for the routes that take more (the app's EDGE_LARGER_BODIES)."""
    from edge.serving.front import Limits

    available = raise_file_limit(server.get("max_connections", 4096) + FILE_DESCRIPTORS_SPARE)
    return Limits(header_timeout_s=server.get("header_timeout_s", 10.0),
                  body_timeout_s=server.get("body_timeout_s", 30.0),
                  keepalive_s=server.get("keepalive_s", 5.0),
                  max_body_bytes=server.get("max_body_bytes", 64 * 1024),
                  larger_bodies=tuple((path.encode(), limit) for path, limit in (larger_bodies or {}).items()),
                  connections_per_client=server.get("connections_per_client", 64),
                  max_connections=min(server.get("max_connections", 4096), available - FILE_DESCRIPTORS_SPARE))


def raise_file_limit(wanted: int) -> int:
    """Raise the soft limit on open files towards ``wanted`` (the hard limit allows it: systemd's
    default soft limit is 1024, its hard one 524288). Returns the soft limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft < wanted:
        log.warning("only %d open files allowed (LimitNOFILE); connections capped accordingly", soft)
    return soft if soft != resource.RLIM_INFINITY else wanted
