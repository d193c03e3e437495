"""Hand-off locks and the lock-order graph (debug backend).

A Lock that a thread other than its acquirer releases is a *hand-off* lock, a signal
between threads: who holds it says nothing about who will release it.  It takes no part
in the lock-order graph from then on (nor do the edges recorded through it before), and
``declare_handoff()`` makes a Lock one from the start: the readers-writer lock of the
textbooks, whose first reader takes the resource lock that the last reader releases,
otherwise closes an "inversion" that its reader count makes impossible.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from debug_support import Worker, debug, fresh, run_program, wait_until

import anythread
from anythread_backends.debug import DebugBackend, handoff_sites

__all__ = ["debug"]  # (the fixture, over stdlib, pure and cooperative)

LONG = 10.0

#: Releases by another thread are legal-but-suspicious: a DebugWarning each.
pytestmark = pytest.mark.filterwarnings("ignore::anythread_backends.debug.DebugWarning")


class ReadersWriterLock:
    """The first readers-writers solution: ``count`` guards the reader count, the first
    reader takes ``resource`` and the last reader releases it."""

    def __init__(self, api: Any) -> None:
        self.count_lock = api.Lock()
        self.resource = api.Lock()
        self.readers = 0

    def read_acquire(self) -> None:
        with self.count_lock:
            self.readers += 1
            if self.readers == 1:
                self.resource.acquire()

    def read_release(self) -> None:
        with self.count_lock:
            self.readers -= 1
            if self.readers == 0:
                self.resource.release()


def release_in_another_thread(api: Any, lock: Any) -> None:
    worker = api.Thread(target=lock.release, name="releaser")
    worker.start()
    worker.join(LONG)
    assert not worker.is_alive()


class TestReadersWriterLock:
    def test_the_textbook_lock_is_an_inversion_to_the_graph(self, debug: DebugBackend) -> None:
        """Undeclared, one reader closes count -> resource -> count: the tracker cannot
        know that the reader count rules the deadlock out."""
        rw = ReadersWriterLock(debug)
        rw.read_acquire()
        with pytest.raises(anythread.LockOrderError):
            rw.read_release()

    def test_declared_its_resource_lock_takes_no_part(self, debug: DebugBackend) -> None:
        rw = ReadersWriterLock(debug)
        debug.declare_handoff(rw.resource)
        for _ in range(3):
            rw.read_acquire()
            rw.read_release()
        assert debug.held() == []

    def test_declared_after_the_first_edge_drops_it(self, debug: DebugBackend) -> None:
        """The edge count -> resource recorded by a first read is dropped by the
        declaration: the release that follows closes no cycle."""
        rw = ReadersWriterLock(debug)
        rw.read_acquire()  # records count_lock -> resource
        debug.declare_handoff(rw.resource)
        rw.read_release()  # resource -> count_lock: no edge, no cycle
        rw.read_acquire()
        rw.read_release()

    def test_readers_in_several_threads(self, debug: DebugBackend) -> None:
        """Readers overlap, so the last one releases what another took: no error in any
        thread, and the resource is free at the end."""
        rw = ReadersWriterLock(debug)
        debug.declare_handoff(rw.resource)
        inside = debug.Barrier(3)
        errors: list[BaseException] = []

        def reader() -> None:
            try:
                rw.read_acquire()
                inside.wait(LONG)
                rw.read_release()
            except BaseException as error:  # (reported by the assertion below)
                errors.append(error)

        threads = [debug.Thread(target=reader) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(LONG)
        assert errors == []
        assert rw.resource.acquire(False)
        rw.resource.release()


class TestReleasedByAnotherThread:
    def test_later_edges_through_it_are_not_recorded(self, debug: DebugBackend) -> None:
        signal, other = debug.Lock(), debug.Lock()
        signal.acquire()
        release_in_another_thread(debug, signal)  # signal is a hand-off lock now
        with signal, other:  # signal -> other: not recorded
            pass
        with other, signal:  # other -> signal: no inversion
            pass

    def test_edges_recorded_before_are_dropped(self, debug: DebugBackend) -> None:
        """a -> signal and signal -> b were recorded while signal was an ordinary lock;
        once it is a hand-off lock, b -> a closes no cycle through it."""
        a, signal, b = debug.Lock(), debug.Lock(), debug.Lock()
        with a, signal:
            pass
        with signal, b:
            pass
        signal.acquire()
        release_in_another_thread(debug, signal)
        with b, a:
            pass

    def test_an_inversion_of_other_locks_is_still_reported(self, debug: DebugBackend) -> None:
        signal, a, b = debug.Lock(), debug.Lock(), debug.Lock()
        signal.acquire()
        release_in_another_thread(debug, signal)
        with a, b:
            pass
        with b, pytest.raises(anythread.LockOrderError):
            a.acquire()


class TestSiteOrder:
    def test_the_declaration_covers_locks_made_at_the_same_line(self, debug: DebugBackend) -> None:
        site = fresh(debug, order="site")
        resources = [site.Lock() for _ in range(2)]
        guard = site.Lock()
        site.declare_handoff(resources[0])
        with guard, resources[1]:
            pass
        with resources[1], guard:  # resources[1] is of the declared line: no edge
            pass

    def test_undeclared_the_same_locks_are_an_inversion(self, debug: DebugBackend) -> None:
        site = fresh(debug, order="site")
        resources = [site.Lock() for _ in range(2)]
        guard = site.Lock()
        with guard, resources[1]:
            pass
        with resources[1], pytest.raises(anythread.LockOrderError):
            guard.acquire()


class TestDeclareHandoffArguments:
    def test_an_rlock_is_refused(self, debug: DebugBackend) -> None:
        with pytest.raises(TypeError, match="RLock is released only by the thread"):
            debug.declare_handoff(debug.RLock())

    @pytest.mark.parametrize("make", ["Semaphore", "Event", "stdlib"])
    def test_other_objects_are_refused(self, debug: DebugBackend, make: str) -> None:
        obj = anythread.get_backend("stdlib").Lock() if make == "stdlib" else getattr(debug, make)()
        with pytest.raises(TypeError, match="takes a Lock of the debug backend"):
            debug.declare_handoff(obj)


#: This file, as creation sites name it.
HERE = os.path.normcase(__file__)


class TestHandoffSites:
    """``ANYTHREAD_DEBUG_HANDOFF``: the Locks created at these sites are hand-off locks
    from the start, for code one cannot change (a library's readers-writer lock)."""

    def test_a_file_makes_every_lock_created_in_it_hand_off(self, debug: DebugBackend) -> None:
        site = fresh(debug, handoff="tests/test_debug_handoff.py")
        rw = ReadersWriterLock(site)
        rw.read_acquire()
        rw.read_release()

    def test_a_line_makes_only_the_locks_created_there_hand_off(self, debug: DebugBackend) -> None:
        line = ReadersWriterLock.__init__.__code__.co_firstlineno + 2  # self.resource = ...
        site = fresh(debug, handoff=f"test_debug_handoff.py:{line}")
        rw = ReadersWriterLock(site)
        rw.read_acquire()
        rw.read_release()
        other = fresh(debug, handoff=f"test_debug_handoff.py:{line + 5}")
        rw = ReadersWriterLock(other)
        rw.read_acquire()
        with pytest.raises(anythread.LockOrderError):
            rw.read_release()

    def test_another_file_changes_nothing(self, debug: DebugBackend) -> None:
        site = fresh(debug, handoff="other/test_debug_handoff.py, handoff.py")
        rw = ReadersWriterLock(site)
        rw.read_acquire()
        with pytest.raises(anythread.LockOrderError):
            rw.read_release()

    def test_a_hand_off_site_leaves_the_wait_for_graph(self, debug: DebugBackend) -> None:
        """``second`` holds ``m`` and waits for ``signal``, which ``first`` took and now
        holds while it waits for ``m``: a cycle if ``first`` were the one to release the
        signal, but the main thread does.  Made at a hand-off site, the signal has no
        owner to follow (nor order edges), so nothing is raised and both finish."""
        site = fresh(debug, handoff=os.path.basename(HERE))
        signal, m = site.Lock(), site.Lock()
        took = site.Event()

        def first() -> None:
            signal.acquire()
            took.set()
            with m:
                pass

        def second() -> None:
            with m:
                took.wait(LONG)
                with signal:
                    pass

        workers = [Worker(site, second, "second"), Worker(site, first, "first")]
        wait_until(lambda: sorted(site.blocked()) == ["first", "second"], "both block")
        signal.release()  # the main thread gives the signal
        assert [w.outcome() for w in workers] == [None, None]

    def test_the_environment_variable(self, tmp_path: Path) -> None:
        source = """
            import anythread

            class RW:
                def __init__(self):
                    self.count = anythread.Lock()
                    self.resource = anythread.Lock()
                    self.readers = 0

                def read(self):
                    with self.count:
                        self.readers += 1
                        if self.readers == 1:
                            self.resource.acquire()
                    with self.count:
                        self.readers -= 1
                        if self.readers == 0:
                            self.resource.release()

            RW().read()
            print("read")
            """
        done = run_program(tmp_path, source)
        assert "LockOrderError" in done.stderr
        assert done.returncode == 1
        program = textwrap.dedent(source)
        line = program.splitlines().index("        self.resource = anythread.Lock()") + 2
        # (Set before the backend loads, at the first lock: as if in the environment.)
        done = run_program(
            tmp_path,
            f"import os; os.environ['ANYTHREAD_DEBUG_HANDOFF'] = 'prog.py:{line}'\n" + program,
        )
        assert done.stdout == "read\n", done.stderr
        assert done.returncode == 0

    @pytest.mark.parametrize(
        ("value", "sites"),
        [
            ("", ()),
            (" , ", ()),
            ("pkg/rw.py", ((os.path.normcase(os.path.join("pkg", "rw.py")), None),)),
            ("rw.py:12, a.py", ((os.path.normcase("rw.py"), 12), (os.path.normcase("a.py"), None))),
        ],
    )
    def test_parsing(self, value: str, sites: tuple[tuple[str, int | None], ...]) -> None:
        assert handoff_sites(value) == sites

    @pytest.mark.parametrize("value", ["rw.py:x", "rw.py:", ":12", "rw.py:0", "a.py,:3"])
    def test_a_bad_entry_is_refused_with_the_form_to_use(self, value: str) -> None:
        with pytest.raises(
            ValueError, match=r"ANYTHREAD_DEBUG_HANDOFF: .* write FILE or FILE:LINE"
        ):
            handoff_sites(value)
