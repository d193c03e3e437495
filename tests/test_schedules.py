"""Schedules you can replay: recorded decision strings, the same seed giving the same
output (on every Python: the digests below are checked by ``.ci/other-pythons`` on
3.10, 3.12 and 3.13), different seeds giving different interleavings, the hang report's
lines, PCT against its bound, and the per-run scope of the cooperative backend.

Run ``python tests/test_schedules.py`` to print the digests of this Python.
"""

from __future__ import annotations

import hashlib
import importlib.util
import random
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("greenlet")

from anythread_backends.cooperative import make_backend
from anythread_backends.cooperative._schedule import SHORT_LINE, decode, encode, parse_schedule

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from helpers import run_python  # noqa: E402


def program(schedule: str) -> tuple[list[str], str]:
    """A program with locks, a condition, events, a semaphore and sleeps on the
    virtual clock; return its output and the line its run recorded."""
    b = make_backend(schedule=schedule, clock="virtual")
    lock = b.Lock()
    cond = b.Condition()
    done = b.Event()
    pool = b.BoundedSemaphore(2)
    out: list[str] = []
    items: list[int] = []

    def producer() -> None:
        for i in range(4):
            with cond:
                items.append(i)
                cond.notify()
            b.sleep(0.25)
        done.set()

    def consumer(tag: str) -> None:
        while not (done.is_set() and not items):
            with cond:
                if not cond.wait_for(lambda: items or done.is_set(), timeout=1):
                    continue
                if items:
                    item = items.pop(0)
                    with lock:
                        out.append(f"{tag}:{item}@{b.monotonic():g}")

    def worker(tag: str) -> None:
        for i in range(2):
            with pool:
                with lock:
                    out.append(f"{tag}{i}")
                b.sleep(0)

    relay = [b.Event() for _ in range(3)]
    finished = b.Event()

    def runner(k: int) -> None:
        # A ring: each waits for its event (with a timeout or not), then sets the next.
        for _ in range(2):
            got = relay[k].wait(None if k % 2 else 5)
            relay[k].clear()
            with lock:
                out.append(f"r{k}:{got}@{b.monotonic():g}")
            relay[(k + 1) % 3].set()
        if k == 2:
            finished.set()

    def late() -> None:
        got = b.Event().wait(0.5)  # times out
        with lock:
            out.append(f"late:{got}@{b.monotonic():g}")

    threads = [b.Thread(target=producer)]
    threads += [b.Thread(target=consumer, args=(t,)) for t in "CD"]
    threads += [b.Thread(target=worker, args=(t,)) for t in "xyz"]
    threads += [b.Thread(target=runner, args=(k,)) for k in range(3)]
    threads += [b.Thread(target=late)]
    for t in threads:
        t.start()
    relay[0].set()
    got = finished.wait()  # the main thread (its OS thread's own greenlet) waits too
    out.append(f"main:{got}@{b.monotonic():g}")
    for t in threads:
        t.join(timeout=100)
    return out, b.schedule_line()  # type: ignore[attr-defined]


def digest(schedule: str) -> str:
    out, line = program(schedule)
    return hashlib.sha256("\n".join([*out, line]).encode()).hexdigest()[:16]


#: The digests of ``program`` under these schedules, the same on every Python.
DIGESTS = {
    "random:7": "3112cb1cb952a945",
    "pct:7:3": "bf86d1ade97d9426",
    "pct:7:2:60": "588c90cbe02eab6b",
}


class TestDecisionStrings:
    @pytest.mark.parametrize(
        ("decisions", "text"),
        [
            ([], ""),
            ([0, 0, 0], ""),
            ([1], "b"),
            ([0, 1, 1, 1, 0, 2], "ab3ac"),
            ([25, 26, 51], "zAZ"),
            ([52, 52, 60, 0, 0], "[52]2[60]"),
            ([0] * 12 + [1], "a12b"),
        ],
    )
    def test_encoding(self, decisions: list[int], text: str) -> None:
        assert encode(decisions) == text
        trimmed = list(decisions)
        while trimmed and trimmed[-1] == 0:
            trimmed.pop()
        assert decode(text) == trimmed

    def test_round_trip(self) -> None:
        rng = random.Random(5)
        for _ in range(200):
            decisions = [rng.choice([0, 0, 1, 2, 3, 30, 70]) for _ in range(rng.randrange(40))]
            decisions.append(1)
            assert decode(encode(decisions)) == decisions

    @pytest.mark.parametrize("text", ["replay:a-b", "replay:[x]", "replay:[3", "replay: a"])
    def test_bad_lines(self, text: str) -> None:
        with pytest.raises(ValueError, match="invalid ANYTHREAD_SCHEDULE"):
            parse_schedule(text)

    @pytest.mark.parametrize("text", ["pct:1:2:0", "pct:1:0", "pct:x:2:5", "pct:1:2:3:4"])
    def test_bad_pct_lines(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"'pct:SEED:DEPTH:STEPS'"):
            parse_schedule(text)

    def test_fifo_records_nothing(self) -> None:
        _out, line = program("fifo")
        assert line == "fifo"
        assert parse_schedule("fifo").recorded_line == "fifo"


class TestReplay:
    @pytest.mark.parametrize("schedule", ["random:3", "random:11", "pct:3:3", "pct:4:2:80"])
    def test_recorded_line_replays_exactly(self, schedule: str) -> None:
        out, line = program(schedule)
        assert line.startswith("replay:")
        again, line_again = program(line)
        assert again == out
        assert line_again == line

    def test_a_replay_that_does_not_fit_says_so(self) -> None:
        schedule = parse_schedule("replay:Z")
        b = make_backend(schedule="replay:Z")
        t = b.Thread(target=lambda: None)
        t.start()
        t.join()
        assert b.current_schedule().diverged  # type: ignore[attr-defined]
        assert not schedule.diverged

    def test_schedule_line_is_readable_in_code(self) -> None:
        b = make_backend(schedule="random:1")
        assert b.schedule_line() == "replay:"  # type: ignore[attr-defined]
        t = b.Thread(target=lambda: None)
        t.start()
        t.join()
        line = b.schedule_line()  # type: ignore[attr-defined]
        assert line.startswith("replay:")
        assert line != "replay:"
        assert b.current_schedule().line == "random:1"  # type: ignore[attr-defined]

    def test_long_recording_falls_back_to_the_seed_line(self) -> None:
        schedule = parse_schedule("random:1")
        schedule.decisions.extend([1, 2] * SHORT_LINE)
        assert schedule.replay_line == "random:1"


class TestSameSeedSameOutput:
    @pytest.mark.parametrize("schedule", ["random:7", "pct:7:3", "pct:7:2:60"])
    def test_twice_in_one_process(self, schedule: str) -> None:
        assert program(schedule) == program(schedule)

    @pytest.mark.parametrize("schedule", sorted(DIGESTS))
    def test_same_digest_on_every_python(self, schedule: str) -> None:
        # Committed once; .ci/other-pythons runs this on 3.10, 3.12 and 3.13.
        assert digest(schedule) == DIGESTS[schedule], sys.version

    def test_in_a_fresh_process(self) -> None:
        script = ROOT / "tests" / "test_schedules.py"
        result = run_python(f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')")
        assert result.returncode == 0, result.stderr
        for name, value in DIGESTS.items():
            assert f"{name} {value}" in result.stdout

    def test_different_seeds_differ(self) -> None:
        outputs = {tuple(program(f"random:{seed}")[0]) for seed in range(10)}
        assert len(outputs) >= 5
        outputs = {tuple(program(f"pct:{seed}:3")[0]) for seed in range(10)}
        assert len(outputs) >= 3


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bench_schedules", ROOT / "benchmarks" / "bench_schedules.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestPCTBound:
    """The lost update of ``benchmarks/bench_schedules.py``: PCT with depth 2 finds it
    at no less than 1/(n*k) per run (seeded: the same rate every time)."""

    def test_fifo_never_shows_it(self) -> None:
        assert _bench().lost_update("fifo")[0] is False

    def test_pct_rate_is_at_least_the_bound(self) -> None:
        bench = _bench()
        row = bench.measure(100)
        assert row["n"] == 3
        assert 20 <= row["k"] <= 200
        # Seeded, so deterministic; the margin is for a change of k between Pythons.
        assert row["pct_rate"] >= 2 * row["bound"], row
        assert row["random_rate"] > 0, row

    def test_script_prints_the_table(self) -> None:
        result = run_python(
            "import runpy, sys; sys.argv = ['bench', '--runs', '50']; "
            f"runpy.run_path({str(ROOT / 'benchmarks' / 'bench_schedules.py')!r}, "
            "run_name='__main__')",
            timeout=120,
        )
        assert "PCT bound 1/(n*k^(d-1))" in result.stdout, result.stderr
        assert "pct:SEED:2:k" in result.stdout
        assert "random:SEED" in result.stdout


class TestHangReport:
    def test_prints_the_recorded_line_beside_the_seed_line(self) -> None:
        code = textwrap.dedent(
            """
            import anythread as t
            a, b = t.Lock(), t.Lock()
            def one():
                with a:
                    t.sleep(0.1)
                    with b: pass
            def two():
                with b:
                    t.sleep(0.1)
                    with a: pass
            x = t.Thread(target=one); y = t.Thread(target=two)
            x.start(); y.start(); x.join()
            """
        )
        env = {"ANYTHREAD_BACKEND": "cooperative", "ANYTHREAD_CLOCK": "virtual"}
        result = run_python(code, env={**env, "ANYTHREAD_SCHEDULE": "random:4"})
        assert "replay: ANYTHREAD_SCHEDULE=random:4 ANYTHREAD_CLOCK=virtual" in result.stderr
        lines = [x for x in result.stderr.splitlines() if x.startswith("replay exactly:")]
        assert lines, result.stderr  # in the traceback, and again by the exit rule
        assert len(set(lines)) == 1
        recorded = lines[0].split("ANYTHREAD_SCHEDULE=")[1].split()[0]
        assert recorded.startswith("replay:")
        # The recorded line replays the same hang.
        again = run_python(code, env={**env, "ANYTHREAD_SCHEDULE": recorded})
        report = [x for x in result.stderr.splitlines() if "is blocked at" in x]
        assert report
        assert [x for x in again.stderr.splitlines() if "is blocked at" in x] == report
        assert f"replay: ANYTHREAD_SCHEDULE={recorded} ANYTHREAD_CLOCK=virtual" in again.stderr


class TestScope:
    def test_scope_needs_a_fresh_os_thread(self) -> None:
        b: Any = make_backend(schedule="random:1")
        b.sleep(0)  # this OS thread now has a hub
        scope = b.schedule_scope("random:2")
        with pytest.raises(RuntimeError, match="run the scope in a new OS thread"):
            scope.__enter__()

    def test_steering_needs_a_choosing_schedule(self) -> None:
        b: Any = make_backend()
        with pytest.raises(ValueError, match="park_at needs a 'random:SEED'"):
            b.schedule_scope("fifo", park_at=("x.py:1",))

    def test_a_thread_may_run_before_its_start_returns_in_a_scope(self) -> None:
        # Under a random schedule, starting a thread is a scheduling point: the new
        # thread may run before start() returns, even in a scope of a FIFO backend, whose
        # own bookkeeping never expects a switch.  Nothing hangs, and nothing is lost.
        b: Any = make_backend()  # the kernel's schedule is fifo
        early: list[int] = []
        done: list[int] = []

        def body(seed: int) -> None:
            with b.schedule_scope(f"random:{seed}"):
                ran: list[int] = []
                ts = [b.Thread(target=ran.append, args=(i,)) for i in range(4)]
                for i, t in enumerate(ts):
                    t.start()
                    assert t.is_alive() or i in ran  # alive, or already over
                    if i in ran:
                        early.append(seed)
                for t in ts:
                    t.join()
                assert sorted(ran) == [0, 1, 2, 3]
                done.append(seed)

        for seed in range(12):
            thread = threading.Thread(target=body, args=(seed,), daemon=True)
            thread.start()
            thread.join(timeout=30)
            assert not thread.is_alive(), f"random:{seed} hangs"
        assert done == list(range(12))
        assert early  # some seed ran a thread before its start() returned

    def test_scope_runs_its_own_schedule_and_isolated_hub(self) -> None:
        b: Any = make_backend()  # the kernel's schedule is fifo
        got: list[Any] = []

        def body(seed: int) -> None:
            with b.schedule_scope(f"random:{seed}") as schedule:
                lock = b.Lock()
                order: list[str] = []

                def work(tag: str) -> None:
                    for _ in range(3):
                        with lock:
                            order.append(tag)

                ts = [b.Thread(target=work, args=(t,)) for t in "ab"]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
                try:
                    b.Event().wait()  # nothing can set it: isolated, so at once
                except Exception as error:
                    got.append(error)
                got.append((schedule.line, schedule.steps, "".join(order)))

        for seed in range(6):
            thread = threading.Thread(target=body, args=(seed,))
            thread.start()
            thread.join(timeout=60)
        errors, results = got[0::2], got[1::2]
        assert [type(e).__name__ for e in errors] == ["DeadlockError"] * 6
        assert "ANYTHREAD_SCHEDULE=random:5" in str(errors[5])
        assert [line for line, _, _ in results] == [f"random:{s}" for s in range(6)]
        assert all(steps > 10 for _, steps, _ in results)
        # Preempted between lock operations in some runs (FIFO never is).
        assert {order for _, _, order in results} - {"aaabbb", "bbbaaa"}
        fifo = make_backend()
        assert fifo.current_schedule().line == "fifo"  # type: ignore[attr-defined]


if __name__ == "__main__":
    for name in sorted(DIGESTS):
        print(name, digest(name))
