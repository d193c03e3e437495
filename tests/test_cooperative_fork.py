"""``os.fork()`` under the cooperative backend: the child keeps only the forking thread.

The contract's THREAD-FORK clauses cover what every backend promises; these tests cover
what is the cooperative backend's own: the green threads left behind never run again
(not even their ``finally`` blocks), locks they queued on are not handed to them, a
green thread that forks is the child's main thread, and blocking work can still be
handed to a real thread in the child.  Each scenario is a fresh interpreter.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any

import pytest

pytest.importorskip("greenlet")

from helpers import run_python

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")


def _script(source: str, **env: str) -> Any:
    return run_python(
        textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative", **env}, timeout=60
    )


class TestForkFromTheMainProgram:
    def test_threads_left_behind_never_run_and_do_not_get_locks(self) -> None:
        result = _script(
            """
            import gc, os, sys
            import anythread as t
            mine = t.Lock(); mine.acquire()   # held by the forking thread
            theirs = t.Lock()                 # held by a thread left behind
            parked = t.Barrier(3)
            def taker():
                parked.wait(30)
                try:
                    mine.acquire()            # queued on a lock the forker holds
                    print("taker got it", flush=True)
                finally:
                    print("taker finally", flush=True)
            def holder():
                theirs.acquire()
                parked.wait(30)
                try:
                    t.Event().wait(30)
                finally:
                    print("holder finally", flush=True)
            threads = [t.Thread(target=taker, daemon=True), t.Thread(target=holder, daemon=True)]
            for thread in threads:
                thread.start()
            parked.wait(30)
            t.sleep(0)                        # both are parked now
            pid = os.fork()
            if pid == 0:
                del threads
                gc.collect()
                mine.release()
                print("child", mine.acquire(timeout=5), theirs.locked(),
                      theirs.acquire(timeout=0.05), flush=True)
                t.sleep(0.05)                 # the others had their chance to run
                sys.exit(0)
            _, status = os.waitpid(pid, 0)
            print("parent", os.waitstatus_to_exitcode(status), flush=True)
            os._exit(0)
            """
        )
        assert result.returncode == 0, result.stderr
        # In the child: the lock the forker released is not handed to the taker left
        # behind; the one a thread left behind holds stays held (as CPython's); no
        # code of those threads runs, not even their finally blocks.
        assert result.stdout.splitlines() == ["child True True False", "parent 0"]

    def test_threads_left_waiting_on_an_event_are_not_woken_by_its_set(self) -> None:
        result = _script(
            """
            import os, sys
            import anythread as t
            event = t.Event()
            parked = t.Barrier(3)
            def waiter(tag, timeout):
                parked.wait(30)
                event.wait(timeout)
                print("woke", tag, flush=True)
            threads = [
                t.Thread(target=waiter, args=("untimed", None), daemon=True),
                t.Thread(target=waiter, args=("timed", 30), daemon=True),
            ]
            for thread in threads:
                thread.start()
            parked.wait(30)
            t.sleep(0)                        # both wait on the event now
            pid = os.fork()
            if pid == 0:
                event.set()
                t.sleep(0.05)                 # a thread left behind, if woken, runs now
                event.clear()
                got = []
                new = t.Thread(target=lambda: got.append(event.wait(5)))
                new.start()
                t.sleep(0)                    # it waits
                event.set()
                new.join(5)
                print("child", got, flush=True)
                sys.exit(0)
            _, status = os.waitpid(pid, 0)
            print("parent", os.waitstatus_to_exitcode(status), flush=True)
            os._exit(0)
            """
        )
        assert result.returncode == 0, result.stderr
        # In the child the event's waiters of the parent are gone: its set() wakes
        # none of them (no code of theirs runs), and a new waiter is woken as usual.
        assert result.stdout.splitlines() == ["child [True]", "parent 0"]

    def test_the_main_thread_left_waiting_on_an_event_is_not_woken_by_its_set(self) -> None:
        # A green thread forks while the main thread waits on an event: in the child
        # the main thread is left behind, and the event's set() there must not resume
        # it (it would run the parent's main program in the child).
        result = _script(
            """
            import os, sys
            import anythread as t
            event = t.Event()
            def forker():
                pid = os.fork()               # the main thread waits on the event
                if pid == 0:
                    left = len(event._waiters)  # (an entry left would wake this thread)
                    event.set()
                    t.sleep(0.05)             # the main thread, if woken, runs now
                    print("child", left, flush=True)
                    os._exit(0)
                _, status = os.waitpid(pid, 0)
                print("parent", os.waitstatus_to_exitcode(status), flush=True)
                event.set()
            thread = t.Thread(target=forker)
            thread.start()
            event.wait()
            print("main woken", flush=True)
            thread.join()
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["child 0", "parent 0", "main woken"]

    def test_blocking_work_can_be_handed_to_a_real_thread_in_the_child(self) -> None:
        result = _script(
            """
            import os, sys, threading
            import anythread as t
            from anythread_backends.cooperative import run_in_thread
            t.current_thread()                # the facade serves cooperative from now on
            run_in_thread(lambda: None)       # a worker in the parent
            pid = os.fork()
            if pid == 0:
                main = threading.get_ident()
                print("child", run_in_thread(threading.get_ident) != main, flush=True)
                sys.exit(0)
            _, status = os.waitpid(pid, 0)
            print("parent", os.waitstatus_to_exitcode(status), flush=True)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["child True", "parent 0"]

    def test_the_child_works_when_another_os_thread_was_inside_the_kernel(self) -> None:
        # White-box set-up: the kernel's process-wide mutex is held by another OS thread
        # at the fork, as it is for the moment a real thread sets an Event or releases
        # a Lock.  That thread does not exist in the child, so its hold must not either:
        # every object of the kernel (Event, Condition's wait queue, Lock) works there.
        result = _script(
            """
            import faulthandler, os, sys, threading
            import anythread as t
            from anythread_backends.cooperative import _hub
            t.current_thread()                # the facade serves cooperative from now on
            inside, leave = threading.Event(), threading.Event()
            def inside_the_kernel():
                with _hub.mutex:
                    inside.set()
                    leave.wait(30)
            outsider = threading.Thread(target=inside_the_kernel)
            outsider.start()
            inside.wait(30)
            pid = os.fork()
            if pid == 0:
                faulthandler.dump_traceback_later(20, exit=True)   # a hang fails, not hangs
                event, cond, lock = t.Event(), t.Condition(), t.Lock()
                def partner():
                    event.wait()
                    with cond:
                        cond.notify()
                    lock.release()
                lock.acquire()
                with cond:
                    worker = t.Thread(target=partner)
                    worker.start()
                    t.sleep(0)                # the partner waits on the event now
                    event.set()
                    woken = cond.wait(10)
                print("child", woken, lock.acquire(timeout=10), flush=True)
                worker.join()
                sys.exit(0)
            leave.set()
            outsider.join()
            _, status = os.waitpid(pid, 0)
            print("parent", os.waitstatus_to_exitcode(status), flush=True)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["child True True", "parent 0"], result.stderr


class TestForkFromAGreenThread:
    @pytest.mark.parametrize("schedule", ["fifo", "random:1", "pct:5:3"])
    def test_forker_is_the_childs_main_thread_and_the_parents_code_never_runs(
        self, schedule: str
    ) -> None:
        result = _script(
            """
            import os
            import anythread as t
            status = []
            def late():
                t.sleep(0.05)
                print("late", flush=True)
            def forker():
                pid = os.fork()
                if pid == 0:
                    me = t.current_thread()
                    print("child", me.name, me is t.main_thread(), flush=True)
                    try:
                        t.Event().wait()
                    except t.DeadlockError as err:
                        print("deadlock raised in", t.current_thread().name, flush=True)
                    t.Thread(target=late).start()
                    return                    # the child's program is over
                status.append(os.waitpid(pid, 0)[1])
            others = [t.Thread(target=t.Event().wait, args=(5,), daemon=True) for _ in range(3)]
            for other in others:
                other.start()
            worker = t.Thread(target=forker, name="forker")
            worker.start()
            worker.join()
            print("parent's main code", os.waitstatus_to_exitcode(status[0]), flush=True)
            """,
            ANYTHREAD_SCHEDULE=schedule,
        )
        assert result.returncode == 0, result.stderr
        # When the forker returns, the child waits for its non-daemon thread, then
        # ends with status 0; the parent's main code runs in the parent only.
        assert result.stdout.splitlines() == [
            "child forker True",
            "deadlock raised in forker",
            "late",
            "parent's main code 0",
        ]


def test_fork_capability_is_declared() -> None:
    from anythread_backends.cooperative import make_backend

    for clock in ("real", "virtual"):
        assert "fork" in {str(c) for c in make_backend(clock=clock).capabilities}
