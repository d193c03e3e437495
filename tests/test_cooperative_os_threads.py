"""The cooperative backend with real OS threads: who may still wake a green thread (no
false DeadlockError), handing blocking work to a real thread, wakeups from OS threads
under load, and the refusal to move a greenlet between OS threads.

Scenarios whose verdict depends on which OS threads are alive run in a fresh
interpreter: in this process pytest-timeout's own timer thread is alive, and it counts
as a thread that could wake a green thread.
"""

from __future__ import annotations

import queue
import sys
import textwrap
import threading
import time
from typing import Any

import pytest

pytest.importorskip("greenlet")

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information
from helpers import run_python

from anythread_backends.cooperative import make_backend, run_in_thread
from anythread_backends.cooperative._offload import MAX_WORKERS


def _script(source: str, **env: str) -> Any:
    return run_python(
        textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative", **env}, timeout=60
    )


class TestNoFalseDeadlock:
    """While an OS thread that could still wake a green thread is alive, the hub waits;
    once none is, a run that can never go on raises DeadlockError."""

    @pytest.mark.parametrize("daemon", [False, True])
    def test_thread_that_never_used_the_backend_wakes_each_kind(self, daemon: bool) -> None:
        # Each plain thread works a while (0.2 s, time.sleep: it is not waiting for
        # anyone) before it touches the backend for the first time, to wake the waiter.
        result = _script(
            f"""
            import threading, time
            import anythread as t
            lock = t.Lock(); lock.acquire()
            event = t.Event()
            cond = t.Condition(); flag = []
            sem = t.Semaphore(0)
            def wake(kind):
                time.sleep(0.2)
                if kind == "lock":
                    lock.release()
                elif kind == "event":
                    event.set()
                elif kind == "condition":
                    with cond:
                        flag.append(1)
                        cond.notify()
                else:
                    sem.release()
            def wait(kind):
                if kind == "lock":
                    return lock.acquire()
                if kind == "event":
                    return event.wait()
                if kind == "condition":
                    with cond:
                        return cond.wait_for(lambda: flag)
                return sem.acquire()
            for kind in ("lock", "event", "condition", "semaphore"):
                waker = threading.Thread(target=wake, args=(kind,), daemon={daemon})
                waker.start()
                print(kind, bool(wait(kind)), flush=True)
                waker.join(30)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [
            "lock", "True", "event", "True", "condition", "True", "semaphore", "True"
        ]  # fmt: skip

    def test_green_thread_woken_by_a_concurrent_futures_worker(self) -> None:
        result = _script(
            """
            import time
            from concurrent.futures import ThreadPoolExecutor
            import anythread as t
            event = t.Event()
            got = []
            def green():
                got.append(event.wait())
            g = t.Thread(target=green, name="green")
            g.start()
            def work():
                time.sleep(0.2)
                event.set()
            with ThreadPoolExecutor(1) as pool:
                future = pool.submit(work)
                g.join()
                future.result(30)
            print(got)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["[True]"]

    def test_deadlock_reported_once_the_outside_thread_ended_without_waking(self) -> None:
        # A bug that never reports a deadlock once an outside thread was seen, or that
        # reports it while the thread is still alive, both fail here.
        result = _script(
            """
            import threading, time
            import anythread as t
            event = t.Event()
            ended = []
            def busy():
                time.sleep(0.3)
                ended.append(True)
            outside = threading.Thread(target=busy)
            outside.start()
            start = time.monotonic()
            try:
                event.wait()
            except t.DeadlockError as err:
                print("deadlock", ended, not outside.is_alive(), time.monotonic() - start < 20)
                print(err)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == "deadlock [True] True True", result.stdout
        assert "waiting for Event created at <string>:4" in result.stdout

    def test_ended_outside_thread_does_not_hide_a_deadlock_between_hubs(self) -> None:
        # Two OS threads with hubs each wait for an event nobody else can set, and an
        # outside thread has come and gone: the run cannot go on, so a DeadlockError
        # is raised (in the hub that sees it first; the other may then be woken).
        result = _script(
            """
            import threading
            import anythread as t
            gone = threading.Thread(target=lambda: None)
            gone.start(); gone.join(30)
            first, second = t.Event(), t.Event()
            def other():
                try:
                    second.wait()
                except t.DeadlockError:
                    first.set()
            os_thread = threading.Thread(target=other)
            os_thread.start()
            try:
                first.wait()
            except t.DeadlockError:
                second.set()
            os_thread.join(30)
            print(first.is_set() or second.is_set(), os_thread.is_alive())
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["True", "False"]


class TestRunInThread:
    """run_in_thread: blocking work in a real OS thread, the other green threads run."""

    def test_other_green_threads_run_while_one_waits_for_blocking_work(self) -> None:
        b = make_backend()
        gate = threading.Event()  # a real one: blocks a real thread
        progress = [0]
        seen: list[bool] = []

        def offloader() -> None:
            # Blocks a worker until the other green thread has made progress: if
            # run_in_thread blocked this OS thread, that could never happen.
            seen.append(run_in_thread(gate.wait, 30))

        def other() -> None:
            for _ in range(100):
                progress[0] += 1
                b.sleep(0)
            gate.set()

        threads = [b.Thread(target=offloader), b.Thread(target=other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert seen == [True]
        assert progress[0] == 100

    def test_half_a_second_of_real_sleep_does_not_stop_the_others(self) -> None:
        b = make_backend()
        over = b.Event()
        ticks = [0]

        def offloader() -> None:
            run_in_thread(time.sleep, 0.5)
            over.set()

        def ticker() -> None:
            while not over.wait(0.01):
                ticks[0] += 1

        threads = [b.Thread(target=offloader), b.Thread(target=ticker)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        # About 50 ticks in 0.5 s; none at all if the OS thread were blocked.
        assert ticks[0] >= 3

    def test_result_and_exception_reach_the_caller(self) -> None:
        b = make_backend()
        outcome: list[object] = []

        def green() -> None:
            outcome.append(run_in_thread(divmod, 7, 2))
            outcome.append(run_in_thread(threading.get_ident) != threading.get_ident())
            try:
                run_in_thread(int, "seven")
            except ValueError as exc:
                outcome.append(str(exc))

        t = b.Thread(target=green)
        t.start()
        t.join(timeout=30)
        assert outcome == [(3, 1), True, "invalid literal for int() with base 10: 'seven'"]

    def test_exception_is_raised_with_its_own_type(self) -> None:
        b = make_backend()

        def fail() -> None:
            raise KeyError("lost")

        def green() -> None:
            with pytest.raises(KeyError, match="lost"):
                run_in_thread(fail)

        errors: list[BaseException] = []
        b.excepthook = lambda args: errors.append(args.exc_value)
        t = b.Thread(target=green)
        t.start()
        t.join(timeout=30)
        assert errors == []

    def test_many_concurrent_offloads(self) -> None:
        # 64 calls from 64 green threads; each waits at a real Barrier(8), passable
        # only if 8 calls really run at once, in 8 OS threads.
        b = make_backend()
        barrier = threading.Barrier(8, timeout=30)
        results: dict[int, int] = {}
        workers: set[int] = set()

        def work(n: int) -> int:
            barrier.wait()
            workers.add(threading.get_ident())
            return n * n

        def green(n: int) -> None:
            results[n] = run_in_thread(work, n)

        threads = [b.Thread(target=green, args=(n,)) for n in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert results == {n: n * n for n in range(64)}
        assert 8 <= len(workers) <= MAX_WORKERS
        assert threading.get_ident() not in workers

    def test_it_leaves_the_facades_choice_open(self) -> None:
        result = run_python(
            textwrap.dedent(
                """
                import threading
                import anythread
                from anythread_backends.cooperative import run_in_thread
                print(run_in_thread(threading.get_ident) == threading.get_ident())
                anythread.use("cooperative")  # still possible
                anythread.current_thread()  # the facade serves it from now on
                print(run_in_thread(threading.get_ident) != threading.get_ident())
                """
            ),
            timeout=60,
        )
        assert result.stdout.split() == ["True", "True"], result.stderr

    def test_outside_a_green_thread_it_simply_calls(self) -> None:
        # In this process anythread serves stdlib: nothing to keep running.
        assert run_in_thread(threading.get_ident) == threading.get_ident()

    @pytest.mark.parametrize("schedule", ["fifo", "random:3", "pct:3:2"])
    def test_busy_worker_is_no_deadlock_idle_one_hides_none(self, schedule: str) -> None:
        # Under random and pct every green lock operation is a scheduling point, also
        # the worker's release: that must not give the worker a hub of its own.
        result = _script(
            """
            import threading, time
            import anythread as t
            from anythread_backends.cooperative import run_in_thread
            t.current_thread()  # the facade serves cooperative from now on
            print(run_in_thread(lambda: time.sleep(0.3) or "slept"), flush=True)
            try:
                t.Event().wait()
            except t.DeadlockError:
                workers = [w for w in threading.enumerate() if w.name.startswith("anythread-")]
                print("deadlock", len(workers), flush=True)
            """,
            ANYTHREAD_SCHEDULE=schedule,
        )
        assert result.returncode == 0, result.stderr
        # The worker is still alive (idle) when the deadlock is reported.
        assert result.stdout.splitlines() == ["slept", "deadlock 1"]


class TestWakeupsFromOSThreads:
    def test_thousand_rounds_under_load_nothing_lost(self) -> None:
        # Each round the green thread asks a real OS thread (through a queue, without
        # waiting for it) to release a Lock, set an Event or notify a Condition, and
        # waits for that with a bound; the OS thread may act before or after the green
        # thread blocks.  Three busy green threads keep the hub switching meanwhile.
        b = make_backend()
        rounds = 1000
        lock = b.Lock()
        lock.acquire()
        event = b.Event()
        cond = b.Condition()
        state = [-1]
        orders: queue.SimpleQueue[tuple[str, int] | None] = queue.SimpleQueue()
        stop = b.Event()
        spins = [0, 0, 0]
        missed: list[tuple[str, int]] = []

        def os_thread() -> None:
            while (order := orders.get(timeout=30)) is not None:
                kind, n = order
                if kind == "lock":
                    lock.release()
                elif kind == "event":
                    event.set()
                else:
                    with cond:
                        state[0] = n
                        cond.notify()

        def waiter() -> None:
            for n in range(rounds):
                kind = ("lock", "event", "condition")[n % 3]
                if kind == "event":
                    event.clear()
                orders.put((kind, n))
                if kind == "lock":
                    woken = lock.acquire(timeout=10)
                elif kind == "event":
                    woken = event.wait(10)
                else:
                    with cond:
                        woken = cond.wait_for(lambda n=n: state[0] == n, timeout=10)
                if not woken:
                    missed.append((kind, n))
            orders.put(None)
            stop.set()

        def busy(slot: int) -> None:
            while not stop.is_set():
                spins[slot] += 1
                b.sleep(0)

        start = time.monotonic()
        # The busy green threads never let go of the GIL on their own: the OS thread
        # gets it back every switch interval, 5 ms by default, so 1,000 rounds would
        # take 5 s of waiting for the GIL alone.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        try:
            real = threading.Thread(target=os_thread)
            real.start()
            green = [b.Thread(target=waiter)]
            green += [b.Thread(target=busy, args=(i,)) for i in range(3)]
            for t in green:
                t.start()
            for t in green:
                t.join(timeout=60)
            real.join(timeout=30)
        finally:
            sys.setswitchinterval(interval)
        assert not real.is_alive()
        assert missed == []
        assert stop.is_set()
        assert min(spins) > 0
        assert time.monotonic() - start < 60

    @pytest.mark.parametrize("kind", ["semaphore", "condition", "event"])
    def test_waits_that_time_out_while_an_os_thread_wakes_lose_nothing(self, kind: str) -> None:
        # Green threads wait with tiny timeouts, over and over, while a real OS thread
        # releases a Semaphore, notifies a Condition or sets an Event: a wait times out
        # at its deadline (the hub takes it out of the queue) at any moment relative to
        # a wakeup from the other OS thread, and no wakeup may be lost or given to a
        # wait that is already over.
        b = make_backend()
        items = 300
        sem = b.Semaphore(0)
        cond = b.Condition()
        event = b.Event()
        queued: list[int] = []
        got: list[int] = []
        given = threading.Event()

        def os_thread() -> None:
            for n in range(items):
                if kind == "semaphore":
                    sem.release()
                elif kind == "condition":
                    with cond:
                        queued.append(n)
                        cond.notify()
                else:
                    queued.append(n)
                    event.set()
                if n % 16 == 0:
                    time.sleep(0.0005)
            given.set()

        def green(slot: int) -> None:
            deadline = time.monotonic() + 60
            while len(got) < items and time.monotonic() < deadline:
                if kind == "semaphore":
                    if sem.acquire(timeout=0.0003):
                        got.append(slot)
                elif kind == "condition":
                    with cond:
                        if cond.wait_for(lambda: queued, timeout=0.0003):
                            got.append(queued.pop(0))
                elif event.wait(0.0003):
                    event.clear()
                    while queued:
                        got.append(queued.pop(0))
                b.sleep(0)

        threads = [b.Thread(target=green, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        real = threading.Thread(target=os_thread)
        real.start()
        for t in threads:
            t.join(timeout=90)
        real.join(timeout=30)
        assert given.is_set()
        assert len(got) == items
        if kind == "semaphore":
            assert sem.acquire(False) is False  # every release was taken once
        else:
            assert sorted(got) == list(range(items))

    def test_greenlet_cannot_be_switched_from_another_os_thread(self) -> None:
        b = make_backend()
        box: list[Any] = []
        resume = b.Event()
        finished: list[str] = []

        def green() -> None:
            box.append(greenlet.getcurrent())
            resume.wait(30)
            finished.append(b.current_thread().name)

        t = b.Thread(target=green, name="stays")
        t.start()
        b.sleep(0)  # now parked in resume.wait
        errors: list[BaseException] = []

        def intruder() -> None:
            try:
                box[0].switch()
            except greenlet.error as exc:
                errors.append(exc)

        other = threading.Thread(target=intruder)
        other.start()
        other.join(timeout=30)
        assert len(errors) == 1
        assert str(errors[0]).startswith("Cannot switch to a different thread")
        # The green thread is unharmed: it goes on in its own OS thread.
        resume.set()
        t.join(timeout=30)
        assert finished == ["stays"]


class TestShortLivedOSThreads:
    def test_an_os_thread_that_blocked_in_the_backend_leaves_nothing_behind(self) -> None:
        # Each OS thread that blocks in the backend gets a hub; when the thread ends, all
        # of it must go (it once stayed: about 4 KB per thread, for ever).
        import gc
        import tracemalloc

        b = make_backend()

        def blocks_once() -> None:
            b.Event().wait(0.001)  # a timed wait: this OS thread's hub runs its timer

        def batch() -> None:
            threads = [threading.Thread(target=blocks_once) for _ in range(100)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            gc.collect()

        batch()  # (whatever is made once, on first use)
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            batch()
            batch()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert grown < 200 * 500, f"{grown / 200:.0f} bytes kept per ended OS thread"

    @pytest.mark.parametrize("kind", ["Event", "Condition"])
    def test_its_hub_goes_though_it_waited_on_an_object_that_stays(self, kind: str) -> None:
        # The OS thread's own greenlet waits, without a timeout, on an object that
        # outlives the thread: what the backend keeps to find that greenlet's hub
        # quickly must not keep the hub of a thread that has ended.
        import gc
        import weakref

        b = make_backend()
        obj = b.Event() if kind == "Event" else b.Condition()
        hubs: list[Any] = []

        def waits() -> None:
            hubs.append(weakref.ref(b.waits.kernel.hub()))
            if kind == "Event":
                b.Thread(target=obj.set).start()
                obj.wait()
            else:

                def notify() -> None:
                    with obj:
                        obj.notify()

                with obj:
                    b.Thread(target=notify).start()
                    obj.wait()

        os_thread = threading.Thread(target=waits)
        os_thread.start()
        os_thread.join(30)
        pause = threading.Event()
        for _ in range(1000):  # (the hub goes once the thread's state is torn down)
            gc.collect()
            if hubs[0]() is None:
                break
            pause.wait(0.01)
        assert hubs[0]() is None
        assert obj is not None
