"""The debug Condition, Semaphore, BoundedSemaphore, Event and Barrier.

Each is a subclass of the inner backend's class (a class, as on the standard library:
``isinstance`` and subclassing work) whose *untimed* waits are recorded in the wait-for
graph while they last.  These waits have no owner: any thread may notify a Condition,
release a Semaphore, set an Event or arrive at a Barrier, so a chain of waits that
reaches one of them is not a deadlock.  What the records give: :meth:`blocked` lists
those threads, and a thread that waits for a Lock it holds itself knows whether any
other thread is still free to release it (:meth:`~._tracker.Tracker.wait_alone`).

A Condition's lock is taken back at the end of ``wait()`` through the debug lock's
``_acquire_restore``, which is a wait *with* an owner (the lock's holder): a cycle
through it is a :class:`~anythread.DeadlockError`.

Timed waits are not recorded: they end by themselves.  A wait that need not block (a
set Event, a Semaphore with a free slot) records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from anythread.protocols import Backend
from anythread_backends.debug._locks import owner_of
from anythread_backends.debug._tracker import Tracker

__all__ = ["refuse_nan", "wait_classes"]

T = TypeVar("T")


def refuse_nan(timeout: Any) -> Any:
    """Return ``timeout``; raise ValueError if it is NaN.

    The standard library's Condition, Semaphore, Event and Barrier let a NaN timeout
    through (and a Semaphore or Barrier that must wait then spins forever); the contract
    asks every backend to refuse it, as ``Lock.acquire`` does, and so does the debug
    backend, whatever it wraps.  Spec: MOD-TIMEOUT-NAN-01, THREAD-JOIN-NAN-01.
    """
    if timeout != timeout:
        raise ValueError("Invalid value NaN (not a number)")
    return timeout


def wait_classes(tracker: Tracker, inner: Backend, rlock: Callable[[], Any]) -> dict[str, type]:
    """Return the debug ``Condition``, ``Semaphore``, ``BoundedSemaphore``, ``Event`` and
    ``Barrier`` classes over ``inner`` (``rlock`` makes a Condition's default lock)."""

    @contextmanager
    def waiting(obj: object) -> Iterator[None]:
        state = tracker.state()
        tracker.block(state, obj, owner_of)  # no owner: never raises, only records
        try:
            yield
        finally:
            tracker.unblock(state)

    condition_base: Any = inner.Condition
    semaphore_base: Any = inner.Semaphore
    bounded_base: Any = inner.BoundedSemaphore
    event_base: Any = inner.Event
    barrier_base: Any = inner.Barrier

    class Condition(condition_base):  # type: ignore[misc]
        def __init__(self, lock: Any = None) -> None:
            super().__init__(rlock() if lock is None else lock)

        def wait(self, timeout: float | None = None) -> bool:
            if timeout is not None:
                if timeout != timeout:
                    # Ownership is checked first, as everywhere else: notify(0) checks
                    # it and wakes no one.
                    try:
                        self.notify(0)
                    except RuntimeError:
                        raise RuntimeError("cannot wait on un-acquired lock") from None
                    refuse_nan(timeout)
                return bool(super().wait(timeout))
            with waiting(self):
                return bool(super().wait())

        def wait_for(self, predicate: Callable[[], T], timeout: float | None = None) -> T:
            if timeout is not None:
                return super().wait_for(predicate, refuse_nan(timeout))  # type: ignore[no-any-return]
            with waiting(self):
                return super().wait_for(predicate)  # type: ignore[no-any-return]

    class Semaphore(semaphore_base):  # type: ignore[misc]
        def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
            if not blocking or timeout is not None:
                if blocking:
                    refuse_nan(timeout)
                return bool(super().acquire(blocking, timeout))
            if super().acquire(False):
                return True
            with waiting(self):
                return bool(super().acquire())

        __enter__ = acquire

    class BoundedSemaphore(Semaphore, bounded_base):  # type: ignore[misc]
        def release(self, n: int = 1) -> None:
            try:
                super().release(n)
            except ValueError as error:
                if "too many" not in str(error):
                    raise
                raise ValueError(
                    f"Semaphore released too many times: {self!r} is bounded by its initial "
                    "value, and this release would exceed it; release it only as many times "
                    "as it was acquired"
                ) from None

    class Event(event_base):  # type: ignore[misc]
        def wait(self, timeout: float | None = None) -> bool:
            if timeout is not None or self.is_set():
                return bool(super().wait(timeout if timeout is None else refuse_nan(timeout)))
            with waiting(self):
                return bool(super().wait())

    class Barrier(barrier_base):  # type: ignore[misc]
        def __init__(
            self, parties: int, action: Callable[[], object] | None = None, timeout: Any = None
        ) -> None:
            super().__init__(parties, action, timeout)
            self._debug_timeout = timeout

        def wait(self, timeout: float | None = None) -> int:
            if timeout is not None or self._debug_timeout is not None:
                refuse_nan(self._debug_timeout if timeout is None else timeout)
                return int(super().wait(timeout))
            with waiting(self):
                return int(super().wait())

    classes: dict[str, type] = {
        "Condition": Condition,
        "Semaphore": Semaphore,
        "BoundedSemaphore": BoundedSemaphore,
        "Event": Event,
        "Barrier": Barrier,
    }
    for name, cls in classes.items():
        # Named as the inner backend's class (reprs and checks that read the module and
        # name, such as CPython's own Event repr, see the same class).
        base = getattr(inner, name)
        cls.__module__ = getattr(base, "__module__", "anythread")
        cls.__qualname__ = getattr(base, "__qualname__", name)
        cls.__doc__ = getattr(base, "__doc__", None)
    return classes
