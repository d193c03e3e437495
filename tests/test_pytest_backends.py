"""``pytest --anythread-backends``: a project's own tests on every backend.

Each test runs pytest in a subprocess on a small project (the plugin starts child pytest
processes, one per backend) and reads the outcome of every test id from ``-rA``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TIMEOUT = 180  # seconds; several pytest processes on a loaded machine

TESTS = """
import anythread as threading
import pytest


def test_counter():
    count = 0
    lock = threading.Lock()

    def work():
        nonlocal count
        for _ in range(200):
            with lock:
                count += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert count == 800


def test_fails_on_pure_only(anythread_backend):
    assert anythread_backend != "pure", "only pure fails"


def test_facade_serves_the_ids_backend(anythread_backend):
    assert threading.current_backend().name == anythread_backend
    assert threading.Lock is threading.get_backend(anythread_backend).Lock


@pytest.mark.anythread_backends("debug")
def test_debug_only(anythread_backend):
    assert anythread_backend == "debug"
"""

_NEEDY = """
import anythread

class _Plugin:
    @anythread.hookimpl
    def anythread_backends(self):
        return [anythread.BackendSpec("needy", "at_needy:make", requires=("at-absent-dist",))]

plugin = _Plugin()

def make():
    from anythread_backends.stdlib import StdlibBackend
    return StdlibBackend(name="needy")
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "test_demo.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:randomly\n")
    site = tmp_path / "site"
    site.mkdir()
    info = site / "anythread_needy-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: anythread-needy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[anythread]\nneedy = at_needy:plugin\n")
    (site / "at_needy.py").write_text(textwrap.dedent(_NEEDY))
    return tmp_path


def pytest_run(project: Path, *args: str) -> tuple[int, dict[str, str], str]:
    """Run pytest in ``project``; return its status, ``{test id: outcome}`` and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    env["PYTHONPATH"] = str(project / "site")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-rA", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    outcomes = {}
    for line in done.stdout.splitlines():
        found = re.match(r"test_\w+\.py::(\S+) (PASSED|FAILED|SKIPPED|ERROR)\b", line)
        if found:
            outcomes[found[1]] = found[2]
    return done.returncode, outcomes, done.stdout + done.stderr


XDIST = pytest.mark.parametrize(
    "xdist",
    [
        pytest.param([], id="serial"),
        # a child with two xdist workers per backend: several seconds
        pytest.param(["-n", "2"], id="xdist", marks=pytest.mark.slow),
    ],
)


@XDIST
def test_each_backend_is_its_own_test_id(tmp_path: Path, xdist: list[str]) -> None:
    status, outcomes, output = pytest_run(
        _project(tmp_path), "--anythread-backends=stdlib,pure,debug", *xdist
    )
    assert status == 1, output
    expected = {
        f"{test}[{backend}]": "PASSED"
        for test in (
            "test_counter",
            "test_fails_on_pure_only",
            "test_facade_serves_the_ids_backend",
        )
        for backend in ("stdlib", "pure", "debug")
    }
    expected["test_fails_on_pure_only[pure]"] = "FAILED"  # on that backend only
    expected["test_debug_only[debug]"] = "PASSED"  # the marker keeps it to debug
    assert outcomes == expected, output
    assert "only pure fails" in output
    assert "1 failed, 9 passed" in output


@XDIST
def test_unavailable_backend_is_a_skip_with_the_reason(tmp_path: Path, xdist: list[str]) -> None:
    status, outcomes, output = pytest_run(
        _project(tmp_path), "--anythread-backends=needy,debug", "-k", "counter", *xdist
    )
    assert status == 0, output
    assert outcomes == {"test_counter[needy]": "SKIPPED", "test_counter[debug]": "PASSED"}
    assert "anythread backend 'needy' is not available: requires at-absent-dist" in output


def test_keyword_selection_reaches_the_children(tmp_path: Path) -> None:
    status, outcomes, output = pytest_run(
        _project(tmp_path), "--anythread-backends=pure,debug", "-k", "pure_only and debug"
    )
    assert status == 0, output
    assert outcomes == {"test_fails_on_pure_only[debug]": "PASSED"}
    assert "1 passed, 6 deselected" in output


def test_unknown_backend_is_a_usage_error(tmp_path: Path) -> None:
    status, _, output = pytest_run(_project(tmp_path), "--anythread-backends=pure,nosuch")
    assert status == 4, output
    assert "--anythread-backends: no such backend 'nosuch'" in output


def test_inert_without_the_option(tmp_path: Path) -> None:
    status, outcomes, output = pytest_run(_project(tmp_path), "-k", "counter or facade")
    assert status == 0, output
    # No parametrization; the facade serves the default backend.
    assert outcomes == {"test_counter": "PASSED", "test_facade_serves_the_ids_backend": "PASSED"}


def test_a_child_that_dies_fails_its_tests_with_its_output(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "test_crash.py").write_text(
        "import os\n\n"
        "def test_crash(anythread_backend):\n"
        "    if anythread_backend == 'pure':\n"
        "        print('about to die', flush=True)\n"
        "        os._exit(3)\n"
    )
    status, outcomes, output = pytest_run(
        project, "--anythread-backends=pure,debug", "-s", "test_crash.py"
    )
    assert status == 1, output
    assert outcomes == {"test_crash[pure]": "FAILED", "test_crash[debug]": "PASSED"}
    assert (
        "the child pytest of backend 'pure' (exit status 3) did not report this test to its end"
        in output
    )
    assert "about to die" in output


def test_exitfirst_stops_every_backend(tmp_path: Path) -> None:
    status, outcomes, output = pytest_run(
        _project(tmp_path), "--anythread-backends=pure,debug", "-x", "test_demo.py"
    )
    assert status == 1, output
    assert outcomes == {
        "test_counter[pure]": "PASSED",
        "test_fails_on_pure_only[pure]": "FAILED",
    }, output
    assert "stopping after 1 failures" in output


SKIPS = """
import pytest


def test_skips_on_pure(anythread_backend):
    if anythread_backend == "pure":
        pytest.skip("not on pure")


@pytest.mark.anythread_backends("cooperative")
def test_cooperative_only(anythread_backend):
    raise AssertionError("ran on " + anythread_backend)


@pytest.mark.anythread_backends("debug")
def test_debug_family(anythread_backend):
    assert anythread_backend == "debug:pure"
"""


def test_a_skip_in_a_child_and_a_marker_naming_none_reach_every_summary(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "test_skip.py").write_text(SKIPS)
    status, outcomes, output = pytest_run(
        project,
        "--anythread-backends=stdlib,pure,debug:pure",
        "--junitxml=junit.xml",
        "test_skip.py",
    )
    assert status == 0, output
    assert "INTERNALERROR" not in output
    assert outcomes == {
        "test_skips_on_pure[stdlib]": "PASSED",
        # skipped in its child: the skip's (path, line, reason) reaches -rA and junit
        "test_skips_on_pure[pure]": "SKIPPED",
        "test_skips_on_pure[debug:pure]": "PASSED",
        # the marker names none of the option's backends: skipped, not run anywhere
        "test_cooperative_only": "SKIPPED",
        # "debug" keeps the option's debug:pure
        "test_debug_family[debug:pure]": "PASSED",
    }, output
    assert "SKIPPED [1] test_skip.py:7: not on pure" in output
    assert (
        "@pytest.mark.anythread_backends keeps this test to cooperative; "
        "--anythread-backends names stdlib, pure, debug:pure" in output
    )
    junit = (project / "junit.xml").read_text()
    assert 'message="not on pure"' in junit
    assert "3 passed, 2 skipped" in output
