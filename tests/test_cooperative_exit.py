"""The cooperative backend at the end of a program: the exit rule.

When the main program is over, the program waits for its non-daemon green threads (and
for the threads they start), not for daemon ones, and an exception raised by a thread
meanwhile reaches ``excepthook``.  The rule runs from :mod:`atexit` (the kernel's exit
hook), which every supported Python runs in the main thread; each scenario is a fresh
interpreter.
"""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import pytest

pytest.importorskip("greenlet")

from helpers import run_python


def _script(source: str, **env: str) -> Any:
    return run_python(
        textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative", **env}, timeout=60
    )


class TestExitRule:
    def test_waits_for_non_daemon_threads_and_those_they_start_not_daemon_ones(self) -> None:
        result = _script(
            """
            import anythread as t
            def daemon():
                try:
                    t.sleep(30)
                    print("daemon woke", flush=True)
                finally:
                    print("daemon finally", flush=True)  # never: as a daemon OS thread
            def child():
                t.sleep(0.05)
                print("child", flush=True)
            def worker():
                t.sleep(0.05)
                t.Thread(target=child).start()
                print("worker", flush=True)
            t.Thread(target=daemon, daemon=True).start()
            t.Thread(target=worker).start()
            print("main over", flush=True)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["main over", "worker", "child"]
        assert result.stderr == ""

    def test_waits_after_sys_exit_and_keeps_its_status(self) -> None:
        result = _script(
            """
            import sys
            import anythread as t
            def worker():
                t.sleep(0.05)
                print("worker", flush=True)
            t.Thread(target=worker).start()
            sys.exit(3)
            """
        )
        assert result.returncode == 3, result.stderr
        assert result.stdout.split() == ["worker"]

    def test_waits_after_an_uncaught_exception_in_main(self) -> None:
        result = _script(
            """
            import anythread as t
            def worker():
                t.sleep(0.05)
                print("worker", flush=True)
            t.Thread(target=worker).start()
            raise ValueError("main failed")
            """
        )
        assert result.returncode == 1
        assert result.stdout.split() == ["worker"]
        assert "ValueError: main failed" in result.stderr

    def test_exception_at_exit_reaches_default_excepthook(self) -> None:
        result = _script(
            """
            import anythread as t
            def worker():
                t.sleep(0.05)
                raise KeyError("at exit")
            t.Thread(target=worker, name="late").start()
            """
        )
        assert result.returncode == 0
        assert "Exception in thread late:" in result.stderr
        assert "KeyError: 'at exit'" in result.stderr

    def test_exception_at_exit_reaches_the_programs_excepthook(self) -> None:
        result = _script(
            """
            import anythread as t
            def hook(args):
                print("hook", args.thread.name, args.exc_type.__name__, args.exc_value,
                      flush=True)
            t.excepthook = hook
            def worker():
                t.sleep(0.05)
                raise KeyError("at exit")
            t.Thread(target=worker, name="late").start()
            print("main over", flush=True)
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["main over", "hook late KeyError 'at exit'"]
        assert result.stderr == ""

    def test_exit_rule_runs_after_the_programs_own_atexit_handlers(self) -> None:
        # Registered when the first non-daemon thread starts, so (atexit being
        # last-in, first-out) after handlers the program registered earlier.
        result = _script(
            """
            import atexit
            import anythread as t
            atexit.register(print, "program's handler", flush=True)
            def worker():
                t.sleep(0.05)
                print("worker", flush=True)
            t.Thread(target=worker).start()
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["worker", "program's handler"]


class TestRunInThreadAtExit:
    def test_blocking_work_at_exit_still_completes(self) -> None:
        # No worker exists when the program ends.  Where the interpreter still starts
        # threads at exit (up to 3.11, and 3.13), the call runs in a new worker; where
        # it refuses (3.12), in the calling thread.
        result = _script(
            """
            import threading
            import anythread as t
            from anythread_backends.cooperative import run_in_thread
            main = threading.get_ident()
            def worker():
                t.sleep(0.05)
                inline = run_in_thread(threading.get_ident) == main
                try:
                    threading.Thread(target=lambda: None).start()
                    refused = False
                except RuntimeError:
                    refused = True
                print("inline:", inline, "threads refused:", refused, flush=True)
            t.Thread(target=worker).start()
            """
        )
        assert result.returncode == 0, result.stderr
        line = result.stdout.strip()
        assert line in (
            "inline: True threads refused: True",
            "inline: False threads refused: False",
        )
        if sys.version_info[:2] == (3, 12):
            assert line == "inline: True threads refused: True"

    def test_a_worker_started_before_exit_serves_calls_at_exit(self) -> None:
        result = _script(
            """
            import threading
            import anythread as t
            from anythread_backends.cooperative import run_in_thread
            main = threading.get_ident()
            t.current_thread()  # the facade serves cooperative from now on
            run_in_thread(lambda: None)  # starts a worker, which then idles a while
            def worker():
                t.sleep(0.05)
                print("ran in main OS thread:", run_in_thread(threading.get_ident) == main,
                      flush=True)
            t.Thread(target=worker).start()
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["ran in main OS thread: False"]
