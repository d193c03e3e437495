"""Section 16.2: functions that change process-wide state (trace and profile hooks,
stack size, the moment excepthook is read).  The clauses about what the default hook
does in a program run in a fresh interpreter (test_subprocess), where no test runner has
replaced the hook; the excepthook tests here replace it only while their own threads
run, and put it back.

These tests run in one xdist group, one after another in one worker, and restore what
they change.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest

from anythread_contract._support import LONG, run_script, spawn
from anythread_contract.plugin import PROCESS_WIDE

pytestmark = pytest.mark.xdist_group(PROCESS_WIDE)
clause = pytest.mark.clause


def _hook_events(events: list[tuple[str, str]]) -> Any:
    def hook(frame: FrameType, event: str, arg: Any) -> None:
        events.append((event, frame.f_code.co_name))

    return hook


class TestHooks:
    @clause("MOD-SETTRACE-01")
    def test_settrace_installs_in_new_threads(self, backend: Any) -> None:
        events: list[tuple[str, str]] = []
        hook = _hook_events(events)
        old = backend.gettrace()
        backend.settrace(hook)
        try:
            seen = spawn(backend, sys.gettrace).join()
        finally:
            backend.settrace(old)
        assert seen is hook
        assert ("call", "run") in events, events[:10]

    @clause("MOD-SETPROFILE-01")
    def test_setprofile_installs_in_new_threads(self, backend: Any) -> None:
        events: list[tuple[str, str]] = []
        hook = _hook_events(events)
        old = backend.getprofile()
        backend.setprofile(hook)
        try:
            seen = spawn(backend, sys.getprofile).join()
        finally:
            backend.setprofile(old)
        assert seen is hook
        assert ("call", "run") in events, events[:10]

    @clause("MOD-SETTRACE-01")
    def test_settrace_after_thread_creation(self, backend: Any) -> None:
        # The function is read before run(), not when the Thread object is created.
        seen: list[Any] = []
        thread = backend.Thread(target=lambda: seen.append(sys.gettrace()), daemon=True)
        hook = _hook_events([])
        old = backend.gettrace()
        backend.settrace(hook)
        try:
            thread.start()
            thread.join(LONG)
        finally:
            backend.settrace(old)
        assert seen == [hook]

    @clause("MOD-SETPROFILE-01")
    def test_setprofile_after_thread_creation(self, backend: Any) -> None:
        seen: list[Any] = []
        thread = backend.Thread(target=lambda: seen.append(sys.getprofile()), daemon=True)
        hook = _hook_events([])
        old = backend.getprofile()
        backend.setprofile(hook)
        try:
            thread.start()
            thread.join(LONG)
        finally:
            backend.setprofile(old)
        assert seen == [hook]

    @clause("MOD-GETTRACE-01")
    def test_gettrace(self, backend: Any) -> None:
        hook = _hook_events([])
        old = backend.gettrace()
        backend.settrace(hook)
        try:
            assert backend.gettrace() is hook
            backend.settrace(None)
            assert backend.gettrace() is None
        finally:
            backend.settrace(old)

    @clause("MOD-GETPROFILE-01")
    def test_getprofile(self, backend: Any) -> None:
        hook = _hook_events([])
        old = backend.getprofile()
        backend.setprofile(hook)
        try:
            assert backend.getprofile() is hook
            backend.setprofile(None)
            assert backend.getprofile() is None
        finally:
            backend.setprofile(old)

    @clause("MOD-SETTRACE-01")
    @clause("MOD-SETPROFILE-01")
    @pytest.mark.parametrize("kind", ["trace", "profile"])
    def test_hook_reaches_only_the_threads_started_after_it(self, backend: Any, kind: str) -> None:
        # "passed to sys.settrace() for each thread [started], before its run()": the
        # function is the new thread's own.  The calling thread, and a thread started
        # before the call, keep theirs: while the new one is blocked in the middle of
        # its run, after it ended, and after the hook is unset again.
        set_hook = getattr(backend, f"set{kind}")
        get_hook = getattr(backend, f"get{kind}")
        sys_get = getattr(sys, f"get{kind}")
        mine = sys_get()
        hook = _hook_events([])
        early_go, early_ready, late_blocked, late_go = (backend.Event() for _ in range(4))
        early_seen: list[Any] = []
        late_seen: list[Any] = []

        def early() -> None:
            early_seen.append(sys_get())
            early_ready.set()
            early_go.wait(LONG)
            early_seen.append(sys_get())

        def late() -> None:
            late_seen.append(sys_get())
            late_blocked.set()
            late_go.wait(LONG)
            late_seen.append(sys_get())

        first = backend.Thread(target=early, daemon=True)
        first.start()
        assert early_ready.wait(LONG)
        old = get_hook()
        set_hook(hook)
        try:
            second = backend.Thread(target=late, daemon=True)
            second.start()
            assert late_blocked.wait(LONG)
            during = sys_get()  # the new thread is in the middle of its run
            early_go.set()
            first.join(LONG)
            late_go.set()
            second.join(LONG)
        finally:
            set_hook(old)
        assert not first.is_alive()
        assert not second.is_alive()
        assert late_seen == [hook, hook]
        assert during is mine, f"the calling thread's {kind} function changed: {during!r}"
        assert sys_get() is mine
        assert early_seen[1] is early_seen[0], "a thread started before the call changed"


class TestStackSize:
    # CPython's stack_size() without an argument returns the size *and* resets it to 0,
    # so these tests read the size in use only as the return value of the next change.

    @clause("MOD-STACK-01")
    def test_stack_size_set_and_used(self, backend: Any) -> None:
        old = backend.stack_size()
        assert isinstance(old, int)
        assert old >= 0
        size, other = 1 << 20, 1 << 19
        try:
            backend.stack_size(size)
            assert spawn(backend, lambda: "ran").join() == "ran"
            assert backend.stack_size(other) == size
            assert backend.stack_size(0) == other
            assert spawn(backend, lambda: "ran").join() == "ran"
        finally:
            backend.stack_size(old)

    @clause("MOD-STACK-02")
    @pytest.mark.parametrize("size", [1, 32767, -1])
    def test_invalid_size_raises_and_keeps_size(self, backend: Any, size: int) -> None:
        old = backend.stack_size()
        try:
            backend.stack_size(1 << 20)
            with pytest.raises(ValueError, match=r"(?i)size"):
                backend.stack_size(size)
            assert backend.stack_size(0) == 1 << 20
        finally:
            backend.stack_size(old)


def _fail() -> None:
    raise ZeroDivisionError("deliberate failure in a contract test")


class TestExcepthook:
    @clause("MOD-EXCEPTHOOK-05")
    def test_hook_read_when_the_thread_fails(self, backend: Any) -> None:
        calls: list[tuple[Any, Any]] = []
        gate = backend.Event()

        def fail_later() -> None:
            gate.wait(LONG)
            _fail()

        created = backend.Thread(target=_fail, daemon=True)
        started = backend.Thread(target=fail_later, daemon=True)
        started.start()
        old = backend.excepthook
        backend.excepthook = lambda args: calls.append((args.exc_type, args.thread))
        try:
            created.start()
            created.join(LONG)
            gate.set()
            started.join(LONG)
        finally:
            backend.excepthook = old
        assert not created.is_alive()
        assert not started.is_alive()
        assert sorted(calls, key=lambda c: c[1] is started) == [
            (ZeroDivisionError, created),
            (ZeroDivisionError, started),
        ]

    @clause("MOD-EXCEPTHOOK-06")
    def test_default_hook_accepts_thread_none(self, backend: Any, backend_name: str) -> None:
        # In a fresh interpreter: there the backend's excepthook is its default one (in
        # this process a test runner may have installed its own, which reads through).
        proc = run_script(
            backend_name,
            """
import sys
import anythread as threading
try:
    1 / 0
except ZeroDivisionError as exc:
    error = exc
args = threading.ExceptHookArgs([type(error), error, error.__traceback__, None])
assert args.thread is None
sys.stderr = sys.stdout
threading.excepthook(args)
print("ident", threading.get_ident())
""",
        )
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout
        ident = text.rsplit("ident ", 1)[-1].strip()
        assert "ZeroDivisionError: division by zero" in text, text
        assert f"Exception in thread {ident}:" in text, text
