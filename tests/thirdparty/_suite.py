"""Run a real package's own test suite under ``anythread run``, next to plain Python.

The scripts beside this module (``check_fasteners.py``, ``check_pykka.py``) each
describe one package as a :class:`Suite`; :func:`main` downloads its sdist from the
package index, installs it with its test dependencies into a scratch directory, runs
its tests once with plain Python and once per backend, all at once (they mostly wait,
so they overlap well), and compares the outcome of every test.  It exits 0 only if
every run's outcomes equal plain Python's, apart from the differences the suite lists
in ``known`` with their reason; a listed difference that is gone is reported too, so
the list stays true.  A test listed in ``races`` (one whose outcome depends on the
interleaving a seeded schedule happens to pick) is reported either way and not judged.
Needs network access to the package index.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One way to run the suite: ``anythread run -b BACKEND``, with ``env`` added and
    ``pytest_args`` after the suite's own."""

    backend: str
    env: Mapping[str, str] = field(default_factory=dict)
    pytest_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    """A package whose sdist ships its tests, and how to run and judge them."""

    package: str
    version: str
    #: installed next to the package (pip requirement strings)
    test_dependencies: tuple[str, ...]
    #: the runs besides plain Python's, by the name the report gives them
    runs: Mapping[str, Run]
    #: differences from plain Python, per run: {test id: reason}
    known: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: tests whose outcome in a run depends on the interleaving: {run: {test id: why}}
    races: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: pytest's arguments after the paths (what to leave out, say)
    pytest_args: tuple[str, ...] = ()
    #: the test files or directories to run, in the unpacked sdist
    paths: tuple[str, ...] = ("tests",)
    #: seconds each run may take
    timeout: float = 300
    #: install exactly the package and ``test_dependencies`` (pinned, every one listed),
    #: none of what they require: nothing that would shadow the running environment's
    #: own pytest or pluggy
    exact: bool = False


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *args],
        check=True,
    )


def _prepare(suite: Suite, work: Path) -> Path:
    """Download the sdist, unpack its tests, install it and its test dependencies."""
    name, version = suite.package, suite.version
    _pip("download", "--no-deps", "--no-binary", ":all:", "-d", str(work), f"{name}=={version}")
    # (An sdist's name may spell the package's with "_" for "-", or in other case.)
    (sdist,) = [
        path
        for path in work.glob(f"*-{version}.tar.gz")
        if path.name.lower().replace("_", "-") == f"{name.lower()}-{version}.tar.gz"
    ]
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+
            archive.extractall(work, filter="data")
        else:
            archive.extractall(work)  # the index's own sdist
    exact = ("--no-deps",) if suite.exact else ()
    _pip("install", *exact, "--target", str(work / "site"), str(sdist), *suite.test_dependencies)
    source = work / sdist.name.removesuffix(".tar.gz")
    # The tests must import the installed copy, not the unpacked source next to them.
    for entry in source.iterdir():
        if entry.name != "tests" and entry.is_dir():
            entry.rename(work / f"unpacked-{entry.name}")
    return source


def _outcomes(junit: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcome = "passed"
        for tag in ("error", "failure", "skipped"):
            if tag in kinds:
                outcome = {"error": "error", "failure": "failed", "skipped": "skipped"}[tag]
        if outcome != "passed" and test in outcomes:
            outcomes[test] += "+" + outcome  # a teardown error after a result
        else:
            outcomes.setdefault(test, outcome)
    return outcomes


def main(suite: Suite, doc: str) -> int:
    """The script's entry point: prepare, run every way at once, report."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="anythread-thirdparty-") as scratch:
        work = options.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        source = _prepare(suite, work)
        base = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
        base["PYTHONPATH"] = str(work / "site")
        pytest_args = ["-m", "pytest", *suite.paths, "-q", "-p", "no:randomly"]
        pytest_args += ["-p", "no:cacheprovider", "-o", "addopts=", "-o", "timeout=120"]
        pytest_args += suite.pytest_args
        commands = {"python": ([sys.executable], base, ())}
        for name, run in suite.runs.items():
            command = [sys.executable, "-m", "anythread", "run", "-b", run.backend]
            commands[name] = (command, {**base, **run.env}, run.pytest_args)
        started = time.monotonic()
        children = {
            name: subprocess.Popen(
                [*command, *pytest_args, *extra, f"--junitxml={work / f'{name}.xml'}"],
                cwd=source,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for name, (command, env, extra) in commands.items()
        }
        summaries = {}
        for name, child in children.items():
            output, _ = child.communicate(timeout=suite.timeout)
            lines = output.strip().splitlines()
            summaries[name] = lines[-1] if lines else f"no output (exit status {child.returncode})"
        elapsed = time.monotonic() - started
        results = {name: _outcomes(work / f"{name}.xml") for name in commands}
    return report(suite, results, summaries, elapsed)


def report(
    suite: Suite,
    results: Mapping[str, Mapping[str, str]],
    summaries: Mapping[str, str],
    elapsed: float,
) -> int:
    """Print each run's summary and every difference from plain Python; 0 if none
    but the known ones (and the races')."""
    print(
        f"{suite.package} {suite.version}: its test suite, run {len(results)} ways at once"
        f" ({elapsed:.0f} s)"
    )
    width = max(map(len, summaries))
    for name, summary in summaries.items():
        print(f"  {name:{width}} {summary}")
    plain = results["python"]
    ok = True
    for name in suite.runs:
        got = results[name]
        known = suite.known.get(name, {})
        races = suite.races.get(name, {})
        for test in sorted(set(plain) | set(got)):
            same = plain.get(test) == got.get(test)
            if test in races:
                print(f"  race     [{name}] {test}: {got.get(test)} ({races[test]})")
            elif not same and test in known:
                print(f"  known    [{name}] {test}: {got.get(test)} ({known[test]})")
            elif not same:
                ok = False
                print(f"  DIFFERS  [{name}] {test}: python {plain.get(test)}, {got.get(test)}")
            elif test in known:
                ok = False
                print(f"  GONE     [{name}] {test}: the known difference is gone; update it")
    counts = {name: len(outcomes) for name, outcomes in results.items()}
    print(f"  tests per run: {counts}")
    print("same results as plain Python" if ok else "results differ from plain Python")
    return 0 if ok and all(counts.values()) else 1
