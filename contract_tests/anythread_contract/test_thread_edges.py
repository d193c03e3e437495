"""Sections 16.2 and 16.2.1: Thread edge cases that the mutation run found unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from anythread_contract._support import LONG, SHORT, in_alien_thread, spawn, wait_until

clause = pytest.mark.clause


def _counts_while_starting(backend: Any, k: int) -> tuple[int, int, int] | None:
    """Return (active_count(), len(enumerate()), active_count()) as seen by another
    thread while this one stands at the k-th event (call, return, C call, C return) of
    ``Thread.start()``; None if start() has fewer events than k.
    """
    release = backend.Event()
    events: list[bool] = []
    seen: list[tuple[int, int, int]] = []
    looked = backend.Event()

    def look() -> None:
        wait_until(backend, lambda: any(events) or release.is_set(), what="start()")
        if not release.is_set():
            seen.append((backend.active_count(), len(backend.enumerate()), backend.active_count()))
        looked.set()

    def hand_over_at_k(frame: Any, what: str, arg: Any) -> None:
        events.append(len(events) + 1 == k)
        if events[-1]:
            deadline = time.monotonic() + 0.05
            while not looked.is_set() and time.monotonic() < deadline:
                backend.sleep(0)

    looker = spawn(backend, look)
    thread = backend.Thread(target=release.wait, args=(LONG,), daemon=True)
    sys.setprofile(hand_over_at_k)
    try:
        thread.start()
    finally:
        sys.setprofile(None)
    release.set()
    looker.join()
    thread.join(LONG)
    return seen[0] if seen else None


class TestThreadEdges:
    @clause("MOD-ACTIVE-01")
    def test_thread_being_started_is_counted_like_enumerate_lists_it(self, backend: Any) -> None:
        # Another thread looks at the counts at every step of start(); whatever it sees,
        # active_count() is the length of enumerate() (when no thread ended meanwhile).
        # Once more with one more thread alive: an even and an odd number of threads.
        idle = backend.Event()
        try:
            for extra in (0, 1):
                if extra:
                    spawn(backend, idle.wait, LONG)
                for k in range(1, 40):
                    counts = _counts_while_starting(backend, k)
                    if counts is None:
                        continue
                    before, listed, after = counts
                    if before == after:
                        assert before == listed, f"at step {k} of start(): {counts}"
        finally:
            idle.set()

    @clause("THREAD-REPR-01")
    def test_repr_shows_name_and_status(self, backend: Any) -> None:
        release = backend.Event()
        thread = backend.Thread(target=release.wait, args=(LONG,), name="worker", daemon=True)
        assert repr(thread) == "<Thread(worker, initial daemon)>"
        thread.start()
        try:
            assert repr(thread) == f"<Thread(worker, started daemon {thread.ident})>"
        finally:
            release.set()
        thread.join(LONG)
        assert repr(thread) == f"<Thread(worker, stopped daemon {thread.ident})>"
        plain = backend.Thread(target=lambda: None, name="plain", daemon=False)
        assert repr(plain) == "<Thread(plain, initial)>"
        plain.start()
        plain.join(LONG)
        assert repr(plain) == f"<Thread(plain, stopped {plain.ident})>"

    @clause("THREAD-INIT-02")
    def test_subclass_that_skips_the_base_constructor(self, backend: Any) -> None:
        class Forgetful(backend.Thread):  # type: ignore[misc,name-defined]
            def __init__(self) -> None:
                pass

        thread = Forgetful()
        checks: list[tuple[type[Exception], Callable[[], object]]] = [
            (RuntimeError, thread.start),
            (RuntimeError, thread.join),
            (AssertionError, thread.is_alive),
            (AssertionError, lambda: thread.name),
            (AssertionError, lambda: thread.daemon),
            (AssertionError, lambda: repr(thread)),
            (RuntimeError, lambda: setattr(thread, "daemon", True)),
        ]
        for error, use in checks:
            with pytest.raises(error, match=r"__init__\(\) (was )?not called"):
                use()

    @clause("THREAD-DUMMY-02")
    def test_dummy_join_error_is_the_running_pythons(self, backend: Any) -> None:
        error = RuntimeError if sys.version_info >= (3, 13) else AssertionError

        def probe(dummy: Any) -> None:
            with pytest.raises(error):
                dummy.join(SHORT)

        in_alien_thread(backend, lambda dummy, ident: probe(dummy))
