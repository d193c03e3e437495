"""Event: a flag that threads wait on, guarded by one kernel lock.

``is_set()`` reads the flag; ``set()`` takes the kernel lock and unparks only when
someone is parked; ``wait()`` returns at once when the flag is already true and
otherwise parks in the event's :class:`~anythread.semantics.waitqueue.WaitQueue`
(guarded by the same kernel lock).  This module must not import ``threading``.
"""

from __future__ import annotations

import warnings

from anythread.semantics._checks import check_wait_timeout
from anythread.semantics.waitqueue import PerWorld, plain_guard

__all__ = ["Event"]


class Event(PerWorld):
    """An internal flag, initially false: ``set()`` makes it true and wakes every
    waiting thread, ``clear()`` makes it false, ``wait()`` blocks until it is true.

    Spec: 16.2.6 (Event Objects); EVENT-INIT-01, EVENT-SET-01..02,
    EVENT-CLEAR-01.
    """

    def __init__(self) -> None:
        mutex = self._mutex = self._waits.kernel.allocate_lock()
        self._queue = self._waits.queue_class(
            self._waits, "Event", self._waits.site_of(self), *plain_guard(mutex)
        )
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
            if self._queue.parked:
                self._queue.unpark_all()
        finally:
            mutex.release()

    def clear(self) -> None:
        """Reset the flag to false: ``wait()`` blocks again until ``set()``."""
        # A single store: no lock needed (a waiter checks the flag under the lock, and
        # set() stores and unparks under it, so every interleaving is a valid order).
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the flag is true, or until ``timeout`` seconds have passed.

        Spec: 16.2.6 wait(); EVENT-WAIT-01..03.

        Returns True unless a timeout was given and expired.
        """
        seconds = check_wait_timeout(timeout, self._waits.kernel.TIMEOUT_MAX)
        if self._flag:
            return True
        mutex = self._mutex
        mutex.acquire()
        try:
            if self.is_set():  # again, now that set() cannot run meanwhile
                return True
            return self._queue.park(self, seconds) or self._flag
        finally:
            mutex.release()

    def __repr__(self) -> str:
        state = "set" if self._flag else "unset"
        return f"<anythread.{type(self).__name__} at {id(self):#x}: {state}>"
