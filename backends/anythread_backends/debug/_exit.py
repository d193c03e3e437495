"""A deadlock at the end of a program of OS threads: reported, not a silent hang.

When the main program is over, the interpreter waits for every non-daemon thread before
it exits.  If one of them waits for a lock that the main thread still held when it
ended (or that a thread held when it ended, or that such a waiting thread holds), that
wait can never end and ``python app.py`` hangs there for ever, printing nothing.  Over
a backend whose threads are the interpreter's own (``stdlib``), the debug backend
watches for this: from the first non-daemon thread it starts, a thread of
:mod:`_thread` (not listed by :func:`threading.enumerate`) polls until the main thread
has ended, then until every thread the interpreter waits for has ended, or is blocked
for good (:meth:`~anythread_backends.debug._tracker.Tracker.stuck_at_exit`, seen the
same, with no wait ending anywhere, for :data:`~anythread_backends.debug._tracker.CONFIRM`
seconds).  Then it prints the report to stderr, prefixed
``anythread: at exit,``, and ends the process with status 1: the interpreter's exit
functions would not have run either (they run once those threads have ended).
"""

from __future__ import annotations

import _thread
import os
import sys
import threading
import time
import weakref
from typing import Any

from anythread_backends.debug._locks import owner_of
from anythread_backends.debug._tracker import CONFIRM, ThreadState, Tracker, _describe

__all__ = ["arm"]

#: Seconds between two looks, while the program runs and once it is over.
POLL = 0.1

# The trackers of the debug backends over such a backend (weakly: a dropped backend is
# not kept), and the process whose watch is running (one watch for them all).
_trackers: weakref.WeakSet[Tracker] = weakref.WeakSet()
_watching = [0]


def arm(tracker: Tracker) -> None:
    """Watch the end of the program for ``tracker``'s backend from now on, if its
    threads are the interpreter's own; start the watch if this process has none."""
    tracker.exit_watch_pid = pid = os.getpid()
    if tracker.inner.main_thread() is not threading.main_thread():
        return  # (pure's world, cooperative's hubs: their own exit rule waits)
    _trackers.add(tracker)
    if _watching[0] != pid:
        _watching[0] = pid
        _thread.start_new_thread(_watch, (threading.main_thread(),))


def _watch(main: Any) -> None:
    try:
        _look(main)
    except Exception:  # pragma: no cover - (the interpreter going away under it)
        # Only a watch: if it cannot look, the program ends (or hangs) as it would
        # without the debug backend.
        return


def _look(main: Any) -> None:
    while main.is_alive():
        time.sleep(POLL)
    seen: tuple[tuple[int, ...], str] | None = None
    since = 0.0
    while True:
        waited_for = [t for t in threading.enumerate() if t is not main and not t.daemon]
        if not waited_for:
            return
        trackers = list(_trackers)
        report = _stuck(trackers, main, waited_for)
        now = time.monotonic()
        if report is None:
            seen = None
        else:
            state = (tuple(tracker.progress for tracker in trackers), report)
            if seen != state:
                seen, since = state, now
            elif now - since >= CONFIRM:
                _end(report)
        time.sleep(POLL)


def _stuck(trackers: list[Tracker], main: Any, waited_for: list[Any]) -> str | None:
    """The report, if every thread in ``waited_for`` is blocked for good (each as the
    debug backend that knows it sees it), else None."""
    chains: list[list[tuple[ThreadState, object, str]]] = []
    for tracker in trackers:
        mine = [t for t in waited_for if tracker.knows(t)]
        found = tracker.stuck_at_exit(main.ident, owner_of, mine)
        if found is None:
            return None
        chains.extend(found)
    if len(chains) < len(waited_for):
        return None  # a thread that no debug backend knows: it may yet end
    return _report(chains, main)


def _report(chains: list[list[tuple[ThreadState, object, str]]], main: Any) -> str:
    count = len(chains)
    lines = [
        f"deadlock: the main program is over, and the interpreter waits for {count} "
        f"non-daemon thread{'s' if count > 1 else ''} that can never end (this run "
        "would hang forever):"
    ]
    for chain in chains:
        names = {state.ident: state.name for state, _, _ in chain}
        parts = []
        for state, obj, site in chain:
            part = f"{state.name} waits for {_describe(obj)} at {site or '?'}"
            owner = owner_of(obj)
            if hasattr(obj, "describe"):  # a lock, not a joined thread
                if owner in names:
                    part += f", held by {names[owner]}"
                else:  # its holder has ended: the main thread, or another
                    holder = getattr(obj, "holder_name", None)
                    part += f", held by {holder or 'a thread'}, which has ended"
            parts.append(part)
        lines.append("  " + ";\n    ".join(parts))
    lines.append(
        "(release the lock before the main program ends, make the threads that wait for "
        "it daemon threads, or give their waits a timeout)"
    )
    return "\n".join(lines)


def _end(report: str) -> None:
    print(f"anythread: at exit, {report}", file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or broken stream: end all the same
            pass
    os._exit(1)
