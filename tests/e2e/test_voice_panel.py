"""The voice panel on the order tablet, in a real browser against the real `edge serve --demo`
(English voice on by default: the model the pocketsphinx wheel ships).

A spoken English order (espeak-ng) posted while the order page is open shows as a draft on that
tablet; Confirm makes exactly one order whose lines match; Discard leaves nothing; a rejection
shows what was heard and why, and makes nothing.
"""

from __future__ import annotations

import subprocess
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.support.e2e import login_token
from tests.support.requirements import require_module
from tests.support.speech import music, require_tools, speak

from .test_tablets_browser import LANDSCAPE, errors, open_page  # noqa: F401  (errors is a fixture)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", autouse=True)
def english_engine():
    """The demo box hears English with pocketsphinx, from the voice extra `make dev-deps` installs."""
    require_module("pocketsphinx")


def tablet_token(page) -> str:
    """The order tablet's own access token: what it posts with when it records."""
    return page.evaluate("JSON.parse(localStorage.getItem('edge.session')).token")


def wait_for_voice(server, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        check = requests.get(f"{server.url}/health", timeout=5).json()["checks"]["voice"]
        if check["status"] == "ok" and check["detail"].startswith("pocketsphinx model loaded"):
            return
        assert time.monotonic() < deadline, f"voice never came up: {check}"
        time.sleep(0.2)


def post_wav(server, token, path) -> dict:
    response = requests.post(f"{server.url}/api/v1/voice/transcriptions", data=path.read_bytes(), timeout=60,
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "audio/wav"})
    assert response.status_code == 200, response.text
    return response.json()


def orders(server, token) -> list[dict]:
    response = requests.get(f"{server.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["orders"] if isinstance(body, dict) else body


def spoken_draft(server, token, text, path) -> dict:
    """A draft of ``text``; espeak-ng's voice is synthetic, so a rare miss is spoken again slower."""
    for speed in ("150", "130", "170"):
        answer = post_wav(server, token, speak(text, path, voice="en-us", speed_wpm=speed))
        if answer["draft"] is not None:
            return answer
    pytest.fail(f"{text!r} was never drafted: {answer['rejected']}")


def test_drafts_on_the_tablet_confirm_once_discard_and_rejections(edge_server, browser, errors, artifacts,  # noqa: F811
                                                                   tmp_path):
    require_tools()
    wait_for_voice(edge_server)
    page = open_page(browser, edge_server.url, errors, LANDSCAPE, pin="1111")
    panel = page.get_by_test_id("voice-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("menu-item-cheeseburger")).to_be_visible()
    token = tablet_token(page)
    before = len(orders(edge_server, token))

    # Sam logged in on another tablet: that tablet's draft is not shown on this one
    elsewhere = spoken_draft(edge_server, login_token(edge_server, "1111"), "two beers", tmp_path / "other.wav")

    # a rejection shows what was heard and why
    rejected = post_wav(edge_server, token, music(tmp_path / "music.wav"))
    assert rejected["draft"] is None
    rejection = page.locator(f"[data-draft='{rejected['id']}']")
    expect(rejection).to_contain_text("Not understood")
    # a draft shows on this tablet, with what was heard, its lines and the latency
    answer = spoken_draft(edge_server, token, "two beers table twelve", tmp_path / "order.wav")
    card = page.locator(f"[data-draft='{answer['id']}']")
    expect(card).to_be_visible(timeout=10_000)
    expect(card).to_contain_text("2\u00d7 Draft Beer")
    expect(card).to_contain_text("Table 12")
    expect(card).to_contain_text(answer["text"])
    expect(page.get_by_test_id("voice-status")).to_contain_text("heard in")
    expect(page.locator(f"[data-draft='{elsewhere['id']}']")).to_have_count(0)

    page.screenshot(path=str(artifacts / "voice-panel-1280x800.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / "voice-panel-390x844.png"))
    page.set_viewport_size(LANDSCAPE)
    expect(rejection.get_by_test_id("voice-confirm")).to_have_count(0)  # a rejection can never be ordered

    # Confirm: exactly one order, whose lines are the draft's; a second confirm changes nothing
    card.get_by_test_id("voice-confirm").click()
    expect(card).to_have_count(0, timeout=10_000)
    after = orders(edge_server, token)
    assert len(after) == before + 1
    again = requests.post(f"{edge_server.url}/api/v1/orders", timeout=10, headers={"Authorization": f"Bearer {token}"},
                          json={"client_order_id": answer["id"], "type": "dine_in", "table": "12",
                                "items": [{"menu_item_id": i["menu_item_id"], "quantity": i["quantity"],
                                           "modifier_ids": i["modifier_ids"]} for i in answer["draft"]["items"]]})
    assert again.status_code in (200, 201), again.text
    assert len(orders(edge_server, token)) == before + 1
    order = again.json()
    assert [(i["menu_item_id"], i["quantity"]) for i in order["items"]] == [("beer", 2)] and order["table"] == "12"

    # Discard: the card goes, nothing is ordered; the rejection made nothing either. (Fries need a
    # size: the draft says so and cannot be confirmed as it is.)
    discarded = spoken_draft(edge_server, token, "three fries", tmp_path / "fries.wav")
    card = page.locator(f"[data-draft='{discarded['id']}']")
    expect(card).to_contain_text("needs Size", timeout=10_000)
    expect(card.get_by_test_id("voice-confirm")).to_be_disabled()
    card.get_by_test_id("voice-discard").click()
    expect(card).to_have_count(0)
    # A later draft confirmed on this tablet: orders leave it first in, first out (its outbox), so
    # once this one is on the box anything the discard had sent would be there too.
    later = spoken_draft(edge_server, token, "two beers", tmp_path / "later.wav")
    later_card = page.locator(f"[data-draft='{later['id']}']")
    later_card.get_by_test_id("voice-confirm").click()
    expect(later_card).to_have_count(0, timeout=10_000)
    assert len(orders(edge_server, token)) == before + 2


def test_edit_loads_the_draft_into_the_cart(edge_server, browser, errors, tmp_path):  # noqa: F811
    require_tools()
    wait_for_voice(edge_server)
    page = open_page(browser, edge_server.url, errors, LANDSCAPE, pin="1111")
    expect(page.get_by_test_id("voice-panel")).to_be_visible()
    token = tablet_token(page)
    answer = spoken_draft(edge_server, token, "two cheeseburgers and a coke", tmp_path / "order.wav")
    card = page.locator(f"[data-draft='{answer['id']}']")
    card.get_by_test_id("voice-edit").click()
    expect(page.get_by_test_id("lines")).to_contain_text("2\u00d7 Cheeseburger")
    expect(page.get_by_test_id("lines")).to_contain_text("1\u00d7 Cola")
    expect(card).to_have_count(0)


def test_hold_to_talk_records_on_the_tablet_and_the_draft_comes_back(edge_server, browser, tmp_path):
    """Chromium's fake microphone plays a spoken order; the tablet records it while the button is
    held (http://127.0.0.1 is a secure context), posts a 16 kHz WAV and shows the draft."""
    require_tools()
    wait_for_voice(edge_server)
    from tests.support.e2e import CHROMIUM, CHROMIUM_ARGS

    spoken = speak("two beers table twelve", tmp_path / "mic.wav", voice="en-us", speed_wpm="150")
    microphone = tmp_path / "mic-padded.wav"  # silence either side: the fake device loops the file
    subprocess.run(["sox", str(spoken), "-r", "48000", str(microphone), "pad", "0.6", "3"], check=True, timeout=30)
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}"]
    with_microphone = browser.browser_type.launch(executable_path=CHROMIUM, args=args)  # its own flags
    try:
        page = with_microphone.new_context(viewport=LANDSCAPE).new_page()
        page.goto(edge_server.url)
        for digit in "1111":
            page.get_by_role("button", name=digit, exact=True).click()
        page.get_by_role("button", name="Enter").click()
        expect(page.get_by_test_id("menu-item-cheeseburger")).to_be_visible()  # the page has settled
        page.get_by_test_id("voice-talk").hover()  # waits until the button is stable under the pointer
        page.mouse.down()
        expect(page.get_by_test_id("voice-status")).to_contain_text("listening")
        page.wait_for_timeout(3000)
        page.mouse.up()
        card = page.get_by_test_id("voice-drafts").locator("article").first
        expect(card).to_be_visible(timeout=20_000)
        expect(card).to_contain_text("beers")  # what was heard came from the fake microphone
    finally:
        with_microphone.close()
