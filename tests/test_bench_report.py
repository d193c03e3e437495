"""benchmarks/report.py: the benchmarks page's figures come from the rows, whatever rows."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import report

GENERATED = ROOT / "docs" / "_generated"
SVG = "{http://www.w3.org/2000/svg}"
X = report.TIMES


def _row(operation: str, ratio: float, target: float | None, subject: str, peer: str) -> Any:
    return {
        "operation": operation,
        f"{subject}_ns_per_op": 1500.0 * ratio,
        f"{peer}_ns_per_op": 1500.0,
        "ratio": ratio,
        "target": target,
        "pass": target is None or ratio <= target,
    }


def fake_report() -> dict[str, Any]:
    return {
        "date": "2026-01-01 00:00 UTC",
        "python": "CPython 3.11.7",
        "machine": "Linux x86_64, 2 CPUs (test)",
        "quick": True,
        "benchmarks": [
            {
                "script": "bench_new.py",
                "title": "A script nobody told report.py about",
                "exit_status": 1,
                "subject": "mine",
                "peer": "theirs",
                "rows": [
                    _row("fast <op> & co", 0.2, 0.5, "mine", "theirs"),
                    _row("slow op", 7.5, 2.0, "mine", "theirs"),
                    _row("unjudged op " + "x" * 80, 1.3, None, "mine", "theirs"),
                ],
            },
            {
                "script": "bench_gone.py",
                "title": "A script that could not run",
                "exit_status": 1,
                "error": ["bench_gone.py needs gevent: pip install 'anythread[bench]'"],
                "rows": [],
            },
        ],
    }


class TestChart:
    def test_every_row_is_a_bar_on_the_right_side_of_one(self) -> None:
        svg = ET.fromstring(report.chart(fake_report()))  # well-formed, escaped
        bars = svg.findall(f".//{SVG}rect[@class]")
        assert [bar.get("class") for bar in bars] == ["faster", "slower", "slower"]
        one = report._x(1.0)
        fast, slow = bars[0], bars[1]
        assert float(fast.get("x", 0)) + float(fast.get("width", 0)) == pytest.approx(one, abs=0.2)
        assert float(slow.get("x", 0)) == pytest.approx(one, abs=0.2)
        assert float(slow.get("width", 0)) > float(fast.get("width", 0))  # 7.5x vs 1/0.2

    def test_targets_marked_and_the_run_said(self) -> None:
        text = report.chart(fake_report())
        svg = ET.fromstring(text)
        assert len(svg.findall(f".//{SVG}line[@class='target']")) == 2
        assert f"fast &lt;op&gt; &amp; co: 0.20{X}" in text
        assert "2026-01-01 00:00 UTC, CPython 3.11.7, Linux x86_64" in text
        assert "A script that could not run" not in text  # no rows, no panel


class TestTables:
    def test_every_row_and_the_run_are_in_the_tables(self) -> None:
        text = report.tables(fake_report())
        assert text.startswith("Measured on 2026-01-01 00:00 UTC with CPython 3.11.7")
        assert "quick runs" in text
        for operation, ratio, verdict in (
            ("fast <op> & co", f"0.20{X}", f"≤ 0.50{X} (met)"),
            ("slow op", f"7.50{X}", f"≤ 2.00{X} (missed)"),
        ):
            assert f"* - {operation}\n" in text
            assert f"- {ratio}\n     - {verdict}" in text
        assert "ratio mine / theirs" in text
        assert "Not measured in this run: bench_gone.py needs gevent" in text


class TestCommittedFigures:
    def test_the_page_includes_what_report_py_writes(self) -> None:
        page = (ROOT / "docs" / "benchmarks.rst").read_text(encoding="utf-8")
        assert ".. image:: _generated/benchmarks.svg" in page
        assert ".. include:: _generated/benchmarks_tables.inc" in page

    def test_committed_chart_and_tables_come_from_the_committed_rows(self, tmp_path: Path) -> None:
        data = json.loads((GENERATED / "benchmarks.json").read_text(encoding="utf-8"))
        assert data["quick"] is False, "the committed figures must be from a full run"
        assert {b["script"] for b in data["benchmarks"]} == {
            p.name for p in (ROOT / "benchmarks").glob("bench_*.py")
        }
        assert report.main(
            ["--from-json", str(GENERATED / "benchmarks.json"), "--out", str(tmp_path)]
        ) in (0, 1)
        for name in ("benchmarks.svg", "benchmarks_tables.inc"):
            assert (tmp_path / name).read_text(encoding="utf-8") == (GENERATED / name).read_text(
                encoding="utf-8"
            ), f"docs/_generated/{name} is stale: run make bench (or report.py --from-json)"


class TestRunScript:
    """Scripts of any kind: side by side or not, with or without ``--quick``, broken."""

    def test_a_script_with_figures_of_its_own_and_no_quick_option(self, tmp_path: Path) -> None:
        script = tmp_path / "bench_rates.py"
        script.write_text(
            '"""How often something happens."""\n'
            "import argparse, json\n"
            "parser = argparse.ArgumentParser()\n"
            "parser.add_argument('--json')\n"
            "args = parser.parse_args()\n"  # --quick here would exit 2
            "json.dump({'runs': 10, 'rate': 0.25}, open(args.json, 'w'))\n",
            encoding="utf-8",
        )
        entry = report.run_script(script, quick=True)
        assert entry["exit_status"] == 0
        assert entry["title"] == "How often something happens"
        assert entry["data"] == {"runs": 10, "rate": 0.25}
        assert entry["rows"] == []
        text = report.tables({**fake_report(), "benchmarks": [entry]})
        assert "   * - ``rate``\n     - 0.25\n" in text
        assert "<rect x=" not in report.chart({**fake_report(), "benchmarks": [entry]})

    def test_a_script_that_fails_is_recorded_with_its_error(self, tmp_path: Path) -> None:
        script = tmp_path / "bench_broken.py"
        script.write_text("import sys\nsys.exit('needs gevent: pip install it')\n")
        entry = report.run_script(script, quick=False)
        assert entry["exit_status"] == 1
        assert entry["error"] == ["needs gevent: pip install it"]
        saved = str(self._saved(tmp_path, entry))
        assert report.main(["--from-json", saved, "--out", str(tmp_path / "out")]) == 1
        assert "bench_broken.py" in (tmp_path / "out" / "benchmarks_tables.inc").read_text()

    @staticmethod
    def _saved(tmp_path: Path, entry: dict[str, Any]) -> Path:
        path = tmp_path / "saved.json"
        path.write_text(json.dumps({**fake_report(), "benchmarks": [entry]}), encoding="utf-8")
        return path
