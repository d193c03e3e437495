"""CPython's own lock tests (``test.lock_tests``) against anythread's backends.

CPython tests its Lock, RLock, Event, Condition, Semaphore, BoundedSemaphore and Barrier
with the generic test classes of ``test.lock_tests``, shipped with the interpreter; its
``test_threading`` subclasses them with ``threading``'s classes.  This script does the
same with each backend's classes (``b = anythread.get_backend(NAME)``; ``b.Lock``, ...,
and ``ConditionAsRLockTests``: the RLock tests run on ``b.Condition``, as test_threading
does).  lock_tests' helper threads stay real OS threads (``_thread.start_new_thread``).

Each backend runs in a child process of its own (this script again, two at a time) under
a whole-run timeout, with ``faulthandler`` printing every thread's stack if it hangs.
The ``stdlib`` backend always runs too, as the baseline.  The script prints each
backend's counts and exits 0 only if every backend's outcomes equal the baseline's,
apart from the differences listed in ``KNOWN`` with their reason (and a listed
difference that is gone is reported too, so the list stays true).  Without the ``test``
package (some distributions leave it out) it says so and exits 0, skipped.

Usage: python tests/thirdparty/check_cpython_lock_tests.py [BACKEND ...] [--logs DIR]
"""

from __future__ import annotations

import argparse
import faulthandler
import fnmatch
import importlib
import os
import subprocess
import sys
import time
import traceback
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

BASELINE = "stdlib"
BACKENDS = ("pure", "cooperative", "debug", "debug:cooperative")
TIMEOUT = 300
JOBS = 2  # children at once

#: (lock_tests class, class name here, attribute it reads, backend attribute)
CLASSES = (
    ("LockTests", "LockTests", "locktype", "Lock"),
    ("RLockTests", "RLockTests", "locktype", "RLock"),
    ("RLockTests", "ConditionAsRLockTests", "locktype", "Condition"),
    ("EventTests", "EventTests", "eventtype", "Event"),
    ("ConditionTests", "ConditionTests", "condtype", "Condition"),
    ("SemaphoreTests", "SemaphoreTests", "semtype", "Semaphore"),
    ("BoundedSemaphoreTests", "BoundedSemaphoreTests", "semtype", "BoundedSemaphore"),
    ("BarrierTests", "BarrierTests", "barriertype", "Barrier"),
)


class Known(NamedTuple):
    """An expected difference from the baseline."""

    reason: str
    first: tuple[int, int] = (3, 10)  # the Pythons it shows on (inclusive)
    last: tuple[int, int] = (3, 99)
    sometimes: bool = False  # it depends on timing: a run without it is not "gone"


SEMANTICS = "pure cooperative debug:pure debug:cooperative"  # their Condition, Event
COOPERATIVE = "cooperative debug:cooperative"
COOPERATIVE_310_BARRIER = Known(
    "Python 3.10's Bunch does not wait for its _thread helper threads to start, and"
    " this Barrier has no timeout: a green thread waiting for threads that have not used"
    " the backend yet gets a false DeadlockError (docs/cooperative.rst, 'Mixing with real"
    " OS threads'), as may the helpers; those left blocked fail the next test's"
    " wait_threads_exit",
    last=(3, 10),
    sometimes=True,
)

#: Differences from the baseline: {(backends, test id): Known(...)}.  ``backends`` is a
#: space-separated list of fnmatch patterns ("debug*" is debug over any backend).
KNOWN: dict[tuple[str, str], Known] = {
    (SEMANTICS, "ConditionAsRLockTests.test_release_save_unacquired"): Known(
        "calls Condition._release_save(), a private method of threading's Condition"
    ),
    (SEMANTICS, "EventTests.test_at_fork_reinit"): Known(
        "reads Event._cond, the private Condition inside threading's Event"
    ),
    ("debug*", "LockTests.test_at_fork_reinit"): Known(
        "debug's Lock has no _at_fork_reinit, a private method (under `anythread run`"
        " the threading facade's Lock adds it)"
    ),
    ("debug", "LockTests.test_thread_leak"): Known(
        "Python 3.10's test counts threading.enumerate(): debug names a _thread thread"
        " that takes its Lock by stdlib's current_thread(), which lists a dummy thread"
        " for it for good (docs/debug.rst)",
        last=(3, 10),
    ),
    (COOPERATIVE, "BarrierTests.test_action"): COOPERATIVE_310_BARRIER,
    (COOPERATIVE, "BarrierTests.test_abort_and_reset"): COOPERATIVE_310_BARRIER,
    (COOPERATIVE, "BarrierTests.test_barrier"): COOPERATIVE_310_BARRIER,
}


def _known(backend: str, test: str) -> Known | None:
    """The expected difference of ``test`` on ``backend`` on this Python, or None."""
    for (patterns, known_test), known in KNOWN.items():
        matches = any(fnmatch.fnmatchcase(backend, p) for p in patterns.split())
        if known_test == test and matches and known.first <= sys.version_info[:2] <= known.last:
            return known
    return None


# ------------------------------------------------------------------------------ child


def _suite(backend_name: str) -> unittest.TestSuite:
    import anythread

    lock_tests = importlib.import_module("test.lock_tests")
    backend = anythread.get_backend(backend_name)
    suite = unittest.TestSuite()
    for base_name, name, attribute, kind in CLASSES:
        base = getattr(lock_tests, base_name)
        namespace: dict[str, Any] = {attribute: staticmethod(getattr(backend, kind))}
        if name == "ConditionAsRLockTests" and hasattr(base, "test_recursion_count"):
            # As test_threading does: Condition has no _recursion_count().
            def test_recursion_count(self: unittest.TestCase) -> None:
                self.skipTest("Condition does not expose _recursion_count()")

            namespace["test_recursion_count"] = test_recursion_count
        case = type(name, (base,), namespace)
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    return suite


def _test_id(test: unittest.TestCase) -> str:
    return f"{type(test).__name__}.{test._testMethodName}"


class _Result(unittest.TestResult):
    """Prints ``OUTCOME test_id`` on stdout per test, and what went wrong on stderr."""

    def startTest(self, test: unittest.TestCase) -> None:
        super().startTest(test)
        self.outcome = "PASS"

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        print(f"{self.outcome} {_test_id(test)}", flush=True)

    def _note(self, outcome: str, test: unittest.TestCase, detail: str) -> None:
        if self.outcome in ("PASS", "SKIP") or outcome == "FAIL":
            self.outcome = outcome
        print(f"===== {outcome} {_test_id(test)}\n{detail}", file=sys.stderr, flush=True)

    def addError(self, test: Any, err: Any) -> None:
        self._note("ERROR", test, _format(err))

    def addFailure(self, test: Any, err: Any) -> None:
        self._note("FAIL", test, _format(err))

    def addSkip(self, test: Any, reason: str) -> None:
        self._note("SKIP", test, reason)

    def addSubTest(self, test: Any, subtest: Any, err: Any) -> None:
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._note("FAIL" if failed else "ERROR", subtest, _format(err))


def _format(err: Any) -> str:
    return "".join(traceback.format_exception(*err))


def _child(backend_name: str) -> int:
    # A hang prints every thread's stack and ends the child before the parent's timeout.
    faulthandler.dump_traceback_later(TIMEOUT - 30, exit=True)
    _suite(backend_name).run(_Result())
    faulthandler.cancel_dump_traceback_later()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # without waiting for a leftover helper thread


# ----------------------------------------------------------------------------- parent


class Run(NamedTuple):
    """One backend's child: {test id: outcome}, its time, and why it ended badly if so."""

    outcomes: dict[str, str]
    elapsed: float
    trouble: str


def _run_child(backend: str, logs: Path | None) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    log = logs / f"{backend.replace(':', '+')}.log" if logs else None
    return run_command([sys.executable, __file__, "--child", backend], env, log)


def run_command(
    command: list[str], env: dict[str, str], log: Path | None, timeout: float = TIMEOUT
) -> Run:
    """Run a child that prints ``OUTCOME test_id`` per test (:class:`_Result`), under
    ``timeout``; its output goes to ``log`` if given."""
    started = time.monotonic()
    try:
        child = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
        stdout, stderr, status = child.stdout, child.stderr, child.returncode
    except subprocess.TimeoutExpired as timeout:
        stdout, stderr, status = _text(timeout.stdout), _text(timeout.stderr), None
    elapsed = time.monotonic() - started
    if log:
        log.write_text(stdout + stderr)
    outcomes = {}
    for line in stdout.splitlines():
        outcome, _, test = line.partition(" ")
        outcomes[test] = outcome
    trouble = ""
    if status != 0:  # a hang (faulthandler's stacks end stderr), a crash, or killed
        tail = "\n".join(f"      {line}" for line in stderr.splitlines()[-25:])
        trouble = f"exit status {status}, stderr ends:\n{tail}"
    return Run(outcomes, elapsed, trouble)


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backends", nargs="*", default=list(BACKENDS), metavar="BACKEND")
    parser.add_argument("--logs", type=Path, help="write each child's output to DIR/BACKEND.log")
    parser.add_argument("--child", metavar="BACKEND", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return _child(options.child)
    try:
        importlib.import_module("test.lock_tests")
    except ImportError as error:
        print(f"skipped: this Python has no test.lock_tests ({error})")
        return 0
    if options.logs:
        options.logs.mkdir(parents=True, exist_ok=True)
    names = [BASELINE, *(b for b in options.backends if b != BASELINE)]
    started = time.monotonic()
    with ThreadPoolExecutor(JOBS) as pool:
        futures = {name: pool.submit(_run_child, name, options.logs) for name in names}
        runs = {name: future.result() for name, future in futures.items()}
    elapsed = time.monotonic() - started
    return _report(runs, elapsed)


def _report(runs: dict[str, Run], elapsed: float) -> int:
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"CPython {version} test.lock_tests on each backend ({elapsed:.0f} s)")
    ok = True
    for name, run in runs.items():
        counts: dict[str, int] = {}
        for outcome in run.outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        summary = " ".join(f"{k.lower()}={v}" for k, v in sorted(counts.items()))
        print(f"  {name:18} {summary or 'no tests'} ({run.elapsed:.0f} s)")
        if run.trouble or not run.outcomes:
            ok = False
            print(f"    {run.trouble}")
    baseline = runs[BASELINE].outcomes
    for backend, run in runs.items():
        if backend == BASELINE:
            continue
        for test in sorted(set(baseline) | set(run.outcomes) | {t for _, t in KNOWN}):
            was, got = baseline.get(test, "missing"), run.outcomes.get(test, "missing")
            known = _known(backend, test)
            if was != got and known:
                print(f"  known    [{backend}] {test}: {got} ({known.reason})")
            elif was != got:
                ok = False
                print(f"  DIFFERS  [{backend}] {test}: {BASELINE} {was}, {got}")
            elif known and not known.sometimes:
                ok = False
                print(f"  GONE     [{backend}] {test}: the known difference is gone; update KNOWN")
    print(f"same results as {BASELINE}" if ok else f"results differ from {BASELINE}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
