"""Benchmark the ``cooperative`` backend against gevent, side by side.

Each row times one operation on green threads of anythread's ``cooperative`` backend
and the same operation on gevent, in interleaved rounds (the side that goes first
alternates); each round's time is the best of several repeats, and the ratio reported is
the median over rounds of ``cooperative / peer`` (below 1.0 means cooperative is
faster).  gevent is a benchmark-only dependency (``pip install 'anythread[bench]'``)::

    python benchmarks/bench_cooperative.py            # full run
    python benchmarks/bench_cooperative.py --quick    # fewer rounds
    python benchmarks/bench_cooperative.py --json out.json

Three kinds of peer:

* gevent's own API (greenlets, ``gevent.event.Event``, ``gevent.lock``), not patched, in
  this process; and, for the Event handoff, the raw greenlet switch round trip (two bare
  greenlets switching to each other), the floor that any green-thread library pays.
  Two rows that are not judged measure the same round trip on the least a thread-safe
  Event of green threads can be in Python, against the same raw switches: a flag, its
  waiters and a FIFO ready queue under one ``_thread`` lock, nothing else; and the same
  without the lock (only operations that the GIL makes atomic: a store, a deque's
  append, popleft and remove).  They show how much of the 3x aim a Python
  implementation has left for timeouts, hubs, wait records and schedules.
* The threading API on gevent: ``threading.RLock``, ``threading.Semaphore`` and
  ``threading.Condition`` after ``gevent.monkey.patch_all()``.  Patching is
  process-wide, so that side runs in a persistent child process (this script, started
  with ``--patched-child``, which patches before importing anything else).  The rounds
  stay interleaved: in each round the parent times the cooperative side itself and asks
  the child, over a pipe, to time the same workload (the same function, given the
  patched ``threading`` module) and send back its best batch; the pipe is outside the
  timed region, on both sides.
* Memory: N idle green threads blocked on one Event, against N gevent greenlets
  blocked on a ``gevent.event.Event``, each side in a fresh child process
  (``--memory-child``): the memory they hold per thread as :mod:`tracemalloc` counts it
  (10,000 threads), and the resident-set growth and wall time of 100,000 threads that
  start, wait and finish.  Printed after the timed rows, with the same PASS/FAIL.

The targets are the issue's: at most gevent's time (1.0x) for the Event handoff, spawn
+ join and 10,000 waiters on one Event; at most 3x the raw greenlet round trip for the
Event handoff; at most half of patched gevent's time (0.5x) for RLock, Semaphore and
Condition; at most gevent's memory per idle thread.  The exit status is 1 when a row
misses its target.
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and "--patched-child" in sys.argv:  # pragma: no cover
    # Before anything else imports threading: the whole child runs on gevent.
    from gevent import monkey

    monkey.patch_all()

import _thread
import gc
import json
import os
import subprocess
import time
import timeit
from collections import deque
from collections.abc import Callable
from typing import Any

try:
    import gevent
    import gevent.event
    import gevent.lock
    import greenlet
except ImportError:  # pragma: no cover - said clearly below
    sys.exit("bench_cooperative.py needs gevent: pip install 'anythread[bench]'")

from _sidebyside import Row, main

# --------------------------------------------------------------------------- workloads
#
# The workloads that both sides of a patched row run: each takes a module with the
# threading API (anythread's cooperative backend, or the patched ``threading``) and
# returns the statement to time.


def rlock_loop(api: Any) -> Callable[[], None]:
    lock = api.RLock()
    acquire, release = lock.acquire, lock.release

    def run() -> None:
        for _ in range(1000):
            acquire()
            release()

    return run


def semaphore_loop(api: Any) -> Callable[[], None]:
    sem = api.Semaphore()
    acquire, release = sem.acquire, sem.release

    def run() -> None:
        for _ in range(1000):
            acquire()
            release()

    return run


CONDITION_ROUNDS = 1000


def condition_ping_pong(api: Any) -> Callable[[], None]:
    def run() -> None:
        cond = api.Condition()
        turn = [0]

        def partner() -> None:
            with cond:
                for _ in range(CONDITION_ROUNDS):
                    while turn[0] != 1:
                        cond.wait()
                    turn[0] = 0
                    cond.notify()

        t = api.Thread(target=partner)
        t.start()
        with cond:
            for _ in range(CONDITION_ROUNDS):
                turn[0] = 1
                cond.notify()
                while turn[0] != 0:
                    cond.wait()
        t.join()

    return run


PATCHED_WORKLOADS: dict[str, Callable[[Any], Callable[[], None]]] = {
    "rlock": rlock_loop,
    "semaphore": semaphore_loop,
    "condition": condition_ping_pong,
}


def _serve_patched() -> int:  # pragma: no cover - runs in the child
    """The child's loop: ``NAME NUMBER`` in, the seconds of one batch out."""
    import threading

    statements = {name: build(threading) for name, build in PATCHED_WORKLOADS.items()}
    print("ready", flush=True)
    for line in sys.stdin:
        name, number = line.split()
        seconds = timeit.timeit(statements[name], number=int(number))
        print(repr(seconds), flush=True)
    return 0


class PatchedChild:
    """The persistent child process that times workloads on monkey-patched gevent."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--patched-child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        # Started (gevent imported and patched) before any row is timed: a process
        # starting on the other core would slow the first rows of this one.
        assert self._process.stdout is not None
        if self._process.stdout.readline() != "ready\n":
            raise RuntimeError("the patched-gevent child did not start")

    def timer(self, name: str) -> Callable[[int], float]:
        def time_batch(number: int) -> float:
            assert self._process.stdin is not None
            assert self._process.stdout is not None
            self._process.stdin.write(f"{name} {number}\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
            if not answer:
                raise RuntimeError(f"the patched-gevent child died while timing {name}")
            return float(answer)

        return time_batch

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# --------------------------------------------------------------------------- memory

MEMORY_TRACED = 10_000
MEMORY_MANY = 100_000


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak, which only grows
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _idle_threads(side: str, n: int, traced: bool) -> dict[str, float]:  # pragma: no cover
    """Start ``n`` threads blocked on one Event, measure, wake and join them."""
    import tracemalloc

    if side == "cooperative":
        from anythread_backends.cooperative import make_backend

        api: Any = make_backend()
        event = api.Event()

        def start_all() -> list[Any]:
            threads = [api.Thread(target=event.wait) for _ in range(n)]
            for t in threads:
                t.start()
            api.sleep(0)  # let every thread run up to its wait
            return threads

        def finish(threads: list[Any]) -> None:
            event.set()
            for t in threads:
                t.join()

    else:
        event = gevent.event.Event()

        def start_all() -> list[Any]:
            glets = [gevent.spawn(event.wait) for _ in range(n)]
            gevent.sleep(0)  # let every greenlet run up to its wait
            return glets

        def finish(threads: list[Any]) -> None:
            event.set()
            gevent.joinall(threads)

    gc.collect()
    if traced:
        tracemalloc.start()
    before_traced = tracemalloc.get_traced_memory()[0] if traced else 0
    before_rss = _rss_bytes()
    started = time.perf_counter()
    threads = start_all()
    gc.collect()
    after_traced = tracemalloc.get_traced_memory()[0] if traced else 0
    after_rss = _rss_bytes()
    finish(threads)
    seconds = time.perf_counter() - started
    if traced:
        tracemalloc.stop()
    return {
        "traced_per_thread": (after_traced - before_traced) / n,
        "rss_per_thread": (after_rss - before_rss) / n,
        "seconds": seconds,
    }


def _memory_child(side: str, n: int, traced: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--memory-child", side, str(n), str(traced)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def memory_rows(quick: bool) -> tuple[list[str], bool, list[dict[str, Any]]]:
    """Measure memory per idle thread, each side in a fresh process; return the lines
    to print, whether every target was met, and the rows as data."""
    traced_n = MEMORY_TRACED // 10 if quick else MEMORY_TRACED
    many = MEMORY_MANY // 10 if quick else MEMORY_MANY
    lines = [
        "",
        f"memory per idle thread (each side in a fresh process; {traced_n:,} threads "
        f"under tracemalloc, {many:,} for RSS and time)",
    ]
    ok = True
    data_rows: list[dict[str, Any]] = []
    traced = {side: _memory_child(side, traced_n, True) for side in ("cooperative", "gevent")}
    plain = {side: _memory_child(side, many, False) for side in ("cooperative", "gevent")}
    for label, key, data in (
        ("tracemalloc bytes per idle thread", "traced_per_thread", traced),
        ("RSS bytes per idle thread", "rss_per_thread", plain),
    ):
        coop, peer = data["cooperative"][key], data["gevent"][key]
        ratio = coop / peer if peer > 0 else float("inf")
        passed = ratio <= 1.0
        ok &= passed
        lines.append(
            f"  {label:<58} {coop:>12.0f}B {peer:>12.0f}B {ratio:>6.2f}x   1.00x  "
            f"{'PASS' if passed else 'FAIL'}"
        )
        data_rows.append(
            {
                "operation": label,
                "cooperative_bytes": coop,
                "gevent_bytes": peer,
                "ratio": ratio,
                "target": 1.0,
                "pass": passed,
            }
        )
    coop_s, peer_s = plain["cooperative"]["seconds"], plain["gevent"]["seconds"]
    lines.append(
        f"  {many:,} idle threads start, wait and finish (one run): "
        f"{coop_s:.2f}s vs {peer_s:.2f}s ({coop_s / peer_s:.2f}x, measured, not judged)"
    )
    data_rows.append(
        {
            "operation": f"{many} idle threads start, wait and finish",
            "cooperative_seconds": coop_s,
            "gevent_seconds": peer_s,
            "ratio": coop_s / peer_s,
            "target": None,
            "pass": True,
        }
    )
    return lines, ok, data_rows


# --------------------------------------------------------------------------- rows


def _spawn_join_row(coop: Any, n: int) -> Row:
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

    return Row(f"start + join {n} green threads", coop_run, gevent_run, ops=n, target=1.0)


def _many_waiters_row(coop: Any, n: int) -> Row:
    def coop_run() -> None:
        event = coop.Event()
        threads = [coop.Thread(target=event.wait) for _ in range(n)]
        for t in threads:
            t.start()
        coop.sleep(0)  # let every thread run up to its wait, as the peer does
        event.set()
        for t in threads:
            t.join()

    def gevent_run() -> None:
        event = gevent.event.Event()
        glets = [gevent.spawn(event.wait) for _ in range(n)]
        gevent.sleep(0)
        event.set()
        gevent.joinall(glets)

    return Row(
        f"{n} threads wait on one Event, are woken and joined",
        coop_run,
        gevent_run,
        ops=n,
        target=1.0,
    )


def _lock_row(coop: Any) -> Row:
    def make(lock: Any) -> Callable[[], None]:
        acquire = lock.acquire
        release = lock.release

        def run() -> None:
            for _ in range(1000):
                acquire()
                release()

        return run

    return Row(
        "Lock acquire + release x1000 (vs gevent.lock.Semaphore(1))",
        make(coop.Lock()),
        make(gevent.lock.Semaphore(1)),
        number=5,
        ops=1000,
    )


def _coop_ping_pong(coop: Any, rounds: int) -> Callable[[], None]:
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

    return coop_run


def _ping_pong_row(coop: Any, rounds: int) -> Row:
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

    return Row(
        f"Event ping-pong, {rounds} round trips",
        _coop_ping_pong(coop, rounds),
        gevent_run,
        ops=rounds,
        target=1.0,
    )


def _raw_round_trips(rounds: int) -> Callable[[], None]:
    """Two bare greenlets switching to each other: ``rounds`` round trips."""

    def raw_run() -> None:
        main_glet = greenlet.getcurrent()

        def partner() -> None:
            for _ in range(rounds):
                main_glet.switch()

        g = greenlet.greenlet(partner)
        for _ in range(rounds + 1):
            g.switch()

    return raw_run


def _raw_switch_row(coop: Any, rounds: int) -> Row:
    return Row(
        f"Event ping-pong, {rounds} round trips (vs raw greenlet switches)",
        _coop_ping_pong(coop, rounds),
        _raw_round_trips(rounds),
        ops=rounds,
        target=3.0,
    )


# The floor's mutex and ready queue: module globals, the quickest to reach.
_floor_mutex = _thread.allocate_lock()
_getcurrent = greenlet.getcurrent
_floor_ready: deque[Any] = deque()


class _FloorEvent:
    """The least a thread-safe Event of green threads can be in Python: a flag and its
    waiters under one ``with`` of a ``_thread`` lock (what any OS thread's ``set()`` must
    take), a FIFO ready queue of bare greenlets, and nothing else: no timeouts, no
    hubs, no wait records, no schedules.  A measuring device for the row below, not a
    usable Event (a wait that nothing can end raises at once)."""

    __slots__ = ("flag", "waiters")

    def __init__(self) -> None:
        self.flag = False
        self.waiters: list[Any] = []

    def set(self) -> None:
        with _floor_mutex:
            self.flag = True
            waiters = self.waiters
            if waiters:
                self.waiters = []
                _floor_ready.extend(waiters)

    def clear(self) -> None:
        self.flag = False

    def wait(self) -> None:
        if self.flag:
            return
        with _floor_mutex:
            if self.flag:
                return
            self.waiters.append(_getcurrent())
            after = _floor_ready.popleft()
        after.switch()


class _LockFreeFloorEvent:
    """:class:`_FloorEvent` without its lock: each step is one operation that the GIL
    makes atomic (a store; a deque's ``append``, ``popleft`` or ``remove`` of objects
    compared by identity), and a waiter that finds the flag set after queuing takes
    itself back out, or, if ``set()`` took it first, lets the switch it was given
    happen.  Still thread-safe for a ``set()`` from another OS thread (it would not wake
    a hub asleep in another OS thread: there are none).  A measuring device too."""

    __slots__ = ("flag", "waiters")

    def __init__(self) -> None:
        self.flag = False
        self.waiters: deque[Any] = deque()

    def set(self) -> None:
        self.flag = True
        waiters = self.waiters
        while waiters:
            try:
                glet = waiters.popleft()
            except IndexError:  # taken back meanwhile
                break
            _floor_ready.append(glet)

    def clear(self) -> None:
        self.flag = False

    def wait(self) -> None:
        if self.flag:
            return
        me = _getcurrent()
        self.waiters.append(me)
        if self.flag:
            try:
                self.waiters.remove(me)
                return
            except ValueError:  # set() took it: it is in the ready queue
                pass
        _floor_ready.popleft().switch()


def _floor_row(
    rounds: int,
    event: type[Any] = _FloorEvent,
    label: str = "Floor: a minimal Python Event (vs raw greenlet switches)",
) -> Row:
    def floor_run() -> None:
        ping, pong = event(), event()

        def partner() -> None:
            for _ in range(rounds):
                ping.wait()
                ping.clear()
                pong.set()

        _floor_ready.append(greenlet.greenlet(partner))
        for _ in range(rounds):
            ping.set()
            pong.wait()
            pong.clear()
        _floor_ready.clear()  # the partner, ended

    return Row(
        label,
        floor_run,
        _raw_round_trips(rounds),
        ops=rounds,
    )


def _yield_row(coop: Any, switches: int) -> Row:
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

    return Row(f"sleep(0) x{switches} in 2 green threads", coop_run, gevent_run, ops=2 * switches)


def _pool_row(coop: Any, n: int, size: int) -> Row:
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

    return Row(f"{n} green threads through a BoundedSemaphore({size})", coop_run, gevent_run, ops=n)


def _patched_rows(coop: Any, child: PatchedChild) -> list[Row]:
    def unused() -> None:  # the peer runs in the child
        raise AssertionError("timed in the patched-gevent child")

    return [
        Row(
            "RLock acquire + release x1000 (vs patched gevent)",
            rlock_loop(coop),
            unused,
            number=5,
            ops=1000,
            target=0.5,
            peer_timer=child.timer("rlock"),
        ),
        Row(
            "Semaphore acquire + release x1000 (vs patched gevent)",
            semaphore_loop(coop),
            unused,
            number=5,
            ops=1000,
            target=0.5,
            peer_timer=child.timer("semaphore"),
        ),
        Row(
            f"Condition ping-pong, {CONDITION_ROUNDS} round trips (vs patched gevent)",
            condition_ping_pong(coop),
            unused,
            ops=CONDITION_ROUNDS,
            target=0.5,
            peer_timer=child.timer("condition"),
        ),
    ]


def run(argv: list[str]) -> int:
    from anythread_backends.cooperative import make_backend

    coop = make_backend()
    child = PatchedChild()
    try:

        def rows() -> list[Row]:
            return [
                _raw_switch_row(coop, 1000),
                _floor_row(1000),
                _floor_row(
                    1000, _LockFreeFloorEvent, "Floor, lock-free (vs raw greenlet switches)"
                ),
                _ping_pong_row(coop, 1000),
                _spawn_join_row(coop, 1000),
                _many_waiters_row(coop, 10_000),
                *_patched_rows(coop, child),
                _lock_row(coop),
                _yield_row(coop, 1000),
                _pool_row(coop, 10_000, 100),
            ]

        status = main(
            __doc__ or "",
            "cooperative",
            "peer",
            rows,
            argv,
            quick=(3, 2),
            full=(7, 3),
            notes=[
                f"peer: gevent {gevent.__version__} (not patched, in this process), raw "
                "greenlet switches, or gevent after monkey.patch_all() in a child process"
            ],
        )
    finally:
        child.close()
    lines, memory_ok, data = memory_rows("--quick" in argv)
    print("\n".join(lines))
    if "--json" in argv:  # the timed rows are there already: add the memory rows
        path = argv[argv.index("--json") + 1]
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        report["memory"] = data
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return status or (0 if memory_ok else 1)


if __name__ == "__main__":
    if "--patched-child" in sys.argv:
        sys.exit(_serve_patched())
    if "--memory-child" in sys.argv:
        _, _, side, n, traced = sys.argv
        print(json.dumps(_idle_threads(side, int(n), traced == "True")))
        sys.exit(0)
    sys.exit(run(sys.argv[1:]))
