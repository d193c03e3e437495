"""Section 16.2.8: Barrier objects."""

from __future__ import annotations

from typing import Any

import pytest

from anythread_contract._support import LATE, LONG, SHORT, elapsed, settle, spawn, wait_until

clause = pytest.mark.clause


def _outcome(backend: Any, barrier: Any, timeout: float | None = LONG) -> Any:
    """Call ``barrier.wait``; return its index or the exception it raised."""
    try:
        return barrier.wait(timeout)
    except Exception as exc:
        return exc


def _wait_all(backend: Any, barrier: Any, parties: int) -> list[Any]:
    workers = [spawn(backend, _outcome, backend, barrier) for _ in range(parties)]
    return [worker.join() for worker in workers]


class TestBarrier:
    @clause("BARRIER-WAIT-01")
    def test_blocks_until_all_parties_arrive(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        passed: list[int] = []

        def body() -> None:
            barrier.wait(LONG)
            passed.append(1)

        workers = [spawn(backend, body) for _ in range(2)]
        wait_until(backend, lambda: barrier.n_waiting == 2, what="two threads at the barrier")
        settle(backend)
        assert passed == []
        barrier.wait(LONG)
        for worker in workers:
            worker.join()
        assert passed == [1, 1]

    @clause("BARRIER-IDX-01")
    @pytest.mark.parametrize("parties", [1, 2, 5])
    def test_indices_are_distinct(self, backend: Any, parties: int) -> None:
        barrier = backend.Barrier(parties)
        results = _wait_all(backend, barrier, parties)
        assert sorted(results) == list(range(parties))

    @clause("BARRIER-ACTION-01")
    def test_action_runs_once_before_release(self, backend: Any) -> None:
        calls: list[Any] = []
        barrier = backend.Barrier(3, action=lambda: calls.append(backend.current_thread()))

        def body() -> int:
            index: int = barrier.wait(LONG)
            assert len(calls) == 1, "released before the action ran"
            return index

        workers = [spawn(backend, body) for _ in range(3)]
        assert sorted(worker.join() for worker in workers) == [0, 1, 2]
        assert len(calls) == 1
        assert calls[0] in [worker.thread for worker in workers]

    @clause("BARRIER-ACTION-02")
    def test_failing_action_breaks_the_barrier(self, backend: Any) -> None:
        def action() -> None:
            raise ZeroDivisionError("action failed")

        barrier = backend.Barrier(3, action=action)
        results = _wait_all(backend, barrier, 3)
        assert barrier.broken is True
        assert all(isinstance(r, Exception) for r in results), results
        with pytest.raises(backend.BrokenBarrierError):
            barrier.wait(SHORT)

    @clause("BARRIER-ACTION-03")
    def test_failing_action_error_goes_to_its_caller(self, backend: Any) -> None:
        def action() -> None:
            raise ZeroDivisionError("action failed")

        barrier = backend.Barrier(3, action=action)
        results = _wait_all(backend, barrier, 3)
        kinds = sorted(type(r).__name__ for r in results)
        assert kinds == ["BrokenBarrierError", "BrokenBarrierError", "ZeroDivisionError"]

    @clause("BARRIER-TIMEOUT-01")
    def test_timeout_breaks_the_barrier(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        other = spawn(backend, _outcome, backend, barrier, LONG)
        wait_until(backend, lambda: barrier.n_waiting == 1, what="a thread at the barrier")
        with elapsed() as clock, pytest.raises(backend.BrokenBarrierError):
            barrier.wait(SHORT)
        assert clock.seconds < SHORT + LATE
        assert barrier.broken is True
        assert isinstance(other.join(), backend.BrokenBarrierError)

    @clause("BARRIER-TIMEOUT-02")
    def test_constructor_timeout_is_the_default(self, backend: Any) -> None:
        barrier = backend.Barrier(2, timeout=SHORT)
        with elapsed() as clock, pytest.raises(backend.BrokenBarrierError):
            barrier.wait()
        assert clock.seconds < SHORT + LATE
        assert barrier.broken is True

    @clause("BARRIER-TIMEOUT-02")
    def test_wait_timeout_preferred(self, backend: Any) -> None:
        barrier = backend.Barrier(2, timeout=LONG * 3)
        with elapsed() as clock, pytest.raises(backend.BrokenBarrierError):
            barrier.wait(SHORT)
        assert clock.seconds < SHORT + LATE

    @clause("BARRIER-BROKEN-01")
    def test_broken_barrier_raises(self, backend: Any) -> None:
        barrier = backend.Barrier(2)
        states = [barrier.broken]
        barrier.abort()
        states.append(barrier.broken)
        assert states == [False, True]
        with elapsed() as clock:
            for _ in range(2):
                with pytest.raises(backend.BrokenBarrierError):
                    barrier.wait(LONG)
        assert clock.seconds < LATE

    @clause("BARRIER-RESET-01")
    def test_reset_breaks_waiters_and_empties(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        waiters = [spawn(backend, _outcome, backend, barrier) for _ in range(2)]
        wait_until(backend, lambda: barrier.n_waiting == 2, what="two threads at the barrier")
        assert barrier.reset() is None
        for waiter in waiters:
            assert isinstance(waiter.join(), backend.BrokenBarrierError)
        assert barrier.broken is False
        assert barrier.n_waiting == 0
        assert sorted(_wait_all(backend, barrier, 3)) == [0, 1, 2]

    @clause("BARRIER-RESET-01")
    def test_reset_repairs_a_broken_barrier(self, backend: Any) -> None:
        barrier = backend.Barrier(2)
        barrier.abort()
        barrier.reset()
        assert barrier.broken is False
        assert sorted(_wait_all(backend, barrier, 2)) == [0, 1]

    @clause("BARRIER-ABORT-01")
    def test_abort_breaks_active_and_future_waits(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        waiters = [spawn(backend, _outcome, backend, barrier) for _ in range(2)]
        wait_until(backend, lambda: barrier.n_waiting == 2, what="two threads at the barrier")
        assert barrier.abort() is None
        for waiter in waiters:
            assert isinstance(waiter.join(), backend.BrokenBarrierError)
        assert barrier.broken is True
        with pytest.raises(backend.BrokenBarrierError):
            barrier.wait(LONG)

    @clause("BARRIER-ATTR-01")
    def test_parties_and_n_waiting(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        assert barrier.parties == 3
        assert barrier.n_waiting == 0
        first = spawn(backend, _outcome, backend, barrier)
        wait_until(backend, lambda: barrier.n_waiting == 1, what="one thread at the barrier")
        second = spawn(backend, _outcome, backend, barrier)
        wait_until(backend, lambda: barrier.n_waiting == 2, what="two threads at the barrier")
        barrier.wait(LONG)
        first.join()
        second.join()
        assert barrier.n_waiting == 0
        assert barrier.parties == 3

    @clause("BARRIER-REUSE-01")
    def test_reuse(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        rounds: list[list[int]] = [[], [], []]

        def body() -> None:
            for r in range(3):
                rounds[r].append(barrier.wait(LONG))

        workers = [spawn(backend, body) for _ in range(3)]
        for worker in workers:
            worker.join()
        assert [sorted(r) for r in rounds] == [[0, 1, 2]] * 3
        assert barrier.broken is False
