"""A live feed ends with the session that opened it: logging out or disabling the user closes it
(an unpaired tablet's is covered in test_hub), and nobody else's feed."""

from __future__ import annotations

import jwt


def session(client, pin: str) -> tuple[dict, dict]:
    body = client.post("/api/v1/auth/login", json={"pin": pin}).get_json()
    return body, jwt.decode(body["token"], options={"verify_signature": False})


def feed(services, claims: dict):
    return services.realtime.subscribe(None, claims["sub"], claims.get("sid"))


def test_logging_out_ends_that_sessions_feeds_only(client, services):
    sams_tablet, sams_tablet_claims = session(client, "1111")
    _, sams_other_claims = session(client, "1111")
    mine, other = feed(services, sams_tablet_claims), feed(services, sams_other_claims)
    logout = client.post("/api/v1/auth/logout", json={"refresh_token": sams_tablet["refresh_token"]},
                         headers={"Authorization": f"Bearer {sams_tablet['token']}"})
    assert logout.status_code == 204
    assert mine.closing_reason == "revoked"
    assert other.closing_reason is None


def test_disabling_a_user_ends_all_their_feeds(client, services, admin):
    _, sam = session(client, "1111")
    _, alex = session(client, "1234")
    sams_feeds, alexs_feed = [feed(services, sam), feed(services, sam)], feed(services, alex)
    assert client.post(f"/api/v1/users/{sam['sub']}/disable", headers=admin).status_code == 200
    assert [f.closing_reason for f in sams_feeds] == ["revoked", "revoked"]
    assert alexs_feed.closing_reason is None
