"""Schedules: which ready green thread runs next, written as one replayable line.

``fifo`` (the default) runs green threads in the order they became ready.
``random:SEED`` picks each time, seeded-random, among the ready ones.  ``pct:SEED:DEPTH``
is PCT (Burckhardt et al., ASPLOS 2010): each green thread gets a random priority when it
starts, the highest-priority ready thread runs, and at DEPTH-1 randomly chosen steps the
running thread's priority drops below every other.  Under ``random`` and ``pct`` every
kernel-lock operation and every spawn is a scheduling point, so interleavings between two
lock operations are explored; under ``fifo`` a green thread runs until it blocks.

The same line with the same program replays the same interleaving: the only source of
choice is the seeded generator.
"""

from __future__ import annotations

import math
import random
from collections import deque
from typing import Any

__all__ = ["Schedule", "parse_schedule"]

#: PCT draws its priority-change points among the first steps of a run, log-uniformly,
#: since the length of the run is not known in advance: a short run (a unit test) and a
#: long one both get change points among their steps.
PCT_STEPS = 10_000


class Schedule:
    """FIFO: run green threads in the order they became ready."""

    #: whether every kernel-lock operation and spawn is a scheduling point
    preemptive_points = False

    def __init__(self, line: str = "fifo") -> None:
        #: the line that selects this schedule again (``ANYTHREAD_SCHEDULE``)
        self.line = line

    def enqueue(self, ready: deque[Any], glet: Any) -> None:
        ready.append(glet)

    def pick(self, ready: deque[Any]) -> Any:
        return ready.popleft()


class RandomSchedule(Schedule):
    """Each choice is seeded-random among the ready green threads."""

    preemptive_points = True

    def __init__(self, line: str, seed: int) -> None:
        super().__init__(line)
        self._rng = random.Random(seed)

    def pick(self, ready: deque[Any]) -> Any:
        index = self._rng.randrange(len(ready))
        glet = ready[index]
        del ready[index]
        return glet


class PCTSchedule(Schedule):
    """PCT: random priorities, DEPTH-1 priority-change points."""

    preemptive_points = True

    def __init__(self, line: str, seed: int, depth: int) -> None:
        super().__init__(line)
        self._rng = random.Random(seed)
        self._changes = {
            round(math.exp(self._rng.uniform(0.0, math.log(PCT_STEPS)))) for _ in range(depth - 1)
        }
        self._step = 0
        self._low = 0.0

    def enqueue(self, ready: deque[Any], glet: Any) -> None:
        if getattr(glet, "pct_priority", None) is None:
            glet.pct_priority = 1.0 + self._rng.random()
        ready.append(glet)

    def pick(self, ready: deque[Any]) -> Any:
        self._step += 1
        best = max(range(len(ready)), key=lambda i: ready[i].pct_priority)
        glet = ready[best]
        if self._step in self._changes:
            # A change point: the thread about to run drops below every other.
            self._low -= 1.0
            glet.pct_priority = self._low
            best = max(range(len(ready)), key=lambda i: ready[i].pct_priority)
            glet = ready[best]
        del ready[best]
        return glet


def parse_schedule(line: str) -> Schedule:
    """Return the schedule that ``line`` (``ANYTHREAD_SCHEDULE``) names.

    :raises ValueError: if the line is not ``fifo``, ``random:SEED`` or
        ``pct:SEED:DEPTH`` (SEED an integer, DEPTH an integer >= 1).
    """
    text = line.strip().lower()
    parts = text.split(":")
    try:
        if parts == ["fifo"] or text == "":
            return Schedule("fifo")
        if parts[0] == "random" and len(parts) == 2:
            return RandomSchedule(text, int(parts[1]))
        if parts[0] == "pct" and len(parts) == 3 and int(parts[2]) >= 1:
            return PCTSchedule(text, int(parts[1]), int(parts[2]))
    except ValueError:
        pass
    raise ValueError(
        f"invalid ANYTHREAD_SCHEDULE {line!r}: expected 'fifo', 'random:SEED' or "
        "'pct:SEED:DEPTH' (SEED an integer, DEPTH an integer >= 1)"
    )
