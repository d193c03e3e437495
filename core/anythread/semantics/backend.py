"""``from_kernel``: turn a :class:`~anythread.protocols.Kernel` into a whole backend.

It checks that the kernel has every required primitive (a clear :class:`TypeError`
naming what is missing), makes a new :class:`~anythread.semantics.world.World`, builds
each object of the API on it from the sibling modules, and returns a
:class:`SemanticsBackend`: a namespace with every name of
:data:`~anythread.protocols.API_NAMES` plus ``name``, ``capabilities`` and
``contract_version``.  Optional kernel extras are used only when the kernel declares
them (see :data:`~anythread.protocols.KERNEL_EXTRAS`).

This module must not import ``threading`` nor know any particular backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from anythread.errors import BrokenBarrierError, ThreadError
from anythread.protocols import (
    CONTRACT_VERSION,
    KERNEL_NAMES,
    Backend,
    Capability,
    Kernel,
    KernelStackSize,
    missing_attributes,
)
from anythread.semantics.barrier import make_barrier
from anythread.semantics.condition import make_condition
from anythread.semantics.event import make_event
from anythread.semantics.hooks import ExceptHookArgs, make_hooks
from anythread.semantics.local import make_local
from anythread.semantics.locks import make_lock, make_rlock
from anythread.semantics.semaphore import make_semaphores
from anythread.semantics.thread import make_thread_classes
from anythread.semantics.world import World

__all__ = ["SemanticsBackend", "from_kernel"]


class SemanticsBackend(SimpleNamespace):
    """The namespace type of a backend built by :func:`from_kernel`."""

    def __repr__(self) -> str:
        return f"<anythread backend {self.name!r}>"


def _public(cls: Any, name: str) -> Any:
    # Classes are built inside functions; give them the names users know.
    if isinstance(cls, type):
        cls.__module__ = "anythread"
        cls.__qualname__ = name
    return cls


def _make_stack_size(kernel: Kernel) -> Any:
    if isinstance(kernel, KernelStackSize):
        return kernel.stack_size

    def stack_size(size: int = 0, /) -> int:
        """Return 0: this kernel cannot change the stack size of new threads.

        :raises ThreadError: if ``size`` is given and not 0.
        """
        if size:
            raise ThreadError("setting the thread stack size is not supported by this backend")
        return 0

    return stack_size


def from_kernel(
    kernel: Kernel,
    name: str,
    *,
    capabilities: Iterable[Capability | str] = (),
) -> Backend:
    """Build a complete backend from ``kernel``.

    Each call makes an independent backend: its own thread registry, main thread,
    ``Thread-N`` counter, trace and profile functions and ``excepthook``.

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

    lock_factory = _public(make_lock(kernel), "Lock")
    world = World(kernel, lock_factory)
    rlock = _public(make_rlock(world), "RLock")
    condition = _public(make_condition(world, rlock), "Condition")
    semaphore, bounded = make_semaphores(world, condition)
    event = _public(make_event(world, condition), "Event")
    barrier = _public(make_barrier(world, condition, lock_factory), "Barrier")
    local = _public(make_local(world), "local")
    threads = make_thread_classes(world, event)
    hooks = make_hooks(world)

    backend = SemanticsBackend(
        name=name,
        capabilities=frozenset(caps),
        contract_version=CONTRACT_VERSION,
        Lock=lock_factory,
        RLock=rlock,
        Condition=condition,
        Semaphore=_public(semaphore, "Semaphore"),
        BoundedSemaphore=_public(bounded, "BoundedSemaphore"),
        Event=event,
        Barrier=barrier,
        Thread=threads.Thread,
        Timer=threads.Timer,
        local=local,
        current_thread=threads.current_thread,
        main_thread=threads.main_thread,
        active_count=threads.active_count,
        enumerate=threads.enumerate,
        get_ident=kernel.get_ident,
        get_native_id=kernel.get_native_id,
        settrace=hooks.settrace,
        setprofile=hooks.setprofile,
        gettrace=hooks.gettrace,
        getprofile=hooks.getprofile,
        stack_size=_make_stack_size(kernel),
        excepthook=hooks.excepthook,
        ExceptHookArgs=ExceptHookArgs,
        TIMEOUT_MAX=kernel.TIMEOUT_MAX,
        ThreadError=ThreadError,
        BrokenBarrierError=BrokenBarrierError,
        sleep=kernel.sleep,
        currentThread=threads.currentThread,
        activeCount=threads.activeCount,
    )
    world.backend = backend
    return backend
