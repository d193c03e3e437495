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
* ``ANYTHREAD_SCHEDULE``: ``fifo`` (default), ``random:SEED``, ``pct:SEED:DEPTH``, or
  a recorded ``replay:DECISIONS`` line.
* ``ANYTHREAD_STALL``: ``off`` (default), or a number of seconds: a green thread that
  keeps the others of its OS thread from running that long (blocked in ``time.sleep``
  or I/O, or computing) is reported on standard error, with where it is
  (:mod:`~anythread_backends.cooperative._stall`).

It exports :func:`load`, the registry's loader, :func:`make_backend`, which builds an
independent backend with a given clock and schedule (for tests), and
:func:`run_in_thread`, which hands blocking work to a real OS thread while the other green
threads run.  Each backend it builds also has three functions beyond the threading API
(see :func:`make_backend`): ``schedule_line()``, ``current_schedule()`` and
``schedule_scope(line)``.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from contextlib import AbstractContextManager
from typing import Any

from anythread.protocols import Capability
from anythread.semantics import SemanticsBackend, from_kernel
from anythread_backends.cooperative._kernel import GreenKernel, user_site
from anythread_backends.cooperative._offload import run_in_thread
from anythread_backends.cooperative._schedule import (
    Schedule,
    SteeredSchedule,
    _Chooser,
    parse_schedule,
)
from anythread_backends.cooperative._stall import STALL_ENV, parse_stall

__all__ = ["load", "make_backend", "run_in_thread"]

#: The environment variable that chooses the clock (``real`` or ``virtual``).
CLOCK_ENV = "ANYTHREAD_CLOCK"
#: The environment variable that chooses the schedule.
SCHEDULE_ENV = "ANYTHREAD_SCHEDULE"

# Why each capability is left out:
# PREEMPTIVE: a green thread runs until it blocks.  NATIVE_IDS: green threads share
# their OS thread's native id.  STACK_SIZE: greenlets copy their stacks, there is no
# size to set.  FORK: only where the platform has os.fork.  TRUE_TIMEOUTS: only with
# the real clock.
_LACKING = {
    Capability.PREEMPTIVE,
    Capability.NATIVE_IDS,
    Capability.STACK_SIZE,
}
if not hasattr(os, "fork"):
    _LACKING.add(Capability.FORK)


def _clock_of(text: str) -> bool:
    clock = text.strip().lower() or "real"
    if clock not in ("real", "virtual"):
        raise ValueError(
            f"invalid clock {text!r} ({CLOCK_ENV} or the cooperative:CLOCK option): "
            "expected 'real' or 'virtual'"
        )
    return clock == "virtual"


def make_backend(
    *,
    clock: str = "real",
    schedule: str = "fifo",
    name: str = "cooperative",
    stall: float | None = None,
) -> SemanticsBackend:
    """Build an independent cooperative backend (its own kernel, hubs and world).

    Beyond the threading API, the backend has:

    * ``schedule_line()``: the line that replays the run of the calling OS thread so
      far: its recorded decisions (``replay:...``) when short, else its seed line
      (``fifo``, ``random:SEED``, ``pct:SEED:DEPTH``);
    * ``current_schedule()``: the :class:`~anythread_backends.cooperative._schedule.Schedule`
      of the calling OS thread (``.line``, ``.recorded_line``, ``.replay_line``, and
      ``.steps``, the scheduling steps taken so far);
    * ``schedule_scope(line, park_at=())``: a context manager; the calling OS thread,
      which must not have used the backend yet, runs its green threads under the
      schedule ``line`` as a world of their own (see
      :meth:`~anythread_backends.cooperative._kernel.GreenKernel.scope`), and the
      block receives the :class:`~anythread_backends.cooperative._schedule.Schedule`
      (``.recorded_line``, ``.replay_line``, ``.steps``).  ``park_at``: ``file:line``
      sites where a green thread, suspended there, runs only when every ready thread
      is (``random`` or ``pct`` lines only); it steers a run towards a deadlock.

    :param clock: ``"real"`` or ``"virtual"``.
    :param schedule: a schedule line: ``fifo``, ``random:SEED``, ``pct:SEED:DEPTH`` or
        ``replay:DECISIONS``.
    :param name: the backend's name.
    :param stall: seconds: report on standard error a green thread that keeps the
        others of its OS thread from running that long (``ANYTHREAD_STALL``); None (the
        default): no reports.
    :raises ValueError: if the clock or the schedule is not one of those documented, or
        ``stall`` is not greater than 0 and finite.
    :raises TypeError: if ``stall`` is not a number (or None).
    """
    virtual = _clock_of(clock)
    kernel = GreenKernel(virtual=virtual, schedule=parse_schedule(schedule), stall=stall)
    capabilities = set(Capability) - _LACKING
    if virtual:
        # A timeout takes no real time, so neither the real clock nor a real-time signal
        # can be seen during it.
        capabilities -= {Capability.TRUE_TIMEOUTS, Capability.SIGNAL_INTERRUPTIBLE}
    backend = from_kernel(kernel, name, capabilities=capabilities)
    kernel.backend = backend
    vars(backend).update(
        schedule_line=lambda: kernel.current_schedule().replay_line,
        current_schedule=kernel.current_schedule,
        schedule_scope=lambda line, park_at=(): _scope(kernel, line, park_at),
    )
    return backend


def _site_of(glet: Any) -> str:
    return user_site(glet.gr_frame)


def _scope(
    kernel: GreenKernel, line: str, park_at: Collection[str]
) -> AbstractContextManager[Schedule]:
    schedule = parse_schedule(line)
    if park_at:
        if not isinstance(schedule, _Chooser):
            raise ValueError(
                f"cannot steer the schedule {line!r}: park_at needs a 'random:SEED' or "
                "'pct:SEED:DEPTH' schedule"
            )
        schedule = SteeredSchedule(schedule, park_at, _site_of)
    return kernel.scope(schedule)


def load(option: str | None = None) -> SemanticsBackend:
    """Build the cooperative backend, configured by the environment.

    :param option: ``"virtual"`` or ``"real"`` (from ``cooperative:virtual``); without
        it, ``ANYTHREAD_CLOCK`` decides.
    :raises ValueError: if the clock, the schedule or the stall limit is not one of
        those documented.
    """
    clock = option if option is not None else os.environ.get(CLOCK_ENV, "real")
    name = "cooperative" if option is None else f"cooperative:{option}"
    return make_backend(
        clock=clock,
        schedule=os.environ.get(SCHEDULE_ENV, "fifo"),
        name=name,
        stall=parse_stall(os.environ.get(STALL_ENV, "off")),
    )
