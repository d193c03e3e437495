"""The cooperative backend's Event (the :class:`~anythread.protocols.KernelEvent` extra).

:class:`GreenEvent` is the semantics layer's :class:`~anythread.semantics.event.Event`
with its waiting done by the hub: its guard is the hub's mutex (which nothing holds
across a switch), and a waiter is a :class:`~anythread_backends.cooperative._hub.Waiter`
queued on the event itself, made ready by ``set()`` directly.  The layer's Event takes a
green lock, parks in a wait queue and takes the lock back: some twenty Python calls per
handoff, against a handful here.  Everything else (``is_set``, ``clear``, ``isSet``,
the repr, the class as users subclass it) is the layer's.

A blocked waiter is listed in the world's wait records (kind ``"Event"``, with the
creation site) from the moment it queues until ``set()`` or its timeout makes it ready,
as the layer's waits are, for hang reports; the record is made when a snapshot asks (a
:meth:`~anythread.semantics.waitqueue.WaitRegistry.add_source`), not at every wait.
Under a random or pct schedule, ``set()`` and a wait that blocks are scheduling points.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

from anythread.semantics._checks import check_wait_timeout
from anythread.semantics.event import Event
from anythread.semantics.waitqueue import WaitRecord, WaitRegistry
from anythread_backends.cooperative import _hub
from anythread_backends.cooperative._hub import Task, Waiter
from anythread_backends.cooperative._queue import GreenWaitQueue
from anythread_backends.cooperative._schedule import Schedule

__all__ = ["GreenEvent"]

_getcurrent = greenlet.getcurrent
_new_waiter = object.__new__
_E = TypeVar("_E", bound="GreenEvent")


class GreenEvent(Event):
    """An internal flag, initially false: ``set()`` makes it true and wakes every
    waiting thread, ``clear()`` makes it false, ``wait()`` blocks until it is true.

    Spec: 16.2.6 (Event Objects); EVENT-INIT-01, EVENT-SET-01..02,
    EVENT-CLEAR-01.
    """

    def __init__(self) -> None:
        waits = self._waits
        self._flag = False
        # The blocked waiters (mutex held), or None while there are none.
        self._waiters: list[Waiter] | None = None
        self._site = waits.site_of(self) if waits.records_sites else None
        # Whether set() and blocking waits are scheduling points (random, pct).
        self._points: bool = waits.kernel.preemptive_points  # type: ignore[attr-defined]

    @classmethod
    def for_world(cls: type[_E], waits: WaitRegistry, *bases: type) -> type[_E]:
        """Derive the class of the world whose registry is ``waits``; the waiters the
        hub keeps blocked (on this world's Events and in its
        :class:`~anythread_backends.cooperative._queue.GreenWaitQueue`) are listed in
        the registry's snapshots."""
        waits.add_source(functools.partial(_records, waits))
        return super().for_world(waits, *bases)

    def set(self) -> None:
        """Set the flag to true and wake every thread waiting for it."""
        if self._points:
            self._waits.kernel.scheduling_point()  # type: ignore[attr-defined]
        with _hub.mutex:
            self._flag = True
            waiters = self._waiters
            if waiters is None:
                return
            self._waiters = None
            for waiter in waiters:
                waiter.granted = True
                hub = waiter.hub
                glet = waiter.glet
                if (
                    waiter.timer is None
                    and type(glet) is Task
                    and not hub.sleeping
                    and type(hub.schedule) is Schedule
                ):
                    # Hub.wake, inline for the common case (no timer to cancel, a hub
                    # that is not waiting for a wakeup, FIFO).
                    glet.waiter = None
                    hub.ready.append(glet)
                else:
                    hub.wake(waiter)
        if self._points:
            self._waits.kernel.scheduling_point()  # type: ignore[attr-defined]

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the flag is true, or until ``timeout`` seconds have passed.

        Spec: 16.2.6 wait(); EVENT-WAIT-01..03.

        Returns True unless a timeout was given and expired.
        """
        if timeout is not None:
            timeout = check_wait_timeout(timeout, self._waits.kernel.TIMEOUT_MAX)
            if timeout is not None and timeout <= 0:
                return self._flag
        if self._flag:
            return True
        kernel: Any = self._waits.kernel
        if self._points:
            kernel.scheduling_point()
            if self._flag:
                return True  # type: ignore[unreachable]  # (set meanwhile: mypy cannot know)
        glet = _getcurrent()
        hub = glet.hub if type(glet) is Task else kernel.hub()
        # Waiter(glet, hub, self, deadline), without the call: one per wait.
        waiter = _new_waiter(Waiter)
        waiter.glet = glet
        waiter.hub = hub
        waiter.lock = self
        waiter.granted = False
        waiter.timer = None
        with _hub.mutex:
            if self._flag:  # set meanwhile, by another OS thread
                return True  # type: ignore[unreachable]  # (mypy cannot know)
            waiters = self._waiters
            if waiters is None:
                self._waiters = [waiter]
            else:
                waiters.append(waiter)
            if timeout is None:
                waiter.deadline = None
                if type(glet) is Task:
                    glet.waiter = waiter  # Hub.register, inline
                else:
                    hub.register(waiter)
            else:
                waiter.deadline = kernel.monotonic() + timeout
                hub.register(waiter)
            ready = hub.ready
            if ready and not hub.timers and type(hub.schedule) is Schedule:
                after = ready.popleft()  # Hub.next_ready, inline (FIFO, no timers)
            else:
                after = hub.next_ready()
        # Hub.block, inline: an exception thrown in (a DeadlockError, KeyboardInterrupt)
        # takes the waiter out of the queue; a set() that came first stands.
        if not after:  # a green thread not started yet: started by the hub
            after = hub.start_later(after)
        try:
            after.switch()
        except BaseException:
            with _hub.mutex:
                if not waiter.granted:
                    self.withdraw(waiter)
                hub._forget(waiter)
            raise
        if self._points:
            kernel.scheduling_point()
        return waiter.granted or self._flag

    # What the hub asks of the object a waiter is blocked on (its ``lock``).

    def withdraw(self, waiter: Waiter) -> None:
        """Remove ``waiter`` (timed out, interrupted, or left behind by a fork); mutex
        held."""
        waiters = self._waiters
        if waiters is not None:
            try:
                waiters.remove(waiter)
            except ValueError:
                pass

    def _unlock(self) -> None:
        # A waiter interrupted after set() woke it: the set stands, nothing to give back.
        pass

    #: an Event has no holder to report
    holder: Any = None


def _records(waits: WaitRegistry) -> list[WaitRecord]:
    """The wait records of the green threads of ``waits``'s world that the hub keeps
    blocked now: on an Event, or in a wait queue of the kernel's (GreenWaitQueue)."""
    kernel: Any = waits.kernel
    with _hub.mutex:
        pairs = [(task, task.waiter) for task in list(kernel.tasks.values()) if task.waiter]
        for hub in kernel.hubs():
            pairs.extend(hub.blocked.items())
    records = []
    for glet, waiter in pairs:
        on = waiter.lock
        obj: object
        if isinstance(on, GreenEvent):
            if on._waits is not waits:
                continue
            obj, kind, site = on, "Event", on._site
        elif isinstance(on, GreenWaitQueue):
            if on.registry is not waits:
                continue
            obj, kind, site = on.subject, on.kind, on.site
        else:
            continue
        ident = glet.ident if type(glet) is Task else waiter.hub.os_ident
        records.append(waits.record(ident, obj, kind, site, waiter.deadline))
    return records
