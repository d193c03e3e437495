"""The debug backend's wait-for graph beyond plain locks, under every inner backend.

Joins, the re-acquire at the end of ``Condition.wait()``, and waits with no owner
(Condition, Semaphore, Event, Barrier); and the rule for a thread that waits for a Lock
it holds itself: a deadlock only if no other thread could release it.  Each test runs
over stdlib, pure and cooperative (where the main thread's blocking calls are what let
the green threads run, so every wait here goes through the backend).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Iterator

import pytest
from debug_support import BOUND, Worker

from anythread import DeadlockError
from anythread_backends.debug import DebugBackend, make_backend

INNER = ["stdlib", "pure"]
if importlib.util.find_spec("greenlet") is not None:
    INNER.append("cooperative")


@pytest.fixture(params=INNER)
def debug(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> DebugBackend:
    """A fresh debug backend over each inner backend, mode raise."""
    for name in ("ANYTHREAD_DEBUG_MODE", "ANYTHREAD_DEBUG_ORDER", "ANYTHREAD_DEBUG_WRAPS"):
        monkeypatch.delenv(name, raising=False)
    return make_backend(request.param)


def until(debug: DebugBackend, predicate: Callable[[], bool], what: str) -> None:
    """Poll ``predicate`` with the backend's own sleep (green threads run meanwhile)."""
    deadline = time.monotonic() + BOUND
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        debug.sleep(0.002)


def blocked_are(debug: DebugBackend, *names: str) -> Callable[[], bool]:
    return lambda: sorted(debug.blocked()) == sorted(names)


@pytest.fixture
def released() -> Iterator[list[Callable[[], object]]]:
    """Cleanups that let every thread a test started finish, even if the test fails."""
    cleanups: list[Callable[[], object]] = []
    yield cleanups
    for cleanup in cleanups:
        cleanup()


class TestJoinCycles:
    def test_a_thread_that_waits_for_a_lock_held_by_its_joiner(self, debug: DebugBackend) -> None:
        # The joiner blocks first; the joined thread closes the cycle and gets the error.
        lock = debug.Lock()
        lock.name = "state"

        def worker() -> str:
            until(debug, blocked_are(debug, "MainThread"), "the main thread joins")
            with lock:
                return "got it"

        with lock:
            w = Worker(debug, worker, name="worker")
            w.thread.join()  # returns: the worker's acquire raised instead of waiting
        error = w.outcome()
        assert isinstance(error, DeadlockError), error
        assert set(error.threads) == {"worker", "MainThread"}
        assert "each of these 2 threads waits for the next one" in str(error)
        assert "thread worker" in str(error)  # what the main thread waits for

    def test_joining_a_thread_that_waits_for_my_lock(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        with lock:
            w = Worker(debug, lambda: lock.acquire() and lock.release(), name="waiter")
            until(debug, blocked_are(debug, "waiter"), "the waiter blocks on the lock")
            with pytest.raises(DeadlockError, match="waits for thread waiter"):
                w.thread.join()
        assert w.outcome() is None

    def test_a_chain_of_joins_ending_elsewhere_is_no_deadlock(self, debug: DebugBackend) -> None:
        go = debug.Event()
        inner = Worker(debug, lambda: go.wait(BOUND), name="inner")
        outer = Worker(debug, lambda: inner.thread.join(), name="outer")
        until(debug, blocked_are(debug, "outer"), "outer joins inner")
        go.set()
        outer.thread.join()  # inner's wait is timed: it ends by itself
        assert outer.outcome() is None
        assert inner.outcome() is True


class TestConditionReacquire:
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_notify_then_join_while_holding_the_lock(self, debug: DebugBackend, kind: str) -> None:
        # The waiter, once notified, needs the lock back; its notifier joins it while
        # holding that lock: a real deadlock, through the re-acquire.
        cond = debug.Condition(getattr(debug, kind)())

        def waiter() -> object:
            with cond:
                return cond.wait()

        w = Worker(debug, waiter, name="waiter")
        until(debug, blocked_are(debug, "waiter"), "the waiter waits on the condition")
        errors: list[DeadlockError] = []
        with cond:
            cond.notify()
            try:
                w.thread.join()
            except DeadlockError as error:
                # The main thread closed the cycle (the waiter already waits for the lock).
                errors.append(error)
        closed_by_main = bool(errors)
        if closed_by_main:
            assert set(errors[0].threads) == {"MainThread", "waiter"}
        outcome = w.outcome()
        if closed_by_main:
            assert outcome is True  # released after the error: the waiter got the lock
        else:
            # The waiter closed it: its wait() raised, without the lock, and its with
            # statement did not release the main thread's lock.
            assert isinstance(outcome, DeadlockError), outcome
            assert set(outcome.threads) == {"MainThread", "waiter"}
        assert not cond._lock.locked()  # type: ignore[attr-defined]

    def test_notified_waiter_and_lock_holder_that_lets_go(self, debug: DebugBackend) -> None:
        cond = debug.Condition()
        w = Worker(debug, lambda: cond.acquire() and cond.wait() and cond.release(), name="w")
        until(debug, blocked_are(debug, "w"), "w waits")
        with cond:
            cond.notify()
        assert w.outcome() is None


class TestWaitsWithoutOwner:
    def test_blocked_lists_untimed_waits_of_every_kind(self, debug: DebugBackend) -> None:
        cond, sem, event = debug.Condition(), debug.Semaphore(0), debug.Event()
        barrier = debug.Barrier(2)

        def on_cond() -> None:
            with cond:
                cond.wait_for(lambda: event.is_set())

        workers = [
            Worker(debug, on_cond, name="cond"),
            Worker(debug, sem.acquire, name="sem"),
            Worker(debug, event.wait, name="event"),
            Worker(debug, barrier.wait, name="barrier"),
        ]
        until(debug, blocked_are(debug, "cond", "sem", "event", "barrier"), "all four wait")
        event.set()
        with cond:
            cond.notify_all()
        sem.release()
        barrier.wait()
        assert [w.outcome() is not None for w in workers] == [False, True, True, True]
        assert debug.blocked() == []

    def test_timed_waits_and_waits_that_need_not_block_are_not_recorded(
        self, debug: DebugBackend
    ) -> None:
        event, sem = debug.Event(), debug.Semaphore(1)
        event.set()
        seen: list[list[str]] = []

        def quick() -> None:
            assert event.wait()
            assert sem.acquire()
            seen.append(debug.blocked())
            sem.release()

        Worker(debug, quick, name="quick").outcome()
        assert seen == [[]]

    def test_a_chain_through_an_event_is_no_deadlock(self, debug: DebugBackend) -> None:
        # main holds the lock and waits on an Event; the worker waits for the lock.  Any
        # thread could set the Event: no DeadlockError, and setting it ends both waits.
        lock, event = debug.Lock(), debug.Event()
        with lock:
            w = Worker(debug, lambda: lock.acquire() and lock.release(), name="worker")
            until(debug, blocked_are(debug, "worker"), "the worker waits for the lock")
            setter = Worker(debug, lambda: (debug.sleep(0.05), event.set()), name="setter")
            assert event.wait() is True
        assert w.outcome() is None
        assert setter.outcome() is not None

    def test_classes_like_the_inner_backends(self, debug: DebugBackend) -> None:
        for name in ("Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier"):
            cls = getattr(debug, name)
            assert isinstance(cls, type), name
            assert issubclass(cls, getattr(debug.inner, name)), name
            assert cls.__qualname__ == getattr(debug.inner, name).__qualname__
        assert issubclass(debug.BoundedSemaphore, debug.Semaphore)


class TestSelfAcquire:
    """A thread that acquires, untimed, a Lock it holds itself."""

    def test_alone_it_is_a_deadlock(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        lock.name = "state"
        with lock, pytest.raises(DeadlockError, match="waits for state, which it holds") as info:
            lock.acquire()
        assert "no other thread could release it" in str(info.value)
        assert info.value.threads == ("MainThread",)

    def test_every_other_thread_waiting_for_it_is_a_deadlock(self, debug: DebugBackend) -> None:
        # Another thread exists, but it waits (untimed) for this very lock: it can never
        # release it.
        lock = debug.Lock()
        with lock:
            w = Worker(debug, lambda: lock.acquire() and lock.release(), name="waiter")
            until(debug, blocked_are(debug, "waiter"), "the waiter blocks on the lock")
            with pytest.raises(DeadlockError, match="which it holds itself"):
                lock.acquire()
        assert w.outcome() is None

    def test_every_other_thread_in_an_ownerless_wait_is_a_deadlock_after_a_while(
        self, debug: DebugBackend, released: list[Callable[[], object]]
    ) -> None:
        # The only other thread waits on an Event that no running thread can set: after
        # a few looks with nothing moving, the self-acquire raises.
        lock, never = debug.Lock(), debug.Event()
        released.append(never.set)
        idle = Worker(debug, never.wait, name="idle")
        until(debug, blocked_are(debug, "idle"), "idle waits")
        with lock, pytest.raises(DeadlockError, match="which it holds itself"):
            lock.acquire()
        never.set()
        assert idle.outcome() is True

    def test_a_lock_used_as_a_signal_is_no_deadlock(self, debug: DebugBackend) -> None:
        # Thread A acquires, then acquires again to wait until B releases it: correct,
        # and the first time, before any hand-off has been seen.
        signal = debug.Lock()
        signal.acquire()

        def signaller() -> None:
            until(debug, blocked_are(debug, "MainThread"), "the main thread waits")
            signal.release()

        b = Worker(debug, signaller, name="signaller")
        assert signal.acquire() is True  # released by the signaller: no error
        assert b.outcome() is None
        signal.release()

    def test_a_signal_from_a_thread_that_first_waits_itself(self, debug: DebugBackend) -> None:
        # The signaller waits on a Condition when the main thread blocks; a third thread
        # notifies it and ends at once.  For a moment every other live thread is in a
        # wait without an owner (the notified one has not run yet): not a deadlock.
        signal, cond = debug.Lock(), debug.Condition()
        ready: list[bool] = []
        signal.acquire()

        def signaller() -> None:
            with cond:
                cond.wait_for(lambda: ready)
            signal.release()

        def starter() -> None:
            until(debug, lambda: "MainThread" in debug.blocked(), "the main thread waits")
            with cond:
                ready.append(True)
                cond.notify()

        b = Worker(debug, signaller, name="signaller")
        c = Worker(debug, starter, name="starter")
        assert signal.acquire() is True
        signal.release()
        assert b.outcome() is None
        assert c.outcome() is None

    def test_timed_self_acquire_only_times_out(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        with lock:
            assert lock.acquire(timeout=0.01) is False
            assert lock.acquire(False) is False


class TestNaNTimeouts:
    """A NaN timeout is a bad argument on every inner backend (CPython's own objects let
    it through, and a Semaphore or Barrier that must wait then spins forever)."""

    def test_every_wait_refuses_nan_before_it_blocks(self, debug: DebugBackend) -> None:
        nan = float("nan")
        cond = debug.Condition()
        sem = debug.BoundedSemaphore(0)
        event = debug.Event()
        thread = debug.Thread(target=lambda: None)
        thread.start()
        thread.join(BOUND)
        calls: list[Callable[[], object]] = [
            lambda: cond.wait_for(lambda: True, nan),
            lambda: sem.acquire(True, nan),
            lambda: event.wait(nan),
            lambda: debug.Barrier(2).wait(nan),
            lambda: debug.Barrier(2, timeout=nan).wait(),
            lambda: thread.join(nan),
        ]
        for call in calls:
            with pytest.raises(ValueError, match="NaN"):
                call()
        with cond, pytest.raises(ValueError, match="NaN"):
            cond.wait(nan)

    def test_condition_wait_checks_the_lock_first(self, debug: DebugBackend) -> None:
        # As CPython and the semantics layer do: an un-acquired lock is the first error.
        with pytest.raises(RuntimeError, match="cannot wait on un-acquired lock"):
            debug.Condition().wait(float("nan"))
        with pytest.raises(ValueError, match="can't specify"):
            debug.Semaphore(0).acquire(False, float("nan"))
