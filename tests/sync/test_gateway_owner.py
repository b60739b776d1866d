"""The test gateway speaks enough Supabase for the dashboard: Auth logins and refreshes that mint
owner JWTs, table and view reads with PostgREST filters, RPCs, magic links, CORS; row-level
security decides what each owner gets back."""

from __future__ import annotations

import requests

from tests.support.sync_cloud import ANON_KEY

HEADERS = {"apikey": ANON_KEY}


def login(gateway, email: str, password: str) -> requests.Response:
    return requests.post(f"{gateway.url}/auth/v1/token?grant_type=password", headers=HEADERS,
                         json={"email": email, "password": password}, timeout=5)


def test_password_login_then_reads_limited_to_my_restaurants(gateway, make_box, cloud):
    mine, theirs = make_box(), make_box()
    mine.day(4)
    theirs.day(4)
    for box in (mine, theirs):
        box.worker.run_once()
    gateway.auth.add_user("ann@example.com", "correct horse", restaurant_ids=[mine.restaurant_id])

    assert login(gateway, "ann@example.com", "wrong").status_code == 400
    session = login(gateway, "ann@example.com", "correct horse").json()
    assert session["user"]["app_metadata"]["restaurant_ids"] == [mine.restaurant_id]
    owner = {**HEADERS, "Authorization": f"Bearer {session['access_token']}"}

    orders = requests.get(f"{gateway.url}/rest/v1/orders?select=id,restaurant_id,business_date"
                          f"&restaurant_id=in.({mine.restaurant_id},{theirs.restaurant_id})&order=number.desc&limit=50",
                          headers=owner, timeout=5).json()
    assert {o["restaurant_id"] for o in orders} == {mine.restaurant_id}
    assert {o["id"] for o in orders} == set(mine.orders())
    today = orders[0]["business_date"]
    lines = requests.get(f"{gateway.url}/rest/v1/order_lines?business_date=gte.{today}&business_date=lte.{today}"
                         "&order=order_number,item_id&offset=1&limit=2", headers=owner, timeout=5)
    assert lines.status_code == 200 and len(lines.json()) == 2

    report = requests.post(f"{gateway.url}/rest/v1/rpc/owner_report", headers=owner,
                           json={"p_from": today, "p_to": today}, timeout=5).json()
    assert [r["restaurant_id"] for r in report] == [mine.restaurant_id]

    refreshed = requests.post(f"{gateway.url}/auth/v1/token?grant_type=refresh_token", headers=HEADERS,
                              json={"refresh_token": session["refresh_token"]}, timeout=5)
    assert refreshed.status_code == 200
    reused = requests.post(f"{gateway.url}/auth/v1/token?grant_type=refresh_token", headers=HEADERS,
                           json={"refresh_token": session["refresh_token"]}, timeout=5)
    assert reused.status_code == 400  # single use


def test_bad_reads_are_refused_cleanly(gateway):
    anonymous = requests.get(f"{gateway.url}/rest/v1/orders?select=id", headers=HEADERS, timeout=5)
    assert anonymous.status_code == 401  # anon has no grant on any table
    no_key = requests.get(f"{gateway.url}/rest/v1/orders", timeout=5)
    assert no_key.status_code == 401
    injected = requests.get(f"{gateway.url}/rest/v1/orders?select=id;drop table orders", headers=HEADERS, timeout=5)
    assert injected.status_code == 400 and injected.json()["code"] == "PGRST100"
    missing = requests.get(f"{gateway.url}/rest/v1/no_such_view", headers=HEADERS, timeout=5)
    assert missing.status_code in (401, 404)


def test_magic_link_lands_on_the_page_with_a_session(gateway):
    gateway.auth.add_user("bo@example.com", "pw", restaurant_ids=["x"])
    answer = requests.post(f"{gateway.url}/auth/v1/otp?redirect_to=http://127.0.0.1:1/dash/", headers=HEADERS,
                           json={"email": "bo@example.com"}, timeout=5)
    assert answer.status_code == 200
    requests.post(f"{gateway.url}/auth/v1/otp", headers=HEADERS, json={"email": "nobody@example.com"}, timeout=5)
    assert [email for email, _ in gateway.auth.mailbox] == ["bo@example.com"]
    link = gateway.url + gateway.auth.mailbox[0][1]
    landing = requests.get(link, allow_redirects=False, timeout=5)
    assert landing.status_code == 303 and "#access_token=" in landing.headers["Location"]
    assert requests.get(link, allow_redirects=False, timeout=5).status_code == 403  # one use only


def test_cors_preflight(gateway):
    answer = requests.options(f"{gateway.url}/rest/v1/rpc/owner_report", timeout=5,
                              headers={"Origin": "http://127.0.0.1:9", "Access-Control-Request-Method": "POST",
                                       "Access-Control-Request-Headers": "apikey,authorization,content-type"})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in answer.headers["Access-Control-Allow-Headers"]
