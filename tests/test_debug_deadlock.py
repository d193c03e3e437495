"""The debug backend's wait-for graph: real deadlocks raise instead of hanging."""

from __future__ import annotations

import warnings

import pytest
from debug_support import BOUND, Worker, debug, fresh, run, wait_until

from anythread import DeadlockError
from anythread_backends.debug import DebugBackend, DebugWarning

__all__ = ["debug"]


class TestOneThread:
    def test_reacquiring_a_held_lock_untimed(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        lock.name = "state"
        with lock:
            with pytest.raises(DeadlockError, match="waits for state, which it holds") as info:
                lock.acquire()
            assert info.value.threads == ("MainThread",)
            assert info.value.cycle[0].site.startswith(__file__)
            assert lock.locked()
        assert not lock.locked()

    def test_a_handoff_lock_is_not_a_deadlock(self, debug: DebugBackend) -> None:
        # A Lock used as a signal: taken by one thread, released by another.  Once it
        # has been handed off, its owner says nothing about who releases it next.
        signal = debug.Lock()
        signal.acquire()
        with pytest.warns(DebugWarning, match="released by signaller"):
            run(debug, signal.release, name="signaller")
        signal.acquire()

        def release_when_main_blocks() -> None:
            wait_until(lambda: debug.blocked() == ["MainThread"], "the main thread blocks")
            signal.release()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            signaller = Worker(debug, release_when_main_blocks, name="signaller")
            signal.acquire()  # the one-thread shape, but another thread will release it
            assert signaller.outcome() is None
        assert [type(w.message) for w in caught] == [DebugWarning]
        signal.release()

    def test_timed_and_nonblocking_reacquire_only_fail(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        with lock:
            assert lock.acquire(False) is False
            assert lock.acquire(timeout=0.01) is False


class TestEndedHolder:
    """A lock whose holder has ended (the debug backend warns as it ends): the holder's
    identifier may already be the waiter's (identifiers are reused), which must not
    make the waiter its holder."""

    def test_an_rlock_held_by_a_thread_that_has_ended(self, debug: DebugBackend) -> None:
        lock = debug.RLock()
        lock.name = "state"
        with pytest.warns(DebugWarning, match="keeper ends while holding state"):
            assert run(debug, lock.acquire, name="keeper") is True
        error = run(debug, lock.acquire, name="waiter")  # only the keeper could release it
        assert isinstance(error, DeadlockError), error
        assert str(error).startswith(
            "deadlock: waiter would wait forever for state, held by keeper, which has "
            "ended without releasing it"
        )
        assert error.threads == ("waiter",)
        assert error.cycle[0].waits_for == "state"
        assert run(debug, lambda: lock.acquire(timeout=0.01), name="timed") is False

    def test_a_lock_held_by_a_thread_that_has_ended_may_be_released(
        self, debug: DebugBackend
    ) -> None:
        # A Lock, unlike an RLock, may be released by any thread: not a deadlock.
        lock = debug.Lock()
        with pytest.warns(DebugWarning, match="keeper ends while holding"):
            assert run(debug, lock.acquire, name="keeper") is True

        def release_when_blocked() -> None:
            wait_until(lambda: debug.blocked() == ["waiter"], "the waiter blocks")
            lock.release()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DebugWarning)  # (released by another thread)
            releaser = Worker(debug, release_when_blocked, name="releaser")
            assert run(debug, lock.acquire, name="waiter") is True
            assert releaser.outcome() is None


class TestSites:
    def test_a_wait_inside_the_standard_library_is_placed_at_the_users_call(
        self, debug: DebugBackend
    ) -> None:
        # The worker takes the lock through contextlib (the standard library's code does
        # the acquire): its site is the line of this file that called it, then the
        # library's own line.
        import contextlib
        import re

        lock = debug.Lock()
        worker_waits = debug.Event()

        def worker() -> None:
            worker_waits.set()
            with contextlib.ExitStack() as stack:
                stack.enter_context(lock)

        with lock:
            thread = debug.Thread(target=worker, name="worker")
            thread.start()
            worker_waits.wait(BOUND)
            wait_until(lambda: debug.blocked() == ["worker"], "the worker blocks")
            with pytest.raises(DeadlockError) as info:
                thread.join()
        thread.join(BOUND)
        sites = {edge.thread: edge.site for edge in info.value.cycle}
        here = re.escape(__file__)
        assert re.fullmatch(rf"{here}:\d+ \(in contextlib\.py:\d+\)", sites["worker"])
        assert re.fullmatch(rf"{here}:\d+", sites["MainThread"])


class TestTwoThreads:
    def test_crossed_locks(self, debug: DebugBackend) -> None:
        # log mode: the order check only logs, so both threads really block.
        debug = fresh(debug, mode="log")
        a, b = debug.Lock(), debug.Lock()
        a_taken, b_taken = debug.Event(), debug.Event()

        def other() -> str:
            with a:
                a_taken.set()
                assert b_taken.wait(BOUND)
                with b:
                    return "other got both"

        worker = Worker(debug, other, name="other")
        assert a_taken.wait(BOUND)
        with b:
            b_taken.set()
            wait_until(lambda: debug.blocked() == ["other"], "other blocks on b")
            with pytest.raises(DeadlockError) as info:
                a.acquire()
            assert set(info.value.threads) == {"MainThread", "other"}
            assert "each of these 2 threads waits for the next one" in str(info.value)
        # The other thread goes on once the main thread backs off.
        assert worker.outcome() == "other got both"

    def test_crossed_rlocks_already_reentered(self, debug: DebugBackend) -> None:
        debug = fresh(debug, mode="log")
        a, b = debug.RLock(), debug.RLock()
        a_taken, b_taken = debug.Event(), debug.Event()

        def other() -> str:
            with a, a:
                a_taken.set()
                assert b_taken.wait(BOUND)
                with b:
                    return "done"

        worker = Worker(debug, other, name="other")
        assert a_taken.wait(BOUND)
        with b, b:
            b_taken.set()
            wait_until(lambda: debug.blocked() == ["other"], "other blocks on b")
            with pytest.raises(DeadlockError, match="each of these 2 threads"):
                a.acquire()
        assert worker.outcome() == "done"

    def test_a_cycle_of_three_threads(self, debug: DebugBackend) -> None:
        debug = fresh(debug, mode="log")
        locks = [debug.Lock() for _ in range(3)]
        both_hold = debug.Barrier(2, timeout=BOUND)

        def chain(i: int) -> str:
            with locks[i]:
                both_hold.wait()
                with locks[(i + 1) % 3]:
                    return f"t{i}"

        with locks[0]:
            workers = [Worker(debug, lambda i=i: chain(i), name=f"t{i}") for i in (1, 2)]
            wait_until(lambda: sorted(debug.blocked()) == ["t1", "t2"], "t1 and t2 block")
            with pytest.raises(DeadlockError) as info:
                locks[1].acquire()
            assert info.value.threads == ("MainThread", "t1", "t2")
        assert [w.outcome() for w in workers] == ["t1", "t2"]

    def test_timed_acquire_in_a_cycle_times_out(self, debug: DebugBackend) -> None:
        debug = fresh(debug, mode="log")
        a, b = debug.Lock(), debug.Lock()
        a_taken, b_taken = debug.Event(), debug.Event()

        def other() -> bool:
            with a:
                a_taken.set()
                assert b_taken.wait(BOUND)
                with b:
                    return True

        worker = Worker(debug, other, name="other")
        assert a_taken.wait(BOUND)
        with b:
            b_taken.set()
            wait_until(lambda: debug.blocked() == ["other"], "other blocks on b")
            assert a.acquire(timeout=0.05) is False
        assert worker.outcome() is True

    def test_join_of_a_thread_that_waits_for_my_lock(self, debug: DebugBackend) -> None:
        lock = debug.Lock()

        def waiter() -> bool:
            with lock:
                return True

        with lock:
            worker = Worker(debug, waiter, name="waiter")
            wait_until(lambda: debug.blocked() == ["waiter"], "waiter blocks on the lock")
            with pytest.raises(DeadlockError) as info:
                worker.thread.join()
            assert info.value.threads == ("MainThread", "waiter")
            assert "waits for thread waiter" in str(info.value)
        assert worker.outcome() is True

    def test_a_join_that_ends_raises_nothing(self, debug: DebugBackend) -> None:
        lock = debug.Lock()
        release = debug.Event()
        worker = Worker(debug, lambda: release.wait(BOUND), name="sleeper")
        with lock:
            release.set()
            worker.thread.join()
        assert worker.outcome() is True
        assert debug.blocked() == []
