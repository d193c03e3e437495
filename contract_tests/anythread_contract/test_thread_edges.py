"""Sections 16.2 and 16.2.1: Thread edge cases that the mutation run found unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

import _thread
import gc
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from anythread_contract._support import (
    LONG,
    PROMPT,
    SHORT,
    in_alien_thread,
    needs_own_os_threads,
    run_script,
    spawn,
    wait_until,
)

clause = pytest.mark.clause


def _counts_while_starting(backend: Any, k: int) -> tuple[int, int, int] | None:
    """Return (active_count(), len(enumerate()), active_count()) as seen by another
    thread while this one stands at the k-th event (call, return, C call, C return) of
    ``Thread.start()``; None if start() has fewer events than k.
    """
    release = backend.Event()
    events: list[bool] = []
    seen: list[tuple[int, int, int]] = []
    looked = backend.Event()

    def look() -> None:
        wait_until(backend, lambda: any(events) or release.is_set(), what="start()")
        if not release.is_set():
            seen.append((backend.active_count(), len(backend.enumerate()), backend.active_count()))
        looked.set()

    def hand_over_at_k(frame: Any, what: str, arg: Any) -> None:
        events.append(len(events) + 1 == k)
        if events[-1]:
            deadline = time.monotonic() + 0.05
            while not looked.is_set() and time.monotonic() < deadline:
                backend.sleep(0)

    looker = spawn(backend, look)
    thread = backend.Thread(target=release.wait, args=(LONG,), daemon=True)
    sys.setprofile(hand_over_at_k)
    try:
        thread.start()
    finally:
        sys.setprofile(None)
    release.set()
    looker.join()
    thread.join(LONG)
    return seen[0] if seen else None


class TestThreadEdges:
    @clause("MOD-ACTIVE-01")
    def test_thread_being_started_is_counted_like_enumerate_lists_it(self, backend: Any) -> None:
        needs_own_os_threads(backend)
        # Another thread looks at the counts at every step of start(); whatever it sees,
        # active_count() is the length of enumerate() (when no thread ended meanwhile).
        # Once more with one more thread alive: an even and an odd number of threads.
        idle = backend.Event()
        try:
            for extra in (0, 1):
                if extra:
                    spawn(backend, idle.wait, LONG)
                for k in range(1, 40):
                    counts = _counts_while_starting(backend, k)
                    if counts is None:
                        continue
                    before, listed, after = counts
                    if before == after:
                        assert before == listed, f"at step {k} of start(): {counts}"
        finally:
            idle.set()

    @clause("THREAD-REPR-01")
    def test_repr_shows_name_and_status(self, backend: Any) -> None:
        release = backend.Event()
        thread = backend.Thread(target=release.wait, args=(LONG,), name="worker", daemon=True)
        assert repr(thread) == "<Thread(worker, initial daemon)>"
        thread.start()
        try:
            assert repr(thread) == f"<Thread(worker, started daemon {thread.ident})>"
        finally:
            release.set()
        thread.join(LONG)
        assert repr(thread) == f"<Thread(worker, stopped daemon {thread.ident})>"
        plain = backend.Thread(target=lambda: None, name="plain", daemon=False)
        assert repr(plain) == "<Thread(plain, initial)>"
        plain.start()
        plain.join(LONG)
        assert repr(plain) == f"<Thread(plain, stopped {plain.ident})>"

    @clause("THREAD-INIT-02")
    def test_subclass_that_skips_the_base_constructor(self, backend: Any) -> None:
        class Forgetful(backend.Thread):  # type: ignore[misc]
            def __init__(self) -> None:
                pass

        thread = Forgetful()
        checks: list[tuple[type[Exception], Callable[[], object]]] = [
            (RuntimeError, thread.start),
            (RuntimeError, thread.join),
            (AssertionError, thread.is_alive),
            (AssertionError, lambda: thread.name),
            (AssertionError, lambda: thread.daemon),
            (AssertionError, lambda: repr(thread)),
            (RuntimeError, lambda: setattr(thread, "daemon", True)),
        ]
        for error, use in checks:
            with pytest.raises(error, match=r"__init__\(\) (was )?not called"):
                use()

    @clause("THREAD-DUMMY-02")
    def test_dummy_join_error_is_the_running_pythons(self, backend: Any) -> None:
        error = RuntimeError if sys.version_info >= (3, 13) else AssertionError

        def probe(dummy: Any) -> None:
            with pytest.raises(error):
                dummy.join(SHORT)

        in_alien_thread(backend, lambda dummy, ident: probe(dummy))

    @clause("THREAD-JOIN-02")
    def test_timed_out_join_returns_when_its_timeout_occurs(self, backend: Any) -> None:
        # When the timeout occurs, not after waiting a second time (say, for something
        # beneath the backend as well).
        release = backend.Event()
        timeout = PROMPT
        # The worker outlives twice the timeout whatever the patience (it is released
        # as soon as the join is over).
        worker = spawn(backend, release.wait, LONG + 2 * timeout)
        try:
            started = time.monotonic()
            worker.thread.join(timeout)
            took = time.monotonic() - started
            assert worker.thread.is_alive()
        finally:
            release.set()
        worker.join()
        assert took < 2 * timeout, f"join({timeout}) of a live thread took {took:.2f}s"

    @clause("THREAD-NAME-02")
    def test_default_name_names_the_target(self, backend: Any) -> None:
        def work() -> None:
            pass

        assert re.fullmatch(r"Thread-\d+ \(work\)", backend.Thread(target=work).name)
        assert re.fullmatch(r"Thread-\d+", backend.Thread().name)


_START_FAILS = """
import anythread as threading
def late():
    threading.sleep(0.3)  # outlive the main thread
    print("ran", flush=True)
threading.stack_size(2**45)  # no system can map stacks this large: start() fails
thread = threading.Thread(target=late)
try:
    thread.start()
    print("started", flush=True)
except RuntimeError:
    print("failed", flush=True)
threading.stack_size(0)
print(thread in threading.enumerate(), thread.is_alive(), flush=True)
thread.start()
if JOIN:  # else the exit rule must wait for it
    thread.join(30)
"""

_EXIT_WAITS_FOR_A_RECYCLED_STACK = """
import anythread as threading
go = threading.Event()
daemons = [threading.Thread(target=go.wait, args=(30,), daemon=True) for _ in range(3)]
for daemon in daemons:
    daemon.start()
def first():
    threading.sleep(0.1)
    print("first", flush=True)
threading.Thread(target=first).start()  # the first non-daemon thread arms the exit rule
go.set()
for daemon in daemons:
    daemon.join(30)
def late():
    threading.sleep(0.3)
    print("late", flush=True)
threading.Thread(target=late).start()  # likely on the stack (and ident) of a daemon
print("main done", flush=True)
"""

_EXIT_WAITS_FOR_EACH = """
import anythread as threading
never = threading.Event()
threading.Thread(target=never.wait, args=(40,), daemon=True).start()
def late(i):
    threading.sleep(0.2 + i / 20)
    print("late", i, flush=True)
for i in range(6):
    threading.Thread(target=late, args=(i,)).start()
print("main done", flush=True)
"""


class TestExitRule:
    @clause("THREAD-EXIT-01", "THREAD-EXIT-02")
    def test_exit_waits_for_every_non_daemon_thread_and_no_daemon(
        self, backend: Any, backend_name: str
    ) -> None:
        start = time.monotonic()
        proc = run_script(backend_name, _EXIT_WAITS_FOR_EACH)
        took = time.monotonic() - start
        assert proc.returncode == 0, proc.stderr
        # The staggered sleeps make the threads end at different times; the order of
        # their lines is the scheduler's, not part of the clause.
        assert sorted(proc.stdout.splitlines()) == sorted(
            ["main done"] + [f"late {i}" for i in range(6)]
        ), proc.stdout
        assert took < 30, f"the program took {took:.1f}s: it waited for a daemon thread"

    @clause("THREAD-EXIT-01")
    def test_exit_waits_for_threads_started_after_others_ended(
        self, backend: Any, backend_name: str
    ) -> None:
        # Threads whose identifiers were recycled are waited for like any other (the
        # exit rule must not tell threads apart by the order of their identifiers).
        proc = run_script(backend_name, _EXIT_WAITS_FOR_A_RECYCLED_STACK)
        assert proc.returncode == 0, proc.stderr
        assert sorted(proc.stdout.splitlines()) == ["first", "late", "main done"], proc.stdout


def _skip_if_threading_cannot_restart(backend: Any, stderr: str) -> None:
    # CPython 3.13.0's own threading cannot start a thread again after a failed start
    # (later releases can): a backend whose threads are threading's inherits that.
    if (
        issubclass(backend.Thread, threading.Thread)
        and sys.version_info[:3] == (3, 13, 0)
        and "thread already started" in stderr
    ):
        pytest.skip("CPython 3.13.0's threading cannot restart a thread after a failed start")


class TestStartFailure:
    @clause("THREAD-START-FAIL-01")
    def test_failed_start_leaves_the_thread_unstarted(
        self, backend: Any, backend_name: str
    ) -> None:
        proc = run_script(backend_name, _START_FAILS.replace("JOIN", "True"))
        _skip_if_threading_cannot_restart(backend, proc.stderr)
        assert proc.returncode == 0, proc.stderr
        if proc.stdout.startswith("started"):
            pytest.skip("this system started a thread with a 32 TiB stack")
        assert proc.stdout.splitlines() == ["failed", "False False", "ran"], proc.stdout
        assert "Exception" not in proc.stderr, proc.stderr

    # A failed start is provoked with stack_size(), so this needs what
    # THREAD-START-FAIL-01 needs (the stack-size capability).
    @clause("THREAD-EXIT-01", "THREAD-START-FAIL-01")
    def test_exit_waits_for_a_thread_whose_first_start_failed(
        self, backend: Any, backend_name: str
    ) -> None:
        proc = run_script(backend_name, _START_FAILS.replace("JOIN", "False"))
        _skip_if_threading_cannot_restart(backend, proc.stderr)
        assert proc.returncode == 0, proc.stderr
        if proc.stdout.startswith("started"):
            pytest.skip("this system started a thread with a 32 TiB stack")
        assert proc.stdout.splitlines() == ["failed", "False False", "ran"], proc.stdout


def _alien_value_seen_by_a_recycled_thread(backend: Any, *, dummy: bool) -> bool | None:
    """Whether a thread of the backend that got the identifier of an ended alien thread
    sees the value that thread stored in a local; None if no identifier was recycled.

    With ``dummy``, the alien thread called current_thread() (and so was seen as a dummy
    thread) before storing the value.
    """
    data = backend.local()
    stored = _thread.allocate_lock()
    stored.acquire()
    seen_by_alien: list[int] = []

    def alien() -> None:
        try:
            if dummy:
                backend.current_thread()
            data.value = "alien"
            seen_by_alien.append(backend.get_ident())
        finally:
            stored.release()

    _thread.start_new_thread(alien, ())
    assert stored.acquire(True, LONG)
    for _ in range(200):
        ident, seen = spawn(backend, lambda: (backend.get_ident(), hasattr(data, "value"))).join()
        if ident == seen_by_alien[0]:
            return bool(seen)
    return None


class TestRecycledIdentifiers:
    # An alien thread stores a value and ends; the backend cannot tell when it ended,
    # but once a thread it starts gets the same identifier (identifiers are recycled),
    # that thread must start with no values.

    @clause("MOD-LOCAL-RECYCLE-01")
    def test_values_of_an_ended_dummy_thread(self, backend: Any) -> None:
        seen = _alien_value_seen_by_a_recycled_thread(backend, dummy=True)
        if seen is None:
            pytest.skip("no thread reused the alien thread's identifier in 200 tries")
        assert seen is False, "a recycled identifier inherited a local value"

    @clause("MOD-LOCAL-RECYCLE-02")
    def test_values_of_an_ended_alien_thread_never_seen(self, backend: Any) -> None:
        seen = _alien_value_seen_by_a_recycled_thread(backend, dummy=False)
        if seen is None:
            pytest.skip("no thread reused the alien thread's identifier in 200 tries")
        assert seen is False, "a recycled identifier inherited a local value"


def _run_alien(target: Callable[[], object]) -> int:
    """Run ``target`` to its end in a thread that the backend did not start (one of the
    standard library's; the stdlib backend's own, where the clauses hold as well), and
    return that thread's identifier."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(LONG)
    assert not thread.is_alive(), "the alien thread did not end"
    assert thread.ident is not None
    return thread.ident


class _Value:
    pass


class TestAlienThreadValues:
    # The backend does not start these threads, yet their local values are theirs
    # alone, as any thread's: released when the thread ends, never seen by a later alien
    # thread that gets the same identifier.

    @clause("MOD-LOCAL-04", "MOD-LOCAL-RECYCLE-02")
    def test_values_of_an_alien_thread_are_released_when_it_ends(self, backend: Any) -> None:
        data, other = backend.local(), backend.local()
        refs: list[weakref.ref[_Value]] = []

        def body() -> None:
            for obj in (data, other):
                value = _Value()
                refs.append(weakref.ref(value))
                obj.value = value
                assert obj.value is value  # (a second access must not change anything)

        data.value = "main's"
        _run_alien(body)

        def released() -> bool:
            gc.collect()
            return all(ref() is None for ref in refs)

        wait_until(backend, released, what="the ended alien thread's local values to be released")
        assert data.value == "main's", "the main thread lost its own value"
        assert not hasattr(other, "value")

    @clause("MOD-LOCAL-RECYCLE-01")
    def test_an_alien_thread_never_sees_an_earlier_dummy_threads_values(self, backend: Any) -> None:
        self._never_seen_by_a_later_alien_thread(backend, dummy=True)

    @clause("MOD-LOCAL-RECYCLE-02")
    def test_an_alien_thread_never_sees_an_earlier_alien_threads_values(self, backend: Any) -> None:
        self._never_seen_by_a_later_alien_thread(backend, dummy=False)

    @staticmethod
    def _never_seen_by_a_later_alien_thread(backend: Any, *, dummy: bool) -> None:
        data = backend.local()

        def store() -> None:
            if dummy:
                backend.current_thread()
            data.value = "earlier"

        first = _run_alien(store)
        seen: list[bool] = []
        for _ in range(200):
            seen.clear()
            if _run_alien(lambda: seen.append(hasattr(data, "value"))) == first:
                assert seen == [False], "a recycled identifier inherited a local value"
                return
        pytest.skip("no alien thread reused the first one's identifier in 200 tries")


_FIRST_NAMES = """
import anythread as threading
def work():
    pass
print(threading.Thread().name, "|", threading.Thread(target=work).name)
"""


class TestFirstNames:
    @clause("THREAD-NAME-FIRST-01")
    def test_default_names_count_from_one(self, backend: Any, backend_name: str) -> None:
        proc = run_script(backend_name, _FIRST_NAMES)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "Thread-1 | Thread-2 (work)", proc.stdout


_FORK_IN_MAIN = """
import gc, os, sys, weakref
import anythread as threading
class Value:
    pass
release = threading.Event()
data = threading.local()
data.value = "main's"
refs = []
stored = threading.Event()
def other_body():
    value = Value()
    refs.append(weakref.ref(value))
    data.value = value
    del value
    stored.set()
    release.wait(30)
class Record(threading.Thread):
    # Equal to every object (as a subclass with a value-based __eq__ may be): the fork
    # must tell the surviving thread from the others by identity.
    def __eq__(self, other):
        return True
    __hash__ = threading.Thread.__hash__
other = Record(target=other_body, name="other", daemon=True)
other.start()
stored.wait(30)
pid = os.fork()
if pid == 0:
    me = threading.current_thread()
    gc.collect()  # the other thread is gone: so are its local values
    print("child", me is threading.main_thread(), [t is me for t in threading.enumerate()],
          threading.active_count(), other.is_alive(), data.value, refs[0]() is None,
          flush=True)
    other.join(30)
    def late():
        threading.sleep(0.3)
        print("late", flush=True)
    threading.Thread(target=late).start()
    sys.exit(0)
_, status = os.waitpid(pid, 0)
release.set()
other.join(30)
print("parent", os.waitstatus_to_exitcode(status), flush=True)
"""

_FORK_IN_THREAD = """
import gc, os, weakref
import anythread as threading
main = threading.main_thread()
result = {}
class Value:
    pass
data = threading.local()
value = Value()
data.value = value  # the main thread's value: gone with the main thread in the child
ref = weakref.ref(value)
del value
def forker():
    pid = os.fork()
    if pid == 0:
        me = threading.current_thread()
        gc.collect()
        print("child", me.name, me is threading.main_thread(),
              [t is me for t in threading.enumerate()], main.is_alive(), flush=True)
        print("main's value gone", ref() is None, flush=True)
        new = threading.Thread(target=print, args=("new",))
        new.start()
        new.join(30)
        print("joined", new.is_alive(), threading.active_count(), flush=True)
        os._exit(0)
    result["status"] = os.waitpid(pid, 0)[1]
forker_thread = threading.Thread(target=forker, name="forker")
forker_thread.start()
forker_thread.join(60)
print("parent", os.waitstatus_to_exitcode(result["status"]), flush=True)
"""

_FORK_IN_ALIEN = """
import os, time, _thread
import anythread as threading
threading.main_thread()  # the backend (and its record of threads) exists before the fork
result = {}
def alien():
    if SEEN:
        threading.current_thread()  # seen as a dummy thread before the fork
    pid = os.fork()
    if pid == 0:
        me = threading.current_thread()
        print("child", me is threading.main_thread(), me.daemon,
              [t is me for t in threading.enumerate()], flush=True)
        print("alive", me.is_alive(), me.ident == threading.get_ident(), flush=True)
        os._exit(0)
    result["status"] = os.waitpid(pid, 0)[1]
_thread.start_new_thread(alien, ())
deadline = time.monotonic() + 60
while "status" not in result and time.monotonic() < deadline:
    time.sleep(0.01)
print("parent", os.waitstatus_to_exitcode(result["status"]), flush=True)
"""


class TestFork:
    @clause("THREAD-FORK-01")
    def test_fork_in_the_main_thread(self, backend: Any, backend_name: str) -> None:
        proc = run_script(backend_name, _FORK_IN_MAIN)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [
            "child True [True] 1 False main's True",
            "late",
            "parent 0",
        ], proc.stdout

    @clause("THREAD-FORK-01")
    def test_fork_in_another_thread(self, backend: Any, backend_name: str) -> None:
        proc = run_script(backend_name, _FORK_IN_THREAD)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [
            "child forker True [True] False",
            "main's value gone True",
            "new",
            "joined False 1",
            "parent 0",
        ], proc.stdout

    @clause("THREAD-FORK-02")
    # An alien thread that forks becomes the child's main thread, whether or not this
    # backend had seen it (as a dummy thread) before the fork.
    @pytest.mark.parametrize("seen", [True, False])
    def test_fork_in_an_alien_thread(self, backend: Any, backend_name: str, seen: bool) -> None:
        proc = run_script(backend_name, _FORK_IN_ALIEN.replace("SEEN", str(seen)))
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        if issubclass(backend.Thread, threading.Thread) and lines[0] == "child True True [True]":
            # Threads that are CPython's own (stdlib, or a backend that wraps its
            # threads) before gh-102512: the child's main thread stays a dummy.
            lines[0] = "child True False [True]"
        assert lines == ["child True False [True]", "alive True True", "parent 0"], proc.stdout


@clause("THREAD-JOIN-02")
@pytest.mark.parametrize("timeout", [0, -1, 0.05])
def test_short_join_timeouts_return_at_their_timeout(backend: Any, timeout: float) -> None:
    """join(timeout) returns when the timeout occurs: five joins of a short (or zero, or
    negative) timeout on a live thread take far less than a second each, not a second."""
    release = backend.Event()
    thread = backend.Thread(target=release.wait, args=(LONG,))
    thread.start()
    try:
        started = time.monotonic()
        for _ in range(5):
            thread.join(timeout)
            assert thread.is_alive()
        assert time.monotonic() - started < 2.5
    finally:
        release.set()
        thread.join(LONG)
    assert not thread.is_alive()
