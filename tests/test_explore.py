"""Schedule search (``anythread.testing.explore``): known bugs that FIFO never shows and
the search finds, each replayed exactly from its line; a correct program that never
fails; what counts as a failure; progress; the shortest line; the facade's backend.

Every test here chooses the facade's backend, so each starts from a fresh facade.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("greenlet")

import anythread as threading
from anythread import DeadlockError, LockOrderError
from anythread.testing import ExploreFailure, ExploreResult, Progress, explore
from anythread_backends.cooperative._schedule import decode, encode


@pytest.fixture(autouse=True)
def _facade(fresh_facade: None, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANYTHREAD_SCHEDULE", "ANYTHREAD_CLOCK", "ANYTHREAD_DEBUG_MODE"):
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------------- known bugs


def lost_update() -> None:
    """Two threads read a counter under the lock and write it back under the lock
    again: an update is lost if the other thread writes in between."""
    lock = threading.Lock()
    counter = [0]

    def bump() -> None:
        with lock:
            value = counter[0]
        with lock:
            counter[0] = value + 1

    workers = [threading.Thread(target=bump) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert counter[0] == 2, f"lost update: counter is {counter[0]}"


def abba() -> None:
    """Two threads take two locks in opposite orders: a deadlock only if each takes
    its first lock before the other takes its second."""
    a = threading.Lock()
    b = threading.Lock()

    def one() -> None:
        with a, b:
            pass

    def two() -> None:
        with b, a:
            pass

    threads = [threading.Thread(target=one, name="one"), threading.Thread(target=two, name="two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def missed_notify() -> None:
    """A waiter waits without a predicate: a notify that comes first is lost, and the
    waiter waits forever."""
    cond = threading.Condition()

    def waiter() -> None:
        with cond:
            cond.wait()

    def notifier() -> None:
        with cond:
            cond.notify()

    threads = [threading.Thread(target=waiter, name="waiter"), threading.Thread(target=notifier)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def correct_counter() -> None:
    """The lost update, fixed: read and write under one acquire."""
    lock = threading.Lock()
    counter = [0]

    def bump() -> None:
        for _ in range(3):
            with lock:
                counter[0] += 1

    workers = [threading.Thread(target=bump) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert counter[0] == 9


BUGS: list[tuple[Callable[[], None], type[BaseException], str]] = [
    (lost_update, AssertionError, "lost update: counter is 1"),
    (abba, DeadlockError, "deadlock"),
    (missed_notify, DeadlockError, "deadlock"),
]
IDS = ["lost-update", "abba", "missed-notify"]


class TestKnownBugs:
    @pytest.mark.parametrize(("fn", "kind", "text"), BUGS, ids=IDS)
    def test_fifo_never_shows_it(
        self, fn: Callable[[], None], kind: type[BaseException], text: str
    ) -> None:
        result = explore(fn, replay="fifo")
        assert result == ExploreResult(runs=1, max_steps=0)

    @pytest.mark.parametrize("schedule", ["pct", "random"])
    @pytest.mark.parametrize(("fn", "kind", "text"), BUGS, ids=IDS)
    def test_search_finds_it_and_its_line_replays_it(
        self, fn: Callable[[], None], kind: type[BaseException], text: str, schedule: str
    ) -> None:
        with pytest.raises(ExploreFailure, match="failed under schedule") as found:
            explore(fn, runs=300, schedule=schedule, depth=2, shorten=3, progress=False)
        failure = found.value
        assert isinstance(failure.__cause__, kind)
        assert failure.failure is failure.__cause__
        assert text in str(failure.__cause__)
        assert failure.schedule.startswith("replay:")
        assert failure.schedule in str(failure)
        assert failure.first_schedule.startswith(f"{schedule}:{failure.run - 1}")
        # Replayed from its line, exactly: the same failure, every time.
        for _ in range(3):
            with pytest.raises(ExploreFailure, match="the replayed schedule") as again:
                explore(fn, replay=failure.schedule)
            assert type(again.value.__cause__) is kind
            assert (
                str(again.value.__cause__).splitlines()[0] == str(failure.__cause__).splitlines()[0]
            )
        # And from the seed line of the first failing run.
        with pytest.raises(ExploreFailure) as seeded:
            explore(fn, replay=failure.first_schedule)
        assert type(seeded.value.__cause__) is kind

    def test_every_failing_line_found_replays_its_failure(self) -> None:
        with pytest.raises(ExploreFailure) as found:
            explore(lost_update, runs=100, schedule="random", shorten=10, progress=False)
        assert len(found.value.failing) > 1
        for line in found.value.failing:
            with pytest.raises(ExploreFailure, match="lost update"):
                explore(lost_update, replay=line)


class TestCorrectProgram:
    @pytest.mark.parametrize("schedule", ["pct", "random"])
    def test_many_runs_never_fail(self, schedule: str) -> None:
        result = explore(correct_counter, runs=150, schedule=schedule, progress=False)
        assert result.runs == 150
        assert result.max_steps > 20  # every lock operation was a scheduling point
        assert result.inversions == ()

    def test_runs_see_different_interleavings(self) -> None:
        orders: set[tuple[str, ...]] = set()

        def record() -> None:
            lock = threading.Lock()
            order: list[str] = []

            def work(tag: str) -> None:
                for _ in range(2):
                    with lock:
                        order.append(tag)

            threads = [threading.Thread(target=work, args=(t,)) for t in "xyz"]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            orders.add(tuple(order))

        explore(record, runs=30, progress=False)
        assert len(orders) > 5


class TestWhatFails:
    def test_an_exception_in_a_thread_fails_the_run(self) -> None:
        def fn() -> None:
            def worker() -> None:
                raise ValueError("bad value in a worker")

            thread = threading.Thread(target=worker)
            thread.start()
            thread.join()

        with pytest.raises(ExploreFailure, match="ValueError: bad value in a worker") as found:
            explore(fn, runs=5, progress=False)
        assert found.value.run == 1
        assert isinstance(found.value.__cause__, ValueError)

    def test_threads_left_blocked_fail_the_run(self) -> None:
        def fn() -> None:
            never = threading.Event()
            threading.Thread(target=never.wait, name="forgotten", daemon=True).start()

        with pytest.raises(ExploreFailure, match="'forgotten'") as found:
            explore(fn, runs=5, progress=False)
        assert "had not ended 60 s later" in str(found.value.__cause__)

    def test_threads_still_running_fail_the_run(self) -> None:
        def fn() -> None:
            def spin() -> None:
                while True:
                    threading.sleep(1)

            threading.Thread(target=spin, name="spinner", daemon=True).start()

        with pytest.raises(ExploreFailure, match="had not ended 30 s later") as found:
            explore(fn, runs=5, timeout=30, progress=False)
        assert "'spinner'" in str(found.value)

    def test_runs_do_not_leak_into_each_other(self) -> None:
        seen: list[set[str]] = []
        started: list[str] = []

        def fn() -> None:
            seen.append({t.name for t in threading.enumerate()})
            name = f"worker-{len(seen)}"
            started.append(name)
            thread = threading.Thread(target=threading.sleep, args=(5,), name=name)
            thread.start()
            thread.join()

        explore(fn, runs=10, progress=False)
        assert len(seen) == 10
        for names in seen:
            assert not names & set(started)

    def test_virtual_clock_starts_at_zero_each_run(self) -> None:
        starts: list[float] = []

        def fn() -> None:
            starts.append(threading.monotonic())
            threading.sleep(3600)

        explore(fn, runs=3, progress=False)
        assert starts == [0.0, 0.0, 0.0]


class TestShortest:
    def test_reports_the_line_with_fewest_decisions(self) -> None:
        with pytest.raises(ExploreFailure, match="the shortest of") as found:
            explore(lost_update, runs=100, schedule="random", shorten=15, progress=False)
        failure = found.value
        sizes = [len(decode(line.removeprefix("replay:"))) for line in failure.failing]
        assert len(decode(failure.schedule.removeprefix("replay:"))) == min(sizes)
        assert failure.schedule in failure.failing
        # A prefix of the first failure's decisions: strictly shorter than what it recorded.
        assert min(sizes) < sizes[0]

    @pytest.mark.parametrize(("fn", "kind", "text"), BUGS, ids=IDS)
    def test_no_shorter_prefix_fails_alike(
        self, fn: Callable[[], None], kind: type[BaseException], text: str
    ) -> None:
        # The line reported is the shortest failing prefix of its run's decisions, not
        # merely one whose halving search found no shorter one (for the lost update,
        # "replay:abab" was reported while "replay:" fails alike).
        reports: list[Progress] = []
        with pytest.raises(ExploreFailure) as found:
            explore(fn, runs=300, schedule="pct", depth=2, progress=reports.append)
        line = found.value.schedule
        decisions = decode(line.removeprefix("replay:"))
        # Within the budget (shorten=20): further seeds, then prefixes from the shortest
        # up, then halving among the longer ones.
        longest = max(len(decode(seen.removeprefix("replay:"))) for seen in found.value.failing)
        shortening = [p for p in reports if p.phase == "shorten"]
        assert len(shortening) <= 20 + 20 + longest.bit_length()
        failing_alike = []
        for count in range(len(decisions)):
            shorter = "replay:" + encode(decisions[:count])
            try:
                explore(fn, replay=shorter)
            except ExploreFailure as failure:
                if type(failure.__cause__) is kind:
                    failing_alike.append(shorter)
        assert failing_alike == [], f"shorter than {line}, these fail alike"


class TestProgress:
    def test_callback_after_every_run(self) -> None:
        reports: list[Progress] = []
        explore(correct_counter, runs=7, progress=reports.append)
        assert [p.run for p in reports] == list(range(1, 8))
        assert {p.runs for p in reports} == {7}
        assert {p.phase for p in reports} == {"search"}
        assert not any(p.failed for p in reports)
        assert reports[2].schedule.startswith("pct:2:3")
        assert all(b.elapsed >= a.elapsed for a, b in itertools.pairwise(reports))

    def test_callback_sees_failure_and_shortening(self) -> None:
        reports: list[Progress] = []
        with pytest.raises(ExploreFailure):
            explore(lost_update, runs=100, schedule="random", shorten=2, progress=reports.append)
        first = next(p for p in reports if p.failed)
        assert first.phase == "search"
        assert [p.phase for p in reports[reports.index(first) + 1 :]][:2] == ["shorten"] * 2

    def test_long_search_prints_to_stderr(self, capsys: pytest.CaptureFixture[str]) -> None:
        import time

        def slow() -> None:
            time.sleep(0.1)  # wall time, to make the search long; not synchronisation

        explore(slow, runs=25)
        err = capsys.readouterr().err
        assert "anythread explore: run " in err
        assert "/25 (pct:" in err

    def test_short_search_is_silent(self, capsys: pytest.CaptureFixture[str]) -> None:
        explore(correct_counter, runs=3)
        assert capsys.readouterr().err == ""


class TestFacade:
    def test_chooses_cooperative_virtual_when_nothing_is_chosen(self) -> None:
        explore(correct_counter, runs=1, progress=False)
        assert threading.current_backend().name == "cooperative:virtual"

    def test_real_clock_when_asked_first(self) -> None:
        explore(correct_counter, runs=1, clock="real", progress=False)
        assert threading.current_backend().name == "cooperative"

    def test_refuses_another_backend(self) -> None:
        threading.use("stdlib")
        threading.Lock()
        with pytest.raises(RuntimeError, match="anythread serves backend 'stdlib'"):
            explore(correct_counter, runs=1)

    def test_refuses_the_other_clock(self) -> None:
        explore(correct_counter, runs=1, progress=False)
        with pytest.raises(RuntimeError, match=r"explore\(clock='real'\).*virtual clock"):
            explore(correct_counter, runs=1, clock="real")

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"schedule": "fifo"}, "invalid schedule 'fifo'"),
            ({"runs": 0}, "runs and depth must be at least 1"),
            ({"clock": "wall"}, "invalid clock 'wall'"),
            ({"depth": 0}, "runs and depth must be at least 1"),
            ({"shorten": -1}, r"explore\(\): shorten must be at least 0 .*, got -1"),
            ({"prove": -1}, r"explore\(\): prove must be at least 0 .*, got -1"),
            ({"timeout": -1}, r"explore\(\): timeout must be between 0 and \S+ seconds, got -1"),
            ({"timeout": float("nan")}, "timeout must be between 0 and .*, got nan"),
            ({"timeout": 1e300}, "timeout must be between 0 and .*, got 1e[+]300"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, object], match: str) -> None:
        calls: list[int] = []
        with pytest.raises(ValueError, match=match):
            explore(lambda: calls.append(1), **kwargs)  # type: ignore[arg-type]
        assert calls == []  # checked up front: no run blames the body

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"depth": 1.5}, r"explore\(\): depth must be an int, got float 1\.5"),
            ({"depth": True}, r"depth must be an int, got bool True"),
            ({"runs": True}, r"runs must be an int, got bool True"),
            ({"runs": "3"}, r"runs must be an int, got str '3'"),
            ({"seed": "x"}, r"seed must be an int, got str 'x'"),
            ({"shorten": 2.0}, r"shorten must be an int, got float 2\.0"),
            ({"prove": None}, r"prove must be an int, got NoneType None"),
            ({"replay": 123}, r"replay must be a schedule line \(a str\) or None, got int 123"),
            ({"timeout": "1"}, r"timeout must be a number of seconds, got str '1'"),
            ({"timeout": True}, r"timeout must be a number of seconds, got bool True"),
            ({"schedule": 1}, r"schedule must be 'pct' or 'random', got int 1"),
            ({"clock": 1}, r"clock must be 'virtual', 'real' or None, got int 1"),
            ({"progress": 5}, r"progress must be a callable, True, False or None, got int 5"),
        ],
    )
    def test_wrong_types(self, kwargs: dict[str, object], match: str) -> None:
        calls: list[int] = []
        with pytest.raises(TypeError, match=match):
            explore(lambda: calls.append(1), **kwargs)  # type: ignore[arg-type]
        assert calls == []

    @pytest.mark.parametrize("line", ["garbage", "pct:x", "pct:1:0", "replay:!!"])
    def test_malformed_replay_names_the_argument(self, line: str) -> None:
        with pytest.raises(ValueError, match="is not a schedule line") as found:
            explore(correct_counter, replay=line)
        message = str(found.value)
        assert message.startswith(f"explore(): replay={line!r} is not a schedule line")
        assert "'replay:DECISIONS'" in message
        assert "ANYTHREAD_SCHEDULE" not in message  # the user did not set it

    def test_empty_replay_is_not_given(self) -> None:
        # As with pytest --anythread-replay '': the search runs.
        with pytest.raises(ExploreFailure, match="of 200 failed under schedule pct:"):
            explore(lost_update, runs=200, schedule="pct", depth=2, replay="", progress=False)
        assert explore(correct_counter, runs=5, replay="", progress=False).runs == 5


# ---------------------------------------------------------------------- inversions


def sequential_inversion() -> None:
    """Opposite orders, but never at the same time: an inversion that cannot deadlock."""
    a = threading.Lock()
    b = threading.Lock()

    def one() -> None:
        with a, b:
            pass

    def two() -> None:
        with b, a:
            pass

    first = threading.Thread(target=one, name="one")
    first.start()
    first.join()
    second = threading.Thread(target=two, name="two")
    second.start()
    second.join()


@pytest.fixture
def debug() -> Iterator[Callable[[str], Any]]:
    """Put the facade on debug:cooperative in a given mode; the mode is restored after
    (the backend is loaded once per process, so ANYTHREAD_DEBUG_MODE cannot set it)."""
    restore: list[tuple[Any, str]] = []

    def use(mode: str) -> Any:
        threading.use("debug:cooperative")
        tracker = threading.get_backend().tracker  # type: ignore[attr-defined]
        restore.append((tracker, tracker.mode))
        tracker.mode = mode
        return tracker

    yield use
    for tracker, mode in restore:
        tracker.mode = mode


class TestProveAnInversion:
    @pytest.mark.parametrize("mode", ["raise", "warn", "log"])
    def test_inversion_becomes_a_replayable_deadlock(
        self, mode: str, debug: Callable[[str], Any]
    ) -> None:
        tracker = debug(mode)
        with pytest.raises(ExploreFailure, match="reported a lock-order inversion") as found:
            # A single plain run never deadlocks here; the steered proof does.
            explore(abba, runs=1, progress=False)
        failure = found.value
        assert failure.proven
        assert isinstance(failure.inversion, LockOrderError)
        assert isinstance(failure.__cause__, DeadlockError)
        assert set(failure.inversion.threads) == {"one", "two"}
        with pytest.raises(ExploreFailure, match="DeadlockError") as again:
            explore(abba, replay=failure.schedule)
        assert again.value.proven
        assert tracker.mode == mode

    def test_no_deadlock_in_the_budget_raise_mode(self, debug: Callable[[str], Any]) -> None:
        debug("raise")
        with pytest.raises(ExploreFailure, match="no deadlocking schedule was found in 7") as f:
            explore(sequential_inversion, runs=3, prove=7, progress=False)
        assert not f.value.proven
        assert isinstance(f.value.__cause__, LockOrderError)
        assert f.value.inversion is f.value.__cause__

    def test_no_deadlock_in_the_budget_warn_mode(self, debug: Callable[[str], Any]) -> None:
        debug("warn")
        from anythread_backends.debug import LockOrderWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = explore(sequential_inversion, runs=3, prove=5, progress=False)
        assert result.runs == 3
        assert len(result.inversions) == 1
        assert [w.category for w in caught] == [LockOrderWarning]

    def test_no_deadlock_in_the_budget_log_mode(
        self, caplog: pytest.LogCaptureFixture, debug: Callable[[str], Any]
    ) -> None:
        debug("log")
        with caplog.at_level(logging.WARNING, logger="anythread.debug"):
            result = explore(sequential_inversion, runs=2, prove=3, progress=False)
        assert len(result.inversions) == 1
        assert "lock-order inversion" in caplog.text

    def test_the_search_run_itself_did_not_deadlock(self, debug: Callable[[str], Any]) -> None:
        # Without a proof the same search only reports the inversion: the deadlock
        # above is the steering's doing.
        debug("raise")
        with pytest.raises(ExploreFailure, match="found in 0 steered runs") as found:
            explore(abba, runs=1, prove=0, progress=False)
        assert isinstance(found.value.__cause__, LockOrderError)
        assert not found.value.proven

    def test_other_bugs_are_found_on_debug_too(self, debug: Callable[[str], Any]) -> None:
        debug("raise")
        with pytest.raises(ExploreFailure, match="lost update") as found:
            explore(lost_update, runs=100, schedule="random", progress=False)
        with pytest.raises(ExploreFailure, match="lost update"):
            explore(lost_update, replay=found.value.schedule)


def test_a_deadlock_report_names_the_bodys_thread_by_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The body runs in an OS thread of the search's: its report names it as the
    # backend does (its dummy thread's name), not by an identifier that changes from
    # process to process.
    monkeypatch.setenv("ANYTHREAD_BACKEND", "cooperative")
    names: list[str] = []

    def body() -> None:
        names.append(threading.current_thread().name)
        threading.Event().wait()

    with pytest.raises(ExploreFailure) as found:
        explore(body, runs=1, progress=False)
    report = str(found.value.__cause__)
    assert isinstance(found.value.__cause__, DeadlockError)
    assert f"thread {names[0]!r} (started at the start of its OS thread)" in report, report
    assert "OS thread 1" not in report
