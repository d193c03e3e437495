"""Section 16.2.4: Condition edge cases that the mutation run found unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from anythread_contract._support import (
    LATE,
    LONG,
    SHORT,
    elapsed,
    run_script,
    settle,
    spawn,
    wait_until,
)

clause = pytest.mark.clause


def _start_waiters(backend: Any, cond: Any, count: int, timeout: float = LONG) -> list[bool]:
    """Start ``count`` threads waiting on ``cond``; return (once all wait) the list that
    each appends wait()'s result to when it returns.

    A waiter counts itself while holding the lock and then waits, which releases the lock
    atomically: once the caller holds the lock and sees every waiter counted, all of them
    are inside wait().
    """
    ready: list[int] = []
    woken: list[bool] = []

    def body(i: int) -> None:
        with cond:
            ready.append(i)
            woken.append(cond.wait(timeout))

    for i in range(count):
        spawn(backend, body, i)

    def all_waiting() -> bool:
        with cond:
            return len(ready) == count

    wait_until(backend, all_waiting, what=f"{count} threads to wait")
    return woken


class TestConditionEdges:
    @clause("COND-NOTIFY-ONE-01")
    def test_notify_without_argument_wakes_exactly_one(self, backend: Any) -> None:
        cond = backend.Condition()
        woken = _start_waiters(backend, cond, 3)
        with cond:
            cond.notify()
        wait_until(backend, lambda: woken, what="the notified waiter")
        settle(backend, 0.1)
        assert woken == [True], "notify() woke more than one thread"
        with cond:
            cond.notify_all()
        wait_until(backend, lambda: len(woken) == 3, what="the other waiters")

    @clause("COND-NOTIFY-NONPOSITIVE-01")
    @pytest.mark.parametrize("n", [0, -1])
    def test_notify_zero_or_negative_wakes_nobody(self, backend: Any, n: int) -> None:
        cond = backend.Condition()
        woken = _start_waiters(backend, cond, 2)
        with cond:
            try:
                cond.notify(n)
            except ValueError:
                assert n < 0, "notify(0) raised ValueError"  # CPython < 3.13 for n < 0
        settle(backend, 0.1)
        assert woken == [], f"notify({n}) woke a thread"
        with cond:
            cond.notify_all()
        wait_until(backend, lambda: len(woken) == 2, what="the waiters")

    @clause("COND-WAIT-STALE-01")
    def test_timed_out_waiter_takes_no_later_notification(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond:
            assert cond.wait(SHORT) is False  # this thread waited and left
        woken = _start_waiters(backend, cond, 1)
        with cond:
            cond.notify()
        wait_until(backend, lambda: woken, what="the waiting thread to be notified")
        assert woken == [True]

    @clause("COND-WAIT-TIMEOUT-NOTIFY-01")
    def test_waiter_chosen_after_its_timeout_returns_false(self, backend: Any) -> None:
        cond = backend.Condition()
        entered = backend.Event()

        def body() -> Any:
            with cond:
                entered.set()
                return cond.wait(SHORT)

        worker = spawn(backend, body)
        assert entered.wait(LONG)
        with cond:  # the waiter is inside wait() once this thread holds the lock
            # Let its timeout expire while it cannot take the lock back, then notify:
            # notify() may pick it although it is no longer waiting.
            backend.sleep(SHORT + 0.05)
            cond.notify()
        assert worker.join() is False

    @clause("COND-WAIT-INTERRUPT-01")
    def test_interrupted_waiter_takes_no_later_notification(
        self, backend: Any, backend_name: str
    ) -> None:
        proc = run_script(
            backend_name,
            """
import signal
import anythread as threading
def handler(signum, frame):
    raise KeyboardInterrupt
signal.signal(signal.SIGALRM, handler)
cond = threading.Condition()
with cond:
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        cond.wait(30)
        print("not interrupted")
    except KeyboardInterrupt:
        print("interrupted")
ready = threading.Event()
results = []
def waiter():
    with cond:
        ready.set()
        results.append(cond.wait(10))
thread = threading.Thread(target=waiter)
thread.start()
ready.wait(30)
with cond:
    cond.notify()
thread.join(30)
print(results)
""",
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["interrupted", "[True]"], proc.stdout

    @clause("COND-WAITFOR-DEADLINE-01")
    def test_wait_for_gives_up_at_its_deadline(self, backend: Any) -> None:
        # Ten short wait_for() calls in a row: a wait that oversleeps its deadline by
        # even a fraction of a second adds up past the suite's tolerance.
        cond = backend.Condition()
        calls = 0

        def never() -> bool:
            nonlocal calls
            calls += 1
            return False

        with cond, elapsed() as clock:
            for _ in range(10):
                assert cond.wait_for(never, SHORT / 5) is False
        assert clock.seconds < 10 * SHORT / 5 + LATE, f"took {clock.seconds:.2f}s"
        assert calls <= 10 * 3, f"the predicate was evaluated {calls} times: polling"

    @clause("COND-WAIT-07")
    @pytest.mark.parametrize("timeout", [-0.5, -1e-9, -1, -2.5])
    def test_negative_timeouts_do_not_block(self, backend: Any, timeout: float) -> None:
        # Any negative timeout is one that has already expired, including those between
        # -1 and 0, for every kind of wait.
        cond = backend.Condition()
        with cond:
            assert cond.wait(timeout) is False
            assert cond.wait_for(lambda: False, timeout) is False
        assert backend.Event().wait(timeout) is False
        assert backend.Semaphore(0).acquire(True, timeout) is False
