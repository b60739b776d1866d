"""Properties over random word salads from the menu's own vocabulary: the parser never crashes,
and every complete draft it proposes would be accepted by the order rules as it stands."""

from __future__ import annotations

from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.menu import orderable_item, resolve_modifiers
from edge.domain.orders import OrderRequest
from tests.support.voice_menus import english_menu
from voice.drafts import Draft, Rejection
from voice.language import load_pack
from voice.parser import OrderParser

MENU = english_menu()
PARSER = OrderParser(MENU, load_pack("en"))
PHRASES = sorted(" ".join(p) for p in PARSER.lexicon.phrases) + ["weather", "pizza"]
KEYWORDS = [" ".join(p) for p, meanings in PARSER.lexicon.phrases.items()
            if any(m.kind in ("no", "extra", "add", "number", "make_that", "actually") for m in meanings)]


def salad_around(item):
    """Words about one item: its name, its own choices, keywords and numbers, and anything else."""
    choices = [obj for _, obj, _ in PARSER.lexicon.modifier_keys[item.id]] or ["large"]
    around = st.lists(st.one_of(st.sampled_from(choices), st.sampled_from(KEYWORDS), st.sampled_from(PHRASES)),
                      max_size=6)
    return st.tuples(around, around).map(lambda t: [*t[0], item.name.lower(), *t[1]])


SALADS = st.sampled_from(MENU.items).flatmap(salad_around)


@settings(max_examples=400, deadline=None)
@given(SALADS)
def test_any_word_salad_gives_a_valid_draft_or_a_rejection(words):
    result = PARSER.parse_text(" ".join(words))
    assert isinstance(result, (Draft, Rejection))
    if isinstance(result, Rejection):
        assert result.reason and result.heard == " ".join(" ".join(words).split())
        return
    draft = result.to_dict()
    request = OrderRequest(client_order_id=uuid4(), source="voice", type=draft["type"], table=draft["table"],
                           items=[{k: i[k] for k in ("menu_item_id", "quantity", "modifier_ids", "notes")}
                                  for i in draft["items"]])
    for line, item in enumerate(request.items):
        menu_item = orderable_item(MENU, item.menu_item_id, line=line)
        if not draft["items"][line]["missing"]:
            resolve_modifiers(menu_item, item.modifier_ids, line=line)  # raises if the choices break a rule
