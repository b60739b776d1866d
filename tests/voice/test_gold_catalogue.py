"""The gold catalogue: English utterances and the exact draft (or rejection) each must give."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.voice_menus import english_menu
from voice.language import load_pack
from voice.parser import Draft, OrderParser, Rejection

CATALOGUE = Path(__file__).with_name("gold_en.txt")
MENU = english_menu()
PARSER = OrderParser(MENU, load_pack("en"))


def load_cases() -> list[tuple[str, str]]:
    cases = []
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            utterance, expected = (part.strip() for part in line.split("=>"))
            cases.append((utterance, expected))
    return cases


CASES = load_cases()


def expected_item(text: str) -> dict:
    """"2 cheeseburger(No onions; Size?)" -> the draft item fields the catalogue pins down."""
    head, _, choices = text.partition("(")
    quantity, item_id = head.split()
    names = [c.strip() for c in choices.rstrip(")").split(";") if c.strip()]
    item = MENU.item(item_id)
    assert item is not None, f"catalogue names unknown item {item_id}"
    by_name = {m.name: m.id for g in item.modifier_groups for m in g.modifiers}
    return {
        "menu_item_id": item_id, "quantity": int(quantity),
        "modifier_ids": [by_name[n] for n in names if not n.endswith("?")],
        "missing": [n[:-1] for n in names if n.endswith("?")],
    }


def summary(draft: dict) -> dict:
    return {
        "items": [{"menu_item_id": i["menu_item_id"], "quantity": i["quantity"],
                   "modifier_ids": i["modifier_ids"], "missing": [m["name"] for m in i["missing"]]}
                  for i in draft["items"]],
        "table": draft["table"], "type": draft["type"], "confirm": draft["confirm"],
    }


def expected_summary(expected: str) -> dict:
    items, *options = (part.strip() for part in expected.split("|"))
    table = next((o.split()[1] for o in options if o.startswith("table ")), None)
    return {
        "items": [expected_item(text.strip()) for text in items.split(", ")],
        "table": table, "type": "takeout" if "takeout" in options else "dine_in",
        "confirm": "confirm" in options,
    }


def test_catalogue_is_big_enough():
    rejections = [c for c in CASES if c[1].startswith("!")]
    assert len(CASES) - len(rejections) >= 150
    assert len(rejections) >= 30


@pytest.mark.parametrize(("utterance", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gold_utterance(utterance, expected):
    result = PARSER.parse_text(utterance)
    if expected.startswith("!"):
        assert isinstance(result, Rejection), f"must be rejected, got draft {result.to_dict()}"
        assert result.reason == expected[1:].strip(), result.message
        assert result.heard == utterance.replace("-", " ")
        return
    assert isinstance(result, Draft), f"rejected: {result.reason}: {result.message}"
    draft = result.to_dict()
    assert summary(draft) == expected_summary(expected)
    assert draft["source"] == "voice"
    assert all(item["heard"] for item in draft["items"])
