"""The code samples of the "Schedule search" section of docs/testing.rst run, and print
exactly what the page shows them printing (the search is deterministic: seed 0)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("greenlet")

from helpers import run_python

PAGE = Path(__file__).resolve().parent.parent / "docs" / "testing.rst"


def _blocks(language: str) -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("Schedule search\n---------------") :]
    pattern = rf"\.\. code-block:: {language}\n\n((?:   .*\n|\n)+)"
    return [textwrap.dedent(block) for block in re.findall(pattern, section)]


def _python_blocks() -> list[str]:
    return _blocks("python")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def _shown(excerpt: str) -> list[str]:
    """The output lines an excerpt shows (not its commands, not its elisions)."""
    return [
        line for line in _lines(excerpt) if line and line != "..." and not line.startswith("$ ")
    ]


def _pytest_line(line: str) -> str:
    """A line of pytest's failure report without its ``E`` margin."""
    return re.sub(r"^E\s+", "", line.strip())


def test_the_page_has_its_samples() -> None:
    assert len(_python_blocks()) == 3
    assert len(_blocks("text")) == 2


def test_search_and_replay_sample() -> None:
    sample = _python_blocks()[0]
    result = run_python(sample, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "failed under schedule pct:" in result.stdout
    # The comment shows the line the sample finds.
    shown = re.search(r"line = failure\.schedule  # here '([^']*)'", sample)
    assert shown, "the sample's comment shows no line"
    assert f"replay it: explore(fn, replay='{shown.group(1)}')" in result.stdout, result.stdout


def _marked_test_file() -> str:
    """The marker sample, its body the counter of the first sample."""
    counter = _python_blocks()[0]
    function = next(
        node
        for node in ast.parse(counter).body
        if isinstance(node, ast.FunctionDef) and node.name == "test_counter"
    )
    source = ast.get_source_segment(counter, function)
    assert source is not None
    marked = _python_blocks()[1]
    stub = "def test_counter():\n    ...  # as above\n"
    assert stub in marked
    return marked.replace(stub, source + "\n")


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_pytest_excerpt_is_what_pytest_prints(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_counter.py").write_text(_marked_test_file())
    excerpt = _blocks("text")[0]
    commands = [line[2:] for line in _lines(excerpt) if line.startswith("$ ")]
    assert commands[0] == "pytest tests/test_counter.py"
    result = _pytest(tmp_path, "tests/test_counter.py")
    assert result.returncode == 1, result.stdout + result.stderr
    printed = [_pytest_line(line) for line in _lines(result.stdout)]
    for line in _shown(excerpt):
        assert _pytest_line(line) in printed, f"{line!r} is not printed:\n{result.stdout}"
    # The replay command of the excerpt reruns exactly the failing line it shows.
    replay = re.fullmatch(
        r"pytest tests/test_counter\.py::test_counter --anythread-replay '([^']*)'", commands[1]
    )
    assert replay, commands[1]
    again = _pytest(
        tmp_path, "tests/test_counter.py::test_counter", "--anythread-replay", replay[1]
    )
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"the replayed schedule {replay[1]} fails: AssertionError" in again.stdout


def test_marker_sample_defines_a_test() -> None:
    result = run_python(_python_blocks()[1] + "\ntest_counter()\n", timeout=60)
    assert result.returncode == 0, result.stderr


def test_inversion_sample_proves_a_deadlock() -> None:
    result = run_python(
        _python_blocks()[2], env={"ANYTHREAD_BACKEND": "debug:cooperative"}, timeout=120
    )
    assert result.returncode == 1
    excerpt = _blocks("text")[1]
    assert "$ ANYTHREAD_BACKEND=debug:cooperative python abba.py" in excerpt
    printed = _lines(result.stderr)
    for line in _shown(excerpt):
        assert line in printed, f"{line!r} is not printed:\n{result.stderr}"
