"""Semaphore and BoundedSemaphore: a counter guarded by one kernel lock.

The uncontended path takes the kernel lock, adjusts the counter and returns; only when
the counter is zero does ``acquire()`` park in the semaphore's
:class:`~anythread.semantics.waitqueue.WaitQueue` (guarded by the same kernel lock), and
only when someone is parked does ``release()`` unpark.  That keeps the common path
several times cheaper than a condition-based semaphore while blocking exactly like one.
This module must not import ``threading``.
"""

from __future__ import annotations

from types import TracebackType
from typing import ClassVar

from anythread.semantics._checks import check_wait_timeout
from anythread.semantics.waitqueue import PerWorld, plain_guard

__all__ = ["BoundedSemaphore", "Semaphore"]


class Semaphore(PerWorld):
    """A counter that ``acquire()`` decrements, waiting while it is zero, and
    ``release()`` increments.

    Spec: 16.2.5 (Semaphore Objects); SEM-INIT-01..02.

    :param value: the initial value of the counter (default 1).
    :raises ValueError: if ``value`` is negative.
    """

    #: The kind recorded while a thread waits on it.
    _kind: ClassVar[str] = "Semaphore"

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        mutex = self._mutex = self._waits.kernel.allocate_lock()
        self._queue = self._waits.queue_class(
            self._waits, self._kind, self._waits.site_of(self), *plain_guard(mutex)
        )
        self._value = value

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Decrement the counter, waiting while it is zero.

        Spec: 16.2.5 acquire(); SEM-ACQ-01..04, SEM-ACQ-NB-01,
        SEM-ACQ-TIMEOUT-01..02, SEM-ARG-01.  With ``blocking=False``, return False at once
        instead of waiting; with a ``timeout``, wait at most that many seconds and
        return False if the counter stayed zero.  Return True otherwise.

        :raises ValueError: if a timeout is given with ``blocking=False``.
        """
        if timeout is None:
            # The fast route: try/finally around the kernel lock costs less than a
            # with statement, and nothing here can block.
            mutex = self._mutex
            mutex.acquire()
            try:
                if self._value:
                    self._value -= 1
                    return True
            finally:
                mutex.release()
            if not blocking:
                return False
        elif not blocking:
            raise ValueError("can't specify timeout for non-blocking acquire")
        return self._acquire_waiting(timeout)

    def _acquire_waiting(self, timeout: float | None) -> bool:
        seconds = check_wait_timeout(timeout, self._waits.kernel.TIMEOUT_MAX)
        mutex = self._mutex
        mutex.acquire()
        try:
            if not self._queue.park_until(self, self._has_value, seconds):
                return False
            self._value -= 1
            return True
        finally:
            mutex.release()

    def _has_value(self) -> int:
        return self._value

    __enter__ = acquire

    def release(self, n: int = 1) -> None:
        """Increment the counter by ``n``, waking up to ``n`` waiting threads.

        Spec: 16.2.5 release(); SEM-REL-01..03.

        .. versionadded:: 3.9 (Python) the ``n`` parameter.

        :raises ValueError: if ``n`` is less than 1.
        """
        if n < 1:
            raise ValueError("n must be one or more")
        mutex = self._mutex
        mutex.acquire()
        try:
            self._value += n
            if self._queue.parked:
                self._queue.unpark(n)
        finally:
            mutex.release()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<anythread.{type(self).__name__} at {id(self):#x}: value={self._value}>"


class BoundedSemaphore(Semaphore):
    """A semaphore that may never be released above its initial value.

    Spec: 16.2 BoundedSemaphore(); BSEM-01..04.

    :raises ValueError: from ``release()`` if the counter would exceed the initial
        value.
    """

    _kind: ClassVar[str] = "BoundedSemaphore"

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def release(self, n: int = 1) -> None:
        """Increment the counter by ``n``, as :meth:`Semaphore.release` does.

        :raises ValueError: if ``n`` is less than 1, or if the counter would go above
            its initial value ("Semaphore released too many times").
        """
        if n < 1:
            raise ValueError("n must be one or more")
        mutex = self._mutex
        mutex.acquire()
        try:
            if self._value + n > self._initial_value:
                raise ValueError("Semaphore released too many times")
            self._value += n
            if self._queue.parked:
                self._queue.unpark(n)
        finally:
            mutex.release()

    def __repr__(self) -> str:
        return (
            f"<anythread.{type(self).__name__} at {id(self):#x}: "
            f"value={self._value}/{self._initial_value}>"
        )
