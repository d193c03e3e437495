"""Helpers shared by the project's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_python(
    code: str,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 60,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code`` in a clean environment (no anythread variables)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *args, "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
    )


def green_until(condition: Callable[[], object], b: Any, limit: float = 10.0) -> bool:
    """Let the other green threads of backend ``b`` run (``b.sleep``) until
    ``condition()`` holds, at most ``limit`` seconds; return whether it does."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        b.sleep(0.001)
    return True
