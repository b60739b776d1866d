"""The dashboard's pure helpers (supabase/dashboard/public/js/format.js) run in Node: prices typed
by the owner are checked as the cloud checks them, CSV cells are quoted and never formulas."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.requirements import require_tool

from .dashboard_server import PUBLIC

CASES = """
import { parsePrice, csv, ago } from '%s';
const prices = ['12.50', '12.5', '0', '$7', ' 3.25 ', '10000', '10000.00', '10000.01', '', '   ', '-1', '-0.50',
                'abc', '12.345', '1e3', '12,50', '0x10'];
console.log(JSON.stringify({
  prices: Object.fromEntries(prices.map((p) => [p, parsePrice(p)])),
  csv: csv(['name', 'note', 'cents'], [{ name: 'Fish, chips', note: '=HYPERLINK("x")', cents: -5 }, { name: 'Say "hi"', note: null, cents: 0 }]),
  ago: [null, 30, 600, 7200, 200000].map(ago),
}));
"""


@pytest.fixture(scope="module")
def results() -> dict:
    node = require_tool("node", package="nodejs", installed_by="make dashboard")
    script = CASES % (PUBLIC / "js" / "format.js").as_uri()
    answer = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30,
                            check=True)
    return json.loads(answer.stdout)


def test_prices_follow_the_manage_page_rules(results):
    prices = results["prices"]
    assert prices["12.50"] == {"cents": 1250} and prices["12.5"] == {"cents": 1250}
    assert prices["0"] == {"cents": 0} and prices["$7"] == {"cents": 700} and prices[" 3.25 "] == {"cents": 325}
    assert prices["10000"] == {"cents": 1000000} and prices["10000.00"] == {"cents": 1000000}
    assert "at most" in prices["10000.01"]["error"]
    assert "required" in prices[""]["error"] and "required" in prices["   "]["error"]
    assert "negative" in prices["-1"]["error"] and "negative" in prices["-0.50"]["error"]
    for typed in ("abc", "12.345", "1e3", "12,50", "0x10"):
        assert "not a price" in prices[typed]["error"], typed


def test_csv_quotes_cells_and_defuses_formulas(results):
    assert results["csv"] == ('name,note,cents\r\n"Fish, chips","\'=HYPERLINK(""x"")",-5\r\n'
                              '"Say ""hi""",,0\r\n')


def test_ages_read_like_a_person_would_say_them(results):
    assert results["ago"] == ["never", "just now", "10 min ago", "2 h ago", "2 days ago"]
