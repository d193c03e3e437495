"""Trace and profile functions of green threads (the KernelThreadHooks extra).

Every green thread of an OS thread shares that OS thread's :func:`sys.settrace` and
:func:`sys.setprofile`; the contract's MOD-SETTRACE-01 and MOD-SETPROFILE-01 tests check
that a function set with ``anythread.settrace()`` reaches the threads started after it
and no other.  These tests cover what is the cooperative backend's own: many green
threads interleaving, a thread that sets its own function, the switch tracer going away
when the last such thread ends, a switch tracer of the user's, and an exception thrown
into a blocked thread (a deadlock).
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest

pytest.importorskip("greenlet")

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information
from helpers import run_python

from anythread_backends.cooperative import make_backend


@pytest.fixture(autouse=True)
def _restore_functions() -> Iterator[None]:
    """Whatever a failing test leaves behind, the functions of the test's own thread
    and greenlet's switch tracer are put back."""
    trace, profile, tracer = sys.gettrace(), sys.getprofile(), greenlet.gettrace()
    try:
        yield
    finally:
        sys.settrace(trace)
        sys.setprofile(profile)
        greenlet.settrace(tracer)


def _recorder(names: list[str]) -> Any:
    def hook(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            names.append(frame.f_code.co_name)

    return hook


def traced_work() -> None:
    pass


def untraced_work() -> None:
    pass


@pytest.mark.parametrize("kind", ["trace", "profile"])
def test_only_the_threads_started_after_the_call_are_traced(kind: str) -> None:
    b = make_backend()
    set_hook = getattr(b, f"set{kind}")
    names: list[str] = []
    mine = getattr(sys, f"get{kind}")()
    go = b.Event()

    def traced() -> None:
        for _ in range(3):
            traced_work()
            b.sleep(0)
        go.wait(10)
        traced_work()

    def untraced() -> None:
        for _ in range(3):
            untraced_work()
            b.sleep(0)
        go.wait(10)
        untraced_work()

    before = [b.Thread(target=untraced) for _ in range(3)]
    for t in before:
        t.start()
    b.sleep(0)  # they run before the call (the function is read before run())
    set_hook(_recorder(names))
    try:
        hooked = [b.Thread(target=traced) for _ in range(3)]
        for t in hooked:
            t.start()
        # The function is read before run(): each starts (FIFO: up to its sleep(0)).
        b.sleep(0)
    finally:
        set_hook(None)
    after = [b.Thread(target=untraced) for _ in range(3)]
    for t in after:
        t.start()
    untraced_work()  # the main thread, while the hooked threads are alive
    b.sleep(0.01)  # everyone interleaves, then blocks on go
    assert getattr(sys, f"get{kind}")() is mine
    go.set()
    for t in before + hooked + after:
        t.join(10)
    assert names.count("traced_work") == 3 * 4
    assert "untraced_work" not in names
    assert getattr(sys, f"get{kind}")() is mine


def test_the_switch_tracer_goes_with_the_last_traced_thread() -> None:
    b = make_backend()
    greenlet.settrace(None)  # (restored by the fixture)
    mine = sys.gettrace()
    release = [b.Event(), b.Event()]
    b.settrace(_recorder([]))
    try:
        threads = [b.Thread(target=e.wait, args=(10,)) for e in release]
        for t in threads:
            t.start()
        b.sleep(0)  # both run, install their function and block
    finally:
        b.settrace(None)
    assert greenlet.gettrace() is not None
    release[0].set()
    threads[0].join(10)
    assert greenlet.gettrace() is not None, "one traced thread is still alive"
    release[1].set()
    threads[1].join(10)
    assert greenlet.gettrace() is None
    assert sys.gettrace() is mine


def test_a_switch_tracer_of_the_users_is_called_and_kept() -> None:
    b = make_backend()
    events: list[str] = []

    def users_tracer(event: str, args: Any) -> None:
        events.append(event)

    mine = sys.getprofile()
    greenlet.settrace(users_tracer)
    b.setprofile(_recorder([]))
    try:
        t = b.Thread(target=b.sleep, args=(0,))
        t.start()
        b.sleep(0)  # it runs (its function installed) up to its own sleep(0)
    finally:
        b.setprofile(None)
    t.join(10)
    assert greenlet.gettrace() is users_tracer
    assert "switch" in events
    assert sys.getprofile() is mine


def test_a_thread_that_sets_its_own_function_changes_only_its_own() -> None:
    b = make_backend()
    names: list[str] = []
    go = b.Event()
    mine = sys.getprofile()

    def sets_its_own() -> None:
        sys.setprofile(_recorder(names))
        go.wait(10)
        traced_work()
        sys.setprofile(None)

    def other() -> None:
        go.wait(10)
        untraced_work()

    b.setprofile(_recorder([]))  # the tracer is there while the first thread lives
    try:
        threads = [b.Thread(target=sets_its_own), b.Thread(target=other)]
        for t in threads:
            t.start()
        b.sleep(0)  # both run up to their wait
    finally:
        b.setprofile(None)
    untraced_work()
    go.set()
    for t in threads:
        t.join(10)
    assert "traced_work" in names
    assert "untraced_work" not in names
    assert sys.getprofile() is mine


def test_a_deadlock_thrown_into_the_main_thread_leaves_it_its_own_function() -> None:
    result = run_python(
        textwrap.dedent(
            """
            import sys
            import anythread as t
            seen = []
            def hook(frame, event, arg):
                if event == "call":
                    seen.append(frame.f_code.co_name)
            t.settrace(hook)
            t.Thread(target=t.Event().wait, daemon=True).start()
            t.sleep(0)                  # it runs (its function installed) and blocks
            t.settrace(None)
            def main_work():
                pass
            try:
                t.Event().wait()
            except t.DeadlockError:
                main_work()
                print("main", sys.gettrace(), "main_work" in seen, flush=True)
            """
        ),
        env={"ANYTHREAD_BACKEND": "cooperative"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["main", "None", "False"]


def _run(source: str) -> Any:
    return run_python(textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative"}, timeout=60)


def test_a_thread_that_set_its_own_function_gets_it_back_when_a_deadlock_is_thrown_in() -> None:
    # The main thread sets a profile function of its own while a traced thread lives
    # (so the functions are swapped at each switch); the DeadlockError the hub throws
    # into it must come with the main thread's own function in force.
    result = _run(
        """
        import sys
        import anythread as t
        def hook(frame, event, arg):
            pass
        def mine(frame, event, arg):
            pass
        t.settrace(hook)
        t.Thread(target=t.Event().wait, daemon=True).start()
        t.sleep(0)                  # it runs (its function installed) and blocks
        t.settrace(None)
        sys.setprofile(mine)        # the main thread's own
        try:
            t.Event().wait()
        except t.DeadlockError:
            print(sys.getprofile() is mine, sys.gettrace())
        sys.setprofile(None)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "None"]


def test_after_a_fork_the_switch_tracer_goes_with_the_threads_that_are_gone() -> None:
    # In the child only the forking thread is left; it was given no function of its
    # own, so no green thread is: the tracer goes, and the forker's functions stay.
    result = _run(
        """
        import os, sys
        import greenlet
        import anythread as t
        def hook(frame, event, arg):
            pass
        t.settrace(hook)
        t.Thread(target=t.Event().wait, args=(30,), daemon=True).start()
        t.sleep(0)                  # it runs (its function installed) and blocks
        t.settrace(None)
        tracing = greenlet.gettrace() is not None
        pid = os.fork()
        if pid == 0:
            print("child", tracing, greenlet.gettrace(), sys.gettrace(), flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["child", "True", "None", "None"]


def test_once_stopped_a_chained_tracer_swaps_nothing() -> None:
    # A switch tracer set after the kernel's calls it on (as greenlet's tracers
    # chain); once the last traced thread ended, the kernel's only passes events on:
    # a function a green thread sets itself is the OS thread's again, for every one.
    b = make_backend()
    names: list[str] = []
    chained: list[str] = []
    release = b.Event()
    b.settrace(_recorder([]))
    try:
        traced = b.Thread(target=release.wait, args=(10,))
        traced.start()
        b.sleep(0)  # it runs (its function installed) and blocks
    finally:
        b.settrace(None)
    kernels = greenlet.gettrace()

    def users_tracer(event: str, args: Any) -> None:
        chained.append(event)
        kernels(event, args)

    greenlet.settrace(users_tracer)
    release.set()
    traced.join(10)
    assert greenlet.gettrace() is users_tracer
    sys.setprofile(_recorder(names))  # the main thread's: every green thread's now
    try:
        other = b.Thread(target=untraced_work)
        other.start()
        other.join(10)
    finally:
        sys.setprofile(None)
    assert "untraced_work" in names
    assert "switch" in chained


@pytest.mark.parametrize("kind", ["trace", "profile"])
def test_a_thread_that_drops_the_shared_function_keeps_none(kind: str) -> None:
    # The main thread has a function of its own (the OS thread's when the swapping
    # begins); a green thread that sets none for itself while the swapping goes on
    # keeps none, across its switches, while the others keep theirs.
    b = make_backend()
    sys_set, sys_get = getattr(sys, f"set{kind}"), getattr(sys, f"get{kind}")
    mine = _recorder([])
    seen: list[Any] = []
    release = b.Event()
    sys_set(mine)
    try:
        dropper_ready = b.Event()

        def dropper() -> None:
            sys_set(None)
            dropper_ready.set()
            b.sleep(0)
            seen.append(sys_get())

        b.settrace(_recorder([]))
        try:
            traced = b.Thread(target=release.wait, args=(10,))
            traced.start()
            b.sleep(0)  # it runs (its function installed) and blocks: swapping begins
        finally:
            b.settrace(None)
        other = b.Thread(target=dropper)
        other.start()
        dropper_ready.wait(10)
        other.join(10)
        seen.append(sys_get())
        release.set()
        traced.join(10)
    finally:
        sys_set(None)
    assert seen == [None, mine]
