"""The speech grammar from menu + language pack, checked against the model's vocabulary."""

from __future__ import annotations

import json

from tests.support.voice_menus import english_menu, item, korean_menu
from voice.grammar import build_grammar, grammar_words
from voice.language import load_pack
from voice.lexicon import Lexicon


def korean_lexicon(menu=None):
    return Lexicon(menu or korean_menu(), load_pack("ko"))


def test_grammar_holds_the_menu_and_the_order_words(recognizer):
    lexicon = korean_lexicon()
    known = recognizer.known_words(grammar_words(lexicon))
    grammar = build_grammar(lexicon, known.__getitem__)
    phrases = set(json.loads(grammar.to_json()))
    assert {"김치찌개", "비빔밥", "불고기", "콜라", "맥주", "양파", "빼기", "치즈", "추가", "테이블", "두", "개",
            "취소", "십이"} <= phrases
    assert grammar.unrecognisable_items == () and grammar.unrecognisable_modifiers == ()
    assert all(known[w] for p in grammar.phrases for w in p.split()), "a word vosk would drop is in the grammar"


def test_items_the_model_cannot_hear_are_reported(recognizer):
    menu = korean_menu()
    menu.items.append(item("mystery", "쿠쿠루삥뽕 버거", "food", "grill", 100))
    lexicon = korean_lexicon(menu)
    grammar = build_grammar(lexicon, recognizer.known_words(grammar_words(lexicon)).__getitem__)
    assert [r["menu_item_id"] for r in grammar.unrecognisable_items] == ["mystery"]
    assert "쿠쿠루삥뽕" in grammar.unrecognisable_items[0]["unknown_words"]
    assert "쿠쿠루삥뽕 버거" not in grammar.phrases


def test_an_alias_the_model_knows_makes_the_item_recognisable(recognizer):
    menu = korean_menu()
    menu.items.append(item("mystery", "쿠쿠루삥뽕 버거", "food", "grill", 100, aliases=("치즈 버거",)))
    lexicon = korean_lexicon(menu)
    grammar = build_grammar(lexicon, recognizer.known_words(grammar_words(lexicon)).__getitem__)
    assert grammar.unrecognisable_items == ()


def test_english_menu_against_the_korean_model_reports_every_item(recognizer):
    lexicon = Lexicon(english_menu(), load_pack("en"))
    grammar = build_grammar(lexicon, recognizer.known_words(grammar_words(lexicon)).__getitem__)
    assert len(grammar.unrecognisable_items) == len(english_menu().items)
    assert grammar.report()["unrecognisable_items"][0]["unknown_words"]


def test_grammar_words_are_what_the_parser_reads():
    lexicon = Lexicon(english_menu(), load_pack("en"))
    words = set(grammar_words(lexicon))
    assert {"cheeseburger", "cheeseburgers", "no", "onions", "table", "twelve", "make", "cancel", "[unk]"} <= words


def test_grammar_and_parser_are_rebuilt_when_the_menu_changes(recognizer):
    from voice.service import VoiceService

    menus = [korean_menu()]
    service = VoiceService(None, "ko", menu=lambda: menus[-1], recognizer=recognizer)
    grammar, parser = service.compiled()
    assert service.compiled() == (grammar, parser)  # same menu: nothing rebuilt
    changed = korean_menu()
    changed.version = 2
    changed.items.append(item("dumplings", "만두", "food", "grill", 700))
    menus.append(changed)
    grammar, parser = service.compiled()
    assert "만두" in grammar.phrases
    assert parser.parse_text("만두 두 개").items[0]["menu_item_id"] == "dumplings"
