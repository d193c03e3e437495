"""Schedules: which ready green thread runs next, written as one replayable line.

``fifo`` (the default) runs green threads in the order they became ready.
``random:SEED`` picks each time, seeded-random, among the ready ones.  ``pct:SEED:DEPTH``
is PCT (Burckhardt et al., ASPLOS 2010): each green thread gets a random priority when it
starts, the highest-priority ready thread runs, and at DEPTH-1 randomly chosen steps the
running thread's priority drops below every other; the change points are drawn among
the first STEPS steps (``pct:SEED:DEPTH:STEPS``, PCT as published, STEPS the length of
a run) or, without STEPS, log-uniformly among the first 10,000.  Under ``random`` and ``pct`` every
kernel-lock operation and every spawn is a scheduling point, so interleavings between two
lock operations are explored; under ``fifo`` a green thread runs until it blocks.

Every ``random`` and ``pct`` run records its *decisions*: at each step where more than
one green thread was ready, the position, in the ready queue, of the one that ran.  The
decisions, written compactly, are a schedule line of their own, ``replay:DECISIONS``,
which replays the run exactly whatever schedule recorded it (see :func:`encode`).
Decisions are taken at synchronisation operations, never at bytecodes, so a line replays
on every supported Python version.

The same line with the same program replays the same interleaving: the only source of
choice is the seeded generator (or the recorded decisions).
"""

from __future__ import annotations

import math
import random
import re
import weakref
from collections import deque
from collections.abc import Callable, Collection
from typing import Any

__all__ = [
    "PCTSchedule",
    "RandomSchedule",
    "ReplaySchedule",
    "Schedule",
    "SteeredSchedule",
    "decode",
    "encode",
    "parse_schedule",
]

#: PCT draws its priority-change points among the first steps of a run, log-uniformly,
#: since the length of the run is not known in advance: a short run (a unit test) and a
#: long one both get change points among their steps.
PCT_STEPS = 10_000

#: A recorded line longer than this is not printed in hang reports (the seed line is).
SHORT_LINE = 200

#: The prefix of a recorded decision string.
REPLAY_PREFIX = "replay:"

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TOKEN = re.compile(r"([a-zA-Z]|\[(\d+)\])(\d*)")


def encode(decisions: list[int]) -> str:
    """Write ``decisions`` (ready-queue positions) as a compact decision string.

    Position 0 to 51 is one letter (``a`` = 0, ``z`` = 25, ``A`` = 26, ``Z`` = 51), a
    larger one is ``[N]``; a letter or ``[N]`` followed by a decimal count repeats it
    (``a12`` is twelve 0s).  Trailing 0s are left out: a replay runs the first ready
    thread once the decisions are used up.
    """
    end = len(decisions)
    while end and decisions[end - 1] == 0:
        end -= 1
    out: list[str] = []
    i = 0
    while i < end:
        value = decisions[i]
        j = i + 1
        while j < end and decisions[j] == value:
            j += 1
        out.append(_LETTERS[value] if value < len(_LETTERS) else f"[{value}]")
        if j - i > 1:
            out.append(str(j - i))
        i = j
    return "".join(out)


def decode(text: str) -> list[int]:
    """Read a decision string written by :func:`encode`.

    :raises ValueError: if ``text`` is not one.
    """
    decisions: list[int] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"invalid decision string {text!r} at position {pos}")
        letter, number, count = match.groups()
        value = int(number) if number is not None else _LETTERS.index(letter)
        decisions.extend([value] * (int(count) if count else 1))
        pos = match.end()
    return decisions


class Schedule:
    """FIFO: run green threads in the order they became ready."""

    #: whether every kernel-lock operation and spawn is a scheduling point
    preemptive_points = False
    #: True if a replay did not fit the program (only a ``replay:`` line can diverge)
    diverged = False

    def __init__(self, line: str = "fifo") -> None:
        #: the line that selects this schedule again (``ANYTHREAD_SCHEDULE``)
        self.line = line
        #: the recorded decisions (ready-queue positions; none under ``fifo``)
        self.decisions: list[int] = []
        #: the steps taken (each pick of a green thread to run; not counted under ``fifo``)
        self.steps = 0

    @property
    def recorded_line(self) -> str:
        """The decisions of this run so far as a line, ``replay:DECISIONS``, that replays
        it exactly (``fifo`` under FIFO, which needs no recording)."""
        if not self.preemptive_points:
            return self.line
        return REPLAY_PREFIX + encode(self.decisions)

    @property
    def forced(self) -> int:
        """How many decisions :attr:`recorded_line` forces (its trailing first-thread
        choices left out): the length of the schedule, for "shortest"."""
        end = len(self.decisions)
        while end and self.decisions[end - 1] == 0:
            end -= 1
        return end

    def prefix_line(self, count: int) -> str:
        """A line that replays the first ``count`` decisions of this run, then runs the
        first ready thread at every step."""
        return REPLAY_PREFIX + encode(self.decisions[:count])

    @property
    def replay_line(self) -> str:
        """The shortest exact line: the recorded one when it is short and shorter than
        :attr:`line` would be to read, else :attr:`line` itself."""
        recorded = self.recorded_line
        return recorded if len(recorded) <= SHORT_LINE else self.line

    def enqueue(self, ready: deque[Any], glet: Any) -> None:
        ready.append(glet)

    def pick(self, ready: deque[Any]) -> Any:
        return ready.popleft()


class _Chooser(Schedule):
    """A schedule that chooses a position among the ready green threads and records it."""

    preemptive_points = True

    def pick(self, ready: deque[Any]) -> Any:
        self.steps += 1
        if len(ready) == 1:
            return ready.popleft()
        index = self.choose(ready)
        self.decisions.append(index)
        glet = ready[index]
        del ready[index]
        return glet

    def choose(self, ready: deque[Any]) -> int:
        """The position of the green thread to run among ``ready`` (two or more)."""
        raise NotImplementedError


class RandomSchedule(_Chooser):
    """Each choice is seeded-random among the ready green threads."""

    def __init__(self, line: str, seed: int) -> None:
        super().__init__(line)
        self._rng = random.Random(seed)

    def choose(self, ready: deque[Any]) -> int:
        return self._rng.randrange(len(ready))


class PCTSchedule(_Chooser):
    """PCT: random priorities, DEPTH-1 priority-change points."""

    def __init__(self, line: str, seed: int, depth: int, steps: int | None = None) -> None:
        super().__init__(line)
        self._rng = random.Random(seed)
        if steps is None:
            self._changes = {
                round(math.exp(self._rng.uniform(0.0, math.log(PCT_STEPS))))
                for _ in range(depth - 1)
            }
        else:
            # PCT as published: change points uniform among the run's STEPS steps.
            self._changes = {self._rng.randint(1, steps) for _ in range(depth - 1)}
        self._low = 0.0
        # Each green thread's priority, given when it is first ready (kept here, not on
        # the greenlet: an OS thread's main greenlet outlives a run).
        self._priority: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def enqueue(self, ready: deque[Any], glet: Any) -> None:
        if glet not in self._priority:
            self._priority[glet] = 1.0 + self._rng.random()
        ready.append(glet)

    def pick(self, ready: deque[Any]) -> Any:
        if len(ready) == 1 and self.steps + 1 in self._changes:
            # A change point with one ready thread still lowers it.
            self._low -= 1.0
            self._priority[ready[0]] = self._low
        return super().pick(ready)

    def choose(self, ready: deque[Any]) -> int:
        priority = self._priority
        best = max(range(len(ready)), key=lambda i: priority[ready[i]])
        if self.steps in self._changes:
            # A change point: the thread about to run drops below every other.
            self._low -= 1.0
            priority[ready[best]] = self._low
            best = max(range(len(ready)), key=lambda i: priority[ready[i]])
        return best


class ReplaySchedule(_Chooser):
    """``replay:DECISIONS``: take the recorded decisions, then the first ready thread."""

    def __init__(self, line: str, decisions: list[int]) -> None:
        super().__init__(line)
        self._script = decisions
        #: True if a decision named a position past the ready queue (the program or the
        #: line is not the one recorded); the last ready thread ran instead
        self.diverged = False

    def choose(self, ready: deque[Any]) -> int:
        step = len(self.decisions)
        index = self._script[step] if step < len(self._script) else 0
        if index >= len(ready):
            self.diverged = True
            index = len(ready) - 1
        return index


class SteeredSchedule(_Chooser):
    """Another schedule, steered: a green thread suspended at one of the ``park_at``
    sites (``file:line``) runs only when every ready thread is parked.

    Used to turn a lock-order inversion into a deadlock: the thread that took A and is
    about to take B waits there until another has taken B and is about to take A.

    :param inner: the schedule that chooses among the threads not parked.
    :param park_at: the sites to park at.
    :param site_of: the user's ``file:line`` where a suspended green thread is.
    """

    def __init__(
        self, inner: _Chooser, park_at: Collection[str], site_of: Callable[[Any], str]
    ) -> None:
        super().__init__(inner.line)
        self._inner = inner
        self._park_at = frozenset(park_at)
        self._site_of = site_of

    def enqueue(self, ready: deque[Any], glet: Any) -> None:
        self._inner.enqueue(ready, glet)

    def choose(self, ready: deque[Any]) -> int:
        free = [i for i, glet in enumerate(ready) if self._site_of(glet) not in self._park_at]
        if not free or len(free) == len(ready):
            return self._inner.choose(ready)
        if len(free) == 1:
            return free[0]
        return free[self._inner.choose(deque(ready[i] for i in free))]


def parse_schedule(line: str) -> Schedule:
    """Return the schedule that ``line`` (``ANYTHREAD_SCHEDULE``) names.

    :raises ValueError: if the line is not ``fifo``, ``random:SEED``,
        ``pct:SEED:DEPTH`` or ``pct:SEED:DEPTH:STEPS`` (SEED an integer, DEPTH and
        STEPS integers >= 1) or
        ``replay:DECISIONS`` (a recorded decision string).
    """
    text = line.strip()
    if text.startswith(REPLAY_PREFIX):
        try:
            return ReplaySchedule(text, decode(text[len(REPLAY_PREFIX) :]))
        except ValueError:
            pass
    text = text.lower()
    parts = text.split(":")
    try:
        if parts == ["fifo"] or text == "":
            return Schedule("fifo")
        if parts[0] == "random" and len(parts) == 2:
            return RandomSchedule(text, int(parts[1]))
        if parts[0] == "pct" and len(parts) in (3, 4) and int(parts[2]) >= 1:
            steps = int(parts[3]) if len(parts) == 4 else None
            if steps is None or steps >= 1:
                return PCTSchedule(text, int(parts[1]), int(parts[2]), steps)
    except ValueError:
        pass
    raise ValueError(
        f"invalid ANYTHREAD_SCHEDULE {line!r}: expected 'fifo', 'random:SEED', "
        "'pct:SEED:DEPTH' or 'pct:SEED:DEPTH:STEPS' (SEED an integer, DEPTH and STEPS "
        "integers >= 1) or a recorded 'replay:DECISIONS' line"
    )
