"""The state one backend built by :func:`~anythread.semantics.from_kernel` keeps.

A *world* is everything that ``threading`` keeps in module globals: the kernel, the
registry of alive threads (by identifier), the threads being started, the main thread,
the ``Thread-N`` counter, the trace and profile functions, the per-thread values of
every ``local`` object, and whether the exit rule is armed.  Each ``from_kernel`` call
makes a new world, so two backends never share a thread registry.

This module keeps state and the bookkeeping around it; the classes users see live in
the sibling modules.  It must not import ``threading`` and must not wait on anything but
kernel locks.
"""

from __future__ import annotations

import atexit
import itertools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from anythread.protocols import (
    Kernel,
    KernelDaemonPolicy,
    KernelExitHook,
    KernelForkHooks,
    KernelMainThread,
)
from anythread.semantics.waitqueue import WaitRegistry

if TYPE_CHECKING:
    from anythread.semantics.local import LocalImpl
    from anythread.semantics.thread import ThreadBase

__all__ = ["World"]


def _not_built(*args: object) -> Any:
    raise RuntimeError("this anythread world is not fully built yet")


def _always() -> bool:
    return True


class World:
    """The shared state of one backend.

    :ivar kernel: the kernel every object is built on.
    :ivar active: alive threads (started ones, the main thread, dummy threads) by ident.
    :ivar limbo: threads whose ``start()`` is running but which are not yet registered.
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
        self.active: dict[int, ThreadBase] = {}
        self.limbo: dict[int, ThreadBase] = {}
        self.main: ThreadBase | None = None
        self.backend: Any = None
        self.trace: Any = None
        self.profile: Any = None
        self._counter = itertools.count(1)
        # ident -> the local objects that hold a value for that thread
        self._locals: dict[int, weakref.WeakSet[LocalImpl]] = {}
        self._exit_armed = False
        self._exit_hooks_seen = False
        #: whether daemon threads may be started (a kernel extra; always, by default)
        self.daemon_threads_allowed: Callable[[], bool] = (
            kernel.daemon_threads_allowed if isinstance(kernel, KernelDaemonPolicy) else _always
        )
        if isinstance(kernel, KernelMainThread):
            self.main_ids: tuple[int, int | None] = kernel.main_thread_ids()
        else:
            self.main_ids = (kernel.get_ident(), kernel.get_native_id())
        # Set when the thread classes and hooks of this world are built.
        self.current_thread: Callable[[], ThreadBase] = _not_built
        self.invoke_excepthook: Callable[[ThreadBase], None] = _not_built
        if isinstance(kernel, KernelForkHooks):
            kernel.register_after_fork(self._after_fork_in_child)

    # ------------------------------------------------------------------ names

    def new_name(self, template: str) -> str:
        """Return ``template % n`` with the next number of this world's counter."""
        return template % next(self._counter)

    # ------------------------------------------------------------------ locals

    def note_local(self, ident: int, impl: LocalImpl) -> None:
        """Record that ``impl`` holds a value for thread ``ident`` (dropped at its end)."""
        with self.lock:
            owners = self._locals.get(ident)
            if owners is None:
                owners = self._locals[ident] = weakref.WeakSet()
            owners.add(impl)

    def drop_thread_data(self, ident: int) -> None:
        """Forget every value that thread ``ident`` holds in ``local`` objects."""
        with self.lock:
            owners = self._locals.pop(ident, None)
        if owners is not None:
            for impl in list(owners):
                impl.dicts.pop(ident, None)

    # ------------------------------------------------------------------ exit rule

    def arm_exit_rule(self) -> None:
        """Make sure the program will wait for non-daemon threads at exit.

        Called when a non-daemon thread starts; the hook is registered once per world
        (and again in a forked child, whose kernel forgot it).
        """
        with self.lock:
            already, self._exit_armed = self._exit_armed, True
        if already:
            return
        if isinstance(self.kernel, KernelExitHook):
            try:
                self.kernel.register_exit_hook(self.join_at_exit)
            except BaseException:
                self._exit_armed = False
                raise
        elif not self._exit_hooks_seen:
            self._exit_hooks_seen = True
            atexit.register(self.join_at_exit)

    def join_at_exit(self) -> None:
        """The exit rule: the main thread is over; wait for every non-daemon thread.

        Threads started while waiting (by the threads being waited for) are waited for
        too; daemon threads and dummy threads are not waited for.
        """
        main = self.main
        if main is not None:
            main._mark_stopped()
        me = self.kernel.get_ident()
        while True:
            with self.lock:
                pending = [
                    t
                    for t in (*self.active.values(), *self.limbo.values())
                    if not t._daemonic and t._ident != me and not t._is_dummy
                ]
            if not pending:
                return
            for thread in pending:
                thread._wait_done(None)

    # ------------------------------------------------------------------ fork

    def _after_fork_in_child(self) -> None:
        # Only the forking thread survives: it becomes the main thread, every other
        # thread is marked stopped (so join() returns at once), and the locks this world
        # uses internally are replaced, since a thread that no longer exists may have
        # held them at the moment of the fork.
        kernel = self.kernel
        self.lock = self.lock_factory()
        ident = kernel.get_ident()
        current = self.active.get(ident)
        others = [t for t in (*self.active.values(), *self.limbo.values()) if t is not current]
        self.active = {}
        self.limbo = {}
        for thread in others:
            thread._after_fork(alive=False)
        if current is not None:
            if current._is_dummy and self.main is not None:
                # An alien thread forked: in the child it is the main thread, as CPython
                # makes it.
                current.__class__ = type(self.main)
                current._name = "MainThread"
                current._daemonic = False
            current._after_fork(alive=True)
            self.active[current._ident] = current  # type: ignore[index]
            self.main = current
        elif self.main is not None:
            # The forking thread was never seen by this world: it is the child's main
            # thread from now on.
            self.main._after_fork(alive=True)
            self.active[self.main._ident] = self.main  # type: ignore[index]
        self.main_ids = (ident, kernel.get_native_id())
        for stale in [i for i in self._locals if i != ident]:
            owners = self._locals.pop(stale)
            for impl in list(owners):
                impl.dicts.pop(stale, None)
        self._exit_armed = False
