"""Every code sample of the docs (``docs/**/*.rst``) and of ``README.md`` runs.

What counts as a sample:

* an rst ``.. code-block:: python`` (or ``py``, ``python3``; also ``.. code::`` and
  ``.. sourcecode::``) and a Markdown ```` ```python ```` fence: run as a script, in a
  subprocess of its own (so each chooses its own backend), from an empty directory,
  bounded; it must exit 0 and write nothing to stderr;
* an rst ``.. code-block:: pycon`` (or a Markdown ```` ```pycon ```` fence): run as a
  doctest, with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``, in a subprocess of its own.

A sample that is deliberately not runnable (a plugin's ``pyproject.toml``, a shell
command, a report) is simply not a python block: ``toml``, ``console``, ``text``.  A bare
rst literal block (``::``) whose text is Python code, or a ``>>>`` session, is an error:
give it its language so that it runs.

A sample that needs a backend or checks its output says so in a comment right before
the block, in rst::

    .. anythread-sample: backend=stdlib,pure,cooperative stdout="4000"

and in Markdown ``<!-- anythread-sample: backend=cooperative -->``.  The settings
(shell-quoted ``key=value`` words):

``backend=NAME[,NAME...]``
    run the sample once per backend, with ``ANYTHREAD_BACKEND=NAME``; a backend that is
    not installed here is skipped, saying so;
``requires=NAME[,NAME...]``
    skip unless these backends are installed (for a sample that takes one with
    ``anythread.get_backend``);
``stdout=TEXT``
    the sample's output must contain ``TEXT``;
``status=N``
    a sample that shows a failure (an uncaught error, a report): it must exit with
    status ``N``, and it may write to stderr;
``stderr=TEXT``
    its stderr must contain ``TEXT``.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import ROOT

import anythread

PYTHON_LANGS = {"python", "py", "python3"}
PYCON_LANGS = {"pycon"}
SETTING = "anythread-sample:"
SETTINGS = ("backend", "requires", "stdout", "status", "stderr")
TIMEOUT = 60


@dataclass(frozen=True)
class Sample:
    """One code sample: where it is, its language, its code, and its settings."""

    source: str
    line: int
    lang: str
    code: str
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class BareLiteral:
    """An rst ``::`` literal block, kept to check it is not a sample in disguise."""

    source: str
    line: int
    text: str


def parse_settings(text: str, where: str) -> dict[str, str]:
    settings = {}
    for word in shlex.split(text):
        key, sep, value = word.partition("=")
        if not sep or key not in SETTINGS:
            raise ValueError(
                f"{where}: unknown sample setting {word!r}: expected one of "
                f"{', '.join(k + '=' for k in SETTINGS)} (see tests/test_doc_samples.py)"
            )
        if key == "status" and not value.isdigit():
            raise ValueError(f"{where}: status={value!r} is not an exit status")
        settings[key] = value
    return settings


def _indented_block(lines: list[str], start: int, indent: int) -> tuple[str, int]:
    """The block of lines from ``start`` indented deeper than ``indent`` (blank lines
    inside it included), dedented; and the index after it."""
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return textwrap.dedent("\n".join(lines[start:end])) + "\n", end


_DIRECTIVE = re.compile(r"^(\s*)\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*$")
_SETTING_RST = re.compile(r"^\s*\.\. " + re.escape(SETTING) + r"(.*)$")


def rst_samples(text: str, source: str) -> tuple[list[Sample], list[BareLiteral]]:
    """The code blocks and the bare literal blocks of an rst document."""
    lines = text.splitlines()
    samples: list[Sample] = []
    bare: list[BareLiteral] = []
    settings: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := _SETTING_RST.match(line):
            settings = parse_settings(m[1], f"{source}:{i + 1}")
            i += 1
            continue
        if m := _DIRECTIVE.match(line):
            indent, lang = len(m[1]), m[2].lower()
            j = i + 1
            while j < len(lines) and re.match(r"^\s+:[\w-]+:", lines[j]):  # options
                j += 1
            code, end = _indented_block(lines, j, indent)
            samples.append(Sample(source, i + 1, lang, code, settings))
            settings = {}
            i = end
            continue
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            indent = len(line) - len(line.lstrip())
            code, end = _indented_block(lines, i + 1, indent)
            bare.append(BareLiteral(source, i + 2, code))
            i = max(end, i + 1)
            continue
        if line.strip():
            settings = {}  # a setting applies to the block right after it only
        i += 1
    return samples, bare


_FENCE = re.compile(r"^```(\w*)\s*$")
_SETTING_MD = re.compile(r"^<!--\s*" + re.escape(SETTING) + r"(.*?)-->\s*$")


def markdown_samples(text: str, source: str) -> list[Sample]:
    """The fenced code blocks of a Markdown document."""
    lines = text.splitlines()
    samples: list[Sample] = []
    settings: dict[str, str] = {}
    i = 0
    while i < len(lines):
        if m := _SETTING_MD.match(lines[i]):
            settings = parse_settings(m[1], f"{source}:{i + 1}")
        elif m := _FENCE.match(lines[i]):
            end = lines.index("```", i + 1)
            code = "\n".join(lines[i + 1 : end]) + "\n"
            samples.append(Sample(source, i + 1, m[1].lower(), code, settings))
            settings = {}
            i = end
        elif lines[i].strip():
            settings = {}
        i += 1
    return samples


def looks_like_python(text: str) -> bool:
    """Whether a bare literal block is Python code (or a ``>>>`` session)."""
    if re.search(r"^>>> ", text, re.M):
        return True
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    statements = (
        ast.Import,
        ast.ImportFrom,
        ast.FunctionDef,
        ast.ClassDef,
        ast.For,
        ast.With,
        ast.While,
        ast.If,
        ast.Assign,
        ast.AugAssign,
    )
    return any(
        isinstance(node, statements)
        or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
        for node in ast.walk(tree)
    )


def documents() -> list[Path]:
    docs = [p for p in sorted((ROOT / "docs").rglob("*.rst")) if "_build" not in p.parts]
    return [ROOT / "README.md", *docs]


def collect() -> tuple[list[Sample], list[BareLiteral]]:
    samples: list[Sample] = []
    bare: list[BareLiteral] = []
    for path in documents():
        source = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            samples += markdown_samples(text, source)
        else:
            found, literals = rst_samples(text, source)
            samples += found
            bare += literals
    return samples, bare


SAMPLES, BARE = collect()
RUNNABLE = [s for s in SAMPLES if s.lang in PYTHON_LANGS | PYCON_LANGS]


def runs() -> list[object]:
    """One pytest param per (sample, backend)."""
    params = []
    for sample in RUNNABLE:
        backends = (
            sample.settings.get("backend", "").split(",") if "backend" in sample.settings else [""]
        )
        for backend in backends:
            suffix = f"[{backend}]" if backend else ""
            params.append(pytest.param(sample, backend, id=f"{sample.where}{suffix}"))
    return params


DOCTEST_RUNNER = """
import doctest, sys
text = open(sys.argv[1], encoding="utf-8").read()
test = doctest.DocTestParser().get_doctest(text, {}, sys.argv[2], sys.argv[2], 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
runner.run(test)
sys.exit(1 if runner.failures else 0)
"""


def run_sample(sample: Sample, backend: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    if backend:
        env["ANYTHREAD_BACKEND"] = backend
    script = folder / "sample.py"
    script.write_text(sample.code, encoding="utf-8")
    if sample.lang in PYCON_LANGS:
        command = [sys.executable, "-c", DOCTEST_RUNNER, str(script), sample.where]
    else:
        command = [sys.executable, str(script)]
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


@pytest.mark.parametrize(("sample", "backend"), runs())
def test_sample_runs(sample: Sample, backend: str, tmp_path: Path) -> None:
    installed = {info.name for info in anythread.list_backends() if info.available}
    needed = [backend.split(":")[0]] if backend else []
    needed += [n for n in sample.settings.get("requires", "").split(",") if n]
    missing = [n for n in needed if n.split(":")[0] not in installed]
    if missing:
        pytest.skip(f"{sample.where} needs backend(s) not installed here: {', '.join(missing)}")
    result = run_sample(sample, backend, tmp_path)
    report = (
        f"{sample.where} ({sample.lang}):\n{sample.code}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    status = int(sample.settings.get("status", "0"))
    assert result.returncode == status, report
    if status == 0 and "stderr" not in sample.settings:
        assert result.stderr == "", report
    if "stdout" in sample.settings:
        assert sample.settings["stdout"] in result.stdout, report
    if "stderr" in sample.settings:
        assert sample.settings["stderr"] in result.stderr, report


@pytest.mark.parametrize("literal", BARE, ids=lambda b: f"{b.source}:{b.line}")
def test_bare_literal_block_is_not_code(literal: BareLiteral) -> None:
    assert not looks_like_python(literal.text), (
        f"{literal.source}:{literal.line} is Python in a bare '::' block, which no test "
        "runs: write it as '.. code-block:: python' (or 'pycon' for a >>> session) so "
        f"that it runs, or as 'text' if it is not code:\n{literal.text}"
    )


class TestCollector:
    """The collector itself: a bug here would make every sample test pass vacuously."""

    def test_finds_the_samples_of_the_readme_and_the_docs(self) -> None:
        where = {s.where.split(":")[0] for s in RUNNABLE}
        assert {"README.md", "docs/index.rst", "docs/getting-started.rst"} <= where
        assert len(RUNNABLE) >= 8

    def test_rst_code_block_with_options_setting_and_nested_indent(self) -> None:
        text = textwrap.dedent(
            """\
            Title
            =====

            .. anythread-sample: backend=pure,cooperative stdout="4 000"

            .. code-block:: python
               :caption: a caption

               def f():
                   return 1

               print(f())

            Text after.

            .. code-block:: console

               $ make tour

            A paragraph::

                x = compute()

            .. code-block:: python

               print("no settings")
            """
        )
        samples, bare = rst_samples(text, "t.rst")
        assert [(s.line, s.lang) for s in samples] == [
            (6, "python"),
            (16, "console"),
            (24, "python"),
        ]
        assert samples[0].code == "def f():\n    return 1\n\nprint(f())\n"
        assert samples[0].settings == {"backend": "pure,cooperative", "stdout": "4 000"}
        assert samples[2].settings == {}
        assert [b.text for b in bare] == ["x = compute()\n"]
        assert looks_like_python(bare[0].text)

    def test_a_setting_applies_to_the_next_block_only(self) -> None:
        text = (
            ".. anythread-sample: requires=cooperative\n\nA paragraph.\n\n"
            ".. code-block:: python\n\n   pass\n"
        )
        samples, _ = rst_samples(text, "t.rst")
        assert samples[0].settings == {}

    def test_markdown_fences_and_settings(self) -> None:
        text = (
            "# T\n\n<!-- anythread-sample: backend=debug -->\n```python\nprint(1)\n```\n\n"
            "```console\nmake test\n```\n"
        )
        samples = markdown_samples(text, "t.md")
        assert [(s.lang, s.code, s.settings) for s in samples] == [
            ("python", "print(1)\n", {"backend": "debug"}),
            ("console", "make test\n", {}),
        ]

    def test_unknown_setting_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="unknown sample setting 'backends=pure'"):
            parse_settings("backends=pure", "t.rst:1")
        with pytest.raises(ValueError, match="status='one' is not an exit status"):
            parse_settings("status=one", "t.rst:1")

    def test_a_sample_that_shows_a_failure(self, tmp_path: Path) -> None:
        settings = parse_settings('status=1 stderr="ZeroDivisionError"', "t.rst:1")
        sample = Sample("t.rst", 1, "python", "1 / 0\n", settings)
        test_sample_runs(sample, "", tmp_path)  # passes: the failure is the one shown
        wrong = Sample("t.rst", 1, "python", "print('fine')\n", settings)
        with pytest.raises(AssertionError, match=r"t\.rst:1"):
            test_sample_runs(wrong, "", tmp_path)

    @pytest.mark.parametrize(
        "text",
        [
            "deadlock: every green thread is blocked\n  thread 'two' (started at app.py:14)\n",
            "replay: ANYTHREAD_SCHEDULE=fifo\n",
            "start + join 1000 green threads   28.8 ms   14.8 ms   1.95x\n",
        ],
    )
    def test_reports_and_tables_are_not_code(self, text: str) -> None:
        assert not looks_like_python(text)

    @pytest.mark.parametrize(
        ("lang", "code"),
        [("python", "raise SystemExit('broken')\n"), ("pycon", ">>> 1 + 1\n3\n")],
    )
    def test_a_broken_sample_fails(self, lang: str, code: str, tmp_path: Path) -> None:
        result = run_sample(Sample("t.rst", 1, lang, code), "", tmp_path)
        assert result.returncode != 0

    def test_a_session_in_a_bare_block_is_code(self) -> None:
        assert looks_like_python(">>> anythread.from_kernel(object(), 'broken')\n")
