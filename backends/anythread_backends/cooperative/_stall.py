"""Stall reports: a green thread that keeps the others of its OS thread from running.

A green thread runs until it blocks in the backend.  One that blocks its whole OS
thread instead (``time.sleep``, ``select``, socket or file I/O, a subprocess wait, a
lock or queue of the standard library) or computes for a long time stops every other
green thread of that OS thread, and nothing in the hub can see it: the hub only runs
when a green thread hands it control.  A program written for real threads then seems
to hang, with no error.

With a stall limit (``ANYTHREAD_STALL=SECONDS``, or ``make_backend(stall=SECONDS)``), a
watchdog, a plain OS thread of the process, looks at every hub of the watched kernels a
few times per limit.  A hub is *stalled* when, for the whole limit, the same green
thread has stood first in its ready queue (none of them got a turn), or its earliest
timer has been overdue by the limit (real clock only).  It then writes a report to
``sys.stderr``, once per stall: which green thread runs and where it is (the OS thread's
stack), which ones wait for a turn, and what to do.  The report never changes what the
program does.

The watchdog reads the hubs without their mutex (which the stalled thread might hold):
each read is one step that the GIL makes atomic, and a read that races with a change is
taken again at the next look.  It is a ``_thread`` thread, so :func:`threading.enumerate`
does not list it and the deadlock rule (:mod:`~anythread_backends.cooperative._foreign`)
does not count it as a thread that could wake a hub.  It is started with the first hub
of a watched kernel, and again in a forked child (which has no other thread).
"""

from __future__ import annotations

import _thread
import math
import os
import random
import sys
import time
import traceback
import weakref
from typing import Any

from anythread_backends.cooperative._hub import Hub, Task

__all__ = ["STALL_ENV", "parse_stall", "watch"]

#: The environment variable that sets the stall limit (seconds, or ``off``).
STALL_ENV = "ANYTHREAD_STALL"

# The watchdog's own clock and pause, whatever a program later does to the time module.
_now = time.monotonic
_pause = time.sleep
# How many looks per limit: a stall is reported between 1 and 1 + 1/LOOKS limits after
# it began.
LOOKS = 8
# How many waiting green threads a report names, and how many frames of the stack.
NAMED = 5
FRAMES = 8


def parse_stall(text: str) -> float | None:
    """The stall limit that ``text`` (the value of :data:`STALL_ENV`) sets: seconds, or
    None for ``off`` (also the empty string and ``0``).

    :raises ValueError: if ``text`` is none of those.
    """
    value = text.strip().lower()
    if value in ("", "off", "0"):
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (0 < seconds < math.inf):
        raise ValueError(
            f"invalid stall limit {text!r} ({STALL_ENV}): expected a number of seconds "
            "greater than 0 (such as 5 or 0.5), or 'off'"
        )
    return seconds


def check_stall(stall: float | None) -> float | None:
    """Check a stall limit given to :func:`make_backend
    <anythread_backends.cooperative.make_backend>`: None, or seconds greater than 0."""
    if stall is None:
        return None
    if isinstance(stall, bool) or not isinstance(stall, (int, float)):
        raise TypeError(f"stall must be a number of seconds or None, not {type(stall).__name__}")
    if not (0 < stall < math.inf):
        raise ValueError(
            f"stall must be greater than 0 and finite (None: no reports), not {stall!r}"
        )
    return float(stall)


class _Watchdog:
    """The process's watchdog: the kernels it watches, and its thread."""

    def __init__(self) -> None:
        #: each watched kernel and its limit (a kernel that is collected leaves)
        self.kernels: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        # The process whose watchdog thread runs (none yet: 0).
        self.pid = 0
        # What each hub had first in line at the last look: (what, since, reported).
        self.seen: dict[Hub, tuple[Any, float, bool]] = {}
        # Its own generator: the program's random numbers stay the program's.
        self.jitter = random.Random()

    def watch(self, kernel: Any, seconds: float) -> None:
        self.kernels[kernel] = seconds
        pid = os.getpid()
        if self.pid != pid:  # (none started yet, or a forked child: its parent's is gone)
            self.pid = pid
            self.seen = {}
            _thread.start_new_thread(self._run, (pid,))

    def _run(self, pid: int) -> None:
        while self.pid == pid:
            limits = list(self.kernels.values())
            if not limits:
                # Every watched kernel is gone: end (a new one starts another).
                self.pid = 0
                return
            # A little jitter: no program's own period lines up with every look.
            _pause(min(limits) / LOOKS * self.jitter.uniform(0.8, 1.2))
            try:
                self.look()
            except Exception:  # pragma: no cover - a report must never end the watch
                pass

    def look(self) -> None:
        """Look once at every hub of every watched kernel."""
        now = _now()
        seen = self.seen
        hubs = set()
        for kernel, limit in list(self.kernels.items()):
            for hub in kernel.hubs():
                hubs.add(hub)
                first = _first_in_line(hub, kernel, now, limit)
                if first is None:
                    seen.pop(hub, None)
                    continue
                before = seen.get(hub)
                if before is None or before[0] is not first:
                    seen[hub] = (first, now, False)
                elif not before[2] and now - before[1] >= limit:
                    seen[hub] = (first, before[1], True)
                    self.report(kernel, hub, now - before[1])
        for gone in set(seen) - hubs:
            del seen[gone]

    def report(self, kernel: Any, hub: Hub, seconds: float) -> None:
        out = sys.stderr
        if out is None:  # pragma: no cover - a program without stderr
            return
        text = stall_report(kernel, hub, seconds)
        try:
            out.write(text)
            out.flush()
        except (OSError, ValueError):  # pragma: no cover - a closed stream
            pass


def _first_in_line(hub: Hub, kernel: Any, now: float, limit: float) -> Any:
    """What waits first for a turn in ``hub``: the first ready green thread, else its
    earliest timer if that is overdue by ``limit`` (real clock); None if nothing."""
    if not hub.alive:
        return None
    try:
        return hub.ready[0]
    except IndexError:
        pass
    if kernel.virtual:  # (timers are on the virtual clock, which a stall stops)
        return None
    try:
        timer = hub.timers[0]
    except IndexError:
        return None
    return timer if now - timer[0] >= limit else None


def _name(kernel: Any, glet: Any, hub: Hub) -> str:
    """How a report names ``glet``, a greenlet of ``hub``."""
    if type(glet) is Task:
        thread = glet.thread
        name = repr(thread.name) if thread is not None else f"green thread {glet.ident}"
        started = glet.started_at
        return f"{name} (started at {started})" if started else name
    if glet is hub.root:
        main, _ = kernel.main_thread_ids()
        return "the main thread" if hub.os_ident == main else f"OS thread {hub.os_ident}"
    return repr(glet)


def _running(kernel: Any, hub: Hub) -> str:
    """Which green thread of ``hub`` runs now (the one that has not switched away)."""
    try:
        tasks = list(kernel.tasks.values())
    except RuntimeError:  # pragma: no cover - changed while copied
        tasks = []
    for task in tasks:
        if task.hub is hub and task and task.gr_frame is None:
            return _name(kernel, task, hub)
    root = hub.root
    if not root.dead and root.gr_frame is None:
        return _name(kernel, root, hub)
    return "the hub"  # pragma: no cover - the hub's own loop blocked


def stall_report(kernel: Any, hub: Hub, seconds: float) -> str:
    """The text of the report that ``hub`` has been stalled for ``seconds``."""
    main, _ = kernel.main_thread_ids()
    where = "the main OS thread" if hub.os_ident == main else f"OS thread {hub.os_ident}"
    lines = [
        f"anythread (cooperative): no other green thread of {where} has run for "
        f"{seconds:.1f} s: {_running(kernel, hub)} has not blocked in the backend since "
        f"({STALL_ENV}={kernel.stall:g}).",
    ]
    waiting = []
    for glet in list(hub.ready)[:NAMED]:
        waiting.append(_name(kernel, glet, hub))
    if waiting:
        more = len(hub.ready) - len(waiting)
        lines.append(
            "  Ready, waiting for a turn: "
            + ", ".join(waiting)
            + (f" and {more} more" if more > 0 else "")
            + "."
        )
    else:
        lines.append("  A timer of a sleeping or timed wait is overdue.")
    # sys._current_frames() is a documented function of the sys module (for debugging
    # hangs, as here); the OS thread's top frame is the running green thread's.
    frame = sys._current_frames().get(hub.os_ident)
    if frame is not None:
        from anythread_backends.cooperative._kernel import _is_ours  # (it imports this)

        stack = [entry for entry in traceback.extract_stack(frame) if not _is_ours(entry.filename)]
        lines.append("  It is at (most recent call last):")
        lines.extend(
            "  " + line
            for entry in traceback.format_list(stack[-FRAMES:])
            for line in entry.rstrip("\n").split("\n")
        )
    lines.append(
        "  A green thread runs until it blocks in the backend (a lock, condition, event, "
        "join or sleep of anythread). A call that blocks its OS thread (time.sleep, "
        "select, socket or file I/O, a subprocess wait, a lock or queue of the standard "
        "library) or a long computation keeps the others waiting: use anythread's "
        "sleep() and objects, or hand the call to run_in_thread()."
    )
    return "\n".join(lines) + "\n"


_watchdog = _Watchdog()


def watch(kernel: Any, seconds: float) -> None:
    """Watch ``kernel``'s hubs for stalls of ``seconds`` (from its first hub on)."""
    _watchdog.watch(kernel, seconds)
