"""Section 16.2.6: Event edge cases that the mutation run found unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from anythread_contract._support import LONG, elapsed, settle, spawn

clause = pytest.mark.clause


class TestEventEdges:
    @clause("EVENT-WAIT-CLEARED-01")
    def test_wait_returns_true_when_cleared_before_the_waiter_wakes(self, backend: Any) -> None:
        # set() then clear() at once: a waiter woken by set() may find the flag false
        # again when it runs; it must still return True.  Nothing public tells when the
        # waiter is inside wait(), so a round where it came too late (and so timed out,
        # after the whole timeout) proves nothing; a False before the timeout is the bug.
        timeout = 1.0
        for _ in range(5):
            event = backend.Event()
            entered = backend.Event()

            def body(event: Any = event, entered: Any = entered) -> tuple[bool, float]:
                entered.set()
                with elapsed() as clock:
                    result = event.wait(timeout)
                return result, clock.seconds

            worker = spawn(backend, body)
            assert entered.wait(LONG)
            settle(backend, 0.01)
            event.set()
            event.clear()
            result, seconds = worker.join()
            assert result is True or seconds >= timeout - 0.01, (
                f"wait() returned {result!r} after {seconds:.3f}s, before its timeout"
            )

    @clause("EVENT-REPR-01")
    def test_repr_shows_the_flag(self, backend: Any) -> None:
        event = backend.Event()
        if sys.version_info < (3, 11) and "object at" in repr(event):
            pytest.skip("before 3.11, CPython's Event repr does not show the flag")
        assert repr(event).endswith(": unset>"), repr(event)
        event.set()
        assert repr(event).endswith(": set>"), repr(event)
        event.clear()
        assert repr(event).endswith(": unset>"), repr(event)
