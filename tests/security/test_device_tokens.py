"""Paired tablets' tokens: signed with a named key (kid), held to the role and station they were
paired with, alive across a routine key rotation and dead after a leak rotation (grace 0)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import jwt
from click.testing import CliRunner

from edge.cli import main as cli
from edge.security import keyring
from edge.security.auth import ALGORITHM, AuthError
from tests.support.client import login

NEW_USER = {"name": "Mallory", "role": "admin", "pin": "9393"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def pair(client, admin, station="fry") -> dict:
    response = client.post("/api/v1/devices", headers=admin, json={"name": "Fry KDS", "station": station})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def forged(services, device_id: str, *, role="staff", station="fry", kid: str | None = None,
           secret: bytes | None = None) -> str:
    """A device token signed with the box's original secret.key, as a thief of that file makes one."""
    now = datetime.now(timezone.utc)
    claims = {"sub": device_id, "kind": "device", "name": "Fry KDS", "role": role, "station": station,
              "restaurant_id": services.settings.restaurant_id, "iat": now, "exp": now + timedelta(days=30)}
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, secret or services.secret, algorithm=ALGORITHM, headers=headers)


def rotate_secret(services, *args: str) -> None:
    result = CliRunner().invoke(cli, ["rotate-secret", *args],
                                env={"EDGE_DATA_DIR": str(services.settings.data_dir)})
    assert result.exit_code == 0, result.output


def test_a_paired_tablets_token_names_its_signing_key(client, services, admin):
    token = pair(client, admin)["token"]
    assert jwt.get_unverified_header(token)["kid"] == services.tokens.current().kid
    assert client.get("/api/v1/kds/fry", headers=bearer(token)).status_code == 200


def test_a_device_token_cannot_claim_more_than_its_pairing(client, services, admin):
    device = pair(client, admin)["device"]
    for token in (forged(services, device["id"], role="admin"),
                  forged(services, device["id"], station="grill")):
        refused = client.post("/api/v1/users", headers=bearer(token), json=NEW_USER)
        assert refused.status_code == 401, refused.get_json()
        assert client.get("/api/v1/kds/fry", headers=bearer(token)).status_code == 401
    assert not any(u["name"] == "Mallory" for u in client.get("/api/v1/users", headers=admin).get_json()["users"])


def test_tablets_survive_a_routine_rotation_and_die_with_the_key_after_a_leak(client, services, admin):
    device_token = pair(client, admin)["token"]
    legacy_token = forged(services, pair(client, admin)["device"]["id"])  # paired before kids existed
    rotate_secret(services)
    for token in (device_token, legacy_token):
        assert client.get("/api/v1/kds/fry", headers=bearer(token)).status_code == 200
    rotate_secret(services, "--grace-minutes", "0")
    for token in (device_token, legacy_token):
        refused = client.get("/api/v1/kds/fry", headers=bearer(token))
        assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "key_retired"


def test_after_a_leak_rotation_an_old_key_forges_nothing(client, services, admin):
    device = pair(client, admin)["device"]
    old_key = services.tokens.current()
    rotate_secret(services, "--grace-minutes", "0")
    for token in (forged(services, device["id"], role="admin"), forged(services, device["id"]),
                  forged(services, device["id"], kid=old_key.kid, secret=old_key.secret)):
        refused = client.post("/api/v1/users", headers=bearer(token), json=NEW_USER)
        assert refused.status_code == 401, refused.get_json()
    fresh = pair(client, login(client, "1234"))["token"]  # a tablet paired again works
    assert client.get("/api/v1/kds/fry", headers=bearer(fresh)).status_code == 200


def test_a_key_file_from_before_device_deadlines_keeps_accepting_older_tablets(services):
    """A box that rotated routinely before this version dropped k0 from its file; the tablets it
    paired back then (kid-less tokens signed with secret.key) must keep working until a leak."""
    path = services.settings.data_dir / keyring.KEYRING_FILE
    path.write_text(json.dumps({"keys": [{"kid": "kold", "secret": "x" * 64, "accept_until": 1.0},
                                         {"kid": "knew", "secret": "y" * 64, "accept_until": None}]}))
    assert services.tokens.verify(forged(services, "tablet-1"))["sub"] == "tablet-1"
    keyring.rotate(services.settings.data_dir, services.secret, timedelta(0))
    assert "k0" in path.read_text()  # the leak is written down for the legacy key too
    try:
        services.tokens.verify(forged(services, "tablet-1"))
    except AuthError as error:
        assert error.code == "key_retired"
    else:
        raise AssertionError("a kid-less device token outlived a leak rotation")
