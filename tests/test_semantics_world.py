"""The seams of the world: state only, per-thread data owners, dummies under a policy.

:class:`~anythread.semantics.world.World` keeps the state of one backend and knows
nothing of threads or ``local`` objects; owners of per-thread data register with it and
are told when a thread ends.  These tests check that seam on the world itself and
through a backend, and that a thread the backend did not start is seen as a dummy even
where the kernel forbids daemon threads.
"""

from __future__ import annotations

import _thread
import ast
import gc
import subprocess
import sys
import textwrap
import threading
import weakref
from pathlib import Path
from typing import Any

import pytest
from test_semantics_kernels import NoDaemonsKernel, ToyKernel

import anythread.semantics.world as world_module
from anythread.semantics import from_kernel
from anythread.semantics.world import World

LONG = 10.0


class Owner:
    """A ThreadDataOwner that records what it is told to forget."""

    def __init__(self) -> None:
        self.forgotten: list[int] = []

    def forget_thread(self, ident: int, /) -> None:
        self.forgotten.append(ident)


def make_world() -> World:
    kernel = ToyKernel()
    return World(kernel, _thread.allocate_lock)


class TestWorldImports:
    def test_world_imports_neither_thread_nor_local(self) -> None:
        tree = ast.parse(Path(world_module.__file__).read_text(encoding="utf-8"))
        imported: set[str] = set()
        for node in ast.walk(tree):  # every import, TYPE_CHECKING blocks included
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                imported.add("." * node.level + module)
                imported.update(f"{module}.{alias.name}" for alias in node.names)
        for name in imported:
            parts = name.lstrip(".").split(".")
            assert "thread" not in parts, f"world imports {name}"
            assert "local" not in parts, f"world imports {name}"


class TestThreadDataOwners:
    def test_owner_is_told_once_when_the_thread_ends(self) -> None:
        world = make_world()
        owner, other = Owner(), Owner()
        world.keeps_data_for(1, owner)
        world.keeps_data_for(1, owner)  # registering twice is one registration
        world.keeps_data_for(2, other)
        world.thread_ended(1)
        world.thread_ended(1)
        assert owner.forgotten == [1]
        assert other.forgotten == []

    def test_ending_a_thread_without_data_is_harmless(self) -> None:
        make_world().thread_ended(12345)

    def test_owners_are_held_weakly(self) -> None:
        world = make_world()
        owner = Owner()
        ref = weakref.ref(owner)
        world.keeps_data_for(7, owner)
        del owner
        gc.collect()
        assert ref() is None, "the world kept a data owner alive"
        world.thread_ended(7)

    def test_after_fork_only_the_survivors_data_is_kept(self) -> None:
        world = make_world()
        survivor, gone = Owner(), Owner()
        world.keeps_data_for(1, survivor)
        world.keeps_data_for(2, gone)
        world.keeps_data_for(3, gone)
        world.reset_after_fork(1)
        assert survivor.forgotten == []
        assert sorted(gone.forgotten) == [2, 3]
        world.thread_ended(1)
        assert survivor.forgotten == [1]

    def test_backend_thread_end_reaches_owners_before_join_returns(self) -> None:
        backend = from_kernel(ToyKernel(), "toy-owners")
        world: World = backend.Thread._world
        owner = Owner()
        idents: list[int] = []

        def register() -> None:
            idents.append(backend.get_ident())
            world.keeps_data_for(idents[0], owner)

        thread = backend.Thread(target=register)
        thread.start()
        thread.join(LONG)
        assert not thread.is_alive()
        assert owner.forgotten == idents

    def test_local_values_are_dropped_when_the_thread_ends(self) -> None:
        backend = from_kernel(ToyKernel(), "toy-locals")

        class Payload:
            pass

        data = backend.local()
        refs: list[weakref.ref[Payload]] = []

        def store() -> None:
            payload = Payload()
            refs.append(weakref.ref(payload))
            data.value = payload

        thread = backend.Thread(target=store)
        thread.start()
        thread.join(LONG)
        gc.collect()
        assert refs[0]() is None, "a thread's local value outlived the thread"
        with pytest.raises(AttributeError, match="value"):
            data.value  # noqa: B018


class RecyclingKernel(ToyKernel):
    """The toy kernel with identifiers the test chooses, to recycle one at will.

    A thread listed in ``virtual`` gets that identifier; a thread the kernel starts while
    ``reuse`` is set takes ``reuse`` as its identifier.
    """

    def __init__(self) -> None:
        super().__init__()
        self.virtual: dict[int, int] = {}
        self.reuse: int | None = None

    def get_ident(self) -> int:
        real = threading.get_ident()
        return self.virtual.get(real, real)

    def start_new_thread(
        self, function: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
    ) -> int:
        reuse = self.reuse

        def run() -> None:
            if reuse is not None:
                self.virtual[threading.get_ident()] = reuse
            function(*args, **(kwargs or {}))

        return super().start_new_thread(run, ())


class TestIdentRecycling:
    def test_a_recycled_ident_drops_the_dummy_and_its_locals(self) -> None:
        kernel = RecyclingKernel()
        backend = from_kernel(kernel, "toy-recycling")
        data = backend.local()
        recycled = 424242
        alien_seen: list[Any] = []

        def alien() -> None:  # a thread the backend did not start
            kernel.virtual[threading.get_ident()] = recycled
            dummy = backend.current_thread()
            data.value = "the alien's"
            alien_seen.append(dummy)

        outsider = threading.Thread(target=alien)
        outsider.start()
        outsider.join(LONG)
        [dummy] = alien_seen
        assert dummy in backend.enumerate()

        kernel.reuse = recycled
        seen: list[Any] = []

        def reuser() -> None:
            seen.append((backend.current_thread(), getattr(data, "value", "no value")))

        thread = backend.Thread(target=reuser)
        thread.start()
        thread.join(LONG)
        assert thread.ident == recycled
        assert seen == [(thread, "no value")], "the new thread saw the dummy's leftovers"
        assert dummy not in backend.enumerate()


class TestDummyUnderDaemonPolicy:
    def test_alien_thread_is_a_non_daemon_dummy(self) -> None:
        backend = from_kernel(NoDaemonsKernel(), "no-daemons-dummy")
        seen: list[Any] = []
        done = _thread.allocate_lock()
        done.acquire()

        def alien() -> None:
            try:
                me = backend.current_thread()
                seen.append((me.name, me.daemon, me.is_alive(), me in backend.enumerate()))
                seen.append(backend.current_thread() is me)
            except BaseException as exc:
                seen.append(exc)
            finally:
                done.release()

        _thread.start_new_thread(alien, ())
        assert done.acquire(timeout=LONG)
        assert not isinstance(seen[0], BaseException), seen[0]
        name, daemon, alive, listed = seen[0]
        assert name.startswith("Dummy-")
        assert daemon is False
        assert alive
        assert listed
        assert seen[1] is True

    def test_exit_rule_does_not_wait_for_a_non_daemon_dummy(self) -> None:
        script = textwrap.dedent(
            """
            import _thread
            from anythread.semantics import from_kernel
            from test_semantics_kernels import NoDaemonsKernel

            at = from_kernel(NoDaemonsKernel(), "no-daemons")
            seen = _thread.allocate_lock()
            seen.acquire()

            def alien():
                at.current_thread()
                seen.release()
                _thread.allocate_lock().acquire(True, 60)  # outlives the program

            _thread.start_new_thread(alien, ())
            assert seen.acquire(True, 30)
            worker = at.Thread(target=lambda: None)
            worker.start()  # non-daemon: arms the exit rule
            worker.join(30)
            print("main done", flush=True)
            """
        )
        here = Path(__file__).resolve().parent
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=here,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["main done"]


class NamedThreadsKernel(ToyKernel):
    """The toy kernel plus the KernelNamedThreads extra, recording what it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.named: list[Any] = []
        self.handle_joins: list[Any] = []

    def start_named_thread(self, function: Any, thread: Any) -> Any:
        import threading

        kernel = self
        self.named.append(thread)
        stdlib_thread = threading.Thread(target=function, daemon=True)
        stdlib_thread.start()

        class Handle:
            def join(self, timeout: float | None = None) -> None:
                kernel.handle_joins.append((thread, timeout))
                stdlib_thread.join(timeout)

        return Handle()


class TestNamedThreadsExtra:
    def test_kernel_is_given_the_thread_and_join_waits_for_its_handle(self) -> None:
        from anythread.protocols import KernelNamedThreads

        kernel = NamedThreadsKernel()
        assert isinstance(kernel, KernelNamedThreads)
        backend = from_kernel(kernel, "toy-named")
        release = backend.Event()
        thread = backend.Thread(target=release.wait, args=(LONG,), name="named")
        thread.start()
        assert kernel.named == [thread]
        assert kernel.threads_started == 0, "start_new_thread used despite the extra"
        thread.join(0.01)  # times out: the handle is not waited for yet
        assert thread.is_alive()
        assert kernel.handle_joins == []
        release.set()
        thread.join(LONG)
        assert not thread.is_alive()
        assert kernel.handle_joins == [(thread, LONG)]

    def test_without_the_extra_threads_start_plainly(self) -> None:
        kernel = ToyKernel()
        backend = from_kernel(kernel, "toy-plain")
        thread = backend.Thread(target=lambda: None)
        thread.start()
        thread.join(LONG)
        assert kernel.threads_started == 1
