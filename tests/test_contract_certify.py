"""``anythread certify``: its command line, its report and its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
        assert "No such backend: 'no-such-backend'" in proc.stderr
        assert "'stdlib'" in proc.stderr

    @pytest.mark.parametrize(
        ("args", "message"),
        [(("stdlib", "-n", "many"), "-n expects"), (("stdlib", "--select", "NOPE-"), "matches no")],
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
        for clause in report["clauses"]:
            assert set(clause) >= {"id", "section", "outcome", "reason"}
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
