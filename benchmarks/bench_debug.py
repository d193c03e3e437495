"""Benchmark the ``debug`` backend (over ``stdlib``) against ``stdlib``, side by side.

Each row times one loop on ``debug:stdlib`` objects and the same loop on the standard
library's, in interleaved rounds within one process; each round's time is the best of
several repeats, and the ratio reported is the median over rounds of ``debug / stdlib``.
The single-threaded rows are timed on the thread's CPU time (other processes on a busy
machine do not count); the bank, end to end, on the wall clock.
Targets come from issue 10 (the debug backend)::

    python benchmarks/bench_debug.py            # full run
    python benchmarks/bench_debug.py --quick    # fewer rounds (CI smoke test)
    python benchmarks/bench_debug.py --json out.json

Exit status is 1 if a row misses its target.
"""

from __future__ import annotations

import itertools
import random
import sys
import threading
import time
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
        timer=time.thread_time,
        target=6.0,
    )


def _with_loop(lock: Any) -> Callable[[], object]:
    """``with lock: pass``, OPS times."""

    def run() -> None:
        for _ in range(OPS):
            with lock:
                pass

    return run


def _with_row() -> Row:
    return Row(
        "with Lock: (uncontended)",
        _with_loop(debug.Lock()),
        _with_loop(threading.Lock()),
        number=20,
        ops=OPS,
        timer=time.thread_time,
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
        timer=time.thread_time,
        target=8.0,
    )


def _rlock_row() -> Row:
    return Row(
        "with RLock: (no target; the debug RLock is Python code)",
        _with_loop(debug.RLock()),
        _with_loop(threading.RLock()),
        number=10,
        ops=OPS,
        timer=time.thread_time,
        target=None,
    )


#: The bank: accounts, threads, transfers per thread.
ACCOUNTS, TELLERS, TRANSFERS = 32, 8, 5000
#: The bank's fee (basis points) and how much one account may send in a run.
FEE_BPS, DAILY_LIMIT = 25, 600_000


def bank(api: Any) -> Callable[[], object]:
    """One end-to-end run of a bank on ``api`` (``threading`` or a backend).

    ``TELLERS`` threads each make ``TRANSFERS`` transfers between two accounts, taking
    the two accounts' locks in one global order (the lower account number first), and
    doing under them what a transfer does in a small in-memory ledger: check the
    amount, the balance and the daily limit, compute a fee in basis points, move the
    money, write a ledger entry (a dict with a sequence number, a timestamp and a memo
    line) to the journal and to both accounts' histories, update per-account
    statistics.  The accounts, their locks and the threads are created in the run; the
    same code runs on both sides, only ``api`` differs.
    """
    # The pairs each teller moves money between, drawn once: both sides do the same work.
    rng = random.Random(10)
    plans = [
        [(*rng.sample(range(ACCOUNTS), 2), rng.randint(1, 500)) for _ in range(TRANSFERS)]
        for _ in range(TELLERS)
    ]

    def run() -> None:
        locks = [api.Lock() for _ in range(ACCOUNTS)]
        balances = dict.fromkeys(range(ACCOUNTS), 1_000_000)
        sent_today = dict.fromkeys(range(ACCOUNTS), 0)
        histories: dict[int, list[dict[str, object]]] = {n: [] for n in range(ACCOUNTS)}
        stats = {n: {"in": 0, "out": 0, "fees": 0, "refused": 0} for n in range(ACCOUNTS)}
        journal: list[dict[str, object]] = []
        sequence = itertools.count()
        start = api.Event()

        def transfer(src: int, dst: int, amount: int) -> bool:
            if amount <= 0 or src == dst:
                raise ValueError(f"bad transfer {src} -> {dst}: {amount}")
            first, second = (src, dst) if src < dst else (dst, src)
            with locks[first], locks[second]:
                fee = max(1, (amount * FEE_BPS + 5_000) // 10_000)
                if balances[src] < amount + fee or sent_today[src] + amount > DAILY_LIMIT:
                    stats[src]["refused"] += 1
                    return False
                balances[src] -= amount + fee
                balances[dst] += amount
                sent_today[src] += amount
                entry = {
                    "seq": next(sequence),
                    "time": time.time(),
                    "src": src,
                    "dst": dst,
                    "amount": amount,
                    "fee": fee,
                    "memo": f"{src:04d} -> {dst:04d}: {amount / 100:.2f} (fee {fee / 100:.2f})",
                    "src_balance": balances[src],
                    "dst_balance": balances[dst],
                }
                journal.append(entry)
                histories[src].append(entry)
                histories[dst].append(entry)
                out, into = stats[src], stats[dst]
                out["out"] += amount
                out["fees"] += fee
                into["in"] += amount
                return True

        def teller(plan: list[tuple[int, int, int]]) -> None:
            start.wait()
            for src, dst, amount in plan:
                transfer(src, dst, amount)

        threads = [api.Thread(target=teller, args=(plan,)) for plan in plans]
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join()
        fees = sum(s["fees"] for s in stats.values())
        assert sum(balances.values()) + fees == ACCOUNTS * 1_000_000
        assert len(journal) == sum(len(h) for h in histories.values()) // 2

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
