"""The ``pure`` backend: the ``_thread`` module as a kernel, plus the semantics layer.

Every object above the primitive lock is anythread's own Python code
(:mod:`anythread.semantics`); the kernel is the public part of ``_thread`` and
``time``.  It also declares the kernel extras that ``_thread`` can honour:

* its locks check their arguments like CPython's (``Lock()`` is ``_thread``'s lock);
* named threads: each thread is started as a ``threading.Thread`` whose name *is* the
  anythread thread's, so code that uses the standard library's ``threading`` inside it
  (``logging``'s ``%(threadName)s``, ``concurrent.futures``, debuggers) sees its real
  name, and ``threading`` forgets it when it ends;
* ``stack_size`` (``_thread.stack_size``);
* the main thread's identifiers (``threading.main_thread()``, read once);
* on Python 3.12+, whether daemon threads are allowed (``_thread.daemon_threads_allowed``);
* when a thread it did not start ends (a ``threading.local`` of the standard library's
  drops a token then), so that such a thread's ``local`` values are dropped with it;
* fork hooks (:func:`os.register_at_fork`): the child keeps only the forking thread;
* an exit hook: when the first non-daemon thread starts, a small non-daemon
  ``threading.Thread`` waits for the main thread to finish and then runs the exit rule
  (anythread's main thread is marked stopped, non-daemon threads are joined).  The
  interpreter joins that helper before it finalizes, so the backend's non-daemon threads
  are waited for exactly when CPython waits for its own (and may still start threads
  meanwhile, which :func:`atexit` callbacks cannot on Python 3.12).

It exports one object, :data:`backend`.
"""

from __future__ import annotations

import _thread
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from anythread.protocols import Capability, KernelLock, NamedThread
from anythread.semantics import from_kernel
from anythread_backends._thread_end import ThreadEndNotices

__all__ = ["backend"]


class _StdlibView(threading.Thread):
    """How the standard library's ``threading`` sees a thread that ``pure`` started.

    A real ``threading.Thread``, so ``threading`` registers it while it runs and forgets
    it when it ends, like its own threads.  Its name is the anythread thread's, read at
    each use (a rename on either side shows on both), and so is its daemon flag.
    """

    def __init__(self, function: Callable[[], object], thread: NamedThread) -> None:
        super().__init__(name=thread.name, daemon=thread.daemon)
        self._anythread_function: Callable[[], object] | None = function
        self._anythread = thread

    @property
    def name(self) -> str:
        return self._anythread.name

    @name.setter
    def name(self, name: str) -> None:
        self._anythread.name = name

    def run(self) -> None:
        function, self._anythread_function = self._anythread_function, None
        if function is not None:
            function()

    def __repr__(self) -> str:
        return repr(self._anythread)


class ThreadKernel:
    """The ``_thread`` module seen as an anythread kernel (with its extras)."""

    TIMEOUT_MAX: float = _thread.TIMEOUT_MAX
    locks_check_arguments = True

    def __init__(self) -> None:
        self._exit_callbacks: list[Callable[[], object]] = []
        self._exit_lock = _thread.allocate_lock()
        self._watcher_started = False
        self._fork_callbacks: list[Callable[[], object]] = []
        # The process the thread-end callbacks run in (a forked child's, once reset).
        self._pid = os.getpid()
        self._thread_ends = ThreadEndNotices(lambda: os.getpid() == self._pid)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork_in_child)

    # ------------------------------------------------------------------ primitives

    # The kernel's lock is _thread's own, so pure's Lock is threading's: the function
    # _thread.allocate_lock, and from Python 3.13 on the lock's class (then
    # isinstance(x, Lock) works, as it does on threading.Lock).
    allocate_lock: Callable[[], KernelLock] = staticmethod(
        _thread.LockType if sys.version_info >= (3, 13) else _thread.allocate_lock
    )

    @staticmethod
    def start_new_thread(
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> int:
        if kwargs is None:
            return _thread.start_new_thread(function, args)
        return _thread.start_new_thread(function, args, kwargs)

    get_ident = staticmethod(_thread.get_ident)
    get_native_id = staticmethod(_thread.get_native_id)
    sleep = staticmethod(time.sleep)
    monotonic = staticmethod(time.monotonic)

    # ------------------------------------------------------------------ extras

    stack_size = staticmethod(_thread.stack_size)

    @staticmethod
    def start_named_thread(function: Callable[[], object], thread: NamedThread) -> _StdlibView:
        view = _StdlibView(function, thread)
        view.start()
        return view

    @staticmethod
    def main_thread_ids() -> tuple[int, int | None]:
        main = threading.main_thread()
        ident = main.ident
        assert ident is not None
        return ident, main.native_id

    if sys.version_info >= (3, 12):
        # Public in _thread since 3.12: a subinterpreter may forbid daemon threads.
        daemon_threads_allowed = staticmethod(_thread.daemon_threads_allowed)

    def register_thread_end(self, callback: Callable[[], object]) -> None:
        self._thread_ends.register(callback)

    def register_after_fork(self, callback: Callable[[], object]) -> None:
        self._fork_callbacks.append(callback)

    def register_exit_hook(self, callback: Callable[[], object]) -> None:
        with self._exit_lock:
            self._exit_callbacks.append(callback)
            if self._watcher_started:
                return
            self._watcher_started = True
        # The only public way for a program to make the interpreter wait at exit is a
        # non-daemon threading.Thread; this one waits for the main thread, then runs
        # the callbacks.
        watcher = threading.Thread(
            target=self._run_exit_callbacks,
            args=(threading.main_thread(),),
            name="anythread-pure-exit",
            daemon=False,
        )
        try:
            watcher.start()
        except BaseException:
            with self._exit_lock:
                self._watcher_started = False
                self._exit_callbacks.remove(callback)
            raise

    def _run_exit_callbacks(self, main: Any) -> None:
        main.join()
        while True:
            with self._exit_lock:
                if not self._exit_callbacks:
                    self._watcher_started = False
                    return
                callback = self._exit_callbacks.pop(0)
            callback()

    def _after_fork_in_child(self) -> None:
        # The watcher thread did not survive the fork; the worlds re-arm it on demand.
        self._exit_lock = _thread.allocate_lock()
        self._exit_callbacks = []
        self._watcher_started = False
        for callback in self._fork_callbacks:
            callback()
        # Only now: the threads the fork left behind are forgotten, and the world reset.
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return "<anythread _thread kernel>"


def _capabilities() -> frozenset[Capability]:
    capabilities = set(Capability)
    if not hasattr(os, "fork"):
        capabilities.discard(Capability.FORK)
    if os.name != "posix":
        # Only POSIX lock acquires are interrupted by signals.
        capabilities.discard(Capability.SIGNAL_INTERRUPTIBLE)
    return frozenset(capabilities)


#: The backend object: ``_thread`` + :mod:`anythread.semantics`.
backend = from_kernel(ThreadKernel(), "pure", capabilities=_capabilities())
