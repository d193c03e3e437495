"""Clauses that only a fresh interpreter can show: the exit rule, the main thread,
uncaught exceptions reaching excepthook, signals interrupting a lock.

Each test runs a short program with ``ANYTHREAD_BACKEND`` set to the backend under test
(the parent's ``ANYTHREAD_PLUGINS`` and import path are forwarded), bounded by a timeout.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from anythread_contract._support import run_script

clause = pytest.mark.clause


@clause("THREAD-EXIT-01")
def test_program_waits_for_non_daemon_threads(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        """
import time
import anythread as threading
main = threading.main_thread()
def work():
    # Outlive the main thread: wait (bounded) until it has ended, then report.
    deadline = time.monotonic() + 30
    while main.is_alive() and time.monotonic() < deadline:
        threading.sleep(0.005)
    print("worker finished", "after main" if not main.is_alive() else "main still alive",
          flush=True)
threading.Thread(target=work).start()
print("main done", flush=True)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["main done", "worker finished after main"], proc.stdout


@clause("THREAD-EXIT-02")
def test_program_does_not_wait_for_daemon_threads(backend: Any, backend_name: str) -> None:
    start = time.monotonic()
    proc = run_script(
        backend_name,
        """
import anythread as threading
never = threading.Event()
started = threading.Event()
def work():
    started.set()
    never.wait(40)
    print("daemon finished", flush=True)
threading.Thread(target=work, daemon=True).start()
started.wait(30)
print("main done", flush=True)
""",
    )
    took = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["main", "done"], proc.stdout
    assert took < 30, f"the program took {took:.1f}s: it waited for a daemon thread"


@clause("MOD-MAIN-01", "THREAD-DAEMON-02")
def test_main_thread_in_fresh_interpreter(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        """
import anythread as threading
main = threading.main_thread()
child = threading.Thread(target=lambda: None)
print(main is threading.current_thread(), main.daemon, child.daemon,
      main in threading.enumerate(), main.is_alive())
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False", "False", "True", "True"]


@clause("THREAD-EXC-01", "THREAD-ALIVE-02")
def test_uncaught_exception_reaches_excepthook(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        """
import anythread as threading
def boom():
    raise ZeroDivisionError("boom in thread")
t = threading.Thread(target=boom, name="exploder")
t.start()
t.join(30)
print("alive", t.is_alive(), flush=True)
print("main continues", flush=True)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert "alive False" in proc.stdout
    assert "main continues" in proc.stdout
    assert "Exception in thread exploder" in proc.stderr
    assert "Traceback" in proc.stderr
    assert "ZeroDivisionError: boom in thread" in proc.stderr


@clause("MOD-EXCEPTHOOK-04")
def test_assigned_excepthook_is_called(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        """
import anythread as threading
seen = []
def hook(args):
    seen.append((args.exc_type.__name__, str(args.exc_value), args.thread.name))
threading.excepthook = hook
def boom():
    raise LookupError("handled by the new hook")
t = threading.Thread(target=boom, name="hooked")
t.start()
t.join(30)
print(t.is_alive(), seen, flush=True)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False [('LookupError', 'handled by the new hook', 'hooked')]"
    assert "Exception in thread" not in proc.stderr


@clause("THREAD-EXC-02")
def test_system_exit_in_thread_is_silent(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        """
import sys
import anythread as threading
t = threading.Thread(target=sys.exit, args=(3,))
t.start()
t.join(30)
print("alive", t.is_alive(), flush=True)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert "alive False" in proc.stdout
    assert "Exception in thread" not in proc.stderr
    assert "SystemExit" not in proc.stderr


@clause("LOCK-SIGNAL-01")
def test_signal_interrupts_lock_acquire(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        """
import signal, time
import anythread as threading
def handler(signum, frame):
    raise KeyboardInterrupt
signal.signal(signal.SIGALRM, handler)
lock = threading.Lock()
lock.acquire()
signal.setitimer(signal.ITIMER_REAL, 0.2)
start = time.monotonic()
try:
    lock.acquire(timeout=30)
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted", time.monotonic() - start < 20)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["interrupted", "True"], proc.stdout


_HOOK_PRELUDE = """
import os, sys
import anythread
backend = anythread.get_backend(os.environ["ANYTHREAD_BACKEND"])
def hook_args(exc, thread):
    try:
        raise exc
    except BaseException as caught:
        return backend.ExceptHookArgs([type(caught), caught, caught.__traceback__, thread])
"""


@clause("MOD-EXCEPTHOOK-01")
def test_default_excepthook_prints_to_stderr(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        _HOOK_PRELUDE
        + """
thread = backend.Thread(target=lambda: None, name="hook-victim")
backend.excepthook(hook_args(ZeroDivisionError("boom"), thread))
print("returned", flush=True)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["returned"]
    assert "Exception in thread hook-victim" in proc.stderr
    assert "Traceback" in proc.stderr
    assert "ZeroDivisionError: boom" in proc.stderr


@clause("MOD-EXCEPTHOOK-02")
def test_default_excepthook_ignores_system_exit(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        _HOOK_PRELUDE
        + """
thread = backend.Thread(target=lambda: None, name="quiet")
backend.excepthook(hook_args(SystemExit(3), thread))
print("returned", flush=True)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["returned"]
    assert proc.stderr == ""


@clause("MOD-EXCEPTHOOK-02")
def test_default_excepthook_ignores_only_system_exit_itself(
    backend: Any, backend_name: str
) -> None:
    # SystemExit itself, as CPython checks it: not a subclass of it, nor a class that
    # claims to equal it.
    proc = run_script(
        backend_name,
        _HOOK_PRELUDE
        + """
class Claims(type):
    def __eq__(cls, other):
        return True
    __hash__ = type.__hash__
class Impostor(Exception, metaclass=Claims):
    pass
class Quit(SystemExit):
    pass
thread = backend.Thread(target=lambda: None, name="noisy")
backend.excepthook(hook_args(Impostor("not an exit"), thread))
backend.excepthook(hook_args(Quit("a subclass"), thread))
print("returned", flush=True)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["returned"]
    assert proc.stderr.count("Exception in thread noisy") == 2, proc.stderr
    assert "Impostor: not an exit" in proc.stderr
    assert "Quit: a subclass" in proc.stderr


@clause("MOD-EXCEPTHOOK-03")
def test_except_hook_args_fields(backend: Any, backend_name: str) -> None:
    proc = run_script(
        backend_name,
        _HOOK_PRELUDE
        + """
thread = backend.Thread(target=lambda: None)
error = KeyError("k")
args = hook_args(error, thread)
print(args.exc_type is KeyError, args.exc_value is error,
      args.exc_traceback is error.__traceback__, args.thread is thread)
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True"] * 4
