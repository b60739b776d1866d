"""The tablet app is served by the box: pages, assets, the config it needs, and CSP-ready markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.mark.parametrize("path", ["/", "/kds/grill", "/expo", "/manage", "/kiosk"])
def test_pages_are_served_with_a_strict_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert b'<script type="module" src="/web/js/' in response.data


def test_assets_and_the_service_worker_are_served(client):
    script = client.get("/web/js/kds.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert client.get("/web/css/app.css").mimetype == "text/css"
    assert client.get("/sw.js").status_code == 200
    assert client.get("/web/../edge/app.py").status_code == 404
    assert client.get("/web/js/nothing.js").status_code == 404


def test_no_inline_script_style_or_handler_anywhere():
    """A Content-Security-Policy of script-src 'self' / style-src 'self' must not break the app."""
    for path in WEB.rglob("*"):
        if path.suffix not in {".html", ".js"}:
            continue
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"""\sstyle\s*=\s*["']|<style""", text), path
        assert not re.search(r"""\son[a-z]+\s*=\s*["']""", text), path
        assert "innerHTML" not in text and "eval(" not in text, path
        assert "http://" not in text and "https://" not in text, path  # no CDN, no web fonts


def test_the_config_gives_ageing_thresholds_per_station_the_clock_and_the_last_seq(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path, kds={"warn_after_s": 240, "late_after_s": 420,
                                                 "per_station": {"bar": {"warn_after_s": 60, "late_after_s": 120}}})
    app = create_app(settings)
    services = app.extensions["edge"]
    try:
        seed_demo(services.store, services.secret)
        client = app.test_client()
        token = client.post("/api/v1/auth/login", json={"pin": "1111"}).get_json()["token"]
        config = client.get("/api/v1/web/config", headers={"Authorization": f"Bearer {token}"}).get_json()
        assert config["kds"]["warn_after_s"] == 240 and config["kds"]["late_after_s"] == 420
        assert config["kds"]["per_station"]["bar"] == {"warn_after_s": 60, "late_after_s": 120}
        assert {s["id"] for s in config["stations"]} >= {"grill", "expo"}
        assert config["last_seq"] == services.store.last_seq and config["now"]
        assert client.get("/api/v1/web/config").status_code == 401
    finally:
        services.close()


def test_the_app_can_be_served_from_another_folder(tmp_path, monkeypatch):
    """An installed box (no source checkout) points `web_dir` at wherever the image put web/."""
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "app.html").write_text("<!doctype html><title>elsewhere</title>")
    app = create_app(Settings(data_dir=tmp_path / "data", web_dir=tmp_path / "web"))
    try:
        assert b"elsewhere" in app.test_client().get("/kds/grill").data
    finally:
        app.extensions["edge"].close()
