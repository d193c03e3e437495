"""Short concurrent workouts of the semantics layer, looking for lost wakeups and races.

Each runs a few threads hard for a bounded number of rounds, on ``pure`` and on the toy
kernel (whose timed lock acquires come back early, exercising every re-wait loop), and
checks an invariant at the end.  Every wait is bounded, so a lost wakeup fails the test
instead of hanging it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_semantics_kernels import toy_backend

LONG = 20.0
THREADS = 4


@pytest.fixture(params=["pure", "toy"])
def backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "pure":
        from anythread_backends.pure import backend as pure

        yield pure
    else:
        yield toy_backend()


def run_all(backend: Any, target: Callable[[int], object], count: int = THREADS) -> None:
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [backend.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LONG)
        assert not thread.is_alive(), "a worker is stuck"
    if errors:
        raise errors[0]


class TestSemaphoreUnderLoad:
    def test_never_more_holders_than_its_value(self, backend: Any) -> None:
        sem = backend.BoundedSemaphore(2)
        guard = backend.Lock()
        holders = [0]
        peak = [0]

        def worker(i: int) -> None:
            for n in range(200):
                acquired = sem.acquire(timeout=LONG) if n % 3 else sem.acquire()
                assert acquired
                with guard:
                    holders[0] += 1
                    peak[0] = max(peak[0], holders[0])
                with guard:
                    holders[0] -= 1
                sem.release()

        run_all(backend, worker)
        assert peak[0] <= 2
        assert sem.acquire(False)
        assert sem.acquire(False)
        assert not sem.acquire(False)

    def test_timed_out_waiters_do_not_swallow_releases(self, backend: Any) -> None:
        sem = backend.Semaphore(0)
        got = [0]
        guard = backend.Lock()

        def taker(i: int) -> None:
            while True:
                with guard:
                    if got[0] >= 300:
                        return
                if sem.acquire(timeout=0.001 * (i + 1)):
                    with guard:
                        got[0] += 1

        def giver(i: int) -> None:
            for _ in range(300):
                sem.release()

        takers = [backend.Thread(target=taker, args=(i,), daemon=True) for i in range(3)]
        for t in takers:
            t.start()
        run_all(backend, giver, count=1)
        for t in takers:
            t.join(LONG)
            assert not t.is_alive()
        assert got[0] == 300
        assert not sem.acquire(False)


class TestConditionUnderLoad:
    def test_producer_consumer_with_notify_one(self, backend: Any) -> None:
        cond = backend.Condition(backend.Lock())
        items: deque[int] = deque()
        consumed: list[int] = []
        total = 400

        def consumer(i: int) -> None:
            while True:
                with cond:
                    while not items and len(consumed) < total:
                        cond.wait(0.05)
                    if not items:
                        return
                    consumed.append(items.popleft())

        def producer(i: int) -> None:
            for n in range(total // 2):
                with cond:
                    items.append(i * total + n)
                    cond.notify()

        consumers = [backend.Thread(target=consumer, args=(i,), daemon=True) for i in range(3)]
        for t in consumers:
            t.start()
        run_all(backend, producer, count=2)
        for t in consumers:
            t.join(LONG)
            assert not t.is_alive()
        assert len(consumed) == total
        assert len(set(consumed)) == total


class TestRLockUnderLoad:
    def test_mutual_exclusion_with_recursion(self, backend: Any) -> None:
        rlock = backend.RLock()
        counter = [0]

        def worker(i: int) -> None:
            for n in range(300):
                with rlock, rlock:
                    value = counter[0]
                    if n % 50 == 0:
                        backend.sleep(0)
                    counter[0] = value + 1

        run_all(backend, worker)
        assert counter[0] == THREADS * 300


class TestBarrierUnderLoad:
    def test_many_rounds(self, backend: Any) -> None:
        rounds = 50
        barrier = backend.Barrier(THREADS, timeout=LONG)
        seen: list[list[int]] = [[] for _ in range(rounds)]
        guard = backend.Lock()

        def worker(i: int) -> None:
            for r in range(rounds):
                index = barrier.wait()
                with guard:
                    seen[r].append(index)

        run_all(backend, worker)
        assert all(sorted(indices) == list(range(THREADS)) for indices in seen)
        assert not barrier.broken


class TestEventUnderLoad:
    def test_set_clear_ping_pong(self, backend: Any) -> None:
        ping, pong = backend.Event(), backend.Event()

        def player(i: int) -> None:
            mine, theirs = (ping, pong) if i == 0 else (pong, ping)
            for _ in range(200):
                if i == 0:
                    theirs.set()
                assert mine.wait(LONG)
                mine.clear()
                if i == 1:
                    theirs.set()

        run_all(backend, player, count=2)


class TestLocalUnderLoad:
    def test_values_stay_per_thread(self, backend: Any) -> None:
        data = backend.local()

        def worker(i: int) -> None:
            for n in range(500):
                data.value = (i, n)
                if n % 100 == 0:
                    backend.sleep(0)
                assert data.value == (i, n)

        run_all(backend, worker)
