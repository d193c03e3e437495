"""examples/latent_inversion.py: found on debug (over stdlib and pure), silent elsewhere."""

from __future__ import annotations

import os

import pytest
from helpers import ROOT, run_python

SCRIPT = ROOT / "examples" / "latent_inversion.py"
RUN = f"import runpy; runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"


class TestLatentInversionExample:
    @pytest.mark.parametrize("backend", ["debug", "debug:pure"])
    def test_debug_reports_the_latent_deadlock(self, backend: str) -> None:
        result = run_python(RUN, env={"ANYTHREAD_BACKEND": backend})
        assert result.returncode == 0, result.stderr
        assert f"{backend}: found the latent deadlock" in result.stdout
        assert "acquire(accounts)  <- blocks" in result.stdout
        assert "latent_inversion.py" in result.stdout  # the edges' sites and stacks
        # The stacks show the user's frames only: no thread machinery, no anythread.
        assert "threading.py" not in result.stdout
        assert "anythread_backends" not in result.stdout
        assert "/anythread/" not in result.stdout

    def test_debug_wraps_from_the_environment(self) -> None:
        result = run_python(
            RUN, env={"ANYTHREAD_BACKEND": "debug", "ANYTHREAD_DEBUG_WRAPS": "pure"}
        )
        assert result.returncode == 0, result.stderr
        assert "found the latent deadlock" in result.stdout

    def test_warn_mode_lets_the_program_finish(self) -> None:
        result = run_python(RUN, env={"ANYTHREAD_BACKEND": "debug", "ANYTHREAD_DEBUG_MODE": "warn"})
        assert result.returncode == 0, result.stderr
        assert "audit: 1 ledger lines, total 100" in result.stdout
        assert "LockOrderWarning: lock-order inversion" in result.stderr

    @pytest.mark.parametrize("backend", ["stdlib", "pure"])
    def test_other_backends_finish_silently(self, backend: str) -> None:
        result = run_python(RUN, env={"ANYTHREAD_BACKEND": backend})
        assert result.returncode == 0, result.stderr
        assert "audit: 1 ledger lines, total 100" in result.stdout
        assert f"{backend}: finished" in result.stdout


class TestTheDocsReport:
    def test_the_report_in_docs_debug_rst_is_what_the_example_prints(self) -> None:
        # docs/debug.rst shows the example's report as printed, paths made relative to
        # the repository: it must stay true.
        result = run_python(RUN, env={"ANYTHREAD_BACKEND": "debug"})
        assert result.returncode == 0, result.stderr
        printed = result.stdout.replace(f"{ROOT}{os.sep}", "").splitlines()
        report = "\n".join(printed[printed.index("") + 1 :]).strip()
        docs = (ROOT / "docs" / "debug.rst").read_text(encoding="utf-8")
        start = docs.index("lock-order inversion: Thread-2 (run)")
        end = docs.index("\n\nHow to read it:")
        shown = "\n".join(line[3:] for line in docs[start - 3 : end].splitlines()).strip()
        assert shown == report
