"""The greenlet kernel: the :class:`anythread.Kernel` of the ``cooperative`` backend.

It owns the hubs (one per OS thread, created when that thread first blocks or starts a
green thread), the clock (real, or virtual: time jumps to the next timer when every
green thread of a hub is blocked), the schedule, and the green threads alive, by
identifier, for hang reports.  Extras it declares: :class:`~anythread.protocols.KernelWaitSites`
(wait records name where each object was created), :class:`~anythread.protocols.KernelExitHook`
and :class:`~anythread.protocols.KernelNamedThreads` (a green thread's name is readable
beneath the backend, for hang reports), :class:`~anythread.protocols.KernelForkHooks`
(the reset of a forked child is :mod:`~anythread_backends.cooperative._fork`'s),
:class:`~anythread.protocols.KernelMainThread` (the main thread is the main OS thread's
own greenlet, whichever OS thread first uses the backend),
:class:`~anythread.protocols.KernelRLock` (a
green reentrant lock, :class:`GreenRLock`, about twice as fast as the semantics layer's
RLock over a green lock, since it is one green lock that knows its owner),
:class:`~anythread.protocols.KernelUserLock` (``Lock()`` is :class:`UserGreenLock`, a
green lock that checks its own arguments and records its own waits, instead of the
layer's checking wrapper around one) and
:class:`~anythread.protocols.KernelParkedLocks` (a parked thread waits on a
:class:`~anythread_backends.cooperative._hub.ParkedLock`, its own waiter, instead of a
general green lock).

While the interpreter finalizes, greenlet refuses ``getcurrent()``; the kernel's locks
work on then (logging's weakref callbacks take its RLock), with the finalizing code as
their holder (see :data:`_FINALIZER`).
"""

from __future__ import annotations

import _thread
import atexit
import functools
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from inspect import currentframe
from typing import Any

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

import anythread
from anythread.errors import DeadlockError
from anythread.protocols import NamedThread
from anythread.semantics._checks import check_lock_timeout, named_as
from anythread_backends._thread_end import ThreadEndNotices
from anythread_backends.cooperative import _fork, _hub, _signals, _stall
from anythread_backends.cooperative._event import GreenEvent
from anythread_backends.cooperative._foreign import idle_workers, outsiders_alive
from anythread_backends.cooperative._hub import (
    GreenLock,
    Hub,
    HubOwner,
    ParkedLock,
    PointsGreenLock,
    PointsParkedLock,
    Task,
    take,
)
from anythread_backends.cooperative._queue import GreenWaitQueue
from anythread_backends.cooperative._schedule import Schedule
from anythread_backends.cooperative._tracing import SwitchHooks

__all__ = ["GreenKernel", "user_site"]

_getcurrent = greenlet.getcurrent
_os_ident = _thread.get_ident

# Frames of anythread (the core and the backends) are not where the user's code is.
_SKIP_DIRS = (
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
    os.path.dirname(os.path.abspath(anythread.__file__ or "")) + os.sep,
)


def _is_ours(filename: str) -> bool:
    return filename.startswith(_SKIP_DIRS)


def _forget_hooks(hub: Hub) -> None:
    hub.switch_hooks = None


def user_site(frame: Any) -> str:
    """Return ``file:line`` of the first frame, from ``frame`` outwards, that is not
    anythread's own; ``""`` if there is none."""
    while frame is not None and _is_ours(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return ""
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _creation_site() -> tuple[str, int] | None:
    # (filename, line) of the user's code creating a lock: the first frame, outwards,
    # that is not anythread's own (a default Condition's lock: where the Condition was
    # created).
    frame = currentframe()
    try:
        while frame is not None and _is_ours(frame.f_code.co_filename):
            frame = frame.f_back
        return None if frame is None else (frame.f_code.co_filename, frame.f_lineno)
    finally:
        del frame


# While the interpreter finalizes (after the atexit functions, as it collects its last
# garbage: weakref callbacks and __del__ methods run then, such as logging's
# _removeHandlerRef), greenlet refuses getcurrent() with a RuntimeError ("greenlet is
# being finalized").  Only the finalizing OS thread runs Python code then, and no green
# thread will run again; this object stands for that code, the one thread left: the
# identity the kernel sees then, and the holder of a lock it takes.
_FINALIZER = object()


def _getcurrent_at_exit() -> Any:
    """Return ``greenlet.getcurrent()``, or :data:`_FINALIZER` once the interpreter
    finalizes.

    :raises RuntimeError: greenlet's own, if the interpreter is not finalizing.
    """
    try:
        return greenlet.getcurrent()
    except RuntimeError:
        if not sys.is_finalizing():
            raise
        return _FINALIZER


@atexit.register
def _ready_for_finalization() -> None:
    # From the interpreter's exit on, the kernel reads the current greenlet through
    # _getcurrent_at_exit (every use reads the global _getcurrent): the locks work on
    # as the interpreter finalizes, and until then their hot paths pay nothing for it.
    # (Registered as this module is imported, it runs after the exit rule, registered
    # when the first non-daemon thread starts: those threads still run at full speed.)
    global _getcurrent
    _getcurrent = _getcurrent_at_exit


def _get_ident() -> int:
    """Return the calling green thread's identifier (an OS thread's main greenlet has
    its OS thread's identifier, and so has the code that runs while the interpreter
    finalizes)."""
    glet = _getcurrent()
    if type(glet) is Task:
        return glet.ident
    return _os_ident()


def _wait_while_finalizing(seconds: float) -> bool:
    # A held lock while the interpreter finalizes: nobody can release it any more.  A
    # timed wait fails at once; one without a timeout would hang for ever.
    if seconds >= 0:
        return False
    raise RuntimeError(
        "cannot wait for a held lock while the interpreter is finalizing: no thread can "
        "release it any more"
    )


def _renamed(function: Callable[..., Any], qualname: str) -> Callable[..., Any]:
    """Return a copy of ``function`` (of another module) named ``qualname`` in the
    errors Python raises for wrong arguments (see :func:`named_as`)."""
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__doc__ = function.__doc__
    return named_as(copy, qualname)


#: Whether the standard library's lock has the old aliases of its methods
#: (``acquire_lock``, ``release_lock``, ``locked_lock``); Lock() has them where it does.
_LOCK_ALIASES = hasattr(_thread.LockType, "acquire_lock")


class _RecordedGreenLock(GreenLock):
    """What ``Lock()`` and ``RLock()`` share: a green lock, weakly referable as
    threading's locks are (the kernel's plain locks are not), whose contended blocking
    acquire is listed in the world's wait records while it waits (kind :attr:`_kind`,
    with the creation site), for hang reports."""

    __slots__ = ("__weakref__", "_site")

    #: the kind its waits are recorded as
    _kind = "Lock"

    def __init__(self, kernel: Any) -> None:
        GreenLock.__init__(self, kernel)
        self._site = _creation_site() if kernel.record_wait_sites else None

    def _wait_recorded(self, seconds: float) -> bool:
        # The contended blocking acquire: listed in the wait records while it blocks.
        # While the interpreter finalizes, greenlet refuses the wait (the hub's own
        # getcurrent()).
        kernel = self._kernel
        backend = kernel.backend
        try:
            if backend is None:  # a kernel used on its own, without a backend
                return self._wait(seconds)
            deadline = None if seconds < 0 else kernel.monotonic() + seconds
            record = backend.waits.enter(self, self._kind, self._site, deadline)
            try:
                return self._wait(seconds)
            finally:
                backend.waits.leave(record)
        except RuntimeError:
            if not sys.is_finalizing():
                raise
            return _wait_while_finalizing(seconds)

    #: the wait itself (-1: without a timeout), once the lock was found taken
    _wait = GreenLock._acquire_contended

    def _at_fork_reinit(self) -> None:
        """Give the lock a new lock's state: unlocked, no waiter.  The standard
        library's at-fork handlers call it in a forked child (``concurrent.futures``'
        and ``logging``'s, on the locks they made under ``anythread run``)."""
        self._state = [True]
        self._waiters = None
        self.holder = None


class UserGreenLock(_RecordedGreenLock):
    """The lock ``Lock()`` hands out (the :class:`~anythread.protocols.KernelUserLock`
    extra): ``threading.Lock``'s behaviour, as the semantics layer's Lock has it, in one
    green lock.

    It checks ``acquire()``'s arguments as CPython's lock does, is weakly referable, and
    lists a contended blocking acquire in the world's wait records while it waits (kind
    ``"Lock"``, with the creation site), for hang reports.  The uncontended acquire and
    release are one Python call each, where the layer's checking wrapper over a green
    lock made them two.  The layer's own objects keep the plain :class:`GreenLock`.
    Its methods carry the names of CPython's (``acquire``, ``lock.release``), which
    Python's errors for wrong arguments show.
    """

    __slots__ = ()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, blocking or not, for at most ``timeout`` seconds; return
        whether it was acquired.

        While the interpreter finalizes, a free lock is taken by the finalizing code; a
        held one fails a timed acquire at once and refuses to wait without a timeout.

        :raises ValueError: if a timeout is given with ``blocking=False``, or it is NaN
            or negative other than -1.
        :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``.
        :raises RuntimeError: if it would wait for ever while the interpreter finalizes.
        """
        seconds = -1.0
        if timeout != -1:
            seconds = check_lock_timeout(blocking, timeout, GreenKernel.TIMEOUT_MAX)
        state = self._state
        if state:  # take(state), inline
            try:
                state.pop()
            except IndexError:  # taken by another OS thread since the test
                pass
            else:
                self.holder = _getcurrent()
                return True
        if not blocking or seconds == 0:
            return False
        return self._wait_recorded(seconds)

    acquire = named_as(acquire, "acquire")
    __enter__ = acquire
    release = _renamed(GreenLock.release, "lock.release")
    locked = _renamed(GreenLock.locked, "lock.locked")
    if _LOCK_ALIASES:
        acquire_lock = acquire
        release_lock = release
        locked_lock = locked

    def __repr__(self) -> str:
        state = "unlocked" if self._state else "locked"
        return f"<{state} anythread.Lock object at {id(self):#x}>"


class PointsUserGreenLock(UserGreenLock):
    """A :class:`UserGreenLock` whose every acquire and release is a scheduling point
    (random and pct schedules), at the same places as the layer's checking ``Lock``
    over a :class:`~anythread_backends.cooperative._hub.PointsGreenLock` had them: a
    recorded schedule replays the same."""

    __slots__ = ()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        seconds = -1.0
        if timeout != -1:
            seconds = check_lock_timeout(blocking, timeout, GreenKernel.TIMEOUT_MAX)
        self._kernel.scheduling_point()
        if take(self._state):
            self.holder = _getcurrent()
            return True
        if not blocking:
            return False
        return self._wait_recorded(seconds)

    acquire = named_as(acquire, "acquire")
    __enter__ = acquire

    def _wait(self, seconds: float) -> bool:
        self._kernel.scheduling_point()
        if seconds == 0:
            return GreenLock.acquire(self, False)
        return GreenLock.acquire(self, True, seconds)

    def release(self) -> None:
        GreenLock.release(self)
        self._kernel.scheduling_point()

    release = named_as(release, "lock.release")
    if _LOCK_ALIASES:
        acquire_lock = acquire
        release_lock = release


class GreenRLock(_RecordedGreenLock):
    """The kernel's reentrant lock (the :class:`~anythread.protocols.KernelRLock` extra):
    ``threading.RLock``'s behaviour, as the semantics layer's RLock has it, in one green
    lock.

    Its owner is the :attr:`~GreenLock.holder` of the green lock (the greenlet that
    acquired it), its recursion level ``_count``.  The uncontended acquire and release
    are one Python call each; a contended blocking acquire is listed in the world's wait
    records while it waits (kind ``"RLock"``, with the creation site), for hang reports.
    While the interpreter finalizes, the finalizing code owns what it takes (see
    :meth:`UserGreenLock.acquire`).
    """

    __slots__ = ("_count",)

    _kind = "RLock"

    def __init__(self, kernel: Any) -> None:
        _RecordedGreenLock.__init__(self, kernel)
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, blocking or not, for at most ``timeout`` seconds; if this
        thread owns it, raise the recursion level and return at once.

        :raises ValueError: if a timeout is given with ``blocking=False``, or it is NaN
            or negative other than -1.
        :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``.
        :raises RuntimeError: if it would wait for ever while the interpreter finalizes.
        """
        # Free: taken at once (an owner would have found it locked); arguments other
        # than the defaults are checked then, and the lock given back if they are wrong.
        state = self._state
        if state:  # take(state), inline
            try:
                state.pop()
            except IndexError:  # taken by another OS thread since the test
                return self._acquire_owned(_getcurrent(), blocking, timeout)
            if timeout != -1:
                try:
                    check_lock_timeout(blocking, timeout, GreenKernel.TIMEOUT_MAX)
                except BaseException:
                    self._unlock()  # (a waiter of another OS thread may have come)
                    raise
            self.holder = _getcurrent()
            self._count = 1
            return True
        me = _getcurrent()
        if self.holder is me:
            if timeout != -1:
                check_lock_timeout(blocking, timeout, GreenKernel.TIMEOUT_MAX)
            self._count += 1
            return True
        return self._acquire_owned(me, blocking, timeout)

    acquire = named_as(acquire, "acquire")
    __enter__ = acquire

    def _acquire_owned(self, me: Any, blocking: bool, timeout: float) -> bool:
        seconds = check_lock_timeout(blocking, timeout, GreenKernel.TIMEOUT_MAX)
        if take(self._state):
            acquired = True
        elif not blocking or seconds == 0:
            acquired = False
        else:
            acquired = self._wait_recorded(seconds)
        if acquired:
            self.holder = me
            self._count = 1
        return acquired

    def release(self) -> None:
        """Release the lock once; the outermost release unlocks it.

        :raises RuntimeError: if the calling thread does not own the lock.
        """
        count = self._count
        if self.holder is not _getcurrent() or not count:
            raise RuntimeError("cannot release un-acquired lock")
        if count > 1:
            self._count = count - 1
            return
        self._count = 0
        # GreenLock.release, inline (one call less on the hot path)
        if self._waiters:
            self._hand_off()
            return
        self.holder = None
        # give(self._state), inline: the owner's token, so it is not there
        self._state.append(True)
        if self._waiters:
            self._grant_late()

    release = named_as(release, "RLock.release")

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    # The protocol Condition uses (anythread.protocols.OwnedLock).

    def _is_owned(self) -> bool:
        return self.holder is _getcurrent() and self._count > 0

    _is_owned = named_as(_is_owned, "RLock._is_owned")

    def _recursion_count(self) -> int:
        """Return the calling thread's recursion level: how many times it holds the
        lock, 0 if it does not own it (CPython's ``RLock._recursion_count()``, which
        :mod:`multiprocessing`'s resource tracker calls)."""
        return self._count if self.holder is _getcurrent() else 0

    _recursion_count = named_as(_recursion_count, "RLock._recursion_count")

    def _at_fork_reinit(self) -> None:
        _RecordedGreenLock._at_fork_reinit(self)
        self._count = 0

    def _release_save(self) -> tuple[int, Any]:
        if not self._count:
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self.holder)
        self._count = 0
        GreenLock.release(self)
        return state

    def _acquire_restore(self, state: tuple[int, Any], /) -> None:
        GreenLock.acquire(self)
        self._count, self.holder = state

    def __repr__(self) -> str:
        state = "unlocked" if self._state else "locked"
        holder = self.holder
        owner = None
        if self._count and holder is not None:
            owner = self._kernel.ident_of(holder)
        return (
            f"<{state} anythread.RLock object owner={owner!r} count={self._count} at {id(self):#x}>"
        )


class PointsGreenRLock(GreenRLock):
    """A :class:`GreenRLock` whose outermost acquire and release are scheduling points
    (random and pct schedules), where the layer's RLock over a
    :class:`~anythread_backends.cooperative._hub.PointsGreenLock` has them."""

    __slots__ = ()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self.holder is not _getcurrent():
            self._kernel.scheduling_point()
        return GreenRLock.acquire(self, blocking, timeout)

    acquire = named_as(acquire, "acquire")
    __enter__ = acquire

    def release(self) -> None:
        GreenRLock.release(self)
        if not self._count:
            self._kernel.scheduling_point()

    release = named_as(release, "RLock.release")

    def _release_save(self) -> tuple[int, Any]:
        state = GreenRLock._release_save(self)
        self._kernel.scheduling_point()
        return state

    def _acquire_restore(self, state: tuple[int, Any], /) -> None:
        self._kernel.scheduling_point()
        GreenRLock._acquire_restore(self, state)


class GreenKernel:
    """Green threads on greenlet, one hub per OS thread.

    :param virtual: use the virtual clock (time jumps to the next timer when every
        green thread is blocked).
    :param schedule: which ready green thread runs next.
    :param stall: report a green thread that keeps the others of its OS thread from
        running for this many seconds (see :mod:`~anythread_backends.cooperative._stall`);
        None: no reports.
    """

    TIMEOUT_MAX: float = float(_thread.TIMEOUT_MAX)
    #: wait records say where each object was created (KernelWaitSites)
    record_wait_sites = True
    #: the Event whose waits the hub does itself (KernelEvent)
    event_class = GreenEvent
    #: the wait queue whose parks the hub does itself (KernelWaitQueue)
    wait_queue_class = GreenWaitQueue
    #: a task (the handle of a green thread) has its identifiers before it runs, and
    #: will run: start() need not wait for it (KernelIdentsAtStart)
    idents_at_start = True

    # The functions the backend serves as Lock(), RLock() and sleep(), made for each
    # kernel by _serve (they are not bound methods: see there).
    #: ``Lock()``: a new unlocked ``threading.Lock`` (the KernelUserLock extra), a green
    #: lock that checks its arguments and records its waits
    allocate_user_lock: Callable[[], UserGreenLock]
    #: ``RLock()``: a new unlocked green reentrant lock (the KernelRLock extra)
    allocate_rlock: Callable[[], GreenRLock]
    #: ``sleep(seconds)``: suspend the calling green thread (see :func:`_serve`)
    sleep: Callable[[float], None]

    def __init__(
        self,
        *,
        virtual: bool = False,
        schedule: Schedule | None = None,
        stall: float | None = None,
    ) -> None:
        self.virtual = virtual
        #: the stall limit in seconds (None: no stall reports)
        self.stall = _stall.check_stall(stall)
        self.schedule = schedule if schedule is not None else Schedule()
        self.preemptive_points = self.schedule.preemptive_points
        # Scopes open now whose schedule has scheduling points at every lock operation.
        self._preemptive_scopes = 0
        #: the class of this kernel's locks: under random and pct schedules each of
        #: their operations is a scheduling point; under FIFO none is
        self._lock_class = PointsGreenLock if self.preemptive_points else GreenLock
        self._user_lock_class = PointsUserGreenLock if self.preemptive_points else UserGreenLock
        self._rlock_class = PointsGreenRLock if self.preemptive_points else GreenRLock
        self._parked_class = PointsParkedLock if self.preemptive_points else ParkedLock
        # The class itself, bound to this kernel: one call less per park.
        self.allocate_parked_lock = functools.partial(  # type: ignore[method-assign]
            self._parked_class, self
        )
        self._virtual_now = 0.0
        self._local = threading.local()
        self._hubs: frozenset[Hub] = frozenset()
        #: the hub of the OS thread whose own greenlet waited last on an Event or in a
        #: wait queue (a cache of :meth:`hub` for them; forgotten when that thread ends)
        self.root_hub: Hub | None = None
        self._idents = iter(range(1, sys.maxsize))
        #: alive green threads by identifier
        self.tasks: dict[int, Task] = {}
        self._exit_callbacks: list[Callable[[], object]] = []
        self._exit_registered = False
        # The waits of the threads an exit rule found deadlocked, and the error of a
        # second exit rule that found the same (already reported: not printed again).
        self._exit_deadlock: frozenset[Any] | None = None
        self._repeated_exit_deadlock: DeadlockError | None = None
        self._fork_callbacks: list[Callable[[], object]] = []
        # Greenlets of the green threads a fork left behind, never to run (see _fork).
        self._left_behind: list[Any] = []
        self._pid = os.getpid()
        # The process the thread-end callbacks run in (a forked child's, once reset).
        self._ends_pid = self._pid
        self._thread_ends = ThreadEndNotices(lambda: os.getpid() == self._ends_pid)
        #: the backend built on this kernel (set by the package; names in reports)
        self.backend: Any = None
        _serve(self)
        _fork.arm(self)

    # ------------------------------------------------------------------ primitives

    def allocate_lock(self) -> GreenLock:
        """Return a new unlocked green lock."""
        return self._lock_class(self)

    def allocate_state_lock(self) -> Any:
        """Return a lock for the layer's own bookkeeping (the KernelStateLock extra).

        A plain OS lock: the layer holds it for a few dictionary operations, during
        which no green thread switches, so no other green thread of the same OS thread
        can ever find it taken.  Under random and pct schedules, a green lock, whose
        operations are scheduling points, as every other lock's are.
        """
        if self.preemptive_points:
            return self._lock_class(self)
        return _thread.allocate_lock()

    def allocate_parked_lock(self) -> ParkedLock:
        """Return a lock, locked, that only the calling green thread will wait on (the
        KernelParkedLocks extra)."""
        return self._parked_class(self)

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> int:
        """Start a green thread running ``function(*args, **kwargs)`` in the calling OS
        thread's hub; return its identifier.  It runs when the caller next blocks."""
        keywords = {} if kwargs is None else kwargs
        return self.start_named_thread(lambda: function(*args, **keywords), None).ident

    def start_named_thread(
        self, function: Callable[[], object], thread: NamedThread | None
    ) -> Task:
        """Start a green thread running ``function()``, known as ``thread`` in hang
        reports (None: by its identifier); its handle (the task) ``join()`` returns once
        the kernel has forgotten it."""
        glet = _getcurrent()
        hub = glet.hub if type(glet) is Task else self.hub()
        ident = next(self._idents)
        task = Task(None, hub.greenlet)  # (greenlet's constructor; slots set here)
        frame = currentframe()
        try:
            # The first frame of the user's code: kept as its code and line, and made a
            # ``file:line`` only when a report asks (an idle thread holds no string).
            while frame is not None and frame.f_code.co_filename.startswith(_SKIP_DIRS):
                frame = frame.f_back
            if frame is None:
                task._code = None
                task._line = 0
            else:
                task._code = frame.f_code
                task._line = frame.f_lineno
        finally:
            del frame
        task._function = function
        task.hub = hub
        task.ident = ident
        task.thread = thread
        task.waiter = None
        task._done = None
        self.tasks[ident] = task
        hub.spawn(task)
        if self.preemptive_points:
            self.scheduling_point()
        return task

    get_ident = staticmethod(named_as(_get_ident, "get_ident"))

    @staticmethod
    def main_thread_ids() -> tuple[int, int | None]:
        """Return ``(ident, native_id)`` of the program's main thread (the
        :class:`~anythread.protocols.KernelMainThread` extra): the main OS thread's,
        whose own greenlet has its identifier, whichever OS thread builds the backend."""
        main = threading.main_thread()
        ident = main.ident
        assert ident is not None  # (the main thread has started)
        return ident, main.native_id

    def ident_of(self, glet: Any) -> int | None:
        """Return the identifier of the thread that ``glet`` runs, if it is known: a
        green thread's own, or (for the calling greenlet or the root greenlet of a hub)
        its OS thread's."""
        if type(glet) is Task:
            return int(glet.ident)
        if glet is _getcurrent():
            return _os_ident()
        for hub in self._hubs:
            if hub.root is glet:
                return int(hub.os_ident)
        return None

    get_native_id = staticmethod(_thread.get_native_id)

    #: the kernel's clock: :func:`time.monotonic`, or the virtual clock (see :func:`_serve`)
    monotonic: Callable[[], float] = staticmethod(time.monotonic)

    def advance_to(self, when: float) -> None:
        """Move the virtual clock forward to ``when`` (never backwards)."""
        if when > self._virtual_now:
            self._virtual_now = when

    # ------------------------------------------------------------------ hubs

    def hub(self) -> Hub:
        """Return the calling OS thread's hub, creating it on first use."""
        try:
            hub: Hub = self._local.owner.hub
        except AttributeError:
            pass
        else:
            return hub
        glet = _getcurrent()
        if type(glet) is Task and glet.hub.os_ident != _os_ident():
            raise RuntimeError(  # pragma: no cover - greenlet refuses this first
                "a cooperative green thread cannot move to another OS thread"
            )
        hub = Hub(self)
        _signals.install()  # (in the main OS thread, once: Ctrl-C for the main thread)
        self._local.owner = HubOwner(hub, self._hub_died)
        # Copy on write: callers may hold the mutex; readers iterate a snapshot.
        self._hubs = self._hubs | {hub}
        if self.stall is not None:
            _stall.watch(self, self.stall)
        return hub

    def install_thread_hooks(self, trace: Any, profile: Any) -> None:
        """Make ``trace`` and ``profile`` the calling green thread's own trace and
        profile functions (the :class:`~anythread.protocols.KernelThreadHooks` extra):
        in force while it runs, in no other green thread (see
        :mod:`~anythread_backends.cooperative._tracing`)."""
        glet = _getcurrent()
        if type(glet) is not Task:  # an OS thread's own code: the OS thread's functions
            sys.settrace(trace)
            sys.setprofile(profile)
            return
        hub = glet.hub
        if hub.switch_hooks is None:
            hub.switch_hooks = SwitchHooks(hub.root, functools.partial(_forget_hooks, hub))
        hub.switch_hooks.install(glet, trace, profile)

    def _hub_died(self, hub: Hub) -> None:
        if os.getpid() != self._pid:
            # A forked child clearing the threads the fork left behind, before
            # after_fork_in_child: the mutex may be held by one of them.
            return
        with _hub.mutex:
            hub.alive = False
            self._hubs = self._hubs - {hub}
            if self.root_hub is hub:
                self.root_hub = None
            for other in self._hubs:
                if other.stuck:
                    other.poke()
            # Its greenlet, suspended for good with its thread, refers to the hub (its
            # run method), which refers to it: a cycle the collector does not break for
            # a greenlet of a dead thread.  Without this, each OS thread that ever
            # blocked in the backend would leave its hub behind (some 4 KB).
            hub.greenlet = None

    def nobody_can_wake(self, hub: Hub) -> bool:
        """Whether no other OS thread using the backend could wake ``hub`` (mutex held).

        An idle worker of the offload pool cannot, even with a hub of its own (a green
        lock it released under a random or pct schedule was a scheduling point).
        """
        return all(
            other is hub or other.stuck or other.os_ident in idle_workers for other in self._hubs
        )

    def outsiders_alive(self) -> bool:
        """Whether an OS thread without a hub could still wake a stuck hub (called
        without the mutex; the rule is :mod:`~anythread_backends.cooperative._foreign`'s)."""
        return outsiders_alive(hub.os_ident for hub in self._hubs)

    def recheck_stuck_hubs(self, hub: Hub) -> None:
        """``hub`` is now stuck: every other stuck hub looks again (mutex held)."""
        for other in self._hubs:
            if other is not hub and other.stuck:
                other.poke()

    def scheduling_point(self) -> None:
        """Let the schedule choose who runs next (random and pct schedules)."""
        glet = _getcurrent()
        if glet is _FINALIZER:
            return  # (the interpreter finalizes: no green thread will run again)
        hub = self.hub()
        if glet is hub.greenlet or not hub.schedule.preemptive_points:
            return
        hub.yield_now()

    # ------------------------------------------------------------------ scoped runs

    @contextmanager
    def scope(self, schedule: Schedule) -> Iterator[Schedule]:
        """Run the green threads of the calling OS thread under ``schedule``, as a
        world of their own, until the block ends.

        The calling OS thread must not have used the backend yet (start a fresh one for
        each scoped run): it gets a hub of its own with ``schedule``.  That hub counts no
        other OS thread as a possible waker, so when its green threads are all blocked
        it raises :class:`~anythread.DeadlockError` at once.  Green locks created in the
        block are scheduling points if ``schedule`` is ``random``, ``pct`` or
        ``replay``; on the virtual clock, time starts at 0 for the block (and never goes
        back for the rest of the program).  One scope at a time: another OS thread using
        the backend meanwhile sees the block's clock.

        :raises RuntimeError: if the calling OS thread has used the backend already.
        """
        if getattr(self._local, "owner", None) is not None:
            raise RuntimeError(
                "a cooperative schedule scope needs an OS thread that has not used the "
                "backend yet: run the scope in a new OS thread"
            )
        hub = self.hub()
        hub.use_schedule(schedule)
        hub.isolated = True
        preemptive = schedule.preemptive_points
        with _hub.mutex:
            if preemptive:
                self._preemptive_scopes += 1
                self._set_preemptive(True)
        saved = self._virtual_now
        self._virtual_now = 0.0
        try:
            yield schedule
        finally:
            self._virtual_now = max(saved, self._virtual_now)
            with _hub.mutex:
                if preemptive:
                    self._preemptive_scopes -= 1
                    self._set_preemptive(
                        self.schedule.preemptive_points or self._preemptive_scopes > 0
                    )

    def _set_preemptive(self, on: bool) -> None:
        """Whether the locks created from now on are scheduling points (mutex held)."""
        self.preemptive_points = on
        self._lock_class = PointsGreenLock if on else GreenLock
        self._user_lock_class = PointsUserGreenLock if on else UserGreenLock
        self._rlock_class = PointsGreenRLock if on else GreenRLock
        self._parked_class = PointsParkedLock if on else ParkedLock
        self.allocate_parked_lock = functools.partial(  # type: ignore[method-assign]
            self._parked_class, self
        )

    def current_schedule(self) -> Schedule:
        """The schedule of the calling OS thread's hub (the kernel's if it has none)."""
        owner = getattr(self._local, "owner", None)
        return self.schedule if owner is None else owner.hub.schedule

    # ------------------------------------------------------------------ names and reports

    def thread_name(self, ident: int) -> str:
        """The name of thread ``ident``, as the backend knows it."""
        task = self.tasks.get(ident)
        thread = getattr(task, "thread", None)
        if thread is not None:
            return str(thread.name)
        if self.backend is not None:
            main = self.backend.main_thread()
            if main is not None and main.ident == ident:
                return str(main.name)
            # An OS thread the backend did not start (its dummy thread: Dummy-N).
            for known in self.backend.enumerate():
                if known.ident == ident:
                    return str(known.name)
        if task is not None:
            return f"green thread {ident}"
        return f"OS thread {ident}"

    def deadlock_error(self, hub: Hub) -> DeadlockError:
        from anythread_backends.cooperative._report import deadlock_error

        error, exit_waits = deadlock_error(self, hub)
        if exit_waits is not None:
            # The same threads on the same waits, found by a second exit rule (anythread
            # run's, then the world's at interpreter exit): the deadlock reported already.
            if exit_waits == self._exit_deadlock:
                self._repeated_exit_deadlock = error
            self._exit_deadlock = exit_waits
        return error

    def hubs(self) -> frozenset[Hub]:
        """The live hubs (one per OS thread that has used the backend)."""
        return self._hubs

    def all_blocked(self, hub: Hub) -> list[tuple[Any, Any, Hub]]:
        """Every blocked greenlet of ``hub`` and of every other live hub, with its waiter
        and its hub."""
        with _hub.mutex:
            # ``hub`` first: at interpreter exit its thread-local owner may be gone already.
            hubs = [hub, *(other for other in self._hubs if other is not hub)]
            tasks = [task for task in self.tasks.values() if task.waiter is not None]
            return [
                (glet, waiter, h)
                for h in hubs
                for glet, waiter in [
                    *h.blocked.items(),
                    *([(h.root, h.root_waiter)] if h.root_waiter is not None else []),
                    *((task, task.waiter) for task in tasks if task.hub is h),
                ]
            ]

    # ------------------------------------------------------------------ exit

    def register_exit_hook(self, callback: Callable[[], object]) -> None:
        if not self._exit_registered:
            self._exit_registered = True
            atexit.register(self._run_exit_callbacks)
        self._exit_callbacks.append(callback)

    def _run_exit_callbacks(self) -> None:
        while self._exit_callbacks:
            callback = self._exit_callbacks.pop(0)
            try:
                callback()
            except DeadlockError as exc:
                # The program is over: say why its threads never ended, and do not hang.
                if exc is not self._repeated_exit_deadlock:
                    print(f"anythread: at exit, {exc}", file=sys.stderr, flush=True)

    def register_thread_end(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` once the calling OS thread has ended (the
        :class:`~anythread.protocols.KernelThreadEnd` extra; the layer asks in OS
        threads the backend did not start, whose greenlets all have its identifier)."""
        self._thread_ends.register(callback)

    # ------------------------------------------------------------------ fork

    def register_after_fork(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` in a forked child, once this kernel has started over."""
        self._fork_callbacks.append(callback)

    def after_fork_in_child(self) -> None:
        """Start over in a forked child, where only the calling greenlet's thread exists
        (called by :mod:`~anythread_backends.cooperative._fork`)."""
        self._pid = os.getpid()
        survivor = _getcurrent()
        owner = getattr(self._local, "owner", None)
        mine: Hub | None = None if owner is None else owner.hub
        for hub in self._hubs:
            self._left_behind.extend(hub.forget_after_fork())
        self._hubs = frozenset() if mine is None else frozenset({mine})
        if mine is not None and mine.switch_hooks is not None:
            mine.switch_hooks.keep_only(survivor)
        for task in list(self.tasks.values()):
            if task is not survivor:
                waiter = task.waiter
                if waiter is not None and waiter.lock is not None:
                    waiter.lock.withdraw(waiter)  # (if a hub above has not already)
                self._left_behind.append(task)
                del self.tasks[task.ident]  # join() returns at once
        self._exit_callbacks = []
        if mine is not None and isinstance(survivor, Task):
            # The OS thread's own code is gone: the green thread is the main thread, and
            # what this hub throws (a DeadlockError) goes to it.
            self._left_behind.append(mine.root)
            mine.root = survivor
            if survivor.hub is mine:
                survivor.parent = greenlet.greenlet(self._end_forked_child, mine.greenlet)
        for callback in self._fork_callbacks:
            callback()
        # Only now: the threads the fork left behind are forgotten, and the world reset.
        self._ends_pid = self._pid
        if self.stall is not None and self._hubs:
            # The watchdog thread did not survive the fork: the child's own.
            _stall.watch(self, self.stall)

    def _end_forked_child(self, *_: object) -> None:
        # The forking green thread has returned: the child's program is over.
        self.hub().root = _getcurrent()
        self._run_exit_callbacks()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a closed or broken stream: exit anyway
                pass
        os._exit(0)

    def __repr__(self) -> str:
        clock = "virtual" if self.virtual else "real"
        return f"<anythread greenlet kernel: {clock} clock, schedule {self.schedule.line}>"


#: The name CPython's ``threading.Lock`` has in its errors: a function of ``_thread``,
#: then (3.13) the lock's type.
_LOCK_NAME = "lock" if sys.version_info >= (3, 13) else "allocate_lock"


def _serve(kernel: GreenKernel) -> None:
    """Give ``kernel`` the functions behind the backend's ``Lock()``, ``RLock()`` (which
    the semantics layer calls from its own ``RLock()``, the one that takes and ignores
    arguments as ``threading.RLock`` does) and ``sleep()`` (and, on the virtual clock,
    ``monotonic()``).

    They are functions of their own, named as CPython's in the errors Python raises for
    wrong arguments: a bound method would bear GreenKernel's name (``GreenKernel.sleep()
    takes 2 positional arguments``) and count its ``self`` among the arguments.  Python
    words those errors its own way (``sleep() takes 1 positional argument but 2 were
    given`` where CPython says ``takes exactly one argument (2 given)``): parsing the
    arguments here to word them as CPython does would cost every call.
    """

    def allocate_user_lock() -> UserGreenLock:
        return kernel._user_lock_class(kernel)

    def allocate_rlock() -> GreenRLock:
        return kernel._rlock_class(kernel)

    def sleep(seconds: float, /) -> None:
        """Suspend the calling green thread for ``seconds``; ``sleep(0)`` lets every
        ready green thread run first.

        :raises ValueError: if ``seconds`` is negative or NaN (as :func:`time.sleep`).
        :raises OverflowError: if ``seconds`` exceeds ``TIMEOUT_MAX``.
        :raises TypeError: if ``seconds`` is not a number.
        """
        if not isinstance(seconds, (int, float)):
            raise TypeError(
                f"'{type(seconds).__name__}' object cannot be interpreted as an integer"
            )
        if seconds != seconds:
            raise ValueError("Invalid value NaN (not a number)")
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if seconds > kernel.TIMEOUT_MAX:
            raise OverflowError("sleep length is too large (over TIMEOUT_MAX)")
        kernel.hub().sleep(seconds)

    def monotonic() -> float:
        """Return the virtual clock."""
        return kernel._virtual_now

    kernel.allocate_user_lock = named_as(allocate_user_lock, _LOCK_NAME)
    kernel.allocate_rlock = named_as(allocate_rlock, "RLock")
    kernel.sleep = named_as(sleep, "sleep")
    if kernel.virtual:
        kernel.monotonic = named_as(monotonic, "monotonic")
