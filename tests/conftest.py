"""Shared fixtures of the project's own tests."""

from __future__ import annotations

import faulthandler
import sys
from collections.abc import Iterator

import pytest

from anythread import selection


@pytest.fixture
def fresh_facade(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A facade that has chosen nothing yet, with no backend env var set."""
    monkeypatch.delenv(selection.BACKEND_ENV, raising=False)
    selection._reset_for_tests()
    yield
    selection._reset_for_tests()


#: How long the interpreter may take to exit once the session is over, in seconds.
EXIT_BOUND = 120.0


def pytest_unconfigure(config: pytest.Config) -> None:
    """Bound the interpreter's exit: a backend's exit rule left waiting for a thread
    that will never end (a world that still lists one) would hang the run after every
    test passed, where no test's timeout applies.  Past the bound, every thread's stack
    is dumped and the process exits with status 1.

    Not in a pytest-xdist worker: its session ends before its process does, which then
    waits, idle, for the controller (until every other worker is done: minutes, on a
    slow run); the controller ends its workers itself, 10 s after telling them to."""
    if hasattr(config, "workerinput"):
        return
    faulthandler.dump_traceback_later(EXIT_BOUND, exit=True, file=sys.__stderr__)
