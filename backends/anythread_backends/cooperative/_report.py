"""The hang report: what :class:`anythread.DeadlockError` says when nothing can run.

For every blocked green thread: its name, where it was started, where it is blocked (the
first frame of the user's code in its suspended stack), what it waits on (the kind and
creation site from the world's wait records, or the thread it joins), and who holds it
(for a Lock or an RLock, the thread that acquired it).  Threads that wait on a held lock
or on a thread they join form a wait-for graph; a cycle in it is the ``cycle`` of the
error.  The last lines are the schedule that replays the run: its seed line and, when short,
its recorded decisions (``replay:...``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from anythread._frames import blocked_at
from anythread._run import EXIT_RULE_SITE
from anythread.errors import DeadlockError, WaitSite
from anythread_backends.cooperative._hub import Hub, Task

__all__ = ["deadlock_error"]


@dataclass
class _Blocked:
    ident: int
    name: str
    started_at: str
    site: str
    waits_for: str
    holder: int | None
    waiter: Any
    at_exit: bool
    joins: bool = False
    #: when no frame of its stack is the user's: the function it runs (its target)
    in_target: str = ""


def _function_name(function: Any) -> str:
    """``Event.wait`` for a method bound to an object (named by the object's class, as
    the user made it), the qualified name of any other function."""
    owner = getattr(function, "__self__", None)
    name = getattr(function, "__name__", None)
    if owner is not None and name is not None and not isinstance(owner, type(sys)):
        return f"{type(owner).__name__}.{name}"
    return str(getattr(function, "__qualname__", None) or function)


def _in_exit_rule(frame: Any) -> bool:
    # Whether an exit rule (the world's, or ``anythread run``'s) is running in the stack
    # from ``frame`` outwards, above the first frame of the user's.
    from anythread._run import exit_rule_codes
    from anythread_backends.cooperative._kernel import _is_ours

    codes = exit_rule_codes()
    while frame is not None and _is_ours(frame.f_code.co_filename):
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


def _describe(record: Any) -> str:
    where = f" created at {record.site}" if record.site else f" at {id(record.obj):#x}"
    return f"{record.kind}{where}"


def _joined(frame: Any) -> Any:
    # A join() blocks on a kernel lock of its own, not recorded: find the thread joined.
    while frame is not None:
        if frame.f_code.co_name in ("join", "_wait_done"):
            target = frame.f_locals.get("self")
            if target is not None and hasattr(target, "ident") and hasattr(target, "name"):
                return target
        frame = frame.f_back
    return None


def _ident_of(kernel: Any, glet: Any) -> int | None:
    # A green thread's identifier, or the OS thread's for a root greenlet with a hub.
    if glet is None:
        return None
    if type(glet) is Task:
        return int(glet.ident)
    for hub in kernel.hubs():
        if hub.root is glet:
            return int(hub.os_ident)
    return None


def _blocked_threads(kernel: Any, hub: Hub) -> list[_Blocked]:
    from anythread_backends.cooperative._kernel import _is_ours

    records: dict[int, Any] = {}
    backend = kernel.backend
    if backend is not None:
        for record in backend.waits.snapshot():
            records[record.ident] = record
    result = []
    for glet, waiter, its_hub in kernel.all_blocked(hub):
        ident = glet.ident if type(glet) is Task else its_hub.os_ident
        frame = glet.gr_frame
        site = blocked_at(frame, _is_ours)
        at_exit = type(glet) is not Task and (_in_exit_rule(frame) or (not site and frame is None))
        if at_exit:
            site = EXIT_RULE_SITE
        holder = None
        joins = False
        record = records.get(ident)
        if waiter.lock is None:
            what = "a sleep"
        elif record is not None:
            what = _describe(record)
            if record.kind in ("Lock", "RLock"):
                holder = _ident_of(kernel, waiter.lock.holder)
        else:
            joined = _joined(frame)
            if joined is not None:
                what = f"the end of thread {joined.name!r} (join)"
                holder = joined.ident
                joins = True
            else:
                what = "a kernel lock"
        started = glet.started_at if type(glet) is Task else "the start of its OS thread"
        name = kernel.thread_name(ident)
        blocked = _Blocked(ident, name, started, site, what, holder, waiter, at_exit, joins)
        if not site and type(glet) is Task:
            # Every frame is anythread's: the thread runs one of its functions itself
            # (Thread(target=event.wait)); that function says where it is.
            target = getattr(getattr(glet, "thread", None), "_target", None)
            if target is not None:
                blocked.in_target = _function_name(target)
        result.append(blocked)
    return result


def _cycle(blocked: list[_Blocked]) -> list[_Blocked]:
    by_ident = {b.ident: b for b in blocked}
    for start in blocked:
        path: list[_Blocked] = []
        seen: dict[int, int] = {}
        node: _Blocked | None = start
        while node is not None and node.ident not in seen:
            seen[node.ident] = len(path)
            path.append(node)
            node = by_ident.get(node.holder) if node.holder is not None else None
        if node is not None:
            return path[seen[node.ident] :]
    return []


def deadlock_error(kernel: Any, hub: Hub) -> tuple[DeadlockError, frozenset[Any] | None]:
    """Build the :class:`DeadlockError` for a run in which nothing can wake ``hub``;
    with it, when an exit rule is one of the blocked calls, the waits of the threads it
    waits for (the same set, at a second exit rule, is the same deadlock)."""
    blocked = _blocked_threads(kernel, hub)
    at_exit = any(b.at_exit for b in blocked)
    exit_waits = frozenset(b.waiter for b in blocked if not b.at_exit) if at_exit else None
    cycle = _cycle(blocked)
    lines = [
        "deadlock: every green thread is blocked, no timer is pending and no other OS "
        "thread can wake one (this run would hang forever):"
    ]
    for b in blocked:
        if b.site or not b.in_target:
            where = f"at {b.site or '?'}"
        else:
            where = f"in its target, {b.in_target}(),"
        line = (
            f"  thread {b.name!r} (started at {b.started_at or '?'}) is blocked {where} "
            f"waiting for {b.waits_for}"
        )
        if b.holder is not None and b.holder != b.ident:
            line += f", held by {kernel.thread_name(b.holder)!r}"
        lines.append(line)
    edges = []
    for index, b in enumerate(cycle):
        previous = cycle[index - 1]
        holds = previous.waits_for
        if previous.joins:  # what the thread before it waits for is its end
            holds = f"nothing {previous.name} waits for, but is joined by it,"
        edges.append(WaitSite(b.name, holds, b.waits_for, b.site))
    if edges:
        lines.append("cycle (each thread holds what the one before it waits for):")
    schedule = hub.schedule
    clock = " ANYTHREAD_CLOCK=virtual" if kernel.virtual else ""
    replay = f"replay: ANYTHREAD_SCHEDULE={schedule.line}{clock}"
    recorded = schedule.replay_line
    if recorded != schedule.line:
        # The decisions of this run, when short: they replay it under any schedule.
        replay += f"\nreplay exactly: ANYTHREAD_SCHEDULE={recorded}{clock}"
    message = "\n".join(lines)
    error = DeadlockError(message, edges)
    # The replay line comes last, after the cycle.
    error.args = (f"{error.args[0]}\n{replay}",)
    return error, exit_waits
