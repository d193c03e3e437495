"""The ``cooperative`` backend: green threads on greenlet, scheduled by a hub per OS thread.

Every anythread thread is a greenlet; a blocking call (a contended acquire, a wait, a
join, a sleep) switches to another green thread instead of blocking the process.  It is
the semantics layer (:func:`anythread.from_kernel`) on the greenlet kernel of
:mod:`~anythread_backends.cooperative._kernel`.  When nothing can run any more, the
blocked call raises :class:`anythread.DeadlockError`, which names every thread, what it
waits on, who holds it, and the schedule line that replays the run.

Configuration, read when the backend is first loaded:

* ``ANYTHREAD_CLOCK``: ``real`` (default) or ``virtual`` (time stands still while a green
  thread can run and jumps to the next timer when all are blocked).  The backend name
  ``cooperative:virtual`` (or ``cooperative:real``) chooses it inline.
* ``ANYTHREAD_SCHEDULE``: ``fifo`` (default), ``random:SEED`` or ``pct:SEED:DEPTH``.

It exports one object, :func:`load`, the registry's loader.
"""

from __future__ import annotations

import os

from anythread.protocols import Capability
from anythread.semantics import SemanticsBackend, from_kernel
from anythread_backends.cooperative._kernel import GreenKernel
from anythread_backends.cooperative._schedule import parse_schedule

__all__ = ["load"]

#: The environment variable that chooses the clock (``real`` or ``virtual``).
CLOCK_ENV = "ANYTHREAD_CLOCK"
#: The environment variable that chooses the schedule.
SCHEDULE_ENV = "ANYTHREAD_SCHEDULE"

# Why each capability is left out:
# PREEMPTIVE: a green thread runs until it blocks.  NATIVE_IDS: green threads share
# their OS thread's native id.  STACK_SIZE: greenlets copy their stacks, there is no
# size to set.  FORK: the hubs of other OS threads do not survive a fork; not yet
# handled.  TRUE_TIMEOUTS: only with the real clock.
_LACKING = {
    Capability.PREEMPTIVE,
    Capability.NATIVE_IDS,
    Capability.STACK_SIZE,
    Capability.FORK,
}


def _clock_of(option: str | None) -> bool:
    text = option if option is not None else os.environ.get(CLOCK_ENV, "real")
    clock = text.strip().lower() or "real"
    if clock not in ("real", "virtual"):
        source = "backend option" if option is not None else CLOCK_ENV
        raise ValueError(f"invalid {source} {text!r}: expected 'real' or 'virtual'")
    return clock == "virtual"


def load(option: str | None = None) -> SemanticsBackend:
    """Build the cooperative backend.

    :param option: ``"virtual"`` or ``"real"`` (from ``cooperative:virtual``); without
        it, ``ANYTHREAD_CLOCK`` decides.
    :raises ValueError: if the clock or the schedule is not one of those documented.
    """
    virtual = _clock_of(option)
    schedule = parse_schedule(os.environ.get(SCHEDULE_ENV, "fifo"))
    kernel = GreenKernel(virtual=virtual, schedule=schedule)
    capabilities = set(Capability) - _LACKING
    if virtual:
        capabilities.discard(Capability.TRUE_TIMEOUTS)
    name = "cooperative:virtual" if virtual and option is not None else "cooperative"
    backend = from_kernel(kernel, name, capabilities=capabilities)
    kernel.backend = backend
    return backend
