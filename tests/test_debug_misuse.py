"""The debug backend: misuse errors (stdlib's types, clearer words) and warnings."""

from __future__ import annotations

import logging
import threading
import warnings

import pytest
from debug_support import BOUND, Worker, debug, run, wait_until

import anythread
from anythread_backends.debug import DebugBackend, DebugWarning, LockOrderWarning, make_backend

__all__ = ["debug"]


class TestErrors:
    def test_releasing_an_unheld_lock(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        with pytest.raises(RuntimeError, match=r"release unlocked lock: Lock@.*is not locked"):
            lock.release()

    def test_an_rlock_released_by_a_non_owner(self, debug: DebugBackend) -> None:
        rlock = debug.RLock()
        with rlock:
            error = run(debug, rlock.release, name="intruder")
        assert isinstance(error, RuntimeError)
        assert "cannot release un-acquired lock" in str(error)
        assert "owned by MainThread" in str(error)
        with pytest.raises(RuntimeError, match="cannot release un-acquired lock"):
            rlock.release()

    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    def test_condition_without_its_lock(self, debug: DebugBackend, kind: str) -> None:
        cond = debug.Condition(getattr(debug, kind)())
        with pytest.raises(RuntimeError, match="cannot wait on un-acquired lock"):
            cond.wait(0.01)
        with pytest.raises(RuntimeError, match="cannot notify on un-acquired lock"):
            cond.notify()

    def test_condition_over_a_lock_another_thread_holds(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        cond = debug.Condition(lock)
        taken, done = debug.Event(), debug.Event()

        def holder() -> None:
            with lock:
                taken.set()
                done.wait(BOUND)

        worker = Worker(debug, holder, name="holder")
        assert taken.wait(BOUND)
        try:
            with pytest.raises(RuntimeError, match="cannot notify on un-acquired lock"):
                cond.notify()
        finally:
            done.set()
        assert worker.outcome() is None

    def test_bounded_semaphore_released_too_often(self, debug: DebugBackend) -> None:
        sem = debug.BoundedSemaphore(1)
        with sem:
            pass
        with pytest.raises(ValueError, match=r"released too many times: .* is bounded by"):
            sem.release()
        with pytest.raises(ValueError, match="n must be one or more"):
            sem.release(0)
        assert isinstance(sem, debug.Semaphore)


class TestWarnings:
    def test_a_lock_released_by_another_thread(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        with pytest.warns(DebugWarning, match="taker ends while holding"):
            assert run(debug, lock.acquire, name="taker") is True
        with pytest.warns(DebugWarning, match="acquired by taker and is released by MainThread"):
            lock.release()
        assert not lock.locked()
        nest_ok = debug.Lock()
        with nest_ok, lock:  # the released lock is no longer held by anyone
            assert debug.held() == [nest_ok, lock]

    def test_a_thread_that_ends_holding_a_lock(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        lock.name = "forgotten"
        with pytest.warns(DebugWarning, match="worker ends while holding forgotten"):
            assert run(debug, lock.acquire) is True
        assert lock.locked()


class TestConditionWaits:
    def test_wait_drops_the_lock_from_the_held_list(self, debug: DebugBackend) -> None:
        cond = debug.Condition()
        seen: list[object] = []

        def waiter() -> bool:
            with cond:
                seen.append(debug.held())
                return cond.wait(BOUND)

        worker = Worker(debug, waiter, name="waiter")
        wait_until(lambda: bool(seen), "the waiter holds the condition's lock")
        with cond:  # the waiter appended under the lock, so it is in wait() now
            cond.notify()
        assert worker.outcome() is True
        assert len(seen[0]) == 1  # type: ignore[arg-type]
        assert debug.held() == []


class TestBackend:
    def test_registered_with_and_without_an_inner_name(self) -> None:
        rows = {row.name: row for row in anythread.list_backends()}
        assert rows["debug"].available
        backend = anythread.get_backend("debug:pure")
        assert backend.name == "debug:pure"
        assert isinstance(backend, DebugBackend)
        assert backend.inner.name == "pure"

    def test_wraps_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ANYTHREAD_DEBUG_WRAPS", "pure")
        assert make_backend().inner.name == "pure"
        monkeypatch.setenv("ANYTHREAD_DEBUG_WRAPS", "debug")
        with pytest.raises(LookupError, match="the debug backend cannot wrap 'debug'"):
            make_backend()

    def test_objects_are_the_inner_backends_or_subclasses(self, debug: DebugBackend) -> None:
        assert debug.local is debug.inner.local
        assert debug.get_ident is debug.inner.get_ident
        for name in ("Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier"):
            assert issubclass(getattr(debug, name), getattr(debug.inner, name)), name
        assert isinstance(debug.main_thread(), debug.Thread)
        assert issubclass(debug.Timer, debug.Thread)
        assert "unlocked anythread.debug.Lock" in repr(debug.Lock())


class TestThreadsKnownFromTheirStart:
    def test_a_state_made_for_an_earlier_thread_is_not_taken_by_a_later_one(
        self, debug: DebugBackend
    ) -> None:
        # A thread started and known before it ran (Tracker.started) may never take the
        # state made for it (it ran first and made its own); the identifier is then
        # reused by a later thread, which must get a state of its own, in its own name.
        tracker = debug.tracker
        names: list[str] = []

        class Earlier:
            name = "earlier"

            def __init__(self, ident: int) -> None:
                self.ident = ident

            def is_alive(self) -> bool:
                return True

        def later() -> None:
            tracker.started(Earlier(debug.get_ident()))  # as if left by an earlier thread
            names.append(tracker.state().name)

        # (A thread of the inner backend: it makes no state at its start, as a debug
        # Thread does, so the stale one is there first.)
        thread = debug.inner.Thread(target=later, name="later")
        thread.start()
        thread.join(BOUND)
        assert names == ["later"]


class TestClassesAsOnStdlib:
    """What is a class on the standard library is a class here (issue 7)."""

    NAMES = ("Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier", "Thread", "Timer")

    @pytest.mark.parametrize("name", NAMES)
    def test_isinstance_and_subclassing(self, debug: DebugBackend, name: str) -> None:
        assert isinstance(getattr(threading, name), type)  # so on CPython 3.11+
        cls = getattr(debug, name)
        assert isinstance(cls, type)
        args: dict[str, tuple[object, ...]] = {
            "Barrier": (1,),
            "Thread": (),
            "Timer": (1.0, print),
        }
        sub = type(f"My{name}", (cls,), {"extra": lambda self: name})
        obj = sub(*args.get(name, ()))
        assert isinstance(obj, cls)
        assert obj.extra() == name
        assert isinstance(cls(*args.get(name, ())), cls)

    def test_a_condition_subclass_waits_and_is_notified(self, debug: DebugBackend) -> None:
        class Mailbox(debug.Condition):  # type: ignore[name-defined,misc]
            def __init__(self) -> None:
                super().__init__(debug.Lock())
                self.items: list[str] = []

            def put(self, item: str) -> None:
                with self:
                    self.items.append(item)
                    self.notify()

            def get(self) -> str:
                with self:
                    self.wait_for(lambda: self.items)
                    return self.items.pop(0)

        box = Mailbox()
        getter = Worker(debug, box.get, name="getter")
        box.put("letter")
        assert getter.outcome() == "letter"
        assert isinstance(box, debug.Condition)

    def test_lock_and_rlock_are_classes_here_too(self, debug: DebugBackend) -> None:
        # Factories on the standard library; classes here are a superset: isinstance
        # works, and calling them makes a lock, as the factory does.
        assert isinstance(debug.Lock(), debug.Lock)
        assert isinstance(debug.RLock(), debug.RLock)


class TestSuspiciousUseUnderWarningsAsErrors:
    """Legal but suspicious use never breaks a correct program under ``-W error``."""

    def test_cross_thread_release_is_logged_not_raised(
        self, debug: DebugBackend, caplog: pytest.LogCaptureFixture
    ) -> None:
        lock = debug.Lock()
        lock.acquire()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with caplog.at_level(logging.WARNING, logger="anythread.debug"):
                assert run(debug, lock.release, name="releaser") is None
        assert not lock.locked()
        assert "acquired by MainThread and is released by releaser" in caplog.text

    def test_ending_while_holding_a_lock_is_logged_not_raised(
        self, debug: DebugBackend, caplog: pytest.LogCaptureFixture
    ) -> None:
        lock = debug.Lock()
        lock.name = "kept"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with caplog.at_level(logging.WARNING, logger="anythread.debug"):
                assert run(debug, lock.acquire, name="keeper") is True
        assert "keeper ends while holding kept" in caplog.text

    def test_a_filter_naming_debug_warning_makes_it_an_error(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        lock.acquire()
        with warnings.catch_warnings():
            warnings.simplefilter("error", DebugWarning)
            error = run(debug, lock.release, name="releaser")
        assert isinstance(error, DebugWarning)
        assert "released by releaser" in str(error)

    def test_an_error_filter_for_lock_order_warnings_only_does_not_count(
        self, debug: DebugBackend, caplog: pytest.LogCaptureFixture
    ) -> None:
        lock = debug.Lock()
        lock.acquire()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("error", LockOrderWarning)
            with caplog.at_level(logging.WARNING, logger="anythread.debug"):
                assert run(debug, lock.release, name="releaser") is None
        assert "is released by releaser" in caplog.text

    def test_under_default_filters_it_is_a_warning(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        lock.acquire()
        with pytest.warns(DebugWarning, match="is released by releaser") as record:
            run(debug, lambda: lock.release(), name="releaser")
        assert record[0].filename == __file__  # points at the user's release call
