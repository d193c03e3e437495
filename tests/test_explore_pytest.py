"""The pytest plugin of schedule search: the ``anythread_explore`` marker and
``--anythread-replay``, through pytester (each in a subprocess: the facade chooses one
backend per process)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("greenlet")

pytest_plugins = ["pytester"]

TESTS = """
import pytest
import anythread as threading


def bump_twice():
    lock = threading.Lock()
    counter = [0]

    def bump():
        with lock:
            value = counter[0]
        with lock:
            counter[0] = value + 1

    workers = [threading.Thread(target=bump) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counter[0]


@pytest.mark.anythread_explore(runs=200, schedule="random", shorten=3)
def test_lost_update():
    assert bump_twice() == 2


@pytest.mark.anythread_explore(runs=30)
def test_correct(tmp_path):
    lock = threading.Lock()
    counter = [0]

    def bump():
        with lock:
            counter[0] += 1

    workers = [threading.Thread(target=bump) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert counter[0] == 3
    assert tmp_path.exists()  # fixtures reach the body


def test_unmarked():
    assert bump_twice() == 2  # one plain FIFO run: the plugin leaves it alone
"""


def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANYTHREAD_BACKEND", "ANYTHREAD_SCHEDULE", "ANYTHREAD_CLOCK"):
        monkeypatch.delenv(name, raising=False)


def test_marker_finds_the_bug_and_prints_its_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    pytester.makepyfile(test_counter=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "test_lost_update" in out
    assert "ExploreFailure" in out
    assert "AssertionError" in out
    match = re.search(r"--anythread-replay '(replay:[^']*)'", out)
    assert match, out
    # The printed line reruns exactly that schedule: the same failure, in one run.
    line = match.group(1)
    again = pytester.runpytest_subprocess(
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        f"--anythread-replay={line}",
        "test_counter.py::test_lost_update",
    )
    again.assert_outcomes(failed=1)
    assert f"the replayed schedule {line} fails: AssertionError" in again.stdout.str()


def test_replay_of_a_passing_line_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    pytester.makepyfile(test_counter=TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", "--anythread-replay=fifo"
    )
    result.assert_outcomes(passed=3)


def test_marker_is_registered_and_option_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*anythread_explore(runs=100*"])
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--anythread-replay=LINE*"])


def test_marker_takes_keywords_only(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.anythread_explore(10)
        def test_x():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])


def test_plugin_is_inert_without_the_marker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    pytester.makepyfile(
        """
        import sys
        import anythread

        def test_nothing_chosen_nothing_loaded():
            assert not anythread.current_backend().fixed
            assert "anythread_backends.cooperative" not in sys.modules
            assert "greenlet" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)


def test_marked_tests_skip_on_other_backends(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    monkeypatch.setenv("ANYTHREAD_BACKEND", "stdlib")
    pytester.makepyfile(
        """
        import pytest
        import anythread as threading

        def test_first():
            threading.Lock()  # the facade now serves stdlib

        @pytest.mark.anythread_explore(runs=5)
        def test_search():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*anythread_explore: *serves backend 'stdlib'*"])


@pytest.mark.parametrize("line", ["garbage", "pct:x", "pct:1:0"])
def test_malformed_replay_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    _env(monkeypatch)
    pytester.makepyfile(test_counter=TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", f"--anythread-replay={line}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert f"--anythread-replay {line!r} is not a schedule line" in err
    assert "'replay:DECISIONS'" in err
    assert "'pct:SEED:DEPTH'" in err
    assert "ANYTHREAD_SCHEDULE" not in err + result.stdout.str()
    assert "test_lost_update" not in result.stdout.str()  # no test ran, none is blamed


def test_empty_replay_runs_the_search(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --anythread-replay '' is the option left out, as explore(fn, replay='') is.
    _env(monkeypatch)
    pytester.makepyfile(test_counter=TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", "--anythread-replay="
    )
    result.assert_outcomes(passed=2, failed=1)
    assert "of 200 failed under schedule random:" in result.stdout.str()
