"""The one wait queue every blocking object of the semantics layer parks its threads in.

A :class:`WaitQueue` is a FIFO of parked threads guarded by its owner's lock: a thread
that must wait appends a kernel lock of its own (already locked) and blocks on it;
:meth:`~WaitQueue.unpark` releases the first ``n`` of those locks.  Condition,
Semaphore, Event and Barrier all wait through it, so the waiting protocol (release the
guard, block with a deadline on the kernel's clock, take the guard back, leave the queue
whatever happened) is written once.

Each park is also recorded in the world's :class:`WaitRegistry`: which thread waits, on
which object, of which kind, until when, and (if the kernel asks for it) where the object
was created.  The cooperative backend's hang report and the debug backend's wait-for
graph read :meth:`WaitRegistry.snapshot`.  Recording happens only when a thread actually
parks.  The creation site costs a walk up the stack at construction (measured: it makes
``RLock()`` about five times and ``Event()`` about twice as slow to create), so it is
opt-in: only a kernel that declares :class:`KernelWaitSites` pays for it.

This module must not import ``threading``, must wait only on kernel locks and must read
no clock but the kernel's.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from inspect import currentframe
from typing import Any, ClassVar, TypeVar, cast

from anythread.protocols import (
    Kernel,
    KernelForkHooks,
    KernelLock,
    KernelParkedLocks,
    KernelSchedulingPoints,
    KernelWaitQueue,
    KernelWaitSites,
)
from anythread.semantics._checks import wait_lock

__all__ = [
    "NO_WORLD",
    "PerWorld",
    "Site",
    "WaitQueue",
    "WaitRecord",
    "WaitRegistry",
    "creation_site",
    "plain_guard",
    "records_sites",
]

T = TypeVar("T")

#: Where an object was created: ``(filename, line)``, or None when it is not known.
Site = tuple[str, int] | None

# The layer's modules.
_LAYER = __name__.rpartition(".")[0] + "."
# Frames in this directory are the layer's own; the creation site is the first other one.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def records_sites(kernel: Kernel) -> bool:
    """Return whether ``kernel`` asks for creation sites (:class:`KernelWaitSites`)."""
    return isinstance(kernel, KernelWaitSites) and bool(kernel.record_wait_sites)


def creation_site(obj: object) -> Site:
    """Return ``(filename, line)`` of the user's code that is creating ``obj``.

    Called from the ``__init__`` of a layer object.  Frames of the semantics layer are
    skipped (a Timer's Event was created where the Timer was), and so are the
    ``__init__`` methods of the object's classes (a user's subclass, a kernel's own
    class), so ``MyEvent()`` is placed where it is called, not in ``MyEvent.__init__``.
    """
    frame = currentframe()
    inits: set[object] | None = None
    try:
        while frame is not None:
            code = frame.f_code
            if not code.co_filename.startswith(_PACKAGE_DIR):
                if code.co_name != "__init__":
                    break
                # A user's subclass, or a kernel's own class (KernelEvent): their
                # __init__ methods are not where the object is created.
                if inits is None:
                    inits = {
                        getattr(klass.__dict__.get("__init__"), "__code__", None)
                        for klass in type(obj).__mro__
                    }
                if code not in inits:
                    break
            frame = frame.f_back
        if frame is None:
            return None
        return (frame.f_code.co_filename, frame.f_lineno)
    finally:
        del frame


@dataclass(frozen=True, eq=False)
class WaitRecord:
    """One parked thread: who waits, on what, created where, until when.

    Records compare by identity: two threads waiting on the same object are two records.
    """

    ident: int
    """The waiting thread's identifier (``get_ident()`` of the kernel)."""
    kind: str
    """What kind of object it waits on: ``"Condition"``, ``"Event"``, ``"Semaphore"``,
    ``"BoundedSemaphore"``, ``"Barrier"``, ``"Lock"`` or ``"RLock"``."""
    obj: object
    """The object waited on (the user's object, not the layer's internals)."""
    site: str
    """``file:line`` of the user's code that created :attr:`obj`, or ``""``."""
    deadline: float | None
    """When the wait times out, on the kernel's clock; None for a wait without timeout."""


_new_record = object.__new__


class WaitRegistry:
    """The parked threads of one world, readable as a snapshot.

    Invariant: a record is in the registry exactly while its thread is in a wait queue
    (or blocked in a contended Lock/RLock acquire).  The unparking thread removes the
    record when it pops the waiter, so a thread that was woken but has not run yet is
    no longer listed: a snapshot in which every thread of the world is listed is a hang.

    The registry's own kernel lock is taken last, after any guard, and nothing is
    acquired while holding it.

    :param kernel: the world's kernel (locks, clock, identifiers).
    """

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        #: whether objects remember where they were created (:class:`KernelWaitSites`)
        self.records_sites = records_sites(kernel)
        self._lock = kernel.allocate_lock()
        #: whether records are stored under :attr:`_lock`; without scheduling points at
        #: lock operations (:class:`KernelSchedulingPoints`) a dictionary store or pop
        #: of an identity-hashed key is atomic by itself
        self._locking = not (
            isinstance(kernel, KernelSchedulingPoints) and not kernel.preemptive_points
        )
        # The records as keys (they hash by identity), in the order they were entered.
        self._records: dict[WaitRecord, None] = {}
        # ``file:line`` of each creation site seen (sites are source lines: bounded)
        self._where: dict[tuple[str, int], str] = {}
        # Callables that return records of waits kept elsewhere (add_source).
        self._sources: list[Callable[[], Iterable[WaitRecord]]] = []
        #: makes the locked lock a parked thread waits on (:class:`KernelParkedLocks`),
        #: or None: ``allocate_lock()`` then ``acquire()``
        self.allocate_parked: Callable[[], KernelLock] | None = (
            kernel.allocate_parked_lock if isinstance(kernel, KernelParkedLocks) else None
        )
        #: the class of this world's wait queues (the kernel's: :class:`KernelWaitQueue`)
        self.queue_class: type[WaitQueue] = _queue_class(kernel)
        if isinstance(kernel, KernelForkHooks):
            kernel.register_after_fork(self._after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        # Only the forking thread survives, and it is not parked: no record is true any
        # more, and a thread that no longer exists may have held the lock.
        self._lock = self.kernel.allocate_lock()
        self._records = {}

    def site_of(self, obj: object) -> Site:
        """Return where ``obj``, being constructed, was created, if this world records
        creation sites (see :class:`KernelWaitSites`); else None."""
        return creation_site(obj) if self.records_sites else None

    def record(
        self, ident: int, obj: object, kind: str, site: Site, deadline: float | None
    ) -> WaitRecord:
        """Return the record of thread ``ident`` waiting on ``obj`` (not entered)."""
        if site is None:
            where = ""
        else:
            # One string per creation site, shared by every record of it: not a new
            # string per park (72 bytes per parked thread, and the formatting).
            where = self._where.get(site, "")
            if not where:
                where = self._where[site] = f"{site[0]}:{site[1]}"
        # WaitRecord(...) without the frozen dataclass's __init__ (one object.__setattr__
        # per field): the same fields in the instance's dictionary, filled at once.
        record = _new_record(WaitRecord)
        record.__dict__.update(ident=ident, kind=kind, obj=obj, site=where, deadline=deadline)
        return record

    def enter(self, obj: object, kind: str, site: Site, deadline: float | None) -> WaitRecord:
        """Record that the calling thread is about to block on ``obj``; return the record."""
        record = self.record(self.kernel.get_ident(), obj, kind, site, deadline)
        if not self._locking:
            self._records[record] = None
            return record
        self._lock.acquire()
        try:
            self._records[record] = None
        finally:
            self._lock.release()
        return record

    def leave(self, record: WaitRecord) -> None:
        """Forget ``record`` (no error if it is already gone)."""
        if not self._locking:
            self._records.pop(record, None)
            return
        self._lock.acquire()
        try:
            self._records.pop(record, None)
        finally:
            self._lock.release()

    def add_source(self, source: Callable[[], Iterable[WaitRecord]]) -> None:
        """Add ``source``: a callable that returns the records of waits the registry
        does not hold itself (a kernel that queues some waiters its own way, such as
        the :class:`~anythread.protocols.KernelEvent` extra's, makes their records when
        asked instead of at every wait).  :meth:`snapshot` lists them after its own."""
        self._sources.append(source)

    def snapshot(self) -> tuple[WaitRecord, ...]:
        """Return the records of the threads parked now: the registry's own, oldest
        first, then those of each source (:meth:`add_source`)."""
        if not self._locking:
            own = tuple(self._records.copy())  # the copy is atomic, the iteration not
        else:
            self._lock.acquire()
            try:
                own = tuple(self._records)
            finally:
                self._lock.release()
        if not self._sources:
            return own
        return own + tuple(record for source in self._sources for record in source())

    def __len__(self) -> int:
        return len(self._records) if not self._sources else len(self.snapshot())

    def __repr__(self) -> str:
        return f"<anythread WaitRegistry: {len(self)} parked>"


def _queue_class(kernel: Kernel) -> type[WaitQueue]:
    if not isinstance(kernel, KernelWaitQueue):
        return WaitQueue
    cls = kernel.wait_queue_class
    if not (isinstance(cls, type) and issubclass(cls, WaitQueue)):
        raise TypeError(
            "the kernel's wait_queue_class (the KernelWaitQueue extra) must be a subclass "
            f"of anythread.semantics.waitqueue.WaitQueue, not {cls!r}"
        )
    return cls


class WaitQueue:
    """A FIFO of threads parked on one object, guarded by that object's lock.

    The guard is released while a thread is parked and taken back before
    :meth:`park` returns; ``release`` releases it and returns what ``restore`` needs
    to take it back (``_release_save``/``_acquire_restore`` for a reentrant lock).

    Invariants, whenever the guard is held:

    * each entry is ``(waiter, record)``: ``waiter`` is a locked kernel lock owned by
      exactly one parked thread, and ``record`` is in the registry;
    * an entry leaves the queue exactly once: popped by :meth:`unpark` (which releases
      the waiter, so the thread was *notified*), or removed by its own thread when its
      wait ended otherwise (a timeout, an exception);
    * so ``len(queue)`` is the number of threads parked and not yet unparked, and
      ``unpark(n)`` never wakes a thread that has already left.

    :param registry: the world's :class:`WaitRegistry`.
    :param kind: the kind of the owning object, as recorded.
    :param site: where the owning object was created (:meth:`WaitRegistry.site_of`).
    :param release: releases the guard completely; returns the state to restore.
    :param restore: takes the guard back, given that state.
    """

    __slots__ = ("_kind", "_parked", "_registry", "_release", "_restore", "_site", "parked")

    def __init__(
        self,
        registry: WaitRegistry,
        kind: str,
        site: Site,
        release: Callable[[], Any],
        restore: Callable[[Any], object],
    ) -> None:
        self._registry = registry
        self._kind = kind
        self._site = site
        self._release = release
        self._restore = restore
        self._parked: deque[tuple[KernelLock, WaitRecord]] = deque()
        #: The parked entries, oldest first, as a read-only :class:`~collections.abc.Sized`:
        #: truthy while anyone is parked.  ``if queue.parked:`` is what the fast paths
        #: of Semaphore and Event ask; it costs a C call where ``if queue:`` costs a
        #: Python one (about 45 ns, 15-25% of those paths).
        self.parked: Sized = self._parked

    def park(self, subject: object, timeout: float | None) -> bool:
        """Park the calling thread, which holds the guard, until it is unparked or
        ``timeout`` seconds have passed (None: no limit).

        The deadline is computed once on the kernel's clock and the wait never ends
        before it.  Whatever ends the wait (an unpark, the timeout, an exception such as
        KeyboardInterrupt), the guard is held again and the thread is out of the queue
        when this returns or raises.  Returns True if the thread was unparked.

        :param subject: the object waited on, as recorded (the user's object).
        """
        registry = self._registry
        kernel = registry.kernel
        if registry.allocate_parked is None:
            waiter = kernel.allocate_lock()
            waiter.acquire()
        else:
            waiter = registry.allocate_parked()
        deadline = None if timeout is None else kernel.monotonic() + timeout
        entry = (waiter, registry.enter(subject, self._kind, self._site, deadline))
        self._parked.append(entry)
        saved = self._release()
        notified = False
        try:
            if timeout is None:  # wait_lock's own first case, one call less
                notified = waiter.acquire()
            else:
                notified = wait_lock(waiter, timeout, kernel.monotonic, kernel.TIMEOUT_MAX)
            return notified
        finally:
            self._restore(saved)
            if not notified:
                self._leave(entry)

    def _leave(self, entry: tuple[KernelLock, WaitRecord]) -> None:
        # Not notified, with the guard held: either still queued (remove it), or an
        # unpark popped it between the timeout and the restore (it then counted as a
        # wakeup for this thread, exactly as in CPython's Condition).
        try:
            self._parked.remove(entry)
        except ValueError:
            return
        self._registry.leave(entry[1])

    def park_until(self, subject: object, predicate: Callable[[], T], timeout: float | None) -> T:
        """Park until ``predicate()`` is true, or until ``timeout`` seconds have passed
        (one deadline for the whole call); return the predicate's last result.

        The caller holds the guard; the predicate is called with it held.
        """
        monotonic = self._registry.kernel.monotonic
        deadline = None if timeout is None else monotonic() + timeout
        result = predicate()
        while not result:
            remaining = None
            if deadline is not None:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    break
            self.park(subject, remaining)
            result = predicate()
        return result

    def unpark(self, n: int = 1) -> int:
        """Wake up to ``n`` parked threads, oldest first; return how many were woken.

        The caller holds the guard.
        """
        parked = self._parked
        leave = self._registry.leave
        woken = 0
        while parked and woken < n:
            waiter, record = parked.popleft()
            leave(record)
            waiter.release()
            woken += 1
        return woken

    def unpark_all(self) -> int:
        """Wake every parked thread; return how many were woken.  The caller holds the guard."""
        return self.unpark(len(self._parked))

    def __len__(self) -> int:
        return len(self._parked)

    def __bool__(self) -> bool:
        return bool(self._parked)

    def __repr__(self) -> str:
        return f"<anythread WaitQueue of {self._kind}: {len(self._parked)} parked>"


class _NoWorld:
    # The _waits of the module-level classes: they belong to no world until from_kernel
    # derives a subclass, so using one directly says what to do instead.
    def __getattr__(self, name: str) -> Any:
        raise TypeError(
            "this is the semantics layer's module-level class, which belongs to no "
            "backend; create objects from a backend (backend.Event(), ...), whose "
            "classes from_kernel derives from it for each world"
        )


#: The wait registry (and kernel) of the module-level classes: any use raises a clear
#: TypeError.
NO_WORLD: WaitRegistry = _NoWorld()  # type: ignore[assignment]
NO_KERNEL: Kernel = _NoWorld()


_P = TypeVar("_P", bound="PerWorld")


class PerWorld:
    """Base of the layer's module-level classes, of which each world derives its own.

    The module-level class is the one documented and subclassed in the layer; it
    belongs to no world (:data:`NO_WORLD`).  :meth:`for_world` derives a tiny subclass
    named as users know it (``anythread.Event``) that carries the world's registry, and
    so its kernel, as a class attribute: each world keeps its own kernel, and
    ``isinstance`` works against both classes.
    """

    __slots__ = ()

    #: The world's wait registry (set on the per-world subclass).
    _waits: ClassVar[WaitRegistry] = NO_WORLD

    @classmethod
    def for_world(cls: type[_P], waits: WaitRegistry, *bases: type) -> type[_P]:
        """Derive the class of the world whose registry is ``waits``.

        :param bases: other per-world classes to inherit from as well (the world's
            ``Semaphore`` for its ``BoundedSemaphore``).
        """
        return cls._derive(bases, {"_waits": waits})

    @classmethod
    def _derive(cls: type[_P], bases: tuple[type, ...], attributes: dict[str, object]) -> type[_P]:
        # Named as users know it: after the layer's class (a kernel's own subclass, as
        # the KernelEvent extra gives, keeps the layer's name).
        name = next(
            (k.__name__ for k in cls.__mro__ if k.__module__.startswith(_LAYER)), cls.__name__
        )
        namespace: dict[str, object] = {
            "__module__": "anythread",
            "__qualname__": name,
            "__doc__": cls.__doc__,
            **attributes,
        }
        if "__slots__" in cls.__dict__:
            namespace["__slots__"] = ()
        return cast("type[_P]", type(name, (cls, *bases), namespace))


def plain_guard(lock: KernelLock) -> tuple[Callable[[], Any], Callable[[Any], object]]:
    """Return the ``release``/``restore`` pair of a :class:`WaitQueue` guarded by a plain
    lock (one with no owner and no recursion level)."""

    def restore(state: object, /) -> None:
        lock.acquire()

    return lock.release, restore
