"""Fixes in the semantics layer, each checked on the backends built from it.

* After the exit rule, the main thread is stopped but stays the registered thread of its
  identifier, with its ``local`` values (as CPython's ``_shutdown`` leaves it).
* A ``local`` subclass whose ``__init__`` raises leaves no half-built dictionary: the
  next access runs ``__init__`` again.
* ``excepthook`` (or ``sys.excepthook``) set to None: ``Thread()`` raises RuntimeError,
  as CPython's does; a failing hook is reported under the name the program uses.
* ``RLock._recursion_count()`` (CPython 3.11+; :mod:`multiprocessing` calls it).
* A dummy thread is never handed to another OS thread that got the same identifier.
"""

from __future__ import annotations

import _thread
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_semantics_kernels import toy_backend
from test_semantics_world import RecyclingKernel

import anythread
from anythread.semantics import from_kernel
from anythread.semantics.locks import RLock
from anythread.semantics.thread import _join_at_exit

BOUND = 10.0  # seconds: every wait of these tests
SUBPROCESS_BOUND = 90.0  # the machine may be heavily loaded
HERE = Path(__file__).resolve().parent


def _backend(name: str) -> Any:
    return toy_backend() if name == "toy" else anythread.get_backend(name)


@pytest.fixture(params=["pure", "cooperative"])
def backend(request: pytest.FixtureRequest) -> Any:
    return _backend(request.param)


def _env(backend: str | None = None) -> dict[str, str]:
    """The environment, less anythread's variables, plus the backend's if given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    if backend is not None:
        env["ANYTHREAD_BACKEND"] = backend
    return env


def _python(script: str, backend: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with ``ANYTHREAD_BACKEND=backend``."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=_env(backend),
        timeout=SUBPROCESS_BOUND,
        cwd=HERE,
        check=False,
    )


def _run_file(tmp_path: Path, source: str, run_on: str) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as a script under ``anythread run -b run_on``."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "anythread", "run", "-b", run_on, str(script)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=SUBPROCESS_BOUND,
        cwd=tmp_path,
        check=False,
    )


def _in_thread(backend: Any, function: Callable[[], Any]) -> Any:
    """Return ``function()`` as called in a new thread of ``backend``."""
    results: list[Any] = []
    thread = backend.Thread(target=lambda: results.append(function()), daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive()
    [result] = results
    return result


# --------------------------------------------------------------------------- 1. exit rule


_AFTER_EXIT = """
import atexit
import anythread as threading

conn = threading.local()
conn.db = "main-connection"

def closing():
    me = threading.current_thread()
    main = threading.main_thread()
    print("closing", getattr(conn, "db", "<missing!>"), me.name, me is main,
          [t.name for t in threading.enumerate()], main.is_alive(), flush=True)

atexit.register(closing)

def watcher():  # a non-daemon thread: the exit rule waits for it
    # Without a timeout: the exit rule must end the main thread's join() (the test's
    # subprocess bound fails a run in which it does not).
    threading.main_thread().join()
    print("joined", threading.main_thread().is_alive(), flush=True)

threading.Thread(target=watcher, name="watcher").start()
"""


class TestMainThreadAfterTheExitRule:
    @pytest.mark.parametrize("name", ["pure", "cooperative", "debug:pure", "debug:cooperative"])
    def test_main_stays_registered_with_its_locals(self, name: str) -> None:
        result = _python(_AFTER_EXIT, name)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "joined False",
            "closing main-connection MainThread True ['MainThread'] False",
        ], result.stderr

    def test_exit_rule_marks_main_stopped_in_place(self) -> None:
        # The world's exit rule run directly, on a world of its own.
        backend = toy_backend()
        data = backend.local()
        data.value = "main's"
        main = backend.main_thread()
        _join_at_exit(backend.Thread._world)
        assert not main.is_alive()
        assert backend.current_thread() is main
        assert backend.enumerate() == [main]
        assert data.value == "main's"
        # Another thread's join() returns at once, and the rule may run again.
        assert _in_thread(backend, lambda: (main.join(BOUND), main.is_alive())) == (None, False)
        _join_at_exit(backend.Thread._world)
        assert backend.current_thread() is main


# --------------------------------------------------------------------------- 2. local


class TestLocalInitFailure:
    @pytest.mark.parametrize("name", ["pure", "cooperative", "toy"])
    def test_failed_init_runs_again_at_the_next_access(self, name: str) -> None:
        backend = _backend(name)
        calls: list[int] = []

        class Conf(backend.local):  # type: ignore[name-defined,misc]
            def __init__(self) -> None:
                calls.append(len(calls) + 1)
                if len(calls) == 2:
                    raise OSError("config not ready")
                self.value = 42

        conf = Conf()

        def worker() -> list[object]:
            out: list[object] = []
            for _ in range(2):
                try:
                    out.append(conf.value)
                except OSError as exc:
                    out.append(str(exc))
            out.append(dict(conf.__dict__))
            return out

        assert _in_thread(backend, worker) == ["config not ready", 42, {"value": 42}]
        assert calls == [1, 2, 3]

    def test_failed_init_on_assignment_leaves_nothing(self) -> None:
        backend = toy_backend()
        attempts: list[int] = []
        failing = [False]

        class Conf(backend.local):  # type: ignore[name-defined,misc]
            def __init__(self) -> None:
                attempts.append(len(attempts) + 1)
                self.attempt = attempts[-1]  # set before the failure
                if failing[0]:
                    raise OSError("not ready")

        conf = Conf()
        failing[0] = True

        def worker() -> list[object]:
            out: list[object] = []
            try:
                conf.other = 1  # the first access in this thread runs __init__
            except OSError as exc:
                out.append(str(exc))
            failing[0] = False
            conf.other = 2
            out.append(sorted(conf.__dict__.items()))
            return out

        assert _in_thread(backend, worker) == ["not ready", [("attempt", 3), ("other", 2)]]
        assert conf.attempt == 1  # (the creating thread's)


# --------------------------------------------------------------------------- 3. excepthook


def _failing_when_told(backend: Any) -> tuple[Any, Any]:
    """A started thread that raises KeyError once its Event is set; and the Event."""
    go = backend.Event()

    def fail() -> None:
        assert go.wait(BOUND)
        raise KeyError("late")

    thread = backend.Thread(target=fail, daemon=True)
    thread.start()
    return thread, go


class TestExcepthookNone:
    def test_thread_refused_while_the_hook_is_none(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(backend, "excepthook", None)
        with pytest.raises(RuntimeError, match=r"^anythread\.excepthook is None$"):
            backend.Thread(target=print)

    def test_thread_refused_while_sys_excepthook_is_none(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sys, "excepthook", None)
        with pytest.raises(RuntimeError, match=r"^sys\.excepthook is None$"):
            backend.Thread(target=print)

    def test_hook_in_place_at_creation_serves_when_the_hook_is_none(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen: list[Any] = []
        monkeypatch.setattr(backend, "excepthook", seen.append)
        thread, go = _failing_when_told(backend)
        monkeypatch.setattr(backend, "excepthook", None)
        go.set()
        thread.join(BOUND)
        assert not thread.is_alive()
        [args] = seen
        assert args.exc_type is KeyError
        assert args.thread is thread

    def test_sys_hook_in_place_at_creation_reports_a_failing_hook(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        reported: list[type[BaseException]] = []

        def bad_hook(args: Any) -> None:
            raise RuntimeError("hook failed")

        monkeypatch.setattr(backend, "excepthook", bad_hook)
        monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: reported.append(kind))
        thread, go = _failing_when_told(backend)
        monkeypatch.setattr(sys, "excepthook", None)
        go.set()
        thread.join(BOUND)
        assert not thread.is_alive()
        assert reported == [RuntimeError]

    def test_each_thread_keeps_the_hook_in_place_at_its_own_creation(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Threads made while the same hooks are in place may share what they keep; one
        # made after the hook changed must keep the new one, not the last thread's.
        seen: list[tuple[str, type[BaseException]]] = []
        started = []
        for label in ("a", "a", "b", "a"):
            monkeypatch.setattr(
                backend, "excepthook", lambda args, label=label: seen.append((label, args.exc_type))
            )
            started.append(_failing_when_told(backend))
        monkeypatch.setattr(backend, "excepthook", None)
        for thread, go in started:
            go.set()
            thread.join(BOUND)
            assert not thread.is_alive()
        assert seen == [("a", KeyError), ("a", KeyError), ("b", KeyError), ("a", KeyError)]

    def test_each_thread_keeps_the_sys_hook_in_place_at_its_own_creation(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The same for sys.excepthook alone (the thread hook stays the same): it
        # reports the thread hook's own failure.
        reported: list[tuple[str, type[BaseException]]] = []

        def bad_hook(args: Any) -> None:
            raise RuntimeError("hook failed")

        monkeypatch.setattr(backend, "excepthook", bad_hook)
        started = []
        for label in ("s", "t", "s"):
            monkeypatch.setattr(
                sys,
                "excepthook",
                lambda kind, value, tb, label=label: reported.append((label, kind)),
            )
            started.append(_failing_when_told(backend))
        monkeypatch.setattr(sys, "excepthook", None)
        for thread, go in started:
            go.set()
            thread.join(BOUND)
            assert not thread.is_alive()
        assert reported == [("s", RuntimeError), ("t", RuntimeError), ("s", RuntimeError)]

    @pytest.mark.parametrize("name", ["pure", "cooperative"])
    def test_names_under_import_anythread_as_threading(self, name: str) -> None:
        result = _python(
            """
            import anythread as threading
            threading.excepthook = None
            try:
                threading.Thread(target=print)
            except RuntimeError as exc:
                print(exc)
            def hook(args):
                raise RuntimeError("hook failed")
            threading.excepthook = hook
            thread = threading.Thread(target=lambda: 1 / 0)
            thread.start()
            thread.join(30)
            """,
            name,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["anythread.excepthook is None"]
        assert "Exception in anythread.excepthook:\n" in result.stderr
        assert "RuntimeError: hook failed" in result.stderr

    @pytest.mark.parametrize("name", ["pure", "cooperative", "debug:pure"])
    def test_names_under_anythread_run(self, name: str, tmp_path: Path) -> None:
        # The program's threading is the backend: the messages are CPython's.
        result = _run_file(
            tmp_path,
            """
            import threading
            threading.excepthook = None
            try:
                threading.Thread(target=print)
            except RuntimeError as exc:
                print(exc)
            def hook(args):
                raise RuntimeError("hook failed")
            threading.excepthook = hook
            thread = threading.Thread(target=lambda: 1 / 0)
            thread.start()
            thread.join(30)
            """,
            name,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["threading.excepthook is None"]
        assert "Exception in threading.excepthook:\n" in result.stderr
        assert "RuntimeError: hook failed" in result.stderr


# --------------------------------------------------------------------------- 4. RLock


@pytest.fixture(params=["pure", "cooperative", "toy"])
def rlock_backend(request: pytest.FixtureRequest) -> Any:
    backend = _backend(request.param)
    rlock = backend.RLock()
    if not isinstance(rlock, RLock) and not hasattr(rlock, "_recursion_count"):
        # (cooperative's RLock is its kernel's own, which its backend extends.)
        pytest.skip(f"{request.param}'s RLock is not the layer's: {type(rlock).__name__}")
    return backend


class TestRecursionCount:
    def test_levels_of_the_owner(self, rlock_backend: Any) -> None:
        backend = rlock_backend
        rlock = backend.RLock()
        assert rlock._recursion_count() == 0
        with rlock:
            assert rlock._recursion_count() == 1
            with rlock:
                assert rlock._recursion_count() == 2
                assert _in_thread(backend, rlock._recursion_count) == 0
            assert rlock._recursion_count() == 1
        assert rlock._recursion_count() == 0

    def test_zero_while_another_thread_owns_it(self, rlock_backend: Any) -> None:
        backend = rlock_backend
        rlock = backend.RLock()
        held, done = backend.Event(), backend.Event()
        levels: list[int] = []

        def hold_twice() -> None:
            with rlock, rlock:
                levels.append(rlock._recursion_count())
                held.set()
                assert done.wait(BOUND)

        holder = backend.Thread(target=hold_twice, daemon=True)
        holder.start()
        try:
            assert held.wait(BOUND)
            assert rlock._recursion_count() == 0
        finally:
            done.set()
            holder.join(BOUND)
        assert not holder.is_alive()
        assert levels == [2]

    def test_shared_memory_under_anythread_run(self, tmp_path: Path) -> None:
        result = _run_file(
            tmp_path,
            """
            from multiprocessing import shared_memory
            memory = shared_memory.SharedMemory(create=True, size=16)
            memory.close()
            memory.unlink()
            print("ok")
            """,
            "pure",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["ok"]


# --------------------------------------------------------------------------- 5. dummies


class TestDummyOfAnEndedThread:
    def test_not_handed_to_a_thread_with_the_same_ident(self) -> None:
        # Two alien threads, one after the other, that the kernel gives one identifier
        # (as the platform recycles them): each gets its own dummy, with its native id.
        kernel = RecyclingKernel()
        backend = from_kernel(kernel, "toy-recycled-dummies")
        recycled = 434343
        seen: list[tuple[Any, int]] = []

        def alien() -> None:
            kernel.virtual[threading.get_ident()] = recycled
            seen.append((backend.current_thread(), threading.get_native_id()))

        for _ in range(2):
            outsider = threading.Thread(target=alien)
            outsider.start()
            outsider.join(BOUND)
            assert not outsider.is_alive()
        [(first, first_native), (second, second_native)] = seen
        assert first_native != second_native
        assert second is not first
        assert (first.native_id, second.native_id) == (first_native, second_native)
        assert second.name != first.name
        assert second in backend.enumerate()
        assert first not in backend.enumerate()

    def test_same_thread_keeps_its_dummy(self) -> None:
        backend = toy_backend()
        done = _thread.allocate_lock()
        done.acquire()
        seen: list[bool] = []

        def alien() -> None:
            try:
                seen.append(backend.current_thread() is backend.current_thread())
            finally:
                done.release()

        _thread.start_new_thread(alien, ())
        assert done.acquire(True, BOUND)
        assert seen == [True]

    @pytest.mark.parametrize("name", ["pure", "cooperative"])
    def test_each_alien_thread_gets_its_own_native_id(self, name: str) -> None:
        # Threads of the standard library, one after the other: the platform usually
        # gives each the identifier of the one before.
        result = _python(
            """
            import threading as stdlib
            import anythread as threading

            threading.current_thread()
            seen = []

            def alien():
                me = threading.current_thread()
                seen.append((me.name, me.native_id == threading.get_native_id()))

            for _ in range(3):
                thread = stdlib.Thread(target=alien)
                thread.start()
                thread.join(30)
            print(seen)
            """,
            name,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "[('Dummy-1', True), ('Dummy-2', True), ('Dummy-3', True)]"
        ], result.stderr


@pytest.mark.parametrize(
    "call",
    [
        "stack_size(size=0)",
        "stack_size(0, 0)",
        "stack_size(-1)",
        "stack_size('a')",
        "stack_size(1.5)",
        "stack_size(None)",
        "stack_size(2**70)",
        "stack_size(0)",
        "stack_size()",
    ],
)
def test_stack_size_without_the_kernels_support_checks_its_argument_as_cpython(
    call: str,
) -> None:
    # 16.2 stack_size(): a kernel that cannot set the size still refuses a wrong
    # argument with CPython's error, before it refuses a size it cannot set.
    outcomes = []
    for module in (threading, toy_backend()):
        try:
            outcomes.append(repr(eval(call, {"stack_size": module.stack_size})))
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
    assert outcomes[1] == outcomes[0]


def test_stack_size_without_the_kernels_support_refuses_a_size() -> None:
    with pytest.raises(anythread.ThreadError, match="not supported by this backend"):
        toy_backend().stack_size(32768)
