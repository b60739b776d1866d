"""GPIO bump buttons and new-ticket alerts (gpiozero).

The pin factory is injected (``pin_factory=``) as gpiozero's own devices take it; left out,
gpiozero picks it from the environment, so ``GPIOZERO_PIN_FACTORY=mock`` runs all of this on a
laptop. A button maps to a station action; with a ``long_press_action`` a short press acts on
release and a press held for ``hold_time_s`` does the other action instead.
"""

from __future__ import annotations

import logging
import threading
import time

from gpiozero import LED, Button, Buzzer

from devices.stations import Action, ActionRunner, StationControl
from edge.domain.actors import Actor
from edge.settings import AlertSettings, ButtonSettings

log = logging.getLogger(__name__)

TALK = "talk"  # push-to-talk: held while speaking an order (the voice feature's microphone)


def button_actor(settings: ButtonSettings) -> Actor:
    return Actor(kind="device", id=f"gpio:{settings.pin}", name=f"{settings.station} button {settings.pin}",
                 role="device")


class BumpButton:
    """One physical button on a station."""

    def __init__(self, settings: ButtonSettings, control: StationControl, runner: ActionRunner, *,
                 pin_factory=None, talk=None):
        self.settings = settings
        self.control = control
        self.runner = runner
        self.actor = button_actor(settings)
        self.talk = talk  # anything with press(requested_by) and release(): voice's microphone
        self._held = False
        self._ignore_release = False
        self._last_press = float("-inf")
        self.button = Button(settings.pin, pull_up=True, bounce_time=settings.bounce_time_s or None,
                             hold_time=settings.hold_time_s, pin_factory=pin_factory)
        if settings.action == TALK:
            self.button.when_pressed = self._talk_pressed
            self.button.when_released = self._talk_released
        elif settings.long_press_action:
            self.button.when_pressed = self._pressed
            self.button.when_held = self._long_press
            self.button.when_released = self._released
        else:
            self.button.when_pressed = self._pressed_short_only

    def _bounced(self) -> bool:
        """A press too soon after the last one is contact chatter. gpiozero leaves debouncing to
        the pin factory and not every factory does it (the mock one does not): do it here too."""
        now = time.monotonic()
        if now - self._last_press < self.settings.bounce_time_s:
            return True
        self._last_press = now
        return False

    def _pressed_short_only(self) -> None:
        if not self._bounced():
            self._act(self.settings.action)

    def _pressed(self) -> None:
        self._held = False
        self._ignore_release = self._bounced()

    def _long_press(self) -> None:
        if not self._ignore_release:
            self._held = True
            self._act(self.settings.long_press_action)

    def _released(self) -> None:
        if not self._held and not self._ignore_release:
            self._act(self.settings.action)

    def _talk_pressed(self) -> None:
        self._ignore_release = self._bounced()
        if self.talk is not None and not self._ignore_release:
            self.talk.press(self.actor.as_dict())

    def _talk_released(self) -> None:
        if self.talk is not None and not self._ignore_release:
            self.talk.release()

    def _act(self, name: str) -> None:
        if name == TALK:  # a long press mapped to talk has no release of its own to end speech
            log.warning("button %s: 'talk' works as a button's main action only", self.settings.pin)
            return
        self.runner.submit(self.control, Action.parse(name), self.actor)

    def close(self) -> None:
        self.button.close()


class TicketAlert:
    """An LED blinks or a buzzer beeps when a new ticket reaches its station."""

    def __init__(self, settings: AlertSettings, *, pin_factory=None, times: int = 3):
        self.settings = settings
        self.times = times
        device_class = Buzzer if settings.kind == "buzzer" else LED
        self.device = device_class(settings.pin, pin_factory=pin_factory)
        self.signalled = 0
        self.closed = False

    def on_commit(self, events) -> None:
        """A store commit listener: runs in the committing thread, so it only starts a background blink."""
        if self.closed:  # the store keeps its listeners; a closed pin must not be touched
            return
        if any(e.type == "order.fired" and self.settings.station in e.stations for e in events):
            self.signalled += 1
            if isinstance(self.device, Buzzer):
                self.device.beep(on_time=0.15, off_time=0.1, n=self.times, background=True)
            else:
                self.device.blink(on_time=0.2, off_time=0.2, n=self.times, background=True)

    def close(self) -> None:
        self.closed = True
        self.device.close()


class StationDevices:
    """Every button and alert of the box, built from settings, closed together."""

    def __init__(self, store, buttons: list[ButtonSettings], alerts: list[AlertSettings], *,
                 controls: dict[str, StationControl] | None = None, runner: ActionRunner | None = None,
                 pin_factory=None, talk=None):
        self.store = store
        self.controls = controls if controls is not None else {}
        self.runner = runner or ActionRunner().start()
        self.buttons = [BumpButton(b, self.control(b.station), self.runner, pin_factory=pin_factory,
                                   talk=talk) for b in buttons]
        self.alerts = [TicketAlert(a, pin_factory=pin_factory) for a in alerts]
        for alert in self.alerts:
            store.add_commit_listener(alert.on_commit)
        self._closed = threading.Event()

    def control(self, station: str) -> StationControl:
        if station not in self.controls:
            self.controls[station] = StationControl(self.store, station)
        return self.controls[station]

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        for device in [*self.buttons, *self.alerts]:
            try:
                device.close()
            except Exception:
                log.exception("closing %r failed", device)
        self.runner.stop()
