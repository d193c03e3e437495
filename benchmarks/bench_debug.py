"""Benchmark the ``debug`` backend (over ``stdlib``) against ``stdlib``, side by side.

Each row times one loop on ``debug:stdlib`` objects and the same loop on the standard
library's, in interleaved rounds within one process; each round's time is the best of
several repeats, and the ratio reported is the median over rounds of ``debug / stdlib``.
Targets come from issue 10 (the debug backend)::

    python benchmarks/bench_debug.py            # full run
    python benchmarks/bench_debug.py --quick    # fewer rounds (CI smoke test)
    python benchmarks/bench_debug.py --json out.json

Exit status is 1 if a row misses its target.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import threading
import timeit
from collections.abc import Callable
from dataclasses import dataclass

from anythread_backends.debug import make_backend

debug = make_backend("stdlib")
OPS = 1000


@dataclass
class Row:
    name: str
    target: float
    debug_stmt: Callable[[], object]
    peer_stmt: Callable[[], object]
    number: int


def _uncontended_row() -> Row:
    def make(lock: object) -> Callable[[], object]:
        acquire = lock.acquire  # type: ignore[attr-defined]
        release = lock.release  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(OPS):
                acquire()
                release()

        return run

    return Row(
        "Lock acquire+release, uncontended",
        6.0,
        make(debug.Lock()),
        make(threading.Lock()),
        20,
    )


def _with_row() -> Row:
    def make(lock: object) -> Callable[[], object]:
        def run() -> None:
            for _ in range(OPS):
                with lock:  # type: ignore[attr-defined]
                    pass

        return run

    return Row("with Lock: (uncontended)", 6.0, make(debug.Lock()), make(threading.Lock()), 20)


def _nested_row() -> Row:
    def make(outer: object, inner: object) -> Callable[[], object]:
        def run() -> None:
            for _ in range(OPS):
                with outer, inner:  # type: ignore[attr-defined]
                    pass

        return run

    return Row(
        "nested two-lock loop, known order",
        8.0,
        make(debug.Lock(), debug.Lock()),
        make(threading.Lock(), threading.Lock()),
        10,
    )


def _rlock_row() -> Row:
    def make(lock: object) -> Callable[[], object]:
        def run() -> None:
            for _ in range(OPS):
                with lock:  # type: ignore[attr-defined]
                    pass

        return run

    return Row(
        "with RLock: (no target; the debug RLock is Python code)",
        float("inf"),
        make(debug.RLock()),
        make(threading.RLock()),
        10,
    )


ROWS = [_uncontended_row, _with_row, _nested_row, _rlock_row]


def measure(row: Row, rounds: int, repeat: int) -> tuple[float, float, float]:
    """Return (median ratio, best debug seconds, best stdlib seconds) per batch."""
    ratios = []
    best_debug = best_peer = float("inf")
    for i in range(rounds):
        order = [("debug", row.debug_stmt), ("peer", row.peer_stmt)]
        if i % 2:
            order.reverse()
        times = {}
        for label, stmt in order:
            times[label] = min(timeit.repeat(stmt, number=row.number, repeat=repeat))
        ratios.append(times["debug"] / times["peer"])
        best_debug = min(best_debug, times["debug"])
        best_peer = min(best_peer, times["peer"])
    return statistics.median(ratios), best_debug, best_peer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rounds, repeat = (3, 3) if args.quick else (9, 5)

    print(
        f"debug:stdlib vs stdlib on {platform.python_implementation()} "
        f"{platform.python_version()} ({rounds} interleaved rounds, best of {repeat})"
    )
    header = (
        f"{'operation':<56} {'debug/op':>9} {'stdlib/op':>9} {'ratio':>7} {'target':>7}  result"
    )
    print(header)
    print("-" * len(header))
    failed = False
    results = []
    for make_row in ROWS:
        row = make_row()
        ratio, best_debug, best_peer = measure(row, rounds, repeat)
        ops = row.number * OPS
        ok = ratio <= row.target
        failed |= not ok
        print(
            f"{row.name:<56} {best_debug / ops * 1e9:>7.0f}ns {best_peer / ops * 1e9:>7.0f}ns "
            f"{ratio:>6.2f}x {row.target:>6.2f}x  {'PASS' if ok else 'FAIL'}"
        )
        results.append(
            {
                "operation": row.name,
                "debug_ns_per_op": best_debug / ops * 1e9,
                "stdlib_ns_per_op": best_peer / ops * 1e9,
                "ratio": ratio,
                "target": row.target if row.target != float("inf") else None,
                "pass": ok,
            }
        )
    print(
        "ratio: median over rounds of debug/stdlib timed side by side in the same round;\n"
        "debug/op, stdlib/op: each side's best round."
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"python": sys.version, "rows": results}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
