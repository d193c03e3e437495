"""``anythread certify NAME``: run the contract suite against one backend and report.

It runs pytest on the suite in a child process (``python -m pytest --pyargs
anythread_contract --anythread-backend NAME -n N``), collects every test's outcome
through the plugin's ``--anythread-report`` file, folds them into one outcome per clause,
and prints a report a person reads: the backend's distribution and version, the
versions of anythread and Python, a table of passed / failed / skipped / xfailed clauses
per spec section, the reasons for skips, every failing clause with its sentence and the
failure, and a one-line verdict.  ``--json FILE`` writes the same as data.

The child runs in a temporary directory with a configuration of its own, so the result
does not depend on the pytest configuration of whatever directory certify is run from.

This module must not import a backend itself (the registry does, to check the name) and
must not run the suite in its own process: a broken backend may hang or crash it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from typing import Any

import anythread
from anythread_contract.clauses import CLAUSES, SECTIONS, Clause

__all__ = ["fold", "main"]

OUTCOMES = ("passed", "failed", "skipped", "xfailed")
_INI = """\
[pytest]
# anythread certify: a configuration of its own, independent of the caller's directory.
addopts = --strict-markers -p no:cacheprovider
xfail_strict = true
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anythread certify",
        description="Run the anythread contract suite against backend NAME and print a "
        "certification report: per spec section, the clauses passed, failed, skipped "
        "(with reasons) and expected to fail (deviations the backend declares), every "
        "failing clause with its sentence and the failure, and a verdict.",
        epilog="Exit status: 0 when the backend is certified (no clause failed; with "
        "--select, when no selected clause failed), 1 when a clause failed, 2 on a "
        "usage error or an unknown backend.  The suite can also be run directly: "
        "pytest --pyargs anythread_contract --anythread-backend NAME -n auto.",
    )
    parser.add_argument(
        "name", metavar="NAME", help="the backend, as listed by 'anythread backends'"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write the report as JSON to FILE ('-' for stdout)"
    )
    parser.add_argument(
        "-n",
        dest="workers",
        default="2",
        metavar="N",
        help="parallel pytest-xdist workers: a number, or 'auto' (default 2; 0 runs in "
        "one process)",
    )
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="PREFIX",
        help="check only the clauses whose id starts with PREFIX (e.g. LOCK-ACQ) or whose "
        "spec section is PREFIX (e.g. 16.2.2); repeatable.  A partial run never "
        "certifies a backend",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="timeout of each contract test (default 60)",
    )
    parser.add_argument(
        "--patience",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long a test waits for another thread before it fails (default 10)",
    )
    parser.add_argument(
        "--run-timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="stop the whole run after SECONDS (default 1800); the report then says so",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also print pytest's own output"
    )
    return parser


def _pytest_command(args: argparse.Namespace, report: str, ini: str, rootdir: str) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "anythread_contract",
        "--anythread-backend",
        args.name,
        "--anythread-report",
        report,
        "--anythread-timeout",
        str(args.timeout),
        "-c",
        ini,
        "--rootdir",
        rootdir,
        "-q",
        "-rN",
    ]
    if args.workers != "0":
        # The plugin picks loadgroup over load where pytest-xdist can group.
        command += ["-n", str(args.workers)]
    else:
        command += ["-p", "no:xdist"]
    for prefix in args.select:
        command += ["--anythread-select", prefix]
    if args.patience is not None:
        command += ["--anythread-patience", str(args.patience)]
    return command


def _child_env() -> dict[str, str]:
    """The caller's environment, with relative import paths made absolute.

    The child runs in a temporary directory, so ``PYTHONPATH=tests/broken_backends``
    (a plugin named in ``ANYTHREAD_PLUGINS`` that is not installed) must still resolve.
    """
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths)
    return env


_TIMED_OUT = -999


def _run(command: list[str], cwd: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run the child pytest; past ``timeout``, stop its whole process group."""
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as child:
        try:
            out, err = child.communicate(timeout=timeout)
            status = child.returncode
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            out, err = child.communicate()
            status = _TIMED_OUT
    return subprocess.CompletedProcess(command, status, out, err)


def _selected(clause: Clause, select: Sequence[str]) -> bool:
    return not select or any(
        clause.id.startswith(prefix) or clause.section == prefix for prefix in select
    )


def _short(text: str, limit: int = 12) -> str:
    """The telling lines of a pytest failure: its ``E`` lines, else its last lines."""
    lines = text.rstrip().splitlines()
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    errors += [line for line in lines if line.startswith("The test's process ended")]
    picked = errors[:limit] if errors else [line.rstrip() for line in lines[-limit:]]
    location = next(
        (
            line
            for line in reversed(lines)
            if ":" in line and ".py:" in line and " " not in line[:3]
        ),
        "",
    )
    if location and location not in picked:
        picked.append(location.strip())
    return "\n".join(picked)


def fold(raw: dict[str, Any], backend: str, select: Sequence[str]) -> list[dict[str, Any]]:
    """Fold per-test results into one outcome per clause.

    A clause failed if any of its tests failed; else it is an expected failure if any test
    was; else passed if any passed; else skipped.  A selected clause that no test
    reported on failed ("no test ran"), since certification needs all of them.
    """
    by_clause: dict[str, list[dict[str, Any]]] = {}
    for row in raw.get("results", []):
        if row.get("backend") not in (backend, ""):
            continue
        for cid in row.get("clauses", []):
            by_clause.setdefault(cid, []).append(row)
    clauses: list[dict[str, Any]] = []
    for clause in CLAUSES:
        if not _selected(clause, select):
            continue
        rows = by_clause.get(clause.id, [])
        outcomes = {row["outcome"] for row in rows}
        outcome = next(
            (o for o in ("failed", "xfailed", "passed", "skipped") if o in outcomes), "failed"
        )
        reasons = list(dict.fromkeys(row["reason"] for row in rows if row["outcome"] == outcome))
        if not rows:
            reasons = ["no test of this clause ran (collection error, crash or interruption)"]
        clauses.append(
            {
                "id": clause.id,
                "section": clause.section,
                "source": clause.source,
                "text": clause.text,
                "outcome": outcome,
                "reason": "\n".join(reasons) if outcome != "passed" else "",
                "tests": sorted({f"{row['nodeid']}: {row['outcome']}" for row in rows}),
            }
        )
    return clauses


def _table(clauses: list[dict[str, Any]]) -> list[str]:
    counts: dict[str, dict[str, int]] = {}
    for item in clauses:
        counts.setdefault(item["section"], dict.fromkeys(OUTCOMES, 0))[item["outcome"]] += 1
    title_width = max(len(t) for t in SECTIONS.values())
    lines = [
        f"  {'section':<8} {'':<{title_width}} {'passed':>6} {'failed':>6} {'skipped':>7} "
        f"{'xfailed':>7}"
    ]
    for section, title in SECTIONS.items():
        if section in counts:
            c = counts[section]
            lines.append(
                f"  {section:<8} {title:<{title_width}} {c['passed']:>6} {c['failed']:>6} "
                f"{c['skipped']:>7} {c['xfailed']:>7}"
            )
    total = {o: sum(c[o] for c in counts.values()) for o in OUTCOMES}
    lines.append(
        f"  {'total':<8} {'':<{title_width}} {total['passed']:>6} {total['failed']:>6} "
        f"{total['skipped']:>7} {total['xfailed']:>7}"
    )
    return lines


def render(report: dict[str, Any]) -> str:
    """The human-readable certification report."""
    clauses: list[dict[str, Any]] = report["clauses"]
    out = [
        f"anythread certify: backend {report['backend']!r}",
        f"  backend:      {report['distribution'] or '(no distribution)'} "
        f"{report['version']}".rstrip()
        + (f" - {report['description']}" if report["description"] else ""),
        f"  anythread:    {report['anythread']} (contract version {report['contract_version']})",
        f"  python:       {report['python']} ({report['python_implementation']}, "
        f"{report['platform']})",
        f"  capabilities: {', '.join(report['capabilities']) or 'none'}",
        f"  run:          {len(clauses)} clauses, -n {report['workers']}, "
        f"{report['duration']:.1f}s"
        + (f", selected: {', '.join(report['select'])}" if report["select"] else ""),
        "",
        *_table(clauses),
    ]
    skipped = [c for c in clauses if c["outcome"] == "skipped"]
    if skipped:
        out += ["", "Skipped clauses:"]
        out += [f"  {c['id']} ({c['section']}): {c['reason'].splitlines()[0]}" for c in skipped]
    xfailed = [c for c in clauses if c["outcome"] == "xfailed"]
    if xfailed:
        out += ["", "Known deviations (declared by the backend, failing as declared):"]
        out += [f"  {c['id']} ({c['section']}): {c['reason'].splitlines()[0]}" for c in xfailed]
    failed = [c for c in clauses if c["outcome"] == "failed"]
    if failed:
        out += ["", "Failing clauses:"]
        for c in failed:
            out.append(f"  {c['id']} ({c['section']}, {SECTIONS[c['section']]}):")
            out += textwrap.wrap(
                f'"{c["text"]}"', width=92, initial_indent="    ", subsequent_indent="     "
            )
            for test in c["tests"]:
                if test.endswith(": failed"):
                    out.append(f"    test: {test.removesuffix(': failed')}")
            out += [f"      | {line}" for line in _short(c["reason"]).splitlines()]
    if report.get("error"):
        out += ["", f"The run did not complete: {report['error']}"]
    out += ["", f"Verdict: {report['verdict']}"]
    return "\n".join(out)


def _verdict(report: dict[str, Any]) -> str:
    clauses = report["clauses"]
    n = {o: sum(1 for c in clauses if c["outcome"] == o) for o in OUTCOMES}
    name = report["backend"]
    if n["failed"]:
        return (
            f"NOT CERTIFIED: {name!r} fails {n['failed']} of {len(clauses)} clauses "
            f"on Python {report['python']}."
        )
    if report["select"]:
        return (
            f"NOT CERTIFIED (partial run): {name!r} passes the {len(clauses)} selected "
            "clauses; certification needs the full suite."
        )
    return (
        f"CERTIFIED: {name!r} fails none of the {len(clauses)} clauses of contract version "
        f"{report['contract_version']} ({n['passed']} passed, {n['skipped']} skipped for "
        f"missing capabilities, {n['xfailed']} declared deviations) on Python "
        f"{report['python']}."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``anythread certify``; return the exit status."""
    parser = _parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.workers != "auto" and not str(args.workers).isdigit():
        parser.error(f"-n expects a number or 'auto', not {args.workers!r}")
    unknown = [p for p in args.select if not any(_selected(c, [p]) for c in CLAUSES)]
    if unknown:
        parser.error(f"--select {unknown[0]!r} matches no clause id or section")
    try:
        backend = anythread.get_backend(args.name)
    except LookupError as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return 2
    rows = {row.name: row for row in anythread.list_backends()}
    row = rows.get(args.name.partition(":")[0])

    with tempfile.TemporaryDirectory(prefix="anythread-certify-") as tmp:
        ini = os.path.join(tmp, "pytest.ini")
        with open(ini, "w", encoding="utf-8") as stream:
            stream.write(_INI)
        raw_path = os.path.join(tmp, "report.json")
        command = _pytest_command(args, raw_path, ini, tmp)
        started = time.monotonic()
        proc = _run(command, tmp, args.run_timeout)
        duration = time.monotonic() - started
        raw: dict[str, Any] = {}
        if os.path.exists(raw_path):
            with open(raw_path, encoding="utf-8") as stream:
                raw = json.load(stream)

    error = ""
    if proc.returncode == _TIMED_OUT:
        error = (
            f"pytest did not finish within {args.run_timeout:g}s and was stopped "
            "(a thread of the backend may be blocked for ever)"
        )
    elif not raw:
        error = f"pytest exited with status {proc.returncode} and wrote no report"
    elif proc.returncode not in (0, 1):
        error = f"pytest exited with status {proc.returncode}"
    if args.verbose:
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
    elif error:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-40:]
        print("\n".join(["pytest's output (last lines):", *tail, ""]))

    clauses = fold(raw, args.name, args.select)
    report: dict[str, Any] = {
        "backend": args.name,
        "certified": False,
        "distribution": row.distribution if row else "",
        "version": row.version if row else "",
        "description": row.description if row else "",
        "capabilities": sorted(str(c) for c in backend.capabilities),
        "known_deviations": dict(getattr(backend, "known_deviations", None) or {}),
        "contract_version": anythread.CONTRACT_VERSION,
        "backend_contract_version": backend.contract_version,
        "anythread": anythread.__version__,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "workers": args.workers,
        "select": list(args.select),
        "duration": duration,
        "pytest_exit_status": proc.returncode,
        "command": command,
        "error": error,
        "clauses": clauses,
    }
    failed = any(c["outcome"] == "failed" for c in clauses) or bool(error)
    report["certified"] = not failed and not args.select
    report["verdict"] = (
        _verdict(report) if not error else (f"NOT CERTIFIED: the run did not complete ({error}).")
    )
    report["summary"] = {o: sum(1 for c in clauses if c["outcome"] == o) for o in OUTCOMES}
    print(render(report))
    if args.json:
        text = json.dumps(report, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as stream:
                stream.write(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
