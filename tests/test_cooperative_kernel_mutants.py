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
