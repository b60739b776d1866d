"""User names: one spelling per name (NFKC), nothing invisible, no look-alikes of other users."""

from __future__ import annotations

import pytest

NEW = {"role": "staff", "pin": "5050"}


def add(client, admin, name: str):
    return client.post("/api/v1/users", headers=admin, json={**NEW, "name": name})


def names(client, admin) -> list[str]:
    return [u["name"] for u in client.get("/api/v1/users", headers=admin).get_json()["users"]]


@pytest.mark.parametrize("name", [
    "\u0410lex",            # Cyrillic A + Latin "lex": reads as the admin Alex
    "Alex\u200b",           # zero-width space
    "\u0000\u202eEvil",     # NUL and a right-to-left override
    "Sa\u00adm",            # soft hyphen
    "Bo\u2066b",            # bidi isolate
    "Ma\u0445",             # Latin "Ma" + Cyrillic "х"
    "\u200d",               # nothing visible at all
])
def test_hidden_or_mixed_script_names_are_refused_and_change_nothing(client, admin, name):
    before = names(client, admin)
    response = add(client, admin, name)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_name"
    assert names(client, admin) == before


@pytest.mark.parametrize("name, existing", [
    ("\uff33\uff41\uff4d", "Sam"),      # full-width letters are Sam after NFKC
    ("SAM", "Sam"),
    ("\u0421\u0435\u0441\u0430", "Ceca"),  # all Cyrillic, reads as the Latin Ceca
    ("A1ex", "Alex"),
])
def test_a_name_that_reads_like_an_existing_user_is_taken(client, admin, name, existing):
    if existing not in names(client, admin):
        assert add(client, admin, existing).status_code == 201
    response = client.post("/api/v1/users", headers=admin, json={"role": "staff", "pin": "6060", "name": name})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "name_taken"


@pytest.mark.parametrize("name, stored", [
    ("Zoë", "Zoë"), ("José  García ", "José García"), ("山田 太郎", "山田 太郎"), ("やまだ 山田", "やまだ 山田"),
    ("김민준", "김민준"), ("Алексей", "Алексей"), ("O'Brien-Smith", "O'Brien-Smith"), ("Ｎｏｒａ", "Nora"),
])
def test_real_names_in_any_one_script_are_accepted_normalised(client, admin, name, stored):
    response = add(client, admin, name)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == stored


def test_a_login_naming_the_user_in_another_normal_form_finds_them(client, admin):
    assert add(client, admin, "Zoë").status_code == 201
    decomposed = "Zoe\u0308"  # e + combining diaeresis, as some keyboards send it
    response = client.post("/api/v1/auth/login", json={"pin": "5050", "user": decomposed})
    assert response.status_code == 200 and response.get_json()["user"]["name"] == "Zoë"
