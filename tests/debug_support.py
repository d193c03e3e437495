"""Helpers shared by the debug backend's tests (test_debug_*.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anythread_backends.debug import DebugBackend, make_backend

BOUND = 10.0
#: seconds: a program run by :func:`run_program` that hangs fails here instead
PROGRAM_BOUND = 60


def run_program(
    tmp_path: Path, source: str, *, command: tuple[str, ...] = ("prog.py",)
) -> subprocess.CompletedProcess[str]:
    """Write ``source`` to ``tmp_path / "prog.py"`` and run ``python *command`` there,
    on the debug backend (``ANYTHREAD_BACKEND=debug``; a command may choose another)."""
    (tmp_path / "prog.py").write_text(textwrap.dedent(source))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    env["ANYTHREAD_BACKEND"] = "debug"
    return subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=PROGRAM_BOUND,
        check=False,
    )


try:
    import greenlet  # noqa: F401  (the cooperative backend's requirement)

    INNER = ["stdlib", "pure", "cooperative"]
except ImportError:  # pragma: no cover - the dev install has it
    INNER = ["stdlib", "pure"]

#: How :func:`wait_until` lets other threads run between two polls: ``time.sleep``,
#: except over cooperative, where only the backend's own sleep lets a green thread run.
_pause: Callable[[float], None] = time.sleep


@pytest.fixture(params=INNER)
def debug(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> DebugBackend:
    """A fresh debug backend (its own graphs) over stdlib, pure and cooperative, mode
    raise."""
    for name in (
        "ANYTHREAD_DEBUG_MODE",
        "ANYTHREAD_DEBUG_ORDER",
        "ANYTHREAD_DEBUG_WRAPS",
        "ANYTHREAD_DEBUG_HANDOFF",
    ):
        monkeypatch.delenv(name, raising=False)
    backend = make_backend(request.param)
    monkeypatch.setattr(
        f"{__name__}._pause", backend.sleep if request.param == "cooperative" else time.sleep
    )
    return backend


def fresh(debug: DebugBackend, **options: str) -> DebugBackend:
    """Another debug backend over the same inner backend, with ``options``."""
    return DebugBackend(debug.inner, debug.name, **options)


class Worker:
    """A thread of ``backend`` running ``fn``; :meth:`outcome` gives its result or error."""

    def __init__(self, backend: Any, fn: Callable[[], Any], name: str) -> None:
        self._result: list[Any] = []
        self._error: list[BaseException] = []

        def body() -> None:
            try:
                self._result.append(fn())
            except BaseException as exc:
                self._error.append(exc)

        self.thread = backend.Thread(target=body, name=name)
        self.thread.start()

    def outcome(self) -> Any:
        self.thread.join(BOUND)
        assert not self.thread.is_alive(), f"{self.thread.name} did not finish in {BOUND}s"
        if self._error:
            return self._error[0]
        return self._result[0] if self._result else None


def run(backend: Any, fn: Callable[[], Any], name: str = "worker") -> Any:
    """Run ``fn`` in a thread of ``backend`` to the end; return its result or exception."""
    return Worker(backend, fn, name).outcome()


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Poll ``predicate`` until it is true, at most :data:`BOUND` seconds."""
    deadline = time.monotonic() + BOUND
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        _pause(0.001)
