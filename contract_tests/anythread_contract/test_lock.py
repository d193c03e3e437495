"""Section 16.2.2: primitive Lock objects."""

from __future__ import annotations

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


class TestLock:
    @clause("LOCK-INIT-01")
    def test_created_unlocked(self, backend: Any) -> None:
        lock = backend.Lock()
        assert lock.locked() is False
        assert lock.acquire(False) is True

    @clause("LOCK-ACQ-01")
    def test_acquire_unlocked_returns_true(self, backend: Any) -> None:
        lock = backend.Lock()
        with elapsed() as clock:
            assert lock.acquire() is True
        assert lock.locked() is True
        lock.release()
        assert lock.acquire(True) is True
        assert lock.acquire(False) is False
        assert clock.seconds < LATE

    @clause("LOCK-ACQ-02")
    def test_acquire_blocks_until_released_by_another_thread(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        got: list[bool] = []
        trying = backend.Event()

        def body() -> None:
            trying.set()
            got.append(lock.acquire())

        worker = spawn(backend, body)
        assert trying.wait(LONG)
        settle(backend)
        assert got == [], "acquire() returned while the lock was held"
        lock.release()
        worker.join()
        assert got == [True]
        assert lock.locked() is True

    @clause("LOCK-ACQ-03")
    def test_mutual_exclusion(self, backend: Any) -> None:
        lock = backend.Lock()
        state = {"inside": 0, "max": 0, "total": 0}

        def body() -> None:
            for _ in range(200):
                with lock:
                    state["inside"] += 1
                    state["max"] = max(state["max"], state["inside"])
                    if state["total"] % 50 == 0:
                        backend.sleep(0)
                    state["total"] += 1
                    state["inside"] -= 1

        workers = [spawn(backend, body) for _ in range(4)]
        for worker in workers:
            worker.join()
        assert state["max"] == 1
        assert state["total"] == 800

    @clause("LOCK-ACQ-NB-01")
    def test_non_blocking(self, backend: Any) -> None:
        lock = backend.Lock()
        assert lock.acquire(False) is True
        assert lock.acquire(blocking=False) is False
        with elapsed() as clock:
            assert spawn(backend, lock.acquire, False).join() is False
        assert clock.seconds < LATE

    @clause("LOCK-ACQ-TIMEOUT-01")
    def test_timeout_expires(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        with elapsed() as clock:
            assert lock.acquire(timeout=SHORT) is False
            assert lock.acquire(True, SHORT) is False
        assert clock.seconds < 2 * SHORT + LATE
        assert spawn(backend, lambda: lock.acquire(timeout=SHORT)).join() is False

    @clause("LOCK-ACQ-TIMEOUT-02")
    def test_timeout_not_early(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        for timeout in (SHORT, 0.25):
            with elapsed() as clock:
                lock.acquire(timeout=timeout)
            assert_not_early(clock, timeout)

    @clause("LOCK-ACQ-TIMEOUT-03")
    def test_timeout_acquires_when_released(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        trying = backend.Event()

        def body() -> bool:
            trying.set()
            return bool(lock.acquire(timeout=LONG * 3))

        worker = spawn(backend, body)
        assert trying.wait(LONG)
        settle(backend)
        with elapsed() as clock:
            lock.release()
            assert worker.join() is True
        assert clock.seconds < LONG

    @clause("LOCK-ACQ-TIMEOUT-04")
    def test_minus_one_is_unbounded(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        trying = backend.Event()

        def body() -> bool:
            trying.set()
            return bool(lock.acquire(True, -1))

        worker = spawn(backend, body)
        assert trying.wait(LONG)
        settle(backend)
        assert worker.thread.is_alive()
        lock.release()
        assert worker.join() is True

    @clause("LOCK-ARG-01")
    def test_timeout_with_non_blocking_raises(self, backend: Any) -> None:
        lock = backend.Lock()
        with pytest.raises(ValueError, match=r"(?i)timeout"):
            lock.acquire(False, 1)
        with pytest.raises(ValueError, match=r"(?i)timeout"):
            lock.acquire(blocking=False, timeout=0)
        assert lock.locked() is False

    @clause("LOCK-ARG-02")
    @pytest.mark.parametrize("timeout", [-2, -0.5, float("nan")])
    def test_bad_timeout_raises(self, backend: Any, timeout: float) -> None:
        lock = backend.Lock()
        with pytest.raises(ValueError, match=r"(?i)timeout|nan"):
            lock.acquire(timeout=timeout)
        assert lock.locked() is False

    @clause("LOCK-REL-01")
    def test_release_unlocks(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        assert lock.release() is None
        assert lock.locked() is False
        assert lock.acquire(False) is True

    @clause("LOCK-REL-02")
    def test_release_unlocked_raises(self, backend: Any) -> None:
        lock = backend.Lock()
        with pytest.raises(RuntimeError):
            lock.release()
        lock.acquire()
        lock.release()
        with pytest.raises(RuntimeError):
            lock.release()

    @clause("LOCK-REL-03")
    def test_any_thread_may_release(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        spawn(backend, lock.release).join()
        assert lock.locked() is False
        spawn(backend, lock.acquire).join()
        lock.release()
        assert lock.locked() is False

    @clause("LOCK-REL-04")
    def test_release_lets_exactly_one_waiter_proceed(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        acquired: list[int] = []
        go = backend.Event()

        def body(i: int) -> None:
            assert lock.acquire(timeout=LONG)
            acquired.append(i)
            go.wait(LONG)

        workers = [spawn(backend, body, i) for i in range(3)]
        settle(backend)
        lock.release()
        wait_until(backend, lambda: acquired, what="one waiter to get the lock")
        settle(backend)
        assert len(acquired) == 1
        for expected in (2, 3):
            lock.release()

            def reached(n: int = expected) -> bool:
                return len(acquired) == n

            wait_until(backend, reached, what="the next waiter")
        go.set()
        for worker in workers:
            worker.join()
        assert sorted(acquired) == [0, 1, 2]

    @clause("LOCK-LOCKED-01")
    def test_locked(self, backend: Any) -> None:
        lock = backend.Lock()
        assert lock.locked() is False
        lock.acquire()
        assert lock.locked() is True
        assert spawn(backend, lock.locked).join() is True
        lock.release()
        assert lock.locked() is False
