"""Event: a flag that threads wait on, guarded by one kernel lock.

``is_set()`` reads the flag; ``set()`` and ``clear()`` take the kernel lock and notify
only when someone waits; ``wait()`` returns at once when the flag is already true and
otherwise waits on a :class:`Condition` sharing the kernel lock.  This module must not
import ``threading``.
"""

from __future__ import annotations

import warnings
from typing import Any

from anythread.semantics._checks import check_wait_timeout
from anythread.semantics.world import World

__all__ = ["make_event"]


def make_event(world: World, condition_class: type[Any]) -> type[Any]:
    """Return the ``Event`` class of ``world``."""
    allocate_lock = world.lock_factory
    timeout_max = world.kernel.TIMEOUT_MAX

    class Event:
        """An internal flag, initially false: ``set()`` makes it true and wakes every
        waiting thread, ``clear()`` makes it false, ``wait()`` blocks until it is true.

        Spec: 16.2.6 (Event Objects); EVENT-INIT-01, EVENT-SET-01..02,
        EVENT-CLEAR-01.
        """

        def __init__(self) -> None:
            self._mutex = allocate_lock()
            self._cond = condition_class(self._mutex)
            self._waiters = self._cond._waiters
            self._flag = False

        def is_set(self) -> bool:
            """Return True if and only if the internal flag is true."""
            return self._flag

        def isSet(self) -> bool:
            """Deprecated alias of :meth:`is_set` (as in CPython 3.10+)."""
            warnings.warn(
                "isSet() is deprecated, use is_set() instead",
                DeprecationWarning,
                stacklevel=2,
            )
            return self._flag

        def set(self) -> None:
            """Set the flag to true and wake every thread waiting for it."""
            mutex = self._mutex
            mutex.acquire()
            try:
                self._flag = True
                if self._waiters:
                    self._cond._notify_owned(len(self._waiters))
            finally:
                mutex.release()

        def clear(self) -> None:
            """Reset the flag to false: ``wait()`` blocks again until ``set()``."""
            # A single store: no lock needed (a waiter checks the flag under the lock, and
            # set() stores and notifies under it, so every interleaving is a valid order).
            self._flag = False

        def wait(self, timeout: float | None = None) -> bool:
            """Block until the flag is true, or until ``timeout`` seconds have passed.

            Spec: 16.2.6 wait(); EVENT-WAIT-01..03.

            Returns True unless a timeout was given and expired.
            """
            seconds = check_wait_timeout(timeout, timeout_max)
            if self._flag:
                return True
            with self._mutex:
                if self.is_set():  # again, now that set() cannot run meanwhile
                    return True
                notified = self._cond._wait_owned(seconds)
                return notified or self._flag

        def __repr__(self) -> str:
            state = "set" if self._flag else "unset"
            return f"<anythread.{type(self).__name__} at {id(self):#x}: {state}>"

    return Event
