"""Bump bars: the keymap with synthetic evdev key events, grab, and unplug/replug."""

from __future__ import annotations

import errno
import os
import time

import pytest
from evdev import InputEvent, ecodes

from devices.bumpbar import BarState, BumpBar, build_keymap
from devices.stations import Action, ActionRunner, StationControl
from edge.settings import BumpBarSettings
from tests.support.printing import place_order
from tests.support.waiting import wait_for


def bumped(store) -> list[str]:
    return [e.data["ticket_id"] for e in store.events_after(0, limit=10_000) if e.type == "ticket.bumped"]


def key(code: int, value: int = 1) -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_KEY, code, value)


@pytest.fixture
def runner():
    runner = ActionRunner().start()
    yield runner
    runner.stop()


@pytest.fixture
def bar(store, runner):
    settings = BumpBarSettings(device="Logic Controls KB9000", station="grill")
    return BumpBar(settings, StationControl(store, "grill"), runner, open_device=lambda _: None)


def test_default_keymap_covers_positions_bump_recall_arrows_page_and_summary():
    keymap = build_keymap({})
    assert keymap["KEY_3"] == Action("bump_position", 3) and keymap["KEY_KP9"] == Action("bump_position", 9)
    assert keymap["KEY_ENTER"] == Action("bump") and keymap["KEY_R"] == Action("recall")
    assert keymap["KEY_LEFT"] == Action("previous") and keymap["KEY_RIGHT"] == Action("next")
    assert keymap["KEY_PAGEDOWN"] == Action("page") and keymap["KEY_S"] == Action("summary")


def test_keymap_overrides_switch_keys_off_and_reject_nonsense():
    keymap = build_keymap({"key_f1": "recall", "KEY_B": "", "KEY_F2": "select:2"})
    assert keymap["KEY_F1"] == Action("recall") and "KEY_B" not in keymap
    assert keymap["KEY_F2"] == Action("select_position", 2)
    with pytest.raises(ValueError, match="unknown action 'explode'"):
        build_keymap({"KEY_X": "explode"})
    with pytest.raises(ValueError, match="evdev key names"):
        build_keymap({"1": "bump"})


def test_number_keys_bump_the_ticket_at_that_position(store, bar):
    orders = [place_order(store, "hamburger") for _ in range(3)]
    assert bar.handle_event(key(ecodes.KEY_2)) == Action("bump_position", 2)
    assert wait_for(lambda: bumped(store) == [orders[1].tickets[0].id])
    event = [e for e in store.events_after(0) if e.type == "ticket.bumped"][0]
    assert event.data["actor"]["id"] == "bumpbar:Logic Controls KB9000"


def test_key_up_and_auto_repeat_do_nothing(store, bar, runner):
    orders = [place_order(store, "hamburger") for _ in range(2)]
    assert bar.handle_event(key(ecodes.KEY_ENTER, value=0)) is None
    assert bar.handle_event(key(ecodes.KEY_ENTER, value=2)) is None
    assert bar.handle_event(InputEvent(0, 0, ecodes.EV_SYN, 0, 0)) is None
    assert bar.handle_event(key(ecodes.KEY_Z)) is None  # not mapped
    # a real key after them: the runner is first in, first out, so once it has bumped the second
    # ticket, a bump queued by any of the events above (the first ticket) would be done too
    assert bar.handle_event(key(ecodes.KEY_2)) == Action("bump_position", 2)
    assert wait_for(lambda: bumped(store) == [orders[1].tickets[0].id])
    assert wait_for(lambda: runner.done == 1)


def test_arrows_select_and_bump_key_bumps_the_selection_then_recall_brings_it_back(store, bar, runner):
    orders = [place_order(store, "hamburger") for _ in range(3)]
    for code in (ecodes.KEY_RIGHT, ecodes.KEY_RIGHT, ecodes.KEY_RIGHT, ecodes.KEY_LEFT, ecodes.KEY_ENTER):
        bar.handle_event(key(code))
    assert wait_for(lambda: bumped(store) == [orders[1].tickets[0].id])
    bar.handle_event(key(ecodes.KEY_R))
    assert wait_for(lambda: any(e.type == "ticket.recalled" for e in store.events_after(0)))


class PluggableBar:
    """A bump bar on a pipe: what evdev's InputDevice offers (fd, read, grab), and an unplug."""

    def __init__(self, name: str = "Logic Controls KB9000"):
        self.name, self.path = name, "/dev/input/event7"
        self.fd, self._writer = os.pipe()
        self.grabbed = False
        self.unplugged = False
        self._pending: list[InputEvent] = []

    def press(self, code: int) -> None:
        self._pending.append(key(code))
        os.write(self._writer, b"k")

    def unplug(self) -> None:
        self.unplugged = True
        os.write(self._writer, b"x")

    def read(self):
        os.read(self.fd, 1)
        if self.unplugged:
            raise OSError(errno.ENODEV, "No such device")
        return [self._pending.pop(0)]

    def grab(self):
        self.grabbed = True

    def ungrab(self):
        self.grabbed = False

    def close(self):
        for fd in (self.fd, self._writer):
            try:
                os.close(fd)
            except OSError:
                pass


def test_the_bar_is_grabbed_and_survives_unplug_and_replug(store, runner):
    plugged: list[PluggableBar | None] = [PluggableBar()]
    settings = BumpBarSettings(device="KB9000", station="grill")
    bar = BumpBar(settings, StationControl(store, "grill"), runner,
                  open_device=lambda wanted: plugged[0]).start()
    try:
        orders = [place_order(store, "hamburger") for _ in range(3)]
        first = plugged[0]
        assert wait_for(lambda: bar.state is BarState.GRABBED and first.grabbed)
        first.press(ecodes.KEY_1)
        assert wait_for(lambda: bumped(store) == [orders[0].tickets[0].id])
        plugged[0] = None
        first.unplug()
        assert wait_for(lambda: bar.state is BarState.SEARCHING)
        second = PluggableBar()
        plugged[0] = second
        assert wait_for(lambda: bar.connects == 2 and second.grabbed, timeout=5)
        second.press(ecodes.KEY_ENTER)
        assert wait_for(lambda: len(bumped(store)) == 2)
    finally:
        bar.stop()
    assert bar.state is BarState.STOPPED


@pytest.mark.skipif(not os.path.exists("/dev/uinput") or not os.access("/dev/uinput", os.W_OK),
                    reason="needs /dev/uinput (the uinput kernel module) to make a virtual keyboard")
def test_a_virtual_keyboard_through_the_kernel_bumps(store, runner):
    from evdev import UInput

    with UInput({ecodes.EV_KEY: [ecodes.KEY_1, ecodes.KEY_ENTER]}, name="test-bumpbar-kb9000") as keyboard:
        time.sleep(0.3)  # udev makes the event node
        bar = BumpBar(BumpBarSettings(device="test-bumpbar", station="grill"),
                      StationControl(store, "grill"), runner).start()
        try:
            order = place_order(store, "hamburger")
            assert wait_for(lambda: bar.state is BarState.GRABBED)
            keyboard.write(ecodes.EV_KEY, ecodes.KEY_1, 1)
            keyboard.write(ecodes.EV_KEY, ecodes.KEY_1, 0)
            keyboard.syn()
            assert wait_for(lambda: bumped(store) == [order.tickets[0].id])
        finally:
            bar.stop()
