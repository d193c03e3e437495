"""The typed interfaces of anythread: what a backend is, and what a kernel is.

This module only declares.  It defines :class:`typing.Protocol` classes for every object
of the ``threading`` API (section 16.2 of the Python 3.2 library reference and the later
additions anythread adopts), the :class:`Backend` protocol that every backend object
satisfies, the :class:`Kernel` protocol (the few ``_thread``-like primitives from which
:func:`anythread.from_kernel` builds a whole backend), and :class:`Capability`, the
documented flags a backend uses to say what it cannot do.

It must not import anything else of the project, nor implement behaviour: third parties
implement these Protocols without inheriting from them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from types import FrameType, TracebackType
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = [
    "API_NAMES",
    "CONTRACT_VERSION",
    "KERNEL_NAMES",
    "Backend",
    "Barrier",
    "BarrierFactory",
    "BoundedSemaphore",
    "BoundedSemaphoreFactory",
    "Capability",
    "Condition",
    "ConditionFactory",
    "DeclaresDeviations",
    "Event",
    "ExceptHookArgs",
    "Kernel",
    "KernelLock",
    "Local",
    "Lock",
    "RLock",
    "Semaphore",
    "SemaphoreFactory",
    "StackSize",
    "Thread",
    "Timer",
    "TraceFunction",
]

#: The version of the contract (the clause catalogue) that this release of anythread
#: certifies against.  A backend states the version it was written for in its
#: ``contract_version`` attribute.
CONTRACT_VERSION = 2

_T = TypeVar("_T")


class Capability(str, enum.Enum):
    """A feature of the threading API that a backend may be unable to honour.

    A backend lists the capabilities it *has* in :attr:`Backend.capabilities`.  The
    contract suite skips a clause that needs a capability the backend lacks, and reports
    the capability's description as the reason.  Everything not covered by a capability
    is mandatory for every backend.
    """

    description: str

    def __new__(cls, value: str, description: str) -> Capability:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    PREEMPTIVE = (
        "preemptive",
        "threads are preempted by the scheduler: a thread that never blocks does not "
        "stop others from running",
    )
    NATIVE_IDS = (
        "native-ids",
        "get_native_id() and Thread.native_id return the operating system's thread id, "
        "distinct for threads alive at the same time",
    )
    SIGNAL_INTERRUPTIBLE = (
        "signal-interruptible",
        "a blocking acquire() or join() in the main thread is interrupted by a signal "
        "handler that raises (KeyboardInterrupt on SIGINT)",
    )
    FORK = (
        "fork",
        "after os.fork() the child has a usable backend whose only thread is the one that forked",
    )
    STACK_SIZE = (
        "stack-size",
        "stack_size(size) changes the stack size of threads created afterwards",
    )
    ALIEN_THREADS = (
        "alien-threads",
        "threads started outside the backend (for example with _thread or another "
        "backend) are seen as dummy threads by current_thread()",
    )
    TRACE_HOOKS = (
        "trace-hooks",
        "settrace() and setprofile() install the function in every thread the backend "
        "starts, before its run() method is called",
    )
    EXIT_JOIN = (
        "exit-join",
        "at interpreter exit the program waits for every alive non-daemon thread and "
        "does not wait for daemon threads",
    )
    TRUE_TIMEOUTS = (
        "true-timeouts",
        "timeouts are measured on the real monotonic clock (a virtual clock lets time "
        "jump instead)",
    )

    def __str__(self) -> str:
        return str(self.value)


# --------------------------------------------------------------------------- lock-likes


@runtime_checkable
class Lock(Protocol):
    """A primitive lock (section 16.2.2): not owned by a thread when locked."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def locked(self) -> bool: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class RLock(Protocol):
    """A reentrant lock (section 16.2.3): owned by a thread, with a recursion level."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class Condition(Protocol):
    """A condition variable (section 16.2.4) over a Lock or an RLock."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...
    def wait_for(self, predicate: Callable[[], _T], timeout: float | None = None) -> _T: ...
    def notify(self, n: int = 1) -> None: ...
    def notify_all(self) -> None: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class Semaphore(Protocol):
    """A counting semaphore (section 16.2.5)."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool: ...
    def release(self, n: int = 1) -> None: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class BoundedSemaphore(Semaphore, Protocol):
    """A semaphore whose value may never exceed its initial value (ValueError)."""


@runtime_checkable
class Event(Protocol):
    """An event: a flag that threads wait on (section 16.2.6)."""

    def is_set(self) -> bool: ...
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


@runtime_checkable
class Barrier(Protocol):
    """A barrier for a fixed number of threads (section 16.2.8)."""

    def wait(self, timeout: float | None = None) -> int: ...
    def reset(self) -> None: ...
    def abort(self) -> None: ...
    @property
    def parties(self) -> int: ...
    @property
    def n_waiting(self) -> int: ...
    @property
    def broken(self) -> bool: ...


# --------------------------------------------------------------------------- threads


@runtime_checkable
class Thread(Protocol):
    """A thread of control (section 16.2.1)."""

    name: str
    daemon: bool

    # Not a protocol member (mypy ignores __init__ there): it types ``Backend.Thread(...)``.
    def __init__(
        self,
        group: None = None,
        target: Callable[..., object] | None = None,
        name: str | None = None,
        args: Iterable[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        daemon: bool | None = None,
    ) -> None: ...
    def start(self) -> None: ...
    def run(self) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...
    def is_alive(self) -> bool: ...
    @property
    def ident(self) -> int | None: ...
    @property
    def native_id(self) -> int | None: ...
    def getName(self) -> str: ...
    def setName(self, name: str) -> None: ...
    def isDaemon(self) -> bool: ...
    def setDaemon(self, daemonic: bool) -> None: ...


@runtime_checkable
class Timer(Thread, Protocol):
    """A thread that runs a function after an interval unless cancelled (16.2.7)."""

    def __init__(  # Timer's own signature, as in threading
        self,
        interval: float,
        function: Callable[..., object],
        args: Iterable[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> None: ...
    def cancel(self) -> None: ...


@runtime_checkable
class Local(Protocol):
    """Thread-local data: attribute values differ between threads."""

    def __getattribute__(self, name: str) -> Any: ...
    def __setattr__(self, name: str, value: Any) -> None: ...
    def __delattr__(self, name: str) -> None: ...


@runtime_checkable
class ExceptHookArgs(Protocol):
    """The argument of :func:`excepthook`: ``(exc_type, exc_value, exc_traceback, thread)``.

    .. versionadded:: 3.8 (Python)
    """

    @property
    def exc_type(self) -> type[BaseException]: ...
    @property
    def exc_value(self) -> BaseException | None: ...
    @property
    def exc_traceback(self) -> TracebackType | None: ...
    @property
    def thread(self) -> Thread | None: ...


# --------------------------------------------------------------------------- backend

#: Every name of the threading API that the facade (``import anythread``) serves from the
#: selected backend.  Each is an attribute of every :class:`Backend`.
API_NAMES: tuple[str, ...] = (
    "Lock",
    "RLock",
    "Condition",
    "Semaphore",
    "BoundedSemaphore",
    "Event",
    "Barrier",
    "Thread",
    "Timer",
    "local",
    "current_thread",
    "main_thread",
    "active_count",
    "enumerate",
    "get_ident",
    "get_native_id",
    "settrace",
    "setprofile",
    "gettrace",
    "getprofile",
    "stack_size",
    "excepthook",
    "ExceptHookArgs",
    "TIMEOUT_MAX",
    "ThreadError",
    "BrokenBarrierError",
    "sleep",
    "monotonic",
    "currentThread",
    "activeCount",
)


#: A trace or profile function, as :func:`sys.settrace` and :func:`sys.setprofile` take
#: it: ``(frame, event, arg)``.  The event is ``Any`` because typeshed types it as ``str``
#: for trace functions and as a ``Literal`` of event names for profile functions.
TraceFunction = Callable[[FrameType, Any, Any], Any]


class ConditionFactory(Protocol):
    """``Backend.Condition``: a condition variable over ``lock``, or over a new RLock.

    ``lock`` is typed ``Any`` on purpose: it must be a Lock or an RLock of the *same*
    backend (each backend's Condition accepts its own locks only), which no static type
    can say for every backend at once.
    """

    def __call__(self, lock: Any = None) -> Condition: ...


class SemaphoreFactory(Protocol):
    """``Backend.Semaphore``: a semaphore with initial ``value`` (ValueError if < 0)."""

    def __call__(self, value: int = 1) -> Semaphore: ...


class BoundedSemaphoreFactory(Protocol):
    """``Backend.BoundedSemaphore``: a semaphore bounded by its initial ``value``."""

    def __call__(self, value: int = 1) -> BoundedSemaphore: ...


class BarrierFactory(Protocol):
    """``Backend.Barrier``: a barrier for ``parties`` threads."""

    def __call__(
        self,
        parties: int,
        action: Callable[[], None] | None = None,
        timeout: float | None = None,
    ) -> Barrier: ...


class StackSize(Protocol):
    """``Backend.stack_size``: return the stack size; with ``size``, set it for new threads."""

    def __call__(self, size: int = 0, /) -> int: ...


# Aliases: inside Backend the attribute names shadow the Protocol classes.
_LockT = Lock
_RLockT = RLock
_EventT = Event
_ThreadT = Thread
_TimerT = Timer
_ExceptHookArgsT = ExceptHookArgs


@runtime_checkable
class Backend(Protocol):
    """A complete implementation of the threading API.

    A backend is any object with these attributes: the factories and functions of the
    ``threading`` module (:data:`API_NAMES`), plus :attr:`name`, :attr:`capabilities` and
    :attr:`contract_version`.  The facade hands its attributes to users unchanged, so a
    backend's objects are used with no wrapper in between.  The standard library's own
    objects satisfy every annotation below (the typing tests check it).  Every member but
    :attr:`excepthook` is read-only: a program may assign ``excepthook`` only.
    """

    #: The name the backend is registered under (``"stdlib"``, ``"pure"``, ...).
    name: str
    #: The :class:`Capability` flags this backend honours.
    capabilities: frozenset[Capability]
    #: The :data:`CONTRACT_VERSION` the backend was written against.
    contract_version: int

    @property
    def Lock(self) -> Callable[[], _LockT]: ...
    @property
    def RLock(self) -> Callable[[], _RLockT]: ...
    @property
    def Condition(self) -> ConditionFactory: ...
    @property
    def Semaphore(self) -> SemaphoreFactory: ...
    @property
    def BoundedSemaphore(self) -> BoundedSemaphoreFactory: ...
    @property
    def Event(self) -> Callable[[], _EventT]: ...
    @property
    def Barrier(self) -> BarrierFactory: ...
    @property
    def Thread(self) -> type[_ThreadT]: ...
    @property
    def Timer(self) -> type[_TimerT]: ...
    @property
    def local(self) -> type[Local]: ...
    @property
    def current_thread(self) -> Callable[[], _ThreadT]: ...
    @property
    def main_thread(self) -> Callable[[], _ThreadT]: ...
    @property
    def active_count(self) -> Callable[[], int]: ...
    @property
    def enumerate(self) -> Callable[[], Sequence[_ThreadT]]: ...
    @property
    def get_ident(self) -> Callable[[], int]: ...
    @property
    def get_native_id(self) -> Callable[[], int]: ...
    @property
    def settrace(self) -> Callable[[TraceFunction | None], None]: ...
    @property
    def setprofile(self) -> Callable[[TraceFunction | None], None]: ...
    @property
    def gettrace(self) -> Callable[[], TraceFunction | None]: ...
    @property
    def getprofile(self) -> Callable[[], TraceFunction | None]: ...
    @property
    def stack_size(self) -> StackSize: ...

    #: Assignable: the hook the backend's threads call for an uncaught exception.
    excepthook: Callable[[_ExceptHookArgsT], object]

    @property
    def ExceptHookArgs(self) -> type[_ExceptHookArgsT]: ...
    @property
    def TIMEOUT_MAX(self) -> float: ...
    @property
    def ThreadError(self) -> type[Exception]: ...
    @property
    def BrokenBarrierError(self) -> type[RuntimeError]: ...
    @property
    def sleep(self) -> Callable[[float], None]:
        """Suspend the calling thread for the given number of seconds."""
        ...

    @property
    def monotonic(self) -> Callable[[], float]:
        """The backend's own clock (the one its timeouts are measured on), in seconds."""
        ...

    @property
    def currentThread(self) -> Callable[[], _ThreadT]: ...
    @property
    def activeCount(self) -> Callable[[], int]: ...


@runtime_checkable
class DeclaresDeviations(Protocol):
    """Optional: a backend that knowingly deviates from some clauses says so.

    ``known_deviations`` maps a clause id to the reason.  The contract suite runs those
    clauses as strict expected failures: an unexpected pass is reported as an error, so
    the declaration cannot go stale.
    """

    known_deviations: Mapping[str, str]


# --------------------------------------------------------------------------- kernel


@runtime_checkable
class KernelLock(Protocol):
    """The kernel's primitive lock, with ``_thread.LockType``'s interface."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def locked(self) -> bool: ...


#: The attributes every :class:`Kernel` must have.
KERNEL_NAMES: tuple[str, ...] = (
    "allocate_lock",
    "start_new_thread",
    "get_ident",
    "get_native_id",
    "sleep",
    "monotonic",
    "TIMEOUT_MAX",
)


@runtime_checkable
class Kernel(Protocol):
    """The primitives a backend supplies so that :func:`anythread.from_kernel` can build
    every other object of the API on top of them.

    It looks like the ``_thread`` module plus a clock.  Timeouts are measured with
    :meth:`monotonic` and waited with ``allocate_lock().acquire(timeout=...)``, so a
    kernel with a virtual clock keeps both consistent.
    """

    TIMEOUT_MAX: float

    def allocate_lock(self) -> KernelLock:
        """Return a new unlocked primitive lock."""
        ...

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] = ...,
    ) -> int:
        """Start a thread running ``function(*args, **kwargs)``; return its identifier."""
        ...

    def get_ident(self) -> int:
        """Return the calling thread's identifier: a nonzero integer."""
        ...

    def get_native_id(self) -> int:
        """Return the calling thread's native identifier."""
        ...

    def sleep(self, seconds: float) -> None:
        """Suspend the calling thread for ``seconds``, letting others run."""
        ...

    def monotonic(self) -> float:
        """Return the kernel's clock, in seconds; it never goes backwards."""
        ...


def missing_attributes(obj: object, names: Iterable[str]) -> list[str]:
    """Return the names in ``names`` that ``obj`` lacks (a helper for clear errors)."""
    return [name for name in names if not hasattr(obj, name)]


# --------------------------------------------------------------------------- kernel extras
#
# Optional primitives a kernel may offer.  :func:`anythread.from_kernel` uses one only when
# the kernel declares it by implementing the small Protocol below (checked once, with
# ``isinstance``, when the backend is built); it never guesses from loose attributes.


@runtime_checkable
class OwnedLock(Protocol):
    """A reentrant lock that :class:`Condition` can fully release while waiting.

    These are the three methods CPython's ``Condition`` looks for on its lock: whether the
    calling thread owns it, release it whatever its recursion level (returning the state
    to restore), and take it back with that state.
    """

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def _is_owned(self) -> bool: ...
    def _release_save(self) -> Any: ...
    def _acquire_restore(self, state: Any, /) -> None: ...


@runtime_checkable
class KernelRLock(Protocol):
    """Extra: the kernel has a native reentrant lock (used instead of the Python one)."""

    def allocate_rlock(self) -> OwnedLock:
        """Return a new unlocked reentrant lock satisfying :class:`OwnedLock`."""
        ...


@runtime_checkable
class KernelEvent(Protocol):
    """Extra: the kernel has an Event of its own (used instead of the layer's).

    ``event_class`` is a subclass of the layer's
    :class:`anythread.semantics.event.Event` that keeps its behaviour and its
    documented semantics and changes how a thread waits (a green kernel can make a
    handoff a few calls instead of a lock, a wait queue and a lock again).  Each world
    derives its own class from it, as from the layer's.  Its blocking waits must be in
    the world's wait records, as the layer's are.
    """

    event_class: type


@runtime_checkable
class KernelWaitQueue(Protocol):
    """Extra: the kernel has a wait queue of its own (used instead of the layer's).

    ``wait_queue_class`` is a subclass of the layer's
    :class:`anythread.semantics.waitqueue.WaitQueue`, made with the same arguments,
    that keeps its invariants and parks and unparks its own way (a green kernel queues
    the waiting thread itself and makes it ready directly).  Condition, Semaphore,
    BoundedSemaphore, Barrier and the layer's Event wait in it.  Its parked threads must
    be in the world's wait records, as the layer's are.
    """

    wait_queue_class: type


@runtime_checkable
class KernelCheckedLocks(Protocol):
    """Extra: the kernel's locks check ``acquire()`` arguments exactly like CPython's.

    When ``locks_check_arguments`` is true, ``Lock()`` hands out the kernel's lock itself
    (no wrapper in the call path); otherwise the semantics layer wraps it in a lock that
    checks its arguments first.
    """

    locks_check_arguments: bool


@runtime_checkable
class KernelUserLock(Protocol):
    """Extra: the kernel has a complete ``threading.Lock`` of its own, for ``Lock()``.

    ``allocate_user_lock()`` returns a new unlocked lock that satisfies :class:`Lock` and
    behaves as the layer's ``Lock`` does: it checks ``acquire()``'s arguments exactly
    like CPython's, it is weakly referable, and a contended blocking acquire is in the
    world's wait records while it waits (kind ``"Lock"``, with the creation site when
    the kernel declares :class:`KernelWaitSites`).  ``Lock()`` hands it out, with no
    wrapper in the call path, while the layer's own objects keep the kernel's plain
    ``allocate_lock()`` (which need not check arguments or record its waits).  It takes
    precedence over :class:`KernelCheckedLocks`.
    """

    def allocate_user_lock(self) -> Lock: ...


@runtime_checkable
class KernelThreadHooks(Protocol):
    """Extra: the kernel installs a new thread's trace and profile functions itself.

    For kernels whose threads share an OS thread (green threads): :func:`sys.settrace`
    and :func:`sys.setprofile` act on the whole OS thread, so the layer's way (calling
    them in the new thread) would hand the functions to every thread of that OS thread,
    the main thread included, and leave them there after the new thread ends.
    """

    def install_thread_hooks(self, trace: Any, profile: Any) -> None:
        """Make ``trace`` and ``profile`` the calling thread's own trace and profile
        functions, as :func:`sys.settrace` and :func:`sys.setprofile` do for an OS
        thread: in force while this thread runs, and in no other thread.  ``None``:
        the thread has none of that kind.

        Called by a new thread before its ``run()``, when :func:`~anythread.settrace`
        or :func:`~anythread.setprofile` had set a function.
        """


@runtime_checkable
class KernelStackSize(Protocol):
    """Extra: the kernel can change the stack size of threads it starts."""

    def stack_size(self, size: int = 0, /) -> int:
        """Return the current stack size; with ``size``, set it for new threads.

        :raises ValueError: if ``size`` is invalid (the size is then unchanged).
        """
        ...


@runtime_checkable
class KernelForkHooks(Protocol):
    """Extra: the kernel can run a callback in the child after ``os.fork()``."""

    def register_after_fork(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` in the child process, in the forking thread, after a fork."""
        ...


@runtime_checkable
class KernelExitHook(Protocol):
    """Extra: the kernel can run a callback when the main thread has finished.

    The callback must run before the interpreter starts finalizing (threads can still be
    started), and the program must wait for it to return.  Without this extra, the
    semantics layer uses :func:`atexit.register`.
    """

    def register_exit_hook(self, callback: Callable[[], object]) -> None:
        """Arrange for ``callback()`` to run once, after the main thread has finished."""
        ...


@runtime_checkable
class KernelMainThread(Protocol):
    """Extra: the kernel knows which thread is the program's main thread.

    Without this extra, the thread that calls :func:`anythread.from_kernel` is the main
    thread of the new backend.
    """

    def main_thread_ids(self) -> tuple[int, int | None]:
        """Return ``(ident, native_id)`` of the main thread (``native_id`` may be None)."""
        ...


@runtime_checkable
class KernelThreadEnd(Protocol):
    """Extra: the kernel can tell when a thread it did not start (an alien thread) ends.

    The layer asks in an alien thread that has ``local`` values, so that they are dropped
    when it ends, as the layer drops those of the threads it starts.  Without this extra,
    an alien thread's values are kept until a thread started by the backend reuses its
    identifier.
    """

    def register_thread_end(self, callback: Callable[[], object]) -> None:
        """Arrange for ``callback()`` to run once, when the calling thread has ended: as
        it is torn down, after the last of the program's code it runs and before its
        identifier can be given to another thread; not in a forked child for a thread
        the fork left behind."""
        ...


@runtime_checkable
class KernelDaemonPolicy(Protocol):
    """Extra: the kernel may forbid daemon threads (as a CPython subinterpreter can).

    Without this extra, daemon threads are always allowed.
    """

    def daemon_threads_allowed(self) -> bool:
        """Return whether threads may be daemon threads here."""
        ...


@runtime_checkable
class KernelWaitSites(Protocol):
    """Extra: the kernel wants wait records to say where each object was created.

    When ``record_wait_sites`` is true, every Lock (wrapper), RLock, Condition,
    Semaphore, Event and Barrier of the world remembers the ``file:line`` of the user's
    code that created it (a walk up the stack at construction), and
    :attr:`WaitRecord.site` gives it.  Without this extra the site is ``""`` and
    construction costs nothing more.  Debugging kernels (a hang report, a wait-for
    graph) declare it.
    """

    record_wait_sites: bool


@runtime_checkable
class KernelParkedLocks(Protocol):
    """Extra: the kernel makes the lock that a parked thread waits on cheaply.

    A thread that parks in a wait queue (Condition, Event, Semaphore, Barrier) needs a
    lock that is locked from the start, that only that thread waits on (``acquire``,
    again after a timeout), and that one other thread releases, once.  Without this
    extra it is ``allocate_lock()`` followed by ``acquire()``; a kernel can make it much
    lighter than a general lock (no queue of waiters: only its creator ever waits).
    """

    def allocate_parked_lock(self) -> KernelLock:
        """Return a new lock, locked, that only the calling thread will wait on."""
        ...


@runtime_checkable
class KernelSchedulingPoints(Protocol):
    """Extra: the kernel says whether its lock operations are scheduling points.

    A kernel that runs its threads one at a time and switches only where they block can
    declare ``preemptive_points = False``: the layer then keeps its bookkeeping (the
    wait registry) with atomic dictionary operations instead of a kernel lock, which
    would only add a switch-free acquire and release per park and per wakeup.
    ``True`` (a schedule that may switch at every lock operation) keeps the lock, and so
    those scheduling points.  Read when the world is made, for the wait registry, and
    at each ``Thread.start()`` on a kernel with :class:`KernelIdentsAtStart`: while it
    is false, starting a thread must not switch, and ``start()`` starts and registers
    the thread in one critical section (a kernel may turn its points on for a while, as
    the cooperative kernel does in a schedule scope).
    """

    preemptive_points: bool


class NamedThread(Protocol):
    """What a kernel may show of a thread to code beneath the backend: its name (read and
    renamed through the thread itself) and its daemon flag."""

    @property
    def name(self) -> str: ...
    @name.setter
    def name(self, name: str) -> None: ...
    @property
    def daemon(self) -> bool: ...


class KernelThreadHandle(Protocol):
    """A thread started by :meth:`KernelNamedThreads.start_named_thread`."""

    def join(self, timeout: float | None = None) -> None:
        """Wait until the platform has forgotten the thread (its function has returned)."""
        ...


@runtime_checkable
class KernelNamedThreads(Protocol):
    """Extra: the kernel's threads are known to code beneath the backend, by name.

    Code that uses the platform's own thread API from inside a backend's thread (on
    CPython: the standard library's ``threading``, as ``logging``, ``concurrent.futures``
    or a debugger do) then sees the thread's real name, including after a rename, and
    forgets the thread once it has ended.  ``join()`` returns only after the platform has
    forgotten the thread.  Without this extra, threads start with
    ``start_new_thread``.
    """

    def start_named_thread(
        self, function: Callable[[], object], thread: NamedThread
    ) -> KernelThreadHandle:
        """Start a thread running ``function()``, known beneath the backend as
        ``thread`` (its name is read from ``thread`` at each use)."""
        ...


@runtime_checkable
class KernelIdentsAtStart(Protocol):
    """Extra: a thread's identifiers are known as soon as it is started.

    When ``idents_at_start`` is true, the handle that
    :meth:`KernelNamedThreads.start_named_thread` returns has the new thread's ``ident``
    and ``native_id`` (what ``get_ident()`` and ``get_native_id()`` will say in it) and
    the thread is certain to run: ``Thread.start()`` registers the thread itself (in
    the critical section that starts it, when the kernel also says it has no
    scheduling points: :class:`KernelSchedulingPoints`) and returns without waiting for
    it to run.  A green kernel spares a switch to the new thread and back per start.
    Without this extra (or without named threads), ``start()`` waits until the new
    thread has registered itself, as CPython's does.
    """

    idents_at_start: bool


@runtime_checkable
class KernelStateLock(Protocol):
    """Extra: a lock for the layer's own bookkeeping.

    The world guards its registries (alive threads, threads being started, the owners
    of per-thread data) with ``allocate_state_lock()``'s locks: context managers held
    only for a few dictionary operations, during which the holder never blocks, waits
    or switches to another thread (``start()`` may hold it around
    ``start_named_thread``: see :class:`KernelSchedulingPoints`).  A green kernel may
    return a plain OS lock there, which costs nothing to take and release; a kernel
    whose lock operations are scheduling points returns its own lock, so that they stay
    scheduling points.  Without this extra the world uses the kernel's lock (or, when
    that is not a context manager, the layer's ``Lock`` on it).
    """

    def allocate_state_lock(self) -> AbstractContextManager[Any]: ...


#: The optional kernel extras, in the order the documentation lists them.
KERNEL_EXTRAS: tuple[type, ...] = (
    KernelUserLock,
    KernelCheckedLocks,
    KernelRLock,
    KernelEvent,
    KernelWaitQueue,
    KernelStackSize,
    KernelThreadHooks,
    KernelMainThread,
    KernelThreadEnd,
    KernelForkHooks,
    KernelExitHook,
    KernelDaemonPolicy,
    KernelWaitSites,
    KernelNamedThreads,
    KernelIdentsAtStart,
    KernelParkedLocks,
    KernelSchedulingPoints,
    KernelStateLock,
)

__all__ += [
    "KERNEL_EXTRAS",
    "KernelCheckedLocks",
    "KernelDaemonPolicy",
    "KernelEvent",
    "KernelExitHook",
    "KernelForkHooks",
    "KernelIdentsAtStart",
    "KernelMainThread",
    "KernelNamedThreads",
    "KernelParkedLocks",
    "KernelRLock",
    "KernelSchedulingPoints",
    "KernelStackSize",
    "KernelStateLock",
    "KernelThreadEnd",
    "KernelThreadHandle",
    "KernelThreadHooks",
    "KernelUserLock",
    "KernelWaitQueue",
    "KernelWaitSites",
    "NamedThread",
    "OwnedLock",
]
