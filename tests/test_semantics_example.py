"""The example of a kernel written outside the project runs, as the docs promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
