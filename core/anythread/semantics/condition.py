"""Condition variables over a Lock, an RLock, or any lock with the owned-lock protocol.

A :class:`Condition` is a lock plus a :class:`~anythread.semantics.waitqueue.WaitQueue`
guarded by it: ``wait()`` parks the calling thread in the queue (the queue releases the
lock completely, with ``_release_save`` for a reentrant lock, and takes it back before
returning, whatever ended the wait); ``notify(n)`` unparks the first ``n`` waiters.  The
deadline of a timed wait is computed once from the kernel's clock.

This module must not import ``threading``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from anythread.protocols import OwnedLock
from anythread.semantics._checks import check_wait_timeout
from anythread.semantics.waitqueue import PerWorld, WaitRegistry, plain_guard

__all__ = ["Condition"]

T = TypeVar("T")

# Whether each lock type offers the owned-lock protocol, decided once per type.
_owned_types: dict[type, bool] = {}


class Condition(PerWorld):
    """A condition variable: threads wait on it until another thread notifies them.

    Spec: 16.2.4 (Condition Objects); COND-LOCK-01..02, COND-ACQ-01.

    :param lock: the underlying Lock or RLock; by default a new RLock.
    """

    #: The world's ``RLock``: the default lock; a static method of the per-world
    #: subclass (declared as an attribute, which mypy calls unbound).
    _default_lock: Callable[[], Any]

    @classmethod
    def for_world(
        cls, waits: WaitRegistry, *bases: type, default_lock: Callable[[], Any] | None = None
    ) -> type[Condition]:
        """Derive the class of the world whose registry is ``waits``.

        :param default_lock: the world's ``RLock``, the lock of ``Condition()``.
        """
        attributes: dict[str, object] = {"_waits": waits}
        if default_lock is not None:
            attributes["_default_lock"] = staticmethod(default_lock)
        return cls._derive(bases, attributes)

    def __init__(self, lock: Any = None) -> None:
        site = self._waits.site_of(self)
        if lock is None:
            lock = self._default_lock()
        self._lock = lock
        self.acquire = lock.acquire
        self.release = lock.release
        lock_type = type(lock)
        owned = _owned_types.get(lock_type)
        if owned is None:
            owned = _owned_types[lock_type] = isinstance(lock, OwnedLock)
        self._is_owned: Callable[[], bool]
        if owned:
            self._is_owned = lock._is_owned
            release, restore = lock._release_save, lock._acquire_restore
        else:
            self._is_owned = _plain_is_owned(lock)
            release, restore = plain_guard(lock)
        self._queue = self._waits.queue_class(self._waits, "Condition", site, release, restore)

    def __enter__(self) -> Any:
        return self._lock.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        return self._lock.__exit__(exc_type, exc, tb)

    # ------------------------------------------------------------------ wait

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, block until notified or until ``timeout`` seconds have
        passed, then take the lock back.

        Spec: 16.2.4 wait(); COND-WAIT-01..07.

        Returns True unless the timeout expired.

        :raises RuntimeError: if the calling thread has not acquired the lock.
        """
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        if timeout is not None:
            timeout = check_wait_timeout(timeout, self._waits.kernel.TIMEOUT_MAX)
        return self._queue.park(self, timeout)

    def wait_for(self, predicate: Callable[[], T], timeout: float | None = None) -> T:
        """Wait until ``predicate()`` is true, or until ``timeout`` seconds have passed
        (one deadline for the whole call); return the predicate's last result.

        Spec: 16.2.4 wait_for(); COND-WAITFOR-01..04.

        The predicate is called with the lock held.

        .. versionadded:: 3.2 (Python)

        :raises RuntimeError: if the calling thread has not acquired the lock.
        """
        seconds = check_wait_timeout(timeout, self._waits.kernel.TIMEOUT_MAX)
        if not self._is_owned():
            # As in CPython, a predicate that is already true needs no wait, so no
            # ownership check either.
            result = predicate()
            if result:
                return result
            raise RuntimeError("cannot wait on un-acquired lock")
        return self._queue.park_until(self, predicate, seconds)

    # ------------------------------------------------------------------ notify

    def notify(self, n: int = 1) -> None:
        """Wake up to ``n`` threads waiting on this condition, if any.

        Spec: 16.2.4 notify(); COND-NOTIFY-01..04.

        The woken threads return from ``wait()`` once they
        can take the lock back; ``notify()`` does not release it.

        :raises RuntimeError: if the calling thread has not acquired the lock.
        """
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        self._queue.unpark(n)

    def notify_all(self) -> None:
        """Wake up every thread waiting on this condition.

        Spec: 16.2.4 notify_all(); COND-NOTIFYALL-01.

        :raises RuntimeError: if the calling thread has not acquired the lock.
        """
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        self._queue.unpark_all()

    def notifyAll(self) -> None:
        """Deprecated alias of :meth:`notify_all` (as in CPython 3.10+)."""
        warnings.warn(
            "notifyAll() is deprecated, use notify_all() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self.notify_all()

    def __repr__(self) -> str:
        return f"<anythread.Condition({self._lock!r}, {len(self._queue)})>"


def _plain_is_owned(lock: Any) -> Callable[[], bool]:
    # A plain lock has no owner: "owned" means locked.
    def is_owned() -> bool:
        if lock.acquire(False):
            lock.release()
            return False
        return True

    return is_owned
