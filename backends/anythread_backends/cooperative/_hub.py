"""The greenlet kernel of the ``cooperative`` backend: green locks, hubs, timers, clocks.

Every anythread thread of this backend is a greenlet (a :class:`Task`).  Each OS thread
that uses the backend gets a :class:`Hub`, created lazily: a greenlet, child of that OS
thread's root greenlet, which runs the ready green threads one at a time and keeps a heap
of timers.  A green thread that blocks (a contended acquire, a sleep) fires the timers
that are due and switches straight to the next ready green thread (FIFO, or as a
:mod:`schedule <anythread_backends.cooperative._schedule>` says); a green thread that
ends hands over the same way.  Only when none is ready does it switch to the hub, which
waits for the next timer or for a wakeup from another OS thread.  When none of these can
come (the rule for "no wakeup from another OS thread" is
:mod:`~anythread_backends.cooperative._foreign`'s; while the program has a signal handler
of its own, see :mod:`~anythread_backends.cooperative._signals`, its signal may still
come, and the hub waits for it), the run is deadlocked:
the hub throws :class:`anythread.DeadlockError` into the blocked call of its OS thread's
root greenlet (the program's main thread, for the main OS thread) instead of hanging.

Green locks may be released from any OS thread.  A green lock's state is a token in a
list, taken and given back by one atomic list operation each, so the uncontended
acquire and release take no mutex;
waiters, ready queues and hubs are guarded by one process-wide ``_thread`` lock, and a
waiter of another hub is handed to that hub's ready queue and the hub woken, race-free.
The wait queue (:mod:`~anythread_backends.cooperative._queue`) hands over between green
threads of one OS thread without it: only that OS thread's green threads take from its
ready queue, and its hub does not run meanwhile.  The Event
(:mod:`~anythread_backends.cooperative._event`) hands over without it from any OS
thread: a waker appends to the ready queue, then wakes the hub if it says it sleeps,
and a hub going to sleep says so, then looks at its ready queue again
(:meth:`Hub.rouse`).  Other wakeups from another OS thread append under the mutex.
A greenlet never moves between OS threads.

The hot paths (every acquire, release, park and handoff) are written for speed and
measured side by side with gevent in ``benchmarks/bench_cooperative.py``: FIFO enqueue
and pick are inline, a parked thread waits on a :class:`ParkedLock` that is its own
waiter, and an idle green thread keeps nothing a report can compute later.

This module knows nothing of the semantics layer; the report of a deadlock is written by
:mod:`~anythread_backends.cooperative._report` from what the hubs record here.
"""

from __future__ import annotations

import _thread
import heapq
import itertools
import traceback
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, cast

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

from anythread_backends.cooperative._foreign import POLL_MAX, POLL_MIN
from anythread_backends.cooperative._schedule import Schedule

__all__ = [
    "UNREADIED",
    "GreenLock",
    "Hub",
    "HubOwner",
    "ParkedLock",
    "PointsGreenLock",
    "PointsParkedLock",
    "Task",
    "Waiter",
    "give",
    "mutex",
    "take",
]

_getcurrent = greenlet.getcurrent
# One process-wide mutex guards the state of every green lock, ready queue and hub: a
# green lock may be released by any OS thread.  Nothing blocks while holding it.  (A
# green thread may append to its own hub's ready queue, or take from it, without it: see
# the module docstring.)
#
# - A forked child gets a new one (another OS thread may have held it at the fork; see
#   _fork): other modules read it as ``_hub.mutex`` at each use, never import the name.
# - It is taken with ``with``, although ``acquire()`` and ``release()`` in a
#   ``try``/``finally`` cost some 90 ns less per critical section (3.10 to 3.13): a
#   KeyboardInterrupt can be raised right after the ``acquire()`` call returns, before the
#   ``try``, and would leave the mutex held for ever; ``with`` gives no such window.
mutex = _thread.allocate_lock()
# A green lock's queue of waiters is a list up to this length, then a deque.
_SHORT = 8


def take(state: list[bool]) -> bool:
    """Take a green lock's token from ``state`` if it is there (the lock is free): True
    if this call took it.  Atomic: of two OS threads racing for it, one pop fails."""
    if state:
        try:
            state.pop()
        except IndexError:  # taken by another OS thread since the test
            return False
        return True
    return False


def give(state: list[bool]) -> None:
    """Put a green lock's token back into ``state`` (unlock it).

    :raises RuntimeError: if the lock is not locked, as ``_thread``'s locks say.
    """
    if state:
        raise RuntimeError("release unlocked lock")
    state.append(True)
    if len(state) > 1:  # two releases raced (one of a lock already released): one fails
        del state[1:]
        raise RuntimeError("release unlocked lock")


class Task(greenlet.greenlet):  # type: ignore[misc]
    """One green thread: a greenlet with an identifier and the hub it belongs to.

    It runs ``function()``; an exception escaping it is printed (as ``_thread`` does),
    then the task is forgotten by the kernel.  It is also the kernel's handle of the
    thread (:meth:`join`).  Its attributes are slots, and what only a report or a join
    needs is made when asked: an idle green thread should cost little memory.

    Made by :meth:`GreenKernel.start_named_thread
    <anythread_backends.cooperative._kernel.GreenKernel.start_named_thread>` with
    greenlet's own constructor (``Task(None, hub.greenlet)``: no ``__init__`` of its
    own, one Python call less per thread), which then sets every slot:

    - ``_function``: what the green thread runs;
    - ``hub``: the hub of the OS thread that started it (its parent greenlet);
    - ``ident``: its identifier;
    - ``_code`` and ``_line``: the code object and line of the code that started it
      (None and 0 if not known);
    - ``thread``: the backend's thread object, for its name (None for a plain
      ``start_new_thread``);
    - ``waiter``: what the task is blocked on now (None while it runs or is ready);
    - ``_done``: a green lock that :meth:`join` waits on, made by the first join that
      must wait (None until then).
    """

    __slots__ = ("_code", "_done", "_function", "_line", "hub", "ident", "thread", "waiter")

    _function: Callable[[], object]
    hub: Hub
    ident: int
    _code: Any
    _line: int
    thread: Any
    waiter: Waiter | None
    _done: GreenLock | None

    @property
    def native_id(self) -> int:
        """The native identifier of the thread: its OS thread's."""
        return int(self.hub.native_id)

    @property
    def started_at(self) -> str:
        """``file:line`` of the code that started the task (``""`` if not known)."""
        if self._code is None:
            return ""
        return f"{self._code.co_filename}:{self._line}"

    def run(self, *_: object) -> None:
        # (Started by a switch, or by the end of another green thread, which passes its
        # result along: ignored.)
        hub = self.hub
        # Killed (GreenletExit, as greenlet does to a suspended greenlet it collects):
        # the killer is the parent and must get control back.
        killed = False
        after = None
        try:
            self._function()
        except SystemExit:
            pass
        except BaseException as exc:
            killed = isinstance(exc, greenlet.GreenletExit)
            # As _thread does for a function that raises: report, and end the thread.
            traceback.print_exc()
        finally:
            del self._function
            if hub.switch_hooks is not None:  # (its trace and profile functions end here)
                hub.switch_hooks.ended(self)
            # Only a task whose parent is its hub hands over to the next ready one;
            # another parent gets control back: the exit greenlet of a child forked
            # from this task, made its parent by the fork (so asked now, at the end).
            handover = self.parent is hub.greenlet  # type: ignore[has-type]  # greenlet's
            # A greenlet that ends switches to its parent: make that the next ready
            # green thread, as the hub would pick it (no turn of the hub).
            with mutex:
                hub.kernel.tasks.pop(self.ident, None)
                done = self._done
                if done is None and not killed and handover:
                    after = hub.next_ready()
            if done is not None:
                done.release()
                if not killed and handover:
                    with mutex:
                        after = hub.next_ready()
        if after is not None and after is not hub.greenlet:
            # (Even one not started yet: it starts at the depth of this greenlet's end,
            # its base; see Hub.start_later for the switch of a blocking one.)
            self.parent = after  # type: ignore[misc]  # greenlet's, not a slot

    def join(self, timeout: float | None = None) -> None:
        """Wait until the task's function is over and the kernel has forgotten it."""
        if self.dead:  # (it forgets itself before it ends)
            return
        kernel = self.hub.kernel
        with mutex:
            if self.ident not in kernel.tasks:
                return
            done = self._done
            if done is None:
                done = self._done = kernel.allocate_lock()
                # Locked on behalf of the task (no scheduling point under the mutex).
                done._state.pop()
                done.holder = self
        if done.acquire(True, -1 if timeout is None else timeout):
            done.release()


class Waiter:
    """A blocked green thread: on what (a green lock, a parked lock, a green Event; None:
    a sleep), until when."""

    __slots__ = ("deadline", "glet", "granted", "hub", "lock", "timer")

    def __init__(self, glet: Any, hub: Hub, lock: Any, deadline: float | None):
        self.glet = glet
        self.hub = hub
        #: what it waits on: has ``withdraw(waiter)`` and ``_unlock()``, or is None
        self.lock = lock
        self.deadline = deadline
        self.granted = False
        self.timer: list[Any] | None = None


#: The root's wait record while the hub, to throw an exception into it, has taken it out
#: of the ready queue (see :meth:`Hub._unready_root`): the wait it was made ready from,
#: by a wakeup that landed, is over, and must not wait for that wakeup.  Its ``lock``
#: is None: no report lists it.
UNREADIED = Waiter(None, cast(Any, None), None, None)


class ParkedLock(Waiter):
    """The lock a parked green thread waits on (the
    :class:`~anythread.protocols.KernelParkedLocks` extra): locked at creation, waited
    on only by the green thread that made it, released once by another.

    It is its own :class:`Waiter`: no queue of waiters, no ``_thread`` lock.  Its state
    is ``granted``: True once released and not yet taken by an acquire.

    :param kernel: the kernel; the calling greenlet is the one that will wait.
    """

    __slots__ = ()

    #: a parked lock has no holder to report (its waiter waits for a notification)
    holder = None

    def __init__(self, kernel: Any) -> None:
        # Waiter.__init__, inline: one of these is made per park.
        glet = self.glet = _getcurrent()
        self.hub = glet.hub if type(glet) is Task else kernel.hub()
        self.lock = self
        self.deadline = None
        self.granted = False
        self.timer = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self.granted:
            self.granted = False
            return True
        if not blocking or timeout == 0:
            return False
        if _getcurrent() is not self.glet:
            raise RuntimeError("only the green thread that parked waits on its parked lock")
        hub = self.hub
        with mutex:
            if self.granted:  # another OS thread released it meanwhile
                self.granted = False  # type: ignore[unreachable]  # (mypy cannot know)
                return True
            glet = self.glet
            if timeout < 0 and type(glet) is Task:
                # Hub.register and (FIFO, no timers) Hub.next_ready, inline: the path
                # of every wait without a timeout.
                self.deadline = None
                glet.waiter = self
                ready = hub.ready
                if ready and not hub.timers and hub.fifo:
                    after = ready.popleft()
                else:
                    after = hub.next_ready()
            else:
                self.deadline = None if timeout < 0 else hub.kernel.monotonic() + timeout
                hub.register(self)
                after = hub.next_ready()
        # Hub.block, inline (one frame less per idle thread), for a lock that has no
        # queue to leave: an exception thrown in (a DeadlockError, KeyboardInterrupt)
        # leaves a release that came first standing.
        if not after:  # a green thread not started yet: started by the hub
            after = hub.start_later(after)
        try:
            after.switch()
        except BaseException:
            with mutex:
                hub.abandon(self)
            raise
        if self.granted:  # released while it waited (else: timed out)
            self.granted = False  # type: ignore[unreachable]  # (mypy cannot know)
            return True
        return False

    def release(self) -> None:
        with mutex:
            if self.granted:
                raise RuntimeError("release unlocked lock")
            self.granted = True
            hub = self.hub
            glet = self.glet
            if type(glet) is Task:
                if glet.waiter is self:
                    if self.timer is None and not hub.sleeping:
                        # Hub.wake, inline for the common case (no timer to cancel,
                        # a hub that is not waiting for a wakeup).
                        glet.waiter = None
                        if hub.fifo:
                            hub.ready.append(glet)
                        else:
                            hub.schedule.enqueue(hub.ready, glet)
                    else:
                        hub.wake(self)
            elif hub.waiter_of(glet) is self:
                hub.wake(self)

    def locked(self) -> bool:
        return not self.granted

    def withdraw(self, waiter: Waiter) -> None:
        """Nothing to do: only its own green thread waits on it (mutex held)."""

    def _unlock(self) -> None:
        # A waiter interrupted after its release: the release stands (granted stays).
        pass

    def __repr__(self) -> str:
        state = "unlocked" if self.granted else "locked"
        return f"<{state} anythread cooperative parked lock at {id(self):#x}>"


class PointsParkedLock(ParkedLock):
    """A :class:`ParkedLock` whose waits and release are scheduling points (random and
    pct schedules)."""

    __slots__ = ()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.hub.kernel.scheduling_point()
        return ParkedLock.acquire(self, blocking, timeout)

    def release(self) -> None:
        ParkedLock.release(self)
        self.hub.kernel.scheduling_point()


class GreenLock:
    """The kernel's primitive lock: ``_thread.LockType``'s interface, for green threads.

    Unlocked by any thread.  Its state is a one-token list (``[True]``: unlocked,
    ``[]``: locked): acquiring pops the token, releasing appends it, each one atomic list
    operation, so neither the uncontended acquire nor the uncontended release takes the
    mutex (a ``_thread`` lock taken without blocking was about twice as slow).  A
    waiter queues under the mutex and then tries the state once more; a release with
    waiters takes the mutex and hands the lock to the oldest one directly (it stays
    locked, so a woken waiter never finds it taken again).  A release that saw no waiter
    unlocks first and then looks again: a waiter of another OS thread that queued
    meanwhile is granted the lock then, under the mutex, unless someone else took it (who
    hands it on at their own release).  The holder (the greenlet that acquired it last)
    is kept for hang reports.
    """

    __slots__ = ("_kernel", "_state", "_waiters", "holder")

    def __init__(self, kernel: Any) -> None:
        self._kernel = kernel
        #: the token: ``[True]`` while unlocked (see :func:`take` and :func:`give`)
        self._state = [True]
        # Made at the first contended acquire: most locks never have a waiter.  A list
        # while short (most locks that have waiters have one: the lock each parked
        # thread waits on), a deque once long: an empty deque is some 600 bytes, and
        # there is such a lock per idle thread.
        self._waiters: list[Waiter] | deque[Waiter] | None = None
        #: the greenlet that acquired the lock last (None: unlocked)
        self.holder: Any = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        state = self._state
        if state:  # take(state), inline
            try:
                state.pop()
            except IndexError:  # taken by another OS thread since the test
                pass
            else:
                self.holder = _getcurrent()
                return True
        if not blocking:
            return False
        return self._acquire_contended(timeout)

    def _acquire_contended(self, timeout: float) -> bool:
        kernel = self._kernel
        glet = _getcurrent()
        # A green thread's hub is its OS thread's; only a root greenlet asks the kernel.
        hub: Hub = glet.hub if type(glet) is Task else kernel.hub()
        with mutex:
            # Queued first, then tried again: a release that saw no waiter unlocked
            # before it looked, so either this try succeeds or that release sees us.
            waiters = self._waiters
            if waiters is None:
                waiters = self._waiters = []
            elif len(waiters) >= _SHORT and type(waiters) is list:
                waiters = self._waiters = deque(waiters)
            deadline = None if timeout < 0 else kernel.monotonic() + timeout
            waiter = Waiter(glet, hub, self, deadline)
            waiters.append(waiter)
            if take(self._state):
                waiters.pop()
                self.holder = glet
                return True
            # Registered with the hub in the same critical section: a release from
            # another OS thread may grant the lock as soon as the mutex is free.
            if deadline is None:  # Hub.register, inline
                if type(glet) is Task:
                    glet.waiter = waiter
                else:
                    hub.mark(glet, waiter)
            else:
                hub.register(waiter)
            ready = hub.ready
            # Hub.next_ready, inline when FIFO with no timers.
            after = ready.popleft() if ready and not hub.timers and hub.fifo else hub.next_ready()
        return hub.block(waiter, after)

    def release(self) -> None:
        if self._waiters:
            self._hand_off()
            return
        state = self._state
        if state:  # give(state), inline
            raise RuntimeError("release unlocked lock")
        self.holder = None
        state.append(True)
        if len(state) > 1:  # two releases raced (one of a lock already released)
            del state[1:]
            raise RuntimeError("release unlocked lock")
        if self._waiters:  # a waiter of another OS thread queued meanwhile
            self._grant_late()

    #: the green lock's own release, whatever a subclass makes of ``release``
    _unlock = release

    def _hand_off(self) -> None:
        with mutex:
            if self._state:
                raise RuntimeError("release unlocked lock")
            waiters = self._waiters
            if waiters:
                waiter = waiters.popleft() if isinstance(waiters, deque) else waiters.pop(0)
                waiter.granted = True
                self.holder = waiter.glet
                waiter.hub.wake(waiter)
            else:
                self.holder = None
                give(self._state)

    def _grant_late(self) -> None:
        with mutex:
            waiters = self._waiters
            if waiters and take(self._state):
                waiter = waiters.popleft() if isinstance(waiters, deque) else waiters.pop(0)
                waiter.granted = True
                self.holder = waiter.glet
                waiter.hub.wake(waiter)

    def locked(self) -> bool:
        return not self._state

    def withdraw(self, waiter: Waiter) -> None:
        """Remove ``waiter`` (timed out or interrupted); called with the mutex held."""
        if self._waiters is not None:
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    #: (``acquire`` itself: one call less per ``with``; a subclass that overrides
    #: ``acquire`` says ``__enter__ = acquire`` again)
    __enter__ = acquire

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "unlocked" if self._state else "locked"
        return f"<{state} anythread cooperative kernel lock at {id(self):#x}>"


class PointsGreenLock(GreenLock):
    """A :class:`GreenLock` whose every acquire and release is a scheduling point (the
    random and pct schedules), so that interleavings between two lock operations are
    explored; FIFO kernels use the plain :class:`GreenLock`, which pays nothing for it."""

    __slots__ = ()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self._kernel.scheduling_point()
        return GreenLock.acquire(self, blocking, timeout)

    __enter__ = acquire

    def release(self) -> None:
        GreenLock.release(self)
        self._kernel.scheduling_point()


class Hub:
    """The scheduler of the green threads of one OS thread.

    :ivar ready: green threads that can run, in the order the schedule sees them.
    :ivar root_waiter: the :class:`Waiter` of the OS thread's root greenlet while it is
        blocked (None while it runs or is ready); a blocked task keeps its waiter itself
        (``task.waiter``): no dictionary entry per idle green thread.
    :ivar blocked: each other blocked greenlet of this hub (one of the program's own,
        neither a task nor the root) and its :class:`Waiter`.

    :meth:`waiter_of` and :meth:`mark` read and change all three alike.
    """

    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel
        #: which ready green thread runs next (the kernel's; a scope sets its own with
        #: :meth:`use_schedule`)
        self.schedule = kernel.schedule
        #: whether that is FIFO (its own class exactly): then hot paths enqueue and pick
        #: inline
        self.fifo = type(self.schedule) is Schedule
        #: True: no other OS thread counts as a possible waker (a scoped run's hub)
        self.isolated = False
        self.root = _getcurrent()
        self.os_ident = _thread.get_ident()
        self.native_id = _thread.get_native_id()
        self.greenlet = greenlet.greenlet(self._run, self.root)
        self.ready: deque[Any] = deque()
        self.root_waiter: Waiter | None = None
        self.blocked: dict[Any, Waiter] = {}
        self.timers: list[list[Any]] = []
        self._seq = itertools.count()
        # Locked except while another OS thread is waking this hub up.
        self._wake = _thread.allocate_lock()
        self._wake.acquire()
        #: a green thread picked to run and not started yet, that the hub starts next
        #: (see :meth:`start_later`)
        self.starting: Any = None
        #: True while the hub waits for a timer or for another OS thread
        self.sleeping = False
        #: True while it waits with nothing that could wake it but another OS thread
        self.stuck = False
        self.alive = True
        #: True while a KeyboardInterrupt for the root is on its way (see
        #: :meth:`interrupt_root`): the hub waits for it, as for another OS thread
        self.interrupting = False
        #: the trace and profile functions of its green threads, while any has its own
        #: (see :mod:`~anythread_backends.cooperative._tracing`)
        self.switch_hooks: Any = None

    # ------------------------------------------------------------------ green side

    def waiter_of(self, glet: Any) -> Waiter | None:
        """What ``glet``, a greenlet of this hub, is blocked on (None: it runs or is
        ready)."""
        if type(glet) is Task:
            waiter: Waiter | None = glet.waiter
            return waiter
        if glet is self.root:
            return self.root_waiter
        return self.blocked.get(glet)

    def mark(self, glet: Any, waiter: Waiter | None) -> None:
        """Record that ``glet``, a greenlet of this hub, is blocked on ``waiter`` (None:
        no longer blocked)."""
        if type(glet) is Task:
            glet.waiter = waiter
        elif glet is self.root:
            self.root_waiter = waiter
        elif waiter is None:
            self.blocked.pop(glet, None)
        else:
            self.blocked[glet] = waiter

    def register(self, waiter: Waiter) -> None:
        """Record that ``waiter``'s greenlet is about to block, with its timer (called
        by the greenlet's own OS thread, with the mutex held unless nothing could wake
        the waiter yet: only this OS thread adds timers, and each step is atomic)."""
        glet = waiter.glet
        if waiter.deadline is not None:
            waiter.timer = self.call_at(waiter.deadline, self._timed_out, waiter)
        if type(glet) is Task:
            glet.waiter = waiter
        else:
            self.mark(glet, waiter)

    def interrupt_root(self, exc: BaseException) -> None:
        """Have ``exc`` raised in the OS thread's own greenlet (the main green thread),
        from a green thread of this hub that is running now and goes on: the root runs
        next, and raises it from the call it is blocked in (or will block in), which
        leaves its wait as a KeyboardInterrupt does.

        Called by a signal handler, which may run inside a critical section of this
        green thread's: it takes the mutex only if it is free, and else leaves the
        delivery to a short-lived OS thread that waits for it (meanwhile the hub does
        not take its green threads for deadlocked).
        """
        root = self.root
        # (Started by the hub, or by the end of a green thread, which passes its result.)
        messenger = greenlet.greenlet(lambda *_: root.throw(exc), self.greenlet)
        if mutex.acquire(False):  # (in no critical section, of any OS thread)
            try:
                self._deliver(messenger)
            finally:
                mutex.release()
            return
        self.interrupting = True
        _thread.start_new_thread(self._deliver_later, (messenger,))

    def _deliver(self, messenger: Any) -> None:
        # Mutex held.  The root resumes with the exception, not a second time later.
        self._unready_root()
        self.ready.appendleft(messenger)
        self.poke()

    def _deliver_later(self, messenger: Any) -> None:
        with mutex:
            self.interrupting = False
            self._deliver(messenger)

    def block(self, waiter: Waiter, after: Any) -> bool:
        """Suspend the calling greenlet, already :meth:`register`-ed, until ``waiter``
        is granted or times out; ``after`` (from :meth:`next_ready`) runs meanwhile.

        Returns whether it was granted.  An exception thrown in while blocked (a
        DeadlockError, KeyboardInterrupt) leaves the lock untouched and propagates.
        """
        if not after:  # a green thread not started yet: started by the hub
            after = self.start_later(after)
        try:
            after.switch()
        except BaseException:
            with mutex:
                granted = waiter.granted
                if not granted and waiter.lock is not None:
                    waiter.lock.withdraw(waiter)
                self.abandon(waiter)
            if granted and waiter.lock is not None:
                waiter.lock._unlock()
            raise
        return waiter.granted

    def start_later(self, glet: Any) -> Any:
        """Return what to switch to for ``glet``, picked to run next and not started yet
        (falsy): the hub, which starts it at once from its own stack.

        A greenlet starts at the recursion depth of the greenlet that first switches to
        it; were each new green thread started by one that blocks (deep in its own
        calls) and then blocks in turn, the depth would add up to a RecursionError.  (A
        thread that ends hands over directly: its depth is back to its base.)  The hub
        greenlet itself, before its first run, is returned as it is.
        """
        if glet is self.greenlet:
            return glet
        self.starting = glet
        return self.greenlet

    def next_ready(self) -> Any:
        """Return the greenlet to switch to when the calling one (already queued or
        registered) stops running: the ready green thread the hub would run next, or
        the hub itself when none is ready (mutex held).

        It does what the hub's loop does first (fire the timers that are due, then let
        the schedule pick), without the switch into the hub and out again; the hub runs
        only when nothing is ready, to wait for a timer or another OS thread.
        """
        if self.timers:
            self._fire_due(self.kernel.monotonic())
        ready = self.ready
        if not ready:
            return self.greenlet
        # FIFO inline (its own class exactly; any other schedule picks).
        return ready.popleft() if self.fifo else self.schedule.pick(ready)

    def abandon(self, waiter: Waiter) -> None:
        """Forget ``waiter``, whose wait an exception thrown into its greenlet ended:
        the greenlet runs now, and leaves (mutex held).

        A wakeup that came meanwhile (a release or a set() of another OS thread, or of a
        green thread that ran between the delivery of a KeyboardInterrupt and its throw)
        made the greenlet ready: it is taken back out of the ready queue, for it resumes
        with the exception, not a second time later, which would end its next wait at
        once, as if granted.
        """
        glet = waiter.glet
        if self.waiter_of(glet) is not waiter:  # unmarked: made ready, or unreadied
            try:
                self.ready.remove(glet)
            except ValueError:
                pass
        self._forget(waiter)

    def _forget(self, waiter: Waiter) -> None:
        self.mark(waiter.glet, None)
        if waiter.timer is not None:
            waiter.timer[2] = None  # cancelled
            waiter.timer = None

    def sleep(self, seconds: float) -> None:
        """Suspend the calling greenlet for ``seconds`` (0: let the others run first)."""
        glet = _getcurrent()
        if seconds <= 0:
            with mutex:
                self.schedule.enqueue(self.ready, glet)
                after = self.next_ready()
            if not after:
                after = self.start_later(after)
            try:
                after.switch()
            except BaseException:
                # Thrown in (the root only) while it was ready: it ran no wait.
                if self.root_waiter is UNREADIED:
                    self.root_waiter = None
                raise
            return
        waiter = Waiter(glet, self, None, self.kernel.monotonic() + seconds)
        with mutex:
            self.register(waiter)
            after = self.next_ready()
        self.block(waiter, after)

    def yield_now(self) -> None:
        """A scheduling point: let the schedule choose who runs next (maybe us)."""
        self.sleep(0)

    def spawn(self, task: Task) -> None:
        with mutex:
            if self.fifo:  # FIFO inline
                self.ready.append(task)
            else:
                self.schedule.enqueue(self.ready, task)

    def call_at(self, deadline: float, callback: Callable[[Any], None], arg: Any) -> list[Any]:
        entry = [deadline, next(self._seq), callback, arg]
        heapq.heappush(self.timers, entry)
        return entry

    def _timed_out(self, waiter: Waiter) -> None:
        # Called by the hub with the mutex held.
        if waiter.lock is not None:
            if waiter.granted:
                return
            waiter.lock.withdraw(waiter)
        waiter.timer = None
        self._make_ready(waiter)

    def _make_ready(self, waiter: Waiter) -> None:
        self.mark(waiter.glet, None)
        self.schedule.enqueue(self.ready, waiter.glet)

    def wake(self, waiter: Waiter) -> None:
        """Make ``waiter``'s greenlet ready (mutex held; any OS thread may call it)."""
        if waiter.timer is not None:
            waiter.timer[2] = None
            waiter.timer = None
        # _make_ready, inline (the hot path of every handoff)
        glet = waiter.glet
        if type(glet) is Task:
            glet.waiter = None
        else:
            self.mark(glet, None)
        if self.fifo:
            self.ready.append(glet)
        else:
            self.schedule.enqueue(self.ready, glet)
        if self.sleeping:
            self.sleeping = False
            self.stuck = False
            self._wake.release()

    def use_schedule(self, schedule: Schedule) -> None:
        """Have ``schedule`` pick the green thread that runs next, from now on."""
        self.schedule = schedule
        self.fifo = type(schedule) is Schedule

    def rouse(self) -> None:
        """Wake the hub if it sleeps: a green thread of its was just made ready without
        the mutex, by another OS thread (mutex not held).

        A hub that goes to sleep first says so (``sleeping``), then looks at its ready
        queue again; whoever makes a thread ready without the mutex first queues it,
        then looks whether the hub sleeps.  The GIL orders the four steps, so either the
        hub sees the thread or the waker sees the hub asleep and wakes it.
        """
        with mutex:
            if self.sleeping:
                self.sleeping = False
                self.stuck = False
                self._wake.release()

    def _unready_root(self) -> None:
        """The root is about to be thrown an exception: take it out of the ready queue,
        if it was made ready, so that it does not run a second time later; and if so,
        say so in its wait record (:data:`UNREADIED`), for the wait it leaves (mutex
        held)."""
        try:
            self.ready.remove(self.root)
        except ValueError:
            return
        self.root_waiter = UNREADIED

    # ------------------------------------------------------------------ hub side

    def _run(self, *_: object) -> None:
        # Started by the first switch into it: from a green thread that found nothing
        # ready, or by a green thread's end (its parent; the result is passed along).
        while True:
            glet = self.starting
            if glet is not None:
                self.starting = None
                glet.switch()
                continue
            try:
                glet = self._next()
            except BaseException as exc:  # a deadlock, or a signal while idle
                with mutex:
                    self.stuck = False
                    # The root may have been made ready just before the signal: it
                    # resumes with the exception, not a second time later.
                    self._unready_root()
                self.root.throw(exc)
                continue
            glet.switch()

    def _next(self) -> Any:
        kernel = self.kernel
        clock = kernel.monotonic
        poll = POLL_MIN
        while True:
            with mutex:
                self._fire_due(clock())
                if self.ready:
                    self.stuck = False
                    return self.schedule.pick(self.ready)
                timeout = -1.0
                if self.timers:
                    if kernel.virtual:
                        kernel.advance_to(self.timers[0][0])
                        continue
                    timeout = max(self.timers[0][0] - clock(), 0.0)
                suspect = False
                if timeout >= 0:
                    self.stuck = False
                else:
                    if not self.stuck:
                        # Newly stuck: a stuck hub that waited for this one looks again.
                        self.stuck = True
                        kernel.recheck_stuck_hubs(self)
                    suspect = self.isolated or kernel.nobody_can_wake(self)
                # Said last, no call after it in the section: a signal handler that runs
                # here (between two bytecodes) and wakes a green thread finds the mutex
                # free if it sees the hub asleep (see _await_signal).
                self.sleeping = True
                if self.ready:
                    # Made ready meanwhile, without the mutex (see rouse): not asleep.
                    self.sleeping = False
                    self.stuck = False
                    continue
            if suspect:
                # Every hub is stuck: only an OS thread without a hub could still wake
                # this one (see _foreign).  While one is alive, look again now and then.
                if self.interrupting or (not self.isolated and kernel.outsiders_alive()):
                    timeout = poll
                    poll = min(poll * 2, POLL_MAX)
                elif not self.isolated and self._await_signal():
                    # Or a signal handler of the program's (see _signals).
                    continue
                else:
                    with mutex:
                        deadlocked = self.sleeping  # else woken meanwhile
                        if deadlocked:
                            self.sleeping = False
                            if self.ready:  # made ready since, without the mutex
                                deadlocked = False
                        else:
                            self._wake.acquire(False)  # the wakeup's release
                    if deadlocked:
                        # Built outside the mutex: the report reads the wait records.
                        raise kernel.deadlock_error(self)
                    continue
            try:
                self._wake.acquire(True, min(timeout, _thread.TIMEOUT_MAX))
            finally:
                with mutex:
                    # Timed out (or interrupted), not woken.  A stuck hub stays stuck:
                    # it only looked again at outside threads.
                    self.sleeping = False

    def _await_signal(self) -> bool:
        """If the program has a signal handler of its own, sleep until its signal may
        have changed something, and return True; else return False at once (called
        stuck and said asleep, without the mutex).

        The handler runs in the main OS thread: in this call, if this is that thread's
        hub.  One that wakes a green thread through the hub (an Event's ``set()``, a
        lock's ``release()``) wakes the hub, and one that raises leaves this call with
        its exception (:meth:`_run` throws it into the root).  Meanwhile the hub stays said
        asleep and takes no mutex, so that such a handler neither misses it nor finds the
        mutex held.  It also looks now and then: a handler may make a green thread ready
        without waking it (one it starts, one a Condition's ``notify()`` queues), put the
        default handlers back, or run late (a signal caught by another OS thread interrupts
        no wait here).
        """
        # (Imported here: _signals imports this module.)
        from anythread_backends.cooperative._signals import own_handler_installed

        try:
            if not own_handler_installed():
                return False
            poll = POLL_MIN
            while not self._wake.acquire(True, poll):
                if self.ready or not own_handler_installed():
                    break
                poll = min(poll * 2, POLL_MAX)
            else:
                return True  # woken: the waker said the hub awake
        except BaseException as exc:  # raised by a handler
            with mutex:
                self.sleeping = False
            # What the run was doing when the signal came is what its report says: on
            # the exception, for whoever reads it (a test timeout's failure, say).
            add_note = getattr(exc, "add_note", None)  # (Python 3.11 and later)
            if add_note is not None:
                report = self.kernel.deadlock_error(self)
                add_note(
                    "anythread: every green thread was blocked when this was raised, "
                    f"waiting for a signal; without the handler this would be a {report}"
                )
            raise
        with mutex:
            # Not woken.  (A wakeup that comes now is taken by the next sleep.)
            self.sleeping = False
        return True

    def _fire_due(self, now: float) -> None:
        timers = self.timers
        while timers and (timers[0][2] is None or timers[0][0] <= now):
            _, _, callback, arg = heapq.heappop(timers)
            if callback is not None:
                callback(arg)

    def poke(self) -> None:
        """Wake the hub if it sleeps, to look again (mutex held).  It stays stuck (if it
        was): only a hub that becomes stuck makes the others look again."""
        if self.sleeping:
            self.sleeping = False
            self._wake.release()

    # ------------------------------------------------------------------ fork

    def forget_after_fork(self) -> list[Any]:
        """In a forked child: forget every green thread of this hub (only the forking
        one survives, and it is running, so it is neither ready nor blocked); return
        their greenlets.

        Each blocked one leaves the green lock it queued on, so that a release in the
        child never hands a lock to a thread that no longer exists.
        """
        waiters = list(self.blocked.values())
        gone = [*self.ready, *self.blocked]
        if self.root_waiter is not None:
            waiters.append(self.root_waiter)
            gone.append(self.root)
        if self.starting is not None:
            gone.append(self.starting)
            self.starting = None
        for waiter in waiters:
            if waiter.lock is not None:
                waiter.lock.withdraw(waiter)
        self.ready.clear()
        self.blocked.clear()
        self.root_waiter = None
        self.timers.clear()
        # The wakeup lock may have been in any state at the fork.
        self._wake = _thread.allocate_lock()
        self._wake.acquire()
        self.sleeping = False
        self.stuck = False
        return gone


class HubOwner:
    """Kept in a ``threading.local``: when its OS thread ends, the local drops it and
    ``on_death(hub)`` runs (other hubs then look again whether they are deadlocked)."""

    def __init__(self, hub: Hub, on_death: Callable[[Hub], None]) -> None:
        self.hub = hub
        # Only when its thread ends, not at interpreter exit (the exit rule still runs).
        weakref.finalize(self, on_death, hub).atexit = False
