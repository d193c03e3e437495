"""Section 16.2.7: Timer objects."""

from __future__ import annotations

import time
from typing import Any

import pytest

from anythread_contract._support import LATE, LONG, SHORT, settle, spawn

clause = pytest.mark.clause


class TestTimer:
    @clause("TIMER-01")
    def test_runs_function_with_args(self, backend: Any) -> None:
        calls: list[Any] = []
        done = backend.Event()

        def action(*args: Any, **kwargs: Any) -> None:
            calls.append((args, kwargs, backend.current_thread()))
            done.set()

        timer = backend.Timer(SHORT, action, args=[1, 2], kwargs={"k": "v"})
        timer.start()
        assert done.wait(LONG)
        timer.join(LONG)
        assert not timer.is_alive()
        assert calls == [((1, 2), {"k": "v"}, timer)]

    @clause("TIMER-01")
    def test_runs_function_without_args(self, backend: Any) -> None:
        done = backend.Event()
        timer = backend.Timer(0.01, done.set)
        timer.start()
        assert done.wait(LONG)
        timer.join(LONG)

    @clause("TIMER-02")
    def test_not_before_interval(self, backend: Any) -> None:
        fired: list[float] = []
        done = backend.Event()
        interval = 0.2

        def action() -> None:
            fired.append(time.monotonic())
            done.set()

        timer = backend.Timer(interval, action)
        start = time.monotonic()
        timer.start()
        assert done.wait(LONG)
        timer.join(LONG)
        delay = fired[0] - start
        assert delay >= interval - 0.002, f"the action ran after {delay:.4f}s"
        assert delay <= interval + LATE

    @clause("TIMER-03")
    def test_cancel_while_waiting(self, backend: Any) -> None:
        calls: list[int] = []
        timer = backend.Timer(0.3, calls.append, args=[1])
        timer.start()
        assert timer.cancel() is None
        timer.join(LONG)
        assert not timer.is_alive()
        settle(backend, 0.4)  # past the interval: a cancelled action must not have run
        assert calls == []

    @clause("TIMER-03")
    def test_cancel_of_a_short_timer(self, backend: Any) -> None:
        # A cancel that comes while the timer waits works however little of the
        # interval is left: 0.2 s leaves the test ample time to cancel.
        calls: list[int] = []
        timer = backend.Timer(0.2, calls.append, args=[1])
        timer.start()
        timer.cancel()
        timer.join(LONG)
        settle(backend, 0.3)  # past the interval: a cancelled action must not have run
        assert calls == []

    @clause("TIMER-03")
    def test_cancel_before_start(self, backend: Any) -> None:
        calls: list[int] = []
        timer = backend.Timer(0.05, calls.append, args=[1])
        timer.cancel()
        timer.start()
        timer.join(LONG)
        assert calls == []

    @clause("TIMER-04")
    def test_cancel_after_action_began(self, backend: Any) -> None:
        began = backend.Event()
        go = backend.Event()
        finished: list[bool] = []

        def action() -> None:
            began.set()
            go.wait(LONG)
            finished.append(True)

        timer = backend.Timer(0.01, action)
        timer.start()
        assert began.wait(LONG)
        timer.cancel()
        go.set()
        timer.join(LONG)
        assert finished == [True]

    @clause("TIMER-05")
    def test_timer_is_a_thread(self, backend: Any) -> None:
        assert issubclass(backend.Timer, backend.Thread)
        done = backend.Event()
        timer = backend.Timer(0.01, done.set)
        assert isinstance(timer, backend.Thread)
        assert timer.is_alive() is False
        timer.start()
        assert done.wait(LONG)
        timer.join(LONG)
        with pytest.raises(RuntimeError):
            timer.start()
        assert spawn(backend, lambda: None).join() is None
