"""USB bump bars (evdev): keyboards whose keys bump, recall and move the selection on a station.

A bar such as the Logic Controls KB9000 (standard template) types digits, arrows and letters.
The keymap (key name -> action) has a sensible default that ``BumpBarSettings.keymap`` extends
or overrides; an action of ``""`` switches a key off. The bar is grabbed so its keys do not
also type into whatever else runs on the box, and the worker survives unplug and replug: it
goes back to looking for the device and grabs it again when it reappears.

evdev is Linux-only native code and is imported only when a bar is actually opened.
"""

from __future__ import annotations

import enum
import logging
import select
import threading
from typing import Callable

from devices.stations import Action, ActionRunner, StationControl
from edge.domain.actors import Actor
from edge.settings import BumpBarSettings

log = logging.getLogger(__name__)

KEY_DOWN = 1  # evdev key event values: 0 up, 1 down, 2 auto-repeat (ignored: no double bumps)
RETRY_S = 1.0

DEFAULT_KEYMAP: dict[str, str] = {
    **{f"KEY_{n}": f"bump:{n}" for n in range(1, 10)},
    **{f"KEY_KP{n}": f"bump:{n}" for n in range(1, 10)},
    "KEY_ENTER": "bump", "KEY_KPENTER": "bump", "KEY_B": "bump", "KEY_0": "bump", "KEY_KP0": "bump",
    "KEY_R": "recall", "KEY_BACKSPACE": "recall", "KEY_KPMINUS": "recall",
    "KEY_RIGHT": "next", "KEY_DOWN": "next", "KEY_LEFT": "previous", "KEY_UP": "previous",
    "KEY_PAGEDOWN": "page", "KEY_SPACE": "page", "KEY_P": "page",
    "KEY_S": "summary", "KEY_HOME": "summary", "KEY_KPASTERISK": "summary",
    "KEY_D": "item_done", "KEY_KPDOT": "item_done",
}


def build_keymap(overrides: dict[str, str]) -> dict[str, Action]:
    """Default keymap plus the settings' keys; raises ValueError naming a bad key or action."""
    merged = {**DEFAULT_KEYMAP, **{key.upper(): action for key, action in overrides.items()}}
    keymap = {}
    for key, action in merged.items():
        if not key.startswith(("KEY_", "BTN_")):
            raise ValueError(f"bump bar key {key!r}: use evdev key names such as 'KEY_1' or 'KEY_ENTER'")
        if action:
            keymap[key] = Action.parse(action)
    return keymap


def key_names(code: int) -> list[str]:
    """evdev's names for a key code (some codes have several, e.g. KEY_MUTE/KEY_MIN_INTERESTING)."""
    from evdev import ecodes

    names = ecodes.KEY.get(code) or ecodes.BTN.get(code) or []
    return [names] if isinstance(names, str) else list(names)


class BarState(enum.Enum):
    SEARCHING = "searching"
    GRABBED = "grabbed"
    RESTARTING = "restarting"
    STOPPED = "stopped"


class BumpBar:
    def __init__(self, settings: BumpBarSettings, control: StationControl, runner: ActionRunner, *,
                 open_device: Callable[[str], object] | None = None):
        self.settings = settings
        self.control = control
        self.runner = runner
        self.keymap = build_keymap(settings.keymap)
        self.actor = Actor(kind="device", id=f"bumpbar:{settings.device}",
                           name=f"{settings.station} bump bar", role="device")
        self.open_device = open_device or find_device
        self.state = BarState.STOPPED
        self.connects = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self.run, name=f"bumpbar-{settings.station}", daemon=True)

    def handle_event(self, event) -> Action | None:
        """One evdev event; a mapped key going down becomes an action for the station."""
        from evdev import ecodes

        if event.type != ecodes.EV_KEY or event.value != KEY_DOWN:
            return None
        action = next((self.keymap[name] for name in key_names(event.code) if name in self.keymap), None)
        if action is not None:
            self.runner.submit(self.control, action, self.actor)
        return action

    def start(self) -> "BumpBar":
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            self.state = BarState.SEARCHING
            try:
                device = self.open_device(self.settings.device)
            except Exception as error:  # evdev missing, no such device, no permission
                log.debug("bump bar %s not available: %s", self.settings.device, error)
                device = None
            if device is None:
                self._stopping.wait(RETRY_S)
                continue
            self._read(device)
        self.state = BarState.STOPPED

    def _read(self, device) -> None:
        try:
            if self.settings.grab:
                device.grab()
            self.state = BarState.GRABBED
            self.connects += 1
            log.info("bump bar %s (%s) ready for station %s", device.path, device.name, self.settings.station)
            while not self._stopping.is_set():
                ready, _, _ = select.select([device.fd], [], [], 0.2)
                if ready:
                    for event in device.read():
                        self.handle_event(event)
        except OSError as error:  # unplugged: ENODEV; look for it again
            log.warning("bump bar %s lost (%s); waiting for it to come back", self.settings.device, error)
            self.state = BarState.RESTARTING
        finally:
            _close_quietly(device)


def find_device(wanted: str):
    """Open the input device at path ``wanted``, or the first whose name contains it; else None."""
    import evdev

    if wanted.startswith("/dev/"):
        return evdev.InputDevice(wanted)
    for path in evdev.list_devices():
        device = evdev.InputDevice(path)
        if wanted.lower() in device.name.lower():
            return device
        device.close()
    return None


def _close_quietly(device) -> None:
    try:
        device.ungrab()
    except Exception:  # not grabbed, or the device is already gone
        pass
    try:
        device.close()
    except Exception:
        pass
