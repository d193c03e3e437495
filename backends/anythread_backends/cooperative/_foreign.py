"""Other OS threads: whether one that has no hub could still wake a green thread.

A hub whose green threads are all blocked, with no timer pending, is *stuck*: only
another OS thread can wake it, by releasing a green lock (setting an Event, notifying a
Condition, ...).  The kernel sees the OS threads that have a hub (each stuck or not),
but an OS thread can release a green lock without ever having used the backend before.
So the rule for "no wakeup from another OS thread can come", which decides a
:class:`anythread.DeadlockError`, is:

* every other hub of the kernel is stuck (or is an idle offload worker's: under the
  random and pct schedules a worker's release of a green lock is a scheduling point,
  which gives the worker a hub), and
* no other OS thread that :func:`threading.enumerate` lists is alive, apart from those
  with a hub of the kernel and the idle workers of the
  :mod:`~anythread_backends.cooperative._offload` pool (an idle worker waits for work,
  which only a green thread can hand it).

:func:`threading.enumerate` lists every thread started by :mod:`threading` (so by
:mod:`concurrent.futures` too) and every other thread that has called
:func:`threading.current_thread`.  A thread started with ``_thread.start_new_thread``
that did neither is not seen until it uses the backend: it may still see a false
DeadlockError.  While an outside thread is alive, a stuck hub looks again every so often
(:data:`POLL_MAX` seconds at most), so the deadlock is reported soon after it ends.
"""

from __future__ import annotations

import _thread
import threading
from collections.abc import Iterable

__all__ = ["POLL_MAX", "POLL_MIN", "idle_workers", "outsiders_alive"]

#: The first and the longest pause of a stuck hub between two looks at outside threads.
POLL_MIN = 0.005
POLL_MAX = 0.25

#: Identifiers of the offload pool's workers that are waiting for work (changed by
#: :mod:`~anythread_backends.cooperative._offload`; a set's add and discard are atomic).
idle_workers: set[int] = set()


def outsiders_alive(hub_threads: Iterable[int]) -> bool:
    """Whether an OS thread other than the caller, the ``hub_threads`` and the idle
    offload workers is alive, so could still wake a green thread.

    Called without the kernel's mutex: :func:`threading.enumerate` takes threading's own
    lock.
    """
    skip = {_thread.get_ident(), *hub_threads}
    for thread in threading.enumerate():
        ident = thread.ident
        if ident is None:
            return True  # being started (threading's limbo): it will run
        if ident in skip or ident in idle_workers:
            continue
        if thread.is_alive():
            return True
    return False
