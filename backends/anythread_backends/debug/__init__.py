"""The ``debug`` backend: another backend, with its locks watched.

``debug`` wraps a backend (``ANYTHREAD_DEBUG_WRAPS``, default ``stdlib``; or inline:
``debug:pure``) and never changes what a correct program does.  What it adds:

* **real deadlocks** become :class:`anythread.DeadlockError`: an untimed acquire,
  join or Condition re-acquire that would close a cycle of threads each waiting for
  the next raises at once, in the thread that closes it, instead of hanging; a thread
  acquiring a Lock it holds itself raises only if no other thread could release it;
* **lock-order inversions** that did not deadlock in this run: an acquisition-order
  graph, checked incrementally before each blocking untimed acquire made while holding
  other locks; ``ANYTHREAD_DEBUG_MODE`` says what to do (``raise``
  :class:`anythread.LockOrderError`, the default; ``warn`` once per cycle; ``log``).
  A cycle whose every edge was seen under one common gate lock is not reported.
  ``ANYTHREAD_DEBUG_ORDER=site`` treats the locks created at one line as one lock;
* **misuse**, with the standard library's exception and a clearer message, and
  warnings (:class:`DebugWarning`) for legal but suspicious use, logged instead where
  a blanket ``-W error`` would make them break a correct program.

Lock and RLock are this package's (:mod:`._locks`); Condition, Semaphore,
BoundedSemaphore, Event and Barrier are subclasses of the inner backend's classes whose
untimed waits are recorded (:mod:`._waits`; a Condition works over these locks through
the owned-lock protocol); Thread and Timer are the inner backend's with joins tracked
(:mod:`._threads`); everything else is the inner backend's own object.  The registry
calls :func:`make_backend` (with the option of ``debug:NAME``); it exports that
function and the backend's type.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from anythread.protocols import API_NAMES, CONTRACT_VERSION, Backend, Capability
from anythread_backends.debug import _locks
from anythread_backends.debug._report import EdgeSite
from anythread_backends.debug._threads import thread_classes
from anythread_backends.debug._tracker import (
    MODES,
    ORDERS,
    DebugWarning,
    LockOrderWarning,
    Tracker,
)
from anythread_backends.debug._waits import wait_classes

__all__ = ["DebugBackend", "DebugWarning", "EdgeSite", "LockOrderWarning", "make_backend"]

#: The inner backend, when no option names it.
WRAPS_ENV = "ANYTHREAD_DEBUG_WRAPS"
#: ``raise`` (default), ``warn`` or ``log``: what a lock-order inversion does.
MODE_ENV = "ANYTHREAD_DEBUG_MODE"
#: ``instance`` (default) or ``site``: what one node of the order graph is.
ORDER_ENV = "ANYTHREAD_DEBUG_ORDER"
#: Creation sites (``path`` or ``path:line``, comma-separated) whose Locks are hand-off
#: locks from the start (see :meth:`DebugBackend.declare_handoff`).
HANDOFF_ENV = "ANYTHREAD_DEBUG_HANDOFF"

# The names served by debug's own objects; every other API name is the inner backend's.
_OWN = (
    "Lock",
    "RLock",
    "Condition",
    "Semaphore",
    "BoundedSemaphore",
    "Event",
    "Barrier",
    "Thread",
    "Timer",
    "excepthook",
)


class DebugBackend:
    """A debug backend over ``inner`` (see the module docstring).

    :param inner: the backend to wrap.
    :param name: the name it was selected by (``debug`` or ``debug:NAME``).
    :param mode: ``raise``, ``warn`` or ``log``.
    :param order: ``instance`` or ``site``.
    :raises ValueError: if ``mode`` or ``order`` is not one of those.
    """

    Lock: type[_locks.Lock]
    RLock: type[_locks.RLock]
    Condition: type[Any]
    Semaphore: type[Any]
    BoundedSemaphore: type[Any]
    Event: type[Any]
    Barrier: type[Any]
    Thread: type[Any]
    Timer: type[Any]

    def __init__(
        self,
        inner: Backend,
        name: str = "debug",
        *,
        mode: str = "raise",
        order: str = "instance",
        handoff: str = "",
    ) -> None:
        _check_choice(MODE_ENV, mode, MODES)
        _check_choice(ORDER_ENV, order, ORDERS)
        self.name = name
        self.inner = inner
        self.capabilities: frozenset[Capability] = frozenset(inner.capabilities)
        self.contract_version = CONTRACT_VERSION
        self.tracker = tracker = Tracker(inner, mode, order, handoff_sites(handoff))
        for attr in API_NAMES:
            if attr not in _OWN:
                setattr(self, attr, getattr(inner, attr))
        waits = getattr(inner, "waits", None)
        if waits is not None:
            self.waits = waits
        attrs = {
            "_tracker": tracker,
            "__module__": "anythread",
            "__slots__": (),
        }
        self.Lock = type("Lock", (_locks.Lock,), dict(attrs))
        self.RLock = type("RLock", (_locks.RLock,), dict(attrs))
        self.Thread, self.Timer = thread_classes(tracker, inner)
        for attr, cls in wait_classes(tracker, inner, self.RLock).items():
            setattr(self, attr, cls)

    @property
    def excepthook(self) -> Callable[[Any], object]:
        """The inner backend's ``excepthook`` (assigning it assigns the inner one)."""
        return self.inner.excepthook

    @excepthook.setter
    def excepthook(self, hook: Callable[[Any], object]) -> None:
        self.inner.excepthook = hook

    def held(self) -> list[Any]:
        """The debug locks the calling thread holds, oldest first."""
        return self.tracker.held()

    def blocked(self) -> list[str]:
        """The names of the threads blocked right now in an untimed wait of this
        backend's objects (what the wait-for graph sees): acquires, joins, and the waits
        without an owner (Condition, Semaphore, Event, Barrier)."""
        return self.tracker.blocked()

    def declare_nested(self, lock: Any) -> None:
        """Declare that locks created where ``lock`` was may nest inside one another in
        a known order (``site`` order only; ``instance`` order never reports nesting)."""
        self.tracker.declare_nested(lock)

    def declare_handoff(self, lock: Any) -> None:
        """Declare that ``lock``, a Lock of this backend, is a signal between threads (a
        *hand-off* lock): the thread that acquired it says nothing about who will
        release it, as in a readers-writer lock whose last reader releases what the
        first one took.  From now on it takes no part in the lock-order graph (in
        ``site`` order, no lock created where it was does) nor in the wait-for graph,
        as a Lock released by another thread than the one that took it does on its own.

        :raises TypeError: if ``lock`` is not a Lock of the debug backend (an RLock is
            released only by its owner).
        """
        if not isinstance(lock, _locks.Lock):
            raise TypeError(
                "declare_handoff() takes a Lock of the debug backend, not "
                f"{type(lock).__name__}"
                + (
                    ": an RLock is released only by the thread that holds it"
                    if isinstance(lock, _locks.RLock)
                    else ""
                )
            )
        lock._handoff = True
        self.tracker.node(lock)
        self.tracker.hand_off(lock)

    def __repr__(self) -> str:
        return f"<anythread backend {self.name!r} over {self.inner.name!r}>"


def handoff_sites(value: str) -> tuple[tuple[str, int | None], ...]:
    """Parse ``ANYTHREAD_DEBUG_HANDOFF``: creation sites separated by commas, each a file
    (its path, or the end of its path from a separator on: ``pkg/rwlock.py``) and
    optionally ``:LINE``.

    :raises ValueError: for an entry that is not ``FILE`` or ``FILE:LINE``.
    """
    sites: list[tuple[str, int | None]] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        head, colon, tail = entry.rpartition(":")
        number: int | None = None
        path = entry
        if colon and tail.isdigit():
            path, number = head, int(tail)
        elif colon and not ("/" in tail or os.sep in tail):  # (C:\... is a path)
            path = ""
        if not path or number == 0:
            raise ValueError(
                f"{HANDOFF_ENV}: {entry!r} is not a creation site: write FILE or FILE:LINE "
                "(a file's path, or its end such as pkg/module.py, and a line number), "
                "several separated by commas"
            )
        sites.append((os.path.normcase(path.replace("/", os.sep)), number))
    return tuple(sites)


def _check_choice(env: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(
            f"{env}={value!r} is not valid: use one of {', '.join(repr(c) for c in choices)}"
        )


def make_backend(option: str | None = None) -> DebugBackend:
    """Return a debug backend over the backend named ``option`` (or by
    ``ANYTHREAD_DEBUG_WRAPS``, default ``stdlib``), loaded through the registry.

    :raises LookupError: if the inner backend is unknown or unavailable, or is itself a
        debug backend.
    :raises ValueError: if ``ANYTHREAD_DEBUG_MODE`` or ``ANYTHREAD_DEBUG_ORDER`` is invalid.
    """
    from anythread.registry import registry

    wraps = option or os.environ.get(WRAPS_ENV) or "stdlib"
    if wraps.partition(":")[0] == "debug":
        raise LookupError(
            f"the debug backend cannot wrap {wraps!r}: name another backend "
            f"(debug:stdlib, debug:pure, ...)"
        )
    source = "debug:" if option else WRAPS_ENV
    inner = registry.load(wraps, source=source)
    name = f"debug:{option}" if option else "debug"
    return DebugBackend(
        inner,
        name,
        mode=os.environ.get(MODE_ENV, "raise") or "raise",
        order=os.environ.get(ORDER_ENV, "instance") or "instance",
        handoff=os.environ.get(HANDOFF_ENV, ""),
    )
