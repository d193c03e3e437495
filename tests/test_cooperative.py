"""The cooperative backend's own features: green threads, hang reports, the virtual
clock, seeded schedules, the exit rule and the registry entry.

Scenarios that leave green threads blocked for ever (a deadlock) run in a fresh
interpreter, so no suspended greenlet outlives its test.
"""

from __future__ import annotations

import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("greenlet")

from helpers import run_python

from anythread_backends.cooperative import make_backend


def _script(source: str, **env: str) -> Any:
    return run_python(
        textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative", **env}, timeout=60
    )


class TestGreenThreads:
    def test_threads_interleave_only_at_blocking_calls(self) -> None:
        b = make_backend()
        log: list[str] = []
        go = b.Event()

        def worker(tag: str) -> None:
            go.wait(timeout=10)
            log.append(f"{tag}1")
            b.sleep(0)
            log.append(f"{tag}2")

        threads = [b.Thread(target=worker, args=(t,)) for t in "ab"]
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join(timeout=10)
        # FIFO: each runs until sleep(0) yields, so the two interleave exactly.
        assert log == ["a1", "b1", "a2", "b2"]

    def test_identifiers_distinct_native_id_shared(self) -> None:
        b = make_backend()
        seen: list[tuple[int, int]] = []
        threads = [
            b.Thread(target=lambda: seen.append((b.get_ident(), b.get_native_id())))
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        idents = {i for i, _ in seen} | {b.get_ident()}
        assert len(idents) == 4
        # Green threads share their OS thread's native id (no NATIVE_IDS capability).
        assert {n for _, n in seen} == {b.get_native_id()}

    def test_capabilities_are_honest(self) -> None:
        real = {str(c) for c in make_backend().capabilities}
        virtual = {str(c) for c in make_backend(clock="virtual").capabilities}
        assert "preemptive" not in real
        assert "native-ids" not in real
        assert "true-timeouts" in real
        assert "true-timeouts" not in virtual

    def test_timeout_never_returns_early_on_real_clock(self) -> None:
        b = make_backend()
        lock = b.Lock()
        lock.acquire()
        start = time.monotonic()
        assert lock.acquire(timeout=0.05) is False
        assert time.monotonic() - start >= 0.05
        event = b.Event()
        start = b.monotonic()
        assert event.wait(0.03) is False
        assert b.monotonic() - start >= 0.03

    def test_lock_released_by_another_green_thread_wakes_waiter(self) -> None:
        b = make_backend()
        lock = b.Lock()
        lock.acquire()
        got: list[bool] = []
        t = b.Thread(target=lambda: got.append(lock.acquire(timeout=5)))
        t.start()
        b.sleep(0)  # let it block
        assert got == []
        lock.release()
        t.join(timeout=5)
        assert got == [True]
        assert lock.locked()  # handed to the waiter, which never released it

    def test_excepthook_receives_exception(self) -> None:
        b = make_backend()
        caught: list[tuple[type[BaseException], str]] = []
        b.excepthook = lambda args: caught.append((args.exc_type, args.thread.name))

        def boom() -> None:
            raise ValueError("boom")

        t = b.Thread(target=boom, name="bad")
        t.start()
        t.join(timeout=5)
        assert caught == [(ValueError, "bad")]

    def test_sleep_checks_its_argument_like_time_sleep(self) -> None:
        b = make_backend()
        with pytest.raises(ValueError, match="non-negative"):
            b.sleep(-1)
        with pytest.raises(ValueError, match="NaN"):
            b.sleep(float("nan"))
        with pytest.raises(OverflowError, match="too large"):
            b.sleep(float("inf"))
        with pytest.raises(TypeError, match="'str' object cannot be interpreted"):
            b.sleep("1")  # type: ignore[arg-type]

    def test_bad_configuration_is_refused(self) -> None:
        with pytest.raises(ValueError, match="expected 'real' or 'virtual'"):
            make_backend(clock="sundial")
        with pytest.raises(ValueError, match="random:SEED"):
            make_backend(schedule="random:x")


class TestProgram:
    def test_exit_waits_for_non_daemon_not_daemon(self) -> None:
        result = _script(
            """
            import anythread as t
            def late(tag, seconds):
                t.sleep(seconds)
                print(tag, flush=True)
            t.Thread(target=late, args=("worker", 0.05)).start()
            t.Thread(target=late, args=("daemon", 30), daemon=True).start()
            print("main over", flush=True)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["main", "over", "worker"]

    def test_uncaught_exception_reaches_default_excepthook(self) -> None:
        result = _script(
            """
            import anythread as t
            def bad():
                raise KeyError("lost")
            t.Thread(target=bad, name="worker").start()
            """
        )
        assert result.returncode == 0
        assert "Exception in thread worker" in result.stderr
        assert "KeyError: 'lost'" in result.stderr


class TestDeadlock:
    def test_abba_deadlock_names_threads_sites_kinds_and_holders(self) -> None:
        result = _script(
            """
            import anythread as t
            a = t.Lock()
            b = t.RLock()
            both = t.Barrier(2)
            def one():
                with a:
                    both.wait()
                    with b:
                        pass
            def two():
                with b:
                    both.wait()
                    with a:
                        pass
            t1 = t.Thread(target=one, name="one")
            t2 = t.Thread(target=two, name="two")
            t1.start(); t2.start()
            try:
                t1.join()
            except t.DeadlockError as e:
                print(sorted(e.threads))
                print(e)
            """
        )
        out = result.stdout
        assert result.returncode == 0, result.stderr
        assert "['one', 'two']" in out
        assert "'one' (started at <string>:18) is blocked at <string>:9" in out
        assert "waiting for RLock created at <string>:4, held by 'two'" in out
        assert "'two' (started at <string>:18) is blocked at <string>:14" in out
        assert "waiting for Lock created at <string>:3, held by 'one'" in out
        assert "'MainThread'" in out
        assert "waiting for the end of thread 'one' (join)" in out
        assert "replay: ANYTHREAD_SCHEDULE=fifo" in out

    def test_a_thread_whose_target_is_the_apis_own_function_is_placed_in_it(self) -> None:
        # No frame of the user's in its stack: the report names the function it runs,
        # by the class the user made the object of.
        result = _script(
            """
            import anythread as t
            never = t.Event()
            t.Thread(target=never.wait, name="waiter", daemon=True).start()
            try:
                never.wait()
            except t.DeadlockError as e:
                print(e)
            """
        )
        assert result.returncode == 0, result.stderr
        assert (
            "thread 'waiter' (started at <string>:4) is blocked in its target, Event.wait(), "
            "waiting for Event created at <string>:3"
        ) in result.stdout
        assert "at ?" not in result.stdout

    def test_event_nobody_sets_raises_instead_of_hanging(self) -> None:
        result = _script(
            """
            import anythread as t
            e = t.Event()
            def waiter():
                e.wait()
            w = t.Thread(target=waiter, name="waiter")
            w.start()
            try:
                w.join()
            except t.DeadlockError as err:
                print("cycle:", err.cycle)
                print(err)
            """
        )
        assert result.returncode == 0, result.stderr
        assert "cycle: ()" in result.stdout
        assert "'waiter' (started at <string>:7) is blocked at <string>:5" in result.stdout
        assert "waiting for Event created at <string>:3" in result.stdout

    def test_lock_held_by_main_thread_is_named_as_holder(self) -> None:
        result = _script(
            """
            import anythread as t
            lock = t.Lock()
            lock.acquire()
            w = t.Thread(target=lock.acquire, name="taker")
            w.start()
            try:
                w.join()
            except t.DeadlockError as err:
                print(err.threads)
                print(err)
            """
        )
        assert result.returncode == 0, result.stderr
        assert "waiting for Lock created at <string>:3, held by 'MainThread'" in result.stdout
        # taker waits for main's lock, main joins taker: a cycle of two.
        assert "('MainThread', 'taker')" in result.stdout or "('taker', 'MainThread')" in (
            result.stdout
        )

    def test_waiting_with_timeout_is_not_a_deadlock(self) -> None:
        b = make_backend()
        assert b.Event().wait(0.01) is False

    def test_unjoined_deadlock_is_reported_at_exit_without_hanging(self) -> None:
        result = _script(
            """
            import anythread as t
            e = t.Event()
            t.Thread(target=e.wait, name="stuck").start()
            """
        )
        assert result.stderr.startswith("anythread: at exit, deadlock"), result.stderr
        assert result.stderr.count("deadlock:") == 1, result.stderr
        assert "'stuck'" in result.stderr
        # Where the main thread is: in no code of the user's, at the program's end.
        assert (
            "thread 'MainThread' (started at the start of its OS thread) is blocked at the "
            "end of the program (the exit rule) waiting for the end of thread 'stuck'"
        ) in result.stderr


# A real OS thread sends SIGINT to the process once the spinner has been running for a
# while: Python runs the handler in the main OS thread, where the spinner (not the main
# green thread, which is blocked) is the code running.
_CTRL_C = """
    import os, signal, threading as os_threads
    # Python's own handler, as an interactive program has it (a process started in the
    # background by a shell inherits SIGINT ignored, and Python then leaves it so).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import anythread as threading

    progress = [0]
    def spin():
        while True:
            progress[0] += 1
            threading.sleep(0)
    def press_ctrl_c(ready=lambda: progress[0] > 100):
        # Once ready() (by default: the spinner has run a while, so the main green
        # thread is blocked, as the spinner runs only then); at most 30 s.
        pause = os_threads.Event()
        for _ in range(3000):
            if ready():
                break
            pause.wait(0.01)
        os.kill(os.getpid(), signal.SIGINT)
"""


class TestCtrlC:
    """KeyboardInterrupt from SIGINT reaches the main green thread, as it reaches only
    the main thread on the standard library (LOCK-SIGNAL-01's spirit, with another green
    thread running when the signal comes)."""

    def test_a_wait_of_the_main_thread_raises_and_the_running_thread_goes_on(self) -> None:
        result = _script(
            _CTRL_C
            + """
    spinner = threading.Thread(target=spin, daemon=True, name="spinner")
    spinner.start()
    os_threads.Thread(target=press_ctrl_c).start()
    try:
        threading.Event().wait(30)
        print("not interrupted")
    except KeyboardInterrupt:
        seen = progress[0]
        threading.sleep(0.05)
        print("interrupted; spinner alive:", spinner.is_alive(), progress[0] > seen)
    """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "interrupted; spinner alive: True True\n"
        assert "Exception in thread" not in result.stderr, result.stderr

    def test_an_acquire_raises_and_leaves_the_lock_to_its_holder(self) -> None:
        result = _script(
            _CTRL_C
            + """
    lock = threading.Lock()
    def hold_and_spin():
        with lock:
            spin()
    spinner = threading.Thread(target=hold_and_spin, daemon=True, name="spinner")
    spinner.start()
    threading.sleep(0)  # the spinner takes the lock
    os_threads.Thread(target=press_ctrl_c).start()
    try:
        lock.acquire()
        print("acquired")
    except KeyboardInterrupt:
        print("interrupted; locked:", lock.locked(), "spinner alive:", spinner.is_alive())
    """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "interrupted; locked: True spinner alive: True\n"
        assert "Exception in thread" not in result.stderr, result.stderr

    def test_an_interrupt_inside_a_critical_section_is_delivered_after_it(self) -> None:
        # The handler may run while the green thread holds the kernel's mutex (between
        # two bytecodes of a lock's code): it must not take it again (a hang), and the
        # main thread still gets the interrupt once the section is over (delivered by
        # another OS thread).  A process of its own: no other OS thread there keeps the
        # hub looking.
        result = _script(
            """
            import greenlet
            import anythread as threading
            from anythread_backends.cooperative import _hub

            done = []
            def green():
                hub = greenlet.getcurrent().hub
                with _hub.mutex:  # where a signal handler may find itself
                    hub.interrupt_root(KeyboardInterrupt("late"))
                    done.append(hub.interrupting)
                threading.sleep(0)
                done.append(True)

            thread = threading.Thread(target=green)
            thread.start()
            try:
                threading.Event().wait(30)
            except KeyboardInterrupt as exc:
                print("interrupted:", exc)
            thread.join(30)
            print(done)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "interrupted: late\n[True, True]\n"

    def test_the_main_thread_running_gets_it_at_once(self) -> None:
        # The main green thread itself is running (computing, no switch): the handler
        # raises there, as Python's own does.
        result = _script(
            _CTRL_C
            + """
    spinner = threading.Thread(target=spin, daemon=True, name="spinner")
    spinner.start()
    threading.sleep(0)  # (a hub, and the handler, exist from here)
    looping = [False]
    os_threads.Thread(target=press_ctrl_c, args=(lambda: looping[0],)).start()
    try:
        looping[0] = True
        while True:
            pass
    except KeyboardInterrupt:
        print("interrupted; spinner alive:", spinner.is_alive())
    """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "interrupted; spinner alive: True\n"

    def test_delivered_by_the_end_of_the_thread_it_came_in(self) -> None:
        # The signal comes while a green thread runs, which then ends: its end hands
        # over to the next ready greenlet, the one that delivers the KeyboardInterrupt
        # (passing it the thread's result, as a greenlet's end does).  What the handler
        # does, called as it calls it.
        b = make_backend()
        hub = b.waits.kernel.hub()
        event = b.Event()
        t = b.Thread(target=lambda: hub.interrupt_root(KeyboardInterrupt("Ctrl-C")))
        t.start()
        with pytest.raises(KeyboardInterrupt, match="Ctrl-C"):
            event.wait()
        t.join(timeout=10)
        assert not t.is_alive()
        assert b.waits.snapshot() == ()

    @pytest.mark.parametrize(
        "wait",
        [
            "t.join()",  # (a parked lock)
            "t.join(30)",  # (a parked lock, with a timer)
            "done.acquire()",  # (a green lock's queue)
            "done_event.wait()",
            "done_event.wait(30)",
            "cond_wait()",  # (the kernel's wait queue)
        ],
    )
    def test_a_wait_interrupted_after_its_wakeup_came_leaves_no_trace(self, wait: str) -> None:
        # The thread that the main thread waits for gets the Ctrl-C and ends: its end
        # wakes the main thread, after the KeyboardInterrupt was delivered.  The main
        # thread leaves its wait with the interrupt, and was made ready once more by
        # that wakeup: that must not end its next waits at once (they returned at once,
        # as if granted or as if timed out, and left a waiter behind that took the next
        # release).  Each wait below must block, or time out, as it would have.
        result = _script(
            """
            import _thread, signal, time
            # Python's own handler (see _CTRL_C: a background process inherits SIGINT
            # ignored, and interrupt_main() then does nothing).
            signal.signal(signal.SIGINT, signal.default_int_handler)
            import anythread as threading

            done, done_event = threading.Lock(), threading.Event()
            done.acquire()
            cond = threading.Condition()
            def cond_wait():
                with cond:
                    cond.wait()
            def body():
                _thread.interrupt_main()
                cond.acquire(); cond.notify(); cond.release()
                done_event.set()
                done.release()
            t = threading.Thread(target=body)
            t.start()
            try:
                WAIT
                print("not interrupted")
            except KeyboardInterrupt:
                print("interrupted")
            t.join(30)
            lock = threading.Lock()
            lock.acquire()
            started = time.monotonic()
            print("timed acquire:", lock.acquire(timeout=0.3), time.monotonic() - started >= 0.3)
            helper = threading.Thread(target=lambda: (threading.sleep(0.1), lock.release()))
            helper.start()
            print("acquire:", lock.acquire(), "then locked:", lock.locked())
            lock.release()
            print("unlocked:", not lock.locked())
            event = threading.Event()
            print("event wait:", event.wait(0.2), event.is_set())
            """.replace("WAIT", wait)
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "interrupted",
            "timed acquire: False True",
            "acquire: True then locked: True",
            "unlocked: True",
            "event wait: False False",
        ], result.stdout

    def test_a_first_hub_in_another_os_thread_leaves_sigint_alone(self) -> None:
        # Only the main thread may set a signal handler: the backend's is installed when
        # the main thread's first hub is made, and a hub made first in another OS thread
        # neither fails nor installs it.
        result = _script(
            """
            import signal, threading as os_threads
            signal.signal(signal.SIGINT, signal.default_int_handler)
            import anythread as threading

            def first_use():
                print("waited:", threading.Event().wait(0.01))
            worker = os_threads.Thread(target=first_use)
            worker.start()
            worker.join()
            print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
            threading.Event().wait(0.01)  # the main thread's first hub
            print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "waited: False\nTrue\nFalse\n"

    def test_a_handler_of_the_programs_own_is_left_alone(self) -> None:
        result = _script(
            """
            import signal
            def mine(signum, frame):
                raise KeyboardInterrupt
            signal.signal(signal.SIGINT, mine)
            import anythread as threading
            t = threading.Thread(target=threading.sleep, args=(0,))
            t.start()
            t.join()
            print(signal.getsignal(signal.SIGINT) is mine)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "True\n"


class TestVirtualClock:
    def test_long_sleeps_and_timeouts_take_no_wall_time_in_order(self) -> None:
        b = make_backend(clock="virtual")
        order: list[tuple[str, float]] = []
        start_wall = time.monotonic()
        start = b.monotonic()

        def note(tag: str) -> Callable[[], None]:
            return lambda: order.append((tag, b.monotonic() - start))

        day = b.Timer(86400, note("timer"))
        day.start()

        def sleeper() -> None:
            b.sleep(3600)
            note("sleep")()

        s = b.Thread(target=sleeper)
        s.start()
        assert b.Event().wait(timeout=600) is False
        note("wait")()
        s.join()
        day.join()
        assert [tag for tag, _ in order] == ["wait", "sleep", "timer"]
        assert [at for _, at in order] == [600, 3600, 86400]
        assert time.monotonic() - start_wall < 5

    def test_time_stands_still_while_threads_run(self) -> None:
        b = make_backend(clock="virtual")
        before = b.monotonic()
        sum(range(100_000))
        b.sleep(0)
        assert b.monotonic() == before

    def test_timeouts_of_satisfied_waits_do_not_move_time(self) -> None:
        b = make_backend(clock="virtual")
        lock = b.Lock()
        lock.acquire()
        got: list[bool] = []
        t = b.Thread(target=lambda: got.append(lock.acquire(timeout=1000)))
        t.start()
        b.sleep(0)
        lock.release()  # granted long before its deadline: its timer is cancelled
        t.join()
        start = b.monotonic()
        assert b.Event().wait(5) is False
        assert got == [True]
        assert b.monotonic() - start == 5

    def test_env_selects_virtual(self) -> None:
        result = _script(
            """
            import time, anythread as t
            w = time.monotonic(); t.sleep(10_000)
            print(t.monotonic() >= 10_000, time.monotonic() - w < 5)
            """,
            ANYTHREAD_CLOCK="virtual",
        )
        assert result.stdout.split() == ["True", "True"], result.stderr


def _counter_run(schedule: str) -> tuple[int, list[str]]:
    """Two threads increment a counter read and written under two separate lock
    operations (a lost update if they interleave); return the total and the trace."""
    b = make_backend(schedule=schedule)
    lock = b.Lock()
    counter = [0]
    trace: list[str] = []

    def bump(tag: str) -> None:
        for _ in range(3):
            with lock:
                value = counter[0]
            trace.append(tag)
            with lock:
                counter[0] = value + 1

    threads = [b.Thread(target=bump, args=(tag,)) for tag in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return counter[0], trace


class TestSchedules:
    def test_fifo_never_shows_the_lost_update(self) -> None:
        assert _counter_run("fifo")[0] == 6

    def test_same_seed_same_interleaving(self) -> None:
        assert _counter_run("random:7") == _counter_run("random:7")
        assert _counter_run("pct:7:3") == _counter_run("pct:7:3")

    def test_different_seeds_differ(self) -> None:
        traces = {tuple(_counter_run(f"random:{seed}")[1]) for seed in range(8)}
        assert len(traces) > 1

    def test_pct_finds_the_lost_update(self) -> None:
        # About one seed in twenty shows it (measured: 5% over 300 seeds); among 200
        # seeds, none would be a chance of 0.95**200, some 4e-5, for a correct PCT.
        totals = [_counter_run(f"pct:{seed}:3")[0] for seed in range(200)]
        assert min(totals) < 6

    def test_replay_line_names_the_schedule(self) -> None:
        result = _script(
            "import anythread as t\nt.Event().wait()\n", ANYTHREAD_SCHEDULE="random:42"
        )
        assert "replay: ANYTHREAD_SCHEDULE=random:42" in result.stderr


class TestOtherOSThreads:
    """A real OS thread wakes a green thread race-free through its hub."""

    @pytest.mark.parametrize("kind", ["lock", "event", "condition", "semaphore"])
    def test_os_thread_wakes_green_waiter(self, kind: str) -> None:
        b = make_backend()
        lock = b.Lock()
        lock.acquire()
        event = b.Event()
        cond = b.Condition()
        sem = b.Semaphore(0)
        flag: list[bool] = []

        def wake() -> None:
            if kind == "lock":
                lock.release()
            elif kind == "event":
                event.set()
            elif kind == "condition":
                with cond:
                    flag.append(True)
                    cond.notify()
            else:
                sem.release()

        def wait() -> bool:
            if kind == "lock":
                return lock.acquire(timeout=10)
            if kind == "event":
                return event.wait(timeout=10)
            if kind == "condition":
                with cond:
                    return bool(cond.wait_for(lambda: flag, timeout=10))
            return sem.acquire(timeout=10)

        results: list[bool] = []
        green = b.Thread(target=lambda: results.append(wait()))
        green.start()
        b.sleep(0)  # the green thread is now parked
        os_thread = threading.Thread(target=wake)
        os_thread.start()
        green.join(timeout=10)
        os_thread.join(timeout=10)
        assert results == [True]

    def test_busy_os_thread_is_not_a_deadlock(self) -> None:
        b = make_backend()
        event = b.Event()
        touched = threading.Event()

        def os_thread() -> None:
            b.sleep(0)  # uses the backend: this OS thread gets a hub
            touched.set()
            time.sleep(0.1)  # busy elsewhere: it may still set the event
            event.set()

        helper = threading.Thread(target=os_thread)
        helper.start()
        assert touched.wait(10)
        assert event.wait() is True
        helper.join(10)

    def test_many_wakeups_from_os_thread_none_lost(self) -> None:
        b = make_backend()
        sem = b.Semaphore(0)
        n = 500

        def producer() -> None:
            for _ in range(n):
                sem.release()

        got = [0]

        def consumer() -> None:
            for _ in range(n):
                assert sem.acquire(timeout=10)
                got[0] += 1

        green = b.Thread(target=consumer)
        green.start()
        os_thread = threading.Thread(target=producer)
        os_thread.start()
        green.join(timeout=20)
        os_thread.join(timeout=10)
        assert got[0] == n


class TestRegistry:
    def test_listed_available(self) -> None:
        import anythread

        rows = {r.name: r for r in anythread.list_backends()}
        assert rows["cooperative"].available

    def test_unavailable_without_greenlet_says_what_to_install(self) -> None:
        result = run_python(
            textwrap.dedent(
                """
                import sys
                from importlib import metadata
                real = metadata.version
                def version(name):
                    if name.lower() == "greenlet":
                        raise metadata.PackageNotFoundError(name)
                    return real(name)
                metadata.version = version
                sys.modules["greenlet"] = None
                import anythread
                row = {r.name: r for r in anythread.list_backends()}["cooperative"]
                print(row.available)
                print(row.reason)
                """
            )
        )
        lines = result.stdout.splitlines()
        assert lines[0] == "False", result.stderr
        assert "pip install 'anythread[cooperative]'" in lines[1]


@pytest.mark.slow
def test_green_pool_example_runs_ten_thousand_threads() -> None:
    from helpers import ROOT

    result = run_python(
        (ROOT / "examples" / "green_pool.py").read_text(encoding="utf-8"),
        env={"ANYTHREAD_CLOCK": "virtual"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "10000 fetches, at most 100 at once (pool 100)" in result.stdout
    assert "backend clock: 1.00 s" in result.stdout


@pytest.mark.slow
def test_virtual_clock_variant_is_certified_skipping_true_timeouts(tmp_path: Any) -> None:
    import json
    import subprocess
    import sys

    out = tmp_path / "virtual.json"
    proc = subprocess.run(
        [sys.executable, "-m", "anythread", "certify", "cooperative:virtual", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    assert report["certified"] is True
    outcomes = {clause["id"]: clause for clause in report["clauses"]}
    assert outcomes["EVENT-WAIT-03"]["outcome"] == "skipped"
    assert "true-timeouts" in outcomes["EVENT-WAIT-03"]["reason"]
