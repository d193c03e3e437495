"""Schedule search: run a function under many cooperative schedules, stop at a failure.

How ``fn`` reaches the backend: the facade serves one backend per process, so
:func:`explore` uses the facade's backend, which must be ``cooperative`` (or
``debug:cooperative``); if nothing has chosen a backend yet, it chooses
``cooperative:virtual`` (``cooperative`` for ``clock="real"``).  Each run happens in a
fresh OS thread whose hub is a world of its own (the backend's ``schedule_scope``): its
own schedule, the virtual clock starting at 0, and no other OS thread counted as a
possible waker, so a run whose threads all block raises
:class:`~anythread.DeadlockError` at once.  ``fn`` runs as that OS thread's main green
thread, written against ``import anythread as threading`` unchanged.

A run fails if ``fn`` raises, if a thread it started ends with an exception (seen
through the backend's ``excepthook``), or if a thread it started is still alive when
``fn`` returns and does not end within ``timeout`` (on the backend's clock: on the
virtual clock, at once).

On ``debug:cooperative`` the debug backend's lock-order reports are collected (its mode
is ``warn`` during the search, the warnings captured): a reported inversion starts a
*proof*: runs steered to take the two orders at the same time (a thread about to take
the second lock of an edge, at the edge's site, is parked there while any other thread
can run), until one deadlocks or the budget is spent.
"""

from __future__ import annotations

import _thread
import logging
import sys
import time
import warnings
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import anythread
from anythread.errors import DeadlockError, LockOrderError
from anythread.protocols import Backend, Capability

__all__ = ["ExploreFailure", "ExploreResult", "NotCooperativeError", "Progress", "explore"]


class ExploreFailure(AssertionError):
    """A run of :func:`explore` failed; the original failure is ``__cause__``.

    :ivar schedule: the shortest failing schedule line found (see :func:`explore`
        for how it is shortened): pass it as
        ``explore(fn, replay=...)`` or ``pytest --anythread-replay ...`` to rerun
        exactly that run.
    :ivar run: the number (from 1) of the first run that failed.
    :ivar first_schedule: the line of the first failing run, as the search chose it
        (``pct:SEED:DEPTH``, ``random:SEED``, or the replayed line).
    :ivar failure: the original failure (also ``__cause__``).
    :ivar inversion: the lock-order inversion this failure proves (a deadlocking
        schedule was found for it) or reports (none was found in the budget), or None.
    :ivar proven: True if a deadlocking schedule was found for :attr:`inversion`.
    :ivar failing: the recorded lines of the failing runs seen, the first failure's
        first; :attr:`schedule` is the one with the fewest decisions.
    """

    def __init__(
        self,
        message: str,
        *,
        schedule: str,
        run: int,
        first_schedule: str,
        failure: BaseException,
        inversion: LockOrderError | None = None,
        proven: bool = False,
        failing: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.schedule = schedule
        self.run = run
        self.first_schedule = first_schedule
        self.failure = failure
        self.inversion = inversion
        self.proven = proven
        self.failing = failing or (schedule,)


@dataclass(frozen=True)
class Progress:
    """Where a search stands, handed to the ``progress`` callback after every run."""

    run: int
    """Runs done so far, in every phase (the last one included)."""
    runs: int
    """Runs the search plans (the first failure stops it earlier; shortening and
    proving then add runs of their own)."""
    schedule: str
    """The line of the last run."""
    failed: bool
    """Whether the last run failed."""
    elapsed: float
    """Wall-clock seconds since the search started."""
    phase: str = "search"
    """``search``, ``shorten`` (looking for a shorter failing line) or ``prove``
    (steering towards a deadlock)."""


@dataclass(frozen=True)
class ExploreResult:
    """What a search that found no failure saw."""

    runs: int
    """How many runs passed."""
    max_steps: int
    """The most scheduling steps one run took (``k`` of the PCT bound)."""
    inversions: tuple[LockOrderError, ...] = field(default=())
    """Lock-order inversions reported (``debug:cooperative`` in ``warn`` or ``log``
    mode) for which no deadlocking schedule was found in the budget."""


@dataclass
class _Outcome:
    line: str
    errors: list[BaseException] = field(default_factory=list)
    inversions: list[LockOrderError] = field(default_factory=list)
    recorded: str = ""
    steps: int = 0
    schedule: Any = None  # the run's Schedule: decisions, forced, prefix_line()
    diverged: bool = False
    #: the debug backend's warning for each inversion (``warn`` mode), by id
    warnings: dict[int, Warning] = field(default_factory=dict)

    @property
    def error(self) -> BaseException | None:
        return self.errors[0] if self.errors else None


class NotCooperativeError(RuntimeError):
    """The facade serves a backend that cannot run cooperative schedules."""


class _LeftoverThreads(RuntimeError):
    """Threads started by the run outlived it."""


@runtime_checkable
class _Schedulable(Protocol):
    """A backend that runs scoped schedules: the cooperative backend."""

    capabilities: frozenset[Capability]

    def schedule_scope(
        self, line: str, park_at: Collection[str] = ()
    ) -> AbstractContextManager[Any]: ...


@runtime_checkable
class _Wrapper(Protocol):
    """A backend over another (the debug backend), with its lock-order tracker."""

    inner: Backend
    tracker: Any


@dataclass
class _Target:
    """The backend the facade serves, and its cooperative part."""

    backend: Backend
    cooperative: _Schedulable
    tracker: Any  # the debug backend's tracker (``.mode``), or None


def _target(clock: str | None) -> _Target:
    if clock not in (None, "virtual", "real"):
        raise ValueError(f"invalid clock {clock!r}: expected 'virtual' or 'real'")
    selection = anythread.current_backend()
    if not selection.fixed and selection.source == "default":
        anythread.use("cooperative" if clock == "real" else "cooperative:virtual")
        selection = anythread.current_backend()
    backend = anythread.get_backend()
    tracker = None
    if isinstance(backend, _Schedulable):
        cooperative: _Schedulable = backend
    elif isinstance(backend, _Wrapper) and isinstance(backend.inner, _Schedulable):
        cooperative = backend.inner
        tracker = backend.tracker
    else:
        raise NotCooperativeError(
            "anythread.testing.explore runs its function under cooperative schedules, "
            f"but anythread serves backend {backend.name!r} ({selection.explain()}). Set "
            "ANYTHREAD_BACKEND=cooperative:virtual (or debug:cooperative) before the "
            "program starts, or call explore before anything uses anythread's API."
        )
    virtual = Capability.TRUE_TIMEOUTS not in cooperative.capabilities
    if clock is not None and (clock == "virtual") != virtual:
        has = "virtual" if virtual else "real"
        raise RuntimeError(
            f"explore(clock={clock!r}): anythread serves backend {backend.name!r} on the "
            f"{has} clock ({selection.explain()}); the clock is the backend's, chosen once "
            f"per process: set ANYTHREAD_CLOCK={clock} before the program starts, or "
            "leave clock out to use the backend's"
        )
    return _Target(backend, cooperative, tracker)


@contextmanager
def _collecting(outcome: _Outcome) -> Iterator[None]:
    """Collect the debug backend's lock-order reports (warnings, log records)."""

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            for arg in record.args if isinstance(record.args, tuple) else ():
                if isinstance(arg, LockOrderError):
                    outcome.inversions.append(arg)

    logger = logging.getLogger("anythread.debug")
    handler = Handler()
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        logger.removeHandler(handler)
    for message in caught:
        warning = message.message
        error = getattr(warning, "error", None)
        if isinstance(warning, Warning) and isinstance(error, LockOrderError):
            # The debug backend's LockOrderWarning.
            outcome.inversions.append(error)
            outcome.warnings[id(error)] = warning
        else:
            # Not ours: show it as it would have been shown.
            warnings.warn_explicit(
                message.message, message.category, message.filename, message.lineno
            )


def _run_once(
    target: _Target,
    fn: Callable[[], object],
    line: str,
    park_at: tuple[str, ...],
    timeout: float,
) -> _Outcome:
    """Run ``fn`` once under the schedule ``line``, in a fresh OS thread."""
    outcome = _Outcome(line)
    backend = target.backend
    done = _thread.allocate_lock()
    done.acquire()

    def hook(args: Any) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
            outcome.errors.append(args.exc_value)

    def body() -> None:
        try:
            with target.cooperative.schedule_scope(line, park_at=park_at) as schedule:
                saved_hook = backend.excepthook
                backend.excepthook = hook
                try:
                    with _collecting(outcome):
                        _body(backend, fn, outcome, timeout)
                finally:
                    backend.excepthook = saved_hook
                    outcome.recorded = schedule.recorded_line
                    outcome.steps = schedule.steps
                    outcome.schedule = schedule
                    outcome.diverged = schedule.diverged
        except BaseException as error:  # the scope itself failed: report it
            outcome.errors.append(error)
        finally:
            done.release()

    _thread.start_new_thread(body, ())
    done.acquire()
    return outcome


def _body(backend: Any, fn: Callable[[], object], outcome: _Outcome, timeout: float) -> None:
    me = backend.current_thread()
    before = {id(t) for t in backend.enumerate()}
    try:
        fn()
    except BaseException as error:
        outcome.errors.append(error)
        return
    leftovers = [t for t in backend.enumerate() if id(t) not in before and t is not me]
    if not leftovers:
        return
    deadline = backend.monotonic() + timeout
    for thread in leftovers:
        thread.join(max(0.0, deadline - backend.monotonic()))
    alive = [t for t in leftovers if t.is_alive()]
    if alive:
        names = ", ".join(repr(t.name) for t in alive)
        outcome.errors.append(
            _LeftoverThreads(
                f"the function returned, but threads it started had not ended {timeout:g} s "
                f"later ({names}): a run must stop and join the threads it starts"
            )
        )


def _size(outcome: _Outcome) -> tuple[int, int]:
    """How long a failing line is: its forced decisions, then its length in characters."""
    forced = outcome.schedule.forced if outcome.schedule is not None else 0
    return (forced, len(outcome.recorded))


def _same_failure(a: BaseException | None, b: BaseException | None) -> bool:
    return a is not None and b is not None and type(a) is type(b)


class _Search:
    def __init__(
        self,
        fn: Callable[[], object],
        target: _Target,
        *,
        runs: int,
        timeout: float,
        progress: Callable[[Progress], object] | bool | None,
    ) -> None:
        self.fn = fn
        self.target = target
        self.runs = runs
        self.timeout = timeout
        self.started = time.monotonic()
        self.done = 0
        self.max_steps = 0
        self._report = self._progress_function(progress)
        self._last_print = self.started

    def _progress_function(
        self, progress: Callable[[Progress], object] | bool | None
    ) -> Callable[[Progress], object] | None:
        if progress is False:
            return None
        if progress is None or progress is True:
            return self._print_progress
        return progress

    def _print_progress(self, p: Progress) -> None:
        # At most once a second, and only once the search has lasted a second.
        now = time.monotonic()
        if now - self._last_print < 1.0:
            return
        self._last_print = now
        what = {"search": "run", "shorten": "shortening, run", "prove": "proving, run"}
        print(
            f"anythread explore: {what[p.phase]} {p.run}/{p.runs} "
            f"({p.schedule}{', failed' if p.failed else ''}), {p.elapsed:.1f} s",
            file=sys.stderr,
            flush=True,
        )

    def run(self, line: str, *, phase: str, park_at: tuple[str, ...] = ()) -> _Outcome:
        outcome = _run_once(self.target, self.fn, line, park_at, self.timeout)
        self.done += 1
        self.max_steps = max(self.max_steps, outcome.steps)
        if self._report is not None:
            self._report(
                Progress(
                    self.done,
                    self.runs,
                    line,
                    outcome.error is not None,
                    time.monotonic() - self.started,
                    phase,
                )
            )
        return outcome

    def shorten(self, best: _Outcome, lines: list[str], budget: int) -> tuple[_Outcome, list[str]]:
        """Among ``best`` and the failures of ``lines``, the one with the fewest forced
        decisions; then the shortest prefix of its decisions (the first ready thread at
        every step after it) that still fails alike: up to ``budget`` prefixes are tried
        from the empty one up, then the longer ones are halved.  Returns it and the
        recorded lines of every failing run."""
        failing = [best.recorded]
        for line in lines:
            outcome = self.run(line, phase="shorten")
            if _same_failure(outcome.error, best.error):
                failing.append(outcome.recorded)
                if _size(outcome) < _size(best):
                    best = outcome

        def shorter(count: int) -> _Outcome | None:
            """The run of the first ``count`` decisions of ``best``, if it fails alike."""
            outcome = self.run(best.schedule.prefix_line(count), phase="shorten")
            if _same_failure(outcome.error, best.error) and _size(outcome) <= _size(best):
                failing.append(outcome.recorded)
                return outcome
            return None

        # From the shortest up: the first prefix that fails is the shortest one.
        low, high = 0, _size(best)[0]
        while low < min(high, budget):
            found = shorter(low)
            if found is not None:
                return found, failing
            low += 1
        # The longer ones, halved: a failing prefix none of whose halvings fails.
        while low < high:
            middle = (low + high) // 2
            found = shorter(middle)
            if found is not None:
                best = found
                high = min(middle, best.schedule.forced)
            else:
                low = middle + 1
        return best, failing

    def prove(self, inversion: LockOrderError, lines: list[str]) -> tuple[_Outcome | None, int]:
        """Steer runs towards the deadlock ``inversion`` foretells."""
        park_at = tuple(dict.fromkeys(site for site in inversion.sites if site))
        if not park_at:
            return None, 0
        for i, line in enumerate(lines, 1):
            outcome = self.run(line, phase="prove", park_at=park_at)
            if _is_deadlock(outcome.error):
                return outcome, i
        return None, len(lines)


def _is_deadlock(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, DeadlockError):
            return True
        error = error.__cause__
    return False


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _lines(kind: str, depth: int, seeds: range, steps: int) -> list[str]:
    """The schedule lines of ``seeds``: PCT's change points among ``steps`` steps (the
    longest run seen so far), or log-uniform before any run was measured."""
    if kind == "random":
        return [f"random:{s}" for s in seeds]
    if steps < 1:
        return [f"pct:{s}:{depth}" for s in seeds]
    return [f"pct:{s}:{depth}:{steps}" for s in seeds]


#: The schedule lines ``explore(replay=...)`` and ``pytest --anythread-replay`` accept.
LINE_FORMS = (
    "'replay:DECISIONS' (as a failing search prints it), 'pct:SEED:DEPTH', "
    "'pct:SEED:DEPTH:STEPS', 'random:SEED' or 'fifo' (SEED an integer, DEPTH and STEPS "
    "integers >= 1)"
)


def is_schedule_line(line: str) -> bool:
    """Whether ``line`` is a schedule line (one of :data:`LINE_FORMS`).

    :raises ImportError: if the cooperative backend cannot be imported (no greenlet).
    """
    from anythread_backends.cooperative._schedule import parse_schedule

    try:
        parse_schedule(line)
    except ValueError:
        return False
    return True


def _check_int(name: str, value: object, minimum: int | None = None, what: str = "") -> int:
    """``value``, if it is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"explore(): {name} must be an int, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"explore(): {name} must be at least {minimum} ({what}), got {value}")
    return value


def _check_arguments(
    *,
    runs: object,
    schedule: object,
    depth: object,
    clock: object,
    seed: object,
    replay: object,
    shorten: object,
    prove: object,
    timeout: object,
    progress: object,
) -> None:
    """Check :func:`explore`'s arguments before anything runs, so that no run blames the
    test body for them."""
    if not isinstance(schedule, str):
        raise TypeError(
            f"explore(): schedule must be 'pct' or 'random', got "
            f"{type(schedule).__name__} {schedule!r}"
        )
    if schedule not in ("pct", "random"):
        raise ValueError(f"invalid schedule {schedule!r}: expected 'pct' or 'random'")
    runs = _check_int("runs", runs)
    depth = _check_int("depth", depth)
    if runs < 1 or depth < 1:
        raise ValueError(f"runs and depth must be at least 1 (got runs={runs}, depth={depth})")
    if clock is not None and not isinstance(clock, str):
        raise TypeError(
            f"explore(): clock must be 'virtual', 'real' or None, got "
            f"{type(clock).__name__} {clock!r}"
        )
    _check_int("seed", seed)
    if replay is not None and not isinstance(replay, str):
        raise TypeError(
            f"explore(): replay must be a schedule line (a str) or None, got "
            f"{type(replay).__name__} {replay!r}"
        )
    _check_int("shorten", shorten, 0, "0: no further seeds, prefixes only halved")
    _check_int("prove", prove, 0, "0: no steered runs")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(
            f"explore(): timeout must be a number of seconds, got "
            f"{type(timeout).__name__} {timeout!r}"
        )
    if not 0 <= timeout <= _thread.TIMEOUT_MAX:  # NaN too
        raise ValueError(
            f"explore(): timeout must be between 0 and {_thread.TIMEOUT_MAX:.0f} seconds, "
            f"got {timeout!r}"
        )
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise TypeError(
            f"explore(): progress must be a callable, True, False or None, got "
            f"{type(progress).__name__} {progress!r}"
        )


def explore(
    fn: Callable[[], object],
    runs: int = 100,
    *,
    schedule: str = "pct",
    depth: int = 3,
    clock: str | None = None,
    seed: int = 0,
    replay: str | None = None,
    shorten: int = 20,
    prove: int = 100,
    timeout: float = 60.0,
    progress: Callable[[Progress], object] | bool | None = None,
) -> ExploreResult:
    """Run ``fn`` under ``runs`` cooperative schedules; raise at the first failure.

    Run ``i`` (from 0) uses the schedule ``pct:SEED+i:DEPTH:K`` (PCT with its change
    points among K steps, K the most steps a run took so far; the first run, with none
    measured, is ``pct:SEED:DEPTH``) or ``random:SEED+i``, in a fresh OS thread with a
    world of its own (see :mod:`anythread.testing`).  A run fails if ``fn`` raises (an
    assertion, any exception, a :class:`~anythread.DeadlockError`), if a thread it
    started dies of an exception, or if threads it started outlive it.  After the first
    failure, ``shorten`` further seeds are tried, and the failing run with the fewest
    forced decisions is kept; then prefixes of its decisions (after a prefix, the first
    ready thread runs at every scheduling point, which is not ``fifo``): up to
    ``shorten`` of them from the empty one up, the first that fails alike being the
    shortest, then the longer ones halved.  The failure names the shortest failing line
    found.  On ``debug:cooperative``, a lock-order inversion the debug backend reports
    starts up to ``prove`` runs steered to deadlock on it.

    :param fn: the test body, called with no arguments, once per run; it must create
        the objects it shares between threads (objects created before the search are
        not scheduling points).
    :param runs: how many schedules to try.
    :param schedule: ``"pct"`` (PCT with ``depth``) or ``"random"``.
    :param depth: PCT's depth: the number of ordering constraints a bug needs.
    :param clock: ``"virtual"`` or ``"real"``; None: the backend's.  The clock is the
        facade's backend's: asking for the other one is an error.
    :param seed: the seed of the first run (any int).
    :param replay: a schedule line (``replay:...``, ``pct:...``, ``random:...`` or
        ``fifo``): run ``fn`` once, exactly under it, instead of searching.  None or an
        empty line: search.
    :param shorten: how many further seeds to try for a failing line with fewer
        decisions, and how many prefixes of its decisions to try from the empty one up
        before halving (at least 0).
    :param prove: how many steered runs may try to turn an inversion into a deadlock
        (at least 0).
    :param timeout: how long (on the backend's clock) threads may outlive ``fn``, in
        seconds, from 0 to :data:`threading.TIMEOUT_MAX`.
    :param progress: a callable, handed a :class:`Progress` after every run; None (the
        default) prints a line to stderr at most once a second once the search has
        lasted a second; False: silent.
    :returns: what the search saw, if no run failed.
    :raises ExploreFailure: at the first failing run (the failure is its cause).
    :raises NotCooperativeError: (a :class:`RuntimeError`) if the facade's backend is
        not cooperative (or debug:cooperative).
    :raises RuntimeError: if the facade's backend runs on the other clock.
    :raises TypeError: if an argument is not of the documented type (an int where one
        is asked for, and not a bool); checked before anything runs.
    :raises ValueError: if an argument is not one of those documented (a number out of
        its range, ``replay`` not a schedule line); checked before anything runs.

    Spec: none (a testing tool; the spec's objects are the backend's).
    """
    _check_arguments(
        runs=runs,
        schedule=schedule,
        depth=depth,
        clock=clock,
        seed=seed,
        replay=replay,
        shorten=shorten,
        prove=prove,
        timeout=timeout,
        progress=progress,
    )
    if replay is not None and not replay.strip():
        replay = None  # an empty line is no line: search
    if replay is not None and not is_schedule_line(replay):
        raise ValueError(
            f"explore(): replay={replay!r} is not a schedule line: expected {LINE_FORMS}; "
            "pass the line a failing search printed, or None (or '') to search"
        )
    target = _target(clock)
    tracker = target.tracker
    saved_mode = None if tracker is None else tracker.mode
    if tracker is not None:
        # Collected, not raised: an inversion starts a proof, and replays see the same.
        tracker.mode = "warn"
    try:
        if replay is not None:
            search = _Search(fn, target, runs=1, timeout=timeout, progress=progress)
            return _replay(search, replay, saved_mode)
        search = _Search(fn, target, runs=runs, timeout=timeout, progress=progress)
        return _search(search, schedule, depth, seed, shorten, prove, saved_mode)
    finally:
        if tracker is not None:
            tracker.mode = saved_mode


def _replay(search: _Search, line: str, mode: str | None) -> ExploreResult:
    outcome = search.run(line, phase="search")
    if outcome.diverged:
        warnings.warn(
            f"the replayed line {line!r} does not fit this program: a decision named a "
            "thread past the end of the ready queue (was it recorded from another program?)",
            RuntimeWarning,
            stacklevel=3,
        )
    error = outcome.error
    if error is None and outcome.inversions and mode == "raise":
        error = outcome.inversions[0]
    if error is not None:
        inversion = outcome.inversions[0] if outcome.inversions else None
        raise ExploreFailure(
            f"the replayed schedule {line} fails: {_describe(error)}",
            schedule=line,
            run=1,
            first_schedule=line,
            failure=error,
            inversion=inversion,
            proven=inversion is not None and _is_deadlock(error),
        ) from error
    _report_unproven([(i, outcome.warnings.get(id(i))) for i in outcome.inversions], mode)
    return ExploreResult(1, outcome.steps, tuple(outcome.inversions))


def _report_unproven(
    inversions: list[tuple[LockOrderError, Warning | None]], mode: str | None
) -> None:
    """Report, as the debug backend's mode says, the inversions no proof deadlocked."""
    for inversion, warning in inversions:
        if mode == "log":
            logging.getLogger("anythread.debug").warning("%s", inversion)
        elif mode == "warn" and warning is not None:
            warnings.warn(warning, stacklevel=4)


def _search(
    search: _Search,
    kind: str,
    depth: int,
    seed: int,
    shorten: int,
    prove: int,
    mode: str | None,
) -> ExploreResult:
    unproven: list[tuple[LockOrderError, Warning | None]] = []
    tried_inversions: set[tuple[str, ...]] = set()
    next_seed = seed + search.runs
    for index in range(1, search.runs + 1):
        line = _lines(kind, depth, range(seed + index - 1, seed + index), search.max_steps)[0]
        outcome = search.run(line, phase="search")
        for inversion in outcome.inversions:
            key = tuple(sorted(inversion.sites))
            if key in tried_inversions:
                continue
            tried_inversions.add(key)
            # Random among the threads not parked: PCT would let the thread of highest
            # priority take both locks whenever both threads are parked.
            proof_lines = _lines("random", depth, range(next_seed, next_seed + prove), 0)
            next_seed += prove
            proof, _ = search.prove(inversion, proof_lines)
            if proof is not None:
                best, failing = search.shorten(proof, [], shorten)
                raise _failure(
                    f"run {index} of {search.runs} ({line}) reported a lock-order inversion, "
                    f"and a schedule steered by its sites deadlocks: {best.recorded}",
                    best,
                    index,
                    line,
                    failing,
                    inversion=inversion,
                    proven=True,
                )
            if mode == "raise" and outcome.error is None:
                raise _failure(
                    f"run {index} of {search.runs} ({line}) reported a lock-order inversion; "
                    f"no deadlocking schedule was found in {prove} steered runs",
                    outcome,
                    index,
                    line,
                    [outcome.recorded],
                    inversion=inversion,
                    error=inversion,
                )
            unproven.append((inversion, outcome.warnings.get(id(inversion))))
        if outcome.error is not None:
            extra = _lines(kind, depth, range(next_seed, next_seed + shorten), search.max_steps)
            best, failing = search.shorten(outcome, extra, shorten)
            raise _failure(
                f"run {index} of {search.runs} failed under schedule {line}: "
                f"{_describe(outcome.error)}; the shortest of {len(failing)} failing "
                f"schedules found: {best.recorded}",
                best,
                index,
                line,
                failing,
                first=outcome,
            )
    _report_unproven(unproven, mode)
    return ExploreResult(search.runs, search.max_steps, tuple(i for i, _ in unproven))


def _failure(
    headline: str,
    best: _Outcome,
    index: int,
    line: str,
    failing: list[str],
    *,
    first: _Outcome | None = None,
    inversion: LockOrderError | None = None,
    proven: bool = False,
    error: BaseException | None = None,
) -> ExploreFailure:
    failure = error if error is not None else best.error
    assert failure is not None
    lines = [
        headline,
        f"  failure: {_describe(failure)}",
        f"  replay it: explore(fn, replay={best.recorded!r}) or "
        f"pytest --anythread-replay '{best.recorded}'",
    ]
    if first is not None and first.recorded != best.recorded:
        lines.append(f"  the first failing run recorded: {first.recorded}")
    result = ExploreFailure(
        "\n".join(lines),
        schedule=best.recorded,
        run=index,
        first_schedule=line,
        failure=failure,
        inversion=inversion,
        proven=proven,
        failing=tuple(failing),
    )
    result.__cause__ = failure
    return result
