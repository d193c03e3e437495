"""Run every benchmark script and write the figures of the docs' benchmarks page.

    python benchmarks/report.py            # full runs (what `make bench` does)
    python benchmarks/report.py --quick    # fewer rounds, a smoke test

Runs each ``benchmarks/bench_*.py`` with ``--json`` (their tables go to stdout as
usual), then writes, in ``docs/_generated/`` (``--out`` to choose another folder):

* ``benchmarks.json``: every row of every script, as ``_sidebyside.main`` writes them,
  with the date, the Python and the machine of the run;
* ``benchmarks.svg``: a chart of the ratios (subject / peer, on a log scale, 1.0 in the
  middle: a bar to the left is faster than the peer, to the right slower), one panel
  per script, each row's target marked;
* ``benchmarks_tables.inc``: one rst table per script, which ``docs/benchmarks.rst``
  includes.

A script that fails to run (gevent missing, say) is recorded with its error instead of
rows.  A script whose JSON is not rows of ratios (``_sidebyside.main``'s format) is
recorded as it is and shown as a table of its figures, without a chart; ``--quick`` is
passed only to scripts that have it.  The exit status is 1 when a script failed or a
row missed its target, after the files are written.  The chart is written by hand: no
plotting dependency.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
#: The multiplication sign of the ratios (U+00D7, as in "0.25" + TIMES).
TIMES = "\u00d7"
DEFAULT_OUT = HERE.parent / "docs" / "_generated"


def _title(script: Path) -> str:
    """The first line of a script's docstring, read without importing it."""
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or script.stem
    return doc.splitlines()[0].rstrip(".").replace("``", "")


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({model})"


def _takes_quick(script: Path) -> bool:
    """Whether a script has ``--quick`` (every script on ``_sidebyside.main`` has)."""
    source = script.read_text(encoding="utf-8")
    return "_sidebyside" in source or '"--quick"' in source


def run_script(script: Path, quick: bool) -> dict[str, Any]:
    """Run one benchmark script with ``--json``; return its results, or its error."""
    entry: dict[str, Any] = {"script": script.name, "title": _title(script)}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rows.json"
        command = [sys.executable, str(script), "--json", str(out)]
        if quick and _takes_quick(script):
            command.append("--quick")
        print(f"== python benchmarks/{' '.join([script.name, *command[4:]])}", flush=True)
        proc = subprocess.run(command, cwd=HERE, stderr=subprocess.PIPE, text=True)
        entry["exit_status"] = proc.returncode
        if out.exists():
            data = json.loads(out.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("rows"), list):
                entry.update(data)  # _sidebyside.main's format: rows of ratios
            else:
                entry["data"] = data  # figures of another kind: shown as they are
                entry["rows"] = []
        else:
            entry["error"] = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            entry["rows"] = []
        sys.stderr.write(proc.stderr)
    return entry


def collect(scripts: list[Path], quick: bool) -> dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "machine": _machine(),
        "quick": quick,
        "benchmarks": [run_script(script, quick) for script in scripts],
    }


# ------------------------------------------------------------------------------ tables


def _ns(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.1f} ms"
    if value >= 1e3:
        return f"{value / 1e3:.1f} µs"
    return f"{value:.0f} ns"


def _figures(data: dict[str, Any]) -> str:
    """A table of the figures of a script that is not a side-by-side benchmark."""
    lines = [".. list-table::", "   :header-rows: 1", "", "   * - figure", "     - value"]
    for key, value in data.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        lines += [f"   * - ``{key}``", f"     - {shown}"]
    return "\n".join(lines) + "\n"


def tables(report: dict[str, Any]) -> str:
    """A line saying when, where and how the figures were measured, then one rst
    list-table per script."""
    how = "quick runs (``--quick``: fewer rounds)" if report.get("quick") else "full runs"
    parts = [
        f"Measured on {report['date']} with {report['python']} on {report['machine']}, "
        f"{how}, by ``make bench`` (``benchmarks/report.py``).\n"
    ]
    for bench in report["benchmarks"]:
        heading = f"``{bench['script']}``: {bench['title']}"
        parts.append(f"{heading}\n{'~' * len(heading)}\n")
        if isinstance(bench.get("data"), dict):
            parts.append(_figures(bench["data"]))
            continue
        if not bench["rows"]:
            error = " ".join(bench.get("error", [])) or "no rows"
            parts.append(f"Not measured in this run: {error}\n")
            continue
        subject, peer = bench["subject"], bench["peer"]
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "",
            "   * - operation",
            f"     - {subject} / op",
            f"     - {peer} / op",
            f"     - ratio {subject} / {peer}",
            "     - target",
        ]
        for row in bench["rows"]:
            target = "—" if row["target"] is None else f"≤ {row['target']:.2f}{TIMES}"
            verdict = "" if row["target"] is None else (" (met)" if row["pass"] else " (missed)")
            lines += [
                f"   * - {row['operation']}",
                f"     - {_ns(row[f'{subject}_ns_per_op'])}",
                f"     - {_ns(row[f'{peer}_ns_per_op'])}",
                f"     - {row['ratio']:.2f}{TIMES}",
                f"     - {target}{verdict}",
            ]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


# ------------------------------------------------------------------------------- chart

#: The chart's horizontal scale: ratios from LOW to HIGH, logarithmic, 1.0 in between.
LOW, HIGH = 1 / 20, 20.0
TICKS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0)
LABEL_W, PLOT_W, ROW_H, HEAD_H = 420, 440, 22, 30
#: Longer operation names are cut in the chart (the tables have them whole).
LABEL_CHARS = 60


def _x(ratio: float) -> float:
    ratio = min(max(ratio, LOW), HIGH)
    return LABEL_W + PLOT_W * (math.log(ratio / LOW) / math.log(HIGH / LOW))


def chart(report: dict[str, Any]) -> str:
    """An SVG of every row's ratio: bars from 1.0 to the ratio on a log scale."""
    width = LABEL_W + PLOT_W + 70
    body: list[str] = []
    y = 10.0
    for bench in report["benchmarks"]:
        if not bench["rows"]:
            continue
        y += HEAD_H
        body.append(
            f'<text x="10" y="{y - 10:.0f}" class="head">{escape(bench["title"])} '
            f"({escape(bench['subject'])} / {escape(bench['peer'])})</text>"
        )
        for row in bench["rows"]:
            ratio = row["ratio"]
            x0, x1 = _x(1.0), _x(ratio)
            left, bar_w = min(x0, x1), max(abs(x1 - x0), 1.0)
            kind = "faster" if ratio <= 1.0 else "slower"
            name = row["operation"]
            label = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
            body.append(
                f'<text x="{LABEL_W - 8}" y="{y + 15:.0f}" class="op">{escape(label)}</text>'
            )
            body.append(
                f'<rect x="{left:.1f}" y="{y + 4:.0f}" width="{bar_w:.1f}" height="{ROW_H - 8}" '
                f'class="{kind}"><title>{escape(name)}: {ratio:.2f}{TIMES}</title></rect>'
            )
            end = max(x0, x1)
            if row["target"] is not None:
                tx = _x(row["target"])
                end = max(end, tx)
                body.append(
                    f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y + 1:.0f}" y2="{y + ROW_H - 1:.0f}" '
                    'class="target"/>'
                )
            body.append(
                f'<text x="{end + 6:.1f}" y="{y + 15:.0f}" class="val">{ratio:.2f}{TIMES}</text>'
            )
            y += ROW_H
    top, bottom = 10.0, y + 8
    axis = [
        f'<line x1="{_x(t):.1f}" x2="{_x(t):.1f}" y1="{top:.0f}" y2="{bottom:.0f}" '
        f'class="{"one" if t == 1.0 else "grid"}"/>'
        f'<text x="{_x(t):.1f}" y="{bottom + 14:.0f}" class="tick">{t:g}{TIMES}</text>'
        for t in TICKS
    ]
    height = bottom + 62
    legend = (
        f'<text x="10" y="{height - 28:.0f}" class="note">ratio = subject time / peer time, '
        f"log scale: left of 1{TIMES} the subject is faster, right slower; a red mark is the "
        "row's target.</text>"
        f'<text x="10" y="{height - 12:.0f}" class="note">{escape(report["date"])}, '
        f"{escape(report['python'])}, {escape(report['machine'])}"
        f"{' (quick run)' if report.get('quick') else ''}</text>"
    )
    style = (
        "<style>text{font-family:sans-serif;font-size:12px;fill:#222}"
        ".head{font-weight:bold;font-size:13px}.op{text-anchor:end}"
        ".tick{text-anchor:middle;fill:#555;font-size:11px}.note{fill:#555;font-size:11px}"
        ".val{font-size:11px}.faster{fill:#3a8f5c}.slower{fill:#d08a2e}"
        ".grid{stroke:#ddd}.one{stroke:#555}.target{stroke:#b22;stroke-width:2}</style>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img">\n'
        f"<title>anythread benchmarks: ratios against the peers</title>\n{style}\n"
        f'<rect width="100%" height="100%" fill="white"/>\n'
        + "\n".join(axis + body)
        + f"\n{legend}\n</svg>\n"
    )


# -------------------------------------------------------------------------------- main


def write(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "benchmarks.svg").write_text(chart(report), encoding="utf-8")
    (out / "benchmarks_tables.inc").write_text(tables(report), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke test)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write")
    parser.add_argument(
        "--from-json", type=Path, help="redraw from a benchmarks.json instead of running"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        report = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        report = collect(sorted(HERE.glob("bench_*.py")), args.quick)
    write(report, args.out)
    print(f"wrote {args.out}/benchmarks.json, benchmarks.svg, benchmarks_tables.inc")
    failed = [b["script"] for b in report["benchmarks"] if b["exit_status"] != 0]
    if failed:
        print(f"a target was missed or a script failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
