"""Sections 16.2.2 and 16.2.3: Lock and RLock edge cases that the mutation run found
unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from anythread_contract._support import LATE, LONG, elapsed, settle, spawn, wait_until

clause = pytest.mark.clause


class _MinusOne:
    """A timeout of -1 that is not an int: CPython takes any object with __index__."""

    def __index__(self) -> int:
        return -1


def _held_elsewhere(backend: Any, lock: Any) -> Any:
    """Acquire ``lock`` in another thread, which keeps it until the returned Event is set."""
    done = backend.Event()
    holding: list[bool] = []

    def hold() -> None:
        with lock:
            holding.append(True)
            done.wait(30)

    spawn(backend, hold)
    wait_until(backend, lambda: holding, what="another thread to take the lock")
    return done


class TestLockEdges:
    @clause("LOCK-ACQ-TIMEOUT-01", "RLOCK-ACQ-TIMEOUT-01")
    def test_timeout_of_exactly_one_second_expires(self, backend: Any) -> None:
        # A timeout of 1 (not only -1) is a bounded wait, and so is a timeout of more
        # than a second; all wait side by side.
        locks = [backend.Lock(), backend.RLock(), backend.Lock(), backend.RLock()]
        timeouts = [1, 1, 1.25, 1.25]
        releases = [_held_elsewhere(backend, lock) for lock in locks]
        try:
            with elapsed() as clock:
                waiters = [
                    spawn(backend, lock.acquire, True, timeout)
                    for lock, timeout in zip(locks, timeouts, strict=True)
                ]
                results = [waiter.join(1.25 + LATE) for waiter in waiters]
            assert results == [False] * 4
            assert clock.seconds < 1.25 + LATE
        finally:
            for release in releases:
                release.set()

    @clause("LOCK-ARG-INDEX-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_non_blocking_with_index_minus_one_does_not_wait(self, backend: Any, kind: str) -> None:
        lock = getattr(backend, kind)()
        release = _held_elsewhere(backend, lock)
        try:
            assert spawn(backend, lock.acquire, False, _MinusOne()).join() is False
        finally:
            release.set()

    @clause("LOCK-ARG-INDEX-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_index_minus_one_waits_without_bound(self, backend: Any, kind: str) -> None:
        lock = getattr(backend, kind)()
        release = _held_elsewhere(backend, lock)
        started = backend.Event()

        def take() -> bool:
            started.set()
            ok = bool(lock.acquire(True, _MinusOne()))
            if ok:
                lock.release()
            return ok

        waiter = spawn(backend, take)
        assert started.wait(LONG)
        settle(backend)
        assert waiter.done is False, "acquire(timeout=-1) returned while the lock was held"
        release.set()
        assert waiter.join() is True

    @clause("LOCK-ACQ-ZERO-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_zero_timeout_does_not_wait(self, backend: Any, kind: str) -> None:
        lock = getattr(backend, kind)()
        release = _held_elsewhere(backend, lock)
        try:
            assert spawn(backend, lock.acquire, True, 0).join() is False
            assert spawn(backend, lock.acquire, True, 0.0).join() is False
        finally:
            release.set()
        # Once the other thread lets go, a zero timeout takes the free lock.
        wait_until(backend, lambda: lock.acquire(True, 0), what="the lock to be free")
        lock.release()

    @clause("RLOCK-ARG-01")
    @pytest.mark.parametrize("owner", [False, True])
    @pytest.mark.parametrize(
        ("blocking", "timeout"),
        [(False, 1), (False, 0), (True, -2), (True, -0.5), (True, float("nan"))],
    )
    def test_bad_arguments_raise_owner_or_not(
        self, backend: Any, owner: bool, blocking: bool, timeout: float
    ) -> None:
        lock = backend.RLock()
        if owner:
            lock.acquire()
        with pytest.raises(ValueError, match=r"(?i)timeout|nan"):
            lock.acquire(blocking, timeout)
        if owner:
            lock.release()  # the failed call did not count as an acquire
        assert spawn(backend, lock.acquire, False).join() is True

    @clause("MOD-TIMEOUT-MAX-02")
    def test_timeout_equal_to_the_maximum_is_allowed_everywhere(self, backend: Any) -> None:
        top = backend.TIMEOUT_MAX
        rlock = backend.RLock()
        assert rlock.acquire(True, top) is True
        assert rlock.acquire(True, top) is True  # the owner's check too
        rlock.release()
        rlock.release()
        cond = backend.Condition()
        event = backend.Event()
        event.set()
        assert event.wait(top) is True
        with cond:
            assert cond.wait_for(lambda: True, top) is True
        sem = backend.Semaphore(1)
        assert sem.acquire(True, top) is True
        thread = backend.Thread(target=lambda: None)
        thread.start()
        thread.join(top)
        thread.join(top)  # an ended thread: CPython 3.10-3.12 check nothing, 3.13 the value
        assert not thread.is_alive()

    @clause("LOCK-ARG-02", "RLOCK-ARG-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    @pytest.mark.parametrize("timeout", [-5, -0.5, 2])
    def test_non_blocking_with_a_timeout_is_refused_before_the_timeout_is_judged(
        self, backend: Any, kind: str, timeout: float
    ) -> None:
        # CPython checks "non-blocking with a timeout" first, whatever the timeout's sign.
        with pytest.raises(ValueError, match=r"^can't specify a timeout for a non-blocking call$"):
            getattr(backend, kind)().acquire(False, timeout)

    @clause("LOCK-ARG-INDEX-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    @pytest.mark.parametrize(
        "timeout", [Decimal("0.01"), Fraction(1, 100)], ids=["Decimal", "Fraction"]
    )
    def test_a_timeout_neither_float_nor_index_is_refused(
        self, backend: Any, kind: str, timeout: object
    ) -> None:
        # CPython takes a float or an object with __index__, not any number with __float__.
        lock = getattr(backend, kind)()
        with pytest.raises(TypeError):
            lock.acquire(True, timeout)
        assert lock.acquire(False) is True  # the refused call took nothing

    @clause("LOCK-ARG-02", "RLOCK-ARG-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_negative_timeout_message_is_the_running_pythons(self, backend: Any, kind: str) -> None:
        expected = (
            "timeout value must be a non-negative number"
            if sys.version_info >= (3, 13)
            else "timeout value must be positive"
        )
        with pytest.raises(ValueError, match=f"^{expected}$"):
            getattr(backend, kind)().acquire(timeout=-2)

    @clause("RLOCK-REL-01")
    @pytest.mark.parametrize("timeout", [LONG, 0, 0.5])
    def test_timed_acquire_counts_one_level(self, backend: Any, timeout: float) -> None:
        lock = backend.RLock()
        assert lock.acquire(True, timeout) is True
        assert lock.acquire(True, timeout) is True
        lock.release()
        assert spawn(backend, lock.acquire, False).join() is False
        lock.release()
        assert spawn(backend, lock.acquire, False).join() is True

    @clause("LOCK-ACQ-02", "RLOCK-ACQ-02")
    def test_acquire_without_arguments_waits_past_a_second(self, backend: Any) -> None:
        # The default is to block for as long as it takes (timeout -1), not for a while:
        # both kinds wait side by side for longer than a second.
        locks = [backend.Lock(), backend.RLock()]
        releases = [_held_elsewhere(backend, lock) for lock in locks]
        started = [backend.Event() for _ in locks]

        def take(lock: Any, started: Any) -> bool:
            started.set()
            ok = bool(lock.acquire())
            lock.release()
            return ok

        waiters = [spawn(backend, take, *pair) for pair in zip(locks, started, strict=True)]
        assert all(event.wait(LONG) for event in started)
        backend.sleep(1.2)  # not waiting for a thread: letting a wrong bound expire
        assert [w.done for w in waiters] == [False, False], "acquire() gave up"
        for release in releases:
            release.set()
        assert [w.join() for w in waiters] == [True, True]

    @clause("LOCK-REPR-01")
    def test_lock_repr_shows_state(self, backend: Any) -> None:
        lock = backend.Lock()
        # CPython's shape: '<unlocked _thread.lock object at 0x...>' (its own lock
        # tests check the state, the word 'object' and the address).
        assert re.fullmatch(r"<unlocked \S+ object (.*)?at 0x[0-9a-f]+>", repr(lock)), repr(lock)
        with lock:
            assert re.fullmatch(r"<locked \S+ object (.*)?at 0x[0-9a-f]+>", repr(lock)), repr(lock)
        assert repr(lock).startswith("<unlocked "), repr(lock)

    @clause("RLOCK-REPR-01")
    def test_repr_shows_state_and_count(self, backend: Any) -> None:
        lock = backend.RLock()
        cond = backend.Condition(lock)
        assert repr(lock).startswith("<unlocked "), repr(lock)
        assert "count=0" in repr(lock), repr(lock)
        # CPython's shape: '<unlocked _thread.RLock object owner=0 count=0 at 0x...>'.
        shape = r"<(un)?locked \S+ object (.*)?count=\d+ at 0x[0-9a-f]+>"
        assert re.fullmatch(shape, repr(lock)), repr(lock)

        def look_while_the_owner_waits() -> str:
            # The owner waits on the condition: the lock is released completely.
            wait_until(backend, lambda: repr(lock).startswith("<unlocked "), what="wait()")
            seen = repr(lock)
            with cond:
                cond.notify()
            return seen

        with lock, lock:
            assert repr(lock).startswith("<locked "), repr(lock)
            assert "count=2" in repr(lock), repr(lock)
            assert re.fullmatch(shape, repr(lock)), repr(lock)
            looker = spawn(backend, look_while_the_owner_waits)
            assert cond.wait(LONG) is True
            assert "count=2" in repr(lock), repr(lock)
        assert "count=0" in looker.join()
        assert repr(lock).startswith("<unlocked "), repr(lock)
        assert "count=0" in repr(lock), repr(lock)
