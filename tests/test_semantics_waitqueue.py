"""The wait queue every blocking object parks in, and the wait records of a world.

The queue is tested directly (FIFO order, ``unpark(n)`` with more than are parked, a
waiter that times out while another still waits, promptness, exceptions while parked,
deadlines on the kernel's clock), on ``pure``'s kernel and on the toy kernel whose timed
acquire comes back early.  The records are tested through the objects users hold: a
thread blocked in ``Event.wait`` is listed with kind ``Event`` and the line that created
the event, and is gone after its wakeup or its timeout.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
import textwrap
import time
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_semantics_kernels import EarlyLock, ToyKernel

from anythread.protocols import API_NAMES, Backend, Capability, KernelWaitSites
from anythread.semantics import SemanticsBackend, from_kernel
from anythread.semantics.barrier import Barrier
from anythread.semantics.condition import Condition
from anythread.semantics.event import Event
from anythread.semantics.local import local
from anythread.semantics.locks import Lock, RLock
from anythread.semantics.semaphore import BoundedSemaphore, Semaphore
from anythread.semantics.waitqueue import (
    WaitQueue,
    WaitRecord,
    WaitRegistry,
    plain_guard,
)

LONG = 10.0
#: How soon an unparked thread must be running again (well under LONG).
PROMPT = 1.0


class SitesKernel(ToyKernel):
    """The toy kernel plus the KernelWaitSites extra."""

    record_wait_sites = True


def here() -> int:
    """The line number of the caller (to name the line that created an object)."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


def wait_until(predicate: Callable[[], object], timeout: float = LONG) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.002)


# --------------------------------------------------------------------------- the queue


class Guarded:
    """A WaitQueue guarded by one kernel lock, and helpers to park threads in it."""

    def __init__(self, backend: Backend, registry: WaitRegistry) -> None:
        self.backend = backend
        self.registry = registry
        self.lock = registry.kernel.allocate_lock()
        self.queue = WaitQueue(registry, "Test", None, *plain_guard(self.lock))
        self.woken: list[str] = []
        self.results: dict[str, bool] = {}

    def park(self, name: str, timeout: float | None = None) -> None:
        self.lock.acquire()
        try:
            self.results[name] = self.queue.park(self, timeout)
            self.woken.append(name)
        finally:
            self.lock.release()

    def start(self, name: str, timeout: float | None = None) -> Any:
        """Start a thread that parks; return once it is in the queue."""
        before = len(self.queue)
        thread = self.backend.Thread(target=self.park, args=(name, timeout), daemon=True)
        thread.start()
        wait_until(lambda: len(self.queue) > before)
        return thread

    def unpark(self, n: int = 1) -> int:
        self.lock.acquire()
        try:
            return self.queue.unpark(n)
        finally:
            self.lock.release()


@pytest.fixture(params=["pure", "toy"])
def guarded(request: pytest.FixtureRequest) -> Iterator[Guarded]:
    if request.param == "pure":
        from anythread_backends.pure import backend as pure

        yield Guarded(pure, WaitRegistry(pure.waits.kernel))
    else:
        kernel = ToyKernel()
        yield Guarded(from_kernel(kernel, "toy"), WaitRegistry(kernel))


class TestWaitQueue:
    def test_unpark_wakes_in_fifo_order(self, guarded: Guarded) -> None:
        threads = [guarded.start(name) for name in ("a", "b", "c")]
        for count, name in enumerate(("a", "b", "c"), 1):
            assert guarded.unpark(1) == 1
            wait_until(lambda n=count: len(guarded.woken) == n)  # type: ignore[misc]
            assert guarded.woken[-1] == name
        for thread in threads:
            thread.join(LONG)
        assert guarded.results == {"a": True, "b": True, "c": True}

    def test_unpark_n_more_than_parked_wakes_all_and_stores_nothing(self, guarded: Guarded) -> None:
        for name in ("a", "b"):
            guarded.start(name)
        assert guarded.unpark(5) == 2
        assert len(guarded.queue) == 0
        assert not guarded.queue
        wait_until(lambda: len(guarded.woken) == 2)
        # The three extra wakeups were not kept for later: a new waiter times out.
        guarded.park("late", 0.05)
        assert guarded.results["late"] is False

    def test_unpark_with_nobody_parked_returns_zero(self, guarded: Guarded) -> None:
        assert guarded.unpark(3) == 0
        assert guarded.unpark(0) == 0

    def test_timed_out_waiter_leaves_and_the_next_unpark_goes_to_the_other(
        self, guarded: Guarded
    ) -> None:
        # A stale entry left by the timed-out thread would swallow the unpark.
        impatient = guarded.start("impatient", 0.05)
        guarded.start("patient")
        impatient.join(LONG)
        assert guarded.results["impatient"] is False
        assert len(guarded.queue) == 1
        assert guarded.unpark(1) == 1
        wait_until(lambda: "patient" in guarded.results, timeout=PROMPT)
        assert guarded.results["patient"] is True

    def test_unpark_is_prompt_even_with_a_long_timeout(self, guarded: Guarded) -> None:
        # A park that polled its waiter lock instead of blocking on it would be late.
        thread = guarded.start("a", 60.0)
        unparked = time.monotonic()
        assert guarded.unpark() == 1
        thread.join(PROMPT)
        assert not thread.is_alive()
        assert time.monotonic() - unparked < PROMPT
        assert guarded.results["a"] is True

    def test_park_never_returns_before_its_deadline_on_the_kernel_clock(self) -> None:
        # EarlyLock gives up at half the timeout; the queue must wait the remainder.
        kernel = ToyKernel()
        guarded = Guarded(from_kernel(kernel, "toy"), WaitRegistry(kernel))
        start = kernel.monotonic()
        guarded.park("a", 0.2)
        assert guarded.results["a"] is False
        assert kernel.monotonic() - start >= 0.2

    def test_zero_and_negative_timeouts_do_not_block(self, guarded: Guarded) -> None:
        for timeout in (0, -1.0):
            guarded.park("now", timeout)
            assert guarded.results["now"] is False
        assert len(guarded.queue) == 0
        assert guarded.registry.snapshot() == ()

    def test_exception_while_parked_leaves_the_queue_and_retakes_the_guard(self) -> None:
        class Interrupted(Exception):
            pass

        class InterruptedLock(EarlyLock):
            def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
                if blocking and self.locked():
                    raise Interrupted("as a signal handler might")
                return super().acquire(blocking, timeout)

        class InterruptingKernel(ToyKernel):
            def allocate_lock(self) -> EarlyLock:
                return InterruptedLock()

        kernel = InterruptingKernel()
        guarded = Guarded(from_kernel(kernel, "toy"), WaitRegistry(kernel))
        with pytest.raises(Interrupted, match="signal handler"):
            guarded.park("a")
        assert guarded.lock.locked() is False  # released by park()'s caller, so retaken
        assert len(guarded.queue) == 0
        assert guarded.registry.snapshot() == ()

    def test_park_until_has_one_deadline_for_the_whole_call(self, guarded: Guarded) -> None:
        calls: list[float] = []

        def never() -> bool:
            calls.append(time.monotonic())
            # Wake ourselves up now and then, as spurious notifies would.
            return False

        kernel = guarded.registry.kernel
        guarded.lock.acquire()
        try:
            start = kernel.monotonic()
            assert guarded.queue.park_until(guarded, never, 0.15) is False
            elapsed = kernel.monotonic() - start
        finally:
            guarded.lock.release()
        assert 0.15 <= elapsed < 0.15 + PROMPT
        assert len(calls) >= 2

    def test_park_until_returns_the_truthy_result(self, guarded: Guarded) -> None:
        box: list[int] = []
        results: list[object] = []

        def waiter() -> None:
            guarded.lock.acquire()
            try:
                results.append(guarded.queue.park_until(guarded, lambda: len(box), LONG))
            finally:
                guarded.lock.release()

        thread = guarded.backend.Thread(target=waiter, daemon=True)
        thread.start()
        wait_until(lambda: len(guarded.queue) == 1)
        guarded.lock.acquire()
        box.extend((1, 2))
        guarded.queue.unpark_all()
        guarded.lock.release()
        thread.join(LONG)
        assert results == [2]

    def test_len_bool_and_repr(self, guarded: Guarded) -> None:
        assert len(guarded.queue) == 0
        assert not guarded.queue
        guarded.start("a")
        assert len(guarded.queue) == 1
        assert guarded.queue
        assert repr(guarded.queue) == "<anythread WaitQueue of Test: 1 parked>"
        guarded.lock.acquire()
        assert guarded.queue.unpark_all() == 1
        guarded.lock.release()


# --------------------------------------------------------------------------- records


@pytest.fixture
def sites() -> tuple[Any, SitesKernel]:
    kernel = SitesKernel()
    return from_kernel(kernel, "toy-sites", capabilities={Capability.PREEMPTIVE}), kernel


def records(backend: Any) -> tuple[WaitRecord, ...]:
    snapshot: tuple[WaitRecord, ...] = backend.waits.snapshot()
    return snapshot


def start(backend: Any, target: Callable[..., object], *args: Any) -> Any:
    thread = backend.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def ident_of(thread: Any) -> int:
    wait_until(lambda: thread.ident is not None)
    ident: int = thread.ident
    return ident


class TestWaitRecords:
    def test_event_wait_is_listed_with_kind_object_thread_and_creating_line(
        self, sites: tuple[Any, SitesKernel]
    ) -> None:
        backend, _ = sites
        line = here() + 1
        event = backend.Event()
        thread = start(backend, event.wait, LONG)
        wait_until(lambda: len(records(backend)) == 1)
        (record,) = records(backend)
        assert record.kind == "Event"
        assert record.obj is event
        assert record.ident == ident_of(thread)
        assert record.site == f"{__file__}:{line}"
        event.set()
        # Gone as soon as set() returns: the unparking thread removes the record.
        assert records(backend) == ()
        thread.join(LONG)
        assert not thread.is_alive()

    def test_record_is_gone_after_a_timeout(self, sites: tuple[Any, SitesKernel]) -> None:
        backend, kernel = sites
        event = backend.Event()
        before = kernel.monotonic()
        thread = start(backend, event.wait, 0.2)
        wait_until(lambda: len(records(backend)) == 1)
        (record,) = records(backend)
        # The deadline is on the kernel's clock (the toy clock is 1000 s ahead).
        assert record.deadline is not None
        assert before + 0.2 <= record.deadline <= kernel.monotonic() + 0.2
        thread.join(LONG)
        assert not thread.is_alive()
        assert records(backend) == ()

    def test_two_objects_at_once(self, sites: tuple[Any, SitesKernel]) -> None:
        backend, _ = sites
        event_line = here() + 1
        event = backend.Event()
        semaphore_line = here() + 1
        semaphore = backend.Semaphore(0)
        waiting_event = start(backend, event.wait, LONG)
        waiting_semaphore = start(backend, semaphore.acquire, True, LONG)
        wait_until(lambda: len(records(backend)) == 2)
        by_kind = {r.kind: r for r in records(backend)}
        assert by_kind["Event"].obj is event
        assert by_kind["Event"].ident == ident_of(waiting_event)
        assert by_kind["Event"].site.endswith(f":{event_line}")
        assert by_kind["Semaphore"].obj is semaphore
        assert by_kind["Semaphore"].ident == ident_of(waiting_semaphore)
        assert by_kind["Semaphore"].site.endswith(f":{semaphore_line}")
        semaphore.release()
        waiting_semaphore.join(LONG)
        assert [r.kind for r in records(backend)] == ["Event"]
        event.set()
        waiting_event.join(LONG)
        assert records(backend) == ()

    @pytest.mark.parametrize(
        ("kind", "make", "block", "unblock"),
        [
            (
                "Condition",
                lambda b: b.Condition(),
                lambda c: _with(c, c.wait, LONG),
                lambda c: _with(c, c.notify_all),
            ),
            (
                "Semaphore",
                lambda b: b.Semaphore(0),
                lambda s: s.acquire(timeout=LONG),
                lambda s: s.release(),
            ),
            (
                "BoundedSemaphore",
                lambda b: _drained(b.BoundedSemaphore(1)),
                lambda s: s.acquire(timeout=LONG),
                lambda s: s.release(),
            ),
            ("Barrier", lambda b: b.Barrier(2), lambda b: b.wait(LONG), lambda b: b.abort()),
            (
                "RLock",
                lambda b: _held(b, b.RLock()),
                lambda r: r.acquire(timeout=LONG),
                lambda r: _let_go(r),
            ),
            (
                "Lock",
                lambda b: _held(b, b.Lock()),
                lambda r: r.acquire(timeout=LONG),
                lambda r: _let_go(r),
            ),
        ],
    )
    def test_each_blocking_object_records_its_kind(
        self,
        sites: tuple[Any, SitesKernel],
        kind: str,
        make: Callable[[Any], Any],
        block: Callable[[Any], object],
        unblock: Callable[[Any], object],
    ) -> None:
        backend, kernel = sites
        obj = make(backend)

        def on_obj() -> list[WaitRecord]:
            return [r for r in records(backend) if r.obj is obj]

        before = kernel.monotonic()
        thread = start(backend, block, obj)
        wait_until(on_obj)
        (record,) = on_obj()
        assert (record.kind, record.ident) == (kind, ident_of(thread))
        # Each waits with a timeout of LONG: its deadline is on the kernel's clock.
        assert record.deadline is not None
        assert before + LONG - 1e-6 <= record.deadline <= kernel.monotonic() + LONG
        assert record.site.startswith(f"{__file__}:")
        unblock(obj)
        thread.join(LONG)
        assert not thread.is_alive()
        assert on_obj() == []

    def test_timer_event_is_placed_where_the_timer_was_created(
        self, sites: tuple[Any, SitesKernel]
    ) -> None:
        backend, _ = sites
        line = here() + 1
        timer = backend.Timer(LONG, print)
        timer.start()
        try:
            wait_until(lambda: len(records(backend)) == 1)
            (record,) = records(backend)
            assert record.kind == "Event"
            assert record.site == f"{__file__}:{line}"
        finally:
            timer.cancel()
            timer.join(LONG)
        assert records(backend) == ()

    # A subclass defined in a script (__main__) as well as in a package.
    @pytest.mark.parametrize("module", [__name__, "__main__"])
    def test_subclass_is_placed_where_it_is_called_not_in_its_init(
        self, sites: tuple[Any, SitesKernel], module: str
    ) -> None:
        backend, _ = sites

        class Gate(backend.Event):  # type: ignore[name-defined,misc]
            def __init__(self) -> None:
                super().__init__()
                self.opened_by: str | None = None

        Gate.__module__ = module
        gate = Gate()
        line = here() - 1
        thread = start(backend, gate.wait, LONG)
        wait_until(lambda: len(records(backend)) == 1)
        assert records(backend)[0].site == f"{__file__}:{line}"
        gate.set()
        thread.join(LONG)

    def test_object_made_in_a_users_init_is_placed_there(
        self, sites: tuple[Any, SitesKernel]
    ) -> None:
        # An __init__ that is not the object's class's own is the user's code that
        # creates it: the walk stops there.
        backend, _ = sites

        class Worker:
            def __init__(self) -> None:
                self.done = backend.Event()
                self.line = here()

        worker = Worker()
        thread = start(backend, worker.done.wait, LONG)
        wait_until(lambda: len(records(backend)) == 1)
        assert records(backend)[0].site == f"{__file__}:{worker.line - 1}"
        worker.done.set()
        thread.join(LONG)

    def test_without_the_extra_the_site_is_empty(self) -> None:
        from anythread_backends.pure import backend as pure

        assert not isinstance(pure.waits.kernel, KernelWaitSites)
        event = pure.Event()
        thread = start(pure, event.wait, LONG)
        wait_until(lambda: any(r.obj is event for r in records(pure)))
        (record,) = [r for r in records(pure) if r.obj is event]
        assert (record.kind, record.site) == ("Event", "")
        event.set()
        thread.join(LONG)

    def test_snapshot_is_a_copy(self, sites: tuple[Any, SitesKernel]) -> None:
        backend, _ = sites
        event = backend.Event()
        thread = start(backend, event.wait, LONG)
        wait_until(lambda: len(records(backend)) == 1)
        snapshot = records(backend)
        event.set()
        thread.join(LONG)
        assert len(snapshot) == 1
        # A record is frozen and compares by identity (two waits are two records).
        (record,) = snapshot
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.kind = "Lock"  # type: ignore[misc]
        assert record != dataclasses.replace(record)
        assert records(backend) == ()
        assert len(backend.waits) == 0
        assert repr(backend.waits) == "<anythread WaitRegistry: 0 parked>"

    def test_worlds_do_not_share_records(self, sites: tuple[Any, SitesKernel]) -> None:
        backend, _ = sites
        other = from_kernel(ToyKernel(), "other")
        event = other.Event()
        thread = start(other, event.wait, LONG)
        wait_until(lambda: len(other.waits.snapshot()) == 1)
        assert records(backend) == ()
        event.set()
        thread.join(LONG)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")
def test_forked_child_starts_with_no_records_and_a_usable_registry() -> None:
    # In the child only the forking thread exists: a parent's waiter must not be listed
    # (a hang report would blame a thread that is gone), and parking must still work.
    script = """
        import os
        from anythread_backends.pure import backend as at
        event, started = at.Event(), at.Event()
        def waiter():
            started.set()
            event.wait(30)
        at.Thread(target=waiter, daemon=True).start()
        assert started.wait(30)
        while not at.waits.snapshot():
            at.sleep(0.001)
        pid = os.fork()
        if pid == 0:
            before = len(at.waits.snapshot())
            late = at.Event()
            ok = late.wait(0.01) is False and at.waits.snapshot() == ()
            os._exit(0 if (before, ok) == (0, True) else 1)
        _, status = os.waitpid(pid, 0)
        event.set()
        print("child", os.waitstatus_to_exitcode(status), "parent", len(at.waits.snapshot()) <= 1)
    """
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "child 0 parent True", result.stderr


def _with(cond: Any, method: Callable[..., object], *args: Any) -> object:
    with cond:
        return method(*args)


def _drained(semaphore: Any) -> Any:
    assert semaphore.acquire(False)
    return semaphore


#: id(lock) -> the event that tells the thread holding it to release it
_HOLDERS: dict[int, Any] = {}


def _held(backend: Any, lock: Any) -> Any:
    """Return ``lock``, held by another thread until :func:`_let_go`."""
    taken, done = backend.Event(), backend.Event()

    def hold() -> None:
        with lock:
            taken.set()
            done.wait(LONG)

    start(backend, hold)
    assert taken.wait(LONG)
    _HOLDERS[id(lock)] = done
    return lock


def _let_go(lock: Any) -> None:
    _HOLDERS.pop(id(lock)).set()


# --------------------------------------------------------------------------- classes


class TestModuleLevelClasses:
    @pytest.mark.parametrize(
        ("name", "base", "args"),
        [
            ("RLock", RLock, ()),
            ("Condition", Condition, ()),
            ("Semaphore", Semaphore, (2,)),
            ("BoundedSemaphore", BoundedSemaphore, (2,)),
            ("Event", Event, ()),
            ("Barrier", Barrier, (2,)),
            ("local", local, ()),
        ],
    )
    def test_per_world_class_derives_the_module_level_class(
        self, name: str, base: type, args: tuple[Any, ...]
    ) -> None:
        one, two = from_kernel(ToyKernel(), "one"), from_kernel(ToyKernel(), "two")
        cls = getattr(one, name)
        assert cls is not getattr(two, name)
        assert issubclass(cls, base)
        assert (cls.__module__, cls.__qualname__, cls.__name__) == ("anythread", name, name)
        assert cls.__doc__ == base.__doc__
        obj = cls(*args)
        assert isinstance(obj, base)
        assert isinstance(obj, cls)
        assert not isinstance(obj, getattr(two, name))
        assert repr(obj).startswith(("<anythread.", "<unlocked anythread."))

    def test_bounded_semaphore_is_a_semaphore_of_its_world(self) -> None:
        backend = from_kernel(ToyKernel(), "toy")
        bounded = backend.BoundedSemaphore(3)
        assert isinstance(bounded, backend.Semaphore)
        bounded.acquire()
        assert repr(bounded) == f"<anythread.BoundedSemaphore at {id(bounded):#x}: value=2/3>"

    def test_each_world_uses_its_own_kernel(self) -> None:
        class CountingKernel(ToyKernel):
            def __init__(self) -> None:
                super().__init__()
                self.locks = 0

            def allocate_lock(self) -> EarlyLock:
                self.locks += 1
                return super().allocate_lock()

        one, two = CountingKernel(), CountingKernel()
        first, second = from_kernel(one, "one"), from_kernel(two, "two")
        before_one, before_two = one.locks, two.locks
        for name in ("Event", "Semaphore", "Condition", "RLock"):
            getattr(first, name)()
        assert one.locks > before_one
        assert two.locks == before_two
        second.Barrier(2)
        assert two.locks > before_two

    def test_user_subclass_behaves(self) -> None:
        backend = from_kernel(ToyKernel(), "toy")

        class CountingSemaphore(backend.Semaphore):  # type: ignore[name-defined,misc]
            def __init__(self, value: int = 1) -> None:
                super().__init__(value)
                self.acquired = 0

            def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
                got = bool(super().acquire(blocking, timeout))
                self.acquired += got
                return got

        sem = CountingSemaphore(1)
        assert sem.acquire()
        assert not sem.acquire(timeout=0.01)
        assert sem.acquired == 1
        sem.release()
        # As in CPython, __enter__ is the base class's acquire.
        with sem:
            pass
        assert sem.acquired == 1
        assert repr(sem).startswith("<anythread.CountingSemaphore at 0x")
        assert isinstance(sem, backend.Semaphore)
        assert isinstance(sem, Semaphore)

    def test_backend_serves_the_kernel_clock(self) -> None:
        kernel = ToyKernel()
        backend = from_kernel(kernel, "toy")
        assert backend.monotonic == kernel.monotonic
        assert backend.monotonic() >= 1000.0  # the toy clock, not time.monotonic
        assert isinstance(backend, Backend)

    @pytest.mark.parametrize(
        ("cls", "args"),
        [
            (Lock, ()),
            (RLock, ()),
            (Condition, ()),
            (Semaphore, ()),
            (BoundedSemaphore, ()),
            (Event, ()),
            (Barrier, (2,)),
            (local, ()),
        ],
    )
    def test_module_level_class_alone_says_to_use_a_backend(
        self, cls: type, args: tuple[Any, ...]
    ) -> None:
        with pytest.raises(TypeError, match=r"belongs to no backend; create objects from a"):
            cls(*args)

    def test_backend_annotates_every_api_name(self) -> None:
        hints = typing.get_type_hints(SemanticsBackend)
        missing = set(API_NAMES) - set(hints)
        assert not missing
        assert {"name", "capabilities", "contract_version", "monotonic", "waits"} <= set(hints)
        assert not issubclass(SemanticsBackend, types.SimpleNamespace)
