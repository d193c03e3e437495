"""``anythread certify``: its command line, its report and its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from anythread_backends.stdlib import backend as stdlib_backend
from anythread_contract import certify as certify_module
from anythread_contract.clauses import CLAUSES, SECTIONS


def certify(
    *args: str, cwd: Path | None = None, pythonpath: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run(
        [sys.executable, "-m", "anythread", "certify", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


class TestCommandLine:
    def test_help(self) -> None:
        proc = certify("--help")
        assert proc.returncode == 0
        assert proc.stdout.startswith("usage: anythread certify")
        for word in ("NAME", "--json", "-n N", "--select", "Exit status"):
            assert word in proc.stdout

    def test_unknown_backend_exits_2_with_the_registry_message(self) -> None:
        proc = certify("no-such-backend")
        assert proc.returncode == 2
        assert "No such backend: 'no-such-backend' (named by anythread certify)" in proc.stderr
        assert "'stdlib'" in proc.stderr

    def test_unknown_backend_among_several_exits_2_before_any_run(self) -> None:
        proc = certify("stdlib", "no-such-backend", "pure")
        assert proc.returncode == 2
        assert "No such backend: 'no-such-backend'" in proc.stderr
        assert "Verdict" not in proc.stdout + proc.stderr

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("stdlib", "-n", "many"), "-n expects"),
            (("stdlib", "--select", "NOPE-"), "matches no"),
            (("stdlib", "pure", "stdlib"), "backend 'stdlib' is named twice"),
        ],
    )
    def test_bad_options_exit_2(self, args: tuple[str, ...], message: str) -> None:
        proc = certify(*args)
        assert proc.returncode == 2
        assert message in proc.stderr


@pytest.mark.slow
class TestCertifyStdlib:
    def test_stdlib_is_certified(self, tmp_path: Path) -> None:
        out = tmp_path / "stdlib.json"
        # Run from a directory with a hostile pytest configuration: certify ignores it.
        (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --bogus-option\n")
        proc = certify("stdlib", "--json", str(out), "-n", "2", cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads(out.read_text())
        assert report["backend"] == "stdlib"
        assert report["certified"] is True
        assert report["python"] == ".".join(map(str, sys.version_info[:3]))
        assert report["distribution"] == "anythread"
        ids = [clause["id"] for clause in report["clauses"]]
        assert ids == [clause.id for clause in CLAUSES]
        deviations = stdlib_backend.known_deviations
        # Only the NaN checks CPython's own objects skip (join's only before 3.13).
        nan = {"MOD-TIMEOUT-NAN-01"} | (
            {"THREAD-JOIN-NAN-01"} if sys.version_info < (3, 13) else set()
        )
        assert set(deviations) == nan
        assert set(report["known_deviations"]) == set(deviations)
        for clause in report["clauses"]:
            assert set(clause) >= {"id", "section", "outcome", "reason"}
            if clause["id"] in deviations:
                assert clause["outcome"] == "xfailed", clause
            elif clause["outcome"] == "skipped":  # e.g. a CPython 3.13 limitation
                assert "cannot restart" in clause["reason"], clause
            else:
                assert clause["outcome"] == "passed", clause
        text = proc.stdout
        assert "Verdict: CERTIFIED" in text
        assert "anythread 0.1.0" in text
        for section in SECTIONS:
            assert f"  {section} " in text
        assert text.strip().splitlines()[-1].startswith("Verdict: CERTIFIED")


class TestDependencies:
    @pytest.mark.parametrize("module", ["pytest", "xdist", "pytest_timeout"])
    def test_missing_dependency_stops_at_once(self, tmp_path: Path, module: str) -> None:
        # A plain "pip install anythread": the suite's dependencies cannot be imported.
        shadow = tmp_path / "shadow" / module
        shadow.mkdir(parents=True)
        (shadow / "__init__.py").write_text(
            f"raise ImportError('{module} is not installed (simulated)')\n"
        )
        started = time.monotonic()
        proc = certify("stdlib", pythonpath=str(tmp_path / "shadow"))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert time.monotonic() - started < 30
        assert "pip install 'anythread[contract]'" in proc.stderr
        assert "Verdict" not in proc.stdout + proc.stderr
        assert "no test of this clause ran" not in proc.stdout + proc.stderr


class TestJsonToStdout:
    def test_json_dash_writes_only_json_to_stdout(self) -> None:
        proc = certify("stdlib", "--json", "-", "--select", "LOCK-INIT", "-n", "0")
        assert proc.returncode == 0, proc.stdout + proc.stderr  # no selected clause failed
        report = json.loads(proc.stdout)  # the whole of stdout is one JSON document
        assert report["backend"] == "stdlib"
        assert [c["id"] for c in report["clauses"]] == ["LOCK-INIT-01"]
        assert "Verdict: NOT CERTIFIED (partial run)" in proc.stderr
        assert "anythread certify: backend 'stdlib'" in proc.stderr


class TestSkipCategories:
    """A skip for a capability the backend lacks and a skip because a clause cannot run
    here (the running Python, the system) are counted and listed apart."""

    CAPABILITY = (
        "backend 'double' lacks capability 'native-ids': get_native_id() and "
        "Thread.native_id return the operating system's thread id"
    )
    OS_THREADS = (
        "this test stops a thread with sys.setprofile, which reaches every thread that "
        "shares its OS thread: it needs a backend whose threads are OS threads "
        "(capability 'preemptive')"
    )
    HERE = "before 3.11, CPython's Event repr does not show the flag"

    def _report(self) -> dict[str, Any]:
        skipped = {
            "MOD-NATIVE-01": self.CAPABILITY,
            "EVENT-WAIT-RACE-01": self.OS_THREADS,
            "EVENT-REPR-01": self.HERE,
        }
        rows = [
            {
                "nodeid": f"test_{clause.id}",
                "backend": "double",
                "clauses": [clause.id],
                "outcome": "skipped" if clause.id in skipped else "passed",
                "reason": skipped.get(clause.id, ""),
            }
            for clause in CLAUSES
        ]
        clauses = certify_module.fold({"results": rows}, "double", [])
        report: dict[str, Any] = {
            "backend": "double",
            "distribution": "",
            "version": "",
            "description": "",
            "capabilities": [],
            "contract_version": 2,
            "backend_contract_version": 2,
            "version_note": "",
            "root_failed": [],
            "anythread": "0.1.0",
            "python": "3.x",
            "python_implementation": "CPython",
            "platform": "test",
            "workers": "0",
            "select": [],
            "duration": 0.0,
            "error": "",
            "clauses": clauses,
        }
        report["root_causes"] = certify_module.root_causes(clauses)
        report["verdict"] = certify_module._verdict(report)
        return report

    def test_each_skipped_clause_says_why(self) -> None:
        by_id = {c["id"]: c for c in self._report()["clauses"]}
        assert by_id["MOD-NATIVE-01"]["skip"] == "capability"
        assert by_id["EVENT-WAIT-RACE-01"]["skip"] == "capability"
        assert by_id["EVENT-REPR-01"]["skip"] == "here"
        assert "skip" not in by_id["LOCK-ACQ-01"]

    def test_report_lists_and_counts_them_apart(self) -> None:
        report = self._report()
        text = certify_module.render(report)
        capability = text.index("Skipped for missing capabilities")
        here = text.index("Skipped because they cannot run here")
        assert capability < text.index("MOD-NATIVE-01 (16.2)") < here
        assert capability < text.index("EVENT-WAIT-RACE-01") < here
        assert text.index("EVENT-REPR-01 (16.2.6)") > here
        assert "2 skipped for missing capabilities" in report["verdict"]
        assert "1 skipped because they cannot run on this Python or system" in report["verdict"]
        assert text.strip().splitlines()[-1] == f"Verdict: {report['verdict']}"
        assert report["verdict"].startswith("CERTIFIED")


class TestVerdictCounts:
    """The verdict counts what happened to the clauses, in the right number."""

    def _report(self, select: list[str], skipped: dict[str, str]) -> dict[str, Any]:
        rows = [
            {
                "nodeid": f"test_{clause.id}",
                "backend": "double",
                "clauses": [clause.id],
                "outcome": "skipped" if clause.id in skipped else "passed",
                "reason": skipped.get(clause.id, ""),
            }
            for clause in CLAUSES
        ]
        clauses = certify_module.fold({"results": rows}, "double", select)
        report: dict[str, Any] = {
            "backend": "double",
            "distribution": "",
            "version": "",
            "description": "",
            "capabilities": [],
            "contract_version": 2,
            "backend_contract_version": 2,
            "version_note": "",
            "root_failed": [],
            "anythread": "0.1.0",
            "python": "3.x",
            "python_implementation": "CPython",
            "platform": "test",
            "workers": "0",
            "select": select,
            "duration": 0.0,
            "error": "",
            "clauses": clauses,
        }
        report["root_causes"] = certify_module.root_causes(clauses)
        report["verdict"] = certify_module._verdict(report)
        return report

    def test_partial_run_with_a_skip_does_not_claim_every_clause_passed(self) -> None:
        report = self._report(["EVENT"], {"EVENT-REPR-01": TestSkipCategories.HERE})
        selected = len(report["clauses"])
        assert selected > 2
        verdict = report["verdict"]
        assert verdict.startswith(
            f"NOT CERTIFIED (partial run): 'double' passes {selected - 1} of the "
            f"{selected} selected clauses and fails none ("
        ), verdict
        assert f"{selected - 1} passed" in verdict
        assert "1 skipped because they cannot run on this Python or system" in verdict
        assert verdict.endswith("certification needs the full suite.")

    def test_partial_run_of_every_clause_passed(self) -> None:
        report = self._report(["EVENT"], {})
        selected = len(report["clauses"])
        assert report["verdict"] == (
            f"NOT CERTIFIED (partial run): 'double' passes all {selected} selected clauses; "
            "certification needs the full suite."
        )

    def test_one_clause_is_singular(self) -> None:
        report = self._report(["LOCK-INIT"], {})
        assert [c["id"] for c in report["clauses"]] == ["LOCK-INIT-01"]
        assert report["verdict"] == (
            "NOT CERTIFIED (partial run): 'double' passes the 1 selected clause; "
            "certification needs the full suite."
        )
        text = certify_module.render(report)
        assert "  run:          1 clause, -n 0" in text
        assert "1 clauses" not in text
