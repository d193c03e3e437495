"""Section 16.2.1: Thread objects, their lifecycle, names, identity and daemon flag."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from anythread_contract._support import (
    LONG,
    PROMPT,
    SHORT,
    assert_not_early,
    elapsed,
    in_alien_thread,
    run_in_alien,
    settle,
    spawn,
    wait_until,
)

clause = pytest.mark.clause


def _parked(backend: Any, **kwargs: Any) -> tuple[Any, Any, Any]:
    """A started thread that waits (bounded) until the returned event is set."""
    started = backend.Event()
    release = backend.Event()

    def body() -> None:
        started.set()
        release.wait(LONG)

    kwargs.setdefault("daemon", True)  # a wrong backend must not keep the process alive
    thread = backend.Thread(target=body, **kwargs)
    thread.start()
    assert started.wait(LONG)
    return thread, release, started


def _finish(thread: Any, release: Any) -> None:
    release.set()
    thread.join(LONG)
    assert not thread.is_alive()


class TestTarget:
    @clause("THREAD-TARGET-01")
    def test_target_called_with_args_and_kwargs_in_new_thread(self, backend: Any) -> None:
        calls: list[Any] = []

        def target(*args: Any, **kwargs: Any) -> None:
            calls.append((args, kwargs, backend.current_thread(), backend.get_ident()))

        thread = backend.Thread(target=target, args=(1, "two"), kwargs={"three": 3})
        assert calls == []
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()
        assert len(calls) == 1
        args, kwargs, current, ident = calls[0]
        assert args == (1, "two")
        assert kwargs == {"three": 3}
        assert current is thread
        assert ident != backend.get_ident()

    @clause("THREAD-TARGET-02")
    def test_no_target_runs_nothing(self, backend: Any) -> None:
        thread = backend.Thread()
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()

    @clause("THREAD-RUN-01")
    def test_subclass_overriding_run(self, backend: Any) -> None:
        seen: list[Any] = []

        class Worker(backend.Thread):  # type: ignore[misc]
            def run(self) -> None:
                seen.append(backend.current_thread())

        thread = Worker()
        thread.start()
        thread.join(LONG)
        assert seen == [thread]

    @clause("THREAD-INIT-01")
    def test_subclass_overriding_init(self, backend: Any) -> None:
        class Worker(backend.Thread):  # type: ignore[misc]
            def __init__(self, value: int) -> None:
                super().__init__(name=f"worker-{value}", daemon=True)
                self.value = value
                self.result: int | None = None

            def run(self) -> None:
                self.result = self.value * 2

        thread = Worker(21)
        assert thread.name == "worker-21"
        assert thread.daemon is True
        thread.start()
        thread.join(LONG)
        assert thread.result == 42


class TestLifecycle:
    @clause("THREAD-START-01")
    def test_start_twice_raises(self, backend: Any) -> None:
        thread, release, _ = _parked(backend)
        try:
            with pytest.raises(RuntimeError):
                thread.start()
        finally:
            _finish(thread, release)
        with pytest.raises(RuntimeError):
            thread.start()

    @clause("THREAD-ALIVE-01", "THREAD-IDENT-01")
    def test_alive_as_soon_as_start_returns(self, backend: Any) -> None:
        # Between start() and run(): start() returns once the thread exists, so it is
        # alive and has its identifier even if run() has not begun yet.
        gate = backend.Event()
        thread = backend.Thread(target=gate.wait, args=(LONG,), daemon=True)
        thread.start()
        try:
            alive, ident = thread.is_alive(), thread.ident
            assert alive is True, "not alive right after start() returned"
            assert isinstance(ident, int)
            assert ident != 0
        finally:
            gate.set()
            thread.join(LONG)

    @clause("THREAD-ALIVE-01")
    def test_not_alive_after_its_end_without_join(self, backend: Any) -> None:
        # Between a thread's end and its join(): it stops being alive when run() ends,
        # whether or not anyone joins it.
        done = backend.Event()
        thread = backend.Thread(target=done.set, daemon=True)
        thread.start()
        assert done.wait(LONG)
        wait_until(
            backend,
            lambda: not thread.is_alive(),
            PROMPT,
            what=f"is_alive() to turn False within {PROMPT}s of run()'s end, without join()",
        )
        assert thread not in backend.enumerate()
        thread.join(LONG)
        assert thread.is_alive() is False

    @clause("THREAD-ALIVE-01")
    def test_is_alive_through_the_lifecycle(self, backend: Any) -> None:
        inside: list[bool] = []
        release = backend.Event()

        def body() -> None:
            inside.append(backend.current_thread().is_alive())
            release.wait(LONG)

        thread = backend.Thread(target=body, daemon=True)
        assert thread.is_alive() is False
        thread.start()
        try:
            wait_until(backend, lambda: inside, what="the thread to run")
            assert thread.is_alive() is True
            assert inside == [True]
        finally:
            release.set()
        thread.join(LONG)
        assert thread.is_alive() is False

    @clause("THREAD-JOIN-01")
    def test_join_blocks_until_terminated(self, backend: Any) -> None:
        steps: list[str] = []
        release = backend.Event()

        def body() -> None:
            release.wait(LONG)
            settle(backend)
            steps.append("ended")

        thread = backend.Thread(target=body, daemon=True)
        thread.start()
        release.set()
        assert thread.join() is None
        assert steps == ["ended"]
        assert not thread.is_alive()

    @clause("THREAD-JOIN-02")
    def test_join_timeout_leaves_thread_alive(self, backend: Any) -> None:
        thread, release, _ = _parked(backend)
        try:
            assert thread.join(SHORT) is None
            assert thread.is_alive()
        finally:
            _finish(thread, release)

    @clause("THREAD-JOIN-03")
    def test_join_timeout_not_early(self, backend: Any) -> None:
        thread, release, _ = _parked(backend)
        try:
            with elapsed() as clock:
                thread.join(SHORT)
            assert_not_early(clock, SHORT)
        finally:
            _finish(thread, release)

    @clause("THREAD-JOIN-04")
    def test_join_many_times(self, backend: Any) -> None:
        thread, release, _ = _parked(backend)
        thread.join(0.01)
        _finish(thread, release)
        for _ in range(3):
            assert thread.join() is None
            assert thread.join(SHORT) is None

    @clause("THREAD-JOIN-05")
    def test_join_current_thread_raises(self, backend: Any) -> None:
        def body() -> None:
            with pytest.raises(RuntimeError):
                backend.current_thread().join()
            with pytest.raises(RuntimeError):
                backend.current_thread().join(SHORT)

        spawn(backend, body).join()

    @clause("THREAD-JOIN-06")
    def test_join_unstarted_raises(self, backend: Any) -> None:
        thread = backend.Thread(target=lambda: None)
        with pytest.raises(RuntimeError):
            thread.join()
        with pytest.raises(RuntimeError):
            thread.join(SHORT)


class TestName:
    @clause("THREAD-NAME-01")
    def test_name_from_constructor_read_and_changed(self, backend: Any) -> None:
        thread = backend.Thread(target=lambda: None, name="alpha")
        assert thread.name == "alpha"
        thread.name = "beta"
        assert thread.name == "beta"
        seen: list[str] = []
        worker = backend.Thread(
            target=lambda: seen.append(backend.current_thread().name), name="gamma"
        )
        worker.start()
        worker.join(LONG)
        assert seen == ["gamma"]

    @clause("THREAD-NAME-02")
    def test_default_name(self, backend: Any) -> None:
        def work() -> None:
            pass

        first = backend.Thread()
        second = backend.Thread(target=work)
        assert re.fullmatch(r"Thread-\d+", first.name), first.name
        assert re.fullmatch(r"Thread-\d+( \(work\))?", second.name), second.name
        assert first.name != second.name.partition(" ")[0]

    @clause("THREAD-NAME-03")
    def test_names_may_repeat(self, backend: Any) -> None:
        one = backend.Thread(target=lambda: None, name="same")
        two = backend.Thread(target=lambda: None, name="same")
        one.start()
        two.start()
        one.join(LONG)
        two.join(LONG)
        assert one.name == two.name == "same"

    @clause("THREAD-NAME-04")
    def test_get_name_set_name(self, backend: Any) -> None:
        thread = backend.Thread(target=lambda: None, name="old")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert thread.getName() == "old"
            thread.setName("new")
        assert thread.name == "new"


class TestIdentity:
    @clause("THREAD-IDENT-01")
    def test_ident(self, backend: Any) -> None:
        thread = backend.Thread(target=backend.get_ident)
        assert thread.ident is None
        worker = spawn(backend, backend.get_ident)
        ident = worker.join()
        assert worker.thread.ident == ident
        assert isinstance(ident, int)
        assert ident != 0
        assert worker.thread.ident == ident, "ident must survive the thread's exit"

    @clause("THREAD-NATIVE-01")
    def test_native_id(self, backend: Any) -> None:
        thread = backend.Thread(target=lambda: None)
        assert thread.native_id is None
        worker = spawn(backend, backend.get_native_id)
        native = worker.join()
        assert isinstance(native, int)
        assert worker.thread.native_id == native


class TestDaemon:
    @clause("THREAD-DAEMON-01")
    @pytest.mark.parametrize("outer", [True, False])
    def test_daemon_inherited_from_creator(self, backend: Any, outer: bool) -> None:
        def body() -> bool:
            inner = backend.Thread(target=lambda: None)
            return bool(inner.daemon)

        worker = spawn(backend, body, daemon=outer)
        assert worker.join() is outer

    @clause("THREAD-DAEMON-02")
    def test_main_thread_not_daemon(self, backend: Any) -> None:
        assert backend.main_thread().daemon is False

    @clause("THREAD-DAEMON-03")
    def test_daemon_fixed_after_start(self, backend: Any) -> None:
        thread, release, _ = _parked(backend)
        try:
            with pytest.raises(RuntimeError):
                thread.daemon = False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                with pytest.raises(RuntimeError):
                    thread.setDaemon(False)
            assert thread.daemon is True
        finally:
            _finish(thread, release)

    @clause("THREAD-DAEMON-04")
    def test_daemon_keyword(self, backend: Any) -> None:
        assert backend.Thread(target=lambda: None, daemon=True).daemon is True
        assert backend.Thread(target=lambda: None, daemon=False).daemon is False
        current = backend.current_thread().daemon
        assert backend.Thread(target=lambda: None, daemon=None).daemon is current
        thread = backend.Thread(target=lambda: None)
        thread.daemon = True
        assert thread.daemon is True

    @clause("THREAD-DAEMON-05")
    def test_is_daemon_set_daemon(self, backend: Any) -> None:
        thread = backend.Thread(target=lambda: None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            thread.setDaemon(True)
            assert thread.isDaemon() is True
            thread.setDaemon(False)
            assert thread.isDaemon() is False


class TestDummy:
    @clause("THREAD-DAEMON-06")
    def test_thread_created_in_alien_thread_is_daemon(self, backend: Any) -> None:
        def inside() -> tuple[bool, Any, bool]:
            ran = backend.Event()
            thread = backend.Thread(target=ran.set)
            daemon = bool(thread.daemon)
            thread.start()
            thread.join(LONG)
            return daemon, ran.is_set(), thread.is_alive()

        assert run_in_alien(backend, inside) == (True, True, False)

    @clause("THREAD-DUMMY-01")
    def test_dummy_is_alive_and_daemonic(self, backend: Any) -> None:
        def probe(dummy: Any) -> None:
            assert dummy.is_alive() is True
            assert dummy.daemon is True

        in_alien_thread(backend, lambda dummy, ident: probe(dummy))

    @clause("THREAD-DUMMY-02")
    def test_dummy_cannot_be_joined(self, backend: Any) -> None:
        def probe(dummy: Any) -> None:
            # CPython 3.13 raises RuntimeError; 3.10-3.12 fail an assertion instead.
            with pytest.raises((RuntimeError, AssertionError)):
                dummy.join(SHORT)

        in_alien_thread(backend, lambda dummy, ident: probe(dummy))
