"""The cooperative backend's wait queue (the :class:`~anythread.protocols.KernelWaitQueue`
extra): the layer's :class:`~anythread.semantics.waitqueue.WaitQueue`, whose park and
unpark the hub does itself.

Condition, Semaphore, BoundedSemaphore and Barrier keep their semantics (the layer's);
only how a thread parks changes.  A parked green thread is a
:class:`~anythread_backends.cooperative._hub.Waiter` queued on the queue itself and
registered with its hub before the guard is released, so an unpark, from any OS thread,
grants it and makes it ready directly: no parked lock, no wait record made per park (the
records are made when a snapshot asks, as for the cooperative Event), and the guard (a
green lock or the kernel's RLock, as a Condition's lock usually is) released and taken
back inline.

Parking and unparking take no mutex between green threads of one OS thread: the guard,
which both hold (the layer's rule), keeps them apart, and each change to the queue is
one step the GIL makes atomic (a deque's ``append``, ``popleft``, ``remove``).  An unpark
wakes a thread of its own OS thread directly (that hub is not running), and one of
another OS thread through its hub, under the mutex (it may be about to sleep).

The layer's invariants hold: the guard is held again and the thread is out of the queue
whenever :meth:`park` returns or raises; an entry leaves the queue once, popped by an
unpark (the thread was notified) or removed when its wait ended otherwise (the hub
removes a timed-out one under the mutex, at its deadline).  If an unpark of another OS
thread took the entry first, the notification stands: the wait returns True (the timeout
came after it), and the unpark, finding the wait over, does not wake the thread again.
Under a random or pct schedule (where every lock operation is a scheduling point) a
queue created then is the layer's own, unchanged.
"""

from __future__ import annotations

import _thread
from collections import deque
from collections.abc import Callable
from typing import Any

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

from anythread.semantics.waitqueue import Site, WaitQueue, WaitRegistry
from anythread_backends.cooperative import _hub
from anythread_backends.cooperative._hub import GreenLock, Task, Waiter, give

__all__ = ["GreenWaitQueue"]

_getcurrent = greenlet.getcurrent
_get_ident = _thread.get_ident
_new_waiter = object.__new__

# How a queue parks: the layer's way, or the hub's with its guard released and taken
# back inline (a kernel RLock, a green lock) or through the callables it was given.
_LAYER, _RLOCK, _PLAIN, _CALLS = 0, 1, 2, 3


def _mode_of(kernel: Any, release: Callable[[], Any]) -> tuple[int, Any]:
    if kernel.preemptive_points:
        return _LAYER, None
    # Imported here: _kernel imports this module.
    from anythread_backends.cooperative._kernel import GreenRLock

    owner = getattr(release, "__self__", None)
    function = getattr(release, "__func__", None)
    if type(owner) is GreenRLock and function is GreenRLock._release_save:
        return _RLOCK, owner
    if type(owner) is GreenLock and function is GreenLock.release:
        return _PLAIN, owner
    return _CALLS, None


class GreenWaitQueue(WaitQueue):
    """A FIFO of green threads parked on one object, guarded by that object's lock;
    parks and unparks through the hub (see the module's docstring)."""

    __slots__ = ("_guard", "_mode", "subject")

    def __init__(
        self,
        registry: WaitRegistry,
        kind: str,
        site: Site,
        release: Callable[[], Any],
        restore: Callable[[Any], object],
    ) -> None:
        WaitQueue.__init__(self, registry, kind, site, release, restore)
        self._mode, self._guard = _mode_of(registry.kernel, release)
        #: the object waited on, as recorded (set at the first park)
        self.subject: object = None

    @property
    def kind(self) -> str:
        """The kind of the owning object, as recorded."""
        return self._kind

    @property
    def site(self) -> Site:
        """Where the owning object was created, as recorded."""
        return self._site

    @property
    def registry(self) -> WaitRegistry:
        """The world's wait registry."""
        return self._registry

    def park(self, subject: object, timeout: float | None) -> bool:
        mode = self._mode
        if mode == _LAYER:
            return WaitQueue.park(self, subject, timeout)
        self.subject = subject
        kernel: Any = self._registry.kernel
        glet = _getcurrent()
        if type(glet) is Task:
            hub = glet.hub
        else:
            cached = kernel.root_hub  # (Kernel.hub(), for the last OS thread's root)
            if cached is not None and cached.root is glet:
                hub = cached
            else:
                hub = kernel.hub()
                if glet is hub.root:
                    kernel.root_hub = hub
        guard = self._guard
        if timeout is not None and timeout <= 0:
            # Expired already: the guard is released and taken back, nothing waited for.
            if mode == _CALLS:
                self._restore(self._release())
            elif mode == _RLOCK:
                count = guard._count
                guard._count = 0
                GreenLock.release(guard)
                GreenLock.acquire(guard)
                guard._count = count
            else:
                guard.release()
                guard.acquire()
            return False
        # Waiter(glet, hub, self, deadline), without the call: one per park.
        waiter = _new_waiter(Waiter)
        waiter.glet = glet
        waiter.hub = hub
        waiter.lock = self
        waiter.granted = False
        waiter.timer = None
        # No mutex: the guard, held, keeps every unpark out until it is released below,
        # and nothing else of this OS thread runs meanwhile (see the module docstring).
        self._parked.append(waiter)  # type: ignore[arg-type]
        # Registered with the hub at once: an unpark from another OS thread, as soon
        # as the guard is free, makes it ready (even before it switches away).
        if timeout is None:
            waiter.deadline = None
            # Hub.register, inline.
            if type(glet) is Task:
                glet.waiter = waiter
            elif glet is hub.root:
                hub.root_waiter = waiter
            else:
                hub.mark(glet, waiter)
        else:
            waiter.deadline = kernel.monotonic() + timeout
            hub.register(waiter)
        # Release the guard completely (GreenLock.release inline for the kernel's locks;
        # the kernel's RLock also puts its recursion level aside).
        if mode == _CALLS:
            saved = self._release()
        else:
            saved = None
            if mode == _RLOCK:
                saved = guard._count
                guard._count = 0
            if guard._waiters:
                guard._hand_off()
            else:
                guard.holder = None
                give(guard._state)
                if guard._waiters:
                    guard._grant_late()
        try:
            # Hub.next_ready, inline (FIFO, no timers): only this OS thread's green
            # threads take from its ready queue, and its hub is not running.
            after = None
            ready = hub.ready
            if ready and not hub.timers and hub.fifo:
                try:
                    after = ready.popleft()
                except IndexError:  # (a KeyboardInterrupt's delivery took the last one)
                    pass
            if after is None:
                with _hub.mutex:
                    after = hub.next_ready()
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
        finally:
            # Take the guard back, whatever ended the wait.
            if mode == _CALLS:
                self._restore(saved)
            else:
                state = guard._state
                taken = False
                if state:  # take(state), inline
                    try:
                        state.pop()
                        taken = True
                    except IndexError:  # taken by another OS thread since the test
                        pass
                if taken:
                    guard.holder = glet
                elif mode == _RLOCK:
                    # A user's RLock (Condition()'s own): the wait for it is listed in
                    # the wait records, as any contended acquire of it is.
                    guard._wait_recorded(-1)
                else:
                    guard._acquire_contended(-1)
                if mode == _RLOCK:
                    guard._count = saved
        # Not granted: timed out, and the hub took it out of the queue at its deadline,
        # under the mutex (an unpark since then could not pop it).
        return waiter.granted

    def unpark(self, n: int = 1) -> int:
        if self._mode == _LAYER:
            return WaitQueue.unpark(self, n)
        parked: deque[Any] = self._parked
        woken = 0
        while parked and woken < n:
            try:
                waiter = parked.popleft()
            except IndexError:  # its wait ended meanwhile, in another OS thread
                break
            woken += 1
            hub = waiter.hub
            glet = waiter.glet
            if waiter.timer is None and hub.fifo and hub.os_ident == _get_ident():
                # Hub.wake, inline for a thread of this OS thread (whose hub is not
                # running): no timer to cancel, FIFO.
                waiter.granted = True
                if type(glet) is Task:
                    glet.waiter = None
                elif glet is hub.root:
                    hub.root_waiter = None
                else:
                    hub.mark(glet, None)
                hub.ready.append(glet)
                continue
            with _hub.mutex:
                waiter.granted = True
                # (Unless its wait is over already: it timed out after this unpark took
                # it, and returns True all the same; or it left with an exception.)
                if (glet.waiter if type(glet) is Task else hub.waiter_of(glet)) is waiter:
                    hub.wake(waiter)
        return woken

    # What the hub asks of the object a waiter is blocked on (its ``lock``).

    def withdraw(self, waiter: Waiter) -> None:
        """Remove ``waiter`` (timed out, interrupted, or left behind by a fork); mutex
        held."""
        try:
            self._parked.remove(waiter)  # type: ignore[arg-type]
        except ValueError:
            # An unpark took it first: it grants it before it lets go of the guard,
            # which the wait takes back before it reads whether it was granted.
            pass

    def _unlock(self) -> None:
        # A waiter interrupted after an unpark granted it: the wakeup stands.
        pass

    holder: Any = None
