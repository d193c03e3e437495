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

import random
import sys
import threading
from collections.abc import Callable
from typing import Any

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


#: The bank: accounts, threads, transfers per thread.
ACCOUNTS, TELLERS, TRANSFERS = 32, 8, 5000


def bank(api: Any) -> Callable[[], object]:
    """One end-to-end run of a bank on ``api`` (``threading`` or a backend).

    ``TELLERS`` threads each make ``TRANSFERS`` transfers between two accounts, taking
    the two accounts' locks in one global order (the lower account number first) and
    doing a transfer's bookkeeping under them: balances, a fee, per-account statistics,
    a ledger line.  The accounts, their locks and the threads are created in the run.
    The same code runs on both sides; only ``api`` differs.
    """
    # The pairs each teller moves money between, drawn once: both sides do the same work.
    rng = random.Random(10)
    plans = [
        [(*rng.sample(range(ACCOUNTS), 2), rng.randint(1, 500)) for _ in range(TRANSFERS)]
        for _ in range(TELLERS)
    ]

    def run() -> None:
        locks = [api.Lock() for _ in range(ACCOUNTS)]
        balances = dict.fromkeys(range(ACCOUNTS), 10_000)
        stats = {n: {"in": 0, "out": 0, "fees": 0} for n in range(ACCOUNTS)}
        ledger: list[tuple[int, int, int, int]] = []
        start = api.Event()

        def teller(plan: list[tuple[int, int, int]]) -> None:
            start.wait()
            for src, dst, amount in plan:
                first, second = (src, dst) if src < dst else (dst, src)
                with locks[first], locks[second]:
                    fee = max(1, amount * 3 // 1000)
                    if balances[src] < amount + fee:
                        continue
                    balances[src] -= amount + fee
                    balances[dst] += amount
                    out, into = stats[src], stats[dst]
                    out["out"] += amount
                    out["fees"] += fee
                    into["in"] += amount
                    ledger.append((src, dst, amount, fee))

        threads = [api.Thread(target=teller, args=(plan,)) for plan in plans]
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join()
        fees = sum(s["fees"] for s in stats.values())
        assert sum(balances.values()) + fees == ACCOUNTS * 10_000

    return run


def _bank_row() -> Row:
    return Row(
        f"bank: {TELLERS} threads x {TRANSFERS} transfers, ordered locks (end to end)",
        bank(debug),
        bank(threading),
        number=1,
        ops=TELLERS * TRANSFERS,
        target=1.5,
    )


ROWS = [_uncontended_row, _with_row, _nested_row, _rlock_row, _bank_row]


if __name__ == "__main__":
    sys.exit(main(__doc__ or "", "debug", "stdlib", lambda: [make() for make in ROWS]))
