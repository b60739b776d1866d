"""`edge voice check`: load time, memory and menu coverage, from the real model."""

from __future__ import annotations

from click.testing import CliRunner

from edge.appliance.demo import seed_demo
from edge.cli import main
from edge.ops.database import open_store
from edge.security.auth import load_or_create_secret
from edge.settings import Settings
from edge.store import commands
from tests.support.requirements import require_module
from tests.support.voice_menus import item, korean_menu


def test_voice_check_reports_load_memory_and_what_cannot_be_heard(korean_model, tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    monkeypatch.setenv("EDGE_DATA_DIR", str(tmp_path))
    store = open_store(Settings(data_dir=tmp_path))
    seed_demo(store, load_or_create_secret(tmp_path))  # the stations the Korean menu cooks at
    menu = korean_menu()
    menu.items.append(item("mystery", "쿠쿠루삥뽕", "food", "grill", 100))
    commands.replace_menu(store, menu, 3)
    store.close()
    result = CliRunner().invoke(main, ["voice", "check", "--model", str(korean_model), "--language", "ko"])
    assert result.exit_code == 0, result.output
    assert "load " in result.output and " MB peak" in result.output
    assert "5/6 items can be heard" in result.output
    assert "cannot hear '쿠쿠루삥뽕' (mystery)" in result.output


def test_voice_check_with_voice_off_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    monkeypatch.setenv("EDGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EDGE_VOICE__ENGINE", "off")
    result = CliRunner().invoke(main, ["voice", "check"])
    assert result.exit_code == 1 and "voice is off" in result.output


def test_voice_check_without_a_model_checks_the_packaged_english_model(tmp_path, monkeypatch):
    require_module("pocketsphinx")
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    monkeypatch.setenv("EDGE_DATA_DIR", str(tmp_path))
    store = open_store(Settings(data_dir=tmp_path))
    seed_demo(store, load_or_create_secret(tmp_path))
    store.close()
    result = CliRunner().invoke(main, ["voice", "check"])
    assert result.exit_code == 0, result.output
    assert "pocketsphinx" in result.output and " MB peak" in result.output
    assert "items can be heard" in result.output
