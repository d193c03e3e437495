"""How often PCT and random schedules find a lost update that FIFO never shows.

The program: two threads each read a shared counter under a lock, release it, and
write the value + 1 under the lock again (the update is lost if the other thread
writes in between); the main thread starts both and joins them.  It has n = 3 threads
(the main one is scheduled too) and takes k scheduling steps per run (measured: the
most steps one run takes).  The bug has depth d = 2 (A reads before B writes, and B
reads before A writes), so PCT with depth 2 must find it in one run with probability
at least 1/(n * k^(d-1)) (Burckhardt et al., ASPLOS 2010).  The script runs the
program under FIFO once, then under ``pct:SEED:2:k`` and ``random:SEED`` for SEED in
0..RUNS-1, and prints n, k, the bound and both rates.

    python benchmarks/bench_schedules.py [--runs 1000] [--json FILE]

Exit status 0 if PCT's rate is at least the bound and FIFO does not show the bug.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from anythread_backends.cooperative import make_backend

THREADS = 3  # the two workers and the main thread


def lost_update(schedule: str) -> tuple[bool, int]:
    """Run the program once under ``schedule``; return (update lost, steps taken)."""
    backend = make_backend(schedule=schedule)
    lock = backend.Lock()
    counter = [0]

    def bump() -> None:
        with lock:
            value = counter[0]
        with lock:
            counter[0] = value + 1

    workers = [backend.Thread(target=bump) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return counter[0] != 2, backend.current_schedule().steps  # type: ignore[attr-defined]


def measure(runs: int) -> dict[str, float]:
    """Measure k, then the rates of PCT (depth 2) and random over ``runs`` seeds."""
    fifo_lost, _ = lost_update("fifo")
    k = max(lost_update(f"random:{seed}")[1] for seed in range(20))
    k = max(k, *(lost_update(f"pct:{seed}:2")[1] for seed in range(20)))
    pct = sum(lost_update(f"pct:{seed}:2:{k}")[0] for seed in range(runs))
    rnd = sum(lost_update(f"random:{seed}")[0] for seed in range(runs))
    return {
        "runs": runs,
        "n": THREADS,
        "k": k,
        "d": 2,
        "bound": 1 / (THREADS * k),
        "pct_rate": pct / runs,
        "random_rate": rnd / runs,
        "fifo_lost": float(fifo_lost),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    row = measure(args.runs)
    elapsed = time.perf_counter() - start
    print(f"lost update between two lock operations, {args.runs} runs per schedule")
    print(f"  threads n = {row['n']}, steps k = {row['k']} (measured), depth d = 2")
    print(f"  FIFO shows it: {'yes' if row['fifo_lost'] else 'no'}")
    print(f"  PCT bound 1/(n*k^(d-1)) = {row['bound']:.4f}")
    print(f"  {'schedule':<16}{'found in':>10}{'rate':>9}{'rate/bound':>12}")
    for name, rate in (("pct:SEED:2:k", row["pct_rate"]), ("random:SEED", row["random_rate"])):
        print(f"  {name:<16}{round(rate * args.runs):>10}{rate:>9.3f}{rate / row['bound']:>11.1f}x")
    print(f"  ({elapsed:.1f} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(row, out, indent=2)
    ok = row["pct_rate"] >= row["bound"] and not row["fifo_lost"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
