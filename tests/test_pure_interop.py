"""Threads of the ``pure`` backend are what code using the standard library expects.

Code that calls the standard library's ``threading`` from inside a ``pure`` thread
(``logging``, ``concurrent.futures``, debuggers) must see the thread by its real name,
including after a rename, and ``threading`` must forget the thread once it was joined.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from anythread_backends.pure import backend as pure

LONG = 10.0


def run_in_pure_thread(function: Callable[[], Any], **kwargs: Any) -> tuple[Any, Any]:
    """Run ``function()`` in a started-and-joined pure thread; return (thread, result)."""
    results: list[Any] = []

    def target() -> None:
        results.append(function())

    thread = pure.Thread(target=target, **kwargs)
    thread.start()
    thread.join(LONG)
    assert not thread.is_alive()
    assert len(results) == 1, "the target did not run to the end"
    return thread, results[0]


@pytest.fixture
def log_lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(threadName)s|%(message)s"))
    logger = logging.getLogger("anythread.test_pure_interop")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


class TestNames:
    def test_logging_thread_name(self, log_lines: tuple[logging.Logger, io.StringIO]) -> None:
        logger, stream = log_lines

        def work() -> None:
            logger.info("first")
            pure.current_thread().name = "renamed"
            logger.info("second")

        run_in_pure_thread(work, name="worker")
        assert stream.getvalue().splitlines() == ["worker|first", "renamed|second"]

    def test_default_name_is_seen_too(self) -> None:
        thread, seen = run_in_pure_thread(lambda: threading.current_thread().name)
        assert seen == thread.name
        assert re.fullmatch(r"Thread-\d+ \(target\)", seen)

    def test_threading_current_thread_is_this_thread(self) -> None:
        def look() -> tuple[str, int | None, bool, str, bool]:
            me = threading.current_thread()
            first = me.name
            pure.current_thread().name = "after"
            return first, me.ident, me.daemon, me.name, me is threading.current_thread()

        thread, (first, ident, daemon, after, same) = run_in_pure_thread(look, name="before")
        assert (first, after) == ("before", "after")
        assert ident == thread.ident
        assert daemon is False
        assert same, "threading made a new object for the same thread"

    def test_rename_through_threading_renames_the_thread(self) -> None:
        def rename() -> str:
            threading.current_thread().name = "set by stdlib code"
            return str(pure.current_thread().name)

        thread, seen = run_in_pure_thread(rename, name="original")
        assert seen == "set by stdlib code"
        assert thread.name == "set by stdlib code"

    def test_daemon_flag_is_seen(self) -> None:
        _, daemon = run_in_pure_thread(lambda: threading.current_thread().daemon, daemon=True)
        assert daemon is True

    def test_pure_threads_take_no_number_from_threading(self) -> None:
        # The standard library's own "Thread-N" counter must not move when pure starts
        # threads (CPython numbers a thread only when it is given no name).
        def number() -> int:
            match = re.match(r"Thread-(\d+)", threading.Thread(target=print).name)
            assert match is not None
            return int(match.group(1))

        before = number()
        for _ in range(3):
            run_in_pure_thread(lambda: None)
            run_in_pure_thread(lambda: None, name="")
        assert number() == before + 1

    def test_executor_inside_a_pure_thread(self) -> None:
        def use_executor() -> str:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool") as executor:
                return executor.submit(lambda: threading.current_thread().name).result(LONG)

        _, name = run_in_pure_thread(use_executor, name="owner")
        assert name.startswith("pool")


class TestRegistry:
    def test_alive_thread_is_listed_by_threading(self) -> None:
        def listed() -> list[tuple[int | None, str]]:
            return [(t.ident, t.name) for t in threading.enumerate()]

        thread, seen = run_in_pure_thread(listed, name="listed one")
        assert (thread.ident, "listed one") in seen

    @pytest.mark.parametrize("daemon", [False, True])
    def test_joined_threads_are_forgotten_by_threading(self, daemon: bool) -> None:
        # Many in a row: a join that returned before threading forgot the thread would
        # leave some behind.
        for index in range(50):
            thread = pure.Thread(target=lambda: None, name=f"short-{index}", daemon=daemon)
            thread.start()
            thread.join(LONG)
            assert not thread.is_alive()
            stale = [t for t in threading.enumerate() if t.ident == thread.ident]
            assert stale == [], f"threading still lists a joined thread: {stale}"
        assert not [t for t in threading.enumerate() if t.name.startswith("short-")]

    def test_join_waits_until_threading_forgot_the_thread(self) -> None:
        # Slow down every function return in the thread once its target has finished,
        # through threading's own profile hook (it reaches threads that threading
        # started): a join that returned as soon as the target was over would find the
        # thread still listed.
        target_done = threading.Event()

        def slow_returns(frame: Any, event: str, arg: Any) -> None:
            if event == "return" and target_done.is_set():
                time.sleep(0.005)  # widens the window; nothing waits on it

        threading.setprofile(slow_returns)
        try:
            thread = pure.Thread(target=target_done.set)
            thread.start()
        finally:
            threading.setprofile(None)  # type: ignore[arg-type]
        thread.join(LONG)
        assert target_done.is_set()
        assert not [t for t in threading.enumerate() if t.ident == thread.ident]

    def test_no_dummy_thread_is_made(self) -> None:
        def entries() -> list[tuple[str, str]]:
            threading.current_thread()
            me = threading.get_ident()
            return [(type(t).__name__, t.name) for t in threading.enumerate() if t.ident == me]

        thread, seen = run_in_pure_thread(entries, name="no dummy")
        assert len(seen) == 1, seen
        assert seen[0][1] == "no dummy"
        assert not seen[0][1].startswith("Dummy-")
        assert not [t for t in threading.enumerate() if t.ident == thread.ident]


class TestExceptions:
    def test_an_escaping_exception_goes_to_anythreads_excepthook_only(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        stdlib_hook: list[Any] = []
        ours: list[Any] = []
        monkeypatch.setattr(threading, "excepthook", stdlib_hook.append)
        monkeypatch.setattr(pure, "excepthook", lambda args: ours.append(args.exc_type))

        def fail() -> None:
            raise ValueError("boom")

        thread = pure.Thread(target=fail)
        thread.start()
        thread.join(LONG)
        assert ours == [ValueError]
        assert stdlib_hook == []
