"""The objects the semantics layer builds, one class per primitive.

Each test runs on ``pure`` (the ``_thread`` kernel) and on the toy kernel of
``test_semantics_kernels`` (threading's threads, a lock of its own, an offset clock), so
what is checked is the layer, not one kernel.  The contract suite checks the spec's
clauses on every backend; these tests cover what it leaves to the layer: CPython's
argument checks and messages, reprs, the local object's lookup rules, dummy threads,
the thread registry and excepthook.
"""

from __future__ import annotations

import gc
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from test_semantics_kernels import toy_backend

LONG = 10.0


@pytest.fixture(params=["pure", "toy"])
def backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "pure":
        from anythread_backends.pure import backend as pure

        yield pure
    else:
        yield toy_backend()


def start(backend: Any, target: Callable[..., object], *args: Any) -> Any:
    thread = backend.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def wait_until(predicate: Callable[[], object], backend: Any, timeout: float = LONG) -> None:
    """Poll ``predicate`` until it is true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        backend.sleep(0.005)


NEGATIVE_LOCK_TIMEOUT = (
    "timeout value must be a non-negative number"
    if sys.version_info >= (3, 13)
    else "timeout value must be positive"
)


class TestLock:
    def test_argument_checks(self, backend: Any) -> None:
        lock = backend.Lock()
        with pytest.raises(ValueError, match="can't specify a timeout for a non-blocking call"):
            lock.acquire(False, 0.5)
        with pytest.raises(ValueError, match=NEGATIVE_LOCK_TIMEOUT):
            lock.acquire(True, -2)
        with pytest.raises(ValueError, match="NaN"):
            lock.acquire(timeout=float("nan"))
        with pytest.raises(OverflowError):
            lock.acquire(timeout=backend.TIMEOUT_MAX * 2)
        assert not lock.locked()

    def test_release_unlocked(self, backend: Any) -> None:
        with pytest.raises(RuntimeError, match="release unlocked lock"):
            backend.Lock().release()

    def test_released_by_another_thread(self, backend: Any) -> None:
        lock = backend.Lock()
        lock.acquire()
        start(backend, lock.release).join(LONG)
        assert lock.acquire(False)


class TestRLock:
    def test_argument_checks(self, backend: Any) -> None:
        rlock = backend.RLock()
        with pytest.raises(ValueError, match="can't specify a timeout for a non-blocking call"):
            rlock.acquire(False, 0.5)
        with pytest.raises(ValueError, match=NEGATIVE_LOCK_TIMEOUT):
            rlock.acquire(True, -2)
        with pytest.raises(ValueError, match="NaN"):
            rlock.acquire(timeout=float("nan"))
        with pytest.raises(OverflowError):
            rlock.acquire(timeout=backend.TIMEOUT_MAX * 2)
        rlock.acquire()
        with pytest.raises(ValueError, match="can't specify a timeout"):
            rlock.acquire(False, 0.5)  # checked on the recursive path too
        rlock.release()

    def test_refuses_new_attributes_as_threading_rlock_does(self, backend: Any) -> None:
        # The project's choice (the spec says nothing): an RLock is as closed as the one
        # threading.RLock() returns (CPython's C RLock), and so has no per-instance
        # dictionary, which every RLock of a program would otherwise carry.
        reference = threading.RLock()
        rlock = backend.RLock()
        for lock in (reference, rlock):
            with pytest.raises(AttributeError):
                lock.label = "mine"
        assert not hasattr(rlock, "__dict__")

    def test_recursion_and_ownership(self, backend: Any) -> None:
        rlock = backend.RLock()
        assert rlock.acquire()
        assert rlock.acquire(timeout=1)
        assert "count=2" in repr(rlock)
        outcome: list[Any] = []

        def other() -> None:
            outcome.append(rlock.acquire(False))
            try:
                rlock.release()
            except RuntimeError as exc:
                outcome.append(str(exc))

        start(backend, other).join(LONG)
        assert outcome == [False, "cannot release un-acquired lock"]
        rlock.release()
        rlock.release()
        with pytest.raises(RuntimeError, match="cannot release un-acquired lock"):
            rlock.release()

    def test_repr(self, backend: Any) -> None:
        rlock = backend.RLock()
        assert repr(rlock).startswith("<unlocked anythread.RLock object owner=None count=0 at 0x")
        with rlock:
            assert repr(rlock).startswith(
                f"<locked anythread.RLock object owner={backend.get_ident()} count=1 at 0x"
            )

    def test_timed_acquire_of_held_lock(self, backend: Any) -> None:
        rlock = backend.RLock()
        taken, done = backend.Event(), backend.Event()

        def hold() -> None:
            with rlock:
                taken.set()
                done.wait(LONG)

        holder = start(backend, hold)
        assert taken.wait(LONG)
        assert not rlock.acquire(timeout=0.05)
        assert not rlock.acquire(False)
        done.set()
        holder.join(LONG)
        assert rlock.acquire(timeout=LONG)
        rlock.release()


class TestCondition:
    def test_needs_the_lock(self, backend: Any) -> None:
        cond = backend.Condition()
        with pytest.raises(RuntimeError, match="cannot wait on un-acquired lock"):
            cond.wait(0.01)
        with pytest.raises(RuntimeError, match="cannot notify on un-acquired lock"):
            cond.notify()
        with pytest.raises(RuntimeError, match="cannot notify on un-acquired lock"):
            cond.notify_all()

    @pytest.mark.parametrize("lock_kind", ["Lock", "RLock"])
    def test_wait_releases_completely_and_restores(self, backend: Any, lock_kind: str) -> None:
        lock = getattr(backend, lock_kind)()
        cond = backend.Condition(lock)
        ready = []

        def notifier() -> None:
            with cond:
                ready.append(True)
                cond.notify()

        with cond:
            if lock_kind == "RLock":
                lock.acquire()  # recursion level 2: wait() must still release it
            start(backend, notifier)
            assert cond.wait_for(lambda: ready, LONG)
            if lock_kind == "RLock":
                assert "count=2" in repr(lock)
                lock.release()

    def test_notify_n_wakes_n(self, backend: Any) -> None:
        cond = backend.Condition()
        woken: list[int] = []
        waiting = [0]

        def waiter(i: int) -> None:
            with cond:
                waiting[0] += 1
                cond.wait(LONG)
                woken.append(i)

        threads = [start(backend, waiter, i) for i in range(3)]
        wait_until(lambda: waiting[0] == 3, backend)
        with cond:
            cond.notify(2)
        wait_until(lambda: len(woken) == 2, backend)
        with cond:
            cond.notify_all()
        for t in threads:
            t.join(LONG)
        assert sorted(woken) == [0, 1, 2]

    def test_wait_timeout_and_negative_timeout(self, backend: Any) -> None:
        cond = backend.Condition(backend.Lock())
        with cond:
            assert cond.wait(0.01) is False
            assert cond.wait(-1) is False
            assert cond.wait_for(lambda: 0, -1) == 0
            with pytest.raises(ValueError, match="NaN"):
                cond.wait(float("nan"))
            with pytest.raises(OverflowError):
                cond.wait(backend.TIMEOUT_MAX * 2)

    def test_wait_for_returns_the_predicate_value(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond:
            assert cond.wait_for(lambda: "yes", 0.01) == "yes"

    def test_repr(self, backend: Any) -> None:
        assert repr(backend.Condition()).startswith("<anythread.Condition(<unlocked ")

    def test_deprecated_alias(self, backend: Any) -> None:
        cond = backend.Condition()
        with cond, pytest.deprecated_call(match="notifyAll"):
            cond.notifyAll()


class TestWaitTimeoutMessages:
    @pytest.mark.parametrize("bad", ["1", b"1", [1], object()])
    def test_a_timeout_that_is_not_a_number_is_named(self, backend: Any, bad: object) -> None:
        # Each backend words this TypeError its own way (CPython's own objects fail in a
        # comparison); the layer's message says what was wrong with which argument.
        message = f"timeout must be a number or None, not {type(bad).__name__}"
        cond = backend.Condition()
        calls: list[Callable[[], object]] = [
            lambda: backend.Event().wait(bad),
            lambda: backend.Semaphore(0).acquire(True, bad),
            lambda: backend.Barrier(2).wait(bad),
        ]
        for call in calls:
            with pytest.raises(TypeError, match=re.escape(message)):
                call()
        with cond, pytest.raises(TypeError, match=re.escape(message)):
            cond.wait(bad)


class TestSemaphore:
    def test_argument_checks(self, backend: Any) -> None:
        with pytest.raises(ValueError, match="semaphore initial value must be >= 0"):
            backend.Semaphore(-1)
        sem = backend.Semaphore(0)
        with pytest.raises(ValueError, match="can't specify timeout for non-blocking acquire"):
            sem.acquire(False, 1)
        with pytest.raises(ValueError, match="n must be one or more"):
            sem.release(0)
        with pytest.raises(ValueError, match="NaN"):
            sem.acquire(timeout=float("nan"))
        with pytest.raises(OverflowError):
            sem.acquire(timeout=backend.TIMEOUT_MAX * 2)
        assert sem.acquire(timeout=-1) is False

    def test_counting(self, backend: Any) -> None:
        sem = backend.Semaphore(2)
        assert repr(sem).startswith("<anythread.Semaphore at 0x")
        assert repr(sem).endswith(": value=2>")
        assert sem.acquire()
        assert sem.acquire(False)
        assert not sem.acquire(False)
        assert not sem.acquire(timeout=0.01)
        sem.release(2)
        assert sem.acquire(timeout=0)
        assert sem.acquire(timeout=0)

    def test_release_n_wakes_waiters(self, backend: Any) -> None:
        sem = backend.Semaphore(0)
        got: list[bool] = []
        threads = [start(backend, lambda: got.append(sem.acquire(timeout=LONG))) for _ in range(3)]
        sem.release(3)
        for t in threads:
            t.join(LONG)
        assert got == [True, True, True]


class TestBoundedSemaphore:
    def test_released_too_many_times(self, backend: Any) -> None:
        sem = backend.BoundedSemaphore(2)
        assert repr(sem).endswith(": value=2/2>")
        with pytest.raises(ValueError, match="Semaphore released too many times"):
            sem.release()
        sem.acquire()
        with pytest.raises(ValueError, match="Semaphore released too many times"):
            sem.release(2)
        sem.release()
        assert isinstance(sem, backend.Semaphore)


class TestEvent:
    def test_flag(self, backend: Any) -> None:
        event = backend.Event()
        assert repr(event).endswith(": unset>")
        assert not event.is_set()
        assert event.wait(0) is False
        assert event.wait(-1) is False
        event.set()
        assert repr(event).endswith(": set>")
        assert event.is_set()
        assert event.wait() is True
        assert event.wait(0) is True
        event.clear()
        assert not event.is_set()
        with pytest.raises(ValueError, match="NaN"):
            event.wait(float("nan"))
        with pytest.raises(TypeError):
            event.wait("1")
        with pytest.deprecated_call(match="isSet"):
            assert event.isSet() is False

    def test_set_wakes_all(self, backend: Any) -> None:
        event = backend.Event()
        got: list[bool] = []
        threads = [start(backend, lambda: got.append(event.wait(LONG))) for _ in range(3)]
        event.set()
        for t in threads:
            t.join(LONG)
        assert got == [True, True, True]


class TestBarrier:
    def test_argument_checks_and_repr(self, backend: Any) -> None:
        with pytest.raises(ValueError, match="parties must be > 0"):
            backend.Barrier(0)
        barrier = backend.Barrier(2)
        assert repr(barrier).endswith(": waiters=0/2>")
        barrier.abort()
        assert repr(barrier).endswith(": broken>")
        with pytest.raises(backend.BrokenBarrierError):
            barrier.wait()
        barrier.reset()
        assert not barrier.broken

    def test_timeout_breaks_it(self, backend: Any) -> None:
        barrier = backend.Barrier(2)
        with pytest.raises(backend.BrokenBarrierError):
            barrier.wait(0.02)
        assert barrier.broken

    def test_passing_and_reuse(self, backend: Any) -> None:
        actions: list[int] = []
        barrier = backend.Barrier(3, action=lambda: actions.append(1), timeout=LONG)
        results: list[int] = []

        def party() -> None:
            for _ in range(2):
                results.append(barrier.wait())

        threads = [start(backend, party) for _ in range(3)]
        for t in threads:
            t.join(LONG)
        assert sorted(results) == [0, 0, 1, 1, 2, 2]
        assert actions == [1, 1]
        assert barrier.n_waiting == 0
        assert not barrier.broken

    def test_reset_while_waiting(self, backend: Any) -> None:
        barrier = backend.Barrier(3)
        errors: list[BaseException] = []

        def party() -> None:
            try:
                barrier.wait(LONG)
            except backend.BrokenBarrierError as exc:
                errors.append(exc)

        threads = [start(backend, party) for _ in range(2)]
        wait_until(lambda: barrier.n_waiting == 2, backend)
        barrier.reset()
        for t in threads:
            t.join(LONG)
        assert len(errors) == 2
        assert not barrier.broken
        assert barrier.n_waiting == 0

    def test_action_error_breaks_it(self, backend: Any) -> None:
        def boom() -> None:
            raise KeyError("boom")

        barrier = backend.Barrier(1, action=boom)
        with pytest.raises(KeyError):
            barrier.wait()
        assert barrier.broken


class TestLocal:
    def test_values_per_thread(self, backend: Any) -> None:
        data = backend.local()
        data.x = 1
        seen: list[Any] = []

        def other() -> None:
            seen.append(hasattr(data, "x"))
            data.x = 2
            seen.append(data.x)

        start(backend, other).join(LONG)
        assert seen == [False, 2]
        assert data.x == 1
        assert data.__dict__ == {"x": 1}

    def test_init_rerun_per_thread(self, backend: Any) -> None:
        calls: list[tuple[Any, ...]] = []

        class Data(backend.local):  # type: ignore[name-defined,misc]
            initial = "class"

            def __init__(self, *args: Any) -> None:
                calls.append(args)
                self.args = args

            @property
            def doubled(self) -> Any:
                return self.args * 2

            def method(self) -> Any:
                return self.args

        data = Data(1, 2)
        seen: list[Any] = []
        start(backend, lambda: seen.append((data.args, data.doubled, data.method()))).join(LONG)
        assert calls == [(1, 2), (1, 2)]
        assert seen == [((1, 2), (1, 2, 1, 2), (1, 2))]
        assert data.initial == "class"
        data.initial = "mine"
        assert data.initial == "mine"
        assert Data.initial == "class"

    def test_arguments_need_an_init(self, backend: Any) -> None:
        with pytest.raises(TypeError, match="Initialization arguments are not supported"):
            backend.local(1)

    def test_errors(self, backend: Any) -> None:
        data = backend.local()
        with pytest.raises(AttributeError, match="has no attribute 'nope'"):
            data.nope  # noqa: B018
        with pytest.raises(AttributeError, match="nope"):  # 3.10 says only the name
            del data.nope
        with pytest.raises(AttributeError, match="'__dict__' is read-only"):
            data.__dict__ = {}
        data.x = 1
        del data.x
        assert not hasattr(data, "x")

    def test_values_dropped_when_thread_ends(self, backend: Any) -> None:
        data = backend.local()

        class Value:
            pass

        refs: list[Any] = []

        def worker() -> None:
            value = Value()
            refs.append(weakref.ref(value))
            data.value = value

        start(backend, worker).join(LONG)
        gc.collect()
        assert refs[0]() is None

    def test_getattr_hook_is_honoured(self, backend: Any) -> None:
        class Data(backend.local):  # type: ignore[name-defined,misc]
            def __getattr__(self, name: str) -> str:
                return f"default-{name}"

        assert Data().anything == "default-anything"


class _Keywords(Mapping[str, Any]):
    """A mapping that is not a dict (``**`` takes any mapping)."""

    def __init__(self, **items: Any) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class TestThread:
    @pytest.mark.parametrize(
        ("args", "kwargs", "expected"),
        [
            (tuple, None, ((), {})),
            (tuple, dict, ((), {})),
            (list, None, ((), {})),
            (lambda: (1, "two"), None, ((1, "two"), {})),
            (lambda: [1, "two"], None, ((1, "two"), {})),
            (lambda: iter([1, 2]), None, ((1, 2), {})),
            (tuple, lambda: {"k": 3}, ((), {"k": 3})),
            (tuple, lambda: _Keywords(k=3), ((), {"k": 3})),
            (tuple, _Keywords, ((), {})),
            (lambda: (1,), lambda: {"k": 3}, ((1,), {"k": 3})),
        ],
        ids=[
            "none",
            "empty-dict",
            "empty-list",
            "tuple",
            "list",
            "iterator",
            "keywords",
            "mapping",
            "empty-mapping",
            "both",
        ],
    )
    def test_run_calls_the_target_with_args_and_kwargs_as_given(
        self,
        backend: Any,
        args: Callable[[], Any],
        kwargs: Callable[[], Any] | None,
        expected: Any,
    ) -> None:
        # run() calls target(*args, **kwargs) whatever kinds of iterable and mapping
        # they are (it calls an argument-less target without unpacking: the same call).
        # (args and kwargs: made afresh for each backend; an iterator is used once.)
        calls: list[Any] = []

        def target(*got: Any, **keywords: Any) -> None:
            calls.append((got, keywords))

        thread = backend.Thread(target=target, args=args(), kwargs=kwargs and kwargs())
        thread.start()
        thread.join(LONG)
        assert calls == [expected]

    def test_run_lets_go_of_the_target_and_its_arguments(self, backend: Any) -> None:
        # As CPython's run(): the thread object, still referenced, no longer keeps
        # them (a target that refers to its thread makes no cycle left for the gc).
        class Held:
            def __call__(self, *args: Any, **kwargs: Any) -> None:
                pass

        target, arg, kwarg = Held(), Held(), Held()
        refs = [weakref.ref(target), weakref.ref(arg), weakref.ref(kwarg)]
        thread = backend.Thread(target=target, args=(arg,), kwargs={"k": kwarg})
        del target, arg, kwarg
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()
        assert [ref() for ref in refs] == [None, None, None]

    def test_names_and_repr(self, backend: Any) -> None:
        def work() -> None:
            pass

        thread = backend.Thread(target=work)
        assert thread.name.startswith("Thread-")
        assert thread.name.endswith(" (work)")
        assert repr(thread) == f"<Thread({thread.name}, initial)>"
        named = backend.Thread(name=12, daemon=True)
        assert named.name == "12"
        assert repr(named) == "<Thread(12, initial daemon)>"
        thread.start()
        thread.join(LONG)
        assert repr(thread) == f"<Thread({thread.name}, stopped {thread.ident})>"

    def test_group_must_be_none(self, backend: Any) -> None:
        with pytest.raises(AssertionError, match="group argument must be None"):
            backend.Thread(group=object())

    def test_lifecycle_errors(self, backend: Any) -> None:
        thread = backend.Thread(target=lambda: None)
        with pytest.raises(RuntimeError, match="cannot join thread before it is started"):
            thread.join()
        thread.start()
        with pytest.raises(RuntimeError, match="threads can only be started once"):
            thread.start()
        with pytest.raises(RuntimeError, match="cannot set daemon status of active thread"):
            thread.daemon = True
        thread.join(LONG)
        with pytest.raises(RuntimeError, match="cannot join current thread"):
            backend.current_thread().join()

    def test_init_not_called(self, backend: Any) -> None:
        class Bad(backend.Thread):  # type: ignore[name-defined,misc]
            def __init__(self) -> None:
                pass

        with pytest.raises(RuntimeError, match=r"thread.__init__\(\) not called"):
            Bad().start()

    def test_daemon_inherited_from_creating_thread(self, backend: Any) -> None:
        seen: list[bool] = []

        def inner() -> None:
            seen.append(backend.Thread().daemon)

        parent = backend.Thread(target=inner, daemon=True)
        parent.start()
        parent.join(LONG)
        assert seen == [True]
        assert backend.Thread().daemon is False

    def test_registry_functions(self, backend: Any) -> None:
        main = backend.main_thread()
        assert main.name == "MainThread"
        assert not main.daemon
        assert main.is_alive()
        stop = backend.Event()
        thread = start(backend, stop.wait, LONG)
        try:
            assert thread in backend.enumerate()
            assert backend.active_count() == len(backend.enumerate())
            assert thread.ident is not None
            assert thread.native_id is not None
        finally:
            stop.set()
            thread.join(LONG)
        assert thread not in backend.enumerate()

    def test_deprecated_aliases(self, backend: Any) -> None:
        thread = backend.Thread(name="x")
        with pytest.deprecated_call(match="getName"):
            assert thread.getName() == "x"
        with pytest.deprecated_call(match="setName"):
            thread.setName("y")
        with pytest.deprecated_call(match="isDaemon"):
            assert thread.isDaemon() is False
        with pytest.deprecated_call(match="setDaemon"):
            thread.setDaemon(True)
        with pytest.deprecated_call(match="currentThread"):
            backend.currentThread()
        with pytest.deprecated_call(match="activeCount"):
            backend.activeCount()

    def test_trace_and_profile_installed_before_run(self, backend: Any) -> None:
        seen: list[Any] = []

        def tracer(frame: Any, event: str, arg: Any) -> None:
            return None

        def profiler(frame: Any, event: str, arg: Any) -> None:
            return None

        backend.settrace(tracer)
        backend.setprofile(profiler)
        try:
            assert backend.gettrace() is tracer
            assert backend.getprofile() is profiler
            thread = start(backend, lambda: seen.append((sys.gettrace(), sys.getprofile())))
            thread.join(LONG)
        finally:
            backend.settrace(None)
            backend.setprofile(None)
        assert seen == [(tracer, profiler)]


class TestDummyThreads:
    def test_alien_thread_is_a_dummy(self, backend: Any) -> None:
        import _thread

        seen: list[Any] = []
        done = backend.Lock()
        done.acquire()

        def alien() -> None:
            me = backend.current_thread()
            try:
                me.join()
            except (AssertionError, RuntimeError) as exc:
                seen.append(str(exc))
            seen.append((me.name, me.daemon, me.is_alive(), me in backend.enumerate()))
            seen.append(backend.current_thread() is me)
            done.release()

        _thread.start_new_thread(alien, ())
        assert done.acquire(timeout=LONG)
        assert seen[0] == "cannot join a dummy thread"
        name, daemon, alive, listed = seen[1]
        assert name.startswith("Dummy-")
        assert daemon
        assert alive
        assert listed
        assert seen[2] is True


class TestTimer:
    def test_cancel_and_fire(self, backend: Any) -> None:
        fired: list[int] = []
        timer = backend.Timer(LONG, fired.append, args=[1])
        assert repr(timer).startswith("<Timer(Thread-")
        timer.start()
        timer.cancel()
        timer.join(LONG)
        quick = backend.Timer(0.01, fired.append, args=[2])
        quick.start()
        quick.join(LONG)
        assert fired == [2]


class TestExcepthook:
    def test_default_prints_like_cpython(
        self, backend: Any, capsys: pytest.CaptureFixture[str]
    ) -> None:
        def boom() -> None:
            raise ValueError("boom")

        thread = backend.Thread(target=boom, name="worker")
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()
        err = capsys.readouterr().err
        assert err.startswith("Exception in thread worker:\nTraceback (most recent call last):")
        assert "ValueError: boom" in err

    def test_system_exit_is_silent(self, backend: Any, capsys: pytest.CaptureFixture[str]) -> None:
        thread = backend.Thread(target=sys.exit, args=(3,))
        thread.start()
        thread.join(LONG)
        assert capsys.readouterr().err == ""

    def test_replaced_hook_receives_args(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        got: list[Any] = []
        monkeypatch.setattr(backend, "excepthook", got.append)

        def boom() -> None:
            raise KeyError("k")

        thread = backend.Thread(target=boom)
        thread.start()
        thread.join(LONG)
        (args,) = got
        assert isinstance(args, backend.ExceptHookArgs)
        assert args.exc_type is KeyError
        assert isinstance(args.exc_value, KeyError)
        assert args.exc_traceback is not None
        assert args.thread is thread

    def test_failing_hook_falls_back_to_sys_excepthook(
        self, backend: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        def bad_hook(args: Any) -> None:
            raise RuntimeError("hook failed")

        monkeypatch.setattr(backend, "excepthook", bad_hook)
        thread = backend.Thread(target=lambda: 1 / 0)
        thread.start()
        thread.join(LONG)
        err = capsys.readouterr().err
        assert "Exception in anythread.excepthook:" in err
        assert "hook failed" in err

    def test_args_from_a_4_sequence(self, backend: Any) -> None:
        args = backend.ExceptHookArgs([ValueError, None, None, None])
        assert args.exc_type is ValueError
        assert args.thread is None
        with pytest.raises(TypeError, match="4-sequence"):
            backend.ExceptHookArgs((1, 2, 3))


class TestStackSize:
    def test_pure_stack_size(self) -> None:
        from anythread_backends.pure import backend as pure

        old = pure.stack_size()
        with pytest.raises(ValueError, match="size not valid"):
            pure.stack_size(1)
        assert pure.stack_size(1 << 20) == old
        # As with CPython's _thread.stack_size, a call without a size returns the current
        # size and goes back to the default (0).
        assert pure.stack_size() == 1 << 20
        assert pure.stack_size(old) == 0
