"""The cooperative backend and the program's own signal handlers: a signal whose handler
the program installed may still wake a green thread, so a hub with nothing to run waits
for it instead of raising DeadlockError; a handler that raises while every green thread
is blocked raises in the main thread's blocked call, as on the standard library.

Each scenario runs in a fresh interpreter: a signal is sent to the whole process, and in
this one pytest-timeout's timer thread counts as a thread that could wake a green thread.
"""

from __future__ import annotations

import signal
import sys
import textwrap
from typing import Any

import pytest

pytest.importorskip("greenlet")

from helpers import run_python

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX signals (SIGTERM to itself, SIGALRM timers)"
)


def _script(source: str, **env: str) -> Any:
    return run_python(
        textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative", **env}, timeout=60
    )


# A plain OS thread (``_thread``'s: threading does not list it, so it is no thread that
# could wake a green thread) sends ``signum`` to the process once the main OS thread's
# hub has nothing to run and waits (at most 30 s).
_SEND_WHEN_STUCK = """
    import _thread, os, signal, time
    import anythread

    def send_when_stuck(signum):
        hub = anythread.get_backend("cooperative").waits.kernel.hub()  # the main OS thread's
        def send():
            for _ in range(3000):
                if hub.stuck and hub.sleeping:
                    break
                time.sleep(0.01)
            os.kill(os.getpid(), signum)
        _thread.start_new_thread(send, ())
"""


class TestHandlerWakes:
    """A handler that sets an Event, releases a lock, notifies a Condition or releases
    a Semaphore wakes the main thread blocked on it: no DeadlockError, as on the
    standard library."""

    @pytest.mark.parametrize("clock", ["real", "virtual"])
    def test_sigterm_handler_sets_the_event_the_main_thread_waits_for(self, clock: str) -> None:
        result = _script(
            _SEND_WHEN_STUCK
            + """
    import anythread as threading
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    send_when_stuck(signal.SIGTERM)
    stop.wait()
    print("clean exit")
    """,
            ANYTHREAD_CLOCK=clock,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "clean exit\n"

    @pytest.mark.parametrize("kind", ["lock", "condition", "semaphore"])
    def test_handler_wakes_each_kind(self, kind: str) -> None:
        result = _script(
            _SEND_WHEN_STUCK
            + f"""
    import anythread as threading
    lock = threading.Lock(); lock.acquire()
    cond = threading.Condition(); flag = []
    sem = threading.Semaphore(0)
    kind = {kind!r}
    def wake(signum, frame):
        if kind == "lock":
            lock.release()
        elif kind == "condition":
            with cond:
                flag.append(1)
                cond.notify()
        else:
            sem.release()
    signal.signal(signal.SIGUSR1, wake)
    send_when_stuck(signal.SIGUSR1)
    if kind == "lock":
        woken = lock.acquire()
    elif kind == "condition":
        with cond:
            woken = cond.wait_for(lambda: flag)
    else:
        woken = sem.acquire()
    print(kind, bool(woken))
    """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"{kind} True\n"

    def test_a_green_thread_started_by_the_handler_runs(self) -> None:
        # The handler runs in the hub: the thread it starts is made ready there, and the
        # hub, waiting, sees it.
        result = _script(
            _SEND_WHEN_STUCK
            + """
    import anythread as threading
    stop = threading.Event()
    def on_term(signum, frame):
        threading.Thread(target=stop.set, name="stopper").start()
    signal.signal(signal.SIGTERM, on_term)
    send_when_stuck(signal.SIGTERM)
    print("woken:", stop.wait())
    """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "woken: True\n"


# The main thread's blocking call that SIGALRM's handler interrupts, and what the
# program then does to let every thread end.
_BLOCKING_CALLS = {
    "join": (
        "event = threading.Event()\n"
        "t = threading.Thread(target=event.wait, name='waiter')\n"
        "t.start()",
        "t.join()",
        "event.set(); t.join(30); print('joined:', not t.is_alive())",
    ),
    "event": (
        "event = threading.Event()",
        "event.wait()",
        "event.set(); print('set:', event.wait(5))",
    ),
    "condition": (
        "cond = threading.Condition()",
        "with cond:\n    cond.wait()",
        "print('lock free:', cond.acquire(False))",
    ),
    "semaphore": (
        "sem = threading.Semaphore(0)",
        "sem.acquire()",
        "sem.release(); print('acquired:', sem.acquire(timeout=5))",
    ),
    "lock": (
        "lock = threading.Lock(); lock.acquire()",
        "lock.acquire()",
        "lock.release(); print('acquired:', lock.acquire(timeout=5))",
    ),
}


class TestHandlerRaises:
    """A handler that raises while every green thread is blocked (nothing else can
    wake one) raises in the main thread's blocked call: the program catches it."""

    @pytest.mark.parametrize("call", sorted(_BLOCKING_CALLS))
    def test_alarm_handler_raising_timeout_error_is_caught(self, call: str) -> None:
        setup, wait, cleanup = _BLOCKING_CALLS[call]
        source = "\n".join(
            [
                "import signal",
                "import anythread as threading",
                "def on_alarm(signum, frame):",
                "    raise TimeoutError('alarm')",
                "signal.signal(signal.SIGALRM, on_alarm)",
                setup,
                "signal.setitimer(signal.ITIMER_REAL, 0.2)",
                "try:",
                textwrap.indent(wait, "    "),
                "    print('not interrupted')",
                "except TimeoutError as exc:",
                "    print('caught:', repr(exc))",
                cleanup,
            ]
        )
        result = _script(source)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "caught: TimeoutError('alarm')", result.stdout
        assert lines[1].endswith("True"), result.stdout
        assert "Exception in thread" not in result.stderr, result.stderr

    def test_handler_raising_system_exit_ends_a_real_deadlock(self) -> None:
        # A lock-order deadlock of the main thread and a daemon thread, in a program
        # with a SIGTERM handler: the hub waits for the signal, which then ends the
        # program with the handler's status (no report, no hang).
        result = _script(
            _SEND_WHEN_STUCK
            + """
    import sys
    import anythread as threading
    def on_term(signum, frame):
        sys.exit(7)
    signal.signal(signal.SIGTERM, on_term)
    a, b = threading.Lock(), threading.Lock()
    b_taken = threading.Event()
    def other():
        with b:
            b_taken.set()
            with a:
                pass
    with a:
        threading.Thread(target=other, daemon=True, name="other").start()
        b_taken.wait()
        send_when_stuck(signal.SIGTERM)
        with b:
            print("acquired")
    """
        )
        assert result.returncode == 7, result.stderr
        assert result.stdout == ""
        assert "deadlock" not in result.stderr, result.stderr

    @pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes: Python 3.11+")
    def test_the_exception_of_a_handler_ending_a_real_deadlock_carries_its_report(
        self,
    ) -> None:
        # A test timeout (pytest-timeout's signal method) ends a deadlocked test this
        # way: its failure must still say what every green thread was waiting for.
        result = _script(
            """
    import signal
    import anythread as threading
    def on_alarm(signum, frame):
        raise TimeoutError("test timed out")
    signal.signal(signal.SIGALRM, on_alarm)
    a, b = threading.Lock(), threading.Lock()
    b_taken = threading.Event()
    def other():
        with b:
            b_taken.set()
            with a:
                pass
    with a:
        threading.Thread(target=other, daemon=True, name="other").start()
        b_taken.wait()
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        try:
            b.acquire()
        except TimeoutError as exc:
            print(repr(exc))
            print(*exc.__notes__)
    """
        )
        assert result.returncode == 0, result.stderr
        first, _, notes = result.stdout.partition("\n")
        assert first == "TimeoutError('test timed out')", result.stdout
        assert notes.startswith(
            "anythread: every green thread was blocked when this was raised, waiting for a "
            "signal; without the handler this would be a deadlock: every green thread is "
            "blocked"
        ), result.stdout
        assert "thread 'other'" in notes, notes
        assert "thread 'MainThread'" in notes, notes
        assert "cycle" in notes, notes


class TestDeadlockStillReported:
    """Without a handler of the program's own (Python's default SIGINT handler and the
    backend's own do not count, nor SIG_DFL or SIG_IGN) a deadlock raises at once."""

    @pytest.mark.parametrize(
        "handlers",
        [
            "",
            "signal.signal(signal.SIGINT, signal.default_int_handler)",
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
            # installed, then taken back before the deadlock
            "signal.signal(signal.SIGTERM, print); signal.signal(signal.SIGTERM, signal.SIG_DFL)",
        ],
    )
    def test_deadlock_error_at_once(self, handlers: str) -> None:
        result = _script(
            f"""
            import signal, time
            import anythread as threading
            {handlers}
            start = time.monotonic()
            try:
                threading.Event().wait()
            except threading.DeadlockError:
                print("deadlock", time.monotonic() - start < 5)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "deadlock True\n"

    def test_handler_restored_while_waiting_then_deadlock(self) -> None:
        # A handler that puts SIG_DFL back and wakes nobody: the hub, looking again,
        # finds no signal that could still wake a green thread.
        result = _script(
            _SEND_WHEN_STUCK
            + """
    import anythread as threading
    ran = []
    def once(signum, frame):
        ran.append(signum)
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    signal.signal(signal.SIGUSR1, once)
    send_when_stuck(signal.SIGUSR1)
    try:
        threading.Event().wait()
    except threading.DeadlockError:
        print("deadlock after", ran)
    """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"deadlock after [{int(signal.SIGUSR1)}]\n"
