"""Kitchen-screen controls over the API: the station's selection (an event on the log, followed by
the box's own bump bar) and staff 86 from a KDS (a setting; audited with who did it)."""

from __future__ import annotations

import pytest

from devices.kitchen import KitchenDevices
from devices.stations import Action
from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.domain.actors import Actor
from edge.settings import Settings
from tests.support.client import login, order_body

COOK = Actor(kind="device", id="bumpbar:test", name="grill bump bar", role="device")


def grill_tickets(client, headers) -> list[str]:
    return [t["id"] for t in client.get("/api/v1/kds/grill", headers=headers).get_json()["tickets"]]


def test_a_selection_is_an_event_for_the_station_and_refuses_tickets_it_cannot_show(client, staff):
    for _ in range(2):
        assert client.post("/api/v1/orders", json=order_body(("grilled-salmon", 1)), headers=staff).status_code == 201
    first, second = grill_tickets(client, staff)
    answer = client.post("/api/v1/kds/grill/selection", json={"ticket_id": second}, headers=staff)
    assert answer.status_code == 200, answer.get_json()
    events = client.get(f"/api/v1/events?after={answer.get_json()['seq'] - 1}", headers=staff).get_json()["events"]
    [selected] = [e for e in events if e["type"] == "kds.selected"]
    assert selected["data"]["ticket_id"] == second and selected["stations"] == ["grill"]
    assert selected["data"]["actor"]["name"] == "Sam"

    assert client.post("/api/v1/kds/fry/selection", json={"ticket_id": first}, headers=staff).status_code == 404
    assert client.post("/api/v1/kds/nope/selection", json={"ticket_id": None}, headers=staff).status_code == 404
    assert client.post("/api/v1/kds/grill/selection", json={"ticket": first}, headers=staff).status_code == 422
    client.post(f"/api/v1/tickets/{first}/bump", headers=staff)
    refused = client.post("/api/v1/kds/grill/selection", json={"ticket_id": first}, headers=staff)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "ticket_not_open"
    after = client.get(f"/api/v1/events?after={answer.get_json()['seq']}", headers=staff).get_json()["events"]
    assert [e["type"] for e in after] == ["ticket.bumped"]  # refused selections changed nothing
    assert client.post("/api/v1/kds/grill/selection", json={"ticket_id": None}, headers=staff).status_code == 200


def test_the_bump_bar_follows_a_tablet_selection_and_logs_its_own(services, client, staff):
    for _ in range(3):
        client.post("/api/v1/orders", json=order_body(("grilled-salmon", 1)), headers=staff)
    tickets = grill_tickets(client, staff)
    kitchen = KitchenDevices(services.store, services.settings)
    kitchen.store.add_commit_listener(kitchen.follow_selections)
    control = kitchen._control("grill")
    client.post("/api/v1/kds/grill/selection", json={"ticket_id": tickets[1]}, headers=staff)
    assert control.selected == tickets[1]  # the tablet moved the bar's selection
    control.perform(Action("next"), COOK)
    assert control.selected == tickets[2]
    events = services.store.events_after(0, limit=10_000)
    assert [e.data["ticket_id"] for e in events if e.type == "kds.selected"] == [tickets[1], tickets[2]]
    control.perform(Action("item_done"), COOK)  # the selected ticket's first item to make
    order = client.get(f"/api/v1/orders?status=fired&status=in_progress", headers=staff).get_json()["orders"]
    done = [o for o in order if o["tickets"][0]["id"] == tickets[2]][0]
    assert done["items"][0]["done_at"] is not None and done["tickets"][0]["status"] == "in_progress"
    control.perform(Action("bump"), COOK)
    assert grill_tickets(client, staff) == tickets[:2]


def test_staff_may_86_from_the_kds_and_the_audit_names_them(client, staff, admin):
    answer = client.put("/api/v1/menu/items/fries/availability", json={"available": False}, headers=staff)
    assert answer.status_code == 200 and answer.get_json()["available"] is False
    entries = client.get("/api/v1/audit?action=menu.item_updated", headers=admin).get_json()["entries"]
    assert entries[0]["actor"]["name"] == "Sam" and entries[0]["details"]["changes"] == {"available": False}
    assert client.put("/api/v1/menu/items/fries/availability", json={"available": "no"}, headers=staff).status_code == 422
    assert client.put("/api/v1/menu/items/nope/availability", json={"available": True}, headers=staff).status_code == 404


@pytest.fixture
def locked_client(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    app = create_app(Settings(data_dir=tmp_path / "locked", demo=True, kds={"staff_may_86": False}))
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    yield app.test_client()
    services.close()


def test_a_box_can_keep_86_for_admins(locked_client):
    staff, admin = login(locked_client, "1111"), login(locked_client, "1234")
    refused = locked_client.put("/api/v1/menu/items/fries/availability", json={"available": False}, headers=staff)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "staff_may_not_86"
    menu = locked_client.get("/api/v1/menu", headers=staff).get_json()
    assert next(i for i in menu["items"] if i["id"] == "fries")["available"] is True
    assert locked_client.get("/api/v1/web/config", headers=staff).get_json()["kds"]["staff_may_86"] is False
    ok = locked_client.put("/api/v1/menu/items/fries/availability", json={"available": False}, headers=admin)
    assert ok.status_code == 200
