"""The cooperative backend's Event (the :class:`~anythread.protocols.KernelEvent` extra).

:class:`GreenEvent` is the semantics layer's :class:`~anythread.semantics.event.Event`
with its waiting done by the hub, without a lock: its flag and its queue of waiters are
changed only by steps that the GIL makes atomic (a store; a deque's ``append``, ``pop``
and ``remove`` of entries compared by identity), so a ``set()`` from any OS thread and a
wait race safely, and a handoff between two green threads takes no mutex at all.
Everything else (``is_set``, ``clear``, ``isSet``, the repr, the class as users subclass
it) is the layer's.

The protocol:

- A waiter marks itself blocked (so a report, or a ``set()`` of another OS thread, sees
  it so), appends its entry to the queue, then reads the flag again: if it is set, the
  waiter takes its entry back out and returns, unless a ``set()`` took it first, which
  then makes it ready (the waiter switches away and is resumed at once).
- ``set()`` stores the flag, then takes the entries out one ``pop()`` at a time: each
  entry leaves the queue once, by that ``pop()`` or by its waiter's ``remove()``, so
  exactly one side owns its wakeup.  It wakes the entries it took in the order they
  came, from whatever OS thread it runs in and without the mutex (FIFO): it clears the
  thread's mark, then appends it to its hub's ready queue (so the hub never runs a
  thread still marked), then looks whether that hub sleeps and if so wakes it
  (:meth:`~anythread_backends.cooperative._hub.Hub.rouse`: a hub going to sleep says so
  first, then looks at its ready queue again).
- An entry is the green thread itself (a :class:`~anythread_backends.cooperative._hub.Task`,
  or a hub standing for its OS thread's own greenlet) for a wait without a timeout, and
  a :class:`~anythread_backends.cooperative._hub.Waiter` for a wait with one, or any
  wait in a green thread whose hub is not FIFO (a random or pct schedule).  A green
  thread blocked without a timeout has the event's one marker as its waiter (nothing
  made per wait): a task keeps it itself, an OS thread's own greenlet in its hub.
- A wait that ends otherwise (its timeout; an exception thrown in: a DeadlockError, a
  KeyboardInterrupt) takes its entry back under the mutex.  If a ``set()`` took it
  first, that set stands (a timed wait returns True); a ``set()`` of another OS thread
  whose wakeup has not landed yet (the thread still marked, or unmarked and not yet
  queued) is let land first, then undone, so that no green thread is ever resumed by a
  wakeup of a wait that is over.

A blocked waiter is listed in the world's wait records (kind ``"Event"``, with the
creation site) from the moment it queues until ``set()`` or its timeout makes it ready,
as the layer's waits are, for hang reports; the record is made when a snapshot asks (a
:meth:`~anythread.semantics.waitqueue.WaitRegistry.add_source`), not at every wait.
Under a random or pct schedule, ``set()`` and a wait that blocks are scheduling points.
"""

from __future__ import annotations

import functools
import time
from collections import deque
from typing import Any, TypeVar

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

from anythread.semantics._checks import check_wait_timeout
from anythread.semantics.event import Event
from anythread.semantics.waitqueue import WaitRecord, WaitRegistry
from anythread_backends.cooperative import _hub
from anythread_backends.cooperative._hub import UNREADIED, Hub, Task, Waiter
from anythread_backends.cooperative._queue import GreenWaitQueue

__all__ = ["GreenEvent"]

_getcurrent = greenlet.getcurrent
_new_waiter = object.__new__
# The OS thread's own sleep, whatever a program later does to the time module: a wait
# that ends while a set() of another OS thread is about to wake it lets that thread run.
_os_sleep = time.sleep
_os_clock = time.monotonic
# How long such a wait waits for that wakeup (seconds): far longer than any OS thread
# takes to get a free mutex.
_LEAVE_PATIENCE = 1.0
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
        # The entries of the blocked waiters, in the order they came (see the module's
        # docstring).  A deque, not a list: a list frees its storage when its last entry
        # leaves and allocates it again for the next, at every handoff.
        self._waiters: deque[Any] = deque()
        self._site = waits.site_of(self) if waits.records_sites else None
        # Whether set() and blocking waits are scheduling points (random, pct).
        self._points: bool = waits.kernel.preemptive_points  # type: ignore[attr-defined]
        self._kernel: Any = waits.kernel
        # The waiter of every green thread blocked here without a timeout: one for all.
        marker = self._marker = _new_waiter(Waiter)
        marker.glet = marker.timer = marker.deadline = None
        marker.hub = None  # type: ignore[assignment]  # (of no one hub: read by none)
        marker.lock = self
        marker.granted = False

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
        points = self._points
        if points:
            self._waits.kernel.scheduling_point()  # type: ignore[attr-defined]
        self._flag = True
        waiters = self._waiters
        if waiters:
            try:
                entry = waiters.pop()
            except IndexError:  # taken back meanwhile, by its waiter in another OS thread
                return
            else:
                if waiters:
                    # Several: take them all, then wake them in the order they came.
                    taken = [entry]
                    while waiters:
                        try:
                            taken.append(waiters.pop())
                        except IndexError:
                            break
                    for entry in reversed(taken):
                        self._wake(entry)
                else:
                    # _wake, inline for the common cases: a task, or an OS thread's
                    # own greenlet, of a FIFO hub.
                    kind = type(entry)
                    if kind is Task:
                        hub = entry.hub
                        if hub.fifo:
                            entry.waiter = None
                            hub.ready.append(entry)
                            if hub.sleeping:  # (the hub of another OS thread)
                                hub.rouse()
                            return
                    elif kind is Hub and entry.fifo:
                        entry.root_waiter = None
                        entry.ready.append(entry.root)
                        if entry.sleeping:
                            entry.rouse()
                        return
                    self._wake(entry)
            if points:  # (after waking some: they may run first)
                self._waits.kernel.scheduling_point()  # type: ignore[attr-defined]

    def _wake(self, entry: Any) -> None:
        """Make the waiter of ``entry``, which this ``set()`` took, ready."""
        kind = type(entry)
        if kind is Waiter:
            with _hub.mutex:
                entry.granted = True
                glet = entry.glet
                hub = entry.hub
                # (Unless its wait is over already: timed out, or left by an exception.)
                if hub.waiter_of(glet) is entry:
                    hub.wake(entry)
            return
        if kind is Task:
            hub = entry.hub
            glet = entry
            entry.waiter = None
        else:  # a hub, for its OS thread's own greenlet
            hub = entry
            glet = hub.root
            hub.root_waiter = None
        # Unmarked first, then queued: the hub picks it only once it is unmarked.
        if hub.fifo:
            hub.ready.append(glet)
        else:
            with _hub.mutex:
                hub.schedule.enqueue(hub.ready, glet)
        if hub.sleeping:  # (the hub of another OS thread)
            hub.rouse()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the flag is true, or until ``timeout`` seconds have passed.

        Spec: 16.2.6 wait(); EVENT-WAIT-01..03.

        Returns True unless a timeout was given and expired.
        """
        if timeout is not None:
            seconds = check_wait_timeout(timeout, self._waits.kernel.TIMEOUT_MAX)
            if self._flag:
                return True
            if seconds is not None:  # (it is: only None stays None)
                return False if seconds <= 0 else self._wait_timed(seconds)
        if self._flag:
            return True
        # Without a timeout: the green thread itself is the entry (module docstring).
        # (A FIFO hub has no scheduling points: a random or pct schedule is not FIFO.)
        glet = _getcurrent()
        if type(glet) is Task:
            hub = glet.hub
            if not hub.fifo:
                return self._wait_timed(None)
            glet.waiter = self._marker
            entry: Any = glet
        else:
            kernel = self._kernel
            cached = kernel.root_hub  # (Kernel.hub(), for the last OS thread's root)
            if cached is not None and cached.root is glet:
                hub = cached
            else:
                hub = kernel.hub()
                if glet is not hub.root:  # a greenlet of the program's own
                    return self._wait_timed(None)
                kernel.root_hub = hub
            if not hub.fifo:
                return self._wait_timed(None)
            hub.root_waiter = self._marker
            entry = hub
        waiters = self._waiters
        waiters.append(entry)
        if self._flag:  # set meanwhile, by another OS thread
            try:  # type: ignore[unreachable]  # (mypy cannot know)
                waiters.remove(entry)
            except ValueError:
                pass  # that set() took it: it is ready, or being made ready
            else:
                if entry is glet:
                    glet.waiter = None
                else:
                    hub.root_waiter = None
                return True
        # Hub.next_ready, inline (FIFO, no timers): only this OS thread's green threads
        # take from its ready queue, and its hub is not running.
        ready = hub.ready
        if ready and not hub.timers:
            try:
                after = ready.popleft()
            except IndexError:  # (a KeyboardInterrupt's delivery took the last one)
                with _hub.mutex:
                    after = hub.next_ready()
        else:
            with _hub.mutex:
                after = hub.next_ready()
        if not after:  # a green thread not started yet: started by the hub
            after = hub.start_later(after)
        try:
            after.switch()
        except BaseException:
            self._leave(entry, glet, hub)
            raise
        return True

    def _leave(self, entry: Any, glet: Any, hub: Hub) -> None:
        """An exception was thrown into ``glet``, blocked here without a timeout: take its
        entry back; or, if a ``set()`` took it, let that set's wakeup land and undo it."""
        marker = self._marker
        deadline = None
        while True:
            with _hub.mutex:
                try:
                    self._waiters.remove(entry)
                except ValueError:
                    pass  # a set() took it
                else:
                    # Taken back: no wakeup on its way.
                    if entry is glet:
                        glet.waiter = None
                    else:
                        hub.root_waiter = None
                    return
                waiter = glet.waiter if entry is glet else hub.root_waiter
                if waiter is not marker:
                    # Unmarked: made ready, or about to be.
                    try:
                        hub.ready.remove(glet)  # the wakeup landed: undone
                        return
                    except ValueError:
                        if waiter is UNREADIED:
                            # It landed, and the hub took it out to deliver this.
                            hub.root_waiter = None
                            return
                if deadline is not None and _os_clock() >= deadline:
                    # Given up on (see below).
                    if waiter is marker:
                        if entry is glet:
                            glet.waiter = None
                        else:
                            hub.root_waiter = None
                    return
            # A set() of another OS thread took the entry and is about to make the
            # thread ready: let it run.  For a while only: a set() of this OS thread
            # that a KeyboardInterrupt stopped between taking the entry and waking it
            # never will (its wakeup is lost, and its waiter leaves without it).
            if deadline is None:
                deadline = _os_clock() + _LEAVE_PATIENCE
            _os_sleep(0)

    def _wait_timed(self, timeout: float | None) -> bool:
        """Block with a :class:`Waiter` of its own: with a timeout (a hub timer), or
        under a random or pct schedule (with scheduling points)."""
        kernel: Any = self._waits.kernel
        if self._points:
            kernel.scheduling_point()
            if self._flag:
                return True
        glet = _getcurrent()
        hub = glet.hub if type(glet) is Task else kernel.hub()
        # Waiter(glet, hub, self, deadline), without the call: one per wait.
        waiter = _new_waiter(Waiter)
        waiter.glet = glet
        waiter.hub = hub
        waiter.lock = self
        waiter.granted = False
        waiter.timer = None
        waiters = self._waiters
        with _hub.mutex:
            if timeout is None:
                waiter.deadline = None
                if type(glet) is Task:
                    glet.waiter = waiter  # Hub.register, inline
                else:
                    hub.register(waiter)
            else:
                waiter.deadline = kernel.monotonic() + timeout
                hub.register(waiter)
            waiters.append(waiter)
            if self._flag:  # set meanwhile, by another OS thread
                try:
                    waiters.remove(waiter)
                except ValueError:
                    pass  # that set() took it: it makes it ready once the mutex is free
                else:
                    hub._forget(waiter)
                    return True
            ready = hub.ready
            # Hub.next_ready, inline when FIFO with no timers.
            after = ready.popleft() if ready and not hub.timers and hub.fifo else hub.next_ready()
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
                hub.abandon(waiter)
            raise
        if self._points:
            kernel.scheduling_point()
        return waiter.granted or self._flag

    # What the hub asks of the object a waiter is blocked on (its ``lock``).

    def withdraw(self, waiter: Waiter) -> None:
        """Take ``waiter``'s entry out (timed out, interrupted, or left behind by a
        fork); mutex held.  If a ``set()`` took it first, it is granted: the set stands.
        """
        waiters = self._waiters
        if waiter is self._marker:
            # Only a fork withdraws the marker: every green thread it stands for is gone
            # (the forking one is running).
            kept = [entry for entry in waiters if type(entry) is Waiter]
            waiters.clear()
            waiters.extend(kept)
            return
        try:
            waiters.remove(waiter)
        except ValueError:
            waiter.granted = True

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
        # (Each blocked green thread, its waiter, and the identifier of the thread.)
        blocked = [(task.waiter, task.ident) for task in list(kernel.tasks.values()) if task.waiter]
        for hub in kernel.hubs():
            blocked.extend((waiter, hub.os_ident) for waiter in hub.blocked.values())
            if hub.root_waiter is not None:
                blocked.append((hub.root_waiter, hub.os_ident))
    records = []
    for waiter, ident in blocked:
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
        records.append(waits.record(ident, obj, kind, site, waiter.deadline))
    return records
