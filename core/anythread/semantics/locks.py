"""Lock and RLock over a kernel's primitive lock.

``Lock()`` is the kernel's own complete lock when it has one
(:class:`~anythread.protocols.KernelUserLock`), else the kernel's lock when the kernel
declares that its locks check their arguments like CPython's
(:class:`~anythread.protocols.KernelCheckedLocks`); otherwise it is a thin
:class:`Lock` wrapper that checks them first.  :class:`RLock` is written
here: an owner (a thread identifier), a recursion level, and one kernel lock taken by
the outermost acquire, plus the ``_is_owned``/``_release_save``/``_acquire_restore``
protocol that :class:`~anythread.semantics.condition.Condition` uses to release it fully
while waiting.  A kernel that offers a native reentrant lock
(:class:`~anythread.protocols.KernelRLock`) is used instead.

Both are module-level classes; :func:`~anythread.semantics.from_kernel` derives a
per-world subclass that carries the world's :class:`WaitRegistry` (and so its kernel) as
class attributes.  The uncontended acquire and release read only the instance and those
class attributes; a contended blocking acquire is recorded in the registry while it
blocks.  This module must not import ``threading``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, cast

from anythread.protocols import Kernel, KernelLock
from anythread.semantics._checks import check_lock_timeout, wait_lock, warn_rlock_arguments
from anythread.semantics.waitqueue import (
    NO_KERNEL,
    NO_WORLD,
    PerWorld,
    Site,
    WaitRegistry,
    creation_site,
    records_sites,
)

__all__ = ["Lock", "RLock"]


class Lock:
    """A primitive lock: locked or unlocked, owned by no thread.

    Spec: 16.2.2 (Lock Objects); LOCK-INIT-01, LOCK-LOCKED-01.

    Any thread may release it.  This wrapper is ``Lock`` only for kernels whose locks do
    not check their arguments and that have no complete lock of their own; otherwise
    ``Lock()`` is the kernel's lock itself.
    """

    __slots__ = ("__weakref__", "_block", "_site")

    #: The world's kernel (set on the per-world subclass).
    _kernel: ClassVar[Kernel] = NO_KERNEL
    #: Whether the kernel asks for creation sites (set on the per-world subclass).
    _records_sites: ClassVar[bool] = False
    #: The world's wait registry (set on the per-world subclass once the world exists:
    #: the world itself guards its state with this class's locks).
    _waits: ClassVar[WaitRegistry] = NO_WORLD

    def __init__(self) -> None:
        self._block: KernelLock = self._kernel.allocate_lock()
        self._site: Site = creation_site(self) if self._records_sites else None

    @classmethod
    def for_kernel(cls, kernel: Kernel) -> type[Lock]:
        """Derive the ``Lock`` class of the world built on ``kernel``.

        The world guards its own state with these locks, so the class exists before
        the world and its registry; :meth:`record_waits_in` completes it.
        """
        namespace: dict[str, object] = {
            "__module__": "anythread",
            "__qualname__": "Lock",
            "__doc__": cls.__doc__,
            "__slots__": (),
            "_kernel": kernel,
            "_records_sites": records_sites(kernel),
        }
        return cast("type[Lock]", type("Lock", (cls,), namespace))

    @classmethod
    def record_waits_in(cls, waits: WaitRegistry) -> None:
        """Record this class's contended acquires in ``waits`` (the world's registry)."""
        cls._waits = waits

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, blocking or not, for at most ``timeout`` seconds.

        Spec: 16.2.2 Lock.acquire(); LOCK-ACQ-01..03, LOCK-ACQ-NB-01,
        LOCK-ACQ-TIMEOUT-01..04, LOCK-ARG-01..02.  Returns True if the lock was acquired.

        :raises ValueError: if a timeout is given with ``blocking=False``, or it is
            NaN or negative other than -1.
        :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``.
        """
        seconds = check_lock_timeout(blocking, timeout, self._kernel.TIMEOUT_MAX)
        if self._block.acquire(False):
            return True
        if not blocking:
            return False
        return _wait_recorded(self, "Lock", None if seconds == -1 else seconds)

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


def _wait_recorded(lock: Lock | RLock, kind: str, seconds: float | None) -> bool:
    # The contended blocking acquire: listed in the registry while it blocks.
    waits = lock._waits
    kernel = waits.kernel
    deadline = None if seconds is None else kernel.monotonic() + seconds
    record = waits.enter(lock, kind, lock._site, deadline)
    try:
        return wait_lock(lock._block, seconds, kernel.monotonic, kernel.TIMEOUT_MAX)
    finally:
        waits.leave(record)


def _owner_methods(
    get_ident: Callable[[], int],
) -> tuple[Callable[..., bool], Callable[[RLock], None], Callable[[RLock], bool]]:
    """Return RLock's ``acquire``, ``release`` and ``_is_owned`` over ``get_ident``.

    These three read the calling thread's identifier on every call, so they are
    closures over the kernel's ``get_ident``, made once per world: reading it from a
    class attribute or a slot instead made the uncontended acquire+release 10-13%
    slower (RLock vs ``threading._PyRLock`` went from 0.92x to 1.01-1.06x, over the
    1.0x target).  Everything else of RLock is an ordinary method.
    """

    def acquire(self: RLock, blocking: bool = True, timeout: float = -1) -> bool:
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
                check_lock_timeout(blocking, timeout, self._waits.kernel.TIMEOUT_MAX)
            self._count += 1
            return True
        if timeout == -1 and self._block.acquire(False):
            self._owner = me
            self._count = 1
            return True
        return self._acquire_contended(me, blocking, timeout)

    def release(self: RLock) -> None:
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

    def _is_owned(self: RLock) -> bool:
        return self._owner == get_ident()

    return acquire, release, _is_owned


def _no_kernel() -> int:
    raise TypeError(
        "anythread.semantics.locks.RLock belongs to no backend; use backend.RLock(), "
        "the class from_kernel derived for its world"
    )


class RLock(PerWorld):
    """A reentrant lock: owned by the thread that acquired it, which may acquire it
    again; it is unlocked when released as many times as it was acquired.

    Spec: 16.2.3 (RLock Objects); RLOCK-REL-01.
    """

    __slots__ = ("__weakref__", "_block", "_count", "_owner", "_site")

    def __init__(self, *args: object, **kwargs: object) -> None:
        if args or kwargs:
            warn_rlock_arguments()  # (RLOCK-INIT-01)
        waits = self._waits
        self._block: KernelLock = waits.kernel.allocate_lock()
        self._owner: int | None = None
        self._count = 0
        # Inline rather than waits.site_of(self): RLocks are created often (one per
        # default Condition), and the call was a third of the constructor.
        self._site: Site = creation_site(self) if waits.records_sites else None

    if TYPE_CHECKING:

        def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
        def release(self) -> None: ...
        def _is_owned(self) -> bool: ...

    else:
        # The per-world subclass replaces these with closures over its kernel's
        # get_ident (see for_world).
        acquire, release, _is_owned = _owner_methods(_no_kernel)

    __enter__ = acquire

    @classmethod
    def for_world(cls, waits: WaitRegistry, *bases: type) -> type[RLock]:
        """Derive the ``RLock`` class of the world whose registry is ``waits``, with
        ``acquire``, ``release`` and ``_is_owned`` over its kernel's ``get_ident``."""
        acquire, release, is_owned = _owner_methods(waits.kernel.get_ident)
        attributes: dict[str, object] = {
            "_waits": waits,
            "acquire": acquire,
            "__enter__": acquire,
            "release": release,
            "_is_owned": is_owned,
        }
        return cls._derive(bases, attributes)

    def _acquire_contended(self, me: int, blocking: bool, timeout: float) -> bool:
        seconds = check_lock_timeout(blocking, timeout, self._waits.kernel.TIMEOUT_MAX)
        if self._block.acquire(False):
            acquired = True
        elif not blocking:
            acquired = False
        else:
            acquired = _wait_recorded(self, "RLock", None if seconds == -1 else seconds)
        if acquired:
            self._owner = me
            self._count = 1
        return acquired

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

    def _recursion_count(self) -> int:
        """Return the calling thread's recursion level: how many times it holds the lock,
        0 if it does not own it (CPython 3.11+'s RLock has it; :mod:`multiprocessing`'s
        resource tracker calls it)."""
        if self._owner != self._waits.kernel.get_ident():
            return 0
        return self._count

    # The protocol Condition uses (see anythread.protocols.OwnedLock); _is_owned is
    # above, with acquire and release.

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
            f"<{state} anythread.RLock object owner={owner!r} count={self._count} at {id(self):#x}>"
        )
