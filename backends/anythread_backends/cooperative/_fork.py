"""``os.fork()`` under the cooperative backend: the child keeps only the forking thread.

As CPython keeps only the forking OS thread in the child, the cooperative backend keeps
only the forking *green* thread (or, if an OS thread's own code forked, that code): every
other green thread, of every hub, is gone.  In the child, before anything else of the
backend runs (:func:`os.register_at_fork`, ``after_in_child``):

1. the process-wide mutex is a new one (another OS thread may have held it at the fork);
2. each kernel (:meth:`GreenKernel.after_fork_in_child
   <anythread_backends.cooperative._kernel.GreenKernel.after_fork_in_child>`) keeps only
   the hub of the forking OS thread, empties every hub's ready queue, blocked set and
   timers, takes every waiter that is gone out of the green lock it queued on, marks
   the green threads that are gone as finished (their ``done`` lock released, so
   ``join()`` returns at once), keeps their greenlets for ever (a suspended greenlet that
   is collected is resumed with ``GreenletExit``, which would run code of a thread that
   no longer exists), then runs the callbacks the semantics layer registered (its own
   reset: the current thread becomes the main thread, the others are stopped);
3. the :mod:`~anythread_backends.cooperative._offload` pool starts empty.

If a green thread forked, its OS thread's own code (the parent's main program, for the
main OS thread) does not exist in the child either: the forking green thread is the
child's main thread, deadlocks are raised in it, and when it returns the child runs the
exit rule (waits for its non-daemon threads), flushes ``sys.stdout`` and
``sys.stderr`` and ends with status 0 (:func:`os._exit`: as a forked non-main thread of
CPython that returns, without the parent's :mod:`atexit` handlers).
"""

from __future__ import annotations

import _thread
import os
import weakref
from typing import Any

from anythread_backends.cooperative import _hub

__all__ = ["arm"]


def _renew_mutex() -> None:
    _hub.mutex = _thread.allocate_lock()


def _reset_kernel(ref: weakref.ref[Any]) -> None:
    kernel = ref()
    if kernel is not None:
        kernel.after_fork_in_child()


def arm(kernel: Any) -> None:
    """Have ``kernel`` start over in a forked child (a no-op where there is no fork)."""
    if hasattr(os, "register_at_fork"):
        ref = weakref.ref(kernel)
        os.register_at_fork(after_in_child=lambda: _reset_kernel(ref))


if hasattr(os, "register_at_fork"):
    # Registered when this module is first imported, before any kernel's reset: the
    # after_in_child callbacks run in the order they were registered.
    os.register_at_fork(after_in_child=_renew_mutex)
