"""The contract suite's pytest plugin: inert unless asked, and what it does when asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anythread_contract.clauses import CLAUSES


def run_pytest(
    cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run pytest in ``cwd`` (no project configuration) with no anythread variables."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    full_env.pop("PYTEST_ADDOPTS", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


OTHER_PROJECT = """
import pytest

@pytest.fixture
def backend():
    return "the project's own fixture"

def test_uses_its_own_backend_fixture(backend):
    assert backend == "the project's own fixture"

def test_plain():
    pass
"""


class TestInert:
    @pytest.mark.parametrize("env", [{}, {"ANYTHREAD_BACKEND": "stdlib"}])
    def test_other_projects_runs_are_untouched(self, tmp_path: Path, env: dict[str, str]) -> None:
        (tmp_path / "test_other.py").write_text(OTHER_PROJECT)
        proc = run_pytest(tmp_path, "-q", "--strict-markers", env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "2 passed" in proc.stdout
        assert "[stdlib]" not in proc.stdout

    def test_options_are_documented(self, tmp_path: Path) -> None:
        proc = run_pytest(tmp_path, "--help")
        for option in (
            "--anythread-backend",
            "--anythread-select",
            "--anythread-report",
            "--anythread-timeout",
        ):
            assert option in proc.stdout

    def test_suite_without_backend_says_what_to_do(self, tmp_path: Path) -> None:
        proc = run_pytest(tmp_path, "--pyargs", "anythread_contract", "-q")
        assert proc.returncode != 0
        assert "needs a backend: pass --anythread-backend NAME" in proc.stdout

    def test_unknown_backend_is_reported(self, tmp_path: Path) -> None:
        proc = run_pytest(
            tmp_path, "--pyargs", "anythread_contract", "--anythread-backend", "nope", "-q"
        )
        assert proc.returncode != 0
        assert "No such backend: 'nope'" in proc.stdout


class TestActive:
    def test_select_and_report(self, tmp_path: Path) -> None:
        report = tmp_path / "raw.json"
        proc = run_pytest(
            tmp_path,
            "--pyargs",
            "anythread_contract",
            "--anythread-backend",
            "stdlib",
            "--anythread-select",
            "EVENT-",
            "--anythread-select",
            "16.2.7",
            "--anythread-report",
            str(report),
            "-p",
            "no:xdist",
            "-q",
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        data = json.loads(report.read_text())
        clauses = {cid for row in data["results"] for cid in row["clauses"]}
        expected = {c.id for c in CLAUSES if c.id.startswith("EVENT-") or c.section == "16.2.7"}
        assert clauses == expected
        # Passed, or skipped for the running Python with a reason (EVENT-REPR-01 on 3.10).
        assert {row["outcome"] for row in data["results"]} <= {"passed", "skipped"}
        assert all(row["reason"] for row in data["results"] if row["outcome"] == "skipped")
        assert {row["backend"] for row in data["results"]} == {"stdlib"}
        assert data["backends"]["stdlib"]["distribution"] == "anythread"
        assert "deselected" in proc.stdout

    def test_environment_variable_chooses_the_backend(self, tmp_path: Path) -> None:
        proc = run_pytest(
            tmp_path,
            "--pyargs",
            "anythread_contract",
            "--anythread-select",
            "API-",
            "-p",
            "no:xdist",
            "-v",
            env={"ANYTHREAD_BACKEND": "stdlib"},
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "[stdlib" in proc.stdout

    def test_all_runs_every_available_backend(self, tmp_path: Path) -> None:
        import anythread

        names = [row.name for row in anythread.list_backends() if row.available]
        proc = run_pytest(
            tmp_path,
            "--pyargs",
            "anythread_contract",
            "--anythread-backend",
            "all",
            "--anythread-select",
            "API-NAMES",
            "-p",
            "no:xdist",
            "-v",
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        for name in names:
            assert f"[{name}]" in proc.stdout

    @pytest.mark.slow
    def test_process_wide_tests_share_one_worker(self, tmp_path: Path) -> None:
        proc = run_pytest(
            tmp_path,
            "--pyargs",
            "anythread_contract",
            "--anythread-backend",
            "stdlib",
            "--anythread-select",
            "MOD-S",
            "--anythread-select",
            "MOD-GET",
            "-n",
            "2",
            "-v",
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        from anythread_contract.plugin import xdist_groups_work

        if not xdist_groups_work():
            # pytest-xdist 3.8 marks a group by rewriting Node._nodeid, which pytest 9.2
            # no longer reads; the plugin then keeps --dist load.  Workers are separate
            # processes, so the process-wide tests still cannot disturb each other.
            # Upstream: https://github.com/pytest-dev/pytest-xdist/issues/1386
            assert "LoadScheduling" in proc.stdout
            pytest.skip(
                "this pytest-xdist cannot apply xdist_group with this pytest "
                "(pytest-dev/pytest-xdist#1386)"
            )
        assert "LoadGroupScheduling" in proc.stdout, "the plugin asks xdist for loadgroup"
        workers = {
            line.split("]")[0].split("[")[-1]
            for line in proc.stdout.splitlines()
            if "test_process_wide.py" in line and " PASSED" in line
        }
        assert len(workers) == 1, proc.stdout
