"""Section 16.2.6: Event edge cases that the mutation run found unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest

from anythread_contract._support import (
    LONG,
    elapsed,
    needs_own_os_threads,
    settle,
    spawn,
    wait_until,
)

clause = pytest.mark.clause


def _wait_with_set_stopped_at(backend: Any, k: int) -> Any:
    """Return what wait() returns when another thread's set() stands at its k-th step.

    The setting thread hands over to this one at the k-th event of its profile function
    (call, return, C call, C return): this thread then calls wait(), and the setting
    thread resumes once wait() has returned, or after a short bound if wait() blocks on
    something the setting thread holds.
    """
    event = backend.Event()
    events: list[bool] = []
    waited: list[bool] = []

    def hand_over_at_k(frame: Any, what: str, arg: Any) -> None:
        events.append(len(events) + 1 == k)
        if events[-1]:
            deadline = time.monotonic() + 0.05
            while not waited and time.monotonic() < deadline:
                backend.sleep(0)

    def setter() -> None:
        sys.setprofile(hand_over_at_k)
        try:
            event.set()
        finally:
            sys.setprofile(None)

    worker = spawn(backend, setter)
    wait_until(backend, lambda: any(events) or worker.done, what="set() to reach step k")
    result = event.wait(LONG)
    waited.append(True)
    worker.join()
    return result


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

    @clause("EVENT-WAIT-RACE-01")
    def test_wait_returns_true_wherever_set_interleaves(self, backend: Any) -> None:
        needs_own_os_threads(backend)
        for k in range(1, 16):
            result = _wait_with_set_stopped_at(backend, k)
            assert result is True, f"wait() returned {result!r} with set() at event {k}"

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
