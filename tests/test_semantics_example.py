"""The example of a kernel written outside the project runs, as the docs promise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "custom_kernel"


class TestCustomKernelExample:
    def test_demo_runs(self) -> None:
        result = subprocess.run(
            [sys.executable, "demo.py"],
            cwd=EXAMPLE,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "<anythread backend 'counting'> with 5 capabilities"
        assert lines[1] == "consumed 20 items in 4 threads"
        assert lines[2].startswith("kernel calls: {")


@pytest.mark.slow
def test_example_plugin_certifies_through_anythread_plugins() -> None:
    # The example's README promises: name the plugin, then certify the backend.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    env.update(PYTHONPATH=str(EXAMPLE), ANYTHREAD_PLUGINS="counting_plugin:plugin")
    result = subprocess.run(
        [sys.executable, "-m", "anythread", "certify", "counting", "--json", "-"],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["certified"] is True
    skipped = {c["id"] for c in report["clauses"] if c["outcome"] == "skipped"}
    assert "THREAD-EXIT-01" in skipped  # the kernel declares no exit hook
