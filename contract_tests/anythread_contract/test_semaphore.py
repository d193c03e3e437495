"""Section 16.2.5: Semaphore and BoundedSemaphore objects."""

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
KINDS = ["Semaphore", "BoundedSemaphore"]
#: CPython says "Semaphore released too many times".
_TOO_MANY = r"(?i)too many|exceed"


def _drain(sem: Any) -> int:
    count = 0
    while sem.acquire(False):
        count += 1
        if count > 1000:
            raise AssertionError("the semaphore never runs out")
    return count


@pytest.mark.parametrize("kind", KINDS)
class TestSemaphore:
    @clause("SEM-INIT-01")
    def test_value_defaults_to_one(self, backend: Any, kind: str) -> None:
        assert _drain(getattr(backend, kind)()) == 1
        assert _drain(getattr(backend, kind)(3)) == 3
        assert _drain(getattr(backend, kind)(value=0)) == 0

    @clause("SEM-INIT-02")
    def test_negative_value_raises(self, backend: Any, kind: str) -> None:
        with pytest.raises(ValueError, match=r"(?i)value"):
            getattr(backend, kind)(-1)

    @clause("SEM-ACQ-01")
    def test_acquire_decrements(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(2)
        with elapsed() as clock:
            assert sem.acquire() is True
            assert sem.acquire() is True
        assert clock.seconds < LATE
        assert sem.acquire(False) is False

    @clause("SEM-ACQ-02")
    def test_acquire_blocks_at_zero(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        sem.acquire()
        got: list[bool] = []
        trying = backend.Event()

        def body() -> None:
            trying.set()
            got.append(sem.acquire())

        worker = spawn(backend, body)
        assert trying.wait(LONG)
        settle(backend)
        assert got == []
        sem.release()
        worker.join()
        assert got == [True]

    @clause("SEM-ACQ-03")
    def test_release_wakes_exactly_one(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(3)
        for _ in range(3):
            sem.acquire()
        got: list[int] = []

        def body(i: int) -> None:
            assert sem.acquire(timeout=LONG)
            got.append(i)

        workers = [spawn(backend, body, i) for i in range(3)]
        settle(backend)
        assert got == []
        sem.release()
        wait_until(backend, lambda: got, what="one waiter to pass")
        settle(backend)
        assert len(got) == 1
        sem.release()
        sem.release()
        for worker in workers:
            worker.join()
        assert sorted(got) == [0, 1, 2]

    @clause("SEM-ACQ-04")
    def test_never_more_holders_than_value(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(2)
        state = {"inside": 0, "max": 0}
        guard = backend.Lock()

        def body() -> None:
            for i in range(100):
                with sem:
                    with guard:
                        state["inside"] += 1
                        state["max"] = max(state["max"], state["inside"])
                    if i % 10 == 0:
                        backend.sleep(0)
                    with guard:
                        state["inside"] -= 1

        workers = [spawn(backend, body) for _ in range(5)]
        for worker in workers:
            worker.join()
        assert state["max"] <= 2
        assert _drain(sem) == 2

    @clause("SEM-ACQ-NB-01")
    def test_non_blocking(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        assert sem.acquire(False) is True
        with elapsed() as clock:
            assert sem.acquire(blocking=False) is False
        assert clock.seconds < LATE

    @clause("SEM-ACQ-TIMEOUT-01")
    def test_timeout_expires(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        sem.acquire()
        assert sem.acquire(timeout=SHORT) is False
        assert sem.acquire(True, SHORT) is False
        sem.release()
        assert sem.acquire(timeout=SHORT) is True

    @clause("SEM-ACQ-TIMEOUT-02")
    def test_timeout_not_early(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(0)
        with elapsed() as clock:
            sem.acquire(timeout=SHORT)
        assert_not_early(clock, SHORT)

    @clause("SEM-ARG-01")
    def test_timeout_with_non_blocking_raises(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        with pytest.raises(ValueError, match=r"(?i)timeout"):
            sem.acquire(False, 1)
        assert sem.acquire(False) is True

    @clause("SEM-REL-01")
    def test_release_increments_and_wakes(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(1)
        sem.acquire()
        worker = spawn(backend, sem.acquire, True, LONG)
        settle(backend)
        assert sem.release() is None
        assert worker.join() is True
        assert sem.acquire(False) is False

    @clause("SEM-REL-02")
    def test_release_n(self, backend: Any, kind: str) -> None:
        sem = getattr(backend, kind)(3)
        for _ in range(3):
            sem.acquire()
        got: list[int] = []

        def body(i: int) -> None:
            assert sem.acquire(timeout=LONG)
            got.append(i)

        workers = [spawn(backend, body, i) for i in range(3)]
        settle(backend)
        sem.release(2)
        wait_until(backend, lambda: len(got) >= 2, what="two waiters to pass")
        settle(backend)
        assert len(got) == 2
        sem.release(1)
        for worker in workers:
            worker.join()
        assert sorted(got) == [0, 1, 2]

    @clause("SEM-REL-03")
    @pytest.mark.parametrize("n", [0, -1])
    def test_release_n_below_one_raises(self, backend: Any, kind: str, n: int) -> None:
        sem = getattr(backend, kind)(1)
        sem.acquire()
        with pytest.raises(ValueError, match=r"(?i)one or more|\bn\b"):
            sem.release(n)
        assert sem.acquire(False) is False


class TestUnbounded:
    @clause("SEM-REL-01")
    def test_plain_semaphore_may_exceed_initial_value(self, backend: Any) -> None:
        sem = backend.Semaphore(1)
        sem.release()
        sem.release(2)
        assert _drain(sem) == 4


class TestBounded:
    @clause("BSEM-01")
    def test_release_beyond_initial_value_raises(self, backend: Any) -> None:
        sem = backend.BoundedSemaphore(2)
        with pytest.raises(ValueError, match=_TOO_MANY):
            sem.release()
        sem.acquire()
        sem.release()
        with pytest.raises(ValueError, match=_TOO_MANY):
            sem.release()
        assert _drain(sem) == 2

    @clause("BSEM-02")
    def test_default_value_and_semaphore_behaviour(self, backend: Any) -> None:
        sem = backend.BoundedSemaphore()
        assert sem.acquire(False) is True
        assert sem.acquire(False) is False
        sem.release()
        with pytest.raises(ValueError, match=_TOO_MANY):
            sem.release()
        assert spawn(backend, sem.acquire, False).join() is True

    @clause("BSEM-03")
    def test_negative_value_raises(self, backend: Any) -> None:
        with pytest.raises(ValueError, match=r"(?i)value"):
            backend.BoundedSemaphore(-1)

    @clause("BSEM-04")
    def test_release_n_beyond_bound_raises_unchanged(self, backend: Any) -> None:
        sem = backend.BoundedSemaphore(3)
        sem.acquire()
        sem.acquire()
        with pytest.raises(ValueError, match=_TOO_MANY):
            sem.release(3)
        assert _drain(sem) == 1
