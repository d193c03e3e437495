"""Boundaries of arguments (contract version 2), for every object that takes them.

A timeout of 0 is a timeout (neither None nor "use the default"); a timeout over
TIMEOUT_MAX raises OverflowError, and a NaN timeout ValueError, on every object that
takes a timeout, whatever its state; a timeout that expires never returns early, on every
waiting object, whatever its fraction of a second.  A call that must not block runs in a
thread of its own (through :func:`~anythread_contract._support.call_promptly`), so that a
wrong backend fails the test in PROMPT seconds instead of hanging it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from anythread_contract._support import (
    LONG,
    ODD_TIMEOUTS,
    assert_not_early,
    call_promptly,
    elapsed,
    spawn,
)

clause = pytest.mark.clause


def _raises(call: Callable[..., Any], *args: Any) -> type[BaseException] | None:
    """Call ``call(*args)``; return the type of what it raised, or None."""
    try:
        call(*args)
    except BaseException as exc:
        return type(exc)
    return None


def _parked_thread(backend: Any) -> tuple[Any, Any]:
    """A running thread of the backend, and the event that lets it end."""
    gate = backend.Event()
    worker = spawn(backend, gate.wait, LONG)
    return worker.thread, gate


# ---------------------------------------------------------------------------- timeout=0


class TestTimeoutZero:
    @clause("MOD-TIMEOUT-ZERO-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_lock_acquire(self, backend: Any, kind: str) -> None:
        lock = getattr(backend, kind)()
        assert lock.acquire(True, 0) is True  # free: taken at once (held by this thread)
        held = call_promptly(backend, lock.acquire, True, 0, what="acquire(True, 0), held")
        assert held is False
        lock.release()

    @clause("MOD-TIMEOUT-ZERO-01")
    def test_condition_wait_and_wait_for(self, backend: Any) -> None:
        cond = backend.Condition()

        def body() -> tuple[Any, Any]:
            with cond:
                return cond.wait(0), cond.wait_for(lambda: False, 0)

        assert call_promptly(backend, body, what="wait(0), wait_for(pred, 0)") == (False, False)

    @clause("MOD-TIMEOUT-ZERO-01")
    @pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
    def test_semaphore_acquire(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        assert call_promptly(backend, sem.acquire, True, 0, what="acquire(timeout=0)") is True
        assert (
            call_promptly(backend, sem.acquire, True, 0, what="acquire(timeout=0) at zero") is False
        )

    @clause("MOD-TIMEOUT-ZERO-01")
    def test_event_wait(self, backend: Any) -> None:
        event = backend.Event()
        assert call_promptly(backend, event.wait, 0, what="wait(0)") is False
        event.set()
        assert call_promptly(backend, event.wait, 0, what="wait(0) once set") is True

    @clause("MOD-TIMEOUT-ZERO-01")
    def test_barrier_wait_is_not_the_default(self, backend: Any) -> None:
        barrier = backend.Barrier(2, timeout=LONG)
        raised = call_promptly(backend, _raises, barrier.wait, 0, what="Barrier.wait(0)")
        assert raised is backend.BrokenBarrierError
        assert barrier.broken is True

    @clause("MOD-TIMEOUT-ZERO-01")
    def test_thread_join(self, backend: Any) -> None:
        thread, gate = _parked_thread(backend)
        try:
            assert call_promptly(backend, thread.join, 0, what="join(0)") is None
            assert thread.is_alive()
        finally:
            gate.set()


# ---------------------------------------------------------------------------- TIMEOUT_MAX


class TestTimeoutMax:
    @clause("MOD-TIMEOUT-MAX-01")
    @pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
    def test_semaphore_acquire(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        sem.acquire()
        too_long = backend.TIMEOUT_MAX * 2
        raised = call_promptly(backend, _raises, sem.acquire, True, too_long, what="acquire()")
        assert raised is OverflowError

    @clause("MOD-TIMEOUT-MAX-01")
    def test_condition_wait_for(self, backend: Any) -> None:
        cond = backend.Condition()

        def body() -> Any:
            with cond:
                return _raises(cond.wait_for, lambda: False, backend.TIMEOUT_MAX * 2)

        assert call_promptly(backend, body, what="wait_for()") is OverflowError

    @clause("MOD-TIMEOUT-MAX-01")
    def test_barrier_wait(self, backend: Any) -> None:
        barrier = backend.Barrier(2)
        too_long = backend.TIMEOUT_MAX * 2
        raised = call_promptly(backend, _raises, barrier.wait, too_long, what="Barrier.wait()")
        assert raised is OverflowError

    @clause("MOD-TIMEOUT-MAX-01")
    def test_thread_join(self, backend: Any) -> None:
        thread, gate = _parked_thread(backend)
        try:
            too_long = backend.TIMEOUT_MAX * 2
            raised = call_promptly(backend, _raises, thread.join, too_long, what="join()")
            assert raised is OverflowError
        finally:
            gate.set()


# ---------------------------------------------------------------------------- NaN

NAN = float("nan")


def _first_accepted(cases: list[tuple[str, Callable[[], Any]]]) -> str | None:
    """Run ``cases`` in order until one does not raise ValueError; return its label
    (None: every one raised ValueError).

    The cases are ordered so that those where a NaN-accepting backend returns at once
    come first: CPython's own objects return there, and would spin forever on the later
    ones, which must wait.
    """
    for label, call in cases:
        if _raises(call) is not ValueError:
            return label
    return None


class TestTimeoutNaN:
    @clause("MOD-TIMEOUT-NAN-01")
    def test_condition_wait_and_wait_for(self, backend: Any) -> None:
        cond = backend.Condition()

        def body() -> tuple[str | None, bool]:
            with cond:
                accepted = _first_accepted(
                    [
                        ("wait_for(true predicate, nan)", lambda: cond.wait_for(lambda: 1, NAN)),
                        ("wait(nan)", lambda: cond.wait(NAN)),
                        ("wait_for(false predicate, nan)", lambda: cond.wait_for(lambda: 0, NAN)),
                    ]
                )
                cond.notify()  # the lock is still held: a bad argument gave nothing up
                return accepted, True

        assert call_promptly(backend, body, what="Condition waits with NaN") == (None, True)

    @clause("MOD-TIMEOUT-NAN-01")
    @pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
    def test_semaphore_acquire(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        assert _raises(sem.acquire, True, NAN) is ValueError, "acquire(timeout=nan), free slot"
        assert sem.acquire(False) is True  # the failed call took nothing
        at_zero = call_promptly(
            backend, _raises, sem.acquire, True, NAN, what="acquire(timeout=nan) at zero"
        )
        assert at_zero is ValueError
        sem.release()
        assert sem.acquire(False) is True  # ... and left nothing behind
        assert sem.acquire(False) is False  # ... nor added a slot

    @clause("MOD-TIMEOUT-NAN-01")
    def test_event_wait(self, backend: Any) -> None:
        event = backend.Event()
        event.set()
        assert _raises(event.wait, NAN) is ValueError, "wait(nan) on a set Event"
        event.clear()
        unset = call_promptly(backend, _raises, event.wait, NAN, what="wait(nan), unset")
        assert unset is ValueError

    @clause("MOD-TIMEOUT-NAN-01")
    def test_barrier_wait(self, backend: Any) -> None:
        single = backend.Barrier(1)
        assert _raises(single.wait, NAN) is ValueError, "Barrier(1).wait(nan)"
        assert single.wait() == 0  # the failed call neither broke it nor counted
        barrier = backend.Barrier(2)
        raised = call_promptly(backend, _raises, barrier.wait, NAN, what="Barrier(2).wait(nan)")
        assert raised is ValueError
        assert (barrier.broken, barrier.n_waiting) == (False, 0)

    @clause("MOD-TIMEOUT-NAN-01")
    def test_barrier_default_timeout(self, backend: Any) -> None:
        single = backend.Barrier(1, timeout=NAN)
        assert _raises(single.wait) is ValueError, "Barrier(1, timeout=nan).wait()"
        barrier = backend.Barrier(2, timeout=NAN)
        raised = call_promptly(backend, _raises, barrier.wait, what="wait() with a NaN default")
        assert raised is ValueError

    @clause("THREAD-JOIN-NAN-01")
    def test_thread_join(self, backend: Any) -> None:
        ended = backend.Thread(target=lambda: None)
        ended.start()
        ended.join(LONG)
        assert _raises(ended.join, NAN) is ValueError, "join(nan) of an ended thread"
        thread, gate = _parked_thread(backend)
        try:
            raised = call_promptly(backend, _raises, thread.join, NAN, what="join(nan), alive")
            assert raised is ValueError
            assert thread.is_alive()
        finally:
            gate.set()


# ---------------------------------------------------------------------------- never early


def _never_early(call: Callable[[float], Any]) -> None:
    for timeout in ODD_TIMEOUTS:
        with elapsed() as clock:
            call(timeout)
        assert_not_early(clock, timeout)


class TestNeverEarly:
    @clause("LOCK-ACQ-TIMEOUT-02")
    def test_lock(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        _never_early(lambda t: lock.acquire(True, t))

    @clause("RLOCK-ACQ-TIMEOUT-02")
    def test_rlock(self, backend: Any) -> None:
        rlock = backend.RLock()
        spawn(backend, rlock.acquire).join()  # owned by a thread that has ended
        _never_early(lambda t: rlock.acquire(True, t))

    @clause("COND-WAIT-04")
    def test_condition_wait(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond:
            _never_early(cond.wait)

    @clause("COND-WAITFOR-05")
    def test_condition_wait_for(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond:
            _never_early(lambda t: cond.wait_for(lambda: False, t))

    @clause("SEM-ACQ-TIMEOUT-02")
    @pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
    def test_semaphore(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        sem.acquire()
        _never_early(lambda t: sem.acquire(True, t))

    @clause("EVENT-WAIT-03")
    def test_event(self, backend: Any) -> None:
        _never_early(backend.Event().wait)

    @clause("BARRIER-TIMEOUT-03")
    def test_barrier(self, backend: Any) -> None:
        def wait(timeout: float) -> None:
            with pytest.raises(backend.BrokenBarrierError):
                backend.Barrier(2).wait(timeout)

        _never_early(wait)

    @clause("THREAD-JOIN-03")
    def test_join(self, backend: Any) -> None:
        thread, gate = _parked_thread(backend)
        try:
            _never_early(thread.join)
        finally:
            gate.set()


# ---------------------------------------------------------------------------- smallest values


class TestSmallestValues:
    @clause("SEM-INIT-01")
    @pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
    def test_semaphore_of_zero(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(0)
        assert sem.acquire(False) is False
        assert call_promptly(backend, sem.acquire, True, 0.01, what="acquire(True, 0.01)") is False
        if kind == "BoundedSemaphore":
            with pytest.raises(ValueError, match=r"(?i)released too many times"):
                sem.release()
        else:
            sem.release()
            assert sem.acquire(False) is True
            assert sem.acquire(False) is False

    @clause("TIMER-01")
    def test_timer_of_zero_interval(self, backend: Any) -> None:
        done = backend.Event()
        timer = backend.Timer(0, done.set)
        timer.start()
        assert done.wait(LONG)
        timer.join(LONG)
        assert not timer.is_alive()

    @clause("BARRIER-WAIT-01", "BARRIER-IDX-01")
    def test_barrier_of_one_party(self, backend: Any) -> None:
        barrier = backend.Barrier(1)
        assert [call_promptly(backend, barrier.wait, LONG, what="wait()") for _ in range(3)] == [
            0,
            0,
            0,
        ]
        assert barrier.n_waiting == 0
        assert barrier.broken is False
