"""Ten thousand green threads share a pool of 100 "connections".

    python examples/green_pool.py                                 # cooperative, real clock
    ANYTHREAD_CLOCK=virtual python examples/green_pool.py         # no waiting at all
    ANYTHREAD_BACKEND=cooperative python examples/green_pool.py

Each thread takes a slot of a BoundedSemaphore, "fetches" for 10 ms (a sleep, which
switches to another green thread), records the most slots ever in use, and gives the slot
back.  On the cooperative backend the 10,000 threads are greenlets of one OS thread; the
run takes about as long as 100 rounds of 10 ms.  Without ANYTHREAD_BACKEND it selects
``cooperative`` itself (a stdlib run would start 10,000 OS threads).
"""

from __future__ import annotations

import os
import time

import anythread as threading

THREADS = 10_000
POOL = 100
FETCH_SECONDS = 0.01


def main() -> None:
    if "ANYTHREAD_BACKEND" not in os.environ:
        threading.use("cooperative")
    pool = threading.BoundedSemaphore(POOL)
    guard = threading.Lock()
    in_use = 0
    most_in_use = 0
    done = 0

    def fetch() -> None:
        nonlocal in_use, most_in_use, done
        with pool:
            with guard:
                in_use += 1
                most_in_use = max(most_in_use, in_use)
            threading.sleep(FETCH_SECONDS)
            with guard:
                in_use -= 1
                done += 1

    started = time.monotonic()
    clock_start = threading.monotonic()
    threads = [threading.Thread(target=fetch) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    backend = threading.current_backend().name
    print(f"backend {backend}: {done} fetches, at most {most_in_use} at once (pool {POOL})")
    print(f"backend clock: {threading.monotonic() - clock_start:.2f} s, wall clock: {wall:.2f} s")
    assert done == THREADS
    assert most_in_use == POOL


if __name__ == "__main__":
    main()
