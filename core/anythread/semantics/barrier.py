"""Barrier: a fixed number of threads wait for each other, then all pass at once.

The barrier is a small state machine guarded by one kernel lock, whose threads wait in
one :class:`~anythread.semantics.waitqueue.WaitQueue`:

* *filling*: threads arrive and wait; the last to arrive runs the action (if any) and
  switches to *draining*;
* *draining*: the released threads leave; the last one out switches back to *filling*,
  so the barrier can be used again (threads arriving meanwhile wait for that);
* *resetting*: ``reset()`` was called while threads waited; they leave with
  :class:`BrokenBarrierError`, and the last one out switches back to *filling*;
* *broken*: a wait timed out, the action raised, or ``abort()`` was called; every
  current and future ``wait()`` raises :class:`BrokenBarrierError` until ``reset()``.

This module must not import ``threading`` (``BrokenBarrierError`` comes from
:mod:`anythread.errors`).
"""

from __future__ import annotations

from collections.abc import Callable

from anythread.errors import BrokenBarrierError
from anythread.semantics._checks import check_wait_timeout
from anythread.semantics.waitqueue import PerWorld, plain_guard

__all__ = ["Barrier"]

_FILLING, _DRAINING, _RESETTING, _BROKEN = "filling", "draining", "resetting", "broken"


class Barrier(PerWorld):
    """A barrier for ``parties`` threads.

    Spec: 16.2.8 (Barrier Objects); BARRIER-ATTR-01, BARRIER-REUSE-01.

    .. versionadded:: 3.2 (Python)

    :param parties: the number of threads that must call :meth:`wait` to pass.
    :param action: called by one of the threads when they are released.
    :param timeout: the default timeout of :meth:`wait`.
    :raises ValueError: if ``parties`` is less than 1.
    """

    def __init__(
        self,
        parties: int,
        action: Callable[[], object] | None = None,
        timeout: float | None = None,
    ) -> None:
        if parties < 1:
            raise ValueError("parties must be > 0")
        lock = self._lock = self._waits.kernel.allocate_lock()
        self._queue = self._waits.queue_class(
            self._waits, "Barrier", self._waits.site_of(self), *plain_guard(lock)
        )
        self._action = action
        self._timeout = timeout
        self._parties = parties
        self._state = _FILLING
        self._count = 0

    def wait(self, timeout: float | None = None) -> int:
        """Pass the barrier: block until ``parties`` threads have called this.

        Spec: 16.2.8 wait(); BARRIER-WAIT-01, BARRIER-IDX-01,
        BARRIER-ACTION-01..03, BARRIER-TIMEOUT-01..02, BARRIER-BROKEN-01.

        Returns an integer from 0 to ``parties - 1``, different
        for each thread.  ``timeout`` (or, if None, the barrier's default) bounds
        the wait; when it expires the barrier breaks.

        :raises BrokenBarrierError: if the barrier is broken or reset while waiting,
            or the wait timed out, or the action raised.
        """
        if timeout is None:
            timeout = self._timeout
        seconds = check_wait_timeout(timeout, self._waits.kernel.TIMEOUT_MAX)
        lock = self._lock
        lock.acquire()
        try:
            self._wait_until_filling()
            index = self._count
            self._count += 1
            try:
                if index + 1 == self._parties:
                    self._release_all()
                else:
                    self._wait_for_release(seconds)
                return index
            finally:
                self._count -= 1
                self._leave()
        finally:
            lock.release()

    def _wait_until_filling(self) -> None:
        # Threads of the previous round are still leaving: wait for them.
        while self._state in (_DRAINING, _RESETTING):
            self._queue.park(self, None)
        if self._state == _BROKEN:
            raise BrokenBarrierError

    def _release_all(self) -> None:
        try:
            if self._action is not None:
                self._action()
        except BaseException:
            self._break()
            raise
        self._state = _DRAINING
        self._queue.unpark_all()

    def _wait_for_release(self, timeout: float | None) -> None:
        if not self._queue.park_until(self, self._released, timeout):
            self._break()
            raise BrokenBarrierError
        if self._state in (_BROKEN, _RESETTING):
            raise BrokenBarrierError

    def _released(self) -> bool:
        return self._state != _FILLING

    def _leave(self) -> None:
        if self._count == 0 and self._state in (_DRAINING, _RESETTING):
            self._state = _FILLING
            self._queue.unpark_all()

    def _break(self) -> None:
        self._state = _BROKEN
        self._queue.unpark_all()

    def reset(self) -> None:
        """Return the barrier to its empty state; threads waiting on it get
        :class:`BrokenBarrierError`.

        Spec: 16.2.8 reset(); BARRIER-RESET-01.
        """
        self._lock.acquire()
        try:
            if self._count > 0:
                if self._state in (_FILLING, _BROKEN):
                    self._state = _RESETTING
            else:
                self._state = _FILLING
            self._queue.unpark_all()
        finally:
            self._lock.release()

    def abort(self) -> None:
        """Break the barrier: current and future :meth:`wait` calls raise
        :class:`BrokenBarrierError`.

        Spec: 16.2.8 abort(); BARRIER-ABORT-01.
        """
        self._lock.acquire()
        try:
            self._break()
        finally:
            self._lock.release()

    @property
    def parties(self) -> int:
        """The number of threads required to pass the barrier."""
        return self._parties

    @property
    def n_waiting(self) -> int:
        """The number of threads currently waiting in the barrier."""
        if self._state == _FILLING:
            return self._count
        return 0

    @property
    def broken(self) -> bool:
        """True if the barrier is in the broken state."""
        return self._state == _BROKEN

    def __repr__(self) -> str:
        where = f"<anythread.{type(self).__name__} at {id(self):#x}"
        if self.broken:
            return f"{where}: broken>"
        return f"{where}: waiters={self.n_waiting}/{self.parties}>"
