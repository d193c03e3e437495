"""Benchmark the ``cooperative`` backend against gevent, side by side.

Each row times one operation on green threads of anythread's ``cooperative`` backend
and the same operation on gevent's greenlets, in interleaved rounds within one process;
each round's time is the best of several repeats, and the ratio reported is the median
over rounds of ``cooperative / gevent`` (below 1.0 means cooperative is faster).  Both
run on greenlet, each with its own hub; gevent is not monkey-patched.  gevent is a
benchmark-only dependency (``pip install 'anythread[bench]'``)::

    python benchmarks/bench_cooperative.py            # full run
    python benchmarks/bench_cooperative.py --quick    # fewer rounds
    python benchmarks/bench_cooperative.py --json out.json

This first landing sets no targets: the rows are measured and printed, not judged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

try:
    import gevent
    import gevent.event
    import gevent.lock
except ImportError:  # pragma: no cover - said clearly below
    sys.exit("bench_cooperative.py needs gevent: pip install 'anythread[bench]'")

from _sidebyside import Row, main

from anythread_backends.cooperative import make_backend

coop = make_backend()


def _spawn_join_row(n: int) -> Row:
    def noop() -> None:
        pass

    def coop_run() -> None:
        threads = [coop.Thread(target=noop) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def gevent_run() -> None:
        gevent.joinall([gevent.spawn(noop) for _ in range(n)])

    return Row(f"start + join {n} green threads", coop_run, gevent_run, ops=n)


def _lock_row() -> Row:
    def make(lock: object) -> Callable[[], None]:
        acquire = lock.acquire  # type: ignore[attr-defined]
        release = lock.release  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(1000):
                acquire()
                release()

        return run

    return Row(
        "Lock acquire + release x1000 (vs gevent.lock.Semaphore(1))",
        make(coop.Lock()),
        make(gevent.lock.Semaphore(1)),
        number=5,
        ops=1000,
    )


def _ping_pong_row(rounds: int) -> Row:
    def coop_run() -> None:
        ping, pong = coop.Event(), coop.Event()

        def partner() -> None:
            for _ in range(rounds):
                ping.wait()
                ping.clear()
                pong.set()

        t = coop.Thread(target=partner)
        t.start()
        for _ in range(rounds):
            ping.set()
            pong.wait()
            pong.clear()
        t.join()

    def gevent_run() -> None:
        ping, pong = gevent.event.Event(), gevent.event.Event()

        def partner() -> None:
            for _ in range(rounds):
                ping.wait()
                ping.clear()
                pong.set()

        g = gevent.spawn(partner)
        for _ in range(rounds):
            ping.set()
            pong.wait()
            pong.clear()
        g.join()

    return Row(f"Event ping-pong, {rounds} round trips", coop_run, gevent_run, ops=rounds)


def _yield_row(switches: int) -> Row:
    def coop_run() -> None:
        def spin() -> None:
            for _ in range(switches):
                coop.sleep(0)

        threads = [coop.Thread(target=spin) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def gevent_run() -> None:
        def spin() -> None:
            for _ in range(switches):
                gevent.sleep(0)

        gevent.joinall([gevent.spawn(spin) for _ in range(2)])

    return Row(f"sleep(0) x{switches} in 2 green threads", coop_run, gevent_run, ops=2 * switches)


def _pool_row(n: int, size: int) -> Row:
    def coop_run() -> None:
        pool = coop.BoundedSemaphore(size)

        def job() -> None:
            with pool:
                coop.sleep(0)

        threads = [coop.Thread(target=job) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def gevent_run() -> None:
        pool = gevent.lock.BoundedSemaphore(size)

        def job() -> None:
            with pool:
                gevent.sleep(0)

        gevent.joinall([gevent.spawn(job) for _ in range(n)])

    return Row(f"{n} green threads through a BoundedSemaphore({size})", coop_run, gevent_run, ops=n)


def rows() -> list[Row]:
    return [
        _spawn_join_row(1000),
        _lock_row(),
        _ping_pong_row(1000),
        _yield_row(1000),
        _pool_row(10_000, 100),
    ]


if __name__ == "__main__":
    sys.exit(
        main(
            __doc__ or "",
            "cooperative",
            "gevent",
            rows,
            quick=(3, 2),
            full=(7, 3),
            notes=[f"gevent {gevent.__version__}, not monkey-patched"],
        )
    )
