"""``from_kernel`` on kernels other than ``_thread``, and what it checks of a kernel.

This module also defines the toy kernels that the other ``test_semantics_*`` modules
import: :class:`ToyKernel` is built on ``threading``'s objects instead of ``_thread``'s,
with its own lock class (which checks no arguments and whose timed acquire comes back
early, as a sloppy kernel's might) and its own clock (offset by 1000 s, so a layer that
read ``time.monotonic`` itself would get every deadline wrong).
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest

import anythread
from anythread.protocols import API_NAMES, KERNEL_NAMES, Backend, Capability
from anythread.semantics import event as event_module
from anythread.semantics import from_kernel, waitqueue

LONG = 10.0


class EarlyLock:
    """A lock built on a threading.Condition; a timed acquire gives up at half time."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._locked = False

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        with self._cond:
            if not self._locked:
                self._locked = True
                return True
            if not blocking:
                return False
            if timeout < 0:
                while self._locked:
                    self._cond.wait()
            else:
                self._cond.wait(timeout / 2)
                if self._locked:
                    return False
            self._locked = True
            return True

    def release(self) -> None:
        with self._cond:
            if not self._locked:
                raise RuntimeError("release unlocked lock")
            self._locked = False
            self._cond.notify()

    def locked(self) -> bool:
        return self._locked


class ToyKernel:
    """A kernel that is not ``_thread``: threading's threads, EarlyLock, offset clock."""

    TIMEOUT_MAX = 1e6

    def __init__(self) -> None:
        self.threads_started = 0

    def allocate_lock(self) -> EarlyLock:
        return EarlyLock()

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> int:
        thread = threading.Thread(target=function, args=args, kwargs=kwargs or {}, daemon=True)
        thread.start()
        self.threads_started += 1
        assert thread.ident is not None
        return thread.ident

    def get_ident(self) -> int:
        return threading.get_ident()

    def get_native_id(self) -> int:
        return threading.get_native_id()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic() + 1000.0


class NativeRLockKernel(ToyKernel):
    """The toy kernel plus the KernelRLock extra (a reentrant lock of its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.rlocks_made = 0

    def allocate_rlock(self) -> Any:
        self.rlocks_made += 1
        return threading._PyRLock()  # type: ignore[attr-defined]


class NoDaemonsKernel(ToyKernel):
    """The toy kernel plus the KernelDaemonPolicy extra, forbidding daemon threads."""

    def daemon_threads_allowed(self) -> bool:
        return False


class ThreadEndKernel(ToyKernel):
    """The toy kernel plus the KernelThreadEnd extra, whose callbacks the test runs
    itself (``end(ident)``), when it chooses, instead of when the thread ends."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[int, Callable[[], object]]] = []

    def register_thread_end(self, callback: Callable[[], object]) -> None:
        self.asked.append((threading.get_ident(), callback))

    def end(self, ident: int) -> None:
        for asker, callback in self.asked:
            if asker == ident:
                callback()


def toy_backend(name: str = "toy") -> Any:
    return from_kernel(ToyKernel(), name, capabilities={Capability.PREEMPTIVE})


class TestFromKernel:
    def test_result_is_a_complete_backend(self) -> None:
        backend = toy_backend()
        assert isinstance(backend, Backend)
        for name in API_NAMES:
            assert hasattr(backend, name), name
        assert backend.name == "toy"
        assert backend.capabilities == frozenset({Capability.PREEMPTIVE})
        assert backend.contract_version == anythread.CONTRACT_VERSION
        assert repr(backend) == "<anythread backend 'toy'>"

    def test_facade_exposes_from_kernel(self) -> None:
        assert anythread.from_kernel is from_kernel

    @pytest.mark.parametrize("missing", KERNEL_NAMES)
    def test_kernel_missing_a_primitive_is_a_type_error_naming_it(self, missing: str) -> None:
        class Partial:
            pass

        kernel = Partial()
        for name in KERNEL_NAMES:
            if name != missing:
                setattr(kernel, name, getattr(ToyKernel(), name))
        with pytest.raises(TypeError, match=rf"lacks {missing} "):
            from_kernel(kernel, "partial")  # type: ignore[arg-type]

    def test_unknown_capability_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match="unknown capability 'telepathy'"):
            from_kernel(ToyKernel(), "toy", capabilities=["telepathy"])

    def test_capabilities_may_be_given_by_value(self) -> None:
        backend = from_kernel(ToyKernel(), "toy", capabilities=["fork"])
        assert backend.capabilities == frozenset({Capability.FORK})

    def test_each_call_is_an_independent_world(self) -> None:
        one, two = toy_backend("one"), toy_backend("two")
        assert one.Thread is not two.Thread
        assert one.main_thread() is not two.main_thread()
        first = one.Thread()
        assert first.name == "Thread-1"
        assert two.Thread().name == "Thread-1"
        one.settrace(print)
        try:
            assert two.gettrace() is None
        finally:
            one.settrace(None)

    def test_threads_come_from_the_kernel(self) -> None:
        kernel = ToyKernel()
        backend = from_kernel(kernel, "toy")
        seen: list[Any] = []
        thread = backend.Thread(target=lambda: seen.append(backend.current_thread()))
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()
        assert seen == [thread]
        assert kernel.threads_started == 1

    def test_thread_classes_are_real_subclassable_classes(self) -> None:
        backend = toy_backend()

        class Worker(backend.Thread):  # type: ignore[name-defined,misc]
            def run(self) -> None:
                self.result = 42

        worker = Worker()
        worker.start()
        worker.join(LONG)
        assert worker.result == 42
        assert isinstance(backend.Timer(1, print), backend.Thread)


class TestKernelExtras:
    def test_without_checked_locks_lock_arguments_are_still_checked(self) -> None:
        backend = toy_backend()
        lock = backend.Lock()
        assert not isinstance(lock, EarlyLock)
        with pytest.raises(ValueError, match="can't specify a timeout for a non-blocking call"):
            lock.acquire(False, 1)
        with pytest.raises(ValueError, match="NaN"):
            lock.acquire(True, float("nan"))
        with pytest.raises(OverflowError):
            lock.acquire(True, ToyKernel.TIMEOUT_MAX * 2)
        with pytest.raises(RuntimeError, match="release unlocked lock"):
            lock.release()
        assert repr(lock).startswith("<unlocked anythread.Lock object at 0x")

    @pytest.mark.parametrize("checked_too", [False, True])
    def test_declared_user_lock_is_what_lock_hands_out(self, checked_too: bool) -> None:
        made: list[Any] = []

        class UserLockKernel(ToyKernel):
            """The toy kernel plus KernelUserLock (and KernelCheckedLocks, which it
            takes precedence over)."""

            locks_check_arguments = checked_too

            def allocate_user_lock(self) -> Any:
                made.append(threading.Lock())
                return made[-1]

            def allocate_state_lock(self) -> Any:  # (else the world's state takes Lock())
                return threading.Lock()

        backend = from_kernel(UserLockKernel(), "user-lock")
        assert len(made) == 1  # checked once, when the backend is built
        lock = backend.Lock()
        assert made[1:] == [lock]
        # The layer's own objects keep the kernel's plain lock.
        sem = backend.Semaphore(1)
        assert sem.acquire(timeout=LONG)
        sem.release()
        cond = backend.Condition(backend.Lock())
        with cond:
            assert not cond.wait(0.01)
        assert not backend.Event().wait(0.01)
        with pytest.raises(anythread.BrokenBarrierError):
            backend.Barrier(2).wait(0.01)
        t = backend.Thread(target=lambda: None)
        t.start()
        t.join(LONG)
        assert len(made) == 3  # the probe and the two Lock() calls, nothing else

    @pytest.mark.parametrize("made", [object(), None, threading.Semaphore()])
    def test_user_lock_that_is_not_a_lock_is_a_type_error(self, made: object) -> None:
        class BadUserLockKernel(ToyKernel):
            def allocate_user_lock(self) -> Any:
                return made

        with pytest.raises(TypeError, match=r"allocate_user_lock\(\) \(the KernelUserLock"):
            from_kernel(BadUserLockKernel(), "bad-user-lock")

    @pytest.mark.parametrize(("trace", "profile"), [(True, False), (False, True), (True, True)])
    def test_declared_thread_hooks_install_a_new_threads_functions(
        self, trace: bool, profile: bool
    ) -> None:
        installed: list[tuple[int, Any, Any]] = []

        class HooksKernel(ToyKernel):
            """The toy kernel plus KernelThreadHooks: it installs the functions itself."""

            def install_thread_hooks(self, trace: Any, profile: Any) -> None:
                installed.append((threading.get_ident(), trace, profile))

        def hook(frame: Any, event: str, arg: Any) -> None:
            pass

        backend = from_kernel(HooksKernel(), "hooks")
        seen: list[tuple[Any, Any]] = []
        idents: list[int] = []

        def body() -> None:
            idents.append(threading.get_ident())
            seen.append((sys.gettrace(), sys.getprofile()))

        backend.Thread(target=body).start()  # no function set: nothing installed
        backend.settrace(hook if trace else None)
        backend.setprofile(hook if profile else None)
        try:
            t = backend.Thread(target=body)
            t.start()
            t.join(LONG)
        finally:
            backend.settrace(None)
            backend.setprofile(None)
        # Called once, in the new thread, before run(), with both (None: not set);
        # sys's functions are the kernel's to set, so the layer set none itself.
        assert installed == [(idents[-1], hook if trace else None, hook if profile else None)]
        assert seen[-1] == (None, None)

    def test_declared_native_rlock_is_used(self) -> None:
        kernel = NativeRLockKernel()
        backend = from_kernel(kernel, "native-rlock")
        rlock = backend.RLock()
        assert kernel.rlocks_made == 1
        cond = backend.Condition(rlock)
        with cond, cond:
            assert not cond.wait(0.01)

    def test_declared_event_class_is_the_worlds_event_base(self) -> None:
        made: list[Any] = []

        class CountingEvent(event_module.Event):
            def __init__(self) -> None:
                super().__init__()
                made.append(self)

        kernel = ToyKernel()
        kernel.event_class = CountingEvent  # type: ignore[attr-defined]
        backend = from_kernel(kernel, "own-event")
        event = backend.Event()
        assert made == [event]
        assert isinstance(event, CountingEvent)
        assert type(event).__name__ == "Event"
        assert type(event).__module__ == "anythread"
        assert not event.wait(0.01)
        event.set()
        assert event.wait(0)
        # The world's Timer waits on the world's Event.
        timer = backend.Timer(LONG, lambda: None)
        assert len(made) == 2
        timer.cancel()

    @pytest.mark.parametrize("base", [object, int, "Event", None])
    def test_event_class_not_a_layer_event_is_a_type_error(self, base: object) -> None:
        kernel = ToyKernel()
        kernel.event_class = base  # type: ignore[attr-defined]
        with pytest.raises(TypeError, match=r"event_class .*must be a subclass of"):
            from_kernel(kernel, "bad-event")

    def test_declared_wait_queue_class_is_where_every_object_parks(self) -> None:
        parks: list[str] = []

        class CountingQueue(waitqueue.WaitQueue):
            __slots__ = ()

            def park(self, subject: object, timeout: float | None) -> bool:
                parks.append(type(subject).__name__)
                return super().park(subject, timeout)

        kernel = ToyKernel()
        kernel.wait_queue_class = CountingQueue  # type: ignore[attr-defined]
        backend = from_kernel(kernel, "own-queue")
        assert backend.waits.queue_class is CountingQueue
        cond = backend.Condition()
        with cond:
            assert not cond.wait(0.01)
        assert not backend.Semaphore(0).acquire(timeout=0.01)
        assert not backend.Event().wait(0.01)
        with pytest.raises(anythread.BrokenBarrierError):
            backend.Barrier(2).wait(0.01)
        assert parks == ["Condition", "Semaphore", "Event", "Barrier"]

    @pytest.mark.parametrize("base", [object, list, None])
    def test_wait_queue_class_not_a_layer_queue_is_a_type_error(self, base: object) -> None:
        kernel = ToyKernel()
        kernel.wait_queue_class = base  # type: ignore[attr-defined]
        with pytest.raises(TypeError, match=r"wait_queue_class .*must be a subclass of"):
            from_kernel(kernel, "bad-queue")

    def test_declared_state_lock_guards_the_worlds_registries(self) -> None:
        class CountingLock:
            """A real lock that counts how often it is taken."""

            entered = 0

            def __init__(self) -> None:
                self._lock = threading.Lock()

            def __enter__(self) -> bool:
                CountingLock.entered += 1
                return self._lock.acquire()

            def __exit__(self, *exc_info: object) -> None:
                self._lock.release()

        class StateLockKernel(ToyKernel):
            def allocate_state_lock(self) -> CountingLock:
                return CountingLock()

        backend = from_kernel(StateLockKernel(), "state-lock")
        before = CountingLock.entered
        thread = backend.Thread(target=lambda: None)
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()
        after_thread = CountingLock.entered
        # start (the lifecycle check), the registration and the end each take it
        assert after_thread - before >= 3
        assert thread not in backend.enumerate()
        assert CountingLock.entered > after_thread

    @pytest.mark.parametrize("made", [object(), None, 42])
    def test_state_lock_not_a_context_manager_is_a_type_error(self, made: object) -> None:
        kernel = ToyKernel()
        kernel.allocate_state_lock = lambda: made  # type: ignore[attr-defined]
        with pytest.raises(TypeError, match=r"allocate_state_lock\(\) .*must return a context"):
            from_kernel(kernel, "bad-state-lock")

    def test_declared_daemon_policy_is_enforced(self) -> None:
        backend = from_kernel(NoDaemonsKernel(), "no-daemons")
        with pytest.raises(RuntimeError, match=r"daemon threads are disabled in this \(sub\)"):
            backend.Thread(daemon=True)
        thread = backend.Thread()
        with pytest.raises(RuntimeError, match="daemon threads are disabled in this interpreter"):
            thread.daemon = True
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()

    def test_declared_thread_end_drops_an_alien_threads_values_only(self) -> None:
        kernel = ThreadEndKernel()
        backend = from_kernel(kernel, "thread-end")
        data, other = backend.local(), backend.local()
        data.value = "main's"
        refs: list[weakref.ref[Any]] = []

        class Value:
            pass

        def alien(name: str) -> None:
            for i, obj in enumerate((data, other, data)):  # (touched again: asks no more)
                value = Value()
                refs.append(weakref.ref(value))
                setattr(obj, f"{name}{i}", value)

        started = backend.Thread(target=lambda: setattr(data, "started", 1))
        started.start()
        started.join(LONG)
        # Not asked by the main thread, nor by a thread the backend started (the layer
        # sees its end itself).
        assert kernel.asked == []
        for n, name in enumerate(["first", "second"]):
            # (The kernel says a thread ended before its identifier can be recycled.)
            thread = threading.Thread(target=alien, args=(name,))
            thread.start()
            thread.join(LONG)
            # Asked once by the alien thread, in that thread.
            assert [ident for ident, _ in kernel.asked[n:]] == [thread.ident]
            mine = refs[3 * n :]
            gc.collect()
            assert all(ref() is not None for ref in mine)  # kept until the kernel says
            kernel.end(thread.ident)  # type: ignore[arg-type]
            gc.collect()
            assert all(ref() is None for ref in mine)
        assert len(refs) == 6
        assert data.value == "main's"

    def test_without_stack_size_extra_setting_it_is_a_thread_error(self) -> None:
        backend = toy_backend()
        assert backend.stack_size() == 0
        with pytest.raises(anythread.ThreadError, match="not supported"):
            backend.stack_size(1 << 20)

    def test_without_main_thread_extra_the_building_thread_is_main(self) -> None:
        built: list[Any] = []
        thread = threading.Thread(target=lambda: built.append(toy_backend()))
        thread.start()
        thread.join(LONG)
        backend = built[0]
        assert backend.main_thread().ident == thread.ident
        # Seen from here, this thread is an alien thread of that backend.
        assert type(backend.current_thread()).__name__ == "_DummyThread"


class TestDeadlinesOnTheKernelClock:
    """The toy lock gives up at half the timeout: the layer must wait the rest."""

    @pytest.mark.parametrize(
        "wait",
        [
            pytest.param(lambda b: b.Event().wait(0.2), id="Event.wait"),
            pytest.param(lambda b: b.Semaphore(0).acquire(timeout=0.2), id="Semaphore"),
            pytest.param(lambda b: _held_rlock_acquire(b, 0.2), id="RLock.acquire"),
            pytest.param(lambda b: _cond_wait(b, 0.2), id="Condition.wait"),
            pytest.param(lambda b: _cond_wait_for(b, 0.2), id="Condition.wait_for"),
            pytest.param(lambda b: _held_lock_acquire(b, 0.2), id="Lock.acquire"),
        ],
    )
    def test_timeouts_never_return_early(self, wait: Callable[[Any], object]) -> None:
        kernel = ToyKernel()
        backend = from_kernel(kernel, "toy")
        start = kernel.monotonic()
        assert not wait(backend)
        assert kernel.monotonic() - start >= 0.2

    def test_join_never_returns_early(self) -> None:
        kernel = ToyKernel()
        backend = from_kernel(kernel, "toy")
        stop = backend.Event()
        thread = backend.Thread(target=stop.wait, args=(LONG,), daemon=True)
        thread.start()
        start = kernel.monotonic()
        thread.join(0.2)
        assert kernel.monotonic() - start >= 0.2
        assert thread.is_alive()
        stop.set()
        thread.join(LONG)
        assert not thread.is_alive()


def _held_by_other_thread(backend: Any, lock: Any) -> None:
    taken = backend.Event()

    def hold() -> None:
        lock.acquire()
        taken.set()

    holder = backend.Thread(target=hold, daemon=True)
    holder.start()
    assert taken.wait(LONG)


def _held_rlock_acquire(backend: Any, timeout: float) -> bool:
    rlock = backend.RLock()
    _held_by_other_thread(backend, rlock)
    return bool(rlock.acquire(timeout=timeout))


def _held_lock_acquire(backend: Any, timeout: float) -> bool:
    lock = backend.Lock()
    lock.acquire()
    return bool(lock.acquire(timeout=timeout))


def _cond_wait(backend: Any, timeout: float) -> bool:
    cond = backend.Condition()
    with cond:
        return bool(cond.wait(timeout))


def _cond_wait_for(backend: Any, timeout: float) -> bool:
    cond = backend.Condition()
    with cond:
        return bool(cond.wait_for(lambda: False, timeout))


class FailingStartKernel(ToyKernel):
    """The toy kernel, whose first start_new_thread fails (as when out of threads)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> int:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("can't start new thread")
        return super().start_new_thread(function, args, kwargs)


class TestStartFailure:
    def test_failed_start_leaves_the_thread_startable(self) -> None:
        backend = from_kernel(FailingStartKernel(), "failing")
        ran: list[int] = []
        thread = backend.Thread(target=ran.append, args=(1,))
        with pytest.raises(RuntimeError, match="can't start new thread"):
            thread.start()
        assert not thread.is_alive()
        assert thread not in backend.enumerate()
        thread.start()
        thread.join(LONG)
        assert ran == [1]


class InterruptedStartKernel(ToyKernel):
    """The toy kernel, whose start_new_thread starts the thread and then raises
    KeyboardInterrupt, as a Ctrl-C does in the wait of ``threading.Thread.start()``:
    once the new thread has got as far as ``started`` says (a Thread, when it is alive),
    or at once (``started`` None)."""

    def __init__(self) -> None:
        super().__init__()
        self.started: Callable[[], bool] | None = None

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> int:
        super().start_new_thread(function, args, kwargs)
        started = self.started
        if started is not None:
            deadline = time.monotonic() + LONG
            while not started() and time.monotonic() < deadline:
                time.sleep(0.001)
        raise KeyboardInterrupt


class TestInterruptedStart:
    # start() raised, but the kernel had started the thread: it runs once, is alive
    # until it ends, can be joined, and cannot be started again, as on CPython.

    @pytest.mark.parametrize("registered", [True, False], ids=["registered", "not-yet"])
    def test_the_thread_runs_once_and_can_be_joined(self, registered: bool) -> None:
        kernel = InterruptedStartKernel()
        backend = from_kernel(kernel, "interrupted")
        ran: list[int] = []
        go = threading.Event()
        thread = backend.Thread(target=lambda: (go.wait(LONG), ran.append(1)))
        kernel.started = thread.is_alive if registered else None
        with pytest.raises(KeyboardInterrupt):
            thread.start()
        deadline = time.monotonic() + LONG
        while not thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.001)  # (not-yet: the new thread registers itself)
        assert thread.is_alive()
        assert thread in backend.enumerate()
        with pytest.raises(RuntimeError, match="threads can only be started once"):
            thread.start()
        go.set()
        thread.join(LONG)
        assert not thread.is_alive()
        assert ran == [1]

    def test_started_and_registered_in_one_section(self) -> None:
        # KernelIdentsAtStart: start() holds the world's lock while it launches, so the
        # new thread registers itself only after start() has given up on it.
        class Interrupted(IdentsKernel):
            def start_named_thread(self, function: Callable[[], object], thread: Any) -> Any:
                super().start_named_thread(function, thread)
                raise KeyboardInterrupt

        backend = from_kernel(Interrupted(), "interrupted-idents")
        ran: list[int] = []
        go = threading.Event()
        thread = backend.Thread(target=lambda: (go.wait(LONG), ran.append(1)))
        with pytest.raises(KeyboardInterrupt):
            thread.start()
        deadline = time.monotonic() + LONG
        while not thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.001)  # (it registers itself)
        assert thread.is_alive()
        assert thread in backend.enumerate()
        go.set()
        thread.join(LONG)
        assert ran == [1]
        assert not thread.is_alive()
        with pytest.raises(RuntimeError, match="threads can only be started once"):
            thread.start()


class CountedStateLock:
    """A real lock that tells its kernel how many of its kind are held right now."""

    def __init__(self, kernel: IdentsKernel) -> None:
        self._kernel = kernel
        self._lock = threading.Lock()

    def __enter__(self) -> bool:
        self._lock.acquire()
        self._kernel.held += 1
        return True

    def __exit__(self, *exc_info: object) -> None:
        self._kernel.held -= 1
        self._lock.release()


class IdentsKernel(ToyKernel):
    """The toy kernel with named threads whose identifiers are known when they start
    (KernelNamedThreads, KernelIdentsAtStart), scheduling points that can be turned on
    and off (KernelSchedulingPoints) and a state lock that counts its holders
    (KernelStateLock).  A new thread waits for ``gate`` before it runs anything."""

    idents_at_start = True

    def __init__(self) -> None:
        super().__init__()
        self.preemptive_points = False
        self.held = 0
        self.held_at_launch: list[bool] = []
        self.fail_next = False
        self.gate = threading.Event()
        self.gate.set()
        #: the identifier the next thread gets (None: its OS thread's)
        self.next_ident: int | None = None
        self._local = threading.local()

    def allocate_state_lock(self) -> CountedStateLock:
        return CountedStateLock(self)

    def get_ident(self) -> int:
        ident: int | None = getattr(self._local, "ident", None)
        return threading.get_ident() if ident is None else ident

    def start_named_thread(self, function: Callable[[], object], thread: Any) -> Any:
        self.held_at_launch.append(self.held > 0)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("can't start new thread")
        gate, ident, self.next_ident = self.gate, self.next_ident, None

        def body() -> None:
            self._local.ident = ident
            gate.wait(LONG)
            function()

        started = threading.Thread(target=body, daemon=True)
        started.start()
        return Handle(started, ident)


class Handle:
    """A kernel's handle of a thread started on an OS thread: its identifiers (the given
    ident, else the OS thread's; None for both when the handle keeps them to itself)."""

    def __init__(self, thread: threading.Thread, ident: int | None, *, hidden: bool = False):
        self._thread = thread
        self.ident = None if hidden else (thread.ident if ident is None else ident)
        self.native_id = None if hidden else thread.native_id

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)


class NamedKernel(IdentsKernel):
    """Named threads without KernelIdentsAtStart: handles that show no identifier (the
    thread registers itself), and no scheduling points."""

    idents_at_start = False

    def start_named_thread(self, function: Callable[[], object], thread: Any) -> Any:
        handle = super().start_named_thread(function, thread)
        return Handle(handle._thread, None, hidden=True)


class TestStartWithIdentsKnown:
    """KernelIdentsAtStart: start() registers the thread itself; in the critical section
    that starts it while the kernel has no scheduling points (KernelSchedulingPoints,
    read at each start), else after it."""

    def test_registered_by_start_before_it_runs(self) -> None:
        kernel = IdentsKernel()
        backend = from_kernel(kernel, "idents")
        kernel.gate.clear()  # the new thread runs nothing until the gate opens
        ran: list[int] = []
        thread = backend.Thread(target=lambda: ran.append(backend.get_ident()))
        thread.start()
        assert thread.is_alive()
        assert thread.ident is not None
        assert thread.native_id is not None
        assert thread in backend.enumerate()
        assert ran == []
        kernel.gate.set()
        thread.join(LONG)
        assert ran == [thread.ident]
        assert not thread.is_alive()
        assert thread not in backend.enumerate()

    @pytest.mark.parametrize("points", [[False], [True], [False, True, False, True]])
    def test_launched_in_the_critical_section_only_without_points(self, points: list[bool]) -> None:
        kernel = IdentsKernel()
        backend = from_kernel(kernel, "idents")
        for p in points:
            kernel.preemptive_points = p
            thread = backend.Thread(target=lambda: None)
            thread.start()
            thread.join(LONG)
            assert not thread.is_alive()
        assert kernel.held_at_launch == [not p for p in points]
        with pytest.raises(RuntimeError, match="threads can only be started once"):
            thread.start()

    @pytest.mark.parametrize("points", [False, True])
    def test_failed_start_leaves_the_thread_startable(self, points: bool) -> None:
        kernel = IdentsKernel()
        kernel.preemptive_points = points
        backend = from_kernel(kernel, "idents")
        kernel.fail_next = True
        ran: list[int] = []
        thread = backend.Thread(target=ran.append, args=(1,))
        with pytest.raises(RuntimeError, match="can't start new thread"):
            thread.start()
        assert not thread.is_alive()
        assert thread.ident is None
        assert thread not in backend.enumerate()
        assert kernel.held == 0
        thread.start()
        thread.join(LONG)
        assert ran == [1]

    def test_a_recycled_identifier_drops_what_was_kept_for_it(self) -> None:
        # An identifier that an alien thread had (and kept thread-local data under) is
        # recycled by a new thread: that data goes, as start() registers the thread.
        kernel = IdentsKernel()
        backend = from_kernel(kernel, "idents")

        class Owner:
            forgotten: list[int] = []

            def forget_thread(self, ident: int) -> None:
                self.forgotten.append(ident)

        owner = Owner()
        backend.Thread._world.keeps_data_for(4242, owner)
        kernel.gate.clear()
        kernel.next_ident = 4242
        thread = backend.Thread(target=lambda: None)
        thread.start()
        assert thread.ident == 4242
        assert owner.forgotten == [4242]
        kernel.gate.set()
        thread.join(LONG)
        assert not thread.is_alive()

    def test_named_threads_without_idents_at_start_register_themselves(self) -> None:
        # The kernel's handles show no identifier: start() waits until the new thread
        # has registered itself, under its own identifier.
        kernel = NamedKernel()
        backend = from_kernel(kernel, "named")
        seen: list[int] = []
        thread = backend.Thread(target=lambda: seen.append(backend.get_ident()))
        thread.start()
        assert thread.ident is not None
        assert thread.native_id is not None
        thread.join(LONG)
        assert seen == [thread.ident]
        assert kernel.held_at_launch == [False]


class LateRegistrationKernel(ToyKernel):
    """The toy kernel whose get_ident fails once in the first thread it starts (as if
    registration itself failed there)."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()
        self.fail_in_new_thread = True

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> int:
        fail, self.fail_in_new_thread = self.fail_in_new_thread, False

        def body() -> None:
            self._local.fail = fail
            function(*args, **(kwargs or {}))

        return super().start_new_thread(body, ())

    def get_ident(self) -> int:
        if getattr(self._local, "fail", False):
            self._local.fail = False
            raise MemoryError("no identifier today")
        return threading.get_ident()


class TestStartAndJoinInTheirMiddle:
    def test_start_returns_when_the_registration_fails(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        escaped: list[BaseException | None] = []
        # (the toy kernel's threads are threading's: what escapes them goes there)
        monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))
        backend = from_kernel(LateRegistrationKernel(), "late-registration")
        thread = backend.Thread(target=lambda: None)
        starter = threading.Thread(target=thread.start, daemon=True)
        starter.start()
        starter.join(LONG)
        assert not starter.is_alive(), "start() waits for ever"
        thread.join(LONG)
        assert not thread.is_alive()
        # (the failure reached the kernel's thread: it is not lost)
        assert [type(e) for e in escaped] == [MemoryError]
        # Gone from the world, as an ended thread is: not listed, not counted, and not
        # waited for by the exit rule (which would wait for ever at interpreter exit).
        assert thread not in backend.enumerate()
        assert backend.active_count() == 1

    def test_join_when_the_thread_ends_while_join_gets_ready_to_wait(self) -> None:
        # The thread ends after join() saw it alive and before it made the lock it would
        # wait on: join() must see that and return, not wait for the lock (nobody is left
        # to release it) until its timeout.
        class HookedKernel(ToyKernel):
            on_allocate: Callable[[], None] | None = None

            def allocate_lock(self) -> EarlyLock:
                hook, self.on_allocate = self.on_allocate, None
                if hook is not None:
                    hook()
                return super().allocate_lock()

        kernel = HookedKernel()
        backend = from_kernel(kernel, "ends-meanwhile")
        go = threading.Event()
        thread = backend.Thread(target=go.wait, args=(LONG,))
        thread.start()

        def end_it() -> None:
            go.set()
            deadline = time.monotonic() + LONG
            while thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.001)

        kernel.on_allocate = end_it
        began = time.monotonic()
        thread.join(LONG)
        assert kernel.on_allocate is None  # the hook ran, inside join()
        assert not thread.is_alive()
        assert time.monotonic() - began < LONG / 2, "join() waited for its timeout"


class TestExitRuleWithoutExtras:
    # The kernel's identifiers in _thread's order and reversed: the exit rule must not
    # tell the threads to wait for from the one running it by the order of identifiers.
    @pytest.mark.parametrize("sign", [1, -1])
    def test_atexit_fallback_waits_for_non_daemon_threads(self, sign: int) -> None:
        import subprocess
        import sys
        import textwrap

        script = textwrap.dedent(
            """
            import _thread, time
            from anythread.semantics import from_kernel

            class Kernel:  # no extras at all: the exit rule falls back to atexit
                TIMEOUT_MAX = _thread.TIMEOUT_MAX
                allocate_lock = staticmethod(_thread.allocate_lock)
                start_new_thread = staticmethod(_thread.start_new_thread)
                get_native_id = staticmethod(_thread.get_native_id)
                sleep = staticmethod(time.sleep)
                monotonic = staticmethod(time.monotonic)

                @staticmethod
                def get_ident():
                    return SIGN * _thread.get_ident()

            at = from_kernel(Kernel(), "bare")

            def worker():
                at.main_thread().join(30)
                print("worker saw main finish:", not at.main_thread().is_alive(), flush=True)

            at.Thread(target=worker).start()
            at.Thread(target=at.Event().wait, daemon=True).start()
            print("main done", flush=True)
            """
        )
        result = subprocess.run(
            [sys.executable, "-c", script.replace("SIGN", str(sign))],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["main done", "worker saw main finish: True"]


class TestExitHookRegistration:
    def test_a_failed_registration_is_tried_again_at_the_next_start(self) -> None:
        # The kernel could not register the exit rule (say, it could not start the
        # thread that runs it): that start fails, and the next non-daemon start tries
        # again, or the program would not wait for its threads at exit.
        class FlakyExitKernel(ToyKernel):
            def __init__(self) -> None:
                super().__init__()
                self.refusals = 1
                self.registered: list[Callable[[], object]] = []

            def register_exit_hook(self, callback: Callable[[], object]) -> None:
                if self.refusals:
                    self.refusals -= 1
                    raise RuntimeError("can't start new thread")
                self.registered.append(callback)

        kernel = FlakyExitKernel()
        backend: Any = from_kernel(kernel, "flaky-exit")
        first = backend.Thread(target=lambda: None)
        with pytest.raises(RuntimeError, match="can't start new thread"):
            first.start()
        assert not first.is_alive()
        assert kernel.registered == []
        second = backend.Thread(target=lambda: None)
        second.start()
        second.join(10)
        assert not second.is_alive()
        assert len(kernel.registered) == 1


class VirtualClockKernel(ToyKernel):
    """A kernel whose clock is virtual: a timed wait that would block jumps the clock.

    Good enough for one thread at a time (nothing can release a lock while time jumps),
    which is all these tests need: they show the layer measures every timeout on the
    kernel's clock and never sleeps on its own.
    """

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        kernel = self

        class JumpLock(EarlyLock):
            def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
                if super().acquire(False):
                    return True
                if blocking and timeout >= 0:
                    kernel.now += timeout
                    return False
                return super().acquire(blocking, timeout)

        self._lock_class = JumpLock

    def allocate_lock(self) -> EarlyLock:
        return self._lock_class()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class TestVirtualClock:
    HOUR = 3600.0

    def test_timeouts_elapse_on_the_kernel_clock_only(self) -> None:
        kernel = VirtualClockKernel()
        backend = from_kernel(kernel, "virtual")
        started = time.monotonic()
        assert backend.Event().wait(self.HOUR) is False
        assert backend.Semaphore(0).acquire(timeout=self.HOUR) is False
        cond = backend.Condition()
        with cond:
            assert cond.wait(self.HOUR) is False
            assert cond.wait_for(lambda: False, self.HOUR) is False
        with pytest.raises(backend.BrokenBarrierError):
            backend.Barrier(2).wait(self.HOUR)
        lock = backend.Lock()
        lock.acquire()
        assert lock.acquire(timeout=self.HOUR) is False
        assert kernel.now >= 6 * self.HOUR
        assert time.monotonic() - started < self.HOUR / 100
