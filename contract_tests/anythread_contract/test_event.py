"""Section 16.2.6: Event objects."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from anythread_contract._support import (
    LATE,
    LONG,
    SHORT,
    assert_not_early,
    elapsed,
    settle,
    spawn,
    wait_until,
)

clause = pytest.mark.clause


class TestEvent:
    @clause("EVENT-INIT-01")
    def test_flag_initially_false(self, backend: Any) -> None:
        event = backend.Event()
        assert event.is_set() is False
        event.set()
        assert event.is_set() is True

    @clause("EVENT-SET-01")
    def test_set_wakes_all_waiters(self, backend: Any) -> None:
        event = backend.Event()
        started: list[int] = []

        def body(i: int) -> Any:
            started.append(i)
            return event.wait(LONG)

        workers = [spawn(backend, body, i) for i in range(3)]
        wait_until(backend, lambda: len(started) == 3, what="three waiters")
        settle(backend)
        assert event.set() is None
        assert [worker.join() for worker in workers] == [True, True, True]

    @clause("EVENT-SET-02")
    def test_wait_when_set_does_not_block(self, backend: Any) -> None:
        event = backend.Event()
        event.set()
        with elapsed() as clock:
            assert event.wait() is True
            assert event.wait(0) is True
            assert event.wait(LONG) is True
        assert clock.seconds < LATE

    @clause("EVENT-CLEAR-01")
    def test_clear_makes_wait_block(self, backend: Any) -> None:
        event = backend.Event()
        event.set()
        assert event.clear() is None
        assert event.is_set() is False
        assert event.wait(SHORT) is False
        worker = spawn(backend, event.wait, LONG)
        settle(backend)
        assert worker.thread.is_alive()
        event.set()
        assert worker.join() is True

    @clause("EVENT-WAIT-01")
    def test_wait_returns_true_when_set_by_another_thread(self, backend: Any) -> None:
        event = backend.Event()
        waiting = backend.Event()

        def body() -> Any:
            waiting.set()
            return event.wait()

        worker = spawn(backend, body)
        assert waiting.wait(LONG)
        settle(backend)
        spawn(backend, event.set).join()
        assert worker.join() is True

    @clause("EVENT-WAIT-02")
    def test_wait_timeout_returns_false(self, backend: Any) -> None:
        event = backend.Event()
        with elapsed() as clock:
            assert event.wait(SHORT) is False
            assert event.wait(timeout=0) is False
        assert clock.seconds < SHORT + LATE

    @clause("EVENT-WAIT-03")
    def test_wait_timeout_not_early(self, backend: Any) -> None:
        event = backend.Event()
        for timeout in (SHORT, 0.25):
            with elapsed() as clock:
                event.wait(timeout)
            assert_not_early(clock, timeout)

    @clause("EVENT-ALIAS-01")
    def test_is_set_camel_case_alias(self, backend: Any) -> None:
        event = backend.Event()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert event.isSet() is False
            event.set()
            assert event.isSet() is True
