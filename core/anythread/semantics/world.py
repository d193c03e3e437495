"""The state one backend built by :func:`~anythread.semantics.from_kernel` keeps.

A *world* is everything that ``threading`` keeps in module globals: the kernel, the
registry of alive threads (by identifier), the threads being started, the main thread,
the ``Thread-N`` counter, the trace and profile functions, and the owners of per-thread
data (such as ``local`` objects) to tell when a thread ends.  Each ``from_kernel`` call
makes a new world, so two backends never share a thread registry.

This module holds state and the few operations on that state alone; what a thread *is*
(its lifecycle, the exit rule, the reset after a fork) lives in
:mod:`~anythread.semantics.thread`, and what a ``local`` is, in
:mod:`~anythread.semantics.local`.  It imports neither of them (not even for typing),
must not import ``threading``, and must not wait on anything but kernel locks.
"""

from __future__ import annotations

import functools
import itertools
import sys
import weakref
from collections.abc import Callable
from typing import Any, Protocol

from anythread.protocols import (
    Kernel,
    KernelDaemonPolicy,
    KernelMainThread,
    KernelThreadEnd,
    KernelThreadHooks,
)
from anythread.semantics.waitqueue import WaitRegistry

__all__ = ["ThreadDataOwner", "ThreadEntry", "World"]


class ThreadEntry(Protocol):
    """What the world's registry holds: an object standing for one thread."""

    @property
    def name(self) -> str: ...
    @property
    def ident(self) -> int | None: ...
    @property
    def daemon(self) -> bool: ...

    @property
    def _is_dummy(self) -> bool:
        """Whether it stands for an alien thread (a dummy thread)."""
        ...


class ThreadDataOwner(Protocol):
    """An object that keeps data per thread identifier (a ``local``'s storage, say).

    The world holds owners weakly: registering one never keeps it alive.
    """

    def forget_thread(self, ident: int, /) -> None:
        """Drop whatever is kept for thread ``ident``: that thread has ended."""
        ...


def _not_built(*args: object) -> Any:
    raise RuntimeError("this anythread world is not fully built yet")


def _always() -> bool:
    return True


def _no_hooks_yet() -> tuple[Any, Any]:
    # (The main thread is made before the hooks: it never runs, so never needs them.)
    return None, None


def _install_with_sys(trace: Any, profile: Any) -> None:
    # The layer's way, for kernels whose threads are OS threads: the functions go to
    # sys in the new thread, the one that will run (CPython's _bootstrap_inner).
    if trace is not None:
        sys.settrace(trace)
    if profile is not None:
        sys.setprofile(profile)


class World:
    """The shared state of one backend.

    :ivar kernel: the kernel every object is built on.
    :ivar active: alive threads (started ones, the main thread, dummy threads) by ident.
    :ivar limbo: threads whose ``start()`` is running but which are not yet registered
        (by ``id()`` of the thread object).
    :ivar main: the main thread object, once the thread classes are built.
    :ivar backend: the backend namespace (the excepthook is looked up on it).
    """

    def __init__(self, kernel: Kernel, lock_factory: Callable[[], Any]) -> None:
        self.kernel = kernel
        #: the threads parked right now, and on what (read by hang and deadlock reports)
        self.waits = WaitRegistry(kernel)
        #: makes the locks this world guards its own state with (context managers)
        self.lock_factory = lock_factory
        self.lock = lock_factory()
        self.active: dict[int, ThreadEntry] = {}
        self.limbo: dict[int, ThreadEntry] = {}
        self.main: ThreadEntry | None = None
        self.backend: Any = None
        self.trace: Any = None
        self.profile: Any = None
        #: installs ``trace`` and ``profile`` in a new thread before its run() (a kernel
        #: extra, for threads that share an OS thread; sys's, by default)
        self.install_thread_hooks: Callable[[Any, Any], None] = (
            kernel.install_thread_hooks
            if isinstance(kernel, KernelThreadHooks)
            else _install_with_sys
        )
        self._counter = itertools.count(1)
        #: ident -> the owners that keep data for that thread (read without the lock:
        #: ``ident in owners`` tells whether :meth:`thread_ended` has anything to do)
        self.owners: dict[int, weakref.WeakSet[ThreadDataOwner]] = {}
        #: asks the kernel to run a callback when the calling alien thread ends (the
        #: KernelThreadEnd extra), so that its per-thread data is dropped then
        self.register_thread_end: Callable[[Callable[[], object]], None] | None = (
            kernel.register_thread_end if isinstance(kernel, KernelThreadEnd) else None
        )
        #: whether the exit rule is registered (the thread module arms it)
        self.exit_armed = False
        #: whether the exit rule was ever registered with :func:`atexit`
        self.exit_atexit_registered = False
        #: whether daemon threads may be started (a kernel extra; always, by default)
        self.daemon_threads_allowed: Callable[[], bool] = (
            kernel.daemon_threads_allowed if isinstance(kernel, KernelDaemonPolicy) else _always
        )
        if isinstance(kernel, KernelMainThread):
            self.main_ids: tuple[int, int | None] = kernel.main_thread_ids()
        else:
            self.main_ids = (kernel.get_ident(), kernel.get_native_id())
        # Set when the thread classes and hooks of this world are built.
        self.current_thread: Callable[[], Any] = _not_built
        self.invoke_excepthook: Callable[[Any], None] = _not_built
        #: ``(excepthook, sys.excepthook)`` as they are now, which a new thread keeps to
        #: fall back on; raises RuntimeError if either is None (set with the hooks)
        self.excepthooks_now: Callable[[], tuple[Any, Any]] = _no_hooks_yet

    def new_name(self, template: str) -> str:
        """Return ``template % n`` with the next number of this world's counter."""
        return template % next(self._counter)

    # ------------------------------------------------------------------ per-thread data

    def keeps_data_for(self, ident: int, owner: ThreadDataOwner) -> None:
        """Record that ``owner`` keeps data for thread ``ident``.

        When that thread ends, ``owner.forget_thread(ident)`` is called (unless the
        owner has been garbage-collected by then).
        """
        register = self.register_thread_end
        watch = False
        with self.lock:
            owners = self.owners.get(ident)
            if owners is None:
                owners = self.owners[ident] = weakref.WeakSet()
                # The first data kept for an alien thread (one the backend did not
                # start, seen as a dummy or not seen yet): the layer never sees it end,
                # so it asks the kernel to say when (the calling thread is that thread).
                entry = self.active.get(ident)
                watch = entry is None or entry._is_dummy
            owners.add(owner)
        if watch and register is not None:
            register(functools.partial(self.thread_ended, ident))

    def thread_ended(self, ident: int) -> None:
        """Tell every owner of data for thread ``ident`` to forget it."""
        if ident not in self.owners:
            # Nothing kept for it (the common case at a thread's start): no lock taken.
            # No owner can register for ``ident`` meanwhile: only that thread itself
            # does, and it is the caller or has ended.
            return
        with self.lock:
            owners = self.owners.pop(ident, None)
        if owners is not None:
            for owner in list(owners):
                owner.forget_thread(ident)

    # ------------------------------------------------------------------ fork

    def reset_after_fork(self, survivor: int) -> None:
        """Start over in a forked child, where only thread ``survivor`` exists.

        Replaces the lock (a thread that no longer exists may have held it at the moment
        of the fork), empties the registries, forgets the data of every other thread and
        disarms the exit rule (the child's kernel forgot it).  The thread module then
        registers the survivor.
        """
        self.lock = self.lock_factory()
        self.active = {}
        self.limbo = {}
        self.main_ids = (survivor, self.kernel.get_native_id())
        self.exit_armed = False
        for ident in [i for i in self.owners if i != survivor]:
            for owner in list(self.owners.pop(ident)):
                owner.forget_thread(ident)
