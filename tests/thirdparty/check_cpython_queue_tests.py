"""CPython's own queue tests (``test.test_queue``) under ``anythread run``, per backend.

:mod:`queue` is the standard library's most used client of ``threading``: its
``Queue``, ``LifoQueue`` and ``PriorityQueue`` are a lock and three Conditions, with
``wait(timeout)``, ``notify()`` and ``notify_all()``.  Under ``anythread run -b NAME``
those are the backend's objects, and ``test.test_queue`` (shipped with the interpreter)
drives them from many threads at once: blocking and timed ``get``/``put``, ``join`` and
``task_done``, and from 3.13 ``shutdown``.  This script runs that module once with plain
Python and once per run below, at once, each in a child process under a timeout, and
exits 0 only if every run's outcomes equal plain Python's, test by test, apart from the
differences listed in ``KNOWN`` with their reason (and a listed difference that is gone
is reported too).  Without the ``test`` package it says so and exits 0, skipped.

Usage: python tests/thirdparty/check_cpython_queue_tests.py [--logs DIR]
"""

from __future__ import annotations

import argparse
import faulthandler
import fnmatch
import importlib
import os
import sys
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from check_cpython_lock_tests import Run, _Result, run_command

TIMEOUT = 240
JOBS = 4  # children at once (they mostly wait)

#: Each run: (backend, environment added).  "python" is plain Python, the baseline.
RUNS: dict[str, tuple[str, dict[str, str]]] = {
    "pure": ("pure", {}),
    "debug": ("debug", {}),
    "cooperative": ("cooperative", {}),
    "cooperative:virtual": ("cooperative:virtual", {}),
    "debug:cooperative": ("debug:cooperative", {}),
    "random:1": ("cooperative", {"ANYTHREAD_SCHEDULE": "random:1"}),
}


class Known(NamedTuple):
    """A run's expected difference from plain Python, on Pythons ``first`` and on."""

    runs: str  # space-separated fnmatch patterns of run names
    tests: str  # an fnmatch pattern of test ids
    reason: str
    first: tuple[int, int] = (3, 10)
    #: left out of the run (it would hang), rather than run with another outcome
    left_out: bool = False


BUSY_WAIT = (
    "left out: its reader threads poll q.get(False) in a loop that never blocks, and a "
    "green thread runs until it blocks (cooperative: no preemption), so the writers never "
    "get a turn and the test would hang"
)

KNOWN = (
    Known(
        "cooperative cooperative:virtual debug:cooperative",
        "*.test_shutdown*all_methods_in_many_threads",
        BUSY_WAIT,
        first=(3, 13),
        left_out=True,
    ),
)


def _known(run: str, test: str) -> Known | None:
    for known in KNOWN:
        if (
            any(fnmatch.fnmatchcase(run, pattern) for pattern in known.runs.split())
            and fnmatch.fnmatchcase(test, known.tests)
            and sys.version_info[:2] >= known.first
        ):
            return known
    return None


# ------------------------------------------------------------------------------ child


def _tests(suite: unittest.TestSuite) -> list[unittest.TestCase]:
    found: list[unittest.TestCase] = []
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            found.extend(_tests(item))
        else:
            found.append(item)
    return found


def _child(run: str) -> int:
    # A hang prints every thread's stack and ends the child before the parent's timeout.
    faulthandler.dump_traceback_later(TIMEOUT - 30, exit=True)
    module = importlib.import_module("test.test_queue")
    suite = unittest.TestSuite()
    for test in _tests(unittest.defaultTestLoader.loadTestsFromModule(module)):
        test_id = f"{type(test).__name__}.{test._testMethodName}"
        known = _known(run, test_id)
        if not (known and known.left_out):
            suite.addTest(test)
    suite.run(_Result())
    import anythread  # (after the tests: what served their threading)

    print(f"BACKEND {anythread.current_backend().name}", flush=True)
    faulthandler.cancel_dump_traceback_later()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # without waiting for a thread a failed test left behind


# ----------------------------------------------------------------------------- parent


def _run_child(run: str, logs: Path | None) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    command = [sys.executable]
    if run != "python":
        backend, extra = RUNS[run]
        command += ["-m", "anythread", "run", "-b", backend]
        env.update(extra)
    log = logs / f"{run.replace(':', '+')}.log" if logs else None
    child = run_command([*command, __file__, "--child", run], env, log, TIMEOUT)
    # The child's last line names the backend that served its tests.
    served = [test for test, outcome in child.outcomes.items() if outcome == "BACKEND"]
    outcomes = {test: o for test, o in child.outcomes.items() if o != "BACKEND"}
    expected = RUNS[run][0] if run != "python" else "stdlib"
    trouble = child.trouble
    if not trouble and served != [expected]:
        trouble = f"the tests ran on backend {served!r}, not {expected!r}"
    return Run(outcomes, child.elapsed, trouble)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logs", type=Path, help="write each child's output to DIR/RUN.log")
    parser.add_argument("--child", metavar="RUN", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return _child(options.child)
    try:
        importlib.import_module("test.test_queue")
    except ImportError as error:
        print(f"skipped: this Python has no test.test_queue ({error})")
        return 0
    if options.logs:
        options.logs.mkdir(parents=True, exist_ok=True)
    names = ["python", *RUNS]
    started = time.monotonic()
    with ThreadPoolExecutor(JOBS) as pool:
        futures = {name: pool.submit(_run_child, name, options.logs) for name in names}
        runs = {name: future.result() for name, future in futures.items()}
    return _report(runs, time.monotonic() - started)


def _report(runs: dict[str, Run], elapsed: float) -> int:
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"CPython {version} test.test_queue under anythread run ({elapsed:.0f} s)")
    ok = True
    for name, run in runs.items():
        counts: dict[str, int] = {}
        for outcome in run.outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        summary = " ".join(f"{k.lower()}={v}" for k, v in sorted(counts.items()))
        print(f"  {name:19} {summary or 'no tests'} ({run.elapsed:.0f} s)")
        if run.trouble or not run.outcomes:
            ok = False
            print(f"    {run.trouble}")
    baseline = runs["python"].outcomes
    for name, run in runs.items():
        if name == "python":
            continue
        seen: dict[Known, int] = {}  # the known differences, counted
        for test in sorted(set(baseline) | set(run.outcomes)):
            was, got = baseline.get(test, "missing"), run.outcomes.get(test, "missing")
            known = _known(name, test)
            if was != got and known:
                seen[known] = seen.get(known, 0) + 1
            elif was != got:
                ok = False
                print(f"  DIFFERS  [{name}] {test}: python {was}, {got}")
            elif known:
                ok = False
                print(f"  GONE     [{name}] {test}: the known difference is gone; update KNOWN")
        for known, count in seen.items():
            print(f"  known    [{name}] {count} x {known.tests}: {known.reason}")
    print("same results as plain Python" if ok else "results differ from plain Python")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
