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

import argparse
import json
import platform
import statistics
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass

try:
    import gevent
    import gevent.event
    import gevent.lock
except ImportError:  # pragma: no cover - said clearly below
    sys.exit("bench_cooperative.py needs gevent: pip install 'anythread[bench]'")

from anythread_backends.cooperative import make_backend

coop = make_backend()


@dataclass
class Row:
    name: str
    coop_stmt: Callable[[], object]
    gevent_stmt: Callable[[], object]
    number: int


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

    return Row(f"start + join {n} green threads", coop_run, gevent_run, 1)


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
        5,
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

    return Row(f"Event ping-pong, {rounds} round trips", coop_run, gevent_run, 1)


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

    return Row(f"sleep(0) x{switches} in 2 green threads", coop_run, gevent_run, 1)


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

    return Row(f"{n} green threads through a BoundedSemaphore({size})", coop_run, gevent_run, 1)


def _time(stmt: Callable[[], object], number: int, repeat: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rounds, repeat = (3, 2) if args.quick else (7, 3)
    rows = [
        _spawn_join_row(1000),
        _lock_row(),
        _ping_pong_row(1000),
        _yield_row(1000),
        _pool_row(10_000, 100),
    ]
    print(
        f"cooperative vs gevent {gevent.__version__}, Python {platform.python_version()}, "
        f"{rounds} rounds, median of per-round ratios (< 1.0: cooperative faster)"
    )
    results = []
    for row in rows:
        ratios, coop_times, gevent_times = [], [], []
        for _ in range(rounds):
            c = _time(row.coop_stmt, row.number, repeat)
            g = _time(row.gevent_stmt, row.number, repeat)
            coop_times.append(c)
            gevent_times.append(g)
            ratios.append(c / g)
        ratio = statistics.median(ratios)
        print(
            f"  {row.name:<60} {min(coop_times) * 1e3:9.2f} ms "
            f"{min(gevent_times) * 1e3:9.2f} ms  {ratio:5.2f}x"
        )
        results.append(
            {
                "row": row.name,
                "cooperative_s": min(coop_times),
                "gevent_s": min(gevent_times),
                "ratio": ratio,
            }
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"python": platform.python_version(), "rows": results}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
