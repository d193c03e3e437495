"""Helpers the contract tests share: starting threads, bounded waits, timing checks.

Every helper drives the backend under test through its own primitives
(``backend.Thread``, ``backend.sleep``...), so that a cooperative backend gets
scheduled, and every wait has a deadline, so that a wrong backend fails a test instead of
hanging it.  Timing checks are one-sided and generous: a timeout must never return
early, and may return late by :data:`LATE` seconds of scheduling noise.

This module must not import a backend, and must not wait without a bound.
"""

from __future__ import annotations

import _thread
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "LATE",
    "LONG",
    "ODD_TIMEOUTS",
    "PROMPT",
    "SHORT",
    "BlockProbe",
    "Clock",
    "Worker",
    "assert_not_early",
    "assert_prompt",
    "call_promptly",
    "elapsed",
    "in_alien_thread",
    "needs_own_os_threads",
    "run_in_alien",
    "run_script",
    "settle",
    "spawn",
    "wait_until",
]

#: The bound on any wait for another thread to do something (seconds).  Generous: the
#: machines that run the suite are shared and noisy.  ``--anythread-patience`` sets it
#: before the test modules are imported (they read it at import).
LONG = 10.0
#: The timeout the suite uses when it wants a timeout to expire.
SHORT = 0.1
#: How late a timeout may return (seconds) before the suite calls it wrong.
LATE = 5.0
#: The bound on every wakeup the spec promises (a release, notify, set, abort, reset,
#: cancel, a thread's end): the woken thread must be running again within PROMPT seconds,
#: although its own timeout is :data:`LONG`.  A backend that leaves a waiter blocked
#: until its own timeout (or until its next poll) fails here in PROMPT seconds instead of
#: passing after a long wait.  Two seconds is a hundred times what a correct backend needs
#: even on a loaded 2-core machine shared with other jobs (scheduling noise stays well
#: under 100 ms there), and still far under the default patience of 10 s.  It is only
#: meaningful while ``LONG`` (``--anythread-patience``) is larger.
PROMPT = 2.0
#: Timeouts that are not round numbers: a backend that rounds (to tenths, to whole
#: seconds, to a scheduler tick) returns early with at least one of them.
ODD_TIMEOUTS = (0.05, 0.25)
#: Tolerance for clocks that round: a timeout may appear this much early.
_EPSILON = 0.002


class Worker:
    """A started thread of the backend under test, whose outcome the test can check.

    The target's return value is kept in :attr:`result`; an exception it raises is kept
    and re-raised by :meth:`join` in the test's thread, instead of reaching excepthook.
    Workers are daemon threads unless asked otherwise: a wrong backend may leave one
    blocked for ever, and that must fail a test, not stop the test process from exiting.
    """

    def __init__(
        self,
        backend: Any,
        target: Callable[..., Any],
        args: tuple[Any, ...] = (),
        *,
        name: str | None = None,
        daemon: bool | None = True,
    ) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False

        def body() -> None:
            try:
                self.result = target(*args)
            except BaseException as exc:
                self.error = exc
            finally:
                self.done = True

        self.thread: Any = backend.Thread(target=body, name=name, daemon=daemon)
        self.thread.start()

    def join(self, timeout: float | None = None) -> Any:
        """Join the thread within ``timeout`` (default :data:`LONG`); re-raise its error;
        return its result."""
        timeout = LONG if timeout is None else timeout
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError(f"thread {self.thread.name!r} still running after {timeout}s")
        return self.outcome()

    def outcome(self) -> Any:
        """The target's result, or re-raise its error; the target must have finished."""
        assert self.done, f"thread {self.thread.name!r} has not finished"
        if self.error is not None:
            raise self.error
        return self.result


def spawn(
    backend: Any,
    target: Callable[..., Any],
    *args: Any,
    name: str | None = None,
    daemon: bool | None = True,
) -> Worker:
    """Start ``target(*args)`` in a new thread of ``backend``; return its :class:`Worker`."""
    return Worker(backend, target, args, name=name, daemon=daemon)


def wait_until(
    backend: Any,
    predicate: Callable[[], object],
    timeout: float | None = None,
    what: str = "condition",
) -> None:
    """Poll ``predicate`` until true, sleeping through ``backend.sleep``; fail after
    ``timeout`` (default :data:`LONG`)."""
    timeout = LONG if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        backend.sleep(0.002)


def assert_prompt(backend: Any, workers: list[Worker], what: str) -> list[Any]:
    """Assert that every worker's target returns within :data:`PROMPT` seconds from now
    (what was done to wake them: ``what``); return their outcomes (re-raising an error).

    Finishing is read from the worker's own flag, not through ``join()``, so a backend
    whose ``join()`` is wrong cannot make a prompt wakeup look late or the reverse.
    """
    start = time.monotonic()
    deadline = start + PROMPT
    while not all(worker.done for worker in workers):
        if time.monotonic() > deadline:
            stuck = sum(1 for worker in workers if not worker.done)
            raise AssertionError(
                f"{stuck} of {len(workers)} waiting thread(s) still blocked {PROMPT}s after "
                f"{what}: a wakeup must be prompt, not left to the waiter's own timeout "
                f"({LONG}s) or to a poll"
            )
        backend.sleep(0.002)
    return [worker.outcome() for worker in workers]


def call_promptly(backend: Any, function: Callable[..., Any], *args: Any, what: str) -> Any:
    """Call ``function(*args)`` in a new thread; assert it returns (or raises) within
    :data:`PROMPT` seconds; return its result or re-raise its error.

    For calls that must not block (a timeout of 0, a timeout over TIMEOUT_MAX): a wrong
    backend leaves a stranded daemon thread and a failed test, not a hung run.
    """
    worker = spawn(backend, function, *args)
    return assert_prompt(backend, [worker], what)[0]


def settle(backend: Any, seconds: float = 0.05) -> None:
    """Give a *wrong* backend the chance to misbehave before a negative check.

    Never used to wait for another thread to do something: a correct backend passes
    whatever happens during this pause.
    """
    backend.sleep(seconds)


class BlockProbe:
    """Runs a call in a thread and tells other threads when that thread is blocked in it.

    Nothing in the threading API tells that a thread is blocked in, say,
    ``Event.wait()``; a test that needs it (a wakeup followed at once by its undoing)
    must not guess with a pause.  While :meth:`call` runs, a profile function (installed
    with :func:`sys.setprofile` for the calling thread only, the previous one restored
    after) keeps the stack of calls in progress inside it: Python frames and calls of C
    functions.  A thread that finds a C call innermost has been given the interpreter by
    that call: the call let go of the GIL (a lock's acquire, a sleep) or switched to
    another thread of the same OS thread (a greenlet's switch): the caller is blocked in
    it.  :meth:`blocked` asks for the same C call at two looks in a row, so a call that
    lets go of the GIL only for a moment (a write) is not taken for a block.

    Threads of one OS thread (green threads) share its profile function, and may run
    their calls interleaved: so the probes of one OS thread share one profile function,
    installed by the first call that starts there and taken out (the previous one put
    back) by the last that ends, whatever their order.

    :param backend: the backend under test (threads of one OS thread are told apart by
        its ``get_ident``).
    """

    def __init__(self, backend: Any) -> None:
        self._get_ident = backend.get_ident
        self._ident: int | None = None
        self._stack: list[bool] = []  # True: a C call; False: a Python frame
        self._calls = 0  # calls of C functions so far
        self._seen = -1  # _calls when blocked() last found a C call innermost

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Call ``function(*args)`` in this thread, watched; return its result."""
        os_thread = _thread.get_ident()
        self._ident = self._get_ident()
        with _PROBES_LOCK:  # (held for a few operations, never across a switch)
            watched, previous = _PROBED.get(os_thread, ({}, None))
            if not watched:
                previous = sys.getprofile()
                sys.setprofile(_profile_probes)
            watched[self._ident] = self
            _PROBED[os_thread] = (watched, previous)
        try:
            return function(*args)
        finally:
            with _PROBES_LOCK:
                del watched[self._ident]
                if not watched:
                    del _PROBED[os_thread]
                    sys.setprofile(previous)
            self._ident = None

    def _profile(self, event: str) -> None:
        if event == "c_call":
            self._stack.append(True)
            self._calls += 1
        elif event == "call":
            self._stack.append(False)
        elif event in ("c_return", "c_exception", "return") and self._stack:
            self._stack.pop()

    def blocked(self) -> bool:
        """Return whether the watched thread is blocked in a C call, the same one as
        at the previous look (call it repeatedly, as :func:`wait_until` does)."""
        calls, stack = self._calls, self._stack
        if self._ident is None or not stack or not stack[-1]:
            self._seen = -1
            return False
        if calls != self._seen:
            self._seen = calls
            return False
        return True


# Per OS thread: the probes calling there now (by the backend's thread identifier) and
# the profile function to put back when the last one ends.
_PROBED: dict[int, tuple[dict[int, BlockProbe], Any]] = {}
_PROBES_LOCK = _thread.allocate_lock()


def _profile_probes(frame: Any, event: str, arg: Any) -> None:
    watched = _PROBED.get(_thread.get_ident())
    if watched:
        for probe in watched[0].values():
            if probe._get_ident() == probe._ident:
                probe._profile(event)
                return


class Clock:
    """The elapsed time of a block, on the real monotonic clock."""

    start: float = 0.0
    seconds: float = 0.0


@contextmanager
def elapsed() -> Iterator[Clock]:
    """Measure the wall time of the ``with`` block."""
    clock = Clock()
    clock.start = time.monotonic()
    try:
        yield clock
    finally:
        clock.seconds = time.monotonic() - clock.start


def assert_not_early(clock: Clock, timeout: float, late: float = LATE) -> None:
    """Assert that a timeout of ``timeout`` seconds neither returned early nor very late."""
    assert clock.seconds >= timeout - _EPSILON, (
        f"a timeout of {timeout}s returned early, after {clock.seconds:.4f}s"
    )
    assert clock.seconds <= timeout + late, (
        f"a timeout of {timeout}s returned after {clock.seconds:.2f}s (allowed: {late}s late)"
    )


def _child_env(backend_name: str) -> dict[str, str]:
    env = dict(os.environ)
    env["ANYTHREAD_BACKEND"] = backend_name
    env["PYTHONPATH"] = os.pathsep.join(
        [p for p in sys.path if p and os.path.isdir(p)]
        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    return env


def run_script(
    backend_name: str, source: str, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` in a fresh interpreter with ``ANYTHREAD_BACKEND=backend_name``.

    The parent's ``ANYTHREAD_PLUGINS`` and import path are forwarded, so a backend that is
    registered only for this run (not packaged) is found in the child too.
    """
    return subprocess.run(
        [sys.executable, "-c", source],
        env=_child_env(backend_name),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def in_alien_thread(backend: Any, probe: Any) -> Any:
    """Run ``probe(dummy, ident)`` in a thread started with ``_thread``, outside the backend.

    The alien thread looks up ``current_thread()`` and then stays parked (on a ``_thread``
    lock, bounded) while the test inspects the dummy object from its own thread.
    """
    result: dict[str, Any] = {}
    park = _thread.allocate_lock()
    park.acquire()

    def alien() -> None:
        try:
            result["dummy"] = backend.current_thread()
            result["ident"] = _thread.get_ident()
        except BaseException as exc:
            result["error"] = exc
        finally:
            result["ready"] = True
            park.acquire(True, LONG)
            result["done"] = True

    _thread.start_new_thread(alien, ())
    try:
        wait_until(backend, lambda: "ready" in result, what="the alien thread to start")
        if "error" in result:
            raise result["error"]
        return probe(result["dummy"], result["ident"])
    finally:
        park.release()
        wait_until(backend, lambda: "done" in result, what="the alien thread to finish")


def run_in_alien(backend: Any, function: Callable[[], Any]) -> Any:
    """Run ``function()`` in a thread started with ``_thread``, outside the backend (an
    alien thread); wait for it (bounded); return its result or re-raise its error."""
    result: dict[str, Any] = {}

    def alien() -> None:
        try:
            result["value"] = function()
        except BaseException as exc:
            result["error"] = exc
        finally:
            result["done"] = True

    _thread.start_new_thread(alien, ())
    wait_until(backend, lambda: "done" in result, what="the alien thread to finish")
    if "error" in result:
        raise result["error"]
    return result.get("value")


def needs_own_os_threads(backend: Any) -> None:
    """Skip the calling test unless each thread of ``backend`` is an OS thread of its own.

    Tests that stop a thread at every step of a call with :func:`sys.setprofile` need
    it: a profile function reaches only the OS thread that installed it, so on a backend
    whose threads share OS threads (green threads) it would stop the others too.
    """
    import pytest

    from anythread.protocols import Backend, Capability

    if isinstance(backend, Backend) and Capability.PREEMPTIVE in backend.capabilities:
        return
    pytest.skip(
        "this test stops a thread with sys.setprofile, which reaches every thread that "
        "shares its OS thread: it needs a backend whose threads are OS threads "
        f"(capability {Capability.PREEMPTIVE.value!r})"
    )
