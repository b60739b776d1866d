"""``edge voice check``: load the model as the server would and report what it can hear."""

from __future__ import annotations

import time
from pathlib import Path

from edge.domain.menu import Menu
from voice.grammar import build_grammar, grammar_words
from voice.language import load_pack
from voice.lexicon import Lexicon
from voice.recognizer import Recognizer

LOAD_TIMEOUT_S = 300  # a large model on a Pi's SD card takes a while


def check_model(model_path: Path | None, language: str, menu: Menu, *, engine: str = "vosk") -> dict:
    """Load time, the recogniser process's peak memory, and the menu's coverage by the model."""
    started = time.monotonic()
    recognizer = Recognizer(model_path, engine=engine).start()
    try:
        recognizer.wait_ready(LOAD_TIMEOUT_S)
        ready_s = time.monotonic() - started
        lexicon = Lexicon(menu, load_pack(language))
        grammar = build_grammar(lexicon, recognizer.known_words(grammar_words(lexicon)).__getitem__)
        status = recognizer.status
    finally:
        recognizer.close()
    items = len(menu.items)
    unheard = grammar.report()["unrecognisable_items"]
    return {
        "model_path": str(model_path or "(packaged)"), "engine": engine, "language": language,
        "load_s": round(status.load_s, 2), "ready_s": round(ready_s, 2),
        "peak_rss_mb": round(status.peak_rss_mb, 1),
        "menu_items": items, "recognisable_items": items - len(unheard),
        "coverage": round((items - len(unheard)) / items, 3) if items else None,
        **grammar.report(),
    }


def describe(report: dict) -> list[str]:
    lines = [
        f"model      {report['engine']} {report['model_path']} ({report['language']})",
        f"load       {report['load_s']} s (process ready in {report['ready_s']} s)",
        f"memory     {report['peak_rss_mb']} MB peak (recogniser process)",
        f"menu       {report['recognisable_items']}/{report['menu_items']} items can be heard; "
        f"grammar of {report['phrases']} phrases",
    ]
    for item in report["unrecognisable_items"]:
        lines.append(f"  cannot hear {item['name']!r} ({item['menu_item_id']}): unknown words "
                     f"{', '.join(item['unknown_words'])}; add a spoken alias")
    for modifier in report["unrecognisable_modifiers"]:
        lines.append(f"  cannot hear choice {modifier['name']!r} on {modifier['menu_item_id']}: unknown words "
                     f"{', '.join(modifier['unknown_words'])}")
    return lines
