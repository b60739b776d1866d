"""The composition root: every service of the box is built here, from settings, and started.

``build_services`` is the one place to read what runs on a box, what it is wired to, and in what
order it stops. Nothing here imports Flask: the web layer (edge/app.py) builds these services and
only routes requests to them, and operator commands open the store alone (edge/ops/database.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from devices.kitchen import KitchenDevices
from devices.printer.metrics import PrinterMetrics
from devices.printer.service import PrintService
from edge.ops import backup, backup_schedule
from edge.ops.database import open_store, protect_data
from edge.observability.disk import StorageMonitor
from edge.observability.health import Check, Health, disk_check
from edge.observability.metrics import Metrics
from edge.security import audit, auth, pairing, redact, refresh
from edge.security.keyring import TokenService
from edge.security.lockout import LoginGuard
from edge.serving.hub import Hub
from edge.settings import Settings
from edge.store import Store
from sync import service as sync_service
from sync.status import SyncCollector, health as sync_health, sync_status
from sync.worker import SyncWorker
from voice.listener import MicrophoneListener
from voice.models import choose_engine
from voice.service import VoiceService

log = logging.getLogger("edge.services")


class Services:
    """Everything a request, a worker or a device needs, built once per box by ``build_services``."""

    settings: Settings
    store: Store
    secret: bytes
    tokens: TokenService
    metrics: Metrics
    health: Health
    realtime: Hub
    login_guard: LoginGuard
    storage: StorageMonitor
    printing: PrintService
    voice: VoiceService
    microphone: MicrophoneListener | None
    kitchen: KitchenDevices | None
    sync_worker: SyncWorker | None
    sync_status: Callable[[], dict]
    revocation_checks: list[Callable[[dict], None]]

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.secret = auth.load_or_create_secret(settings.data_dir)
        self.tokens = TokenService(settings.data_dir, self.secret, settings.restaurant_id,
                                   timedelta(minutes=settings.auth.token_ttl_minutes), clock=store.wall_clock)
        self.metrics = Metrics()
        self.health = Health()
        self.realtime = Hub(store.events_after, max_queue=settings.server.ws_queue_max,
                            on_count=self.metrics.websocket_connections.set,
                            max_per_session=settings.server.ws_feeds_per_session)
        self.revocation_checks = [self._user_still_active]
        self._closers: list[Callable[[], None]] = []
        self._stoppers: list[Callable[[], None]] = []

    def on_close(self, fn: Callable[[], None]) -> None:
        """fn() runs when the box closes; closers run last-registered first."""
        self._closers.append(fn)

    def on_stop(self, fn: Callable[[], None]) -> None:
        """fn() runs when the server is asked to stop, BEFORE in-flight requests are awaited (so
        long-lived ones such as WebSockets end now). It must only set flags: it runs in a signal
        handler."""
        self._stoppers.append(fn)

    def stopping(self) -> None:
        for fn in self._stoppers:
            fn()

    def close(self) -> None:
        for fn in reversed(self._closers):
            try:
                fn()
            except Exception:
                log.exception("closing %r failed", fn)
        self._closers.clear()

    def check_not_revoked(self, claims: dict) -> None:
        for check in self.revocation_checks:
            check(claims)

    def _user_still_active(self, claims: dict) -> None:
        if claims.get("kind", "user") == "user" and not auth.user_is_active(self.store.read(), claims["sub"]):
            raise auth.AuthError("this user has been disabled", code="user_disabled")

    def refresh_gauges(self) -> None:
        conn = self.store.read()
        self.metrics.events_last_seq.set(self.store.last_seq)
        stats = self.store.writer_stats
        self.metrics.write_groups.set(stats.get("groups", 0))
        self.metrics.write_jobs.set(stats.get("jobs", 0))
        page_count, page_size = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
        wal = self.store.path.with_name(self.store.path.name + "-wal")
        self.metrics.db_size.set(page_count * page_size + (wal.stat().st_size if wal.exists() else 0))
        self.metrics.orders_open.set(conn.execute(
            "SELECT COUNT(*) FROM orders WHERE status IN ('fired', 'in_progress', 'ready')").fetchone()[0])


def build_services(settings: Settings, store: Store | None = None, *, start: bool = True) -> Services:
    """Every service of the box, wired to the store; workers and hardware started when ``start``.

    The order matters twice: transaction hooks and commit listeners run in the order they are
    added (the audit entry before the print jobs; the live feeds last), and closers run in
    reverse (the feeds close first, the store last, the backup lock after it)."""
    if store is None:
        store = open_store(settings)
    else:
        protect_data(settings, store)
    services = Services(settings, store)
    services.on_close(backup.hold_in_use(settings.data_dir))
    services.on_close(store.close)
    try:
        _add_box_health(services)
        _add_security(services)
        _add_storage_monitor(services)
        services.voice, services.microphone = _voice(services, start)
        services.printing = _printing(services, start)
        services.kitchen = _kitchen_devices(services) if start else None
        services.sync_worker, services.sync_status = _sync(services, start)
        if start:
            backup_schedule.start_nightly(services)
        _add_live_feeds(services)
    except BaseException:  # a settings mistake found late (a bad keymap): stop what already runs
        services.close()
        raise
    return services


def _add_box_health(services: Services) -> None:
    store, settings = services.store, services.settings

    def database() -> Check:
        if not store.writer_alive:
            return Check("down", "the database writer has stopped; orders cannot be saved")
        store.read().execute("SELECT 1 FROM events LIMIT 1").fetchall()
        return Check("ok", f"last event {store.last_seq}")

    services.health.register("database", database)
    services.health.register("disk", disk_check(settings.data_dir, settings.min_free_disk_mb))


def _add_security(services: Services) -> None:
    """Wrong-PIN lockouts, revoked sessions and tablets, and the audit log's device and entries."""
    store = services.store
    for logger in ("gunicorn.error", "werkzeug"):  # loggers with handlers of their own
        redact.install(logging.getLogger(logger))
    services.login_guard = LoginGuard(store, services.settings.security, clock=store.wall_clock)
    services.revocation_checks.append(refresh.revocation_check(store.read))
    services.revocation_checks.append(pairing.revocation_check(store.read))
    store.caller_device = audit.current_device
    store.add_tx_hook(audit.audit_event_hook)


def _add_storage_monitor(services: Services) -> None:
    """A full or read-only disk: writes refused clearly, /health says so, recovery by itself."""
    services.storage = StorageMonitor(services.store)
    services.store.add_commit_listener(services.storage.on_commit)
    services.health.register("storage", services.storage.check)


def _voice(services: Services, start: bool) -> tuple[VoiceService, MicrophoneListener | None]:
    """The recogniser (vosk, pocketsphinx or off), and the box's own microphone when configured."""
    settings, store = services.settings.voice, services.store

    def publish(kind: str, data: dict) -> None:
        store.write(lambda tx: tx.append_event(kind, data))

    engine, model_path = choose_engine(settings.engine, settings.model_path, settings.language)
    voice = VoiceService(model_path, settings.language, menu=store.menu, publish=publish,
                         observe_latency_ms=services.metrics.transcription_latency.observe,
                         spoken_confirm=settings.spoken_confirm, engine=engine)
    microphone = None
    if start:
        voice.start()
        if voice.enabled and settings.device:
            microphone = MicrophoneListener(voice, settings.device).start()
    services.on_close(voice.close)
    if microphone is not None:
        services.on_close(microphone.close)  # before the recogniser it feeds

    def voice_health() -> Check:
        """The recogniser's state, and the microphone's when one is configured: the worse."""
        checks = [voice.health()] + ([microphone.health()] if microphone else [])
        worst = max(checks, key=lambda c: ("ok", "degraded", "down").index(c.status))
        return Check(worst.status, "; ".join(c.detail for c in checks))

    services.health.register("voice", voice_health)
    return voice, microphone


def _printing(services: Services, start: bool) -> PrintService:
    """Firing an order queues its tickets in the same transaction; one worker per printer."""
    printing = PrintService.from_settings(services.store, services.settings).install()

    def printers_health() -> Check:
        if not printing.printers:
            return Check("ok", "no printers configured")
        return Check(*printing.health())

    services.health.register("printers", printers_health)
    services.metrics.registry.register(PrinterMetrics(printing))
    if start:
        printing.start()
        services.on_close(printing.stop)
    return printing


def _kitchen_devices(services: Services) -> KitchenDevices:
    """GPIO bump buttons, alerts and USB bump bars: the same commands as a tablet tap."""
    kitchen = KitchenDevices(services.store, services.settings, talk=services.microphone).start()
    services.on_close(kitchen.close)
    services.health.register("kitchen_devices", lambda: Check(*kitchen.health()))
    return kitchen


def _sync(services: Services, start: bool) -> tuple[SyncWorker | None, Callable[[], dict]]:
    """The cloud sync worker when the cloud is configured; its status, health and metrics always
    (the kitchen does not need the cloud, so sync is never worse than ``degraded``)."""
    store = services.store
    worker = sync_service.build_worker(services.settings, store)

    def status() -> dict:
        return sync_status(store, worker, configured=worker is not None)

    def check() -> Check:
        try:
            return Check(*sync_health(status()))
        except Exception as error:
            return Check("degraded", f"sync status unavailable: {error}")

    services.health.register("sync", check)
    services.metrics.registry.register(SyncCollector(status))
    if worker is not None and start:
        store.add_commit_listener(worker.wake)
        worker.start()
        services.on_close(worker.stop)
    return worker, status


def _add_live_feeds(services: Services) -> None:
    """Every commit fans out to the tablets' feeds; they end first when the box stops."""
    services.store.add_commit_listener(services.realtime.publish)
    services.on_stop(services.realtime.shutdown)
    services.on_close(services.realtime.shutdown)
