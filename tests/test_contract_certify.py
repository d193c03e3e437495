"""``anythread certify``: its command line, its report and its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anythread_contract.clauses import CLAUSES, SECTIONS


def certify(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
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
