"""Promptness (contract version 2): every wakeup the spec promises happens promptly.

Each test leaves one or more threads blocked with a long timeout (the patience,
:data:`~anythread_contract._support.LONG`), does what must wake them (a release, a
notify, a set, an abort, a reset, a cancel, a thread's end) and then requires every
waiter to be running again within :data:`~anythread_contract._support.PROMPT` seconds.
A backend whose wakeup comes only at the waiter's own timeout, or at its next poll,
fails in PROMPT seconds instead of passing after a long wait.  The tests also look at
the state in the middle: a waiter that times out while another still waits, an RLock
released once of twice, two Conditions at once, a set() undone at once by clear().
"""

from __future__ import annotations

from typing import Any

import pytest

from anythread_contract._support import (
    LONG,
    PROMPT,
    SHORT,
    BlockProbe,
    Worker,
    assert_prompt,
    settle,
    spawn,
    wait_until,
)

clause = pytest.mark.clause


def _outcome(call: Any, *args: Any) -> Any:
    """Call ``call(*args)``; return its result or the exception it raised."""
    try:
        return call(*args)
    except Exception as exc:
        return exc


def _cond_waiter(backend: Any, cond: Any, ready: list[int], timeout: float = LONG) -> Worker:
    """A thread that waits on ``cond``; ``ready`` grows, with the lock held, just before
    it waits, so a notifier that takes the lock afterwards finds it waiting."""

    def body() -> bool:
        with cond:
            ready.append(1)
            return bool(cond.wait(timeout))

    return spawn(backend, body)


class TestLocks:
    @clause("LOCK-PROMPT-01")
    def test_release_wakes_a_blocked_acquire(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        started = backend.Event()

        def body() -> bool:
            started.set()
            return bool(lock.acquire(True, LONG))

        worker = spawn(backend, body)
        assert started.wait(LONG)
        settle(backend)
        lock.release()
        assert assert_prompt(backend, [worker], "release()") == [True]
        assert lock.locked()
        lock.release()

    @clause("LOCK-PROMPT-01")
    def test_release_by_a_third_thread_wakes_the_waiter(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        worker = spawn(backend, lock.acquire, True, LONG)
        settle(backend)
        spawn(backend, lock.release).join()
        assert assert_prompt(backend, [worker], "release() in another thread") == [True]

    @clause("RLOCK-PROMPT-01")
    def test_last_release_wakes_a_blocked_acquire(self, backend: Any) -> None:
        rlock = backend.RLock()
        rlock.acquire()
        rlock.acquire()
        started = backend.Event()

        def body() -> bool:
            started.set()
            got = bool(rlock.acquire(True, LONG))
            if got:
                rlock.release()
            return got

        worker = spawn(backend, body)
        assert started.wait(LONG)
        rlock.release()
        settle(backend)
        assert not worker.done, "acquired while the owner still held one level"
        rlock.release()
        assert assert_prompt(backend, [worker], "the last release()") == [True]


class TestCondition:
    @clause("COND-PROMPT-01")
    def test_notify_wakes_a_waiter(self, backend: Any) -> None:
        cond = backend.Condition(backend.Lock())
        ready: list[int] = []
        worker = _cond_waiter(backend, cond, ready)
        wait_until(backend, lambda: ready, what="the waiter")
        with cond:
            cond.notify()
        assert assert_prompt(backend, [worker], "notify()") == [True]

    @clause("COND-PROMPT-01")
    def test_notify_all_wakes_every_waiter(self, backend: Any) -> None:
        cond = backend.Condition()
        ready: list[int] = []
        workers = [_cond_waiter(backend, cond, ready) for _ in range(3)]
        wait_until(backend, lambda: len(ready) == 3, what="three waiters")
        with cond:
            cond.notify_all()
        assert assert_prompt(backend, workers, "notify_all()") == [True] * 3

    @clause("COND-PROMPT-01")
    def test_wait_for_wakes_when_notified_and_true(self, backend: Any) -> None:
        cond = backend.Condition()
        state: list[int] = []

        def body() -> Any:
            with cond:
                state.append(0)
                return cond.wait_for(lambda: len(state) > 1 and state[-1], LONG)

        worker = spawn(backend, body)
        wait_until(backend, lambda: state, what="the waiter")
        with cond:
            state.append(7)
            cond.notify()
        assert assert_prompt(backend, [worker], "notify() with the predicate true") == [7]

    @clause("COND-PROMPT-01", "COND-NOTIFY-02")
    def test_a_waiter_timing_out_leaves_the_other_waiting(self, backend: Any) -> None:
        cond = backend.Condition()
        ready: list[int] = []
        patient = _cond_waiter(backend, cond, ready)
        wait_until(backend, lambda: len(ready) == 1, what="the first waiter")
        hasty = _cond_waiter(backend, cond, ready, SHORT)
        wait_until(backend, lambda: hasty.done, what="the second waiter's timeout")
        assert hasty.outcome() is False
        settle(backend)
        assert not patient.done, "the first waiter woke without a notify()"
        with cond:
            cond.notify()
        assert assert_prompt(backend, [patient], "notify() after another waiter timed out") == [
            True
        ]

    @clause("COND-PROMPT-01", "COND-NOTIFY-02")
    def test_two_conditions_wake_only_their_own_waiters(self, backend: Any) -> None:
        first, second = backend.Condition(), backend.Condition()
        ready_first: list[int] = []
        ready_second: list[int] = []
        on_first = _cond_waiter(backend, first, ready_first)
        on_second = _cond_waiter(backend, second, ready_second)
        wait_until(backend, lambda: ready_first and ready_second, what="two waiters")
        with second:
            second.notify()
        assert assert_prompt(backend, [on_second], "notify() on its condition") == [True]
        settle(backend)
        assert not on_first.done, "notify() on one Condition woke a waiter of another"
        with first:
            first.notify()
        assert assert_prompt(backend, [on_first], "notify() on its condition") == [True]


class TestSemaphore:
    @clause("SEM-PROMPT-01")
    @pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
    def test_release_wakes_a_blocked_acquire(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        assert sem.acquire()
        waiters = [spawn(backend, sem.acquire, True, LONG) for _ in range(2)]
        settle(backend)
        sem.release()
        wait_until(
            backend,
            lambda: any(w.done for w in waiters),
            PROMPT,
            what=f"release() to wake one of two waiters within {PROMPT}s",
        )
        sem.release()
        assert assert_prompt(backend, waiters, "release()") == [True, True]


class TestEvent:
    @clause("EVENT-PROMPT-01")
    def test_set_wakes_every_waiter(self, backend: Any) -> None:
        event = backend.Event()
        workers = [spawn(backend, event.wait, LONG) for _ in range(3)]
        settle(backend)
        event.set()
        assert assert_prompt(backend, workers, "set()") == [True] * 3

    @clause("EVENT-PROMPT-01", "EVENT-SET-01")
    def test_set_then_clear_still_wakes_the_waiters(self, backend: Any) -> None:
        event = backend.Event()
        probes = [BlockProbe(backend) for _ in range(2)]
        workers = [spawn(backend, probe.call, event.wait, LONG) for probe in probes]
        # A waiter still on its way into wait() would find the flag cleared and rightly
        # wait on: set() and clear() come only once both are blocked in it.
        wait_until(
            backend,
            lambda: all(probe.blocked() for probe in probes),
            what="two threads blocked in Event.wait()",
        )
        event.set()
        event.clear()
        assert assert_prompt(backend, workers, "set() then clear()") == [True, True]


class TestBarrier:
    def _waiters(self, backend: Any, barrier: Any, n: int) -> list[Worker]:
        workers = [spawn(backend, _outcome, barrier.wait, LONG) for _ in range(n)]
        wait_until(backend, lambda: barrier.n_waiting == n, what=f"{n} threads at the barrier")
        return workers

    @clause("BARRIER-PROMPT-01")
    def test_last_party_releases_the_waiters(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        workers = self._waiters(backend, barrier, 2)
        index = barrier.wait(LONG)
        results = assert_prompt(backend, workers, "the last party's arrival")
        assert sorted([index, *results]) == [0, 1, 2]

    @clause("BARRIER-PROMPT-01")
    @pytest.mark.parametrize("how", ["abort", "reset"])
    def test_abort_and_reset_wake_the_waiters(self, backend: Any, how: str) -> None:
        barrier = backend.Barrier(3)
        workers = self._waiters(backend, barrier, 2)
        getattr(barrier, how)()
        results = assert_prompt(backend, workers, f"{how}()")
        assert all(isinstance(r, backend.BrokenBarrierError) for r in results), results

    @clause("BARRIER-PROMPT-01")
    def test_a_timeout_wakes_the_other_waiters(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        workers = self._waiters(backend, barrier, 1)
        with pytest.raises(backend.BrokenBarrierError):
            barrier.wait(SHORT)
        results = assert_prompt(backend, workers, "another waiter's timeout")
        assert isinstance(results[0], backend.BrokenBarrierError), results


class TestTimerAndJoin:
    @clause("TIMER-PROMPT-01")
    def test_cancel_ends_the_timer_thread(self, backend: Any) -> None:
        calls: list[int] = []
        timer = backend.Timer(LONG, calls.append, args=[1])
        timer.start()
        settle(backend)
        timer.cancel()
        joiner = spawn(backend, lambda: (timer.join(LONG), timer.is_alive())[1])
        assert assert_prompt(backend, [joiner], "cancel()") == [False]
        assert calls == []

    @clause("THREAD-JOIN-07")
    def test_join_returns_when_the_thread_ends(self, backend: Any) -> None:
        gate = backend.Event()
        target = spawn(backend, gate.wait, LONG)
        joiner = spawn(backend, lambda: (target.thread.join(LONG), target.thread.is_alive())[1])
        settle(backend)
        assert not joiner.done, "join() returned while the thread was running"
        gate.set()
        assert assert_prompt(backend, [joiner], "the thread's end") == [False]
