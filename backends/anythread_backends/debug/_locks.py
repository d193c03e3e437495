"""The debug Lock and RLock: the inner backend's lock plus an owner and a held list.

Each debug backend derives its own subclasses carrying its :class:`~._tracker.Tracker`
as a class attribute.  Both classes offer the ``_is_owned``/``_release_save``/
``_acquire_restore`` protocol, so the inner backend's ``Condition`` built over them
releases and retakes them through this code: the held list drops the lock while the
Condition waits, taking it back is a wait in the wait-for graph, and ``wait()``/
``notify()`` by a thread that does not hold the lock is the standard ``RuntimeError``
even for a plain Lock held by another thread.

Fast path (uncontended): one thread-local read, the inner acquire, the caller's frame
and instruction kept (where the lock was taken, for the stack of an order edge that a
later acquire may record), the owner set and the lock appended to the thread's held
list.  The tracker's lock is taken only to block, or to record a *new* order edge.
"""

from __future__ import annotations

import _thread
import sys
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, ClassVar

from anythread.errors import DeadlockError
from anythread.semantics._checks import check_lock_timeout, warn_rlock_arguments
from anythread_backends.debug._graph import Node
from anythread_backends.debug._report import caller_frame
from anythread_backends.debug._tracker import ENDED, ThreadState, Tracker, _alive, suspicious

__all__ = ["Lock", "RLock", "owner_of"]


# The frame of the caller of acquire(), kept on every acquire: sys._getframe(1) is the
# only way cheap enough for that path (about 20 ns; inspect.currentframe().f_back costs
# about 130 ns, which alone would break the 6x target of benchmarks/bench_debug.py).  It
# is a frame reference, not a stack capture: nothing is walked or formatted unless a new
# order edge is recorded.  Where it does not exist, no acquisition site is kept.
class _NoFrame:
    """Stands for a frame where frames cannot be had: no site is known."""

    f_lasti = -1
    f_back = None


_NO_FRAME = _NoFrame()


def _no_frame(depth: int) -> Any:
    return _NO_FRAME


_getframe: Callable[[int], Any] = getattr(sys, "_getframe", _no_frame)

#: The standard library's ``threading.Lock`` on this version (``_thread.allocate_lock``
#: before 3.13, the lock type since), whose TypeError a Lock called with arguments raises.
_STDLIB_LOCK: Callable[..., Any] = (
    _thread.LockType if sys.version_info >= (3, 13) else _thread.allocate_lock
)

#: How long a thread blocked on a Lock it holds itself waits between two looks at
#: whether any other thread could still release it (seconds, doubling up to the max).
POLL, POLL_MAX = 0.02, 0.2


class _Tracked:
    # _take and _give are the inner lock's bound acquire and release: one lookup less on
    # the fast path (measured with benchmarks/bench_debug.py).
    __slots__ = (
        "__weakref__",
        "_frame",
        "_give",
        "_ident",
        "_inner",
        "_lasti",
        "_local",
        "_node",
        "_owner",
        "_site",
        "_take",
        "_trk",
        "name",
    )

    _tracker: ClassVar[Tracker]
    #: The tracker's thread-local (where each thread's :class:`ThreadState` lives) and
    #: the inner backend's get_ident, per instance: an instance slot is read faster than
    #: a class attribute (CPython specialises the first, not the second).
    _local: Any
    _ident: Callable[[], int]
    #: The tracker again, as an instance slot, for the same reason.
    _trk: Tracker
    _kind: ClassVar[str] = "Lock"
    #: Whether only the holder may release it (an RLock): a wait for it after the
    #: holder has ended is then for ever.
    owner_only: ClassVar[bool] = False
    _inner: Any
    _take: Callable[..., bool]
    _give: Callable[[], None]

    def __init__(self) -> None:
        tracker = self._trk = self._tracker
        self._local = tracker.local
        self._ident = tracker.get_ident
        self._owner: ThreadState | None = None
        self._node: Node | None = None
        #: Where the holder took it: the caller's frame and its instruction then.
        self._frame: FrameType | None = None
        self._lasti = -1
        frame = caller_frame()
        self._site = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None
        #: A name for reports (assign one: ``lock.name = "accounts"``); else the site.
        self.name: str | None = None

    def class_key(self) -> object:
        """The lock's class in ``site`` order: its creation site (or itself)."""
        return self._site if self._site is not None else self

    @property
    def holder_name(self) -> str | None:
        """The name of the thread that holds it, or None."""
        owner = self._owner
        return None if owner is None else owner.name

    def describe(self) -> str:
        """The lock as reports name it: its name, or ``Lock@file:line``."""
        if self.name:
            return str(self.name)
        if self._site is None:
            return f"{self._kind}@{id(self):#x}"
        return f"{self._kind}@{self._site[0]}:{self._site[1]}"

    def __del__(self) -> None:
        try:
            node = self._node
        except AttributeError:  # __init__ never ran (bad arguments) or failed early
            return
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

    def _retake(self, state: ThreadState) -> None:
        # The end of Condition.wait(): if taking the lock back would close a cycle, the
        # DeadlockError leaves wait() without the lock; it says so, so that the ``with``
        # statement around the wait does not then release the lock of another thread.
        if not self._take(False):
            try:
                self._block(state)
            except DeadlockError as error:
                error.not_retaken = self  # type: ignore[attr-defined]
                raise

    def _keep_site(self) -> None:
        # Slow-path twin of the fast path's inline code (the caller's caller's frame).
        if _getframe is not None:
            frame = _getframe(2)
            self._frame = frame
            self._lasti = frame.f_lasti

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
            self._frame = None
            if owner and owner[-1] is self:
                owner.pop()
            else:
                self._forget(owner, self)

    def __repr__(self) -> str:
        state = "locked" if self._inner.locked() else "unlocked"
        owner = f" owner={self._owner.name!r}" if self._owner is not None else ""
        # CPython's shape ('<unlocked _thread.lock object at 0x...>'), with the lock's
        # name or creation site and its owner's name.
        return (
            f"<{state} anythread.debug.{self._kind} object {self.describe()}{owner} "
            f"at {id(self):#x}>"
        )


class Lock(_Tracked):
    """A primitive lock that knows which thread took it.

    Spec: 16.2.2 (Lock Objects).  Any thread may release it (logged, or warned, when it
    is not the thread that acquired it).  Once that has happened the lock is a
    *hand-off* lock (a signal between threads): its owner says nothing about who will
    release it, so it no longer takes part in the wait-for graph nor in the lock-order
    graph (:meth:`~._tracker.Tracker.hand_off`; ``declare_handoff()`` and
    ``ANYTHREAD_DEBUG_HANDOFF`` make a Lock one from the start).  A thread acquiring,
    untimed, a Lock it holds itself is a deadlock only if no other thread could release
    it (see :meth:`~._tracker.Tracker.wait_alone`).
    """

    __slots__ = ("_handoff",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        if args or kwargs:
            raise _lock_arguments_error(args, kwargs)
        super().__init__()
        tracker = self._trk
        self._inner = tracker.inner.Lock()
        self._take = self._inner.acquire
        self._give = self._inner.release
        # (ANYTHREAD_DEBUG_HANDOFF: its node is marked when the order graph makes it.)
        self._handoff = bool(tracker.handoff_sites) and tracker.is_handoff_site(self._site)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock; see :meth:`threading.Lock.acquire`.

        :raises DeadlockError: if the wait would never end.
        :raises LockOrderError: in ``raise`` mode, for a lock-order inversion.
        """
        try:
            state: ThreadState = self._local.state
        except AttributeError:
            state = self._tracker.state()
        take = self._take
        if blocking is True and timeout == -1:
            if state:
                # Every edge held -> this lock already known and ungated: nothing to do
                # (the tracker's check_order, inlined for that common case).
                node = self._node
                for held in state:
                    known = held._node
                    edge = known.out.get(node) if known is not None and node is not None else None
                    if edge is None or edge.gates:
                        self._trk.check_order(state, self)
                        break
            if not take(False):
                if self._owner is state:
                    self._wait_for_release(state)
                else:
                    self._block(state)
        elif not take(blocking, timeout):
            return False
        self._owner = state
        frame = self._frame = _getframe(1)
        self._lasti = frame.f_lasti
        state.append(self)
        return True

    __enter__ = acquire

    def _wait_for_release(self, state: ThreadState) -> None:
        # The calling thread holds this Lock and waits for it: a deadlock, unless some
        # other thread may still release it (a Lock used as a signal).
        tracker = self._tracker
        tracker.wait_alone(state, self, owner_of)
        since: list[float] = []
        poll = POLL
        try:
            while not self._take(True, poll):
                tracker.confirm_alone(state, self, owner_of, since)
                poll = min(poll * 2, POLL_MAX)
        finally:
            tracker.unblock(state)

    def release(self) -> None:
        """Release the lock; any thread may (reported as suspicious, not as an error,
        if it is not the thread that acquired it).

        :raises RuntimeError: if it is not locked.
        """
        owner = self._owner
        if owner is not None:
            ident = self._ident
            if owner and owner[-1] is self and owner.ident == ident():
                self._owner = self._frame = None
                owner.pop()
            else:
                self._release_by(owner)
        give = self._give
        try:
            give()
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
            ident = self._ident
            if owner and owner[-1] is self and owner.ident == ident():
                self._owner = self._frame = None
                owner.pop()
            elif _not_retaken(exc, self):
                return
            else:
                self._release_by(owner)
        give = self._give
        try:
            give()
        except RuntimeError:
            raise self._unlocked() from None

    def _release_by(self, owner: ThreadState) -> None:
        # The slow path of a release: out of order, or by another thread than the owner.
        self._owner = self._frame = None
        self._forget(owner, self)
        if owner.ident != self._ident():
            self._foreign(owner)

    def _foreign(self, owner: ThreadState) -> None:
        self._handoff = True
        self._tracker.hand_off(self)
        suspicious(
            f"{self.describe()} was acquired by {owner.name} and is released by "
            f"{self._tracker.state().name}: legal for a Lock, but often a mistake",
            stacklevel=4,
        )

    def _unlocked(self) -> RuntimeError:
        return RuntimeError(
            f"release unlocked lock: {self.describe()} is not locked; release a lock "
            "only after acquiring it"
        )

    def locked(self) -> bool:
        """Return whether the lock is locked."""
        return bool(self._inner.locked())

    if hasattr(_thread.LockType, "acquire_lock"):
        # The standard library's lock's old names, where it still has them.
        acquire_lock = acquire
        release_lock = release
        locked_lock = locked

    def _is_owned(self) -> bool:
        return self._owner is self._tracker.state()

    def _release_save(self) -> None:
        self._drop()
        self._give()

    def _acquire_restore(self, saved: object, /) -> None:
        # Taking the lock back at the end of Condition.wait(): a wait with an owner.
        state = self._tracker.state()
        self._retake(state)
        self._owner = state
        self._keep_site()
        state.append(self)


class RLock(_Tracked):
    """A reentrant lock: owned by the thread that took it, with a recursion level.

    Spec: 16.2.3 (RLock Objects).  Written here over the inner backend's Lock, so its
    owner is always known.
    """

    __slots__ = ("_count",)
    _kind = "RLock"
    owner_only = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        if args or kwargs:
            warn_rlock_arguments()  # (RLOCK-INIT-01)
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
            if state:
                self._trk.check_order(state, self)
            if not self._take(False):
                self._block(state)
        elif not self._take(blocking, timeout):
            return False
        self._owner = state
        self._count = 1
        if _getframe is not None:
            frame = self._frame = _getframe(1)
            self._lasti = frame.f_lasti
        state.append(self)
        return True

    __enter__ = acquire

    def release(self) -> None:
        """Lower the recursion level; release the lock when it reaches zero.

        :raises RuntimeError: if the calling thread does not own the lock.
        """
        try:
            state: ThreadState = self._local.state
        except AttributeError:
            state = self._trk.state()
        if self._owner is not state:
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
        if self._owner is not None and _not_retaken(exc, self):
            return
        self.release()

    def locked(self) -> bool:
        """Return whether the lock is held by some thread."""
        return bool(self._inner.locked())

    def _recursion_count(self) -> int:
        """The recursion level if the calling thread owns the lock, else 0 (CPython's
        private method, which its multiprocessing resource tracker calls)."""
        try:
            state: ThreadState = self._local.state
        except AttributeError:  # a thread that never used the backend owns nothing
            return 0
        return self._count if self._owner is state else 0

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
        # Taking the lock back at the end of Condition.wait(): a wait with an owner.
        state = self._tracker.state()
        self._retake(state)
        self._owner = state
        self._count = saved[0]
        self._keep_site()
        state.append(self)

    def __repr__(self) -> str:
        # As CPython's: the state, the owner and the recursion level (count=0 while
        # unlocked, including while its owner waits on a Condition).
        state = "locked" if self._inner.locked() else "unlocked"
        owner = f" owner={self._owner.name!r}" if self._owner is not None else ""
        return (
            f"<{state} anythread.debug.RLock object {self.describe()}{owner} "
            f"count={self._count} at {id(self):#x}>"
        )


def _lock_arguments_error(args: tuple[object, ...], kwargs: dict[str, object]) -> TypeError:
    """The TypeError of the standard library's ``Lock(*args, **kwargs)``."""
    try:
        _STDLIB_LOCK(*args, **kwargs)
    except TypeError as error:
        return TypeError(*error.args)
    return TypeError("Lock() takes no arguments")  # (no version known accepts them)


def _not_retaken(exc: BaseException | None, lock: _Tracked) -> bool:
    """Whether ``exc`` is the DeadlockError of a Condition.wait() that could not take
    ``lock`` back (the ``with`` block around the wait must not release it then)."""
    return exc is not None and getattr(exc, "not_retaken", None) is lock


def owner_of(obj: object) -> int | None:
    """The identifier of the thread that must act for a wait on ``obj`` to end, if one
    thread is known: a debug lock's owner (none for a hand-off Lock); a joined thread
    itself while it is alive.  :data:`~._tracker.ENDED` for a lock whose owner has
    ended (its identifier may be another thread's by now).  None for everything else
    (Condition, Semaphore, Event, Barrier: any thread may end those waits).
    """
    if isinstance(obj, _Tracked):
        owner = obj._owner
        if owner is None or (isinstance(obj, Lock) and obj._handoff):
            return None
        return owner.ident if _alive(owner) else ENDED
    if getattr(obj, "_debug_tracker", None) is not None:
        ident = getattr(obj, "ident", None)
        is_alive = getattr(obj, "is_alive", None)
        if ident is not None and callable(is_alive) and is_alive():
            return int(ident)
    return None
