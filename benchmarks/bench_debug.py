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

import sys
import threading
from collections.abc import Callable

from _sidebyside import Row, main

from anythread_backends.debug import make_backend

debug = make_backend("stdlib")
OPS = 1000


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
        make(debug.Lock()),
        make(threading.Lock()),
        number=20,
        ops=OPS,
        target=6.0,
    )


def _with_row() -> Row:
    def make(lock: object) -> Callable[[], object]:
        def run() -> None:
            for _ in range(OPS):
                with lock:  # type: ignore[attr-defined]
                    pass

        return run

    return Row(
        "with Lock: (uncontended)",
        make(debug.Lock()),
        make(threading.Lock()),
        number=20,
        ops=OPS,
        target=6.0,
    )


def _nested_row() -> Row:
    def make(outer: object, inner: object) -> Callable[[], object]:
        def run() -> None:
            for _ in range(OPS):
                with outer, inner:  # type: ignore[attr-defined]
                    pass

        return run

    return Row(
        "nested two-lock loop, known order",
        make(debug.Lock(), debug.Lock()),
        make(threading.Lock(), threading.Lock()),
        number=10,
        ops=OPS,
        target=8.0,
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
        make(debug.RLock()),
        make(threading.RLock()),
        number=10,
        ops=OPS,
        target=None,
    )


ROWS = [_uncontended_row, _with_row, _nested_row, _rlock_row]


if __name__ == "__main__":
    sys.exit(main(__doc__ or "", "debug", "stdlib", lambda: [make() for make in ROWS]))
