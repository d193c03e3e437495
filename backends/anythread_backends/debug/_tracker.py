"""The tracker: per-thread held locks, the wait-for graph and the lock-order graph.

One :class:`Tracker` per debug backend.  What each thread holds lives in a
:class:`ThreadState` reached through the inner backend's ``local`` (so it is per thread
of *that* backend, green or not, and forgotten when the thread ends); a lock knows its
owner's state.  Nothing global is touched while a thread holds no lock and its acquire
succeeds at once.

* **Wait-for graph** (real deadlocks).  Before a thread blocks in an untimed wait, it
  records what it waits for under the tracker's lock and follows the chain "lock →
  owner → what the owner waits for → ..."; if the chain comes back to it, the wait
  would never end, so it raises :class:`~anythread.DeadlockError` instead.  The last
  thread to close a cycle is the one that raises; the others keep waiting (and are
  released when it backs off, if it then releases its locks).  Waits on a Condition,
  Semaphore, Event or Barrier are recorded with no owner: a chain stops there.  A
  thread waiting for a Lock it holds itself raises only when every other thread that
  used the backend is stuck (:meth:`Tracker.wait_alone`).
* **Order graph** (potential deadlocks).  A blocking untimed acquire made while holding
  other locks adds the edges "held → acquired" (:mod:`._graph`).  A known edge costs a
  dictionary lookup; a new one is checked for a cycle, with its stack captured.  A cycle
  is reported according to the mode (``raise``, ``warn`` once per cycle, ``log``),
  unless all its edges were seen under one common gate lock.

This module must not wait on anything but the inner backend's locks.
"""

from __future__ import annotations

import os
import time
import warnings
import weakref
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol

from anythread.errors import DeadlockError, LockOrderError, WaitSite
from anythread.protocols import Backend
from anythread_backends.debug._graph import Edge, Node, OrderGraph
from anythread_backends.debug._report import (
    blocked_site,
    caller_frame,
    capture_stack,
    frame_site,
    inversion_message,
    inversion_sites,
)

__all__ = [
    "MODES",
    "ORDERS",
    "DebugWarning",
    "LockOrderWarning",
    "ThreadState",
    "Tracker",
    "suspicious",
]

#: The values of ``ANYTHREAD_DEBUG_MODE``.
MODES = ("raise", "warn", "log")
#: The values of ``ANYTHREAD_DEBUG_ORDER``.
ORDERS = ("instance", "site")

#: What ``owner_of`` gives for a lock whose owner has ended (a thread identifier is
#: never negative; the ended thread's may already be another thread's).
ENDED = -1
#: How long every other thread must be seen stuck in waits without an owner, with no
#: wait ending, before a thread waiting for a Lock it holds itself is told it deadlocked
#: (seconds): longer than a woken thread takes to run on a loaded machine.
CONFIRM = 0.5


class DebugWarning(RuntimeWarning):
    """Legal but suspicious use of a lock, seen by the debug backend."""


class LockOrderWarning(DebugWarning):
    """A lock-order inversion, reported in ``warn`` mode (``.error`` has the details)."""

    def __init__(self, error: LockOrderError) -> None:
        super().__init__(str(error))
        self.error = error


def suspicious(message: str, stacklevel: int = 2) -> None:
    """Report legal but suspicious use (a Lock released by another thread, a thread
    ending while holding locks): a :class:`DebugWarning`, so that it shows and can be
    filtered by category; but a blanket ``-W error`` (or ``filterwarnings = error``)
    does not turn it into an exception in a correct program: it is logged on the
    ``anythread.debug`` logger instead.  Only an ``error`` filter that names
    ``DebugWarning`` itself makes it an error, as the user then asked for.
    """
    try:
        warnings.warn(DebugWarning(message), stacklevel=stacklevel + 1)
    except DebugWarning:
        if _asked_for_errors():
            raise
        _log(message)


def _log(message: object) -> None:
    # logging is imported here, at report time, not when the backend is loaded:
    # ``anythread run`` loads the backend before it replaces ``threading``, and a
    # logging imported then would keep the real one (records of green threads named
    # after the OS thread, handler locks reentrant for all the green threads of it).
    import logging

    logging.getLogger("anythread.debug").warning("%s", message)


def _asked_for_errors() -> bool:
    for action, _message, category, _module, _line in getattr(warnings, "filters", ()):
        if action == "error" and category is DebugWarning:
            return True
    return False


class TrackedLock(Protocol):
    """What the tracker reads of a debug Lock or RLock."""

    _owner: ThreadState | None
    _node: Node | None
    _frame: FrameType | None
    _lasti: int

    def describe(self) -> str: ...
    def class_key(self) -> object: ...


class ThreadState(list[Any]):
    """What one thread holds, in acquisition order (the list itself), and who it is.

    A list rather than an object with a list: one attribute lookup less on every
    acquire and release (measured with ``benchmarks/bench_debug.py``).
    """

    __slots__ = ("__weakref__", "ident", "ordering", "thread")

    def __init__(self, ident: int, thread: Any) -> None:
        super().__init__()
        self.ident = ident
        self.thread = thread
        #: Whether the thread is inside the tracker (in :meth:`Tracker.check_order`, or
        #: holding the tracker's lock in a wait's bookkeeping): an acquire made by a
        #: callback that a garbage collection runs there is not tracked (see there).
        self.ordering = False

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    __hash__ = object.__hash__  # type: ignore[assignment]

    @property
    def held(self) -> list[Any]:
        """The locks held, oldest first (this list)."""
        return self

    @property
    def name(self) -> str:
        """The thread's name (read now: a thread may be renamed)."""
        return str(getattr(self.thread, "name", f"thread {self.ident}"))


class Tracker:
    """The debug state of one debug backend (see the module docstring).

    :param inner: the wrapped backend.
    :param mode: what to do about a lock-order inversion: ``raise``, ``warn`` or ``log``.
    :param order: ``instance`` (each lock is its own class) or ``site`` (locks created
        at one line are one class).
    """

    def __init__(
        self,
        inner: Backend,
        mode: str,
        order: str,
        handoff_sites: tuple[tuple[str, int | None], ...] = (),
    ) -> None:
        self.inner = inner
        self.mode = mode
        self.by_site = order == "site"
        #: Creation sites whose Locks are hand-off locks from the start: (the end of a
        #: file's path, normalised; a line or None), from ``ANYTHREAD_DEBUG_HANDOFF``.
        self.handoff_sites = handoff_sites
        self.local = inner.local()
        self._lock = inner.Lock()
        self.get_ident = inner.get_ident
        self._current_thread = inner.current_thread
        self._monotonic: Callable[[], float] = getattr(inner, "monotonic", time.monotonic)
        #: Threads blocked (or about to block) in an untimed wait: ident -> (state, what
        #: it waits for, where).  A lock or a joined thread has an owner to follow; a
        #: Condition, Semaphore, Event or Barrier has none.
        self._waiting: dict[int, tuple[ThreadState, object, str]] = {}
        #: Every thread that has used this backend (weakly: a state dies with its thread).
        self._states: weakref.WeakSet[ThreadState] = weakref.WeakSet()
        #: The same states by thread identifier (the newest for a reused identifier).
        self._by_ident: weakref.WeakValueDictionary[int, ThreadState] = (
            weakref.WeakValueDictionary()
        )
        #: States made by :meth:`started` for threads that have not run yet.
        self._started: dict[int, ThreadState] = {}
        #: Counts the waits that ended: unchanged over a while, nothing has moved.
        self.progress = 0
        #: The process whose end :mod:`._exit` watches (0: none yet).
        self.exit_watch_pid = 0
        self.graph = OrderGraph()
        #: Nodes of locks that were garbage-collected, forgotten at the next change.
        self.dead: list[Node] = []
        self._classes: dict[object, Node] = {}
        self._nestable: set[Node] = set()
        self._reported: set[frozenset[tuple[Node, Node]]] = set()
        if hasattr(os, "register_at_fork"):
            # The tracker's lock may be held by a thread that does not exist in the child;
            # a weak reference, so that a dropped backend is not kept alive by the hook.
            ref = weakref.WeakMethod(self._after_fork_in_child)
            os.register_at_fork(after_in_child=lambda: _call_if_alive(ref))

    def _after_fork_in_child(self) -> None:
        self._lock = self.inner.Lock()
        self._waiting.clear()
        self._started.clear()

    # ------------------------------------------------------------------ threads

    def state(self) -> ThreadState:
        """Return the calling thread's state, creating it on first use (or taking the
        one :meth:`started` made for it)."""
        try:
            state: ThreadState = self.local.state
        except AttributeError:
            ident = self.get_ident()
            current = self._current_thread()
            with self._lock:
                made = self._started.pop(ident, None)
                # (One made for an earlier thread with this identifier, which never
                # took it, is not this thread's.)
                if made is not None and made.thread is current:
                    state = made
                else:
                    state = ThreadState(ident, current)
                    self._states.add(state)
                    self._by_ident[ident] = state
            self.local.state = state
        return state

    def started(self, thread: Any) -> None:
        """``thread`` has just been started: known from now on as a thread that may
        release a lock one day, even before it runs (a green thread of the cooperative
        backend runs only when its starter blocks)."""
        ident = thread.ident
        if ident is None or not thread.is_alive():
            return
        with self._lock:
            known = self._by_ident.get(ident)
            if known is not None and known.thread is thread:
                return  # it ran already (or this is a second call)
            state = ThreadState(ident, thread)
            self._started[ident] = state
            self._states.add(state)
            self._by_ident[ident] = state

    def held(self) -> list[Any]:
        """The locks the calling thread holds, oldest first (a copy)."""
        return list(self.state())

    # ------------------------------------------------------------------ nodes

    def node(self, lock: TrackedLock) -> Node:
        """Return the order-graph node of ``lock`` (its class in ``site`` mode)."""
        node = lock._node
        if node is None:
            if self.by_site:
                key = lock.class_key()
                with self._lock:
                    node = self._classes.get(key)
                    if node is None:
                        node = self._classes[key] = Node(lock.describe())
            else:
                node = Node(lock.describe())
            lock._node = node
            if getattr(lock, "_handoff", False):  # released by another thread before
                self.hand_off(lock)
        return node

    def declare_nested(self, lock: TrackedLock) -> None:
        """Allow locks of ``lock``'s class to nest inside one another (``site`` mode)."""
        node = self.node(lock)
        with self._lock:
            self._nestable.add(node)

    def is_handoff_site(self, site: tuple[str, int] | None) -> bool:
        """Whether a Lock created at ``site`` is a hand-off lock from the start."""
        if site is None:
            return False
        filename = os.path.normcase(site[0])
        for path, line in self.handoff_sites:
            if (line is None or line == site[1]) and (
                filename == path or filename.endswith(path if path[0] == os.sep else os.sep + path)
            ):
                return True
        return False

    def hand_off(self, lock: TrackedLock) -> None:
        """Take ``lock``'s node (its class in ``site`` mode) out of the order graph for
        good: it is a hand-off lock, a signal between threads.

        Takes no lock (it runs in a release, which a collection's callback may make
        anywhere): the node is marked at once, so that no new edge touches it, and its
        edges are dropped at the graph's next change, as a dead lock's are.
        """
        node = lock._node
        if node is None:
            return  # (none yet: node() makes it so, from the lock's own mark)
        if not node.handoff:
            node.handoff = True
            self.dead.append(node)

    # ------------------------------------------------------------------ order graph

    def check_order(self, state: ThreadState, lock: TrackedLock) -> None:
        """Record that ``state``'s thread asks for ``lock`` while holding its held list.

        Called before a blocking, untimed acquire blocks.  A hand-off lock (see
        :meth:`hand_off`) takes no part, as the held lock or as the one asked for.

        Not within itself: a garbage collection can run a callback (a ``__del__``, a
        weak reference's, such as :mod:`logging`'s ``_removeHandlerRef``) in the middle
        of this call, while the thread holds the tracker's lock; an acquire in that
        callback is not checked (as lockdep does not check itself), instead of waiting
        for the tracker's lock its own thread holds.  The same holds in the bookkeeping
        of a wait (:meth:`block`, :meth:`unblock`, :meth:`wait_alone`,
        :meth:`confirm_alone`): a wait of such a callback is not recorded.

        :raises LockOrderError: in ``raise`` mode, if an edge closes an ungated cycle.
        """
        if state.ordering:
            return
        state.ordering = True
        try:
            node = lock._node or self.node(lock)
            if node.handoff:
                return
            for held in state:
                held_node = held._node or self.node(held)
                if held_node.handoff:
                    continue
                edge = held_node.out.get(node)
                if edge is None:
                    if held_node is node:
                        if held is not lock and self.by_site and node not in self._nestable:
                            self._new_edge(state, held, held_node, node)
                        continue
                    edge = held_node.side.get(node)
                    if edge is None:
                        self._new_edge(state, held, held_node, node)
                        continue
                if edge.gates:
                    self._narrow(state, edge)
        finally:
            state.ordering = False

    def _gates(self, state: ThreadState, *ends: Node) -> frozenset[Node]:
        nodes = {h._node or self.node(h) for h in state}
        return frozenset(nodes.difference(ends))

    def _new_edge(self, state: ThreadState, lock: TrackedLock, held: Node, taken: Node) -> None:
        # The only place a stack is captured: where the held lock was taken (from the
        # frame its acquire kept) and where the next one is requested (now).
        frame = caller_frame()
        gates = self._gates(state, held, taken)
        error: LockOrderError | None = None
        with self._lock:
            self._forget_dead()
            if taken in held.out or taken in held.side or held.handoff or taken.handoff:
                return
            edge = Edge(
                held,
                taken,
                state.name,
                frame_site(frame),
                capture_stack(frame),
                gates,
                held_stack=capture_stack(lock._frame, lock._lasti),
            )
            if held is taken:
                cycle: list[Edge] | None = [edge]
            else:
                cycle = self.graph.insert(edge)
            if cycle is None:
                return
            held.side[taken] = edge
            if _common_gate(cycle):
                self.graph.gated[(held, taken)] = edge
                return
            error = self._error_once(cycle)
        if error is not None:
            self._report(error)

    def _narrow(self, state: ThreadState, edge: Edge) -> None:
        gates = edge.gates & self._gates(state, edge.held, edge.taken)
        if gates == edge.gates:
            return
        errors: list[LockOrderError] = []
        with self._lock:
            edge.gates = gates
            for key, gated in list(self.graph.gated.items()):
                back = self.graph.path(gated.taken, gated.held)
                cycle = [gated, *back] if back is not None else None
                if cycle is None or not _common_gate(cycle):
                    del self.graph.gated[key]
                    if cycle is not None:
                        error = self._error_once(cycle)
                        if error is not None:
                            errors.append(error)
        for error in errors:
            self._report(error)

    def _error_once(self, cycle: list[Edge]) -> LockOrderError | None:
        key = frozenset((e.held, e.taken) for e in cycle)
        if self.mode != "raise":
            if key in self._reported:
                return None
            self._reported.add(key)
        else:
            # In raise mode the refused edge is not remembered: the next attempt raises too.
            cycle[0].held.side.pop(cycle[0].taken, None)
        return _order_error(cycle)

    def _report(self, error: LockOrderError) -> None:
        if self.mode == "raise":
            raise error
        if self.mode == "warn":
            warnings.warn(LockOrderWarning(error), stacklevel=5)
        else:
            _log(error)

    def _forget_dead(self) -> None:
        if self.dead:
            dead, self.dead = self.dead, []
            self.graph.remove(dead)

    # ------------------------------------------------------------------ wait-for graph

    def block(
        self, state: ThreadState, target: object, owner_of: Callable[[object], int | None]
    ) -> None:
        """Record that ``state``'s thread is about to block, untimed, on ``target``.

        ``owner_of(obj)`` gives the identifier of the thread that must act for a wait on
        ``obj`` to end (a lock's owner, a joined thread), or None when no one thread is
        known (a Condition, an Event...: only a cycle whose every edge has a definite
        owner is a deadlock).  Call :meth:`unblock` once the wait ends.

        :raises DeadlockError: if the wait would close a cycle (nothing is recorded).
        """
        if state.ordering:  # (re-entered by a collection's callback: see check_order)
            return
        site = blocked_site()
        state.ordering = True
        try:
            self._block(state, target, owner_of, site)
        finally:
            state.ordering = False

    def _block(
        self,
        state: ThreadState,
        target: object,
        owner_of: Callable[[object], int | None],
        site: str,
    ) -> None:
        with self._lock:
            chain: list[tuple[ThreadState, object, str]] = [(state, target, site)]
            seen = {state.ident}
            obj = target
            while True:
                owner = owner_of(obj)
                if owner is None:
                    break
                if owner == ENDED:
                    if getattr(obj, "owner_only", False):  # an RLock: no other may release it
                        raise _held_by_ended(chain, getattr(obj, "holder_name", None) or "?")
                    break  # (a Lock: any thread may release it)
                if owner == state.ident:
                    raise _deadlock(chain)
                entry = self._waiting.get(owner)
                if entry is None or owner in seen:
                    break
                seen.add(owner)
                chain.append(entry)
                obj = entry[1]
            self._waiting[state.ident] = (state, target, site)

    def unblock(self, state: ThreadState) -> None:
        """The wait recorded by :meth:`block` (or :meth:`wait_alone`) is over."""
        if state.ordering:  # (re-entered by a collection's callback: see check_order)
            return
        state.ordering = True
        try:
            with self._lock:
                if self._waiting.pop(state.ident, None) is not None:
                    self.progress += 1
        finally:
            state.ordering = False

    def blocked(self) -> list[str]:
        """The names of the threads blocked right now in an untimed wait."""
        with self._lock:
            return [state.name for state, _, _ in self._waiting.values()]

    def others_stuck(
        self, state: ThreadState, owner_of: Callable[[object], int | None]
    ) -> tuple[bool, bool]:
        """Whether every other live thread that has used this backend is blocked for
        good if ``state``'s thread blocks now (the caller holds the tracker's lock).

        Returns ``(stuck, exact)``: ``exact`` is false when that relies on a wait with
        no owner (a thread in ``Event.wait()`` is stuck only while no running thread
        can set the Event: the caller confirms it over time).
        """
        exact = True
        verdict: dict[int, bool] = {state.ident: True}

        def stuck(other: ThreadState) -> bool:
            nonlocal exact
            path: list[int] = []
            current = other
            while True:
                known = verdict.get(current.ident)
                if known is not None:
                    result = known
                    break
                if current.ident in path:
                    result = True  # a cycle among the others: a deadlock of their own
                    break
                path.append(current.ident)
                entry = self._waiting.get(current.ident)
                if entry is None:
                    result = False
                    break
                owner = owner_of(entry[1])
                if owner == ENDED and getattr(entry[1], "owner_only", False):
                    result = True  # an RLock whose owner ended: no one can release it
                    break
                if owner is None or owner == ENDED:
                    # No owner to follow (a Lock whose holder ended may be released by
                    # any thread, as an Event may be set by any): stuck while it stays
                    # taken, which the caller confirms over time.
                    result = _still_waiting(entry[1])
                    exact &= not result
                    break
                nxt = self._waiting.get(owner)
                if nxt is None:
                    result = owner == state.ident
                    break
                current = nxt[0]
            for ident in path:
                verdict[ident] = result
            return result

        for other in list(self._states):
            if other is state or not _alive(other):
                continue
            if not stuck(other):
                return False, False
        return True, exact

    def knows(self, thread: Any) -> bool:
        """Whether ``thread`` (alive) has used this backend."""
        ident = getattr(thread, "ident", None)
        if ident is None:
            return False
        with self._lock:
            state = self._by_ident.get(ident)
            return state is not None and state.thread is thread

    def stuck_at_exit(
        self, ended: int, owner_of: Callable[[object], int | None], waited_for: list[Any]
    ) -> list[list[tuple[ThreadState, object, str]]] | None:
        """Once the main thread (identifier ``ended``) is over: the chains of waits that
        keep ``waited_for`` (the threads the interpreter waits for at exit) blocked for
        good, one per thread, or None if any thread could still move.

        A thread is blocked for good if it waits, untimed, for a lock or a thread whose
        owner is the main thread, or a thread that has ended, or a thread blocked for
        good itself: only the owner can release the lock it holds (a Lock that another
        thread has released once is not followed).  A wait with no owner, such as an
        Event's, is never for good: a running thread may end it.
        """
        verdict: dict[int, list[tuple[ThreadState, object, str]] | None] = {}
        alive = {state.ident: state for state in list(self._states) if _alive(state)}

        def chain(ident: int) -> list[tuple[ThreadState, object, str]] | None:
            path: list[tuple[ThreadState, object, str]] = []
            seen: set[int] = set()
            while ident not in verdict:
                entry = self._waiting.get(ident)
                if entry is None or ident in seen:
                    # Running, or a cycle of its own (raised where it formed): if running,
                    # it may yet release something.
                    result = None if entry is None else path
                    break
                seen.add(ident)
                path.append(entry)
                owner = owner_of(entry[1])
                if owner is None:
                    result = None
                    break
                if owner == ended or owner not in alive:
                    result = path
                    break
                ident = owner
            else:
                known = verdict[ident]
                result = None if known is None else path + known
            for index, (state, _, _) in enumerate(path):
                verdict.setdefault(state.ident, None if result is None else result[index:])
            return result

        with self._lock:
            chains = []
            for thread in waited_for:
                ident = getattr(thread, "ident", None)
                known = alive.get(ident) if ident is not None else None
                if known is None or known.thread is not thread:
                    return None  # a thread that has never used this backend
                found = chain(known.ident)
                if found is None:
                    return None
                chains.append(found)
            return chains

    def wait_alone(
        self, state: ThreadState, lock: TrackedLock, owner_of: Callable[[object], int | None]
    ) -> None:
        """``state``'s thread is about to block on ``lock``, a Lock it holds itself.

        That is a deadlock if no other thread could ever release the lock: there is
        none, or each is blocked waiting, directly or not, for this one.  Otherwise the
        lock may be a signal another thread will release, and the wait is recorded.

        :raises DeadlockError: if no other thread could release it.
        """
        if state.ordering:  # (re-entered by a collection's callback: see check_order)
            return
        site = blocked_site()
        state.ordering = True
        try:
            with self._lock:
                stuck, exact = self.others_stuck(state, owner_of)
                # (Read after the others: a thread seen ended released it before.)
                if stuck and exact and _still_waiting(lock):
                    raise _deadlock([(state, lock, site)])
                self._waiting[state.ident] = (state, lock, site)
        finally:
            state.ordering = False

    def confirm_alone(
        self,
        state: ThreadState,
        lock: TrackedLock,
        owner_of: Callable[[object], int | None],
        since: list[float],
    ) -> None:
        """Called while a :meth:`wait_alone` wait goes on: raise once every other thread
        has been seen stuck, with no wait ending anywhere, for :data:`CONFIRM` seconds
        (``since`` keeps when that was first seen and the progress count then)."""
        if state.ordering:  # (re-entered by a collection's callback: see check_order)
            return
        now = self._monotonic()
        state.ordering = True
        try:
            self._confirm_alone(state, lock, owner_of, since, now)
        finally:
            state.ordering = False

    def _confirm_alone(
        self,
        state: ThreadState,
        lock: TrackedLock,
        owner_of: Callable[[object], int | None],
        since: list[float],
        now: float,
    ) -> None:
        with self._lock:
            stuck, exact = self.others_stuck(state, owner_of)
            # A lock released since the wait's last poll (by a thread that may have
            # ended since: read after the others) is no wait: the next poll takes it.
            stuck = stuck and _still_waiting(lock)
            if not stuck or (since and since[1] != self.progress):
                since.clear()
            if not stuck:
                return
            if not since:
                since.extend((now, float(self.progress)))
            if exact or now - since[0] >= CONFIRM:
                entry = self._waiting.pop(state.ident, None)
                site = entry[2] if entry is not None else ""
                raise _deadlock([(state, lock, site)])


def _call_if_alive(ref: weakref.WeakMethod[Callable[[], None]]) -> None:
    method = ref()
    if method is not None:
        method()


def _common_gate(cycle: list[Edge]) -> bool:
    common = set(cycle[0].gates)
    for edge in cycle[1:]:
        common &= edge.gates
    return bool(common)


def _order_error(cycle: list[Edge]) -> LockOrderError:
    return LockOrderError(inversion_message(cycle), inversion_sites(cycle))


def _describe(obj: object) -> str:
    describe = getattr(obj, "describe", None)
    if callable(describe):
        return str(describe())
    return f"thread {getattr(obj, 'name', obj)!s}"


def _alive(state: ThreadState) -> bool:
    is_alive = getattr(state.thread, "is_alive", None)
    return bool(is_alive()) if callable(is_alive) else True


def _still_waiting(obj: object) -> bool:
    """Whether a wait on ``obj`` (which has no owner) is still a wait: an unlocked Lock,
    an ended thread or a set Event lets its waiter go on."""
    for probe, done in (("locked", False), ("is_alive", False), ("is_set", True)):
        method = getattr(obj, probe, None)
        if callable(method):
            return bool(method()) is not done
    return True


def _held_by_ended(chain: list[tuple[ThreadState, object, str]], holder: str) -> DeadlockError:
    """The wait at the end of ``chain`` is for an RLock whose owner has ended (only it
    could release it): every wait of the chain is for ever."""
    me = chain[0][0].name
    last = chain[-1][1]
    sites = [
        WaitSite(
            thread=state.name,
            holds=_describe(chain[i - 1][1]) if i else "no lock of this chain",
            waits_for=_describe(obj),
            site=site,
        )
        for i, (state, obj, site) in enumerate(chain)
    ]
    through = ""
    if len(chain) > 1:
        through = f" (through {len(chain) - 1} other thread{'s' if len(chain) > 2 else ''})"
    return DeadlockError(
        f"deadlock: {me} would wait forever{through} for {_describe(last)}, held by "
        f"{holder}, which has ended without releasing it (only the owner of an RLock "
        "can release it: release it before the thread ends)",
        sites,
    )


def _deadlock(chain: list[tuple[ThreadState, object, str]]) -> DeadlockError:
    sites = []
    for i, (state, obj, site) in enumerate(chain):
        # Each thread holds what the previous one waits for (or is the joined thread).
        previous = chain[i - 1][1]
        holds = _describe(previous)
        if not hasattr(previous, "describe"):
            holds = f"nothing {chain[i - 1][0].name} waits for, but is joined by it,"
        sites.append(WaitSite(thread=state.name, holds=holds, waits_for=_describe(obj), site=site))
    me = chain[0][0].name
    if len(chain) == 1:
        first = (
            f"deadlock: {me} waits for {_describe(chain[0][1])}, which it holds itself, "
            "and no other thread could release it (there is none, or each is blocked "
            "waiting), so it would wait forever (a Lock is not reentrant: use an RLock, "
            "or release it first)"
        )
    else:
        first = (
            f"deadlock: {me} would wait forever: each of these {len(chain)} threads waits "
            "for the next one (the others go on waiting)"
        )
    return DeadlockError(first, sites)
