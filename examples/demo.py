"""One threaded program, written once against anythread, run on any backend.

    ANYTHREAD_BACKEND=pure python examples/demo.py

A pool of workers drains a job queue built from a Condition, a BoundedSemaphore caps how
many "connections" are open at once, and a Barrier lines the workers up before they
start.  The program prints the same results whichever backend runs it.
"""

from __future__ import annotations

import anythread as threading

JOBS = 200
WORKERS = 8
MAX_CONNECTIONS = 3


def main() -> None:
    queue: list[int] = list(range(JOBS))
    results: dict[str, int] = {}
    cv = threading.Condition()
    pool = threading.BoundedSemaphore(MAX_CONNECTIONS)
    start_line = threading.Barrier(WORKERS)
    open_now = 0
    most_open = 0
    counter_lock = threading.Lock()
    local = threading.local()

    def worker() -> None:
        nonlocal open_now, most_open
        local.done = 0
        start_line.wait(timeout=30)
        while True:
            with cv:
                if not queue:
                    break
                job = queue.pop()
            with pool:
                with counter_lock:
                    open_now += 1
                    most_open = max(most_open, open_now)
                threading.sleep(0.0005 * (job % 3))
                with counter_lock:
                    open_now -= 1
            local.done += 1
        with cv:
            results[threading.current_thread().name] = local.done
            cv.notify_all()

    threads = [threading.Thread(target=worker, name=f"worker-{i}") for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    with cv:
        finished = cv.wait_for(lambda: len(results) == WORKERS, timeout=60)
    for thread in threads:
        thread.join(timeout=60)

    backend = threading.current_backend()
    print(f"backend {backend.name!r} ({backend.explain().split(';')[0]})")
    print(
        f"  {sum(results.values())}/{JOBS} jobs by {len(results)} workers, "
        f"at most {most_open} of {MAX_CONNECTIONS} connections open at once"
    )
    print(
        f"  all workers finished: {finished}; threads still alive: "
        f"{sum(t.is_alive() for t in threads)}"
    )
    if not finished or sum(results.values()) != JOBS or most_open > MAX_CONNECTIONS:
        raise SystemExit(f"demo failed on backend {backend.name!r}")


if __name__ == "__main__":
    main()
