"""A real third-party package's own test suite under ``anythread run``.

fasteners (reader-writer locks, inter-thread and inter-process locks; pure Python, built
on ``threading.Condition``, ``current_thread`` and ``concurrent.futures``) ships its
tests in its sdist.  This script downloads that sdist from the package index, installs
it with its test dependencies into a scratch directory, and runs its tests three ways at
once (they mostly wait, so they overlap well):

    python -m pytest tests
    anythread run -b pure  -m pytest tests
    anythread run -b debug -m pytest tests

It prints each test's outcome side by side and exits 0 only if every backend's outcomes
equal plain Python's, apart from the differences listed in ``KNOWN`` with their reason
(and a listed difference that is gone is reported too, so the list stays true).
``tests/test_eventlet.py`` is left out: it needs eventlet, which monkey-patches the
very module anythread replaces.  Needs network access to the package index.

Usage: python tests/thirdparty/check_fasteners.py [--keep DIR]
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
from pathlib import Path

PACKAGE = "fasteners"
VERSION = "0.20"
TEST_DEPENDENCIES = ("diskcache==5.6.3", "more-itertools")
BACKENDS = ("pure", "debug")
TIMEOUT = 300

#: Differences from plain Python, per backend: {test id: reason}.
KNOWN: dict[str, dict[str, str]] = {
    "pure": {},
    "debug": {},
}


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *args],
        check=True,
    )


def _prepare(work: Path) -> Path:
    """Download the sdist, unpack its tests, install it and its test dependencies."""
    _pip("download", "--no-deps", "--no-binary", ":all:", "-d", str(work), f"{PACKAGE}=={VERSION}")
    sdist = work / f"{PACKAGE}-{VERSION}.tar.gz"
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+
            archive.extractall(work, filter="data")
        else:
            archive.extractall(work)  # the index's own sdist
    _pip("install", "--target", str(work / "site"), str(sdist), *TEST_DEPENDENCIES)
    source = work / f"{PACKAGE}-{VERSION}"
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="anythread-thirdparty-") as scratch:
        work = options.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        source = _prepare(work)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
        env["PYTHONPATH"] = str(work / "site")
        pytest_args = ["-m", "pytest", "tests", "-q", "-p", "no:randomly"]
        pytest_args += ["-p", "no:cacheprovider", "-o", "addopts=", "-o", "timeout=120"]
        pytest_args += ["--ignore=tests/test_eventlet.py"]
        runs = {"python": [sys.executable]}
        for backend in BACKENDS:
            runs[backend] = [sys.executable, "-m", "anythread", "run", "-b", backend]
        started = time.monotonic()
        children = {
            name: subprocess.Popen(
                [*command, *pytest_args, f"--junitxml={work / f'{name}.xml'}"],
                cwd=source,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for name, command in runs.items()
        }
        summaries = {}
        for name, child in children.items():
            output, _ = child.communicate(timeout=TIMEOUT)
            lines = output.strip().splitlines()
            summaries[name] = lines[-1] if lines else f"no output (exit status {child.returncode})"
        elapsed = time.monotonic() - started
        results = {name: _outcomes(work / f"{name}.xml") for name in runs}
    return _report(results, summaries, elapsed)


def _report(results: dict[str, dict[str, str]], summaries: dict[str, str], elapsed: float) -> int:
    print(f"{PACKAGE} {VERSION}: its test suite, run three ways at once ({elapsed:.0f} s)")
    for name, summary in summaries.items():
        print(f"  {name:8} {summary}")
    plain = results["python"]
    ok = True
    for backend in BACKENDS:
        got = results[backend]
        known = KNOWN[backend]
        for test in sorted(set(plain) | set(got)):
            same = plain.get(test) == got.get(test)
            if not same and test in known:
                print(f"  known    [{backend}] {test}: {got.get(test)} ({known[test]})")
            elif not same:
                ok = False
                print(f"  DIFFERS  [{backend}] {test}: python {plain.get(test)}, {got.get(test)}")
            elif test in known:
                ok = False
                print(f"  GONE     [{backend}] {test}: the known difference is gone; update KNOWN")
    counts = {name: len(outcomes) for name, outcomes in results.items()}
    print(f"  tests per run: {counts}")
    print("same results as plain Python" if ok else "results differ from plain Python")
    return 0 if ok and all(counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
