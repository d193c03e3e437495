"""The cooperative backend: fixes for bugs found by users.

* The main thread is the main OS thread's, whichever OS thread first uses the backend
  (a ``threading`` or ``_thread`` thread used to become "MainThread", and the real main
  thread a dummy whose threads were daemons, dropped at exit).
* While the interpreter finalizes, greenlet refuses ``getcurrent()``: a green lock taken
  then (by logging's weakref callbacks, at the end of a program run with ``anythread
  run``) is taken by the finalizing code, without a hang and without taking a lock that
  a green thread holds.
* ``RLock._recursion_count()`` (CPython's multiprocessing resource tracker calls it).
* Errors for wrong arguments name CPython's functions, not the kernel's internals, with
  CPython's exception types (an out-of-range lock timeout is an OverflowError).
* ``Lock()`` has the ``acquire_lock``/``release_lock``/``locked_lock`` aliases where the
  standard library's lock has them.

Programs run in a subprocess, bounded by a timeout.
"""

from __future__ import annotations

import _thread
import functools
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("greenlet")

from anythread_backends.cooperative import make_backend

TIMEOUT = 90  # seconds, for a subprocess; generous: the machine may be heavily loaded
BOUND = 10.0  # seconds, for a wait in this process
SCHEDULES = ["fifo", "random:3"]
INTERNAL = ("GreenKernel", "GreenLock", "UserGreenLock", "GreenRLock", "<locals>", "_serve")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    env.update(extra)
    return env


def _python(
    tmp_path: Path, source: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python [args] prog.py``, ``prog.py`` being ``source``, in ``tmp_path``."""
    (tmp_path / "prog.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, *args, "prog.py"],
        cwd=tmp_path,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _anythread_run(tmp_path: Path, source: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``anythread run -b cooperative prog.py``."""
    return _python(tmp_path, source, "-m", "anythread", "run", "-b", "cooperative", **env)


def _outcome(call: Callable[[], object]) -> tuple[type[BaseException] | None, str]:
    try:
        call()
    except Exception as exc:
        return type(exc), str(exc)
    return None, ""


# An OS thread other than the main one uses the backend first ({first_user}); then the
# main program starts a non-daemon thread.
MAIN_PROGRAM = """
    import _thread
    import threading as std
    import anythread
    {first_user}
    def work():
        anythread.sleep(0.2)
        print("worker done", flush=True)
    worker = anythread.Thread(target=work)
    worker.start()
    print("main is", anythread.current_thread().name, worker.daemon, flush=True)
"""


class TestMainThread:
    """The main thread is the main OS thread's own greenlet (the kernel's
    ``main_thread_ids``), whichever OS thread builds the backend."""

    @pytest.mark.parametrize(
        "first_user",
        [
            "t = std.Thread(target=lambda: anythread.current_thread()); t.start(); t.join()",
            "done = _thread.allocate_lock(); done.acquire()\n"
            "_thread.start_new_thread(lambda: (anythread.current_thread(), done.release()), ())\n"
            "assert done.acquire(timeout=30)",
        ],
        ids=["threading", "_thread"],
    )
    def test_the_main_programs_non_daemon_thread_is_waited_for(
        self, tmp_path: Path, first_user: str
    ) -> None:
        source = textwrap.dedent(MAIN_PROGRAM).format(first_user=first_user)
        done = _python(tmp_path, source, ANYTHREAD_BACKEND="cooperative")
        assert done.returncode == 0, done.stderr
        assert done.stdout == "main is MainThread False\nworker done\n"
        assert done.stderr == ""

    def test_a_backend_built_in_another_os_thread(self) -> None:
        built: list[tuple[Any, Any]] = []

        def build() -> None:
            b = make_backend()
            built.append((b, b.current_thread()))

        builder = threading.Thread(target=build)
        builder.start()
        builder.join(BOUND)
        assert not builder.is_alive()
        [(b, seen_there)] = built
        main = b.main_thread()
        assert main.name == "MainThread"
        assert main.ident == threading.main_thread().ident
        assert main.native_id == threading.main_thread().native_id
        assert seen_there is not main
        assert seen_there.name.startswith("Dummy-")
        assert seen_there.daemon
        if threading.current_thread() is threading.main_thread():
            assert b.current_thread() is main


# Run at interpreter exit, once the interpreter finalizes: an object in a reference
# cycle, with the collector disabled, is collected then, and its __del__ runs while
# greenlet refuses getcurrent().
FINALIZING = """
    import gc, os, sys, time
    import anythread as threading

    free_lock, free_rlock = threading.Lock(), threading.RLock()
    held_lock, held_rlock = threading.Lock(), threading.RLock()
    holding = threading.Event()

    def hold():
        with held_lock, held_rlock:
            holding.set()
            threading.Event().wait()  # for ever: a daemon that holds both

    threading.Thread(target=hold, daemon=True).start()
    assert holding.wait(30)

    def outcome(call, *args):
        try:
            return repr(call(*args))
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    class AtFinalization:
        def __init__(self):
            self.cycle = self
            self.write, self.finalizing, self.clock = os.write, sys.is_finalizing, time.monotonic

        def quick(self, acquire):
            # A timed acquire of a lock nobody can release: it fails at once.
            start = self.clock()
            return f"{acquire(timeout=20)} {self.clock() - start < 10}"

        def __del__(self):
            lines = [f"finalizing {self.finalizing()}"]
            say = lines.append
            main = threading.get_ident() == threading.main_thread().ident
            say(f"main {threading.current_thread().name} {main}")
            # A free Lock: taken by the finalizing code.
            lock = free_lock
            say(f"Lock {lock.acquire()} {lock.locked()} {lock.acquire(False)}")
            say(f"Lock timed {self.quick(lock.acquire)}")
            say(f"Lock wait {outcome(lock.acquire)}")
            lock.release()
            say(f"Lock released {lock.locked()}")
            # A free RLock: reentrant for the finalizing code.
            rlock = free_rlock
            say(f"RLock {rlock.acquire()} {rlock.acquire(True, 5)}")
            say(f"RLock level {rlock._recursion_count()} {rlock._is_owned()}")
            with rlock:
                say(f"RLock with {rlock._recursion_count()}")
            rlock.release()
            rlock.release()
            say(f"RLock released {rlock._recursion_count()} {outcome(rlock.release)}")
            # Held by a green thread: never taken, never waited for.
            lock, rlock = held_lock, held_rlock
            say(f"held Lock {lock.acquire(False)} {self.quick(lock.acquire)}")
            say(f"held Lock wait {outcome(lock.acquire)} {lock.locked()}")
            say(f"held RLock {rlock.acquire(False)} {self.quick(rlock.acquire)}")
            say(f"held RLock level {rlock._recursion_count()} {rlock._is_owned()}")
            say(f"held RLock wait {outcome(rlock.acquire)}")
            say(f"held RLock release {outcome(rlock.release)}")
            self.write(1, ("\\n".join(lines) + "\\n").encode())

    AtFinalization()
    gc.disable()
"""

NO_WAIT = (
    "RuntimeError: cannot wait for a held lock while the interpreter is finalizing: "
    "no thread can release it any more"
)
FINALIZING_OUT = f"""\
finalizing True
main MainThread True
Lock True True False
Lock timed False True
Lock wait {NO_WAIT}
Lock released False
RLock True True
RLock level 2 True
RLock with 3
RLock released 0 RuntimeError: cannot release un-acquired lock
held Lock False False True
held Lock wait {NO_WAIT} True
held RLock False False True
held RLock level 0 False
held RLock wait {NO_WAIT}
held RLock release RuntimeError: cannot release un-acquired lock
"""


class TestWhileTheInterpreterFinalizes:
    """greenlet refuses ``getcurrent()`` once the interpreter finalizes: a free lock is
    taken by the finalizing code, a held one is never taken and never waited for."""

    def test_logging_handler_made_in_a_thread_at_exit(self, tmp_path: Path) -> None:
        # The handler is collected as the interpreter finalizes (the program's globals
        # are in a cycle, through work's), and its weakref callback takes logging's lock.
        done = _anythread_run(
            tmp_path,
            """
            import logging, threading
            hs = []
            def work():
                hs.append(logging.StreamHandler())
            t = threading.Thread(target=work); t.start(); t.join()
            """,
        )
        assert done.returncode == 0, done.stderr
        assert (done.stdout, done.stderr) == ("", "")

    def test_queue_handler_and_listener_at_exit(self, tmp_path: Path) -> None:
        done = _anythread_run(
            tmp_path,
            """
            import logging, logging.handlers, queue, threading
            q = queue.Queue()
            handler = logging.handlers.QueueHandler(q)
            listener = logging.handlers.QueueListener(q, logging.StreamHandler())
            listener.start()
            def work():
                handler.handle(logging.makeLogRecord({"msg": "from a thread"}))
            t = threading.Thread(target=work); t.start(); t.join()
            listener.stop()
            """,
        )
        assert done.returncode == 0, done.stderr
        assert (done.stdout, done.stderr) == ("", "from a thread\n")

    @pytest.mark.parametrize("schedule", SCHEDULES)
    def test_locks_taken_and_refused_as_the_interpreter_finalizes(
        self, tmp_path: Path, schedule: str
    ) -> None:
        done = _python(
            tmp_path, FINALIZING, ANYTHREAD_BACKEND="cooperative", ANYTHREAD_SCHEDULE=schedule
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout == FINALIZING_OUT


class TestRecursionCount:
    """CPython's ``RLock._recursion_count()``: the calling thread's recursion level, 0
    if it does not own the lock."""

    @pytest.mark.parametrize("schedule", SCHEDULES)
    def test_levels_seen_by_the_owner_and_by_other_threads(self, schedule: str) -> None:
        b = make_backend(schedule=schedule)
        rlock = b.RLock()
        cond = b.Condition(rlock)
        seen: list[tuple[str, int]] = []

        def other() -> None:
            seen.append(("other, held", rlock._recursion_count()))
            with cond:  # (the owner waits, and has released it)
                seen.append(("other, owner waiting", rlock._recursion_count()))
                cond.notify()

        assert rlock._recursion_count() == 0
        with rlock:
            with rlock:
                seen.append(("owner", rlock._recursion_count()))
                t = b.Thread(target=other)
                t.start()
                assert cond.wait(BOUND)
                seen.append(("owner, woken", rlock._recursion_count()))
            seen.append(("owner, once", rlock._recursion_count()))
        t.join(BOUND)
        assert not t.is_alive()
        assert seen == [
            ("owner", 2),
            ("other, held", 0),
            ("other, owner waiting", 1),
            ("owner, woken", 2),
            ("owner, once", 1),
        ]
        assert rlock._recursion_count() == 0

    @pytest.mark.skipif(
        not hasattr(threading.RLock(), "_recursion_count"),
        reason="the standard library's RLock has no _recursion_count() here",
    )
    def test_as_the_standard_librarys(self) -> None:
        b = make_backend()
        levels: dict[str, list[int]] = {}
        for name, rlock in (("ours", b.RLock()), ("theirs", threading.RLock())):
            got = levels[name] = [rlock._recursion_count()]
            for _ in range(3):
                rlock.acquire()
                got.append(rlock._recursion_count())
            for _ in range(3):
                rlock.release()
                got.append(rlock._recursion_count())
        assert levels["ours"] == levels["theirs"] == [0, 1, 2, 3, 2, 1, 0]

    def test_shared_memory_under_anythread_run(self, tmp_path: Path) -> None:
        # multiprocessing's resource tracker asks its RLock for _recursion_count().
        done = _anythread_run(
            tmp_path,
            """
            from multiprocessing import shared_memory
            shm = shared_memory.SharedMemory(create=True, size=16)
            try:
                shm.buf[0] = 7
                print("shm ok", shm.buf[0])
            finally:
                shm.close()
                shm.unlink()
            """,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "shm ok 7\n"


def _wrong_calls(m: Any) -> dict[str, Callable[[], object]]:
    """Wrong calls of ``m`` (threading, or a backend), by name."""
    sleep = time.sleep if m is threading else m.sleep
    return {
        "get_ident(1)": lambda: m.get_ident(1),
        "get_ident(x=1)": lambda: m.get_ident(x=1),
        "Lock(1)": lambda: m.Lock(1),
        "Lock(x=1)": lambda: m.Lock(x=1),
        "Lock().acquire(1, 2, 3)": lambda: m.Lock().acquire(1, 2, 3),
        "Lock().acquire(foo=1)": lambda: m.Lock().acquire(foo=1),
        "Lock().__enter__(1, 2, 3)": lambda: m.Lock().__enter__(1, 2, 3),
        "Lock().release(1)": lambda: m.Lock().release(1),
        "Lock().locked(1)": lambda: m.Lock().locked(1),
        "RLock().acquire(1, 2, 3)": lambda: m.RLock().acquire(1, 2, 3),
        "RLock().acquire(foo=1)": lambda: m.RLock().acquire(foo=1),
        "RLock().release(1)": lambda: m.RLock().release(1),
        "RLock()._is_owned(1)": lambda: m.RLock()._is_owned(1),
        "sleep(seconds=1)": lambda: sleep(seconds=1),
        "sleep()": lambda: sleep(),
        "sleep(1, 2)": lambda: sleep(1, 2),
    }


# Out of CPython's clock type (nanoseconds in 64 bits), of either sign; NaN.
BAD_TIMEOUTS = [
    (True, -(2**70)),
    (True, -1e300),
    (True, -math.inf),
    (True, -9223372037),
    (True, -9223372036.9),
    (False, -(2**70)),
    (False, 2**70),
    (True, 10**400),
    (False, math.nan),
    (True, math.nan),
    (True, -5),
    (False, 5),
]


class TestErrorsForWrongArguments:
    """Python's errors for wrong arguments name CPython's functions (``acquire()``,
    ``get_ident()``), not the kernel's internals, with CPython's exception types."""

    @pytest.mark.parametrize("schedule", SCHEDULES)
    def test_types_as_cpythons_names_not_internal(self, schedule: str) -> None:
        b = make_backend(schedule=schedule)
        theirs = _wrong_calls(threading)
        for name, call in _wrong_calls(b).items():
            kind, message = _outcome(call)
            assert kind is _outcome(theirs[name])[0], (name, kind, message)
            assert not any(word in message for word in INTERNAL), (name, message)

    def test_messages(self) -> None:
        b = make_backend()
        lock = "lock" if sys.version_info >= (3, 13) else "allocate_lock"
        expected = {
            "get_ident(1)": "get_ident() takes 0 positional arguments but 1 was given",
            "Lock(1)": f"{lock}() takes 0 positional arguments but 1 was given",
            "Lock().acquire(1, 2, 3)": (
                "acquire() takes from 1 to 3 positional arguments but 4 were given"
            ),
            "Lock().__enter__(1, 2, 3)": (
                "acquire() takes from 1 to 3 positional arguments but 4 were given"
            ),
            "Lock().acquire(foo=1)": "acquire() got an unexpected keyword argument 'foo'",
            "RLock().acquire(foo=1)": "acquire() got an unexpected keyword argument 'foo'",
            "Lock().release(1)": "lock.release() takes 1 positional argument but 2 were given",
            "RLock().release(1)": "RLock.release() takes 1 positional argument but 2 were given",
            "sleep(seconds=1)": (
                "sleep() got some positional-only arguments passed as keyword arguments: 'seconds'"
            ),
            "sleep(1, 2)": "sleep() takes 1 positional argument but 2 were given",
        }
        calls = _wrong_calls(b)
        for name, message in expected.items():
            assert _outcome(calls[name]) == (TypeError, message), name
        # Where Python words it as CPython does, the same message (3.13 for keywords).
        theirs = _wrong_calls(threading)
        if sys.version_info >= (3, 13):
            for name in ("Lock().acquire(foo=1)", "RLock().acquire(foo=1)"):
                assert _outcome(calls[name]) == _outcome(theirs[name]), name
        # RLock() takes arguments and ignores them, as threading's does (RLOCK-INIT-01,
        # which holds the DeprecationWarning of 3.13 on).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert _outcome(lambda: b.RLock(1)) == (None, "")

    def test_the_clock_is_times(self) -> None:
        assert make_backend().monotonic is time.monotonic
        clock = make_backend(clock="virtual").monotonic
        assert _outcome(lambda: clock(1)) == (
            TypeError,
            "monotonic() takes 0 positional arguments but 1 was given",
        )

    @pytest.mark.parametrize("schedule", SCHEDULES)
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    @pytest.mark.parametrize("held", [False, True], ids=["free", "held"])
    def test_timeouts_refused_as_cpython_refuses_them(
        self, schedule: str, kind: str, held: bool
    ) -> None:
        b = make_backend(schedule=schedule)
        ours, theirs = getattr(b, kind)(), getattr(threading, kind)()
        if held:
            ours.acquire()
            theirs.acquire()
        for args in BAD_TIMEOUTS:
            our_kind, our_message = _outcome(functools.partial(ours.acquire, *args))
            their_kind, their_message = _outcome(functools.partial(theirs.acquire, *args))
            assert our_kind is their_kind, (args, our_message, their_message)
            if our_kind is OverflowError:
                # CPython's message names its clock type; ours is that of a timeout over
                # TIMEOUT_MAX (docs/semantics).
                assert our_message == "timeout value is too large", args
            else:
                assert our_message == their_message, args
            if kind == "Lock":
                assert ours.locked() is held, args
            else:
                assert ours._is_owned() is held, args
        if held:
            ours.release()
        assert ours.acquire(timeout=0.5)  # nothing was left taken
        ours.release()


class TestLockAliases:
    ALIASES = ("acquire_lock", "release_lock", "locked_lock")

    @pytest.mark.parametrize("schedule", SCHEDULES)
    def test_as_the_standard_librarys_lock(self, schedule: str) -> None:
        b = make_backend(schedule=schedule)
        stdlib_has = [hasattr(_thread.allocate_lock(), name) for name in self.ALIASES]
        lock = b.Lock()
        assert [hasattr(lock, name) for name in self.ALIASES] == stdlib_has
        if not all(stdlib_has):
            return
        assert lock.acquire_lock() is True
        assert lock.locked_lock() is True
        assert lock.acquire_lock(False) is False
        assert lock.acquire_lock(timeout=0) is False
        lock.release_lock()
        assert lock.locked_lock() is False
        with pytest.raises(RuntimeError, match=r"^release unlocked lock$"):
            lock.release_lock()

    @pytest.mark.parametrize("schedule", SCHEDULES)
    def test_not_on_rlock(self, schedule: str) -> None:
        rlock, stdlib = make_backend(schedule=schedule).RLock(), threading.RLock()
        for name in self.ALIASES:
            assert hasattr(rlock, name) == hasattr(stdlib, name)


def test_lock_is_a_class_exactly_where_threadings_is() -> None:
    # Python 3.13 made threading.Lock the lock's class: isinstance(x, Lock) works there,
    # for the locks Lock() made and no other; before it Lock is a function, as there.
    b = make_backend()
    assert isinstance(b.Lock, type) is isinstance(threading.Lock, type)
    if isinstance(threading.Lock, type):
        lock = b.Lock()
        assert isinstance(lock, b.Lock)
        assert issubclass(type(lock), b.Lock)
        assert not isinstance(b.RLock(), b.Lock)
        assert not isinstance(threading.Lock(), b.Lock)
        assert not isinstance(make_backend().Condition(), b.Lock)
