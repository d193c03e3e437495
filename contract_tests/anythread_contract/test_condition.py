"""Section 16.2.4: Condition objects, over an RLock (the default) or a Lock."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from anythread_contract._support import (
    LATE,
    LONG,
    SHORT,
    assert_not_early,
    elapsed,
    settle,
    spawn,
    wait_until,
)

clause = pytest.mark.clause


def _waiters(backend: Any, cond: Any, count: int) -> tuple[list[Any], list[int], list[bool]]:
    """Start ``count`` threads waiting on ``cond`` (bounded); return once all wait.

    Each waiter counts itself in ``ready`` while holding the lock and then waits, which
    releases the lock atomically: once the caller holds the lock and sees every waiter
    counted, all of them are inside wait().
    """
    ready: list[int] = []
    woken: list[bool] = []

    def body(i: int) -> None:
        with cond:
            ready.append(i)
            woken.append(bool(cond.wait(LONG)))

    workers = [spawn(backend, body, i) for i in range(count)]

    def all_waiting() -> bool:
        with cond:
            return len(ready) == count

    wait_until(backend, all_waiting, what=f"{count} threads to wait")
    return workers, ready, woken


class TestLockAndAcquire:
    @clause("COND-LOCK-01")
    def test_default_lock_is_reentrant(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond:
            assert cond.acquire(False) is True
            cond.release()
            assert spawn(backend, cond.acquire, False).join() is False
        assert spawn(backend, lambda: bool(cond.acquire(False)) and cond.release() is None).join()

    @clause("COND-LOCK-02")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_given_lock_is_used_and_shared(self, backend: Any, kind: str) -> None:
        lock = getattr(backend, kind)()
        first = backend.Condition(lock)
        second = backend.Condition(lock=lock)
        with first:
            assert spawn(backend, lock.acquire, False).join() is False
            assert spawn(backend, second.acquire, False).join() is False
        assert lock.acquire(False) is True
        lock.release()
        assert backend.Condition(None).acquire(False) is True

    @clause("COND-ACQ-01")
    def test_acquire_returns_the_locks_result(self, backend: Any) -> None:
        cond = backend.Condition(backend.Lock())
        assert cond.acquire() is True
        assert cond.acquire(False) is False
        assert cond.acquire(True, SHORT) is False
        assert cond.release() is None
        assert cond.acquire(timeout=SHORT) is True
        cond.release()


class TestWait:
    @clause("COND-WAIT-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_wait_without_lock_raises(self, backend: Any, kind: str) -> None:
        cond = backend.Condition(getattr(backend, kind)())
        with pytest.raises(RuntimeError):
            cond.wait()
        with pytest.raises(RuntimeError):
            cond.wait(SHORT)

    @clause("COND-WAIT-01")
    def test_wait_with_rlock_held_by_another_thread_raises(self, backend: Any) -> None:
        cond = backend.Condition()
        holding = backend.Event()
        done = backend.Event()

        def body() -> None:
            with cond:
                holding.set()
                done.wait(LONG)

        worker = spawn(backend, body)
        try:
            assert holding.wait(LONG)
            with pytest.raises(RuntimeError):
                cond.wait(SHORT)
        finally:
            done.set()
            worker.join()

    @clause("COND-WAIT-02")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_wait_releases_and_reacquires(self, backend: Any, kind: str) -> None:
        lock = getattr(backend, kind)()
        cond = backend.Condition(lock)
        result: list[Any] = []
        waiting = backend.Event()

        def waiter() -> None:
            with cond:
                waiting.set()
                result.append(cond.wait(LONG))
                # Re-acquired: another thread cannot take the lock now.
                result.append(spawn(backend, lock.acquire, False).join())

        worker = spawn(backend, waiter)
        assert waiting.wait(LONG)
        # The waiter released the lock inside wait(), so this acquire succeeds.
        with cond:
            assert result == []
            cond.notify()
        worker.join()
        assert result == [True, False]

    @clause("COND-WAIT-03")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_wait_timeout_returns_false_with_lock_held(self, backend: Any, kind: str) -> None:
        lock = getattr(backend, kind)()
        cond = backend.Condition(lock)
        with cond:
            with elapsed() as clock:
                assert cond.wait(SHORT) is False
            assert spawn(backend, lock.acquire, False).join() is False
        assert clock.seconds < SHORT + LATE

    @clause("COND-WAIT-04")
    def test_wait_timeout_not_early(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond, elapsed() as clock:
            cond.wait(SHORT)
        assert_not_early(clock, SHORT)

    @clause("COND-WAIT-05")
    def test_wait_with_recursive_rlock(self, backend: Any) -> None:
        lock = backend.RLock()
        cond = backend.Condition(lock)
        waiting = backend.Event()
        result: list[Any] = []

        def waiter() -> None:
            for _ in range(3):
                cond.acquire()
            waiting.set()
            result.append(cond.wait(LONG))
            # The recursion level is restored: two releases keep the lock held.
            cond.release()
            cond.release()
            result.append(spawn(backend, lock.acquire, False).join())
            cond.release()

        worker = spawn(backend, waiter)
        assert waiting.wait(LONG)
        with cond:  # possible only if wait() really unlocked the thrice-held RLock
            cond.notify()
        worker.join()
        assert result == [True, False]
        assert lock.acquire(False) is True
        lock.release()

    @clause("COND-WAIT-06")
    def test_wait_notify_with_plain_lock(self, backend: Any) -> None:
        cond = backend.Condition(backend.Lock())
        items: list[int] = []

        def consumer() -> int:
            with cond:
                while not items:
                    assert cond.wait(LONG)
                return items.pop()

        worker = spawn(backend, consumer)
        settle(backend)
        with cond:
            items.append(7)
            cond.notify()
        assert worker.join() == 7

    @clause("COND-WAIT-07")
    @pytest.mark.parametrize("timeout", [0, -1])
    def test_wait_zero_or_negative_returns_false(self, backend: Any, timeout: float) -> None:
        cond = backend.Condition()
        with cond, elapsed() as clock:
            assert cond.wait(timeout) is False
        assert clock.seconds < LATE


class TestWaitFor:
    @clause("COND-WAITFOR-01")
    def test_returns_last_predicate_value_evaluated_with_lock(self, backend: Any) -> None:
        lock = backend.Lock()
        cond = backend.Condition(lock)
        box: list[str] = []
        calls: list[bool] = []

        def predicate() -> str | None:
            calls.append(lock.locked())
            return box[0] if box else None

        def waiter() -> Any:
            with cond:
                return cond.wait_for(predicate)

        worker = spawn(backend, waiter)
        wait_until(backend, lambda: calls, what="the predicate's first call")
        with cond:
            cond.notify_all()  # a wakeup with the predicate still false
        settle(backend)
        with cond:
            box.append("ready")
            cond.notify_all()
        assert worker.join() == "ready"
        assert all(calls)

    @clause("COND-WAITFOR-02")
    def test_timeout_returns_falsy_last_value(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond:
            with elapsed() as clock:
                assert cond.wait_for(lambda: 0, timeout=SHORT) == 0
            result = cond.wait_for(lambda: [], SHORT)
        assert result == []
        assert clock.seconds < SHORT + LATE

    @clause("COND-WAITFOR-03")
    def test_true_predicate_returns_at_once(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond, elapsed() as clock:
            assert cond.wait_for(lambda: "yes") == "yes"
            assert cond.wait_for(lambda: 5, timeout=LONG) == 5
        assert clock.seconds < LATE

    @clause("COND-WAITFOR-04")
    def test_wait_for_without_lock_raises(self, backend: Any) -> None:
        cond = backend.Condition()
        with pytest.raises(RuntimeError):
            cond.wait_for(lambda: False, SHORT)


class TestNotify:
    @clause("COND-NOTIFY-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_notify_without_lock_raises(self, backend: Any, kind: str) -> None:
        cond = backend.Condition(getattr(backend, kind)())
        with pytest.raises(RuntimeError):
            cond.notify()
        with pytest.raises(RuntimeError):
            cond.notify_all()

    @clause("COND-NOTIFY-02")
    def test_notify_wakes_one(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond:
            cond.notify()  # no waiters: a no-op
        workers, _, woken = _waiters(backend, cond, 3)
        with cond:
            cond.notify()
        wait_until(backend, lambda: woken, what="a notified waiter to wake")
        settle(backend)
        assert 1 <= len(woken) < 3
        with cond:
            cond.notify_all()
        for worker in workers:
            worker.join()

    @clause("COND-NOTIFY-03")
    def test_notify_n(self, backend: Any) -> None:
        cond = backend.Condition()
        workers, _, woken = _waiters(backend, cond, 4)
        with cond:
            cond.notify(2)
        wait_until(backend, lambda: len(woken) >= 2, what="two notified waiters")
        settle(backend, 0.1)
        assert woken == [True, True]
        with cond:
            cond.notify(5)  # more than are waiting: wakes the rest
        for worker in workers:
            worker.join()
        assert woken == [True] * 4

    @clause("COND-NOTIFY-03")
    def test_notify_zero_wakes_nobody(self, backend: Any) -> None:
        cond = backend.Condition()
        workers, _, woken = _waiters(backend, cond, 2)
        with cond:
            cond.notify(0)
        settle(backend, 0.1)
        assert woken == [], "notify(0) woke a waiter"
        with cond:
            cond.notify_all()
        for worker in workers:
            worker.join()
        assert woken == [True, True]

    @clause("COND-NOTIFY-04")
    def test_notified_thread_waits_for_the_lock(self, backend: Any) -> None:
        cond = backend.Condition()
        workers, _, woken = _waiters(backend, cond, 1)
        with cond:
            cond.notify()
            settle(backend)
            assert woken == [], "wait() returned while the notifier held the lock"
        workers[0].join()
        assert woken == [True]

    @clause("COND-NOTIFYALL-01")
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_notify_all_wakes_all(self, backend: Any, kind: str) -> None:
        cond = backend.Condition(getattr(backend, kind)())
        workers, _, woken = _waiters(backend, cond, 3)
        with cond:
            cond.notify_all()
        for worker in workers:
            worker.join()
        assert woken == [True, True, True]

    @clause("COND-NOTIFYALL-02")
    def test_notify_all_camel_case_alias(self, backend: Any) -> None:
        cond = backend.Condition()
        workers, _, woken = _waiters(backend, cond, 2)
        with cond, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            cond.notifyAll()
        for worker in workers:
            worker.join()
        assert woken == [True, True]
