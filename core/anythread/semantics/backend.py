"""``from_kernel``: turn a :class:`~anythread.protocols.Kernel` into a whole backend.

It checks that the kernel has every required primitive (a clear :class:`TypeError`
naming what is missing), makes a new :class:`~anythread.semantics.world.World`, builds
each object of the API on it from the sibling modules, and returns a
:class:`SemanticsBackend`: an annotated class with every name of
:data:`~anythread.protocols.API_NAMES` plus ``name``, ``capabilities``,
``contract_version``, ``monotonic`` and ``waits``.  The user-visible classes are the
module-level classes of the sibling modules; each world gets a tiny subclass of each,
carrying the world's :class:`~anythread.semantics.waitqueue.WaitRegistry` (and so its
kernel) as class attributes.  Optional kernel extras are used only when the kernel declares
them (see :data:`~anythread.protocols.KERNEL_EXTRAS`).

This module must not import ``threading`` nor know any particular backend.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any, cast

import anythread.protocols as protocols
from anythread.errors import BrokenBarrierError, ThreadError
from anythread.protocols import (
    CONTRACT_VERSION,
    KERNEL_NAMES,
    Capability,
    Kernel,
    KernelCheckedLocks,
    KernelEvent,
    KernelRLock,
    KernelStackSize,
    KernelStateLock,
    KernelUserLock,
    missing_attributes,
)
from anythread.semantics import barrier, condition, event, locks, semaphore, thread
from anythread.semantics import local as local_module
from anythread.semantics._checks import warn_rlock_arguments
from anythread.semantics.hooks import ExceptHookArgs, make_hooks
from anythread.semantics.local import make_local
from anythread.semantics.thread import make_thread_classes
from anythread.semantics.waitqueue import WaitRegistry
from anythread.semantics.world import World

__all__ = ["SemanticsBackend", "from_kernel"]

# Inside SemanticsBackend the attribute names shadow the classes.
_ExceptHookArgs = ExceptHookArgs


class SemanticsBackend:
    """A backend built by :func:`from_kernel`: every name of the threading API, typed.

    It satisfies :class:`anythread.Backend`; it also has :attr:`monotonic` (the kernel's
    clock, served as ``anythread.monotonic()``) and :attr:`waits` (the threads parked
    right now, for hang and deadlock reports).  Attributes may be reassigned, as
    ``threading.excepthook`` may.
    """

    name: str
    capabilities: frozenset[Capability]
    contract_version: int
    #: The world's ``Lock``: the kernel's own lock, or a :class:`.locks.Lock` subclass.
    Lock: Callable[[], protocols.Lock]
    #: The world's ``RLock``: a :class:`.locks.RLock` subclass, or the kernel's own.
    RLock: Callable[[], protocols.RLock]
    Condition: type[condition.Condition]
    Semaphore: type[semaphore.Semaphore]
    BoundedSemaphore: type[semaphore.BoundedSemaphore]
    Event: type[event.Event]
    Barrier: type[barrier.Barrier]
    Thread: type[thread.Thread]
    Timer: type[thread.Timer]
    local: type[local_module.local]
    current_thread: Callable[[], thread.Thread]
    main_thread: Callable[[], thread.Thread]
    active_count: Callable[[], int]
    enumerate: Callable[[], list[thread.Thread]]
    get_ident: Callable[[], int]
    get_native_id: Callable[[], int]
    settrace: Callable[[Any], None]
    setprofile: Callable[[Any], None]
    gettrace: Callable[[], Any]
    getprofile: Callable[[], Any]
    stack_size: Callable[..., int]
    excepthook: Callable[[Any], object]
    ExceptHookArgs: type[_ExceptHookArgs]
    TIMEOUT_MAX: float
    ThreadError: type[Exception]
    BrokenBarrierError: type[RuntimeError]
    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    currentThread: Callable[[], thread.Thread]
    activeCount: Callable[[], int]
    #: The wait records of this backend's world (see :class:`.waitqueue.WaitRegistry`).
    waits: WaitRegistry

    def __init__(self, name: str, capabilities: frozenset[Capability]) -> None:
        # from_kernel assigns the rest, each checked against the annotations above.
        self.name = name
        self.capabilities = capabilities
        self.contract_version = CONTRACT_VERSION

    def __repr__(self) -> str:
        return f"<anythread backend {self.name!r}>"


def _make_stack_size(kernel: Kernel) -> Any:
    if isinstance(kernel, KernelStackSize):
        return kernel.stack_size

    def stack_size(*args: Any, **kwargs: Any) -> int:
        """Return 0: this kernel cannot change the stack size of new threads.

        The argument is checked as CPython checks it (one optional integer, positional,
        not negative) before the size is refused.

        :raises ThreadError: if ``size`` is given and not 0.
        :raises TypeError: if the arguments are not one optional integer.
        :raises ValueError: if ``size`` is negative.
        :raises OverflowError: if ``size`` does not fit in a C ``ssize_t``.
        """
        if kwargs:
            raise TypeError("stack_size() takes no keyword arguments")
        if len(args) > 1:
            raise TypeError(f"stack_size() takes at most 1 argument ({len(args)} given)")
        size = operator.index(args[0]) if args else 0
        if not -sys.maxsize - 1 <= size <= sys.maxsize:
            raise OverflowError("Python int too large to convert to C ssize_t")
        if size < 0:
            raise ValueError("size must be 0 or a positive value")
        if size:
            raise ThreadError("setting the thread stack size is not supported by this backend")
        return 0

    return stack_size


def from_kernel(
    kernel: Kernel,
    name: str,
    *,
    capabilities: Iterable[Capability | str] = (),
) -> SemanticsBackend:
    """Build a complete backend from ``kernel``.

    Each call makes an independent backend: its own thread registry, main thread,
    ``Thread-N`` counter, trace and profile functions and ``excepthook``.  The result is
    a :class:`SemanticsBackend`, which satisfies :class:`anythread.Backend` and also
    serves :attr:`~SemanticsBackend.waits`.

    :param kernel: an object with the primitives of :class:`anythread.Kernel`
        (``allocate_lock``, ``start_new_thread``, ``get_ident``, ``get_native_id``,
        ``sleep``, ``monotonic``, ``TIMEOUT_MAX``) and, optionally, the extras of
        :data:`anythread.protocols.KERNEL_EXTRAS`.
    :param name: the backend's name, as registered.
    :param capabilities: the :class:`anythread.Capability` flags the backend honours; the
        kernel's author states them (a kernel cannot be inspected for them).
    :raises TypeError: if ``kernel`` lacks a required primitive, or a capability is not a
        :class:`anythread.Capability`.
    """
    missing = missing_attributes(kernel, KERNEL_NAMES)
    if missing:
        raise TypeError(
            f"{kernel!r} is not a complete anythread kernel: it lacks "
            f"{', '.join(missing)} (every kernel needs {', '.join(KERNEL_NAMES)})"
        )
    if not isinstance(name, str) or not name:
        raise TypeError(f"the backend name must be a non-empty string, not {name!r}")
    known = {c.value: c for c in Capability}
    caps: set[Capability] = set()
    for capability in capabilities:
        try:
            caps.add(known[str(capability)])
        except KeyError:
            raise TypeError(
                f"unknown capability {capability!r}; expected one of "
                f"{', '.join(c.value for c in Capability)}"
            ) from None

    world, lock = _make_world(kernel)
    waits = world.waits
    rlock = _make_rlock(kernel, waits)
    event_class = _event_base(kernel).for_world(waits)
    semaphore_class = semaphore.Semaphore.for_world(waits)
    threads = make_thread_classes(world, event_class)
    hooks = make_hooks(world)

    backend = SemanticsBackend(name, frozenset(caps))
    backend.Lock = lock
    backend.RLock = rlock
    backend.Condition = condition.Condition.for_world(waits, default_lock=rlock)
    backend.Semaphore = semaphore_class
    # A subclass of this world's Semaphore, as BoundedSemaphore is of Semaphore.
    backend.BoundedSemaphore = semaphore.BoundedSemaphore.for_world(waits, semaphore_class)
    backend.Event = event_class
    backend.Barrier = barrier.Barrier.for_world(waits)
    backend.Thread = threads.Thread
    backend.Timer = threads.Timer
    backend.local = make_local(world)
    backend.current_thread = threads.current_thread
    backend.main_thread = threads.main_thread
    backend.active_count = threads.active_count
    backend.enumerate = threads.enumerate
    backend.get_ident = kernel.get_ident
    backend.get_native_id = kernel.get_native_id
    backend.settrace = hooks.settrace
    backend.setprofile = hooks.setprofile
    backend.gettrace = hooks.gettrace
    backend.getprofile = hooks.getprofile
    backend.stack_size = _make_stack_size(kernel)
    backend.excepthook = hooks.excepthook
    backend.ExceptHookArgs = ExceptHookArgs
    backend.TIMEOUT_MAX = kernel.TIMEOUT_MAX
    backend.ThreadError = ThreadError
    backend.BrokenBarrierError = BrokenBarrierError
    backend.sleep = kernel.sleep
    backend.monotonic = kernel.monotonic
    backend.currentThread = threads.currentThread
    backend.activeCount = threads.activeCount
    backend.waits = waits
    world.backend = backend
    return backend


#: Whether the running Python's ``threading.Lock`` is a class (3.13 and later).
_LOCK_IS_A_CLASS = sys.version_info >= (3, 13)


def _lock_type(
    factory: Callable[[], protocols.Lock], made: protocols.Lock
) -> Callable[[], protocols.Lock]:
    """``Lock`` as the running Python's ``threading`` has it: from Python 3.13 on a class
    (``isinstance(x, threading.Lock)`` works), before it a function.

    A kernel's ``Lock()`` that is a function becomes, on 3.13 and later, a class whose
    call is that function's (its checks and errors too) and whose instances are the
    locks it has made, known by their classes; ``made`` is one of them.
    """
    if not _LOCK_IS_A_CLASS or isinstance(factory, type):
        return factory
    kinds: set[type] = set()

    class LockType(type):
        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            made = factory(*args, **kwargs)
            kinds.add(type(made))
            return made

        def __instancecheck__(cls, instance: Any) -> bool:
            return type(instance) in kinds

        def __subclasscheck__(cls, subclass: type) -> bool:
            return subclass in kinds or type.__subclasscheck__(cls, subclass)

    namespace: dict[str, Any] = {
        "__module__": "anythread",
        "__qualname__": "Lock",
        "__doc__": factory.__doc__,
    }
    kinds.add(type(made))
    reinit = getattr(type(made), "_at_fork_reinit", None)
    if reinit is not None:  # (as threading.Lock has it: anythread run's shim looks)
        namespace["_at_fork_reinit"] = reinit
    return cast("Callable[[], protocols.Lock]", LockType("Lock", (), namespace))


def _make_world(kernel: Kernel) -> tuple[World, Callable[[], protocols.Lock]]:
    # Lock() is the kernel's complete lock when it has one, else its lock when that
    # checks its arguments, else the checking wrapper.
    if isinstance(kernel, KernelUserLock):
        made = kernel.allocate_user_lock()
        if not isinstance(made, protocols.Lock):
            raise TypeError(
                "the kernel's allocate_user_lock() (the KernelUserLock extra) must "
                f"return a lock (acquire, release, locked, with), not {made!r}"
            )
        user_lock = kernel.allocate_user_lock
        world = World(kernel, _state_lock_factory(kernel, user_lock))
        return world, _lock_type(user_lock, made)
    if isinstance(kernel, KernelCheckedLocks) and kernel.locks_check_arguments:
        # The kernel declared that its lock is a complete threading Lock.
        lock = cast("Callable[[], protocols.Lock]", kernel.allocate_lock)
        return World(kernel, _state_lock_factory(kernel, lock)), lock
    wrapper = locks.Lock.for_kernel(kernel)
    world = World(kernel, _state_lock_factory(kernel, wrapper))
    wrapper.record_waits_in(world.waits)
    return world, wrapper


def _state_lock_factory(kernel: Kernel, wrapper: Callable[[], Any]) -> Callable[[], Any]:
    """What makes the locks the world guards its own state with."""
    if isinstance(kernel, KernelStateLock):
        made = kernel.allocate_state_lock()
        if not isinstance(made, AbstractContextManager):
            raise TypeError(
                "the kernel's allocate_state_lock() (the KernelStateLock extra) must "
                f"return a context manager, not {made!r}"
            )
        return kernel.allocate_state_lock
    # Else the kernel's lock itself when that is a context manager: it is never given
    # bad arguments, and nobody waits on it for long (the wrapper would add three calls
    # to every start, registration and end).
    probe = kernel.allocate_lock()
    return kernel.allocate_lock if isinstance(probe, AbstractContextManager) else wrapper


def _event_base(kernel: Kernel) -> type[event.Event]:
    if not isinstance(kernel, KernelEvent):
        return event.Event
    base = kernel.event_class
    if not (isinstance(base, type) and issubclass(base, event.Event)):
        raise TypeError(
            "the kernel's event_class (the KernelEvent extra) must be a subclass of "
            f"anythread.semantics.event.Event, not {base!r}"
        )
    return base


def _make_rlock(kernel: Kernel, waits: WaitRegistry) -> Callable[[], protocols.RLock]:
    if isinstance(kernel, KernelRLock):
        allocate = kernel.allocate_rlock

        def RLock(*args: object, **kwargs: object) -> protocols.RLock:
            """Return a new reentrant lock, the kernel's own (the KernelRLock extra).

            Spec: 16.2.3 (RLock Objects); RLOCK-INIT-01: arguments are ignored, as
            ``threading.RLock(*args, **kwargs)`` ignores them (deprecated from 3.13 on).
            """
            if args or kwargs:
                warn_rlock_arguments()
            return cast("protocols.RLock", allocate())

        return RLock
    return locks.RLock.for_world(waits)


def _reads_as_a_backend(b: SemanticsBackend) -> protocols.Backend:
    """A static check, run by mypy: SemanticsBackend satisfies the Backend Protocol."""
    return b
