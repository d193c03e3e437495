"""The debug Lock and RLock: the inner backend's lock plus an owner and a held list.

Each debug backend derives its own subclasses carrying its :class:`~._tracker.Tracker`
as a class attribute.  Both classes offer the ``_is_owned``/``_release_save``/
``_acquire_restore`` protocol, so the inner backend's ``Condition`` built over them
releases and retakes them through this code: the held list drops the lock while the
Condition waits, and ``wait()``/``notify()`` by a thread that does not hold the lock is
the standard ``RuntimeError`` even for a plain Lock held by another thread.

Fast path (uncontended, holding nothing): one thread-local read, the inner acquire, two
stores.  The tracker's lock is taken only to block, or to record a *new* order edge.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar

from anythread.semantics._checks import check_lock_timeout
from anythread_backends.debug._graph import Node
from anythread_backends.debug._report import caller_frame
from anythread_backends.debug._tracker import DebugWarning, ThreadState, Tracker

__all__ = ["Lock", "RLock", "owner_of"]


class _Tracked:
    # _take and _give are the inner lock's bound acquire and release: one lookup less on
    # the fast path (measured with benchmarks/bench_debug.py).
    __slots__ = ("__weakref__", "_give", "_inner", "_node", "_owner", "_site", "_take", "name")

    _tracker: ClassVar[Tracker]
    #: The tracker's thread-local (where each thread's :class:`ThreadState` lives).
    _local: ClassVar[Any]
    _kind: ClassVar[str] = "Lock"
    _inner: Any
    _take: Callable[..., bool]
    _give: Callable[[], None]

    def __init__(self) -> None:
        self._owner: ThreadState | None = None
        self._node: Node | None = None
        frame = caller_frame()
        self._site = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None
        #: A name for reports (assign one: ``lock.name = "accounts"``); else the site.
        self.name: str | None = None

    @staticmethod
    def _get_ident() -> int:
        """The inner backend's ``get_ident`` (set on the per-backend subclass)."""
        raise NotImplementedError

    def class_key(self) -> object:
        """The lock's class in ``site`` order: its creation site (or itself)."""
        return self._site if self._site is not None else self

    def describe(self) -> str:
        """The lock as reports name it: its name, or ``Lock@file:line``."""
        if self.name:
            return str(self.name)
        if self._site is None:
            return f"{self._kind}@{id(self):#x}"
        return f"{self._kind}@{self._site[0]}:{self._site[1]}"

    def __del__(self) -> None:
        node = self._node
        if node is not None and not self._tracker.by_site:
            # No lock may be taken here (a collection can run anywhere): hand it over.
            self._tracker.dead.append(node)

    def _block(self, state: ThreadState) -> None:
        # A blocking untimed acquire found the lock taken: record the wait (which raises
        # if it would never end), then block.
        tracker = self._tracker
        tracker.block(state, self, owner_of)
        try:
            self._take()
        finally:
            tracker.unblock(state)

    @staticmethod
    def _forget(held: list[Any], lock: object) -> None:
        try:
            held.remove(lock)
        except ValueError:
            pass

    def _drop(self) -> None:
        owner = self._owner
        if owner is not None:
            self._owner = None
            held = owner.held
            if held and held[-1] is self:
                held.pop()
            else:
                self._forget(held, self)

    def __repr__(self) -> str:
        state = "locked" if self._inner.locked() else "unlocked"
        owner = f" owner={self._owner.name!r}" if self._owner is not None else ""
        return f"<{state} anythread.debug.{self._kind} {self.describe()}{owner} at {id(self):#x}>"


class Lock(_Tracked):
    """A primitive lock that knows which thread took it.

    Spec: 16.2.2 (Lock Objects).  Any thread may release it (a warning says so when it
    is not the thread that acquired it).  Once that has happened the lock is a
    *hand-off* lock (a signal between threads): its owner says nothing about who will
    release it, so it no longer takes part in the wait-for graph.
    """

    __slots__ = ("_handoff",)

    def __init__(self) -> None:
        super().__init__()
        self._inner = self._tracker.inner.Lock()
        self._take = self._inner.acquire
        self._give = self._inner.release
        self._handoff = False

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock; see :meth:`threading.Lock.acquire`.

        :raises DeadlockError: if the calling thread holds it already and waits untimed.
        :raises LockOrderError: in ``raise`` mode, for a lock-order inversion.
        """
        try:
            state: ThreadState = self._local.state
        except AttributeError:
            state = self._tracker.state()
        if blocking is True and timeout == -1:
            if state.held:
                self._tracker.check_order(state, self)
            if not self._take(False):
                self._block(state)
        elif not self._take(blocking, timeout):
            return False
        self._owner = state
        state.held.append(self)
        return True

    __enter__ = acquire

    def release(self) -> None:
        """Release the lock; any thread may (a :class:`DebugWarning` if it is not the
        thread that acquired it).

        :raises RuntimeError: if it is not locked.
        """
        owner = self._owner
        if owner is not None:
            if owner.ident != self._get_ident():
                self._warn_foreign(owner)
            self._owner = None
            held = owner.held
            if held and held[-1] is self:
                held.pop()
            else:
                self._forget(held, self)
        try:
            self._give()
        except RuntimeError:
            raise self._unlocked() from None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # release(), inlined: the with statement is the common use (bench_debug.py).
        owner = self._owner
        if owner is not None:
            if owner.ident != self._get_ident():
                self._warn_foreign(owner)
            self._owner = None
            held = owner.held
            if held and held[-1] is self:
                held.pop()
            else:
                self._forget(held, self)
        try:
            self._give()
        except RuntimeError:
            raise self._unlocked() from None

    def _warn_foreign(self, owner: ThreadState) -> None:
        self._handoff = True
        warnings.warn(
            DebugWarning(
                f"{self.describe()} was acquired by {owner.name} and is released by "
                f"{self._tracker.state().name}: legal for a Lock, but often a mistake"
            ),
            stacklevel=3,
        )

    def _unlocked(self) -> RuntimeError:
        return RuntimeError(
            f"release unlocked lock: {self.describe()} is not locked; release a lock "
            "only after acquiring it"
        )

    def locked(self) -> bool:
        """Return whether the lock is locked."""
        return bool(self._inner.locked())

    def _is_owned(self) -> bool:
        return self._owner is self._tracker.state()

    def _release_save(self) -> None:
        self._drop()
        self._give()

    def _acquire_restore(self, saved: object, /) -> None:
        self._take()
        state = self._tracker.state()
        self._owner = state
        state.held.append(self)


class RLock(_Tracked):
    """A reentrant lock: owned by the thread that took it, with a recursion level.

    Spec: 16.2.3 (RLock Objects).  Written here over the inner backend's Lock, so its
    owner is always known.
    """

    __slots__ = ("_count",)
    _kind = "RLock"

    def __init__(self) -> None:
        super().__init__()
        self._inner = self._tracker.inner.Lock()
        self._take = self._inner.acquire
        self._give = self._inner.release
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, or raise its recursion level if the caller owns it.

        :raises DeadlockError: if the wait would never end.
        :raises LockOrderError: in ``raise`` mode, for a lock-order inversion.
        """
        try:
            state: ThreadState = self._local.state
        except AttributeError:
            state = self._tracker.state()
        if self._owner is state:
            if blocking is not True or timeout != -1:
                check_lock_timeout(blocking, timeout, self._tracker.inner.TIMEOUT_MAX)
            self._count += 1
            return True
        if blocking is True and timeout == -1:
            if state.held:
                self._tracker.check_order(state, self)
            if not self._take(False):
                self._block(state)
        elif not self._take(blocking, timeout):
            return False
        self._owner = state
        self._count = 1
        state.held.append(self)
        return True

    __enter__ = acquire

    def release(self) -> None:
        """Lower the recursion level; release the lock when it reaches zero.

        :raises RuntimeError: if the calling thread does not own the lock.
        """
        if self._owner is not self._tracker.state():
            owner = self._owner
            why = "it is not locked" if owner is None else f"it is owned by {owner.name}"
            raise RuntimeError(
                f"cannot release un-acquired lock: {self.describe()} is not owned by "
                f"{self._tracker.state().name} ({why}); only the owner may release an RLock"
            )
        self._count -= 1
        if not self._count:
            self._drop()
            self._give()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def locked(self) -> bool:
        """Return whether the lock is held by some thread."""
        return bool(self._inner.locked())

    def _is_owned(self) -> bool:
        return self._owner is self._tracker.state()

    def _release_save(self) -> tuple[int, Any]:
        if self._owner is not self._tracker.state():
            raise RuntimeError("cannot release un-acquired lock")
        count, self._count = self._count, 0
        owner = self._owner
        self._drop()
        self._give()
        return count, owner

    def _acquire_restore(self, saved: tuple[int, Any], /) -> None:
        self._take()
        state = self._tracker.state()
        self._owner = state
        self._count = saved[0]
        state.held.append(self)

    def __repr__(self) -> str:
        # As CPython's: the state, the owner and the recursion level (count=0 while
        # unlocked, including while its owner waits on a Condition).
        state = "locked" if self._inner.locked() else "unlocked"
        owner = f" owner={self._owner.name!r}" if self._owner is not None else ""
        return (
            f"<{state} anythread.debug.RLock {self.describe()}{owner} "
            f"count={self._count} at {id(self):#x}>"
        )


def owner_of(obj: object) -> ThreadState | None:
    """The thread that must act for a wait on ``obj`` to end, if it is known.

    A debug lock's owner; for a joined thread, the thread itself while it is blocked
    (a thread that is running will end by itself as far as the wait-for graph knows).
    """
    if isinstance(obj, Lock) and obj._handoff:
        return None
    if isinstance(obj, _Tracked):
        return obj._owner
    tracker: Tracker = getattr(obj, "_debug_tracker")  # noqa: B009  (set on the class)
    return tracker.state_of_thread(getattr(obj, "ident", None))
