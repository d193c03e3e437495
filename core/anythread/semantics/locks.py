"""Lock and RLock over a kernel's primitive lock.

``Lock()`` is the kernel's own lock when the kernel declares that its locks check their
arguments like CPython's (:class:`~anythread.protocols.KernelCheckedLocks`); otherwise
it is a thin :class:`Lock` wrapper that checks them first.  ``RLock`` is written here:
an owner (a thread identifier), a recursion level, and one kernel lock taken by the
outermost acquire, plus the ``_is_owned``/``_release_save``/``_acquire_restore``
protocol that :class:`Condition` uses to release it fully while waiting.  A kernel that
offers a native reentrant lock (:class:`~anythread.protocols.KernelRLock`) is used
instead.

The classes are built per world by closures over the kernel's functions, so the hot
paths (an uncontended acquire and release) are a few local lookups long.  This module
must not import ``threading``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from anythread.protocols import Kernel, KernelCheckedLocks, KernelLock, KernelRLock
from anythread.semantics._checks import check_lock_timeout, wait_lock
from anythread.semantics.world import World

__all__ = ["make_lock", "make_rlock"]


def make_lock(kernel: Kernel) -> Callable[[], Any]:
    """Return the ``Lock`` factory of a world built on ``kernel``."""
    if isinstance(kernel, KernelCheckedLocks) and kernel.locks_check_arguments:
        return kernel.allocate_lock
    allocate_lock = kernel.allocate_lock
    monotonic = kernel.monotonic
    timeout_max = kernel.TIMEOUT_MAX

    class Lock:
        """A primitive lock: locked or unlocked, owned by no thread.

        Spec: 16.2.2 (Lock Objects); LOCK-INIT-01, LOCK-LOCKED-01.

        Any thread may release it.
        """

        __slots__ = ("__weakref__", "_block")

        def __init__(self) -> None:
            self._block: KernelLock = allocate_lock()

        def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
            """Acquire the lock, blocking or not, for at most ``timeout`` seconds.

            Spec: 16.2.2 Lock.acquire(); LOCK-ACQ-01..03, LOCK-ACQ-NB-01,
            LOCK-ACQ-TIMEOUT-01..04, LOCK-ARG-01..02.  Returns True if the lock was acquired.

            :raises ValueError: if a timeout is given with ``blocking=False``, or it is
                NaN or negative other than -1.
            :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``.
            """
            seconds = check_lock_timeout(blocking, timeout, timeout_max)
            if not blocking:
                return self._block.acquire(False)
            return wait_lock(
                self._block, None if seconds == -1 else seconds, monotonic, timeout_max
            )

        __enter__ = acquire

        def release(self) -> None:
            """Release the lock; any thread may do it.

            Spec: 16.2.2 Lock.release(); LOCK-REL-01..04.

            :raises RuntimeError: if the lock is not locked.
            """
            if not self._block.locked():
                raise RuntimeError("release unlocked lock")
            self._block.release()

        def __exit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> None:
            self.release()

        def locked(self) -> bool:
            """Return whether the lock is locked."""
            return self._block.locked()

        def __repr__(self) -> str:
            state = "locked" if self._block.locked() else "unlocked"
            return f"<{state} anythread.Lock object at {id(self):#x}>"

    Lock.__module__ = "anythread"
    return Lock


def make_rlock(world: World) -> Callable[[], Any]:
    """Return the ``RLock`` class (or the kernel's native factory) of ``world``."""
    kernel = world.kernel
    if isinstance(kernel, KernelRLock):
        return kernel.allocate_rlock
    allocate_lock = kernel.allocate_lock
    get_ident = kernel.get_ident
    monotonic = kernel.monotonic
    timeout_max = kernel.TIMEOUT_MAX

    class RLock:
        """A reentrant lock: owned by the thread that acquired it, which may acquire it
        again; it is unlocked when released as many times as it was acquired.

        Spec: 16.2.3 (RLock Objects); RLOCK-REL-01.
        """

        __slots__ = ("__weakref__", "_block", "_count", "_owner")

        def __init__(self) -> None:
            self._block: KernelLock = allocate_lock()
            self._owner: int | None = None
            self._count = 0

        def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
            """Acquire the lock, blocking or not, for at most ``timeout`` seconds.

            Spec: 16.2.3 RLock.acquire(); RLOCK-ACQ-01..02, RLOCK-ACQ-NB-01,
            RLOCK-ACQ-TIMEOUT-01..02, RLOCK-ARG-01.  If this thread owns the lock, raise the
            recursion level and return at once; otherwise wait until no thread owns it.

            :raises ValueError: if a timeout is given with ``blocking=False``, or it is
                NaN or negative other than -1.
            :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``.
            """
            me = get_ident()
            if self._owner == me:
                if timeout != -1:
                    check_lock_timeout(blocking, timeout, timeout_max)
                self._count += 1
                return True
            if timeout == -1:
                if self._block.acquire(blocking):
                    self._owner = me
                    self._count = 1
                    return True
                return False
            return self._acquire_timed(me, blocking, timeout)

        def _acquire_timed(self, me: int, blocking: bool, timeout: float) -> bool:
            seconds = check_lock_timeout(blocking, timeout, timeout_max)
            if not blocking:
                acquired = self._block.acquire(False)
            else:
                acquired = wait_lock(
                    self._block, None if seconds == -1 else seconds, monotonic, timeout_max
                )
            if acquired:
                self._owner = me
                self._count = 1
                return True
            return False

        __enter__ = acquire

        def release(self) -> None:
            """Release the lock once; the outermost release unlocks it.

            Spec: 16.2.3 RLock.release(); RLOCK-REL-01..03.

            :raises RuntimeError: if the calling thread does not own the lock.
            """
            if self._owner != get_ident():
                raise RuntimeError("cannot release un-acquired lock")
            if self._count == 1:
                self._count = 0
                self._owner = None
                self._block.release()
            else:
                self._count -= 1

        def __exit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> None:
            self.release()

        def locked(self) -> bool:
            """Return whether some thread owns the lock."""
            return self._block.locked()

        # The protocol Condition uses (see anythread.protocols.OwnedLock).

        def _is_owned(self) -> bool:
            return self._owner == get_ident()

        def _release_save(self) -> tuple[int, int | None]:
            if not self._count:
                raise RuntimeError("cannot release un-acquired lock")
            state = (self._count, self._owner)
            self._count = 0
            self._owner = None
            self._block.release()
            return state

        def _acquire_restore(self, state: tuple[int, int | None], /) -> None:
            self._block.acquire()
            self._count, self._owner = state

        def __repr__(self) -> str:
            owner = self._owner
            state = "locked" if self._block.locked() else "unlocked"
            return (
                f"<{state} anythread.RLock object owner={owner!r} "
                f"count={self._count} at {id(self):#x}>"
            )

    RLock.__module__ = "anythread"
    return RLock
