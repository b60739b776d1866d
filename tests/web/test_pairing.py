"""Pairing a tablet to a station: a device token that works like staff until it is revoked."""

from __future__ import annotations

import jwt

from tests.support.client import login


def pair(client, admin, station="grill", name="Grill tablet"):
    return client.post("/api/v1/devices", json={"name": name, "station": station}, headers=admin)


def test_an_admin_pairs_a_tablet_that_can_then_run_its_station(client, admin, services):
    response = pair(client, admin)
    assert response.status_code == 201, response.get_json()
    paired = response.get_json()
    claims = jwt.decode(paired["token"], options={"verify_signature": False})
    assert claims["kind"] == "device" and claims["role"] == "staff" and claims["station"] == "grill"
    device_headers = {"Authorization": f"Bearer {paired['token']}"}
    assert client.get("/api/v1/kds/grill", headers=device_headers).status_code == 200
    me = client.get("/api/v1/auth/me", headers=device_headers).get_json()
    assert me["name"] == "Grill tablet" and me["role"] == "staff"
    [event] = [e for e in services.store.events_after(0) if e.type == "device.paired"]
    assert event.data["device"]["id"] == paired["device"]["id"] and event.stations == ["grill"]
    assert "token" not in event.data["device"]


def test_a_revoked_tablet_is_refused_at_once(client, admin, services):
    paired = pair(client, admin).get_json()
    device_headers = {"Authorization": f"Bearer {paired['token']}"}
    revoked = client.post(f"/api/v1/devices/{paired['device']['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    refused = client.get("/api/v1/kds/grill", headers=device_headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "device_revoked"
    again = client.post(f"/api/v1/devices/{paired['device']['id']}/revoke", headers=admin)
    assert again.status_code == 409
    listed = client.get("/api/v1/devices", headers=admin).get_json()["devices"]
    assert [d["revoked_at"] is not None for d in listed] == [True]


def test_only_admins_pair_and_only_to_a_known_station(client, admin, staff, services):
    assert pair(client, staff).status_code == 403
    unknown = pair(client, admin, station="pizza")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "station_not_found"
    assert pair(client, admin, name="").status_code == 422
    assert client.get("/api/v1/devices", headers=admin).get_json()["devices"] == []


def test_a_device_token_cannot_pair_or_manage(client, admin):
    device_headers = {"Authorization": f"Bearer {pair(client, admin).get_json()['token']}"}
    assert pair(client, device_headers).status_code == 403
    assert client.patch("/api/v1/menu/items/fries", json={"available": False},
                        headers=device_headers).status_code == 403


def test_a_forged_device_token_for_an_unknown_device_is_refused(client, services):
    forged = jwt.encode({"sub": "no-such-device", "kind": "device", "role": "staff", "name": "x",
                         "restaurant_id": services.settings.restaurant_id, "exp": 4_000_000_000},
                        services.secret, algorithm="HS256")
    refused = client.get("/api/v1/kds/grill", headers={"Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "device_revoked"
    assert login(client, "1111")  # people are unaffected
