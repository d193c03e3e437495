"""The hang report shown in ``docs/cooperative.rst`` is a real one, and stays so.

``examples/hang_report.py`` deadlocks on purpose; the docs include its output,
``examples/hang_report.out.txt``.  This test runs the example afresh and compares: if
the report changes, regenerate the file (the command is in the failure message).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("greenlet")

from helpers import ROOT

EXAMPLES = ROOT / "examples"
REGENERATE = "cd examples && python hang_report.py > hang_report.out.txt"


def test_documented_hang_report_is_what_the_example_prints() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    result = subprocess.run(
        [sys.executable, "hang_report.py"],
        capture_output=True,
        text=True,
        env=env,
        cwd=EXAMPLES,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    expected = (EXAMPLES / "hang_report.out.txt").read_text(encoding="utf-8")
    assert result.stdout == expected, f"the report changed; regenerate it: {REGENERATE}"
    # The tellers are non-daemon threads: at exit, the report is printed again.
    assert "anythread: at exit, deadlock:" in result.stderr


def test_docs_page_includes_the_generated_report() -> None:
    page = (ROOT / "docs" / "cooperative.rst").read_text(encoding="utf-8")
    assert ".. literalinclude:: ../examples/hang_report.out.txt" in page
    assert ".. literalinclude:: ../examples/hang_report.py" in page
