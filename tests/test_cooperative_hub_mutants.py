"""The cooperative kernel's hub (``cooperative/_hub.py``): behaviour its mutation run
found no test holding.

Each test names the mutant it was written for (operator and original line); it fails on
that mutant and passes on the real code.  The tests go through the threading API of a
backend built by ``make_backend()``, through other OS threads of the ``threading``
module, and through the kernel's documented extras (``waits.kernel``, the protocols of
``anythread.protocols``) where the threading API of this backend never reaches the code:
a :class:`~anythread.protocols.KernelParkedLocks` parked lock is used by the semantics
layer's wait queue and ``Thread.start()`` of other kernels, never by the cooperative
backend's own objects, so its tests take one from ``kernel.allocate_parked_lock()``.

Every wait is bounded; programs that must end in a DeadlockError run in a subprocess.
"""

from __future__ import annotations

import sys
import textwrap
import threading
import time
from typing import Any

import pytest

pytest.importorskip("greenlet")

from helpers import green_until as _until
from helpers import run_python

from anythread_backends.cooperative import make_backend

BOUND = 10.0  # seconds, for a wait in this process
LONG = 1.5  # seconds: longer than any small timeout a mutant could put in a default


def _program(source: str) -> list[str]:
    """Run ``source`` on the cooperative backend in a fresh interpreter; return the
    lines it printed (it must exit with status 0)."""
    done = run_python(textwrap.dedent(source), env={"ANYTHREAD_BACKEND": "cooperative"})
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


class TestParkedLockWaitWithoutTimeout:
    """A parked lock's ``acquire()`` with no timeout waits until the release, however
    long, for a green thread and for the main thread (the path of every untimed park,
    which no other test took).

    Written for ``ParkedLock.acquire``'s ``if timeout < 0 and type(glet) is Task:``
    (ReplaceComparisonOperator_Is_Gt and the like: a TypeError there) and its default
    ``timeout: float = -1`` (ReplaceUnaryOperator_USub_UAdd, Delete_USub: an untimed
    acquire that gives up after a second)."""

    def test_a_green_thread_waits_until_another_releases(self) -> None:
        b = make_backend()
        kernel: Any = b.waits.kernel
        box: list[Any] = []
        order: list[object] = []

        def parker() -> None:
            box.append(kernel.allocate_parked_lock())
            order.append(box[0].acquire())

        t = b.Thread(target=parker)
        t.start()
        assert _until(lambda: box, b)
        b.sleep(LONG)  # the parker is blocked meanwhile
        order.append("released")
        box[0].release()
        t.join(timeout=BOUND)
        assert not t.is_alive()
        assert order == ["released", True]

    def test_the_main_thread_waits_until_a_green_thread_releases(self) -> None:
        b = make_backend()
        parked = b.waits.kernel.allocate_parked_lock()
        order: list[object] = []

        def releaser() -> None:
            b.sleep(LONG)
            order.append("released")
            parked.release()

        t = b.Thread(target=releaser)
        t.start()
        order.append(parked.acquire())
        t.join(timeout=BOUND)
        assert order == ["released", True]
        assert parked.locked()  # the acquire took the release

    def test_a_green_thread_waits_until_an_os_thread_releases(self) -> None:
        b = make_backend()
        kernel: Any = b.waits.kernel
        box: list[Any] = []
        order: list[object] = []

        def parker() -> None:
            box.append(kernel.allocate_parked_lock())
            order.append(box[0].acquire())

        t = b.Thread(target=parker)
        t.start()
        assert _until(lambda: box, b)

        def release_later() -> None:
            time.sleep(LONG)  # (an OS thread of its own: nothing of the backend waits)
            order.append("released")
            box[0].release()

        os_thread = threading.Thread(target=release_later)
        os_thread.start()
        t.join(timeout=BOUND)
        os_thread.join(timeout=BOUND)
        assert order == ["released", True]


class TestParkedLockShortTimedWait:
    """A green thread's parked wait with a timeout under a second times out when
    nobody releases (the project's tests timed out only waits of a second or more, or
    of the main thread).

    Written for ``ParkedLock.acquire``'s ``if timeout < 0 and type(glet) is Task:``
    (NumberReplacer ``timeout < 1``: the wait taken for an untimed one, never ending)."""

    def test_it_returns_false_after_its_timeout(self) -> None:
        b = make_backend()
        kernel: Any = b.waits.kernel
        results: list[bool] = []

        def parker() -> None:
            parked = kernel.allocate_parked_lock()
            results.append(parked.acquire(True, 0.05))
            results.append(parked.locked())

        t = b.Thread(target=parker, daemon=True)  # (a mutant leaves it waiting)
        t.start()
        t.join(timeout=BOUND)
        assert not t.is_alive()
        assert results == [False, True]


class TestTimerFiresWhileParkedThreadsHandOver:
    """Two green threads that hand the turn to each other through parked locks, never
    leaving the ready queue empty, do not starve a timer: a third thread's timed wait
    times out meanwhile (the project's test of this took the main thread as one of the
    two, whose parks take another path).

    Written for ``ParkedLock.acquire``'s ``if ready and not hub.timers and hub.fifo:``
    (ReplaceUnaryOperator_Delete_Not: the next ready thread taken without firing the
    timers that are due)."""

    def test_a_timed_wait_times_out_meanwhile(self) -> None:
        b = make_backend()
        kernel: Any = b.waits.kernel
        locks: dict[str, Any] = {}
        timed_out: list[bool] = []
        fired: list[bool] = []
        stop: list[bool] = []

        def timed() -> None:
            timed_out.append(not b.Event().wait(0.05))

        def second() -> None:
            locks["second"] = kernel.allocate_parked_lock()
            while True:
                locks["second"].acquire()
                if stop:
                    return
                locks["first"].release()

        def first() -> None:
            locks["first"] = kernel.allocate_parked_lock()
            deadline = time.monotonic() + BOUND
            while not timed_out and time.monotonic() < deadline:
                locks["second"].release()
                locks["first"].acquire()
            fired.append(bool(timed_out))  # while they were handing over
            stop.append(True)
            locks["second"].release()

        threads = [b.Thread(target=f, daemon=True) for f in (timed, second, first)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=2 * BOUND)
        assert fired == [True]


class TestParkedLockReleaseTakenOnce:
    """A release that comes before the wait is taken by one acquire only: the parked
    lock is locked again after it, and a second acquire does not succeed without a
    second release.

    Written for ``ParkedLock.acquire``'s first ``self.granted = False`` (the release
    found at once; ReplaceFalseWithTrue: the release stayed, and every later acquire
    succeeded)."""

    def test_an_early_release_ends_one_acquire(self) -> None:
        b = make_backend()
        parked = b.waits.kernel.allocate_parked_lock()
        parked.release()
        assert parked.acquire(False) is True
        assert parked.locked()
        assert parked.acquire(False) is False
        assert parked.acquire(True, 0.01) is False
        parked.release()
        assert parked.acquire() is True
        assert parked.locked()


class TestParkedLockWaitLeftByAnException:
    """An exception thrown into a parked wait (the DeadlockError of a wait nobody can
    end) leaves the wait: a release that comes later makes nobody ready, and the
    thread's next wait blocks as it should.

    Written for ``ParkedLock.acquire``'s ``except BaseException:`` (ExceptionReplacer:
    the wait record left behind, the late release then resumes the main thread's next
    wait at once)."""

    def test_a_release_after_the_deadlock_does_not_end_the_next_wait(self) -> None:
        lines = _program(
            """
            import anythread
            b = anythread.get_backend()
            parked = b.waits.kernel.allocate_parked_lock()
            try:
                parked.acquire()  # nobody can release it
            except anythread.DeadlockError:
                print("deadlock")
            parked.release()  # late: nobody waits on it any more
            lock = b.Lock()
            lock.acquire()
            order = []
            def release_later():
                b.sleep(0.2)
                order.append("released")
                lock.release()
            t = b.Thread(target=release_later)
            t.start()
            order.append(lock.acquire())
            t.join()
            print(order)
            """
        )
        assert lines == ["deadlock", "['released', True]"]


class TestKernelLockWaitWithoutTimeout:
    """A plain green lock's ``acquire()`` (no arguments) waits for the holder, however
    long it holds it: a Barrier's wait enters its lock so while another thread runs the
    barrier's action, which may block.

    Written for ``GreenLock.acquire``'s defaults ``blocking: bool = True`` and
    ``timeout: float = -1`` (ReplaceTrueWithFalse, ReplaceUnaryOperator_USub_UAdd,
    Delete_USub, NumberReplacer ``- 0``, USub_Not: an untimed acquire that gives up,
    after which the barrier's second thread entered without the lock and counted
    itself into the round whose action was running)."""

    def test_a_barrier_wait_during_a_long_action_waits_for_its_own_round(self) -> None:
        b = make_backend()
        acting = b.Event()
        actions: list[str] = []

        def action() -> None:
            actions.append(b.current_thread().name)
            acting.set()
            b.sleep(LONG)  # blocks, holding the barrier's lock

        barrier = b.Barrier(1, action=action)
        indexes: list[int] = []
        t = b.Thread(target=lambda: indexes.append(barrier.wait()), name="first")
        t.start()
        assert acting.wait(BOUND)
        indexes.append(barrier.wait())  # one party: a round of its own
        t.join(timeout=BOUND)
        assert indexes == [0, 0]
        assert actions == ["first", "MainThread"]

    def test_a_kernel_lock_acquire_waits_until_the_holder_releases(self) -> None:
        b = make_backend()
        lock = b.waits.kernel.allocate_lock()
        lock.acquire()
        order: list[object] = []
        t = b.Thread(target=lambda: order.append(lock.acquire()))
        t.start()
        b.sleep(LONG)  # the other thread is blocked meanwhile
        order.append("released")
        lock.release()
        t.join(timeout=BOUND)
        assert order == ["released", True]
        assert lock.locked()


class TestInterruptAsALockWaitTimesOut:
    """A KeyboardInterrupt that reaches the main thread just as its timed Lock acquire
    timed out (the timeout already took its waiter out of the lock's queue) is raised
    as it is, and leaves the lock to its holder, usable.

    No public path times an interrupt between a timeout and the waiter's resumption:
    as the project's Event test of the same moment does, a timer of the hub
    (``kernel.hub().call_at``) due at the same virtual moment raises it.

    Written for ``GreenLock.withdraw``'s ``except ValueError:`` (ExceptionReplacer:
    leaving the queue a second time raised instead of the interrupt)."""

    def test_the_interrupt_is_raised_and_the_lock_still_works(self) -> None:
        lines = _program(
            """
            from anythread_backends.cooperative import make_backend
            b = make_backend(clock="virtual")
            lock = b.Lock()
            lock.acquire()
            def interrupt(_):
                raise KeyboardInterrupt
            def arm():  # runs once the main thread is blocked; virtual time has not moved
                b.waits.kernel.hub().call_at(b.monotonic() + 5, interrupt, None)
            t = b.Thread(target=arm)
            t.start()
            try:
                lock.acquire(timeout=5)
            except KeyboardInterrupt:
                print("KeyboardInterrupt", b.monotonic(), b.waits.snapshot())
            t.join()
            print(lock.locked())
            lock.release()
            print(lock.acquire(timeout=1), lock.locked())
            """
        )
        assert lines == ["KeyboardInterrupt 5.0 ()", "True", "True True"]


class TestLockHandedToTheOldestWaiter:
    """A release hands a contended Lock to the thread that has waited longest (the
    cooperative backend's documented hand-off), also with few waiters: the queue of a
    lock is a list while short, a deque once long (from the ninth waiter), and neither
    a short queue nor a lock with so many waiters was tested.

    Written for ``GreenLock._hand_off``'s ``waiters.pop(0)`` (NumberReplacer:
    ``pop(-1)``, the newest waiter served first) and ``_acquire_contended``'s
    ``elif len(waiters) >= _SHORT and type(waiters) is list:``
    (ReplaceComparisonOperator_Is_GtE and the like: a TypeError at the ninth
    waiter)."""

    @pytest.mark.parametrize("waiters", [2, 3, 7, 12])
    def test_few_waiters_get_the_lock_in_the_order_they_came(self, waiters: int) -> None:
        b = make_backend()
        lock = b.Lock()
        lock.acquire()
        order: list[int] = []

        def take(n: int) -> None:
            with lock:
                order.append(n)

        threads = [b.Thread(target=take, args=(n,)) for n in range(waiters)]
        for count, t in enumerate(threads, 1):
            t.start()
            # It runs up to its wait before the next one starts.
            assert _until(lambda n=count: len(b.waits.snapshot()) == n, b)
        lock.release()
        for t in threads:
            t.join(timeout=BOUND)
        assert order == list(range(waiters))


class TestInterruptedTimedWaitLeavesNoTimer:
    """A timed Lock acquire that an exception interrupts leaves no timer behind: the
    thread's next wait lasts as long as it should, not until the interrupted wait's
    deadline.

    As in :class:`TestInterruptAsALockWaitTimesOut`, a hub timer (virtual clock) raises
    the KeyboardInterrupt at a chosen moment: no public path does.

    Written for ``Hub._forget``'s ``waiter.timer[2] = None  # cancelled``
    (NumberReplacer ``timer[1]``: the timer not cancelled, and at the old deadline it
    ended the next wait, as a timeout; ``timer[3]``: it fired for no waiter, an
    AttributeError in that wait)."""

    def test_the_next_wait_is_not_cut_short_by_the_old_deadline(self) -> None:
        lines = _program(
            """
            from anythread_backends.cooperative import make_backend
            b = make_backend(clock="virtual")
            lock = b.Lock()
            lock.acquire()
            def interrupt(_):
                raise KeyboardInterrupt
            def arm():  # runs once the main thread is blocked; virtual time has not moved
                b.waits.kernel.hub().call_at(b.monotonic() + 1, interrupt, None)
            t = b.Thread(target=arm)
            t.start()
            try:
                lock.acquire(timeout=5)
            except KeyboardInterrupt:
                print("KeyboardInterrupt", b.monotonic())
            t.join()
            event = b.Event()
            print(event.wait(10), b.monotonic())
            """
        )
        assert lines == ["KeyboardInterrupt 1.0", "False 11.0"]


class TestInterruptedSleep:
    """A KeyboardInterrupt that reaches the main thread in ``sleep()`` is raised as it
    is, the sleep over, and the next sleep lasts its own time (hub timer, virtual
    clock, as in :class:`TestInterruptAsALockWaitTimesOut`).

    Written for ``Hub.block``'s ``if not granted and waiter.lock is not None:``
    (ReplaceAndWithOr: a sleep has no lock to leave, and the interrupt became an
    AttributeError)."""

    def test_the_interrupt_ends_the_sleep_and_nothing_is_left(self) -> None:
        lines = _program(
            """
            from anythread_backends.cooperative import make_backend
            b = make_backend(clock="virtual")
            def interrupt(_):
                raise KeyboardInterrupt
            def arm():  # runs once the main thread sleeps; virtual time has not moved
                b.waits.kernel.hub().call_at(b.monotonic() + 1, interrupt, None)
            t = b.Thread(target=arm)
            t.start()
            try:
                b.sleep(5)
            except KeyboardInterrupt:
                print("KeyboardInterrupt", b.monotonic())
            t.join()
            b.sleep(10)
            print(b.monotonic())
            """
        )
        assert lines == ["KeyboardInterrupt 1.0", "11.0"]


class TestManyNewThreadsBlockingOnALock:
    """Green threads that each block on a Lock (or sleep) as soon as they start, many
    more of them than the recursion limit, all run: each blocked one has the next
    started by the hub, from its own stack, not from the deep stack of the one that
    blocked (the project's test of this took Semaphore and Event waits, which do not
    go through ``Hub.block``).

    Written for ``Hub.block``'s ``if not after:  # a green thread not started yet``
    (AddNot: the new thread started by the blocked one, each a little deeper, up to a
    RecursionError), and the same line inlined in ``ParkedLock.acquire`` (AddNot,
    ReplaceUnaryOperator_Delete_Not), which a parked lock's waits take."""

    @pytest.mark.parametrize("how", ["lock", "timed lock", "sleep", "parked lock"])
    def test_every_thread_runs(self, how: str) -> None:
        b = make_backend()
        lock = b.Lock()
        ran: list[None] = []
        parked: list[Any] = []

        def job() -> None:
            if how == "sleep":
                b.sleep(0.001)
            elif how == "parked lock":
                mine = b.waits.kernel.allocate_parked_lock()
                parked.append(mine)
                assert mine.acquire()
            else:
                assert lock.acquire(timeout=-1 if how == "lock" else 60)
                lock.release()
            ran.append(None)

        n = 3 * sys.getrecursionlimit()
        threads = [b.Thread(target=job, daemon=True) for _ in range(n)]  # (mutants: left)
        with lock:
            for t in threads:
                t.start()
            b.sleep(0)  # each runs up to its wait, which starts the next
        for mine in parked:
            mine.release()
        for t in threads:
            t.join(timeout=30)
        assert len(ran) == len(threads)


class TestInterruptAfterTheLockWasHandedOver:
    """An exception delivered to the main thread after a release handed it the Lock it
    waited for, but before it resumed, is raised from its acquire, and the lock it was
    handed is released again: not left held by a thread that never got it.

    The exception is delivered as the project's Event test of the same moment does,
    with the hub's ``interrupt_root`` (what a Ctrl-C does): no public path delivers it
    exactly there.

    Written for ``Hub.block``'s ``if granted and waiter.lock is not None:``
    (ReplaceComparisonOperator_IsNot_Is: the handed-over lock never released)."""

    def test_the_acquire_raises_and_the_lock_is_free(self) -> None:
        b = make_backend()
        lock = b.Lock()
        lock.acquire()
        hub = b.waits.kernel.hub()

        def releaser() -> None:
            lock.release()  # handed to the main thread, which is made ready
            hub.interrupt_root(RuntimeError("interrupted"))

        t = b.Thread(target=releaser)
        t.start()
        with pytest.raises(RuntimeError, match="interrupted"):
            lock.acquire()
        t.join(timeout=BOUND)
        assert not lock.locked()
        assert b.waits.snapshot() == ()
        assert lock.acquire(timeout=1) is True


class TestParkedLockReleasedByAnOsThreadWhileTheHubSleeps:
    """A release of a parked lock by another OS thread, while the waiter's hub sleeps
    (nothing of its OS thread can run), wakes that hub: the waiter resumes at once, not
    at the hub's next timer.

    No public path tells when a hub sleeps: the releasing OS thread waits (bounded)
    until the hub says so (``hub.sleeping``), as the project's tests of the same moment
    do.

    Written for ``ParkedLock.release``'s ``if self.timer is None and not
    hub.sleeping:`` (ReplaceUnaryOperator_Delete_Not: the waiter queued without
    waking the sleeping hub)."""

    def test_the_waiter_resumes(self) -> None:
        b = make_backend()
        kernel: Any = b.waits.kernel
        hub = kernel.hub()
        box: list[Any] = []
        seen: list[bool] = []
        resumed = threading.Event()
        finished = b.Event()
        results: list[bool] = []

        def parker() -> None:
            box.append(kernel.allocate_parked_lock())
            seen.append(box[0].acquire())
            resumed.set()

        t = b.Thread(target=parker, daemon=True)  # (a mutant leaves it waiting)
        t.start()
        assert _until(lambda: box, b)

        def releaser() -> None:
            b.sleep(0)  # this OS thread uses the backend too (a hub of its own)
            deadline = time.monotonic() + BOUND
            while not hub.sleeping and time.monotonic() < deadline:
                time.sleep(0.001)
            box[0].release()
            results.append(resumed.wait(BOUND))
            finished.set()  # (wakes the main thread in any case)

        os_thread = threading.Thread(target=releaser)
        os_thread.start()
        assert finished.wait(3 * BOUND)
        os_thread.join(timeout=BOUND)
        t.join(timeout=BOUND)
        assert results == [True]
        assert seen == [True]


class TestManyNewThreadsYieldingAtOnce:
    """Green threads that each yield (``sleep(0)``) as soon as they start, many more of
    them than the recursion limit, all run: each new one is started by the hub, from
    its own stack, not from the stack of the one that yielded
    (:class:`TestManyNewThreadsBlockingOnALock` takes the blocking waits, not a yield).

    Written for ``Hub.sleep``'s ``if not after:`` (ReplaceUnaryOperator_Delete_Not:
    each new thread started by the one that yielded, a little deeper each time, up to a
    RecursionError)."""

    def test_every_thread_runs(self) -> None:
        b = make_backend()
        ran: list[None] = []

        def job() -> None:
            b.sleep(0)
            ran.append(None)

        n = 3 * sys.getrecursionlimit()
        threads = [b.Thread(target=job, daemon=True) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert len(ran) == n


class TestIdleWaitsDoNotSpin:
    """A green thread's wait that nothing of its OS thread can end uses next to no CPU
    time: a sleep, and an untimed wait that only a plain OS thread (one that never used
    the backend) can end, which the hub looks at again now and then, less and less
    often.  A hub that spun instead would keep a core busy for as long as the wait.

    Written for ``Hub._next``'s ``timeout = max(self.timers[0][0] - clock(), 0.0)``
    (NumberReplacer ``timers[0][1]``: a sequence number less the clock, a timeout of 0
    until the sleep's end) and its ``poll = min(poll * 2, POLL_MAX)``
    (ReplaceBinaryOperator_Mul_Div, _FloorDiv, _Pow: the look again ever sooner, then
    at once)."""

    IDLE = 1.0  # seconds of waiting
    CPU = 0.3  # seconds of CPU time at most, for that wait (a spinning hub: about IDLE)

    def test_a_sleep(self) -> None:
        b = make_backend()
        b.sleep(0)  # (the hub set up before the measure)
        cpu = time.thread_time()
        b.sleep(self.IDLE)
        assert time.thread_time() - cpu < self.CPU

    def test_a_wait_that_only_a_plain_os_thread_ends(self) -> None:
        b = make_backend()
        event = b.Event()
        b.sleep(0)

        def set_later() -> None:
            try:
                time.sleep(self.IDLE)  # (its own OS thread: nothing of the backend waits)
            finally:
                event.set()

        os_thread = threading.Thread(target=set_later)
        cpu = time.thread_time()
        os_thread.start()
        assert event.wait()
        used = time.thread_time() - cpu
        os_thread.join(timeout=BOUND)
        assert used < self.CPU


class TestWaitForAnotherOsThreadThatRunsOrSleeps:
    """A wait that only another OS thread's green thread can end is no deadlock while
    that thread runs (busy, waiting for nothing), even just after its hub woke it from
    a sleep, nor while it sleeps: the wait lasts until it sets the Event.  In programs
    with no other OS thread (one could wake anybody: the hub would only look again now
    and then), so in a subprocess.

    Written for ``Hub._next``'s ``self.stuck = False`` before it returns the thread it
    picked, and its ``self.stuck = False`` when it has a timer to wait for
    (ReplaceFalseWithTrue, both: the worker's hub, said stuck while it ran or slept,
    made the main thread's wait a DeadlockError)."""

    def test_while_it_runs(self) -> None:
        lines = _program(
            """
            import threading, time
            import anythread
            from anythread_backends.cooperative import make_backend
            b = make_backend()
            event = b.Event()
            busy = threading.Event()  # (a plain one: no hub is involved)
            def worker():
                b.sleep(0.1)  # its hub waits for the timer, then runs it again
                busy.set()
                end = time.monotonic() + 0.5
                while time.monotonic() < end:  # busy: it waits for nothing
                    pass
                event.set()
            x = threading.Thread(target=worker)
            x.start()
            print(busy.wait(10))
            try:
                print(event.wait())  # only the busy worker can set it
            except anythread.DeadlockError:
                print("DeadlockError")
            x.join(10)
            """
        )
        assert lines == ["True", "True"]

    def test_while_it_sleeps(self) -> None:
        # No public path tells when a hub sleeps: the main thread waits (bounded) until
        # the worker's says so (``hub.sleeping``), as the project's tests of the same
        # moment do.
        lines = _program(
            """
            import threading, time
            import anythread
            from anythread_backends.cooperative import make_backend
            b = make_backend()
            event = b.Event()
            hubs = []
            def worker():
                hubs.append(b.waits.kernel.hub())
                b.sleep(0.5)  # its hub sleeps until the timer
                event.set()
            x = threading.Thread(target=worker)
            x.start()
            deadline = time.monotonic() + 10
            while not (hubs and hubs[0].sleeping) and time.monotonic() < deadline:
                time.sleep(0.001)  # (a plain OS-level look: this hub is not involved)
            print(hubs[0].sleeping)
            try:
                print(event.wait())  # only the sleeping worker can set it
            except anythread.DeadlockError:
                print("DeadlockError")
            x.join(10)
            """
        )
        assert lines == ["True", "True"]
