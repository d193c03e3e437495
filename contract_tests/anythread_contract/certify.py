"""``anythread certify NAME [NAME ...]``: run the contract suite against backends and
report on each.

It runs pytest on the suite in a child process (``python -m pytest --pyargs
anythread_contract --anythread-backend NAME -n N``, one ``--anythread-backend`` per
backend: one run for all of them), collects every test's outcome through the plugin's
``--anythread-report`` file, folds them into one outcome per clause and backend, and
prints a report a person reads for each backend: its distribution and version, the
versions of anythread and Python, a table of passed / failed / skipped / xfailed clauses
per spec section, the reasons for skips, every failing clause with its sentence and the
failure, and a one-line verdict.  ``--json FILE`` writes the same as data.  A backend
broken at its root (see :data:`ROOT_CLAUSES`) gets a run of its own, with short
timeouts, so that it does not slow the others' run.

The child runs in a temporary directory with a configuration of its own, so the result
does not depend on the pytest configuration of whatever directory certify is run from.

This module must not import a backend itself (the registry does, to check the name) and
must not run the suite in its own process: a broken backend may hang or crash it.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from typing import Any

import anythread
from anythread.protocols import Backend, DeclaresDeviations
from anythread.registry import registry
from anythread_contract.clauses import CLAUSES, SECTIONS, Clause

__all__ = ["SKIP_KINDS", "fold", "main", "root_causes", "skip_kind"]

#: The modules the suite's run needs, with the distribution that provides each: they come
#: with ``pip install 'anythread[contract]'``.  ``xdist`` only when run with ``-n N``.
_DEPENDENCIES = {"pytest": "pytest", "pytest_timeout": "pytest-timeout", "xdist": "pytest-xdist"}
_NO_TEST_RAN = "no test of this clause ran (collection error, crash or interruption)"

OUTCOMES = ("passed", "failed", "skipped", "xfailed")

#: Why a clause was skipped (the ``skip`` field of a skipped clause in the JSON report):
#: the backend lacks a capability the clause needs, or the clause cannot run here (the
#: running Python's own behaviour differs there, or the system would not cooperate).
SKIP_KINDS = ("capability", "here")
# The plugin's skip for a clause's required capabilities says "lacks capability 'x'";
# needs_own_os_threads says "(capability 'preemptive')".
_CAPABILITY_SKIP = re.compile(r"lacks capability '|\(capability '")


def skip_kind(reason: str) -> str:
    """Return why a clause with this skip reason was skipped: ``"capability"`` if any of
    its tests was skipped for a capability the backend lacks, else ``"here"``."""
    return "capability" if _CAPABILITY_SKIP.search(reason) else "here"


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
        "failing clause with its sentence and the failure, and a verdict.  Several "
        "backends are checked in one run, with a report for each.",
        epilog="Exit status: 0 when every backend named is certified (no clause failed; "
        "with --select, when no selected clause failed), 1 when a clause failed or a "
        "backend declares an older contract version than this anythread's, 2 on a "
        "usage error, an unknown backend, a backend that declares a newer contract "
        "version (upgrade anythread), or missing dependencies (pip install "
        "'anythread[contract]').  With --json -, stdout carries only the JSON and the "
        "report goes to stderr.  The suite can also be run directly: "
        "pytest --pyargs anythread_contract --anythread-backend NAME -n auto.",
    )
    parser.add_argument(
        "names",
        metavar="NAME",
        nargs="+",
        help="the backend, as listed by 'anythread backends'; several for one run that checks each",
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help="also write the report as JSON to FILE ('-' for stdout): an object, or with "
        "several backends a list of them, in the order named",
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


def _pytest_command(
    args: argparse.Namespace, names: Sequence[str], report: str, ini: str, rootdir: str
) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "anythread_contract"]
    for name in names:
        command += ["--anythread-backend", name]
    command += [
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
        # The plugin picks loadgroup over load where pytest-xdist can group.  Every
        # crashed worker (a test past its timeout) is replaced: the run goes on.
        command += ["-n", str(args.workers), "--max-worker-restart", "100000"]
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
            # An interrupt first, so that pytest still writes the outcomes it has.
            os.killpg(child.pid, signal.SIGINT)
            try:
                out, err = child.communicate(timeout=15)
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
            reasons = [_NO_TEST_RAN]
        reason = "\n".join(reasons) if outcome != "passed" else ""
        entry: dict[str, Any] = {
            "id": clause.id,
            "section": clause.section,
            "source": clause.source,
            "text": clause.text,
            "outcome": outcome,
            "reason": reason,
            "tests": sorted({f"{row['nodeid']}: {row['outcome']}" for row in rows}),
        }
        if outcome == "skipped":
            entry["skip"] = skip_kind(reason)
        clauses.append(entry)
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


def _first_error(reason: str) -> str:
    """The first telling line of a failure, with its numbers blanked (for grouping)."""
    short = _short(reason, limit=1).splitlines()
    line = short[0].strip() if short else "(no message)"
    if line.startswith("The test's process ended"):
        line = "The test's process ended before the test did (past its timeout, or a crash)"
    return line[:160]


def root_causes(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group the failing clauses by their first error line, most common first.

    Numbers are blanked for grouping (``after 0.0251s`` and ``after 0.0263s`` are one
    cause); among groups of the same size the one whose first clause comes earliest in
    the catalogue comes first.  Clauses no test reported on form a group of their own,
    last: they follow from a crash, not from a failure of their own.
    """
    groups: dict[str, dict[str, Any]] = {}
    for position, clause in enumerate(clauses):
        if clause["outcome"] != "failed":
            continue
        line = _first_error(clause["reason"])
        key = re.sub(r"\d+(\.\d+)?", "N", line)
        group = groups.setdefault(key, {"error": line, "clauses": [], "first": position})
        group["clauses"].append(clause["id"])
    ordered = sorted(
        groups.values(),
        key=lambda g: (g["error"] == _NO_TEST_RAN, -len(g["clauses"]), g["first"]),
    )
    return [{"error": g["error"], "clauses": g["clauses"]} for g in ordered]


#: The clauses every other test builds on: locks, events, threads.  A full certification
#: checks them first, in a short run; a backend that fails one is broken at its root,
#: and the rest of the suite then runs with short per-test timeouts (tests built on a
#: broken lock tend to hang), so that the run ends in about the normal time.
ROOT_CLAUSES = (
    "LOCK-ACQ-01",
    "LOCK-ACQ-02",
    "LOCK-REL-01",
    "EVENT-SET-01",
    "EVENT-WAIT-01",
    "THREAD-START-01",
    "THREAD-JOIN-01",
    "COND-NOTIFY-02",
)
#: Per-test timeout and patience (seconds) of the root check, which stops at its first
#: failure.
_ROOT_TIMEOUT = 5.0
_ROOT_PATIENCE = 3.0
#: The time budget of the root check, per backend checked (seconds).
_ROOT_BUDGET = 60.0
#: When the root check failed: the per-test timeout, the patience and the time budget
#: (seconds) of the rest of the run.  Tests on a broken lock tend to hang; these keep the
#: run to about a normal one's length.  Clauses left unchecked when the budget runs out
#: are listed in one line, after the root cause.
_BROKEN_TIMEOUT = 3.0
_BROKEN_PATIENCE = 2.0
_BROKEN_BUDGET = 30.0

#: Past this many failing clauses, the report details the first ones only.
_DETAILED = 10


def render(report: dict[str, Any]) -> str:
    """The human-readable certification report."""
    clauses: list[dict[str, Any]] = report["clauses"]
    causes = root_causes(clauses)
    out = [
        f"anythread certify: backend {report['backend']!r}",
        f"  backend:      {report['distribution'] or '(no distribution)'} "
        f"{report['version']}".rstrip()
        + (f" - {report['description']}" if report["description"] else ""),
        f"  anythread:    {report['anythread']} (contract version {report['contract_version']})",
        f"  python:       {report['python']} ({report['python_implementation']}, "
        f"{report['platform']})",
        f"  capabilities: {', '.join(report['capabilities']) or 'none'}",
        f"  run:          {_count(len(clauses), 'clause')}, -n {report['workers']}, "
        f"{report['duration']:.1f}s"
        + (f", selected: {', '.join(report['select'])}" if report["select"] else "")
        + (
            f", in one run with {', '.join(map(repr, report['run_with']))}"
            if report.get("run_with")
            else ""
        ),
    ]
    if report.get("version_note"):
        out.append(f"  contract:     {report['version_note']}")
    if report.get("root_failed"):
        out += [""]
        out += textwrap.wrap(
            f"Broken at its root: {report['backend']!r} fails "
            f"{len(report['root_failed'])} of the {len(ROOT_CLAUSES)} basic clauses "
            f"that every other test builds on ({', '.join(report['root_failed'])}); the "
            f"rest of the suite ran with a {_BROKEN_TIMEOUT:g}s per-test timeout, within "
            f"{_BROKEN_BUDGET:g}s.  Fix these first: most other failures below follow "
            "from them.",
            width=92,
        )
    if causes:
        n_failed = sum(len(g["clauses"]) for g in causes)
        ran = [g for g in causes if g["error"] != _NO_TEST_RAN]
        out += [
            "",
            f"Root cause ({_count(n_failed, 'failing clause')}, grouped by their first error):",
        ]
        for group in [*ran[:5], *[g for g in causes if g["error"] == _NO_TEST_RAN]]:
            ids = group["clauses"]
            shown = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
            out.append(f"  {len(ids):>3} x {group['error']}")
            out.append(f"        {shown}")
        if len(ran) > 5:
            out.append(f"  ... and {len(ran) - 5} other errors (see Failing clauses)")
    out += ["", *_table(clauses)]
    for kind, title in (
        ("capability", "Skipped for missing capabilities (the backend declares it lacks them):"),
        ("here", "Skipped because they cannot run here (on this Python, or on this system):"),
    ):
        skipped = [c for c in clauses if c["outcome"] == "skipped" and c.get("skip") == kind]
        if skipped:
            out += ["", title]
            out += [f"  {c['id']} ({c['section']}): {c['reason'].splitlines()[0]}" for c in skipped]
    xfailed = [c for c in clauses if c["outcome"] == "xfailed"]
    if xfailed:
        out += ["", "Known deviations (declared by the backend, failing as declared):"]
        out += [f"  {c['id']} ({c['section']}): {c['reason'].splitlines()[0]}" for c in xfailed]
    failed = [c for c in clauses if c["outcome"] == "failed"]
    not_run = [c for c in failed if c["reason"] == _NO_TEST_RAN]
    ran = [c for c in failed if c["reason"] != _NO_TEST_RAN]
    if failed:
        out += ["", "Failing clauses:"]
        for c in ran[:_DETAILED]:
            out.append(f"  {c['id']} ({c['section']}, {SECTIONS[c['section']]}):")
            out += textwrap.wrap(
                f'"{c["text"]}"', width=92, initial_indent="    ", subsequent_indent="     "
            )
            for test in c["tests"]:
                if test.endswith(": failed"):
                    out.append(f"    test: {test.removesuffix(': failed')}")
            out += [f"      | {line}" for line in _short(c["reason"]).splitlines()]
        if len(ran) > _DETAILED:
            rest = ", ".join(c["id"] for c in ran[_DETAILED:])
            out += textwrap.wrap(
                f"... and {len(ran) - _DETAILED} more failing clauses: {rest} "
                "(all in the JSON report, --json FILE)",
                width=92,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        if not_run:
            out += textwrap.wrap(
                f"{_count(len(not_run), 'clause')} had no test that ran (a crash or an interrupted "
                f"run, see above): {', '.join(c['id'] for c in not_run)}",
                width=92,
                initial_indent="  ",
                subsequent_indent="    ",
            )
    if report.get("error"):
        out += ["", f"The run did not complete: {report['error']}"]
    out += ["", f"Verdict: {report['verdict']}"]
    return "\n".join(out)


def _count(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: ``1 clause``, ``2 clauses``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _verdict(report: dict[str, Any]) -> str:
    clauses = report["clauses"]
    n = {o: sum(1 for c in clauses if c["outcome"] == o) for o in OUTCOMES}
    name = report["backend"]
    skips = {k: sum(1 for c in clauses if c.get("skip") == k) for k in SKIP_KINDS}
    breakdown = (
        f"{n['passed']} passed, {skips['capability']} skipped for missing capabilities, "
        f"{skips['here']} skipped because they cannot run on this Python or system, "
        f"{_count(n['xfailed'], 'declared deviation')}"
    )
    if n["failed"]:
        return (
            f"NOT CERTIFIED: {name!r} fails {n['failed']} of the "
            f"{_count(len(clauses), 'clause')} of contract version "
            f"{report['contract_version']} on Python {report['python']}."
        )
    if report["backend_contract_version"] != report["contract_version"]:
        return (
            f"NOT CERTIFIED for contract version {report['contract_version']}: {name!r} "
            f"fails none of the {_count(len(clauses), 'clause')} checked ({breakdown}), "
            f"but declares contract version {report['backend_contract_version']}; once it "
            f"meets version {report['contract_version']}, it should declare "
            f"contract_version = {report['contract_version']}."
        )
    if report["select"]:
        if n["passed"] == len(clauses) == 1:
            passes = "passes the 1 selected clause"
        elif n["passed"] == len(clauses):
            passes = f"passes all {len(clauses)} selected clauses"
        else:
            passes = (
                f"passes {n['passed']} of the {_count(len(clauses), 'selected clause')} "
                f"and fails none ({breakdown})"
            )
        return (
            f"NOT CERTIFIED (partial run): {name!r} {passes}; certification needs the full suite."
        )
    return (
        f"CERTIFIED: {name!r} fails none of the {_count(len(clauses), 'clause')} of contract "
        f"version {report['contract_version']} ({breakdown}) on Python {report['python']}."
    )


def _missing_dependencies(workers: str) -> list[str]:
    """The distributions of :data:`_DEPENDENCIES` that cannot be imported."""
    missing = []
    for module, distribution in _DEPENDENCIES.items():
        if module == "xdist" and workers == "0":
            continue
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(distribution)
    return missing


def _version_problem(backend: Any, name: str) -> tuple[int, str]:
    """Compare the backend's ``contract_version`` with this anythread's.

    Returns ``(2, message)`` when certify cannot judge the backend (a newer or a
    malformed version: nothing is run), ``(0, note)`` when the backend declares an older
    version (the suite runs, the verdict is "not certified for" the current version),
    and ``(0, "")`` when the versions agree.
    """
    current = anythread.CONTRACT_VERSION
    declared = backend.contract_version if isinstance(backend, Backend) else None
    if not isinstance(declared, int) or isinstance(declared, bool) or declared < 1:
        return 2, (
            f"backend {name!r} declares contract_version {declared!r}: it must be a "
            f"positive int, the contract version it was written for (this anythread "
            f"{anythread.__version__} certifies contract version {current})"
        )
    if declared > current:
        return 2, (
            f"backend {name!r} declares contract version {declared}, newer than the "
            f"contract version {current} of this anythread ({anythread.__version__}): "
            "upgrade anythread (pip install --upgrade 'anythread[contract]') to certify it"
        )
    if declared < current:
        return 0, (
            f"the backend declares version {declared}; this suite checks version "
            f"{current}, and a backend is certified only for the version it declares"
        )
    return 0, ""


def _root_check(
    args: argparse.Namespace, names: Sequence[str], ini: str, tmp: str
) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """Run the :data:`ROOT_CLAUSES` alone, quickly, on every backend of ``names``.

    Return the root clauses each backend failed (a backend is listed only if a test of
    one of them failed: a clause the check did not reach is not counted against it),
    and the per-test results, so that the report shows their failures even if the full
    run is stopped before it gets to them.
    """
    root = argparse.Namespace(**vars(args))
    root.select = list(ROOT_CLAUSES)
    root.timeout = min(args.timeout, _ROOT_TIMEOUT)
    root.patience = min(args.patience or _ROOT_PATIENCE, _ROOT_PATIENCE)
    # A worker that hangs is replaced and the run ends cleanly; with several backends,
    # as many workers as asked for, up to one per backend.
    asked = (os.cpu_count() or 1) if args.workers == "auto" else int(args.workers)
    root.workers = str(max(1, min(asked, len(names))))
    raw_path = os.path.join(tmp, "root.json")
    command = _pytest_command(root, names, raw_path, ini, tmp)
    if len(names) == 1:
        # (Not with several: one backend's failure must not end the others' check.)
        command += ["--maxfail", "1"]
    _run(command, tmp, min(args.run_timeout, _ROOT_BUDGET * len(names)))
    raw: dict[str, Any] = {}
    if os.path.exists(raw_path):
        with open(raw_path, encoding="utf-8") as stream:
            raw = json.load(stream)
    if not raw.get("results"):
        return {}, []  # the check itself did not run: the full run will show why
    failed: dict[str, list[str]] = {}
    for name in names:
        ids = [
            c["id"]
            for c in fold(raw, name, ROOT_CLAUSES)
            if c["outcome"] == "failed" and c["reason"] != _NO_TEST_RAN
        ]
        if ids:
            failed[name] = ids
    return failed, list(raw["results"])


@dataclasses.dataclass
class _Run:
    """One child pytest run of the whole suite, on one backend or several."""

    names: list[str]
    command: list[str]
    budget: float
    proc: subprocess.CompletedProcess[str]
    raw: dict[str, Any]
    duration: float


def _full_run(
    args: argparse.Namespace, names: list[str], ini: str, tmp: str, budget: float, tag: str
) -> _Run:
    """Run the suite (``args.select`` of it) on ``names``, within ``budget`` seconds;
    its per-test results go to a file in ``tmp`` named after ``tag``."""
    raw_path = os.path.join(tmp, f"report-{tag}.json")
    command = _pytest_command(args, names, raw_path, ini, tmp)
    started = time.monotonic()
    proc = _run(command, tmp, max(1.0, budget))
    duration = time.monotonic() - started
    raw: dict[str, Any] = {}
    if os.path.exists(raw_path):
        with open(raw_path, encoding="utf-8") as stream:
            raw = json.load(stream)
    return _Run(names, command, budget, proc, raw, duration)


def _run_error(run: _Run, broken: bool) -> str:
    """Why ``run`` did not complete, or ``""``."""
    if run.proc.returncode == _TIMED_OUT:
        if broken:
            return (
                f"the time budget of a backend broken at its root ({run.budget:g}s) ran "
                "out; the clauses checked so far are reported"
            )
        return (
            f"pytest did not finish within {run.budget:g}s and was stopped "
            "(a thread of the backend may be blocked for ever)"
        )
    if not run.raw:
        return f"pytest exited with status {run.proc.returncode} and wrote no report"
    if run.proc.returncode not in (0, 1):
        return f"pytest exited with status {run.proc.returncode}"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``anythread certify``; return the exit status."""
    parser = _parser()
    # (Intermixed: "certify stdlib --json FILE pure" names two backends.)
    args = parser.parse_intermixed_args(list(sys.argv[1:] if argv is None else argv))
    if args.workers != "auto" and not str(args.workers).isdigit():
        parser.error(f"-n expects a number or 'auto', not {args.workers!r}")
    unknown = [p for p in args.select if not any(_selected(c, [p]) for c in CLAUSES)]
    if unknown:
        parser.error(f"--select {unknown[0]!r} matches no clause id or section")
    names: list[str] = list(args.names)
    twice = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if twice is not None:
        parser.error(f"backend {twice!r} is named twice")
    missing = _missing_dependencies(str(args.workers))
    if missing:
        print(
            f"anythread certify needs {', '.join(missing)}, which cannot be imported here: "
            "pip install 'anythread[contract]'",
            file=sys.stderr,
        )
        return 2
    backends: dict[str, Any] = {}
    version_notes: dict[str, str] = {}
    for name in names:
        try:
            # (as get_backend(NAME) loads it, with this command named as the one that
            # asked)
            backends[name] = registry.load(name, source="anythread certify")
        except LookupError as exc:
            print(str(exc).strip("'\""), file=sys.stderr)
            return 2
        status, version_notes[name] = _version_problem(backends[name], name)
        if status:
            print(f"anythread certify: {version_notes[name]}", file=sys.stderr)
            return status
    # With --json -, stdout carries the JSON alone: everything a person reads goes to
    # stderr.
    human = sys.stderr if args.json == "-" else sys.stdout
    rows = {row.name: row for row in anythread.list_backends()}

    runs: dict[str, _Run] = {}
    with tempfile.TemporaryDirectory(prefix="anythread-certify-") as tmp:
        ini = os.path.join(tmp, "pytest.ini")
        with open(ini, "w", encoding="utf-8") as stream:
            stream.write(_INI)
        started = time.monotonic()
        root_failed, root_rows = ({}, []) if args.select else _root_check(args, names, ini, tmp)
        checked = time.monotonic() - started
        # The backends that passed the root check, in one run; each broken one alone,
        # with short timeouts (its tests tend to hang) within a short budget.
        healthy = [name for name in names if name not in root_failed]
        if healthy:
            run = _full_run(args, healthy, ini, tmp, args.run_timeout - checked, "healthy")
            runs.update(dict.fromkeys(healthy, run))
        for position, name in enumerate(names):
            if name in root_failed:
                broken = argparse.Namespace(**vars(args))
                broken.timeout = min(args.timeout, _BROKEN_TIMEOUT)
                broken.patience = min(args.patience or _BROKEN_PATIENCE, _BROKEN_PATIENCE)
                left = args.run_timeout - (time.monotonic() - started)
                run = _full_run(
                    broken, [name], ini, tmp, min(left, _BROKEN_BUDGET), f"broken-{position}"
                )
                # The root failures stand even if the run was stopped before its own
                # tests of those clauses reported.
                run.raw = {**run.raw, "results": [*root_rows, *run.raw.get("results", [])]}
                runs[name] = run

    reports: list[dict[str, Any]] = []
    shown: set[int] = set()
    for name in names:
        run = runs[name]
        error = _run_error(run, name in root_failed)
        if id(run) not in shown:  # (pytest's output once per run)
            shown.add(id(run))
            if args.verbose:
                human.write(run.proc.stdout)
                sys.stderr.write(run.proc.stderr)
            elif error and name not in root_failed:
                tail = (run.proc.stdout + run.proc.stderr).strip().splitlines()[-40:]
                print("\n".join(["pytest's output (last lines):", *tail, ""]), file=human)
        report = _report(
            name,
            backends[name],
            rows.get(name.partition(":")[0]),
            args,
            run,
            checked,
            error,
            version_notes[name],
            root_failed.get(name, []),
        )
        if reports:
            print(file=human)
        print(render(report), file=human)
        reports.append(report)
    if args.json:
        text = json.dumps(reports[0] if len(reports) == 1 else reports, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as stream:
                stream.write(text + "\n")
    return 0 if all(_passed(report) for report in reports) else 1


def _passed(report: dict[str, Any]) -> bool:
    """Whether ``report`` is a pass: no clause failed, the run completed, and the
    backend declares this anythread's contract version."""
    return not (
        any(c["outcome"] == "failed" for c in report["clauses"])
        or report["error"]
        or report["version_note"]
    )


def _report(
    name: str,
    backend: Any,
    row: Any,
    args: argparse.Namespace,
    run: _Run,
    checked: float,
    error: str,
    version_note: str,
    root_failed: list[str],
) -> dict[str, Any]:
    """The certification report of backend ``name``, from its ``run``."""
    clauses = fold(run.raw, name, args.select)
    report: dict[str, Any] = {
        "backend": name,
        "certified": False,
        "distribution": row.distribution if row else "",
        "version": row.version if row else "",
        "description": row.description if row else "",
        "capabilities": sorted(str(c) for c in backend.capabilities),
        "known_deviations": (
            dict(backend.known_deviations) if isinstance(backend, DeclaresDeviations) else {}
        ),
        "contract_version": anythread.CONTRACT_VERSION,
        "backend_contract_version": backend.contract_version,
        "version_note": version_note,
        "root_failed": root_failed,
        "anythread": anythread.__version__,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "workers": args.workers,
        "select": list(args.select),
        "duration": checked + run.duration,
        "run_with": [other for other in run.names if other != name],
        "pytest_exit_status": run.proc.returncode,
        "command": run.command,
        "error": error,
        "clauses": clauses,
    }
    report["certified"] = _passed(report) and not args.select
    report["root_causes"] = root_causes(clauses)
    if root_failed:
        unchecked = sum(1 for c in clauses if c["reason"] == _NO_TEST_RAN)
        report["verdict"] = (
            f"NOT CERTIFIED: {name!r} is broken at its root (it fails "
            f"{', '.join(root_failed)}); {sum(1 for c in clauses if c['outcome'] == 'failed')}"
            f" of {len(clauses)} clauses failed or were not checked ({unchecked} not checked)."
        )
    elif error:
        report["verdict"] = f"NOT CERTIFIED: the run did not complete ({error})."
    else:
        report["verdict"] = _verdict(report)
    report["summary"] = {o: sum(1 for c in clauses if c["outcome"] == o) for o in OUTCOMES}
    report["skips"] = {k: sum(1 for c in clauses if c.get("skip") == k) for k in SKIP_KINDS}
    return report


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
