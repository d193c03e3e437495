"""The cooperative kernel (``cooperative/_kernel.py``): behaviour its mutation run found
no test holding.

Each test names the mutant it was written for (operator and original line); it fails on
that mutant and passes on the real code.  The tests go through the threading API of a
backend built by ``make_backend()`` and through what the backend documents beyond it:
the wait records of ``b.waits.snapshot()`` (who waits on what, until when: what the hang
report prints), ``b.schedule_scope()``, and the repr of an ``RLock``, worded as
CPython's.

Every wait is bounded: a thread a mutant leaves waiting is a daemon, and the OS threads
some tests start are joined with a bound.
"""

from __future__ import annotations

import os
import textwrap
import threading
from typing import Any

import pytest

pytest.importorskip("greenlet")

from helpers import green_until as _until
from helpers import run_python

from anythread_backends.cooperative import make_backend

BOUND = 10.0  # seconds, for a wait in this process


class TestContendedAcquireRecordsItsDeadline:
    """A contended blocking ``Lock()`` or ``RLock()`` acquire is listed in the wait
    records with its deadline on the kernel's clock: None without a timeout, the start
    plus the timeout with one (the project's tests read only the kind, object and site
    of such a record).

    Written for ``_RecordedGreenLock._wait_recorded``'s ``deadline = None if seconds < 0
    else kernel.monotonic() + seconds``: ReplaceComparisonOperator_Lt_NotEq, _Lt_Eq,
    _Lt_Gt, _Lt_GtE, AddNot, NumberReplacer ``seconds < 1`` and ``seconds < -1`` (an
    untimed wait recorded with a deadline in the past, or a timed one with none), and
    ReplaceBinaryOperator_Add_Sub, _Add_Mul, _Add_Pow (a deadline other than the start
    plus the timeout)."""

    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    @pytest.mark.parametrize("timeout", [-1, 0.25, 5])
    def test_the_record_has_the_waits_deadline(self, kind: str, timeout: float) -> None:
        b = make_backend(clock="virtual")  # (no time passes while the records are read)
        b.sleep(3)  # (a clock past 0: a deadline of 0 * timeout would not pass)
        lock = b.Lock() if kind == "Lock" else b.RLock()
        started: list[float] = []
        results: list[bool] = []

        def waiter() -> None:
            started.append(b.monotonic())
            results.append(lock.acquire(timeout=timeout))
            lock.release()

        t = b.Thread(target=waiter, daemon=True)
        with lock:
            t.start()
            b.sleep(0)  # it runs up to its wait
            records = b.waits.snapshot()
        t.join(timeout=BOUND)
        assert [(r.kind, r.obj, r.ident) for r in records] == [(kind, lock, t.ident)]
        assert records[0].deadline == (None if timeout < 0 else started[0] + timeout)
        assert results == [True]
        assert b.waits.snapshot() == ()


class TestZeroTimeoutAcquireRecordsItsDeadline:
    """Under a random schedule, a ``Lock()`` acquire with ``timeout=0`` of a held
    lock is a scheduling point while it is listed in the wait records; a thread that
    runs then reads its deadline: now, not None (which says "no timeout").

    Written for ``_RecordedGreenLock._wait_recorded``'s ``deadline = None if seconds < 0
    else kernel.monotonic() + seconds`` (ReplaceComparisonOperator_Lt_LtE: a wait of
    timeout 0 recorded as one without a timeout)."""

    @pytest.mark.parametrize("schedule", ["random:1", "random:2", "random:3"])
    def test_the_record_says_it_times_out_now(self, schedule: str) -> None:
        b = make_backend(schedule=schedule, clock="virtual")
        b.sleep(3)  # (a clock past 0)
        lock = b.Lock()
        seen: list[Any] = []
        tries: list[bool] = []

        def trier() -> None:
            for _ in range(200):
                tries.append(lock.acquire(timeout=0))
                if seen:
                    return

        def reader() -> None:
            for _ in range(2000):
                seen.extend(r for r in b.waits.snapshot() if r.obj is lock)
                if seen:
                    return
                b.sleep(0)

        threads = [b.Thread(target=f, daemon=True) for f in (trier, reader)]
        with lock:
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=BOUND)
        assert seen, "the reader never ran while the trier was listed"
        assert [(r.kind, r.deadline) for r in seen] == [("Lock", b.monotonic())]
        assert not any(tries)


class TestRLockStateWhileAConditionWaits:
    """While a thread waits on a ``Condition`` over an ``RLock``, the RLock is free and
    owned by nobody: its repr says ``count=0`` as CPython's does (the project's tests
    read the repr of an RLock released by ``release()`` only, not by a Condition's
    wait).  Under a random or pct schedule the wait releases the RLock through its
    ``_release_save`` (under FIFO the hub's wait queue does it inline).

    Written for ``GreenRLock._release_save``'s ``self._count = 0`` (NumberReplacer
    ``= 1`` and ``= -1``: an unlocked RLock with a recursion level while the waiter
    waits)."""

    @pytest.mark.parametrize("schedule", ["fifo", "random:1", "pct:1:2"])
    def test_the_repr_says_unlocked_and_count_0(self, schedule: str) -> None:
        b = make_backend(schedule=schedule)
        rlock = b.RLock()
        cond = b.Condition(rlock)
        seen: list[str] = []
        waiting: list[bool] = []

        def waiter() -> None:
            with cond:
                rlock.acquire()  # twice: the wait releases both levels
                waiting.append(True)
                assert cond.wait(BOUND)
                seen.append(f"owned {rlock._is_owned()} {rlock._recursion_count()}")  # type: ignore[attr-defined]
                rlock.release()

        t = b.Thread(target=waiter, daemon=True)
        t.start()
        assert _until(lambda: waiting and b.waits.snapshot(), b)
        text = repr(rlock)
        assert text.startswith("<unlocked anythread.RLock object owner=None count=0 at ")
        assert rlock.acquire(blocking=False)
        assert "count=1" in repr(rlock)
        cond.notify()
        rlock.release()
        t.join(timeout=BOUND)
        assert seen == ["owned True 2"]


class TestRLockTimeoutOfOneSecond:
    """``RLock().acquire(timeout=1)`` of an RLock another thread holds waits up to one
    second: it takes the RLock when that thread releases it within the second, and
    gives up at the second otherwise (the contract's RLock timeouts are other values).

    Written for ``GreenRLock._acquire_owned``'s ``elif not blocking or seconds == 0:``
    (NumberReplacer ``seconds == 1``: a timeout of one second taken for a
    non-blocking try, False at once)."""

    @pytest.mark.parametrize("held_for", [0.5, 5])
    def test_it_waits_up_to_the_second(self, held_for: float) -> None:
        b = make_backend(clock="virtual")
        rlock = b.RLock()

        def holder() -> None:
            with rlock:
                b.sleep(held_for)

        t = b.Thread(target=holder, daemon=True)
        t.start()
        b.sleep(0)  # it takes the RLock
        start = b.monotonic()
        acquired = rlock.acquire(timeout=1)
        waited = b.monotonic() - start
        if acquired:
            rlock.release()
        t.join(timeout=BOUND)
        assert (acquired, waited) == ((True, 0.5) if held_for < 1 else (False, 1.0))


class TestNegativeTimeoutRefusedUnderARandomSchedule:
    """Under a random or pct schedule, ``Lock().acquire()`` refuses a negative timeout
    other than -1, as it does under FIFO (the project's tests of the refusal ran FIFO
    locks only).

    Written for ``PointsUserGreenLock.acquire``'s ``if timeout != -1:``
    (ReplaceUnaryOperator_USub_Invert ``!= ~1`` and NumberReplacer ``!= -2``: a timeout
    of -2 taken for no timeout, the acquire waiting for ever)."""

    @pytest.mark.parametrize("schedule", ["random:1", "pct:1:2"])
    @pytest.mark.parametrize("timeout", [-2, -0.5, -5])
    def test_it_raises_value_error(self, schedule: str, timeout: float) -> None:
        b = make_backend(schedule=schedule)
        lock = b.Lock()
        with pytest.raises(ValueError, match="timeout value must be"):
            lock.acquire(timeout=timeout)
        assert not lock.locked()
        lock.acquire()
        with pytest.raises(ValueError, match="timeout value must be"):
            lock.acquire(True, timeout)  # held: refused before any wait
        lock.release()


class TestRLockReprNamesAnOSThreadOwner:
    """The repr of an ``RLock`` owned by the own code of another OS thread that uses the
    backend (the root greenlet of its hub) names that thread's identifier as its owner.

    Written for ``GreenKernel.ident_of``'s ``for hub in self._hubs:``
    (ZeroIterationForLoop: ``owner=None`` for an RLock that another OS thread holds)."""

    def test_owner_is_the_os_threads_ident(self) -> None:
        b = make_backend()
        rlock = b.RLock()
        held = threading.Event()
        done = threading.Event()

        def os_thread() -> None:
            b.sleep(0)  # this OS thread uses the backend: a hub of its own
            with rlock:
                rlock.acquire()
                held.set()
                done.wait(BOUND)
                rlock.release()

        t = threading.Thread(target=os_thread)
        t.start()
        try:
            assert held.wait(BOUND)
            text = repr(rlock)
        finally:
            done.set()
            t.join(BOUND)
        assert text.startswith(f"<locked anythread.RLock object owner={t.ident} count=2 at ")


class TestFifoHubUnmovedByAnotherThreadsRandomScope:
    """While another OS thread runs a ``random`` schedule scope, the kernel's new locks
    are scheduling points (the kernel's lock classes are chosen for every hub), but on a
    FIFO hub those points choose nothing: a green thread started there runs only when
    its starter blocks, as the FIFO schedule documents, not at ``start()`` nor at a lock
    operation.

    Written for ``GreenKernel.scheduling_point``'s ``if glet is hub.greenlet or not
    hub.schedule.preemptive_points:`` (ReplaceOrWithAnd: a FIFO hub yielding at each
    point, the new thread running inside ``start()``)."""

    def test_the_new_thread_runs_when_the_starter_blocks(self) -> None:
        b: Any = make_backend()
        entered = threading.Event()
        leave = threading.Event()

        def scoped() -> None:
            with b.schedule_scope("random:1"):
                entered.set()
                leave.wait(BOUND)

        os_thread = threading.Thread(target=scoped)
        os_thread.start()
        order: list[str] = []
        try:
            assert entered.wait(BOUND)
            lock = b.Lock()
            t = b.Thread(target=lambda: order.append("thread"))
            t.start()
            with lock:
                order.append("locked")
            order.append("main")
            t.join(timeout=BOUND)
        finally:
            leave.set()
            os_thread.join(BOUND)
        assert order == ["locked", "main", "thread"]


class TestOsThreadWithAHubBusyOutsideTheBackend:
    """The main thread waiting for a Lock that another OS thread holds is no deadlock
    while that thread, which has a hub of its own (it used the backend), is busy
    outside the backend (here ``time.sleep``): the release comes, the acquire succeeds.
    In a program with no other OS thread (pytest's timeout thread, an OS thread without
    a hub, would keep the hub looking again anyway): a fresh interpreter.

    Written for ``GreenKernel.nobody_can_wake``'s ``other is hub or other.stuck or ...``
    (ReplaceComparisonOperator_Is_NotEq: every other hub taken as unable to wake, a
    DeadlockError instead of the wait)."""

    def test_the_acquire_waits_for_the_release(self) -> None:
        source = """
            import threading, time
            from anythread_backends.cooperative import make_backend
            b = make_backend()
            lock = b.Lock()
            held = threading.Event()
            def os_thread():
                b.sleep(0)  # a hub of its own
                lock.acquire()
                held.set()
                time.sleep(0.5)  # busy outside the backend: its hub is not stuck
                lock.release()
            t = threading.Thread(target=os_thread)
            t.start()
            held.wait(10)
            print(lock.acquire())
            t.join(10)
            """
        done = run_python(textwrap.dedent(source))
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["True"]


class TestSleepOfExactlyTimeoutMax:
    """``sleep(TIMEOUT_MAX)`` is allowed, as a timeout equal to ``TIMEOUT_MAX`` is
    everywhere (only a longer one raises ``OverflowError``): on the virtual clock it
    returns at once, the clock moved on by exactly ``TIMEOUT_MAX``.

    Written for the backend's ``sleep``'s ``if seconds > kernel.TIMEOUT_MAX:``
    (ReplaceComparisonOperator_Gt_GtE: ``OverflowError`` for a sleep of exactly
    ``TIMEOUT_MAX``)."""

    def test_it_sleeps_and_the_clock_moves_on(self) -> None:
        b = make_backend(clock="virtual")
        start = b.monotonic()
        b.sleep(b.TIMEOUT_MAX)
        assert b.monotonic() == start + b.TIMEOUT_MAX

    def test_a_longer_one_raises(self) -> None:
        b = make_backend(clock="virtual")
        with pytest.raises(OverflowError, match="too large"):
            b.sleep(b.TIMEOUT_MAX * 2)


class TestShortTimedAcquireAsTheInterpreterFinalizes:
    """Once the interpreter finalizes (a ``__del__`` run as it collects its last
    garbage), a timed acquire of a lock a daemon thread holds fails at once, whatever
    its timeout: ``acquire(timeout=0)`` (which waits under a random schedule: a
    scheduling point) and ``acquire(timeout=0.5)`` of a ``Lock``, and
    ``acquire(timeout=0.5)`` of an ``RLock``, return False; none raises (the project's
    tests used a timeout of 20 seconds only).

    Written for ``_wait_while_finalizing``'s ``if seconds >= 0:``
    (ReplaceComparisonOperator_GtE_Gt, _GtE_Eq: a timeout of 0, or one above 0, raising
    the ``RuntimeError`` of a wait without a timeout; NumberReplacer ``seconds >= 1``:
    a timeout under a second raising it)."""

    SOURCE = """
        import gc, os, sys
        import anythread as threading

        held_lock, held_rlock = threading.Lock(), threading.RLock()
        holding = threading.Event()

        def hold():
            with held_lock, held_rlock:
                holding.set()
                threading.Event().wait()  # for ever: a daemon that holds both

        threading.Thread(target=hold, daemon=True).start()
        assert holding.wait(30)

        def outcome(acquire, timeout):
            try:
                return repr(acquire(timeout=timeout))
            except Exception as exc:
                return type(exc).__name__

        class AtFinalization:
            def __init__(self):
                self.cycle = self
                self.write, self.finalizing = os.write, sys.is_finalizing

            def __del__(self):
                seen = [
                    f"finalizing {self.finalizing()}",
                    f"Lock 0 {outcome(held_lock.acquire, 0)}",
                    f"Lock 0.5 {outcome(held_lock.acquire, 0.5)}",
                    f"RLock 0.5 {outcome(held_rlock.acquire, 0.5)}",
                ]
                self.write(1, ("\\n".join(seen) + "\\n").encode())

        AtFinalization()
        gc.disable()
        """

    @pytest.mark.parametrize("schedule", ["fifo", "random:3"])
    def test_they_return_false(self, schedule: str) -> None:
        env = {"ANYTHREAD_BACKEND": "cooperative", "ANYTHREAD_SCHEDULE": schedule}
        done = run_python(textwrap.dedent(self.SOURCE), env=env)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout.splitlines() == [
            "finalizing True",
            "Lock 0 False",
            "Lock 0.5 False",
            "RLock 0.5 False",
        ]


def _forking(source: str) -> Any:
    """Run ``source`` (which forks) in a fresh interpreter, on the cooperative backend
    (``import anythread``)."""
    return run_python(textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative"}, timeout=60)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
class TestForkBeforeTheMainThreadUsedTheBackend:
    """A program that forks before its main thread ever blocked in the backend (it only
    made objects): the child uses the backend as a fresh program does; a wait that
    nothing can end raises ``DeadlockError`` there, with the hang report, and a timed
    wait times out.

    Written for ``GreenKernel.after_fork_in_child``'s ``self._hubs = frozenset() if mine
    is None else frozenset({mine})`` (AddNot, ReplaceComparisonOperator_Is_IsNot: the
    child's kernel listing ``None`` as a hub, and failing on it)."""

    def test_the_child_reports_a_deadlock(self) -> None:
        done = _forking(
            """
            import os
            import anythread as t
            event = t.Event()
            pid = os.fork()
            if pid == 0:
                try:
                    print("timed", event.wait(0.05), flush=True)
                    event.wait()
                except t.DeadlockError as exc:
                    print("deadlock", "waiting for Event" in str(exc), flush=True)
                except BaseException as exc:
                    print("other", type(exc).__name__, flush=True)
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            print("child", status)
            """
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["timed False", "deadlock True", "child 0"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
class TestForkWithGreenThreadsSleepingOrReady:
    """Forking while one green thread sleeps and another is started but has not run
    yet: in the child only the forking thread exists (``active_count()`` is 1, the
    others are not alive, their ``join()`` returns at once), and nothing is printed on
    stderr (the project's fork tests left threads blocked on locks and events only).

    Written for ``GreenKernel.after_fork_in_child``'s ``if waiter is not None and
    waiter.lock is not None:`` (ReplaceAndWithOr: the child's reset failing on a thread
    with no waiter or one that sleeps, its threads left behind still listed)."""

    def test_only_the_forker_is_left(self) -> None:
        done = _forking(
            """
            import os, sys
            import anythread as t
            sleeper = t.Thread(target=t.sleep, args=(30,), daemon=True)
            sleeper.start()
            t.sleep(0)  # it runs up to its sleep
            ready = t.Thread(target=print, args=("ready ran",), daemon=True)
            ready.start()  # not run yet (FIFO: it runs when the main thread blocks)
            pid = os.fork()
            if pid == 0:
                ready.join(5)
                sleeper.join(5)
                print(t.active_count(), ready.is_alive(), sleeper.is_alive(), flush=True)
                sys.stderr.flush()
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            print("child", status)
            """
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout.splitlines() == ["1 False False", "child 0"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
class TestForkWhileAnotherOSThreadWaitsForALock:
    """Forking while another OS thread (one with a hub: it used the backend) waits in
    ``Lock().acquire()`` for a lock the forking thread holds: that thread does not exist
    in the child, so its wait does not either; the child releases the lock and takes it
    again at once.

    Written for ``GreenKernel._hub_died``'s ``if os.getpid() != self._pid:``
    (ReplaceComparisonOperator_NotEq_Lt, _NotEq_Is: the child forgetting that thread's
    hub as its thread state is cleared, before the kernel starts over, so its wait is
    left queued on the lock and the release hands the lock to it)."""

    def test_the_child_takes_the_lock(self) -> None:
        done = run_python(
            textwrap.dedent(
                """
                import os, threading, time
                from anythread_backends.cooperative import make_backend
                b = make_backend()
                lock = b.Lock()
                lock.acquire()
                def os_thread():
                    b.sleep(0)  # a hub of its own
                    lock.acquire()
                    lock.release()
                other = threading.Thread(target=os_thread, daemon=True)
                other.start()
                deadline = time.monotonic() + 10
                while not any(r.ident == other.ident for r in b.waits.snapshot()):
                    assert time.monotonic() < deadline, "it never waited"
                    time.sleep(0.005)  # (polling the wait records, bounded)
                pid = os.fork()
                if pid == 0:
                    lock.release()
                    print("child", lock.acquire(timeout=1), flush=True)
                    os._exit(0)
                _, status = os.waitpid(pid, 0)
                lock.release()
                other.join(10)
                print("parent", status, other.is_alive())
                """
            ),
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["child True", "parent 0 False"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
class TestForkWithoutStallReports:
    """A backend made without stall reports (``stall=None``, the default) forked by a
    thread that used it: the child runs no stall watchdog, and no thread of the
    child's fails (the stall tests fork only a backend with reports on).  The child
    listens a second for a failing thread (``sys.unraisablehook``, where an exception of
    a ``_thread`` thread goes).

    Written for ``GreenKernel.after_fork_in_child``'s ``if self.stall is not None and
    self._hubs:`` (ReplaceAndWithOr: a watchdog started in the child with no limit,
    which fails at once with a ``TypeError``)."""

    def test_no_watchdog_fails_in_the_child(self) -> None:
        done = run_python(
            textwrap.dedent(
                """
                import os, sys, threading
                from anythread_backends.cooperative import make_backend
                b = make_backend()
                b.sleep(0)  # the main thread has a hub
                failed = threading.Event()
                reports = []
                def hook(unraisable):
                    reports.append(repr(unraisable.exc_value))
                    failed.set()
                sys.unraisablehook = hook
                pid = os.fork()
                if pid == 0:
                    b.sleep(0.01)
                    print("child", failed.wait(1), reports, flush=True)
                    os._exit(0)
                _, status = os.waitpid(pid, 0)
                print("parent", status)
                """
            ),
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["child False []", "parent 0"]


class TestDeadlockFoundWhenTheLastOtherHubEnds:
    """The main thread waits without a timeout on an Event that only another OS thread
    could set; that thread, which has a hub of its own (it used the backend), is busy
    outside the backend when the wait starts (so it is no deadlock yet), then ends
    without setting it: the wait raises ``DeadlockError`` (it does not hang).  In a
    fresh interpreter with no other thread.

    Written for ``GreenKernel._hub_died``'s ``for other in self._hubs: if other.stuck:
    other.poke()`` (ZeroIterationForLoop, AddNot: the main thread's hub, asleep until
    another hub wakes it, never told that the last one ended)."""

    def test_the_wait_raises(self) -> None:
        source = """
            import threading, time
            from anythread import DeadlockError
            from anythread_backends.cooperative import make_backend
            b = make_backend()
            event = b.Event()
            def os_thread():
                b.sleep(0)  # a hub of its own
                deadline = time.monotonic() + 10
                while not any(r.obj is event for r in b.waits.snapshot()):
                    if time.monotonic() > deadline:
                        return
                    time.sleep(0.005)  # (polling the wait records, bounded)
            t = threading.Thread(target=os_thread)
            t.start()
            try:
                print(event.wait())
            except DeadlockError as exc:
                print("deadlock", "waiting for Event" in str(exc))
            t.join(10)
            """
        done = run_python(textwrap.dedent(source), timeout=30)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["deadlock True"]
