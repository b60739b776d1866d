"""Rules the suite keeps about itself: one skip policy (tests/support/requirements.py) and no
import path manipulation in the tests or the benchmarks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.requirements import missing, require_file, require_module, require_tool, unavailable_here

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "tests" / "support" / "requirements.py"


def sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (REPO / folder).rglob("*.py"))


def offenders(pattern: str, *folders: str) -> list[str]:
    rule = re.compile(pattern)
    return [f"{path.relative_to(REPO)}:{number}" for path in sources(*folders) if path != POLICY
            for number, line in enumerate(path.read_text().splitlines(), 1) if rule.search(line)]


def test_only_the_policy_skips_a_test():
    assert offenders(r"pytest\.skip\(|importorskip\(", "tests") == []


def test_no_test_or_benchmark_edits_the_import_path():
    assert offenders(r"sys\.path\b", "tests", "bench") == []


def test_a_missing_tool_module_or_file_fails_and_says_how_to_install_it(tmp_path):
    with pytest.raises(pytest.fail.Exception, match=r"no-such-tool.*make test.*apt-get install no-such-package"):
        require_tool("no-such-tool", package="no-such-package")
    with pytest.raises(pytest.fail.Exception, match=r"no_such_module.*make dev-deps"):
        require_module("no_such_module")
    with pytest.raises(pytest.fail.Exception, match=r"absent.*apt-get install chromium"):
        require_file(tmp_path / "absent", package="chromium")
    with pytest.raises(pytest.fail.Exception, match="vendor is missing: run `make dashboard`"):
        missing("vendor", "run `make dashboard`")
    assert Path(require_tool("sh")).name == "sh"


def test_only_what_the_machine_cannot_do_skips():
    with pytest.raises(pytest.skip.Exception, match="no /dev/uinput"):
        unavailable_here("no /dev/uinput")
