"""PIN hashes carry their scrypt cost, so the cost can be raised without locking anyone out."""

from __future__ import annotations

import hashlib
import os

from edge.security import auth


def test_a_hash_made_at_one_cost_verifies_after_the_cost_changes(monkeypatch):
    monkeypatch.setitem(auth.SCRYPT, "n", 2**4)
    stored = auth.hash_pin("4321")
    assert stored.startswith("scrypt$16$8$1$")
    monkeypatch.setitem(auth.SCRYPT, "n", 2**6)
    assert auth.verify_pin("4321", stored)
    assert not auth.verify_pin("1234", stored)


def test_legacy_three_part_hashes_still_verify():
    salt = os.urandom(16)
    digest = hashlib.scrypt(b"2468", salt=salt, **auth.LEGACY_SCRYPT)
    legacy = f"scrypt${salt.hex()}${digest.hex()}"
    assert auth.verify_pin("2468", legacy)
    assert not auth.verify_pin("2469", legacy)


def test_malformed_hashes_never_verify():
    for stored in ("", "scrypt", "scrypt$zz$zz", "scrypt$x$8$1$00$00", "plain"):
        assert not auth.verify_pin("1234", stored)
