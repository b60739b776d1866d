"""GPIO bump buttons and alerts, driven through gpiozero's MockFactory against a real Store."""

from __future__ import annotations

import time

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from devices.buttons import StationDevices
from edge.settings import AlertSettings, ButtonSettings
from tests.support.printing import place_order
from tests.support.waiting import wait_for


def events(store, type_):
    return [e for e in store.events_after(0, limit=10_000) if e.type == type_]


@pytest.fixture
def factory():
    factory = MockFactory(pin_class=MockPWMPin)
    yield factory
    factory.reset()


@pytest.fixture
def devices(store, factory):
    made = []

    def make(buttons=(), alerts=()):
        station_devices = StationDevices(store, list(buttons), list(alerts), pin_factory=factory)
        made.append(station_devices)
        return station_devices

    yield make
    for station_devices in made:
        station_devices.close()


def press(pin, hold_s: float = 0.0) -> None:
    pin.drive_low()  # pulled up: pressing connects the pin to ground
    time.sleep(hold_s)  # a finger holding the button down
    pin.drive_high()


FRY_BUTTON = ButtonSettings(pin=23, station="fry", bounce_time_s=0)


def after_everything_before(store, factory) -> None:
    """Press the fry button (FRY_BUTTON, with a fry ticket waiting) and wait for its bump: the
    station devices run presses first in, first out, so whatever the presses before it queued is
    done too, and a check that they did nothing more is not a guess about how long to wait."""
    fry_ticket = place_order(store, "onion-rings").tickets[0].id
    press(factory.pin(FRY_BUTTON.pin))
    assert wait_for(lambda: fry_ticket in [e.data["ticket_id"] for e in events(store, "ticket.bumped")])


def grill_bumps(store) -> int:
    return sum(e.data["actor"]["id"] != f"gpio:{FRY_BUTTON.pin}" for e in events(store, "ticket.bumped"))


def test_a_button_press_bumps_the_oldest_ticket_and_the_event_log_shows_the_button(store, factory, devices):
    devices([ButtonSettings(pin=17, station="grill", bounce_time_s=0)])
    first = place_order(store, "hamburger")
    place_order(store, "hamburger")
    started = time.monotonic()
    press(factory.pin(17))
    assert wait_for(lambda: events(store, "ticket.bumped"))
    assert time.monotonic() - started < 0.5  # the press reaches the log well within 100 ms + slack
    bumped = events(store, "ticket.bumped")
    assert [e.data["ticket_id"] for e in bumped] == [first.tickets[0].id]
    assert bumped[0].data["actor"] == {"kind": "device", "id": "gpio:17", "name": "grill button 17",
                                       "role": "device"}


def test_long_press_recalls_and_short_press_bumps(store, factory, devices):
    devices([ButtonSettings(pin=22, station="grill", action="bump", long_press_action="recall",
                            hold_time_s=0.1, bounce_time_s=0), FRY_BUTTON])
    order = place_order(store, "hamburger")
    press(factory.pin(22))
    assert wait_for(lambda: len(events(store, "ticket.bumped")) == 1)
    assert events(store, "ticket.recalled") == []
    press(factory.pin(22), hold_s=0.3)
    assert wait_for(lambda: len(events(store, "ticket.recalled")) == 1)
    after_everything_before(store, factory)
    assert grill_bumps(store) == 1  # the long press did not also bump
    assert events(store, "ticket.recalled")[0].data["ticket_id"] == order.tickets[0].id


def test_next_then_bump_bumps_the_selected_ticket(store, factory, devices):
    devices([ButtonSettings(pin=5, station="grill", action="next", bounce_time_s=0),
             ButtonSettings(pin=6, station="grill", action="bump", bounce_time_s=0)])
    orders = [place_order(store, "hamburger") for _ in range(3)]
    for _ in range(2):  # select the first, then the second ticket
        press(factory.pin(5))
    press(factory.pin(6))
    assert wait_for(lambda: len(events(store, "ticket.bumped")) == 1)
    assert events(store, "ticket.bumped")[0].data["ticket_id"] == orders[1].tickets[0].id


def test_bounces_within_the_debounce_time_press_once(store, factory, devices):
    devices([ButtonSettings(pin=27, station="grill", bounce_time_s=0.2), FRY_BUTTON])
    place_order(store, "hamburger")
    place_order(store, "hamburger")
    pin = factory.pin(27)
    for _ in range(4):  # a noisy contact chattering
        pin.drive_low()
        pin.drive_high()
    assert wait_for(lambda: grill_bumps(store) == 1)
    after_everything_before(store, factory)
    assert grill_bumps(store) == 1


def test_a_press_with_nothing_to_bump_changes_nothing(store, factory, devices):
    station_devices = devices([ButtonSettings(pin=17, station="fry", bounce_time_s=0)])
    last = store.last_seq
    press(factory.pin(17))
    assert wait_for(lambda: station_devices.runner.done == 1)
    assert store.last_seq == last


def test_a_new_ticket_blinks_the_station_led(store, factory, devices):
    station_devices = devices(alerts=[AlertSettings(pin=12, station="grill", kind="led")])
    alert = station_devices.alerts[0]
    place_order(store, "onion-rings")  # fry only: no blink at the grill
    assert alert.signalled == 0
    place_order(store, "hamburger")
    assert wait_for(lambda: factory.pin(12).state == 1)
    assert alert.signalled == 1


def test_the_app_wires_buttons_and_reports_them_in_health(tmp_path, monkeypatch):
    from edge.app import create_app
    from edge.appliance.demo import seed_demo
    from edge.settings import Settings
    from tests.support.client import login, order_body

    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path / "data", demo=True,
                        buttons=[ButtonSettings(pin=17, station="grill", bounce_time_s=0)])
    app = create_app(settings)
    services = app.extensions["edge"]
    try:
        seed_demo(services.store, services.secret)
        client = app.test_client()
        staff = login(client, "1111")
        order = client.post("/api/v1/orders", headers=staff, json=order_body(("hamburger", 1, ["rare"])))
        assert order.status_code == 201
        from gpiozero import Device

        press(Device.pin_factory.pin(17))
        assert wait_for(lambda: events(services.store, "ticket.bumped"))
        health = client.get("/health").get_json()
        assert health["checks"]["kitchen_devices"] == {"status": "ok", "detail": "1 station device"}
    finally:
        services.close()
        from gpiozero import Device

        Device.pin_factory.reset()


class Microphone:
    """What voice's MicrophoneListener offers a talk button: press(requested_by), release()."""

    def __init__(self):
        self.calls = []

    def press(self, requested_by=None):
        self.calls.append(("press", requested_by["id"]))

    def release(self):
        self.calls.append(("release",))


def test_a_talk_button_holds_the_microphone_open_while_pressed(store, factory):
    microphone = Microphone()
    station_devices = StationDevices(store, [ButtonSettings(pin=4, station="grill", action="talk",
                                                            bounce_time_s=0)], [],
                                     pin_factory=factory, talk=microphone)
    try:
        factory.pin(4).drive_low()
        assert microphone.calls == [("press", "gpio:4")]
        factory.pin(4).drive_high()
        assert microphone.calls == [("press", "gpio:4"), ("release",)]
    finally:
        station_devices.close()
