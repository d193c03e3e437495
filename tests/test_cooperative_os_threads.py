"""The cooperative backend with real OS threads: who may still wake a green thread (no
false DeadlockError), handing blocking work to a real thread, wakeups from OS threads
under load, and the refusal to move a greenlet between OS threads.

Scenarios whose verdict depends on which OS threads are alive run in a fresh
interpreter: in this process pytest-timeout's own timer thread is alive, and it counts
as a thread that could wake a green thread.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

pytest.importorskip("greenlet")

from helpers import run_python


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
