"""Hand blocking work to a real OS thread: :func:`run_in_thread`.

A green thread runs until it blocks *in the backend*; a call that blocks its OS thread
in some other way (a blocking socket or file call, :func:`time.sleep`, a long C call)
stops every green thread of that OS thread.  :func:`run_in_thread` runs such a call in
a worker OS thread instead, and the calling green thread waits for it on a green lock,
which the worker releases when the call is over: the other green threads run meanwhile,
and the release wakes the caller's hub from the worker's OS thread, race-free.

The workers are one pool for the whole process: daemon :class:`threading.Thread`\\ s,
started on demand up to :data:`MAX_WORKERS` (more calls wait in a backlog that the busy
workers take from), each ending after :data:`IDLE_SECONDS` without work.  The pool
knows, under its own lock, which workers are idle, and tells
:mod:`~anythread_backends.cooperative._foreign`: a busy worker may still wake a green
thread (so no DeadlockError is raised while one runs), an idle one may not.

A call made while no worker can be started (at interpreter exit on Python 3.12 and
later, which refuses new threads, and no worker is left) runs in the calling thread.
After :func:`os.fork` the child starts with an empty pool.
"""

from __future__ import annotations

import _thread
import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

from anythread_backends.cooperative import _foreign
from anythread_backends.cooperative._hub import GreenLock, Task

__all__ = ["IDLE_SECONDS", "MAX_WORKERS", "run_in_thread"]

_T = TypeVar("_T")

#: The most worker threads alive at once.
MAX_WORKERS = 32
#: How long an idle worker waits for work before it ends.
IDLE_SECONDS = 5.0


class _Job:
    __slots__ = ("args", "done", "error", "function", "result")

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...], done: Any) -> None:
        self.function = function
        self.args = args
        #: released (by the worker) when the call is over: a green lock, or None
        self.done = done
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.function(*self.args)
        except BaseException as exc:  # handed to the caller, whatever it is
            self.error = exc
        finally:
            self.done.release()


class _Worker:
    __slots__ = ("job", "signal")

    def __init__(self, job: _Job | None) -> None:
        self.job = job
        # Locked while the worker waits for a job; released by whoever gives it one.
        self.signal = _thread.allocate_lock()
        self.signal.acquire()


class _Pool:
    """The worker threads, the idle ones, and the calls waiting for a worker."""

    def __init__(self) -> None:
        self.lock = _thread.allocate_lock()
        self.idle: list[tuple[int, _Worker]] = []
        self.backlog: deque[_Job] = deque()
        self.count = 0  # workers alive (busy or idle)
        self.started = 0

    def submit(self, job: _Job) -> bool:
        """Give ``job`` to a worker; False if no worker exists or can be started."""
        with self.lock:
            if self.idle:
                ident, worker = self.idle.pop()
                # Busy from now on, before the caller blocks: no DeadlockError for it.
                _foreign.idle_workers.discard(ident)
                worker.job = job
                worker.signal.release()
                return True
            if self.count >= MAX_WORKERS:
                self.backlog.append(job)
                return True
            self.count += 1
            self.started += 1
            number = self.started
        thread = threading.Thread(
            target=self._work, args=(_Worker(job),), name=f"anythread-offload-{number}"
        )
        thread.daemon = True
        try:
            thread.start()
        except RuntimeError:  # no new threads (interpreter shutdown on 3.12+)
            with self.lock:
                self.count -= 1
                if self.count == 0:
                    return False
                self.backlog.append(job)  # a busy worker takes it
            return True
        return True

    def _work(self, worker: _Worker) -> None:
        ident = _thread.get_ident()
        job = worker.job
        while job is not None:
            worker.job = None
            job.run()
            job = self._next_job(ident, worker)

    def _next_job(self, ident: int, worker: _Worker) -> _Job | None:
        with self.lock:
            if self.backlog:
                return self.backlog.popleft()
            self.idle.append((ident, worker))
            _foreign.idle_workers.add(ident)
        if worker.signal.acquire(True, IDLE_SECONDS):
            return worker.job
        with self.lock:
            if (ident, worker) in self.idle:
                self.idle.remove((ident, worker))
                _foreign.idle_workers.discard(ident)
                self.count -= 1
                return None
        # Given a job just as the wait timed out.
        worker.signal.acquire()
        return worker.job


_pool = _Pool()


def _reset_after_fork() -> None:
    # Only the forking thread survives: no worker exists in the child.
    global _pool
    _pool = _Pool()
    _foreign.idle_workers.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _kernel_for(backend: Any) -> Any:
    """The green kernel the caller waits in, or None (then the call simply blocks)."""
    from anythread_backends.cooperative._kernel import GreenKernel

    glet = greenlet.getcurrent()
    if backend is None and type(glet) is Task:
        return glet.hub.kernel
    if backend is None:
        import anythread

        if not anythread.current_backend().fixed:
            # The facade is unused: no green thread of its backend can be waiting here
            # (and asking for its backend would make the choice final).
            return None
        backend = anythread.get_backend()
    kernel = getattr(getattr(backend, "waits", None), "kernel", None)
    return kernel if isinstance(kernel, GreenKernel) else None


def run_in_thread(function: Callable[..., _T], /, *args: Any, backend: Any = None) -> _T:
    """Call ``function(*args)`` in a real OS thread and return its result; the calling
    green thread waits for it without blocking the other green threads.

    Meant for blocking work the backend cannot make cooperative: a blocking socket or
    file call, :func:`time.sleep`, a long C call.  An exception raised by ``function``
    is raised here.  Where no green thread could run meanwhile (on another backend, or
    in an OS thread's main code before anything has used the ``anythread`` facade), it
    simply calls ``function(*args)``.

    :param function: what to call; use :func:`functools.partial` for keyword arguments.
    :param args: its positional arguments.
    :param backend: the cooperative backend whose green threads keep running meanwhile;
        by default the calling green thread's own or, in an OS thread's main code, the
        backend that the ``anythread`` facade serves (once it has been used).  Pass it
        for a backend made with :func:`make_backend` or ``anythread.get_backend(name)``.
    :returns: what ``function(*args)`` returned.
    """
    kernel = _kernel_for(backend)
    if kernel is None:
        return function(*args)
    done = GreenLock(kernel)
    done.acquire()
    job = _Job(function, args, done)
    if not _pool.submit(job):
        return function(*args)
    done.acquire()
    if job.error is not None:
        try:
            raise job.error
        finally:
            job = None  # type: ignore[assignment]  # no cycle through the traceback
    result: _T = job.result
    return result
