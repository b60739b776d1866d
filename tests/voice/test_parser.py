"""The parser beyond single texts: alternatives, confidences, aliases, Korean word order."""

from __future__ import annotations

import pytest

from tests.support.voice_menus import english_menu, korean_menu
from voice.language import LanguagePackError, load_pack, parse_pack
from voice.parser import Alternative, Draft, OrderParser, Rejection, Word

EN = OrderParser(english_menu(), load_pack("en"))
KO = OrderParser(korean_menu(), load_pack("ko"))


def test_takes_the_first_alternative_that_parses_fully():
    result = EN.parse([Alternative("two cheese burger nose"), Alternative("two cheeseburgers no onions"),
                       Alternative("two cheeseburgers")])
    assert isinstance(result, Draft)
    assert result.alternative == 1
    assert result.items[0]["modifier_ids"] == ["cb-hold-no-onions"]


def test_when_no_alternative_parses_the_most_likely_one_is_reported():
    result = EN.parse([Alternative("how is the weather"), Alternative("hello there")])
    assert isinstance(result, Rejection)
    assert (result.reason, result.heard) == ("not_understood", "how is the weather")


def test_empty_transcript_is_nothing_heard():
    assert EN.parse([]).reason == "nothing_heard"
    assert EN.parse([Alternative("")]).reason == "nothing_heard"


def test_low_confidence_words_are_flagged_on_the_draft_and_the_item():
    words = (Word("two", 0.95), Word("cokes", 0.4), Word("and", 0.9), Word("a", 0.99), Word("sprite", 0.97))
    draft = EN.parse([Alternative("two cokes and a sprite", words)])
    assert draft.low_confidence_words == [{"word": "cokes", "confidence": 0.4}]
    assert draft.confidence == 0.4
    coke, sprite = draft.items
    assert (coke["low_confidence"], coke["confidence"]) == (True, 0.4)
    assert (sprite["low_confidence"], sprite["confidence"]) == (False, 0.97)


def test_draft_has_the_shape_of_an_order_request():
    from uuid import uuid4

    from edge.domain.orders import OrderRequest

    draft = EN.parse_text("two cheeseburgers no onions one large fries table twelve to go").to_dict()
    body = {key: draft[key] for key in ("source", "type", "table")}
    body["items"] = [{k: i[k] for k in ("menu_item_id", "quantity", "modifier_ids", "notes")} for i in draft["items"]]
    request = OrderRequest(client_order_id=uuid4(), **body)
    assert (request.source, request.type, request.table) == ("voice", "takeout", "12")


def test_aliases_are_spoken_names():
    assert EN.parse_text("a coca cola").items[0]["menu_item_id"] == "coke"
    assert EN.parse_text("two french fries large").items[0]["menu_item_id"] == "fries"


def test_heard_per_item_is_the_words_of_that_item():
    draft = EN.parse_text("uh two cheeseburgers no onions and a large coke")
    assert [i["heard"] for i in draft.items] == ["two cheeseburgers no onions", "a large coke"]


def test_korean_quantity_after_item_and_keyword_after_object():
    draft = KO.parse_text("김치찌개 두 개 양파 빼고 콜라 세 개 테이블 십이 번")
    assert isinstance(draft, Draft), draft
    assert [(i["menu_item_id"], i["quantity"], i["modifier_ids"]) for i in draft.items] == [
        ("kimchi-stew", 2, ["ks-hold-양파-빼기"]), ("cola", 3, [])]
    assert draft.table == "12"


def test_korean_spaced_table_number_and_native_eleven():
    draft = KO.parse_text("비빔밥 열한 개 테이블 십 이 번")
    assert (draft.items[0]["quantity"], draft.table) == (11, "12")


def test_korean_cancel_and_remove():
    assert KO.parse_text("불고기 한 개 취소").reason == "cancelled"
    draft = KO.parse_text("불고기 한 개 맥주 두 개 맥주 취소")
    assert [i["menu_item_id"] for i in draft.items] == ["bulgogi"]


def test_korean_rejects_chit_chat():
    assert KO.parse_text("안녕하세요").reason == "not_understood"


def test_a_pack_with_a_bad_word_order_is_refused():
    with pytest.raises(LanguagePackError, match="order.quantity"):
        parse_pack({"language": "xx", "order": {"quantity": "sideways", "modifier_keyword": "before"},
                    "numbers": {"quantity": {"units": {}}, "table": {"same_as": "quantity"}},
                    "words": {}, "modifiers": {}, "corrections": {}})


def test_unknown_pack_names_the_known_ones():
    with pytest.raises(LanguagePackError, match="en, ko"):
        load_pack("xx")


def test_a_cancel_heard_first_is_not_overruled_by_a_less_likely_order():
    result = EN.parse([Alternative("a burger cancel"), Alternative("a burger and a coke")])
    assert isinstance(result, Rejection) and result.reason == "cancelled"


def test_spoken_confirm_auto_confirms_only_when_allowed_and_complete():
    from voice.recognizer import Transcript
    from voice.service import VoiceService

    def draft_of(text, allowed):
        service = VoiceService(None, "en", menu=english_menu, spoken_confirm=allowed)
        return service.conclude(Transcript([Alternative(text)], 1.0), 0.0, requested_by=None)["draft"]

    assert draft_of("two cokes that's it", allowed=True)["auto_confirm"] is True
    assert draft_of("two cokes that's it", allowed=False)["auto_confirm"] is False
    assert draft_of("two fries that's it", allowed=True)["auto_confirm"] is False  # size not said
    assert draft_of("two cokes", allowed=True)["auto_confirm"] is False


def test_a_choice_named_like_a_keyword_is_a_choice():
    from edge.domain.menu import Menu
    from tests.support.voice_menus import group, item

    shots = group("shots", "Shots", ["Single", "Double"])
    menu = Menu(items=[item("espresso", "Espresso", "drinks", "bar", 250, shots),
                       item("burger", "Burger", "food", "grill", 900, group("hold", "Hold", ["No onions"]))])
    parser = OrderParser(menu, load_pack("en"))
    assert parser.parse_text("an espresso double").items[0]["modifier_ids"] == ["shots-double"]
    assert parser.parse_text("a double espresso").items[0]["modifier_ids"] == ["shots-double"]
    assert parser.parse_text("a burger double").reason == "incomplete"  # "double" is only a keyword here
