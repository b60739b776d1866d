"""Short access tokens, single-use refresh tokens, logout, key rotation with grace."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from click.testing import CliRunner

from edge.cli import main as cli
from edge.security import keyring
from edge.security.auth import ALGORITHM, AuthError
from tests.support.client import FakeClock, app_on_clock, bearer, login_body




def test_people_get_a_short_access_token_and_a_refresh_token(client, services):
    body = login_body(client)
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires - datetime.now(timezone.utc) <= timedelta(minutes=services.settings.auth.token_ttl_minutes)
    assert services.settings.auth.token_ttl_minutes <= 15
    assert body["refresh_token"].startswith("rt_")
    assert jwt.get_unverified_header(body["token"])["kid"] == "k0"


def test_refresh_hands_out_new_tokens_and_spends_the_old_one(client):
    first = login_body(client)
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200
    second = renewed.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/auth/me", headers=bearer(second["token"])).get_json()["name"] == "Sam"


def test_reusing_a_spent_refresh_token_ends_the_whole_family(client):
    first = login_body(client)
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).get_json()
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.get_json()["error"]["code"] == "refresh_token_reused"
    # the thief's replay also logged out the legitimate successor
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.get_json()["error"]["code"] == "refresh_token_revoked"


def test_logout_revokes_the_access_token_and_the_refresh_tokens(client):
    body = login_body(client)
    out = client.post("/api/v1/auth/logout", json={"refresh_token": body["refresh_token"]},
                      headers=bearer(body["token"]))
    assert out.status_code == 204
    me = client.get("/api/v1/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 401 and me.get_json()["error"]["code"] == "token_revoked"
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert again.status_code == 401


def test_disabling_a_user_ends_their_refresh_tokens(client, admin):
    body = login_body(client)
    user_id = body["user"]["id"]
    assert client.post(f"/api/v1/users/{user_id}/disable", headers=admin).status_code == 200
    refused = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refused.status_code == 401


def test_expired_refresh_token_is_refused(client, services):
    body = login_body(client)
    services.store.write(lambda tx: tx.conn.execute("UPDATE refresh_tokens SET expires_at = ?",
                                                    ((tx.now - timedelta(seconds=1)).isoformat(),)))
    refused = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refused.get_json()["error"]["code"] == "refresh_token_expired"


def test_refresh_tokens_are_stored_only_as_hashes(client, services):
    body = login_body(client)
    stored = [row[0] for row in services.store.read().execute("SELECT token_hash FROM refresh_tokens")]
    assert body["refresh_token"] not in stored and all(len(h) == 64 for h in stored)


def test_tokens_are_checked_for_restaurant_role_and_signature(client, services):
    now = datetime.now(timezone.utc)
    claims = {"sub": "x", "role": "admin", "restaurant_id": "another-restaurant", "iat": now,
              "exp": now + timedelta(minutes=5)}
    key = services.tokens.current()
    foreign = jwt.encode(claims, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})
    assert client.get("/api/v1/menu", headers=bearer(foreign)).get_json()["error"]["code"] == "wrong_restaurant"
    wrong_role = jwt.encode({**claims, "restaurant_id": services.settings.restaurant_id, "role": "root"},
                            key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})
    assert client.get("/api/v1/menu", headers=bearer(wrong_role)).get_json()["error"]["code"] == "invalid_token"
    forged = jwt.encode({**claims, "restaurant_id": services.settings.restaurant_id}, b"x" * 64,
                        algorithm=ALGORITHM, headers={"kid": key.kid})
    assert client.get("/api/v1/menu", headers=bearer(forged)).status_code == 401


def test_rotation_keeps_old_tokens_for_the_grace_period_then_refuses_them(client, services, monkeypatch):
    old = login_body(client)["token"]
    result = CliRunner().invoke(cli, ["rotate-secret"], env={"EDGE_DATA_DIR": str(services.settings.data_dir)})
    assert result.exit_code == 0, result.output
    new = login_body(client)["token"]
    assert jwt.get_unverified_header(new)["kid"] != "k0"
    for token in (old, new):  # the running app picked up the new key by itself
        assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
    later = datetime.now(timezone.utc) + timedelta(minutes=services.settings.auth.token_ttl_minutes, seconds=5)
    keyring.rotate(services.settings.data_dir, services.secret, timedelta(0),
                   now=later.timestamp() - 1)  # another rotation, made after the first grace ran out
    refused = client.get("/api/v1/auth/me", headers=bearer(old))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "key_retired"


def test_rotation_with_zero_grace_logs_everyone_out_at_once(client, services):
    token = login_body(client)["token"]
    keyring.rotate(services.settings.data_dir, services.secret, timedelta(0))
    assert client.get("/api/v1/auth/me", headers=bearer(token)).get_json()["error"]["code"] == "key_retired"
    assert client.get("/api/v1/auth/me", headers=bearer(login_body(client)["token"])).status_code == 200


def test_paired_tablets_survive_a_key_rotation(client, services):
    from edge.security import pairing
    from edge.domain.actors import SYSTEM

    device = services.store.write(lambda tx: pairing.pair_device(tx, "Fry KDS", "fry", timedelta(days=30), SYSTEM))
    token = pairing.issue_token(device, services.tokens, services.store.now())
    keyring.rotate(services.settings.data_dir, services.secret, timedelta(minutes=15))  # routine
    later = datetime.now(timezone.utc) + timedelta(minutes=16)
    keyring.rotate(services.settings.data_dir, services.secret, timedelta(minutes=15), now=later.timestamp())
    assert client.get("/api/v1/kds/fry", headers=bearer(token)).status_code == 200
    services.store.write(lambda tx: pairing.revoke_device(tx, device.id, SYSTEM))
    assert client.get("/api/v1/kds/fry", headers=bearer(token)).get_json()["error"]["code"] == "device_revoked"


def test_device_tokens_can_be_signed_and_are_checked(client, services):
    """The tablet pairing signs device tokens through the same key ring (claims kind=device)."""
    token = services.tokens.encode({"sub": "tablet-7", "role": "staff", "kind": "device", "name": "Grill"},
                                   timedelta(days=1))
    assert services.tokens.verify(token)["kind"] == "device"
    revoked_devices = {"tablet-7"}

    def device_not_revoked(claims: dict) -> None:
        if claims.get("kind") == "device" and claims["sub"] in revoked_devices:
            raise AuthError("this tablet was unpaired", code="device_revoked")
    services.revocation_checks.append(device_not_revoked)
    assert client.get("/api/v1/menu", headers=bearer(token)).get_json()["error"]["code"] == "device_revoked"


def test_signing_key_file_is_private(services):
    keyring.rotate(services.settings.data_dir, services.secret, timedelta(minutes=1))
    assert (services.settings.data_dir / keyring.KEYRING_FILE).stat().st_mode & 0o777 == 0o600


@pytest.fixture
def clocked(settings):
    """The app on a clock the test moves, and that clock."""
    clock = FakeClock()
    app = app_on_clock(settings, clock, start_workers=False)
    yield app.test_client(), clock
    app.extensions["edge"].close()


def test_a_token_that_worked_is_refused_once_it_expires(clocked):
    """Verified tokens are remembered between requests; never past their expiry."""
    client, clock = clocked
    sam = bearer(login_body(client)["token"])
    assert client.get("/api/v1/auth/me", headers=sam).status_code == 200  # now remembered
    ttl_s = client.application.extensions["edge"].tokens.ttl.total_seconds()
    clock.now += ttl_s - 1
    assert client.get("/api/v1/auth/me", headers=sam).status_code == 200
    clock.now += 1
    refused = client.get("/api/v1/auth/me", headers=sam)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "token_expired"


def test_a_token_from_the_future_is_refused(clocked):
    """A token is judged by the box's clock: one issued after its now is not valid yet."""
    client, clock = clocked
    services = client.application.extensions["edge"]
    claims = {"sub": login_body(client)["user"]["id"], "name": "Sam", "role": "staff", "kind": "user"}
    later = services.tokens.encode(claims, timedelta(minutes=5),
                                   now=datetime.fromtimestamp(clock.now + 60, timezone.utc))
    refused = client.get("/api/v1/auth/me", headers=bearer(later))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    assert "not yet valid (iat)" in refused.get_json()["error"]["message"]
    clock.now += 60
    assert client.get("/api/v1/auth/me", headers=bearer(later)).status_code == 200


def test_a_token_that_worked_is_refused_once_its_user_is_disabled(client, admin):
    """Revocation is checked on every request, whatever is remembered about the token."""
    sam = login_body(client)
    assert client.get("/api/v1/auth/me", headers=bearer(sam["token"])).status_code == 200
    disabled = client.post(f"/api/v1/users/{sam['user']['id']}/disable", headers=admin)
    assert disabled.status_code == 200, disabled.get_json()
    assert client.get("/api/v1/auth/me", headers=bearer(sam["token"])).status_code == 401


@pytest.mark.parametrize("times", [
    {"iat": 0, "exp": 60},  # long expired
    {"iat": "now+3600", "exp": "now+7200"},  # issued in the future
    {"iat": "now", "nbf": "now+60", "exp": "now+600"},  # not before a minute from now
    {"iat": "now", "nbf": "now", "exp": "now+600"},  # valid
    {"iat": "soon", "exp": "now+600"},  # not a number
    {"iat": "now", "nbf": [1], "exp": "now+600"},
    {"iat": "now", "exp": "2030"},  # a number in a string
    {"iat": "now", "exp": "late"},
])
def test_the_time_checks_are_pyjwts_at_the_boxs_clock(times):
    """decode_token turns PyJWT's time checks off and makes them itself at a given time (PyJWT
    only reads the wall clock): a token gets the answer PyJWT's own checks give it."""
    from edge.security.auth import decode_token

    now = int(time.time())
    claims = {"sub": "x", "role": "staff", "restaurant_id": "r1", **{
        name: now + int(value[4:] or 0) if isinstance(value, str) and value.startswith("now") else value
        for name, value in times.items()}}
    token = jwt.encode(claims, b"k" * 32, algorithm=ALGORITHM)

    def outcome(decode):
        try:
            return decode()
        except AuthError as error:
            return error.code, error.message
        except jwt.ExpiredSignatureError:
            return "token_expired", "the token has expired; refresh it or log in again"
        except jwt.InvalidTokenError as error:
            return "invalid_token", f"the token is not valid: {error}"

    pyjwt = outcome(lambda: jwt.decode(token, b"k" * 32, algorithms=[ALGORITHM]))
    ours = outcome(lambda: decode_token(token, b"k" * 32, "r1", now=now))
    assert ours == pyjwt
