"""The code samples of the "Schedule search" section of docs/testing.rst run, and say
what the page says they say."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("greenlet")

from helpers import run_python

PAGE = Path(__file__).resolve().parent.parent / "docs" / "testing.rst"


def _python_blocks() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("Schedule search\n---------------") :]
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", section)
    return [textwrap.dedent(block) for block in blocks]


def test_the_page_has_its_samples() -> None:
    assert len(_python_blocks()) == 3


def test_search_and_replay_sample() -> None:
    result = run_python(_python_blocks()[0], timeout=120)
    assert result.returncode == 0, result.stderr
    assert "failed under schedule pct:" in result.stdout
    assert "replay it: explore(fn, replay='replay:" in result.stdout


def test_marker_sample_defines_a_test() -> None:
    result = run_python(_python_blocks()[1] + "\ntest_counter()\n", timeout=60)
    assert result.returncode == 0, result.stderr


def test_inversion_sample_proves_a_deadlock() -> None:
    result = run_python(
        _python_blocks()[2], env={"ANYTHREAD_BACKEND": "debug:cooperative"}, timeout=120
    )
    assert result.returncode == 1
    # The decisions depend on where the kernel's scheduling points are; the page shows
    # one such line.
    assert re.search(r"a schedule steered by its sites deadlocks: replay:\S+\n", result.stderr)
    assert "failure: DeadlockError: deadlock: two would wait forever" in result.stderr
