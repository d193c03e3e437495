"""Every runnable example in ``examples/`` runs, under each backend it is for, and says
what it should.

A runnable example is a ``.py`` file with a ``__main__`` block; each one has rows in
:data:`RUNS` (a completeness test fails for one that has none).  Each row runs the example
as a subprocess (bounded) with the environment it names, and checks its exit status and
the lines its output must contain.  Rows for a backend that is not installed are skipped,
saying so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import ROOT

import anythread

EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))

import lost_update  # noqa: E402


@dataclass(frozen=True)
class Run:
    """One run of an example: its path under ``examples/``, its environment, what its
    output must contain and the exit status it must end with."""

    example: str
    env: dict[str, str] = field(default_factory=dict)
    says: tuple[str, ...] = ()
    status: int = 0

    @property
    def id(self) -> str:
        settings = ",".join(f"{k}={v}" for k, v in self.env.items())
        return f"{self.example}[{settings}]" if settings else self.example

    def backend(self) -> str:
        """The backend this run needs (cooperative for green_pool without a setting)."""
        return self.env.get("ANYTHREAD_BACKEND", "cooperative")


DEMO_SAYS = ("200/200 jobs by 8 workers", "all workers finished: True; threads still alive: 0")
POOL_SAYS = ("10000 fetches, at most 100 at once (pool 100)",)

RUNS = [
    *(
        Run("demo.py", {"ANYTHREAD_BACKEND": name}, (f"backend {name!r}", *DEMO_SAYS))
        for name in ("stdlib", "pure", "cooperative", "cooperative:virtual", "debug", "debug:pure")
    ),
    Run("green_pool.py", {}, ("backend cooperative:", *POOL_SAYS)),  # it selects cooperative
    Run(
        "green_pool.py",
        {"ANYTHREAD_BACKEND": "cooperative:virtual"},
        ("backend cooperative:virtual:", *POOL_SAYS, "backend clock: 1.00 s"),
    ),
    Run(
        "latent_inversion.py",
        {"ANYTHREAD_BACKEND": "debug"},
        ("debug: found the latent deadlock", "acquire(accounts)  <- blocks"),
    ),
    Run(
        "latent_inversion.py",
        {"ANYTHREAD_BACKEND": "stdlib"},
        ("audit: 1 ledger lines, total 100", "stdlib: finished"),
    ),
    Run("lost_update.py", {"ANYTHREAD_BACKEND": "stdlib"}, ("stdlib: ", "balance 220: correct")),
    Run(
        "lost_update.py",
        {"ANYTHREAD_BACKEND": "cooperative", "ANYTHREAD_SCHEDULE": "fifo"},
        ("cooperative: ", "balance 220: correct"),
    ),
    Run(
        "hang_report.py",  # the output in full: tests/test_cooperative_hang_report.py
        {"ANYTHREAD_BACKEND": "cooperative"},
        ("deadlock: every green thread is blocked", "replay: ANYTHREAD_SCHEDULE=fifo"),
    ),
    Run(
        "custom_kernel/demo.py",
        {"ANYTHREAD_BACKEND": "stdlib"},  # it builds its own backend; the facade is unused
        ("<anythread backend 'counting'>", "consumed 20 items in 4 threads", "kernel calls: {"),
    ),
]


def available() -> set[str]:
    return {info.name for info in anythread.list_backends() if info.available}


def run_example(
    example: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``examples/<example>`` from its own directory, with only ``env``'s anythread
    settings."""
    path = EXAMPLES / example
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    return subprocess.run(
        [sys.executable, path.name],
        cwd=path.parent,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def needs(backend: str) -> None:
    base = backend.split(":")[0]
    if base not in available():
        pytest.skip(f"backend {base!r} is not installed here")


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.id)
def test_example_runs_and_says_what_it_should(run: Run) -> None:
    needs(run.backend())
    result = run_example(run.example, run.env)
    assert result.returncode == run.status, result.stdout + result.stderr
    for line in run.says:
        assert line in result.stdout, f"{line!r} not in the output:\n{result.stdout}"


def test_every_runnable_example_has_a_run() -> None:
    runnable = {
        path.relative_to(EXAMPLES).as_posix()
        for path in EXAMPLES.rglob("*.py")
        if "__main__" in path.read_text(encoding="utf-8")
    }
    covered = {run.example for run in RUNS} | {"tour.py"}  # the tour has its own test
    assert runnable - covered == set(), "examples without a run in RUNS"
    assert covered - runnable == set(), "RUNS names examples that do not exist"


class TestLostUpdate:
    """The schedule search finds the example's lost update and its line replays it."""

    def test_a_seeded_schedule_loses_an_update_and_replays_it_identically(self) -> None:
        needs("cooperative")
        from anythread_backends.cooperative import make_backend

        found = None
        for seed in range(50):
            line = f"random:{seed}"
            balance, trace = lost_update.run(make_backend(schedule=line))
            if balance != lost_update.expected():
                found = line, trace
                break
        assert found is not None, "no seed among 50 showed the lost update"
        line, trace = found
        env = {"ANYTHREAD_BACKEND": "cooperative", "ANYTHREAD_SCHEDULE": line}
        first, second = run_example("lost_update.py", env), run_example("lost_update.py", env)
        assert first.returncode == second.returncode == 1, first.stderr
        assert first.stdout == second.stdout
        assert f"cooperative: {'; '.join(trace)}" in first.stdout
        assert re.search(r"lost update: balance \d+, expected 220", first.stdout)

    def test_fifo_never_shows_it(self) -> None:
        needs("cooperative")
        from anythread_backends.cooperative import make_backend

        for _ in range(10):
            assert lost_update.run(make_backend(schedule="fifo"))[0] == lost_update.expected()


@pytest.mark.slow
class TestTour:
    def test_the_tour_shows_every_step(self) -> None:
        needs("cooperative")
        result = run_example("tour.py", {}, timeout=180)
        out = result.stdout
        assert result.returncode == 0, out + result.stderr
        assert "every step as expected" in out
        # 1. the backends table
        for name in ("stdlib", "pure", "cooperative", "debug"):
            assert re.search(rf"^{name} +available", out, re.M), name
        # 2. one program, the same result on three backends, with a time for each
        rows = re.findall(r"^(stdlib|pure|cooperative) +(\d+) +(\d+)ms +([\d.]+)x", out, re.M)
        assert [row[0] for row in rows] == ["stdlib", "pure", "cooperative"]
        expected = sum(n * n for n in range(5000))
        assert {int(row[1]) for row in rows} == {expected}
        # 3. ten thousand green threads, on the real and the virtual clock
        assert out.count("10000 fetches, at most 100 at once") == 2
        # 4. the debug report
        assert "*** DEADLOCK ***" in out
        # 5. the search: a failing line, replayed twice in-process and from the shell
        line = re.search(r"failing schedule: (\S+)", out)
        assert line is not None, out
        assert f"python examples/lost_update.py --replay {line[1]}" in out
        assert "fails again, the same interleaving" in out
        assert "fails again, identically" in out


@pytest.mark.slow
def test_make_tour_installs_only_anythread_and_greenlet(tmp_path: Path) -> None:
    """The README's first command, as a newcomer runs it (in a venv of its own here)."""
    venv = tmp_path / "venv-tour"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    result = subprocess.run(
        ["make", "--no-print-directory", "tour", f"TOUR_VENV={venv}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every step as expected" in result.stdout
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    installed = {line.split("==")[0].lower() for line in listed.stdout.split()}
    assert {"anythread", "greenlet"} <= installed
    assert installed.isdisjoint({"pytest", "sphinx", "mypy", "ruff", "gevent"}), installed


def test_tour_search_reports_failure_when_no_schedule_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A correct program: the search says so and the step fails, it does not pretend."""
    needs("cooperative")
    import tour

    monkeypatch.setattr(tour.lost_update, "run", lambda threading: (220, ["correct"]))
    assert tour.search_race(runs=5) is False
    assert "no failing schedule in 5 runs" in capsys.readouterr().out
