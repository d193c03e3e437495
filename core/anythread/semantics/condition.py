"""Condition variables over a Lock, an RLock, or any lock with the owned-lock protocol.

A waiter appends a fresh kernel lock, already locked, to the condition's queue, releases
the condition's lock completely (``_release_save`` for a reentrant lock), and blocks on
its own kernel lock; ``notify(n)`` releases the first ``n`` queued locks.  The deadline
of a timed wait is computed once from the kernel's clock.  Whatever happens while
waiting (a timeout, an exception such as KeyboardInterrupt), the lock is taken back and
the waiter leaves the queue before ``wait()`` returns.

This module also gives Semaphore and Event a way in that skips the ownership check
(they hold the condition's lock themselves): ``_wait_owned`` and ``_notify_owned``.  It
must not import ``threading``.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from anythread.protocols import KernelLock, OwnedLock
from anythread.semantics._checks import check_wait_timeout, wait_lock
from anythread.semantics.world import World

__all__ = ["make_condition"]

T = TypeVar("T")


def make_condition(world: World, rlock_factory: Callable[[], Any]) -> type[Any]:
    """Return the ``Condition`` class of ``world``; its default lock is an RLock."""
    kernel = world.kernel
    allocate_lock = kernel.allocate_lock
    monotonic = kernel.monotonic
    timeout_max = kernel.TIMEOUT_MAX
    # Whether each lock type offers the owned-lock protocol, decided once per type.
    owned_types: dict[type, bool] = {}

    class Condition:
        """A condition variable: threads wait on it until another thread notifies them.

        Spec: 16.2.4 (Condition Objects); COND-LOCK-01..02, COND-ACQ-01.

        :param lock: the underlying Lock or RLock; by default a new RLock.
        """

        def __init__(self, lock: Any = None) -> None:
            if lock is None:
                lock = rlock_factory()
            self._lock = lock
            self.acquire = lock.acquire
            self.release = lock.release
            lock_type = type(lock)
            owned = owned_types.get(lock_type)
            if owned is None:
                owned = owned_types[lock_type] = isinstance(lock, OwnedLock)
            self._is_owned: Callable[[], bool]
            self._release_save: Callable[[], Any]
            self._acquire_restore: Callable[[Any], None]
            if owned:
                self._is_owned = lock._is_owned
                self._release_save = lock._release_save
                self._acquire_restore = lock._acquire_restore
            else:
                self._is_owned = self._plain_is_owned
                self._release_save = self._plain_release_save
                self._acquire_restore = self._plain_acquire_restore
            self._waiters: deque[KernelLock] = deque()

        def __enter__(self) -> Any:
            return self._lock.__enter__()

        def __exit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> Any:
            return self._lock.__exit__(exc_type, exc, tb)

        # The owned-lock protocol for a plain lock, which has no owner: "owned" means
        # locked, and releasing it once releases it completely.

        def _plain_is_owned(self) -> bool:
            if self._lock.acquire(False):
                self._lock.release()
                return False
            return True

        def _plain_release_save(self) -> Any:
            self._lock.release()
            return None

        def _plain_acquire_restore(self, state: Any, /) -> None:
            self._lock.acquire()

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
            return self._wait_owned(check_wait_timeout(timeout, timeout_max))

        def _wait_owned(self, timeout: float | None) -> bool:
            waiter = allocate_lock()
            waiter.acquire()
            self._waiters.append(waiter)
            saved = self._release_save()
            notified = False
            try:
                notified = wait_lock(waiter, timeout, monotonic, timeout_max)
                return notified
            finally:
                self._acquire_restore(saved)
                if not notified:
                    try:
                        self._waiters.remove(waiter)
                    except ValueError:
                        pass

        def wait_for(self, predicate: Callable[[], T], timeout: float | None = None) -> T:
            """Wait until ``predicate()`` is true, or until ``timeout`` seconds have passed
            (one deadline for the whole call); return the predicate's last result.

            Spec: 16.2.4 wait_for(); COND-WAITFOR-01..04.

            The predicate is called with the lock held.

            .. versionadded:: 3.2 (Python)

            :raises RuntimeError: if the calling thread has not acquired the lock.
            """
            seconds = check_wait_timeout(timeout, timeout_max)
            if not self._is_owned():
                # As in CPython, a predicate that is already true needs no wait, so no
                # ownership check either.
                result = predicate()
                if result:
                    return result
                raise RuntimeError("cannot wait on un-acquired lock")
            return self._wait_for_owned(predicate, seconds)

        def _wait_for_owned(self, predicate: Callable[[], T], seconds: float | None) -> T:
            # The one deadline loop: computed once, re-waited on the remainder.  The
            # caller holds the lock and has checked ``seconds``.
            deadline = None if seconds is None else monotonic() + seconds
            result = predicate()
            while not result:
                remaining = None
                if deadline is not None:
                    remaining = deadline - monotonic()
                    if remaining <= 0:
                        break
                self._wait_owned(remaining)
                result = predicate()
            return result

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
            self._notify_owned(n)

        def _notify_owned(self, n: int) -> None:
            waiters = self._waiters
            while waiters and n > 0:
                waiters.popleft().release()
                n -= 1

        def notify_all(self) -> None:
            """Wake up every thread waiting on this condition.

            Spec: 16.2.4 notify_all(); COND-NOTIFYALL-01.

            :raises RuntimeError: if the calling thread has not acquired the lock.
            """
            if not self._is_owned():
                raise RuntimeError("cannot notify on un-acquired lock")
            self._notify_owned(len(self._waiters))

        def notifyAll(self) -> None:
            """Deprecated alias of :meth:`notify_all` (as in CPython 3.10+)."""
            warnings.warn(
                "notifyAll() is deprecated, use notify_all() instead",
                DeprecationWarning,
                stacklevel=2,
            )
            self.notify_all()

        def __repr__(self) -> str:
            return f"<anythread.Condition({self._lock!r}, {len(self._waiters)})>"

    return Condition
