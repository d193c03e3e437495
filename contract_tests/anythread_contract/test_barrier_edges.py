"""Section 16.2.8: Barrier edge cases that the mutation run found unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from anythread_contract._support import LONG, spawn, wait_until

clause = pytest.mark.clause


def _outcome(barrier: Any) -> Any:
    """Call ``barrier.wait``; return its index or the exception it raised."""
    try:
        return barrier.wait(LONG)
    except Exception as exc:
        return exc


class TestBarrierEdges:
    @clause("BARRIER-RESET-01")
    def test_reset_breaks_a_single_waiter(self, backend: Any) -> None:
        barrier = backend.Barrier(2)
        waiter = spawn(backend, _outcome, barrier)
        wait_until(backend, lambda: barrier.n_waiting == 1, what="a thread at the barrier")
        barrier.reset()
        assert isinstance(waiter.join(), backend.BrokenBarrierError)
        assert barrier.broken is False

    @clause("BARRIER-BROKEN-01")
    def test_broken_barrier_of_one_party_raises(self, backend: Any) -> None:
        # The one party is also the last to arrive: it must not run the action and
        # release the barrier (repairing it) instead of raising.
        actions: list[int] = []
        barrier = backend.Barrier(1, action=lambda: actions.append(1))
        assert barrier.wait(LONG) == 0
        barrier.abort()
        with pytest.raises(backend.BrokenBarrierError):
            barrier.wait(LONG)
        assert barrier.broken is True
        assert actions == [1]

    @clause("BARRIER-WAIT-01")
    def test_many_parties(self, backend: Any) -> None:
        # More parties than CPython caches small integers for (-5..256): the count of
        # arrivals must be compared by value.
        parties = 300
        barrier = backend.Barrier(parties, timeout=LONG)
        workers = [spawn(backend, _outcome, barrier) for _ in range(parties - 1)]
        wait_until(backend, lambda: barrier.n_waiting == parties - 1, what=f"{parties - 1} threads")
        last = barrier.wait(LONG)
        indices = sorted([last] + [worker.join() for worker in workers])
        assert indices == list(range(parties))

    @clause("BARRIER-INIT-01")
    @pytest.mark.parametrize("parties", [0, -1])
    def test_fewer_than_one_party_raises(self, backend: Any, parties: int) -> None:
        try:
            barrier = backend.Barrier(parties)
        except ValueError:
            return
        # CPython's own Barrier before 3.12.5 accepted it: that is its behaviour there.
        assert getattr(backend.Barrier, "__module__", "") == "threading", (
            f"Barrier({parties}) did not raise ValueError: {barrier!r}"
        )

    @clause("BARRIER-ATTR-IDLE-01")
    @pytest.mark.parametrize("how", ["reset", "abort"])
    def test_no_thread_counts_as_waiting_once_sent_away(self, backend: Any, how: str) -> None:
        barrier = backend.Barrier(3)
        waiters = [spawn(backend, _outcome, barrier) for _ in range(2)]
        wait_until(backend, lambda: barrier.n_waiting == 2, what="two threads at the barrier")
        getattr(barrier, how)()
        # At once: the threads sent away may not have left yet, but none waits any more.
        assert barrier.n_waiting == 0
        for waiter in waiters:
            assert isinstance(waiter.join(), backend.BrokenBarrierError)
        assert barrier.n_waiting == 0

    @clause("BARRIER-REPR-01")
    def test_repr_shows_waiters_or_broken(self, backend: Any) -> None:
        barrier = backend.Barrier(2)
        if sys.version_info < (3, 11) and "object at" in repr(barrier):
            pytest.skip("before 3.11, CPython's Barrier repr does not show its state")
        assert repr(barrier).endswith(": waiters=0/2>"), repr(barrier)
        waiter = spawn(backend, _outcome, barrier)
        wait_until(backend, lambda: barrier.n_waiting == 1, what="a thread at the barrier")
        assert repr(barrier).endswith(": waiters=1/2>"), repr(barrier)
        barrier.abort()
        assert repr(barrier).endswith(": broken>"), repr(barrier)
        assert isinstance(waiter.join(), backend.BrokenBarrierError)
