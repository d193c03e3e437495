"""The benchmark scripts run and report every target (a smoke test, not a gate).

Timing ratios on a shared machine are too noisy to fail a test run on; a script's own
exit status is the gate when it is run on purpose (``python benchmarks/bench_pure.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize(
    ("script", "targets"),
    [
        ("bench_pure.py", [1.0, 0.25, 0.6, 0.6, 1.3]),
        ("bench_debug.py", [6.0, 6.0, 8.0, None, 1.5]),
    ],
)
def test_quick_run_reports_every_row(tmp_path: Path, script: str, targets: list[object]) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert [row["target"] for row in rows] == targets
    for row in rows:
        assert row["ratio"] > 0
        assert ("PASS" if row["pass"] else "FAIL") in result.stdout


def test_side_by_side_times_neither_side_with_its_first_run() -> None:
    # The first run of a statement pays for memory it touches first (page faults, many
    # times a warm run on a virtual machine): measure() runs each side once untimed.
    # Here a statement's first run costs 100 ticks of the row's clock, later ones 1.
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from _sidebyside import Row, measure
    finally:
        sys.path.remove(str(BENCHMARKS))
    clock = [0.0]
    runs = {"subject": 0, "peer": 0}

    def statement(side: str) -> None:
        runs[side] += 1
        clock[0] += 100.0 if runs[side] == 1 else 1.0

    row = Row(
        "first runs",
        lambda: statement("subject"),
        lambda: statement("peer"),
        timer=lambda: clock[0],
    )
    m = measure(row, rounds=1, repeat=1)
    assert runs == {"subject": 2, "peer": 2}
    assert m.ratio == 1.0
    assert (m.best_subject, m.best_peer) == (1.0, 1.0)
