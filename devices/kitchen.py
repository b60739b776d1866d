"""The station hardware of one box, from settings: GPIO buttons, alerts and USB bump bars.

Missing hardware never stops the box: a button set that cannot get its pins (no GPIO on this
machine, no pin factory) is reported in /health as degraded and the kitchen carries on with
tablets. A bad keymap, on the other hand, is a settings mistake and fails at start.
"""

from __future__ import annotations

import logging

from devices.bumpbar import BarState, BumpBar, build_keymap
from devices.buttons import StationDevices
from devices.stations import ActionRunner, StationControl
from edge.settings import Settings

log = logging.getLogger(__name__)


class KitchenDevices:
    def __init__(self, store, settings: Settings, *, pin_factory=None, open_device=None, talk=None):
        for bar in settings.bumpbars:
            try:
                build_keymap(bar.keymap)
            except ValueError as error:
                raise ValueError(f"bumpbars[{bar.device}].keymap: {error}") from None
        self.store = store
        self.settings = settings
        self.runner = ActionRunner()
        self.controls: dict[str, StationControl] = {}
        self.gpio: StationDevices | None = None
        self.gpio_error: str | None = None
        self._pin_factory = pin_factory
        self._talk = talk
        self.bars = [BumpBar(bar, self._control(bar.station), self.runner, open_device=open_device)
                     for bar in settings.bumpbars]

    def _control(self, station: str) -> StationControl:
        return self.controls.setdefault(station, StationControl(self.store, station))

    def follow_selections(self, events) -> None:
        """Commit listener: a selection made on a tablet moves the station's bar selection too."""
        for event in events:
            if event.type == "kds.selected" and event.data.get("station") in self.controls:
                self.controls[event.data["station"]].follow(event.data.get("ticket_id"))

    def start(self) -> "KitchenDevices":
        self.store.add_commit_listener(self.follow_selections)
        self.runner.start()
        if self.settings.buttons or self.settings.alerts:
            try:
                self.gpio = StationDevices(self.store, self.settings.buttons, self.settings.alerts,
                                           controls=self.controls, runner=self.runner,
                                           pin_factory=self._pin_factory, talk=self._talk)
            except Exception as error:  # gpiozero: BadPinFactory, PinInvalidPin, no permission...
                self.gpio_error = f"{type(error).__name__}: {error}"
                log.error("GPIO buttons/alerts unavailable: %s", self.gpio_error)
        for bar in self.bars:
            bar.start()
        return self

    def close(self) -> None:
        for bar in self.bars:
            bar.stop()
        if self.gpio is not None:
            for device in [*self.gpio.buttons, *self.gpio.alerts]:
                device.close()
        self.runner.stop()

    def health(self) -> tuple[str, str]:
        problems = []
        if self.gpio_error:
            problems.append(f"GPIO: {self.gpio_error}")
        problems += [f"bump bar {bar.settings.device}: {bar.state.value}" for bar in self.bars
                     if bar.state is not BarState.GRABBED]
        if problems:
            return "degraded", "; ".join(problems)
        count = len(self.settings.buttons) + len(self.settings.alerts) + len(self.bars)
        return "ok", f"{count} station device{'s' * (count != 1)}" if count else "no station devices configured"
