"""The debug backend's tracker, pinned where mutation testing found the tests silent.

Each test closes a hole that a surviving mutant of
``backends/anythread_backends/debug/_tracker.py`` showed (cosmic-ray): the verdict on a
thread that acquires, untimed, a Lock it holds itself (who else could release it, and
when that is known at once or only after :data:`CONFIRM` seconds of nothing moving),
the details of a deadlock's report, and the end-of-program watch beside a thread the
debug backend never saw.

Where a wrong verdict would make the self-acquire wait for ever, the test arms a guard:
a thread of the standard library's ``threading``, which the debug backend does not
know, releases the lock after :data:`BOUND` seconds, so that the acquire returns and
the test fails instead of hanging.  Such tests run over stdlib and pure (a green thread
of cooperative cannot be released by another OS thread).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import subprocess
import sys
import threading as stdlib_threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from debug_support import BOUND, Worker, debug, fresh, run, run_program, wait_until

from anythread import DeadlockError, LockOrderError
from anythread_backends.debug import DebugBackend, DebugWarning, LockOrderWarning, make_backend

__all__ = ["debug"]

#: How long every other thread must be seen stuck in waits without an owner before a
#: self-acquire is a deadlock (the tracker's ``CONFIRM``, documented: half a second).
CONFIRM = 0.5


@pytest.fixture(params=["stdlib", "pure"])
def os_debug(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> DebugBackend:
    """A fresh debug backend over an inner backend of OS threads, mode raise."""
    for name in ("ANYTHREAD_DEBUG_MODE", "ANYTHREAD_DEBUG_ORDER", "ANYTHREAD_DEBUG_WRAPS"):
        monkeypatch.delenv(name, raising=False)
    return make_backend(request.param)


@pytest.fixture
def released() -> Iterator[list[Callable[[], object]]]:
    """Cleanups that let every thread a test started finish, even if the test fails."""
    cleanups: list[Callable[[], object]] = []
    yield cleanups
    for cleanup in cleanups:
        cleanup()


@contextlib.contextmanager
def guard(lock: Any) -> Iterator[None]:
    """Release ``lock`` after BOUND seconds from a thread unknown to the debug backend,
    unless the block is over by then (see the module docstring)."""

    def release() -> None:
        with warnings.catch_warnings(), contextlib.suppress(RuntimeError):
            warnings.simplefilter("ignore", DebugWarning)  # (released by another thread)
            lock.release()

    timer = stdlib_threading.Timer(BOUND, release)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join(BOUND)


class TestSelfAcquireAtOnce:
    """Every other thread waits, directly or not, for the lock: a deadlock, raised at
    once (no other thread can ever move)."""

    def test_a_waiter_that_holds_locks_of_its_own(self, debug: DebugBackend) -> None:
        """The other thread holds a lock of its own while it waits for mine: still a
        deadlock, raised as such (the other thread's held locks are not compared with
        mine)."""
        lock, own = debug.Lock(), debug.Lock()
        with lock:
            waiter = Worker(debug, lambda: nest(own, lock), name="waiter")
            wait_until(lambda: debug.blocked() == ["waiter"], "the waiter blocks on the lock")
            with pytest.raises(DeadlockError, match="which it holds itself"):
                lock.acquire()
        assert waiter.outcome() is None

    def test_no_confirmation_delay_when_every_wait_has_an_owner(self, debug: DebugBackend) -> None:
        """The waiter waits for the lock the main thread holds (a wait with an owner):
        the self-acquire raises at once, not after the CONFIRM seconds that only waits
        without an owner need."""
        lock = debug.Lock()
        with lock:
            waiter = Worker(debug, lambda: nest(lock), name="waiter")
            wait_until(lambda: debug.blocked() == ["waiter"], "the waiter blocks on the lock")
            started = time.monotonic()
            with pytest.raises(DeadlockError, match="which it holds itself"):
                lock.acquire()
            took = time.monotonic() - started
        assert took < CONFIRM, took
        assert waiter.outcome() is None

    def test_a_thread_that_ended_holding_a_lock_cannot_release_mine(
        self, os_debug: DebugBackend
    ) -> None:
        """A thread that has ended (its state kept alive by a lock it never released)
        is no thread that could release the lock: alone, the self-acquire is a
        deadlock."""
        debug = os_debug
        kept, lock = debug.Lock(), debug.Lock()
        with pytest.warns(DebugWarning, match="keeper ends while holding"):
            assert run(debug, kept.acquire, name="keeper") is True
        with lock, guard(lock), pytest.raises(DeadlockError, match="which it holds itself"):
            lock.acquire()

    def test_a_waiter_that_comes_after_the_self_acquire(self, os_debug: DebugBackend) -> None:
        """The other thread is still running when the main thread starts waiting for
        the Lock it holds; then it waits for that very lock: from then on no thread can
        release it, and the self-acquire raises at its next look."""
        debug = os_debug
        lock = debug.Lock()

        def late_waiter() -> None:
            wait_until(lambda: debug.blocked() == ["MainThread"], "the main thread waits")
            nest(lock)

        with lock:
            waiter = Worker(debug, late_waiter, name="waiter")
            with guard(lock), pytest.raises(DeadlockError, match="which it holds itself"):
                lock.acquire()
        assert waiter.outcome() is None

    def test_the_other_thread_waits_for_a_lock_whose_holder_ended(
        self, os_debug: DebugBackend
    ) -> None:
        """The only other thread waits for a Lock whose holder has ended: any thread
        may release a Lock, but the only one left is the main thread, about to wait for
        ever; a deadlock, raised after the confirmation (as for a wait on an Event)."""
        debug = os_debug
        kept, lock = debug.Lock(), debug.Lock()
        with pytest.warns(DebugWarning, match="keeper ends while holding"):
            assert run(debug, kept.acquire, name="keeper") is True
        waiter = Worker(debug, lambda: nest(kept), name="waiter")
        try:
            wait_until(lambda: debug.blocked() == ["waiter"], "the waiter blocks on kept")
            with lock, guard(lock), pytest.raises(DeadlockError, match="which it holds itself"):
                lock.acquire()
        finally:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DebugWarning)  # (released by another thread)
                kept.release()
        assert waiter.outcome() is None

    def test_the_other_thread_waits_for_an_rlock_whose_holder_ended(
        self,
        os_debug: DebugBackend,
        monkeypatch: pytest.MonkeyPatch,
        released: list[Callable[[], object]],
    ) -> None:
        """The only other thread waits for an RLock whose holder ended after the wait
        began: only that holder could have released it, so the waiter is stuck for
        good, and the self-acquire is a deadlock known at once, with no confirmation
        over time (the tracker's clock is stopped here: a confirmation would never end,
        and the guard would let the acquire return).  (Gap: the branch of
        ``others_stuck`` for an RLock whose owner ended.)"""
        debug = os_debug
        state, lock = debug.RLock(), debug.Lock()
        go = debug.Event()
        released.append(go.set)

        def keep() -> None:
            state.acquire()
            go.wait(BOUND)  # and ends holding it (the debug backend warns)

        keeper = Worker(debug, keep, name="keeper")
        wait_until(state.locked, "the keeper holds the RLock")
        released.append(lambda: free(state, keeper))
        waiter = Worker(debug, lambda: nest(state), name="waiter")
        wait_until(lambda: debug.blocked() == ["waiter"], "the waiter blocks on the RLock")

        def end_keeper() -> object:
            go.set()
            return keeper.outcome()

        with pytest.warns(DebugWarning, match="keeper ends while holding"):
            assert end_keeper() is None
        stopped = debug.tracker._monotonic()
        monkeypatch.setattr(debug.tracker, "_monotonic", lambda: stopped)
        with lock, guard(lock), pytest.raises(DeadlockError, match="which it holds itself"):
            lock.acquire()
        free(state, keeper)
        assert waiter.outcome() is None

    def test_two_threads_each_acquiring_a_lock_it_holds(self, debug: DebugBackend) -> None:
        """One thread already waits for a Lock it holds itself (the other one was
        running then); when the other does the same, both can only wait for ever: the
        second raises at once, and the first once it is alone.  (The main thread only
        watches: it never uses the backend, so it is no thread that could release.)"""
        first, second = debug.Lock(), debug.Lock()

        def self_acquire(lock: Any, after: str | None) -> object:
            with lock:
                if after is not None:
                    wait_until(lambda: debug.blocked() == [after], f"{after} waits")
                return lock.acquire()

        two = Worker(debug, lambda: self_acquire(second, "one"), name="two")
        one = Worker(debug, lambda: self_acquire(first, None), name="one")
        outcomes = [two.outcome(), one.outcome()]
        assert [type(o) for o in outcomes] == [DeadlockError, DeadlockError], outcomes
        assert all("which it holds itself" in str(o) for o in outcomes), outcomes

    def test_a_chain_of_two_waiters(self, debug: DebugBackend) -> None:
        """Two other threads wait, one for the other's lock and that one for mine: both
        wait for me, directly or not, so the self-acquire raises at once.  (The main
        thread only watches.)"""
        mine, theirs = debug.Lock(), debug.Lock()

        def self_acquire() -> object:
            with mine:
                wait_until(lambda: sorted(debug.blocked()) == ["far", "near"], "both wait")
                return mine.acquire()

        holder = Worker(debug, self_acquire, name="holder")
        wait_until(mine.locked, "the holder takes its lock")
        near = Worker(debug, lambda: nest(theirs, mine), name="near")
        wait_until(lambda: debug.blocked() == ["near"], "near waits for the holder's lock")
        far = Worker(debug, lambda: nest(theirs), name="far")
        error = holder.outcome()
        assert isinstance(error, DeadlockError), error
        assert "which it holds itself" in str(error)
        assert [near.outcome(), far.outcome()] == [None, None]


class TestSelfAcquireAfterAWhile:
    """Every other thread waits on something without an owner that is still a wait:
    a deadlock once nothing has moved for CONFIRM seconds."""

    def test_confirmed_for_a_while_and_placed_at_the_users_line(
        self, debug: DebugBackend, released: list[Callable[[], object]]
    ) -> None:
        """The only other thread waits on an Event no running thread can set: the
        self-acquire raises, not before CONFIRM seconds, and its report names the line
        of the acquire."""
        lock, never = debug.Lock(), debug.Event()
        released.append(never.set)
        idle = Worker(debug, never.wait, name="idle")
        wait_until(lambda: debug.blocked() == ["idle"], "idle waits")
        with lock:
            started = time.monotonic()
            with pytest.raises(DeadlockError, match="which it holds itself") as info:
                lock.acquire()
            took = time.monotonic() - started
        assert took >= CONFIRM, took
        assert str(info.value).startswith("deadlock: MainThread waits for Lock@")
        assert info.value.cycle[0].site.startswith(__file__), info.value.cycle[0].site
        never.set()
        assert idle.outcome() is True

    def test_a_waiter_on_a_locked_handoff_lock(
        self, os_debug: DebugBackend, released: list[Callable[[], object]]
    ) -> None:
        """The other thread waits for a hand-off Lock (no owner to follow) that is
        locked: it is stuck, so the self-acquire is a deadlock after a while."""
        debug = os_debug
        signal, lock = debug.Lock(), debug.Lock()
        signal.acquire()
        with pytest.warns(DebugWarning, match="released by signaller"):
            assert run(debug, signal.release, name="signaller") is None
        signal.acquire()  # locked again, by a lock that has been handed off

        def unlock() -> None:
            if signal.locked():
                signal.release()

        released.append(unlock)
        waiter = Worker(debug, lambda: nest(signal), name="waiter")
        wait_until(lambda: debug.blocked() == ["waiter"], "the waiter blocks on the signal")
        with lock, guard(lock), pytest.raises(DeadlockError, match="which it holds itself"):
            lock.acquire()
        signal.release()
        assert waiter.outcome() is None

    @pytest.mark.parametrize("kind", ["Semaphore", "Condition"])
    def test_a_waiter_on_a_semaphore_or_a_condition(
        self, os_debug: DebugBackend, kind: str, released: list[Callable[[], object]]
    ) -> None:
        """A wait on a Semaphore or a Condition (objects with no ``locked``,
        ``is_alive`` or ``is_set`` to ask) is a wait until some thread acts: with no
        such thread, the self-acquire is a deadlock after a while."""
        debug = os_debug
        lock = debug.Lock()
        if kind == "Semaphore":
            sem = debug.Semaphore(0)
            wait: Callable[[], object] = sem.acquire
            wake: Callable[[], object] = sem.release
        else:
            cond = debug.Condition()

            def wait() -> object:
                with cond:
                    return cond.wait()

            def wake() -> object:
                with cond:
                    cond.notify()
                return None

        woken: list[bool] = []

        def wake_once() -> None:
            if not woken:
                woken.append(True)
                wake()

        released.append(wake_once)
        waiter = Worker(debug, wait, name="waiter")
        wait_until(lambda: debug.blocked() == ["waiter"], "the waiter waits")
        with lock, guard(lock), pytest.raises(DeadlockError, match="which it holds itself"):
            lock.acquire()
        wake_once()
        assert waiter.outcome() is True

    def test_waits_that_keep_ending_elsewhere_are_no_deadlock(
        self, os_debug: DebugBackend, released: list[Callable[[], object]]
    ) -> None:
        """The other thread is seen in an ownerless wait at every look, but its waits
        keep ending (a thread unknown to the debug backend sets its Event every 50 ms,
        for three times CONFIRM, then releases the lock): something moves, so the
        confirmation starts again each time and the self-acquire just waits."""
        debug = os_debug
        lock, tick = debug.Lock(), debug.Event()
        stop: list[bool] = []

        def ticking() -> None:
            while not stop:
                tick.wait()
                tick.clear()

        def stop_ticking() -> None:
            stop.append(True)
            tick.set()

        released.append(stop_ticking)
        ticker = Worker(debug, ticking, name="ticker")
        wait_until(lambda: debug.blocked() == ["ticker"], "the ticker waits")

        def poke() -> None:
            deadline = time.monotonic() + 3 * CONFIRM
            while time.monotonic() < deadline:
                time.sleep(0.05)  # (the pace of the pokes)
                tick.set()
            with contextlib.suppress(RuntimeError):
                lock.release()

        poker = stdlib_threading.Thread(target=poke, daemon=True)
        lock.acquire()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DebugWarning)  # (released by the poker)
                poker.start()
                assert lock.acquire() is True
        finally:
            poker.join(BOUND)
        lock.release()
        stop_ticking()
        assert ticker.outcome() is None

    def test_a_thread_that_runs_for_a_while_then_releases_is_no_deadlock(
        self, debug: DebugBackend, released: list[Callable[[], object]]
    ) -> None:
        """The only other thread is running (in a timed wait, which is no wait for
        good) for three times CONFIRM before it releases the Lock the main thread waits
        for, holding it itself: no deadlock, the acquire returns once it is released.
        (Mutant: ``others_stuck`` answering ``(True, False)``, not ``(False, False)``,
        for a thread that can move: the confirmation then raised after CONFIRM.)"""
        lock, pause, got = debug.Lock(), debug.Event(), debug.Event()
        released.append(got.set)

        def release_later() -> None:
            wait_until(lambda: debug.blocked() == ["MainThread"], "the main thread waits")
            pause.wait(3 * CONFIRM)  # (running all along: never set)
            lock.release()
            assert got.wait(BOUND)  # (alive until the acquire returned)

        lock.acquire()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DebugWarning)  # (released by the releaser)
            releaser = Worker(debug, release_later, name="releaser")
            assert lock.acquire() is True
            got.set()
            assert releaser.outcome() is None
        lock.release()


class TestReleasedMeanwhile:
    @pytest.mark.parametrize("where", ["wait_alone", "confirm_alone"])
    def test_a_release_by_a_thread_that_ended_just_before_the_look(
        self, debug: DebugBackend, monkeypatch: pytest.MonkeyPatch, where: str
    ) -> None:
        """The only other thread releases the Lock the main thread waits for, holding
        it itself, and ends, just before the tracker looks at the others (before the
        wait is recorded, or between a poll of the wait and its confirmation): the lock
        is free, so this is no deadlock, and the acquire takes it.  Here the release
        is made to land there; left alone it lands there now and then (on
        cooperative, the poll's timeout and the release fall in one turn of the hub).
        (Fixed bug: ``wait_alone`` and ``confirm_alone`` judged only the other threads,
        all ended, and raised DeadlockError for a lock no thread held any more.)"""
        lock, go = debug.Lock(), debug.Event()
        tracker = debug.tracker
        look = getattr(tracker, where)
        releasers: list[Worker] = []

        def after_the_release(*args: Any) -> None:
            if releasers:  # (the first look only)
                releaser = releasers.pop()
                go.set()
                wait_until(lambda: not releaser.thread.is_alive(), "the releaser ends")
                assert releaser.outcome() is None
            look(*args)

        def release() -> None:
            assert go.wait(BOUND)
            lock.release()

        monkeypatch.setattr(tracker, where, after_the_release)
        lock.acquire()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DebugWarning)  # (released by the releaser)
            releasers.append(Worker(debug, release, name="releaser"))
            assert lock.acquire() is True
        lock.release()


class TestCollections:
    def test_a_finalizer_that_acquires_during_an_order_check(self, debug: DebugBackend) -> None:
        """A garbage collection can run while the tracker records a new order edge
        (holding its own lock), and a finalizer it runs may acquire a lock while the
        thread holds others: that acquire is not checked again, instead of waiting for
        the tracker's lock its own thread holds.  (Collections are made to run at
        almost every allocation, and each finalizer leaves new garbage behind.)"""
        held = debug.Lock()
        left = [300]
        worker: list[int] = []

        class Garbage:
            def __init__(self) -> None:
                self.cycle = self  # freed only by a collection

            def __del__(self) -> None:
                if left[0] > 0 and worker == [debug.get_ident()]:  # (the worker's only)
                    left[0] -= 1
                    with debug.Lock():  # a new lock: a new edge if the thread holds any
                        pass
                    Garbage()

        go = debug.Event()

        def work() -> int:
            assert go.wait(BOUND)  # (once its starter is done with the tracker)
            worker.append(debug.get_ident())
            threshold = gc.get_threshold()
            gc.set_threshold(1)
            try:
                Garbage()
                for _ in range(300):
                    with held, debug.Lock():  # a new edge each time
                        pass
            finally:
                gc.set_threshold(*threshold)
            return left[0]

        thread = Worker(debug, work, name="worker")
        go.set()
        assert thread.outcome() == 0
        left[0] = 0
        gc.collect()


def nest(*locks: Any) -> None:
    """Acquire ``locks`` in order (blocking, untimed), then release them."""
    if locks:
        with locks[0]:
            nest(*locks[1:])


def same_site(backend: DebugBackend) -> Any:
    return backend.Lock()  # every lock made here is of one class in ``site`` order


class TestOrderGraph:
    def test_the_check_goes_on_past_a_held_lock_of_the_same_class(
        self, debug: DebugBackend
    ) -> None:
        """In ``site`` order, a lock of a class that may nest in itself, taken while
        the thread holds one of that class and then another lock: the check goes on
        past the first to the second, and finds the inversion with it."""
        debug = fresh(debug, order="site")
        first, again, other = same_site(debug), same_site(debug), debug.Lock()
        debug.declare_nested(first)
        with first, other:  # the edge class -> other
            with pytest.raises(LockOrderError):
                again.acquire()  # other -> class closes the cycle
            assert not again.locked()

    def test_a_narrower_gate_that_still_serialises(self, debug: DebugBackend) -> None:
        """An inversion hidden because both orders were seen under two common gates
        stays hidden when one order is later seen under only one of them: a gate still
        serialises it."""
        g1, g2, a, b = debug.Lock(), debug.Lock(), debug.Lock(), debug.Lock()
        assert run(debug, lambda: nest(g1, g2, a, b)) is None
        assert run(debug, lambda: nest(g1, g2, b, a)) is None
        assert run(debug, lambda: nest(g1, a, b)) is None  # the edge a -> b, under g1 only

    def test_a_gate_taken_with_a_timeout_still_serialises(self, debug: DebugBackend) -> None:
        """Both orders of two locks are seen under a gate lock taken with a timeout (an
        acquire that checks no order, so the gate has no node until a later check
        makes one): the gate is a common gate of both edges, and the inversion stays
        hidden.  (Mutant: ``_gates`` with ``h._node and self.node(h)``, which counted
        a held lock without a node yet as None, a gate of no other edge.)"""
        gate, a, b = debug.Lock(), debug.Lock(), debug.Lock()

        def under_gate(first: Any, second: Any) -> None:
            with first:
                assert gate.acquire(timeout=BOUND)
                try:
                    nest(second)
                finally:
                    gate.release()

        assert run(debug, lambda: under_gate(a, b)) is None
        assert run(debug, lambda: under_gate(b, a)) is None


class TestModes:
    def test_log_mode_logs_each_cycle_once(
        self, debug: DebugBackend, caplog: pytest.LogCaptureFixture
    ) -> None:
        """In ``log`` mode, as in ``warn`` mode, an inversion is reported the first
        time its cycle is seen, not every time."""
        debug = fresh(debug, mode="log")
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with caplog.at_level(logging.WARNING, logger="anythread.debug"):
            nest(b, a)
            nest(b, a)
        assert [r.getMessage().count("lock-order inversion") for r in caplog.records] == [1]

    @pytest.mark.parametrize("action", ["ignore", "always"])
    def test_another_filter_for_debug_warning_is_no_error_filter(
        self, debug: DebugBackend, action: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Under a blanket ``error`` filter, a filter that names DebugWarning with
        another action does not ask for suspicious use to be an error: still logged."""
        lock = debug.Lock()
        lock.acquire()
        with warnings.catch_warnings():
            warnings.simplefilter(action, DebugWarning)
            warnings.simplefilter("error")  # (first: it wins)
            with caplog.at_level(logging.WARNING, logger="anythread.debug"):
                assert run(debug, lock.release, name="releaser") is None
        assert "is released by releaser" in caplog.text


class TestReports:
    def test_an_inversion_warning_points_at_the_users_acquire(self, debug: DebugBackend) -> None:
        """In ``warn`` mode the LockOrderWarning is attributed to the line of the
        user's code whose acquire closed the cycle."""
        debug = fresh(debug, mode="warn")
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with b:
            line = sys._getframe().f_lineno + 2
            with pytest.warns(LockOrderWarning) as record:
                a.acquire()  # the line warned about
            a.release()
        assert [(w.filename, w.lineno) for w in record] == [(__file__, line)]

    def test_what_each_thread_of_a_cycle_holds(self, debug: DebugBackend) -> None:
        """Each thread of a deadlock cycle is reported with the lock it holds (the one
        the previous thread waits for) and the lock it waits for."""
        debug = fresh(debug, mode="log")  # (the order check only logs: both block)
        a, b = debug.Lock(), debug.Lock()
        a.name, b.name = "accounts", "audit"
        a_taken, b_taken = debug.Event(), debug.Event()

        def other() -> str:
            with a:
                a_taken.set()
                assert b_taken.wait(BOUND)
                with b:
                    return "other got both"

        worker = Worker(debug, other, name="other")
        assert a_taken.wait(BOUND)
        with b:
            b_taken.set()
            wait_until(lambda: debug.blocked() == ["other"], "other blocks on audit")
            with pytest.raises(DeadlockError) as info:
                a.acquire()
        assert str(info.value).startswith("deadlock: MainThread would wait forever")
        assert [(s.thread, s.holds, s.waits_for) for s in info.value.cycle] == [
            ("MainThread", "audit", "accounts"),
            ("other", "accounts", "audit"),
        ]
        assert worker.outcome() == "other got both"

    def test_what_each_thread_of_a_join_cycle_holds(self, debug: DebugBackend) -> None:
        """A thread that joins another, which waits for a lock the joiner holds: the
        joined thread is reported as holding nothing its joiner waits for, but being
        joined by it."""
        lock = debug.Lock()
        lock.name = "state"
        with lock:
            worker = Worker(debug, lambda: nest(lock), name="waiter")
            wait_until(lambda: debug.blocked() == ["waiter"], "the waiter blocks on the lock")
            with pytest.raises(DeadlockError) as info:
                worker.thread.join()
        assert [(s.thread, s.holds, s.waits_for) for s in info.value.cycle] == [
            ("MainThread", "state", "thread waiter"),
            ("waiter", "nothing MainThread waits for, but is joined by it,", "state"),
        ]
        assert worker.outcome() is None

    def test_a_cycle_of_three_through_a_join(self, debug: DebugBackend) -> None:
        """t1 holds a and waits for b; t2 holds b and joins t3; t3 then waits for a:
        the report says what each of the three holds, t3 holding nothing t2 waits for
        but being joined by it."""
        a, b = debug.Lock(), debug.Lock()
        a.name, b.name = "a", "b"
        go = debug.Event()

        def third() -> None:
            assert go.wait(BOUND)
            nest(a)

        t3 = Worker(debug, third, name="t3")

        def second() -> None:
            with b:
                t3.thread.join()

        t2 = Worker(debug, second, name="t2")
        wait_until(lambda: debug.blocked() == ["t2"], "t2 joins t3")
        t1 = Worker(debug, lambda: nest(a, b), name="t1")
        wait_until(lambda: sorted(debug.blocked()) == ["t1", "t2"], "t1 waits for b")
        go.set()
        error = t3.outcome()
        assert isinstance(error, DeadlockError), error
        assert [(s.thread, s.holds, s.waits_for) for s in error.cycle] == [
            ("t3", "nothing t2 waits for, but is joined by it,", "a"),
            ("t1", "a", "b"),
            ("t2", "b", "thread t3"),
        ]
        assert [t2.outcome(), t1.outcome()] == [None, None]

    @pytest.mark.parametrize("others", [1, 2, 3])
    def test_a_chain_to_an_rlock_whose_holder_has_ended(
        self, debug: DebugBackend, others: int, released: list[Callable[[], object]]
    ) -> None:
        """A wait that reaches, through other threads, an RLock held by a thread that
        has ended: the report counts the threads in between and says what each holds
        and waits for."""
        state = debug.RLock()
        state.name = "state"
        locks = [debug.Lock() for _ in range(others)]
        for i, lock in enumerate(locks):
            lock.name = f"m{i + 1}"
        go = debug.Event()
        released.append(go.set)

        def keep() -> None:
            state.acquire()
            go.wait(BOUND)  # and ends holding it (the debug backend warns)

        keeper = Worker(debug, keep, name="keeper")
        wait_until(state.locked, "the keeper holds the RLock")
        released.append(lambda: free(state, keeper))
        # w{k} holds m{k} and waits for m{k+1}; the last one waits for the RLock.
        workers = []
        for k in range(others, 0, -1):
            wanted = locks[k] if k < others else state
            workers.append(Worker(debug, lambda k=k, w=wanted: nest(locks[k - 1], w), name=f"w{k}"))
            names = [f"w{j}" for j in range(k, others + 1)]
            wait_until(lambda n=names: sorted(debug.blocked()) == n, f"w{k} blocks")

        def end_keeper() -> object:
            go.set()
            return keeper.outcome()

        with pytest.warns(DebugWarning, match="keeper ends while holding state"):
            assert end_keeper() is None
        with pytest.raises(DeadlockError) as info:
            locks[0].acquire()
        free(state, keeper)
        through = "1 other thread" if others == 1 else f"{others} other threads"
        assert str(info.value).startswith(
            f"deadlock: MainThread would wait forever (through {through}) for state, "
            "held by keeper, which has ended without releasing it"
        ), str(info.value)
        expected = [("MainThread", "no lock of this chain", "m1")]
        for k in range(1, others + 1):
            expected.append((f"w{k}", f"m{k}", f"m{k + 1}" if k < others else "state"))
        assert [(s.thread, s.holds, s.waits_for) for s in info.value.cycle] == expected
        assert [w.outcome() for w in workers] == [None] * others


def free(rlock: Any, keeper: Worker) -> None:
    """Cleanup only: an RLock whose holder has ended can never be released; release
    its inner lock, so that the threads blocked on it can finish."""
    keeper.thread.join(BOUND)
    owner = rlock._owner
    if not keeper.thread.is_alive() and owner is not None and not owner.thread.is_alive():
        rlock._inner.release()


# ------------------------------------------------------------ the end of the program


def _run(tmp_path: Path, source: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return tmp_path / "prog.py", run_program(tmp_path, source)


def test_a_wait_that_a_daemon_thread_ends_later_is_not_reported(tmp_path: Path) -> None:
    """At the end of the program, the only non-daemon thread waits (untimed) on an
    Event that a daemon thread sets a second later, well after CONFIRM: a wait without
    an owner is never for good, so nothing is reported and the program ends as
    Python's would."""
    _, result = _run(
        tmp_path,
        """
        import anythread as threading

        ev = threading.Event()
        def waiter():
            ev.wait()
            print("waiter done", flush=True)
        def setter():
            threading.Event().wait(1.0)  # (outlives the main program)
            ev.set()
        threading.Thread(target=waiter, name="waiter").start()
        threading.Thread(target=setter, daemon=True).start()
        print("main done", flush=True)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "main done\nwaiter done\n"
    assert result.stderr == ""


def test_waiting_for_an_rlock_of_the_first_green_thread(tmp_path: Path) -> None:
    """Over cooperative, the first thread a program starts has the identifier 1: an
    RLock it holds is held by a live thread, and waiting for it is an ordinary wait,
    not a wait for a thread that has ended."""
    pytest.importorskip("greenlet")
    result = run_program(
        tmp_path,
        """
        import threading
        lock = threading.RLock()
        held, go = threading.Event(), threading.Event()
        def holder():
            with lock:
                held.set()
                go.wait()
        t = threading.Thread(target=holder, name="holder")
        t.start()
        held.wait()
        print(t.ident, flush=True)
        go.set()
        with lock:  # blocks: the holder still has it
            print("main got the lock", flush=True)
        t.join()
        """,
        command=("-m", "anythread", "run", "-b", "debug:cooperative", "prog.py"),
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "1\nmain got the lock\n",
        "",
    ), result.stderr


def test_a_lock_that_a_daemon_thread_still_holds_is_not_reported(tmp_path: Path) -> None:
    """At the end of the program, the only non-daemon thread waits for a lock that a
    daemon thread holds and releases a second later, well after CONFIRM: the daemon is
    running, so the wait is not for good; nothing is reported and the program ends as
    Python's would."""
    _, result = _run(
        tmp_path,
        """
        import anythread as threading

        lock = threading.Lock()
        taken = threading.Event()
        def keeper():
            with lock:
                taken.set()
                threading.Event().wait(1.0)  # (outlives the main program)
        def waiter():
            with lock:
                print("waiter done", flush=True)
        threading.Thread(target=keeper, daemon=True).start()
        taken.wait()
        threading.Thread(target=waiter, name="waiter").start()
        print("main done", flush=True)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "main done\nwaiter done\n"
    assert result.stderr == ""


def test_a_known_thread_that_still_runs_after_the_main_program(tmp_path: Path) -> None:
    """A thread of the program that still runs (in a timed wait) for a few looks of
    the watch after the main program is over: the watch waits for it, then reports
    the thread that can never end."""
    script, result = _run(
        tmp_path,
        """
        import anythread as threading

        lock = threading.Lock()
        lock.acquire()  # never released
        def worker():
            with lock:
                pass
        def late():
            threading.Event().wait(0.5)  # (several looks of the watch, 0.1 s apart)
            print("late done", flush=True)
        threading.Thread(target=late, name="late").start()
        threading.Thread(target=worker, name="worker").start()
        print("main done", flush=True)
        """,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == "main done\nlate done\n"
    assert result.stderr.startswith(
        "anythread: at exit, deadlock: the main program is over, and the interpreter "
        "waits for 1 non-daemon thread that can never end"
    ), result.stderr
    assert f"worker waits for Lock@{script}:4" in result.stderr, result.stderr


def test_a_thread_unknown_to_debug_that_outlives_the_main_program(tmp_path: Path) -> None:
    """A thread of the standard library's threading, never seen by the debug backend,
    still runs for a few looks of the end-of-program watch after the main program is
    over: the watch waits for it, then reports the thread that can never end."""
    script, result = _run(
        tmp_path,
        """
        import threading as stdlib_threading
        import time
        import anythread as threading

        lock = threading.Lock()
        lock.acquire()  # never released
        def worker():
            with lock:
                pass
        def unknown():
            stdlib_threading.main_thread().join()  # the main program is over
            time.sleep(0.5)  # (several looks of the watch, 0.1 s apart)
            print("unknown done", flush=True)
        threading.Thread(target=worker, name="worker").start()
        stdlib_threading.Thread(target=unknown).start()
        print("main done", flush=True)
        """,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == "main done\nunknown done\n"
    assert result.stderr.startswith(
        "anythread: at exit, deadlock: the main program is over, and the interpreter "
        "waits for 1 non-daemon thread that can never end"
    ), result.stderr
    assert f"worker waits for Lock@{script}:6" in result.stderr, result.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_a_forked_child_has_no_waits_of_the_parents_threads(tmp_path: Path) -> None:
    """In a child forked while another thread of the parent waits, untimed, for a
    lock, the tracker records no wait: that thread does not exist in the child (the
    tracker's hook after a fork clears its waits).  (Mutant: the hook registered only
    where ``os.register_at_fork`` is missing: the child listed the parent's waiter.)"""
    _, result = _run(
        tmp_path,
        """
        import os, time, warnings
        from anythread_backends.debug import make_backend

        warnings.simplefilter("ignore", DeprecationWarning)  # (a fork with threads)
        debug = make_backend("stdlib")
        lock = debug.Lock()
        lock.acquire()
        def wait_for_lock():
            with lock:
                pass
        waiter = debug.Thread(target=wait_for_lock, name="waiter")
        waiter.start()
        deadline = time.monotonic() + 30
        while debug.blocked() != ["waiter"]:
            assert time.monotonic() < deadline, "the waiter does not block"
            time.sleep(0.001)
        pid = os.fork()
        if pid == 0:
            print("child:", debug.blocked(), flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        lock.release()
        waiter.join(30)
        print("parent:", debug.blocked(), waiter.is_alive(), flush=True)
        """,
    )
    assert (result.returncode, result.stdout) == (0, "child: []\nparent: [] False\n"), result.stderr
