"""Process-wide behaviour of the ``pure`` backend, each checked in a fresh interpreter.

SIGINT interrupting a blocked wait in the main thread, ``os.fork()`` with other threads
alive, the exit rule (the program waits for non-daemon threads, not for daemon ones),
and excepthook's output.  Each test runs a small script with the interpreter running the
tests and checks its output; every script bounds its own waits, and the subprocess has a
timeout, so a regression fails instead of hanging.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

TIMEOUT = 60

PRELUDE = """\
import os, signal, sys
from anythread_backends.{backend} import backend as at
LONG = 30.0
# A process started in the background by a non-interactive shell inherits SIGINT
# ignored, and Python then installs no handler: install the default one, as Python does.
signal.signal(signal.SIGINT, signal.default_int_handler)


# The helper thread interrupts the main thread once it is about to block.  A signal that
# lands just before the main thread enters the kernel's wait is handled but cannot wake
# it (CPython has the same window), so the helper repeats it until the main thread says
# it was interrupted; the main thread then ignores further SIGINTs.
def interrupter(ready, handled):
    ready.wait(LONG)
    for _ in range(30):
        os.kill(os.getpid(), signal.SIGINT)
        if handled.wait(1.0):
            return
"""


def run(script: str, backend: str = "pure") -> subprocess.CompletedProcess[str]:
    """Run ``script`` after ``PRELUDE`` (``at`` is the backend) in a new interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    return subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore::DeprecationWarning",
            "-c",
            PRELUDE.format(backend=backend) + textwrap.dedent(script),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
    )


# Each blocks the main thread for ever unless interrupted; ``block`` is a zero-argument
# callable built from the names the script defines.
BLOCKING_CALLS = {
    "Lock.acquire": "held = at.Lock(); held.acquire(); block = held.acquire",
    "RLock.acquire": "rl = at.RLock(); hold_elsewhere(rl); block = rl.acquire",
    "Thread.join": "t = at.Thread(target=at.Event().wait, daemon=True); t.start(); block = t.join",
    "Condition.wait": "c = at.Condition(); block = lambda: c.acquire() and c.wait()",
    "Event.wait": "block = at.Event().wait",
    "Semaphore.acquire": "block = at.Semaphore(0).acquire",
    "Barrier.wait": "block = at.Barrier(2).wait",
}


class TestSigint:
    @pytest.mark.parametrize("call", sorted(BLOCKING_CALLS))
    def test_keyboard_interrupt_reaches_blocked_main_thread(self, call: str) -> None:
        result = run(
            f"""
            def hold_elsewhere(lock):
                taken = at.Event()
                def hold():
                    lock.acquire()
                    taken.set()
                at.Thread(target=hold, daemon=True).start()
                assert taken.wait(LONG)

            {BLOCKING_CALLS[call]}
            ready, handled = at.Event(), at.Event()
            at.Thread(target=interrupter, args=(ready, handled), daemon=True).start()
            try:
                ready.set()
                block()
            except KeyboardInterrupt:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                handled.set()
                print("interrupted")
            else:
                print("returned without interruption")
            """
        )
        assert result.stdout.strip() == "interrupted", result.stderr

    def test_condition_wait_retakes_the_lock_when_interrupted(self) -> None:
        result = run(
            """
            c = at.Condition(at.Lock())
            ready, handled = at.Event(), at.Event()
            at.Thread(target=interrupter, args=(ready, handled), daemon=True).start()
            with c:
                try:
                    ready.set()
                    c.wait()
                except KeyboardInterrupt:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    handled.set()
                    print("interrupted", c._lock.locked(), len(at.waits.snapshot()))
            """
        )
        assert result.stdout.strip() == "interrupted True 0", result.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")
class TestFork:
    @pytest.mark.parametrize("fork_from", ["main", "worker", "alien"])
    def test_child_has_a_usable_backend(self, fork_from: str) -> None:
        result = run(
            f"""
            import traceback
            stop, ready = at.Event(), at.Event()
            shared = at.RLock()

            def sleeper():
                with shared:  # held by a thread that will not exist in the child
                    ready.set()
                    stop.wait(LONG)

            sleeper_thread = at.Thread(target=sleeper, name="sleeper")
            sleeper_thread.start()
            assert ready.wait(LONG)

            def child_checks(forker):
                me = at.current_thread()
                checks = {{
                    "current is main": me is at.main_thread(),
                    # CPython renames only a dummy thread; a worker keeps its name.
                    "named as in CPython": (me.name == "MainThread") != ("{fork_from}" == "worker"),
                    "not a daemon": not me.daemon,
                    "forker is current": me is forker,
                    "only one thread": at.enumerate() == [me],
                    "sleeper gone": not sleeper_thread.is_alive(),
                    "ident updated": me.ident == at.get_ident(),
                }}
                sleeper_thread.join(LONG)  # returns at once: the thread is gone
                out = []
                t = at.Thread(target=out.append, args=(1,))
                t.start()
                t.join(LONG)
                checks["new thread ran"] = out == [1] and not t.is_alive()
                cond = at.Condition()
                with cond:
                    checks["condition works"] = cond.wait(0.01) is False
                checks["semaphore works"] = at.Semaphore(1).acquire(timeout=LONG)
                return checks

            def do_fork():
                forker = at.current_thread()
                pid = os.fork()
                if pid == 0:
                    try:
                        checks = child_checks(forker)
                        bad = [k for k, v in checks.items() if not v]
                        print("child:", "ok" if not bad else bad, flush=True)
                        os._exit(0)
                    except BaseException:
                        traceback.print_exc()
                        os._exit(2)
                _, status = os.waitpid(pid, 0)
                print("child status", os.waitstatus_to_exitcode(status), flush=True)

            if "{fork_from}" == "main":
                do_fork()
            elif "{fork_from}" == "worker":
                w = at.Thread(target=do_fork)
                w.start()
                w.join(LONG)
            else:  # a thread the backend did not start: a dummy thread, main in the child
                import _thread
                finished = at.Lock()
                finished.acquire()
                _thread.start_new_thread(lambda: (do_fork(), finished.release()), ())
                assert finished.acquire(timeout=LONG)
            stop.set()
            sleeper_thread.join(LONG)
            # The alien thread stays listed as a dummy thread: its end cannot be seen.
            print("parent threads", at.active_count() - ("{fork_from}" == "alien"))
            """
        )
        assert result.stdout.splitlines() == [
            "child: ok",
            "child status 0",
            "parent threads 1",
        ], result.stderr


class TestExitRule:
    def test_program_waits_for_non_daemon_threads(self) -> None:
        script = """
            def worker():
                # Runs until the main thread has finished: only the exit rule keeps the
                # process alive for it.
                at.main_thread().join(LONG)
                print("main finished:", not at.main_thread().is_alive(), flush=True)
                # At exit, a non-daemon thread may still start threads, as under CPython.
                child = at.Thread(target=print, args=("child ran",))
                child.start()
                child.join(LONG)
                print("worker done", flush=True)

            at.Thread(target=worker).start()
            print("main done", flush=True)
            """
        result = run(script)
        # Exactly what CPython's own threads do on this Python (3.12.0 and 3.12.1 refuse
        # to start a thread once the interpreter is shutting down; later versions allow
        # it until every non-daemon thread has been joined).
        assert result.stdout == run(script, backend="stdlib").stdout
        assert result.stdout.splitlines()[:2] == ["main done", "main finished: True"]
        if sys.version_info[:3] not in ((3, 12, 0), (3, 12, 1)):
            assert result.returncode == 0, result.stderr
            assert result.stdout.splitlines()[2:] == ["child ran", "worker done"]

    def test_program_does_not_wait_for_daemon_threads(self) -> None:
        result = run(
            """
            started = at.Event()
            def forever():
                started.set()
                at.Event().wait()
            at.Thread(target=forever, daemon=True).start()
            assert started.wait(LONG)
            # A thread started by a daemon thread is a daemon too.
            inherited = []
            t = at.Thread(target=lambda: inherited.append(at.Thread().daemon), daemon=True)
            t.start()
            t.join(LONG)
            print("main done", inherited, flush=True)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "main done [True]"

    def test_daemon_flag_is_frozen_at_start(self) -> None:
        result = run(
            """
            def worker():
                at.main_thread().join(LONG)
                print("non-daemon ran to the end", flush=True)
            t = at.Thread(target=worker)
            t.start()
            try:
                t.daemon = True
            except RuntimeError as exc:
                print(exc, flush=True)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "cannot set daemon status of active thread",
            "non-daemon ran to the end",
        ]


class TestExcepthookOutput:
    def test_uncaught_exception_is_printed_and_thread_ends(self) -> None:
        result = run(
            """
            def boom():
                raise ValueError("boom")
            t = at.Thread(target=boom, name="worker")
            t.start()
            t.join(LONG)
            print("alive after:", t.is_alive(), at.active_count())
            """
        )
        assert result.returncode == 0
        assert result.stdout.strip() == "alive after: False 1"
        lines = result.stderr.splitlines()
        assert lines[0] == "Exception in thread worker:"
        assert lines[1] == "Traceback (most recent call last):"
        assert lines[-1] == "ValueError: boom"
