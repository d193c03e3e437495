"""Section 16.2: the module's functions, constants, factories and thread-local data."""

from __future__ import annotations

import gc
import threading
import warnings
import weakref
from typing import Any

import pytest

from anythread.protocols import API_NAMES
from anythread_contract._support import LONG, in_alien_thread, spawn, wait_until

clause = pytest.mark.clause


@clause("API-NAMES-01")
def test_backend_has_every_api_name(backend: Any) -> None:
    missing = [name for name in API_NAMES if not hasattr(backend, name)]
    assert missing == []
    assert isinstance(backend.name, str)
    assert isinstance(backend.contract_version, int)


@clause("API-ERRORS-01")
def test_errors_are_the_standard_librarys(backend: Any) -> None:
    assert backend.BrokenBarrierError is threading.BrokenBarrierError
    assert backend.ThreadError is threading.ThreadError
    assert issubclass(backend.BrokenBarrierError, RuntimeError)


@clause("API-FACTORY-01")
@pytest.mark.parametrize(
    "factory", ["Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event"]
)
def test_factories_return_new_objects(backend: Any, factory: str) -> None:
    make = getattr(backend, factory)
    assert make() is not make()


def _blocked_worker(backend: Any, daemon: bool = True) -> tuple[Any, Any]:
    release = backend.Event()
    started = backend.Event()

    def body() -> None:
        started.set()
        release.wait(LONG)

    worker = spawn(backend, body, daemon=daemon)
    assert started.wait(LONG)
    return worker, release


@clause("MOD-ACTIVE-01")
def test_active_count_is_length_of_enumerate(backend: Any) -> None:
    worker, release = _blocked_worker(backend)
    try:
        for _ in range(20):  # other threads may start or end between the two calls
            before = backend.active_count()
            listed = backend.enumerate()
            after = backend.active_count()
            if before == after:
                break
        assert before == len(listed)
        assert worker.thread in listed
        assert before >= 2
    finally:
        release.set()
        worker.join()


@clause("MOD-ACTIVE-02")
def test_active_count_camel_case_alias(backend: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for _ in range(20):
            old, new = backend.activeCount(), backend.active_count()
            if old == new:
                break
    assert old == new


@clause("MOD-CURRENT-01")
def test_current_thread_is_the_callers_thread(backend: Any) -> None:
    worker = spawn(backend, backend.current_thread)
    assert worker.join() is worker.thread
    assert backend.current_thread() is backend.current_thread()
    assert backend.current_thread() is not worker.thread


@clause("MOD-CURRENT-03")
def test_current_thread_camel_case_alias(backend: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        worker = spawn(backend, backend.currentThread)
        assert worker.join() is worker.thread
        assert backend.currentThread() is backend.current_thread()


@clause("MOD-CURRENT-02")
def test_current_thread_in_alien_thread_is_dummy(backend: Any) -> None:
    def probe(dummy: Any, ident: int) -> None:
        assert isinstance(dummy, backend.Thread)
        assert dummy is not backend.current_thread()
        assert dummy.ident == ident

    in_alien_thread(backend, probe)


@clause("MOD-ACTIVE-03")
def test_active_count_counts_dummy_threads(backend: Any) -> None:
    def probe(dummy: Any, ident: int) -> None:
        for _ in range(20):  # other threads may start or end between the two calls
            count, listed = backend.active_count(), backend.enumerate()
            if count == backend.active_count():
                break
        assert dummy in listed
        assert count == len(listed), "active_count() must count the dummy thread too"

    in_alien_thread(backend, probe)


@clause("MOD-ENUM-03")
def test_enumerate_lists_dummy_threads(backend: Any) -> None:
    in_alien_thread(backend, lambda dummy, ident: _assert_in(dummy, backend.enumerate()))


def _assert_in(thread: Any, threads: list[Any]) -> None:
    assert thread in threads


@clause("MOD-ENUM-01")
def test_enumerate_lists_alive_threads_daemons_and_main(backend: Any) -> None:
    plain, release_plain = _blocked_worker(backend, daemon=False)
    release = backend.Event()
    started = backend.Event()

    def body() -> None:
        started.set()
        release.wait(LONG)

    daemon = spawn(backend, body, daemon=True)
    try:
        assert started.wait(LONG)
        listed = backend.enumerate()
        assert isinstance(listed, list)
        assert plain.thread in listed
        assert daemon.thread in listed
        assert backend.main_thread() in listed
        assert backend.current_thread() in listed
    finally:
        release.set()
        release_plain.set()
        daemon.join()
        plain.join()


@clause("MOD-ENUM-02")
def test_enumerate_excludes_unstarted_and_terminated(backend: Any) -> None:
    unstarted = backend.Thread(target=lambda: None)
    worker = spawn(backend, lambda: None)
    worker.join()
    wait_until(
        backend,
        lambda: worker.thread not in backend.enumerate(),
        what="the terminated thread to leave enumerate()",
    )
    assert unstarted not in backend.enumerate()


@clause("MOD-MAIN-01")
def test_main_thread_is_not_daemon_and_unique(backend: Any) -> None:
    main = backend.main_thread()
    assert isinstance(main, backend.Thread)
    assert main.daemon is False
    assert main.is_alive()
    worker = spawn(backend, backend.main_thread)
    assert worker.join() is main
    assert worker.thread is not main


@clause("MOD-IDENT-01")
def test_get_ident(backend: Any) -> None:
    release = backend.Event()

    def body() -> int:
        ident: int = backend.get_ident()
        assert ident == backend.current_thread().ident
        release.wait(LONG)
        return ident

    me = backend.get_ident()
    assert isinstance(me, int)
    assert me != 0
    assert me == backend.current_thread().ident
    worker = spawn(backend, body)
    try:
        wait_until(backend, lambda: worker.thread.ident is not None)
    finally:
        release.set()
    other = worker.join()
    assert isinstance(other, int)
    assert other not in (0, me)


@clause("MOD-NATIVE-01")
def test_get_native_id(backend: Any) -> None:
    started = backend.Event()
    release = backend.Event()

    def body() -> int:
        native: int = backend.get_native_id()
        assert native == backend.current_thread().native_id
        started.set()
        release.wait(LONG)
        return native

    worker = spawn(backend, body)
    try:
        assert started.wait(LONG)
        mine = backend.get_native_id()
        assert isinstance(mine, int)
        assert mine == backend.current_thread().native_id
    finally:
        release.set()
    assert worker.join() != mine


@clause("MOD-TIMEOUT-MAX-02")
def test_timeout_max_value(backend: Any) -> None:
    assert isinstance(backend.TIMEOUT_MAX, float)
    assert backend.TIMEOUT_MAX > 0
    lock = backend.Lock()
    assert lock.acquire(timeout=backend.TIMEOUT_MAX) is True
    lock.release()


@clause("MOD-TIMEOUT-MAX-01")
@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_timeout_over_max_overflows_lock(backend: Any, kind: str) -> None:
    lock = getattr(backend, kind)()
    with pytest.raises(OverflowError):
        lock.acquire(timeout=backend.TIMEOUT_MAX * 2)
    worker = spawn(backend, lock.acquire, False)
    assert worker.join() is True, "a failed acquire must leave the lock free"


@clause("MOD-TIMEOUT-MAX-01")
def test_timeout_over_max_overflows_condition_wait(backend: Any) -> None:
    cond = backend.Condition(backend.Lock())
    with cond, pytest.raises(OverflowError):
        cond.wait(backend.TIMEOUT_MAX * 2)
    assert spawn(backend, cond.acquire, False).join() is True


@clause("MOD-TIMEOUT-MAX-01")
def test_timeout_over_max_overflows_event_wait(backend: Any) -> None:
    with pytest.raises(OverflowError):
        backend.Event().wait(backend.TIMEOUT_MAX * 2)


# ---------------------------------------------------------------------------- local


@clause("MOD-LOCAL-01")
def test_local_values_differ_between_threads(backend: Any) -> None:
    data = backend.local()
    data.x = 1

    def body() -> tuple[bool, int]:
        seen = hasattr(data, "x")
        data.x = 2
        return seen, data.x

    assert spawn(backend, body).join() == (False, 2)
    assert data.x == 1


@clause("MOD-LOCAL-05")
def test_two_locals_are_independent(backend: Any) -> None:
    first, second = backend.local(), backend.local()
    first.x = 1
    assert not hasattr(second, "x")
    second.x = 2
    assert first.x == 1

    def body() -> tuple[bool, bool, int, int]:
        seen = hasattr(first, "x"), hasattr(second, "x")
        first.x, second.x = 3, 4
        return (*seen, first.x, second.x)

    assert spawn(backend, body).join() == (False, False, 3, 4)
    assert (first.x, second.x) == (1, 2)
    del first.x
    assert second.x == 2


@clause("MOD-LOCAL-02")
def test_local_subclass_init_runs_per_thread(backend: Any) -> None:
    class Counter(backend.local):  # type: ignore[misc]
        def __init__(self, start: int, *, step: int) -> None:
            self.value = start
            self.step = step

    counter = Counter(10, step=5)
    counter.value += counter.step

    def body() -> int:
        counter.value += counter.step
        return int(counter.value)

    assert spawn(backend, body).join() == 15
    assert counter.value == 15
    assert spawn(backend, lambda: counter.value).join() == 10


@clause("MOD-LOCAL-03")
def test_plain_local_refuses_arguments(backend: Any) -> None:
    with pytest.raises(TypeError):
        backend.local(1)


@clause("MOD-LOCAL-04")
def test_local_values_released_when_thread_ends(backend: Any) -> None:
    class Value:
        pass

    data = backend.local()
    refs: list[weakref.ref[Value]] = []

    def body() -> None:
        value = Value()
        refs.append(weakref.ref(value))
        data.value = value

    spawn(backend, body).join()

    def released() -> bool:
        gc.collect()
        return refs[0]() is None

    wait_until(backend, released, what="the ended thread's local value to be released")
    assert not hasattr(data, "value")


@clause("MOD-CURRENT-01", "MOD-MAIN-01", "MOD-ENUM-01", "MOD-ACTIVE-01")
@pytest.mark.parametrize("name", ["current_thread", "main_thread", "enumerate", "active_count"])
def test_a_wrong_call_names_the_function_as_cpython_does(backend: Any, name: str) -> None:
    """CPython settles the message: the TypeError names the function by its own name."""
    with pytest.raises(TypeError) as expected:
        getattr(threading, name)(1)
    with pytest.raises(TypeError) as raised:
        getattr(backend, name)(1)
    assert str(raised.value) == str(expected.value)
