"""Section 16.2.3: reentrant RLock objects."""

from __future__ import annotations

import sys
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
)

clause = pytest.mark.clause


def _held_elsewhere(backend: Any, lock: Any) -> tuple[Any, Any]:
    """Start a thread that acquires ``lock`` and holds it until the event is set."""
    holding = backend.Event()
    release = backend.Event()

    def body() -> None:
        lock.acquire()
        holding.set()
        release.wait(LONG)
        lock.release()

    worker = spawn(backend, body)
    assert holding.wait(LONG)
    return worker, release


class TestRLock:
    @clause("RLOCK-ACQ-01")
    def test_owner_reacquires_without_blocking(self, backend: Any) -> None:
        lock = backend.RLock()
        assert lock.acquire() is True
        with elapsed() as clock:
            assert lock.acquire() is True
            assert lock.acquire(False) is True
            assert lock.acquire(timeout=SHORT) is True
        assert clock.seconds < SHORT
        for _ in range(4):
            lock.release()
        with pytest.raises(RuntimeError):
            lock.release()

    @clause("RLOCK-ACQ-02")
    def test_other_thread_blocks_until_unlocked(self, backend: Any) -> None:
        lock = backend.RLock()
        lock.acquire()
        lock.acquire()
        got: list[bool] = []
        trying = backend.Event()

        def body() -> None:
            trying.set()
            got.append(lock.acquire())
            lock.release()

        worker = spawn(backend, body)
        assert trying.wait(LONG)
        settle(backend)
        assert got == []
        lock.release()
        settle(backend)
        assert got == [], "the lock was taken while still held once"
        lock.release()
        worker.join()
        assert got == [True]

    @clause("RLOCK-ACQ-NB-01")
    def test_non_blocking(self, backend: Any) -> None:
        lock = backend.RLock()
        worker, release = _held_elsewhere(backend, lock)
        try:
            with elapsed() as clock:
                assert lock.acquire(False) is False
                assert lock.acquire(blocking=False) is False
            assert clock.seconds < LATE
        finally:
            release.set()
            worker.join()
        assert lock.acquire(False) is True
        lock.release()

    @clause("RLOCK-ACQ-TIMEOUT-01")
    def test_timeout_expires(self, backend: Any) -> None:
        lock = backend.RLock()
        worker, release = _held_elsewhere(backend, lock)
        try:
            assert lock.acquire(timeout=SHORT) is False
            assert lock.acquire(True, SHORT) is False
        finally:
            release.set()
            worker.join()

    @clause("RLOCK-ACQ-TIMEOUT-02")
    def test_timeout_not_early(self, backend: Any) -> None:
        lock = backend.RLock()
        worker, release = _held_elsewhere(backend, lock)
        try:
            with elapsed() as clock:
                lock.acquire(timeout=SHORT)
            assert_not_early(clock, SHORT)
        finally:
            release.set()
            worker.join()

    @clause("RLOCK-ARG-01")
    def test_bad_arguments(self, backend: Any) -> None:
        lock = backend.RLock()
        with pytest.raises(ValueError, match=r"(?i)timeout"):
            lock.acquire(False, 1)
        with pytest.raises(ValueError, match=r"(?i)timeout"):
            lock.acquire(timeout=-2)
        assert spawn(backend, lock.acquire, False).join() is True

    @clause("RLOCK-INIT-01")
    @pytest.mark.parametrize(
        ("args", "kwargs"),
        [((1,), {}), ((), {"verbose": True}), (("a", None), {"x": 1})],
        ids=["positional", "keyword", "both"],
    )
    def test_arguments_are_taken_and_ignored(
        self, backend: Any, args: tuple[object, ...], kwargs: dict[str, object]
    ) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lock = backend.RLock(*args, **kwargs)
        deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        if sys.version_info >= (3, 13):
            assert [str(w.message) for w in deprecations] == [
                "Passing arguments to RLock is deprecated and will be removed in 3.15"
            ]
            assert deprecations[0].filename == __file__  # the caller's line
        else:
            assert deprecations == []
        assert repr(lock).startswith("<unlocked")
        assert lock.acquire() is True
        assert lock.acquire(False) is True  # reentrant
        assert spawn(backend, lock.acquire, False).join() is False  # owned
        lock.release()
        lock.release()
        assert spawn(backend, lock.acquire, False).join() is True  # unlocked again

    @clause("RLOCK-INIT-01")
    def test_without_arguments_it_never_warns(self, backend: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            backend.RLock()

    @clause("RLOCK-REL-01")
    def test_only_final_release_unlocks(self, backend: Any) -> None:
        lock = backend.RLock()
        for _ in range(3):
            lock.acquire()
        for _ in range(2):
            assert lock.release() is None
            assert spawn(backend, lock.acquire, False).join() is False
        assert lock.release() is None

        def take() -> bool:
            ok = bool(lock.acquire(False))
            if ok:
                lock.release()
            return ok

        assert spawn(backend, take).join() is True

    @clause("RLOCK-REL-02")
    def test_release_by_non_owner_raises(self, backend: Any) -> None:
        lock = backend.RLock()
        lock.acquire()

        def body() -> None:
            with pytest.raises(RuntimeError):
                lock.release()

        spawn(backend, body).join()
        assert spawn(backend, lock.acquire, False).join() is False
        lock.release()

    @clause("RLOCK-REL-03")
    def test_release_unlocked_raises(self, backend: Any) -> None:
        lock = backend.RLock()
        with pytest.raises(RuntimeError):
            lock.release()
