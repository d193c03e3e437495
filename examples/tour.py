"""A tour of anythread, in under a minute: what the library is for, shown.

    make tour                    # sets up .venv-tour (anythread + greenlet) and runs this
    python examples/tour.py      # in any environment where anythread is installed

1. the backends installed (``anythread backends``);
2. one threaded program on stdlib, pure and cooperative: the same result, the timings
   side by side;
3. 10,000 green threads on cooperative (``examples/green_pool.py``);
4. the debug backend's report on a lock-order inversion that never deadlocked in the run
   (``examples/latent_inversion.py``);
5. a schedule search (:func:`anythread.testing.explore`) that finds a lost update no
   plain run shows, prints the schedule line, and replays it, in this process and from
   the command line (``examples/lost_update.py --replay LINE``).

Exit status 0 when every step showed what it should, 1 otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anythread

EXAMPLES = Path(__file__).resolve().parent
sys.path.insert(0, str(EXAMPLES))

import lost_update  # noqa: E402  (an example beside this file)

#: A bound on each example run as a subprocess, generous for a loaded machine.
STEP_TIMEOUT = 120


def heading(number: int, title: str) -> None:
    print(
        f"\n\033[1m== {number}. {title}\033[0m"
        if sys.stdout.isatty()
        else f"\n== {number}. {title}"
    )


def available() -> set[str]:
    """The names of the backends installed and usable here."""
    return {info.name for info in anythread.list_backends() if info.available}


def run_example(script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``examples/<script>`` with ``env`` set, echoing the command and its output."""
    settings = " ".join(f"{key}={value}" for key, value in env.items())
    prefix = f"{settings} " if settings else ""
    print(f"$ {prefix}python examples/{script} {' '.join(args)}".rstrip())
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    print(result.stdout.rstrip())
    if result.stderr.strip():
        print(result.stderr.rstrip(), file=sys.stderr)
    return result


# ---------------------------------------------------------------------------- step 1


def show_backends() -> bool:
    print("$ anythread backends")
    result = subprocess.run(
        [sys.executable, "-m", "anythread", "backends"],
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    print(result.stdout.rstrip())
    return result.returncode == 0


# ---------------------------------------------------------------------------- step 2

ITEMS = 5000
#: Each backend runs the program this many times; the best time is shown.
REPEAT = 3
STAGE_THREADS = 4
QUEUE_SIZE = 8


def pipeline(threading: Any) -> int:
    """One threaded program, written against the threading API of ``threading``.

    Producers feed numbers through a bounded queue (a Condition) to workers that square
    them; the workers feed a collector through a second queue; a Barrier lines the
    producers up, a Semaphore caps the workers in their critical step, an Event says the
    collector is done.  Returns the sum of the squares.
    """

    class BoundedQueue:
        def __init__(self) -> None:
            self.items: list[int | None] = []
            self.cond = threading.Condition()

        def put(self, item: int | None) -> None:
            with self.cond:
                self.cond.wait_for(lambda: len(self.items) < QUEUE_SIZE, timeout=60)
                self.items.append(item)
                self.cond.notify_all()

        def get(self) -> int | None:
            with self.cond:
                self.cond.wait_for(lambda: self.items, timeout=60)
                item = self.items.pop(0)
                self.cond.notify_all()
                return item

    numbers, squares = BoundedQueue(), BoundedQueue()
    start_line = threading.Barrier(STAGE_THREADS)
    slots = threading.Semaphore(2)
    done = threading.Event()
    total = 0

    def produce(first: int) -> None:
        start_line.wait(timeout=60)
        for n in range(first, ITEMS, STAGE_THREADS):
            numbers.put(n)
        numbers.put(None)

    def square() -> None:
        while (n := numbers.get()) is not None:
            with slots:
                squares.put(n * n)
        squares.put(None)

    def collect() -> None:
        nonlocal total
        ended = 0
        while ended < STAGE_THREADS:
            item = squares.get()
            if item is None:
                ended += 1
            else:
                total += item
        done.set()

    threads = [threading.Thread(target=produce, args=(i,)) for i in range(STAGE_THREADS)]
    threads += [threading.Thread(target=square) for _ in range(STAGE_THREADS)]
    threads.append(threading.Thread(target=collect, name="collector"))
    for thread in threads:
        thread.start()
    if not done.wait(timeout=120):
        raise RuntimeError("the pipeline did not finish")
    for thread in threads:
        thread.join(timeout=60)
    return total


def same_program(names: list[str]) -> bool:
    expected = sum(n * n for n in range(ITEMS))
    print(
        f"pipeline(): {ITEMS} numbers through {2 * STAGE_THREADS + 1} threads and two "
        "bounded queues (Condition, Barrier, Semaphore, Event)"
    )
    print(f"{'backend':<12} {'result':>14} {'best of ' + str(REPEAT):>11}  vs stdlib")
    ok = True
    base = None
    for name in names:
        backend = anythread.get_backend(name)
        elapsed = float("inf")
        for _ in range(REPEAT):
            started = time.perf_counter()
            result = pipeline(backend)
            elapsed = min(elapsed, time.perf_counter() - started)
        base = base or elapsed
        ok &= result == expected
        mark = "" if result == expected else f"  WRONG (expected {expected})"
        print(f"{name:<12} {result:>14} {elapsed * 1000:>9.0f}ms  {elapsed / base:>6.2f}x{mark}")
    print(
        "The same function, given each backend (anythread.get_backend(name)); in an "
        "application,\n`import anythread as threading` and ANYTHREAD_BACKEND=name choose "
        "one per process.\nOn cooperative the nine threads are green threads of one OS "
        "thread: a hand-off is a\ngreenlet switch, not an OS context switch."
    )
    return ok


# ---------------------------------------------------------------------------- step 5


def search_race(runs: int = 200) -> bool:
    """Search schedules for the lost update of ``examples/lost_update.py`` with
    :func:`anythread.testing.explore`, then replay the failing schedule line: in this
    process twice, and from the command line."""
    from anythread.testing import ExploreFailure, explore

    expected = lost_update.expected()
    traces: list[list[str]] = []

    def body() -> None:
        balance, trace = lost_update.run(anythread)
        traces.append(trace)
        assert balance == expected, f"lost update: balance {balance}, expected {expected}"

    explore(body, replay="fifo")
    print(f"fifo (the default schedule): balance {expected}, as expected: no bug seen")
    try:
        result = explore(body, runs=runs, schedule="pct", depth=2, progress=False)
    except ExploreFailure as failure:
        line = failure.schedule
        print(f"explore(runs={runs}, schedule='pct', depth=2): run {failure.run} fails:")
        print(f"  {failure.__cause__}")
    else:
        print(f"no failing schedule in {result.runs} runs")
        return False
    forced = "" if line != "replay:" else "  (no decision forced: the first ready thread each time)"
    print(f"failing schedule: {line}{forced}")
    replays = []
    for _ in range(2):
        traces.clear()
        try:
            explore(body, replay=line)
        except ExploreFailure:
            replays.append(traces[-1])
    same = len(replays) == 2 and replays[0] == replays[1]
    print(f"  interleaving: {'; '.join(replays[0]) if replays else '?'}")
    verdict = "fails again, the same interleaving" if same else "DIFFERENT"
    print(f"replayed twice in this process (explore(fn, replay=LINE)): {verdict}")
    done = run_example("lost_update.py", "--replay", line)
    again = same and done.returncode == 1 and "; ".join(replays[0]) in done.stdout
    print(f"replayed from the command line: {'fails again, identically' if again else 'DIFFERENT'}")
    return same and again


# ---------------------------------------------------------------------------- the tour


def main() -> int:
    started = time.perf_counter()
    installed = available()
    results: dict[str, bool] = {}

    heading(1, "The backends installed")
    results["backends"] = show_backends()

    heading(2, "One program, three backends: the same result, side by side")
    names: list[str] = [n for n in ("stdlib", "pure", "cooperative") if n in installed]
    results["same program"] = same_program(names)

    if "cooperative" in installed:
        heading(3, "10,000 green threads")
        result = run_example("green_pool.py", ANYTHREAD_BACKEND="cooperative")
        results["green threads"] = result.returncode == 0
        print("The same on the virtual clock: time jumps to the next timer when every green")
        print("thread is blocked, so the fetches take no wall time; what remains is the cost")
        print("of 10,000 green threads.")
        result = run_example("green_pool.py", ANYTHREAD_BACKEND="cooperative:virtual")
        results["virtual clock"] = result.returncode == 0
    else:
        print("\ncooperative is not installed (pip install 'anythread[cooperative]'):")
        print("skipping the green threads and the schedule search")

    heading(4, "The debug backend reports a deadlock that did not happen in this run")
    result = run_example("latent_inversion.py", ANYTHREAD_BACKEND="debug")
    results["debug report"] = (
        result.returncode == 0 and "found the latent deadlock" in result.stdout
    )

    if "cooperative" in installed:
        heading(5, "A schedule search finds a race and replays it")
        results["schedule search"] = search_race()

    failed = [step for step, ok in results.items() if not ok]
    print(f"\ntour finished in {time.perf_counter() - started:.1f}s", end="")
    print(f"; FAILED: {', '.join(failed)}" if failed else "; every step as expected")
    print("Next: README.md, docs/ (make docs), and `make test` for every test.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
