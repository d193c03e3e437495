"""Benchmark the ``pure`` backend against its standard-library peers, side by side.

Each row times one operation on anythread's ``pure`` object and on its peer in the
standard library, in interleaved rounds within one process; each round's time is the
best of several repeats, and the ratio reported is the median over rounds of
``pure / peer`` (below 1.0 means pure is faster).  Targets come from the issue that
introduced the semantics layer::

    python benchmarks/bench_pure.py            # full run
    python benchmarks/bench_pure.py --quick    # fewer rounds (CI smoke test)
    python benchmarks/bench_pure.py --json out.json

The peers are the pure-Python implementations in the standard library
(``threading._PyRLock``, ``_threading_local.local``, ``threading.Semaphore``,
``threading.Event``) and ``threading.Thread``; they are referenced here only, never by
the library.  Exit status is 1 if a row misses its target.
"""

from __future__ import annotations

import _threading_local
import argparse
import json
import platform
import statistics
import sys
import threading
import timeit
from collections.abc import Callable
from dataclasses import dataclass

from anythread_backends.pure import backend as pure


@dataclass
class Row:
    name: str
    target: float
    pure_stmt: Callable[[], object]
    peer_stmt: Callable[[], object]
    number: int


def _rlock_row() -> Row:
    def make(lock: object) -> Callable[[], object]:
        acquire = lock.acquire  # type: ignore[attr-defined]
        release = lock.release  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(1000):
                acquire()
                release()

        return run

    return Row(
        "RLock acquire+release (vs threading._PyRLock)",
        1.0,
        make(pure.RLock()),
        make(threading._PyRLock()),  # type: ignore[attr-defined]
        20,
    )


def _local_row() -> Row:
    def make(obj: object) -> Callable[[], object]:
        obj.x = 1  # type: ignore[attr-defined]

        def run() -> None:
            o = obj
            for _ in range(1000):
                o.x  # type: ignore[attr-defined] # noqa: B018

        return run

    return Row(
        "local attribute get (vs _threading_local.local)",
        0.25,
        make(pure.local()),
        make(_threading_local.local()),
        10,
    )


def _semaphore_row() -> Row:
    def make(sem: object) -> Callable[[], object]:
        acquire = sem.acquire  # type: ignore[attr-defined]
        release = sem.release  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(1000):
                acquire()
                release()

        return run

    return Row(
        "Semaphore acquire+release (vs threading.Semaphore)",
        0.6,
        make(pure.Semaphore()),
        make(threading.Semaphore()),
        10,
    )


def _event_row() -> Row:
    def make(event: object) -> Callable[[], object]:
        set_ = event.set  # type: ignore[attr-defined]
        is_set = event.is_set  # type: ignore[attr-defined]
        clear = event.clear  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(1000):
                set_()
                is_set()
                clear()

        return run

    return Row(
        "Event set+is_set+clear (vs threading.Event)",
        0.6,
        make(pure.Event()),
        make(threading.Event()),
        10,
    )


def _thread_row() -> Row:
    def make(thread_class: type) -> Callable[[], object]:
        def noop() -> None:
            pass

        def run() -> None:
            for _ in range(20):
                t = thread_class(target=noop)
                t.start()
                t.join()

        return run

    return Row(
        "Thread start+join (vs threading.Thread)",
        1.3,
        make(pure.Thread),
        make(threading.Thread),
        5,
    )


ROWS = [_rlock_row, _local_row, _semaphore_row, _event_row, _thread_row]


def measure(row: Row, rounds: int, repeat: int) -> tuple[float, float, float]:
    """Return (median ratio, best pure seconds/op-batch, best peer seconds/op-batch)."""
    ratios = []
    best_pure = best_peer = float("inf")
    for i in range(rounds):
        # Alternate which side goes first, so warm-up and drift favour neither.
        order = [("pure", row.pure_stmt), ("peer", row.peer_stmt)]
        if i % 2:
            order.reverse()
        times = {}
        for label, stmt in order:
            times[label] = min(timeit.repeat(stmt, number=row.number, repeat=repeat))
        ratios.append(times["pure"] / times["peer"])
        best_pure = min(best_pure, times["pure"])
        best_peer = min(best_peer, times["peer"])
    return statistics.median(ratios), best_pure, best_peer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rounds, repeat = (3, 3) if args.quick else (9, 5)

    print(
        f"pure vs standard library on {platform.python_implementation()} "
        f"{platform.python_version()} ({rounds} interleaved rounds, best of {repeat})"
    )
    header = f"{'operation':<52} {'pure/op':>10} {'peer/op':>10} {'ratio':>7} {'target':>7}  result"
    print(header)
    print("-" * len(header))
    failed = False
    results = []
    for make_row in ROWS:
        row = make_row()
        ratio, best_pure, best_peer = measure(row, rounds, repeat)
        ops = row.number * (20 if "Thread" in row.name else 1000)
        ok = ratio <= row.target
        failed |= not ok
        print(
            f"{row.name:<52} {best_pure / ops * 1e9:>8.0f}ns {best_peer / ops * 1e9:>8.0f}ns "
            f"{ratio:>6.2f}x {row.target:>6.2f}x  {'PASS' if ok else 'FAIL'}"
        )
        results.append(
            {
                "operation": row.name,
                "pure_ns_per_op": best_pure / ops * 1e9,
                "peer_ns_per_op": best_peer / ops * 1e9,
                "ratio": ratio,
                "target": row.target,
                "pass": ok,
            }
        )
    print(
        "ratio: median over rounds of pure/peer timed side by side in the same round;\n"
        "pure/op, peer/op: each side's best round (the two may come from different "
        "rounds, so on a busy machine their quotient can differ from the ratio)."
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"python": sys.version, "rows": results}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
