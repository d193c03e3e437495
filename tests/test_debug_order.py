"""The debug backend's lock-order graph: inversions found although nothing deadlocked."""

from __future__ import annotations

import gc
import logging
import warnings

import pytest
from debug_support import debug, fresh, run

from anythread import LockOrderError
from anythread_backends.debug import DebugBackend, EdgeSite, LockOrderWarning

__all__ = ["debug"]


def nest(*locks: object) -> None:
    """Acquire ``locks`` in order (blocking, untimed), then release them."""
    if not locks:
        return
    with locks[0]:  # type: ignore[attr-defined]
        nest(*locks[1:])


class TestInversions:
    def test_two_threads_at_different_times(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        a.name, b.name = "accounts", "audit"
        assert run(debug, lambda: nest(a, b), name="first") is None
        error = run(debug, lambda: nest(b, a), name="second")
        assert isinstance(error, LockOrderError)
        assert error.threads == ("second", "first")
        assert error.edges == (("audit", "accounts"), ("accounts", "audit"))
        text = str(error)
        assert "Possible unsafe locking scenario" in text
        assert "Thread A (second)" in text
        assert "Thread B (first)" in text
        assert "acquire(accounts)  <- blocks" in text
        # Each edge carries the stack where it was first seen, with the user's line.
        assert all(s.site.startswith(__file__) for s in error.cycle)
        assert any("nest(" in line for line in error.cycle[1].stack)

    def test_one_thread_in_both_orders(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with pytest.raises(LockOrderError, match="lock-order inversion: MainThread acquires"):
            nest(b, a)

    def test_the_check_happens_before_blocking(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with b:
            with pytest.raises(LockOrderError):
                a.acquire()
            assert not a.locked()
            assert debug.held() == [b]
        # Raise mode reports the inversion again next time: it was not remembered as fine.
        with pytest.raises(LockOrderError):
            nest(b, a)

    def test_a_cycle_of_three(self, debug: DebugBackend) -> None:
        a, b, c = debug.Lock(), debug.Lock(), debug.Lock()
        nest(a, b)
        run(debug, lambda: nest(b, c))
        error = run(debug, lambda: nest(c, a), name="third")
        assert isinstance(error, LockOrderError)
        assert len(error.cycle) == 3
        assert "Thread C" in str(error)

    def test_through_an_rlock(self, debug: DebugBackend) -> None:
        r, a = debug.RLock(), debug.Lock()
        nest(r, r, a)
        with pytest.raises(LockOrderError):
            nest(a, r)

    def test_through_a_conditions_lock(self, debug: DebugBackend) -> None:
        cond, a = debug.Condition(debug.Lock()), debug.Lock()
        nest(cond, a)
        with pytest.raises(LockOrderError):
            nest(a, cond)


class TestCorrectProgramsRaiseNothing:
    def test_consistent_order_in_many_threads(self, debug: DebugBackend) -> None:
        a, b, c = debug.Lock(), debug.Lock(), debug.Lock()
        for i in range(4):
            assert run(debug, lambda: nest(a, b, c), name=f"t{i}") is None
        nest(a, c)
        nest(b, c)

    def test_try_lock_in_reverse_order(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with b:
            assert a.acquire(False)
            a.release()
        nest(a, b)

    def test_timed_acquire_in_reverse_order(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with b:
            assert a.acquire(timeout=1)
            a.release()
        nest(a, b)

    def test_rlock_reentry_adds_no_edge(self, debug: DebugBackend) -> None:
        r, a = debug.RLock(), debug.Lock()
        with r, a, r:
            pass
        nest(r, a)

    def test_gate_lock_hides_an_inversion_it_serialises(self, debug: DebugBackend) -> None:
        gate, a, b = debug.Lock(), debug.Lock(), debug.Lock()
        assert run(debug, lambda: nest(gate, a, b)) is None
        assert run(debug, lambda: nest(gate, b, a)) is None

    def test_an_ungated_path_makes_the_gated_inversion_real(self, debug: DebugBackend) -> None:
        gate, a, b = debug.Lock(), debug.Lock(), debug.Lock()
        nest(gate, a, b)
        nest(gate, b, a)
        with pytest.raises(LockOrderError):
            nest(a, b)

    def test_two_different_gates_do_not_hide_it(self, debug: DebugBackend) -> None:
        g1, g2, a, b = debug.Lock(), debug.Lock(), debug.Lock(), debug.Lock()
        nest(g1, a, b)
        with pytest.raises(LockOrderError):
            nest(g2, b, a)

    def test_thousands_of_locks_leave_no_trace(self, debug: DebugBackend) -> None:
        keep_a, keep_b = debug.Lock(), debug.Lock()
        for _ in range(3000):
            a, b = debug.Lock(), debug.Lock()
            nest(a, b)
        del a, b
        gc.collect()
        nest(keep_a, keep_b)  # a new edge: the graph forgets the dead locks
        assert len(debug.tracker.graph) <= 4
        assert not debug.tracker.dead


class TestModes:
    def test_warn_mode_warns_once_per_cycle(self, debug: DebugBackend) -> None:
        debug = fresh(debug, mode="warn")
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with pytest.warns(LockOrderWarning, match="lock-order inversion") as record:
            nest(b, a)
        assert isinstance(record[0].message, LockOrderWarning)
        assert len(record[0].message.error.cycle) == 2
        assert record[0].filename == __file__
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nest(b, a)

    def test_log_mode_logs(self, debug: DebugBackend, caplog: pytest.LogCaptureFixture) -> None:
        debug = fresh(debug, mode="log")
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        with caplog.at_level(logging.WARNING, logger="anythread.debug"):
            nest(b, a)
        assert "lock-order inversion" in caplog.text

    def test_unknown_mode_is_refused(self, debug: DebugBackend) -> None:
        with pytest.raises(ValueError, match="ANYTHREAD_DEBUG_MODE='loud' is not valid"):
            fresh(debug, mode="loud")


class TestSiteOrder:
    @staticmethod
    def make(backend: DebugBackend) -> object:
        return backend.Lock()  # every lock of this class is created on this line

    def test_locks_of_one_site_are_one_class(self, debug: DebugBackend) -> None:
        debug = fresh(debug, order="site")
        a1, b1 = self.make(debug), debug.Lock()
        nest(a1, b1)
        a2 = self.make(debug)
        with pytest.raises(LockOrderError):
            nest(b1, a2)

    def test_instance_order_sees_two_locks(self, debug: DebugBackend) -> None:
        a1, b1 = self.make(debug), debug.Lock()
        nest(a1, b1)
        nest(b1, self.make(debug))

    def test_nesting_in_its_own_class_unless_declared(self, debug: DebugBackend) -> None:
        debug = fresh(debug, order="site")
        outer, inner = self.make(debug), self.make(debug)
        with pytest.raises(LockOrderError):
            nest(outer, inner)
        debug.declare_nested(outer)
        nest(outer, inner)


def _line_of(marker: str) -> int:
    """The line of this file that ends with ``# marker``."""
    with open(__file__, encoding="utf-8") as f:
        lines = [n for n, text in enumerate(f, 1) if text.rstrip().endswith(f"# {marker}")]
    assert len(lines) == 1, marker
    return lines[0]


def take_outer_then(outer: object, inner: object) -> None:
    with outer:  # type: ignore[attr-defined]  # outer-taken
        prepare = [n * n for n in range(3)]  # the held lock's frame moves on
        assert prepare
        with inner:  # type: ignore[attr-defined]  # inner-requested
            pass


def take_in_helper(lock: object) -> None:
    lock.acquire()  # type: ignore[attr-defined]  # helper-taken


class TestEdgeStacks:
    def test_each_edge_says_where_the_held_lock_was_taken(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        a.name, b.name = "a", "b"
        take_outer_then(a, b)
        error = run(debug, lambda: take_outer_then(b, a), name="second")
        assert isinstance(error, LockOrderError)
        for edge in error.cycle:
            assert isinstance(edge, EdgeSite)
            # Where the held lock was taken: its own with line, not where the frame is now.
            assert edge.held_site == f"{__file__}:{_line_of('outer-taken')}"
            assert edge.site == f"{__file__}:{_line_of('inner-requested')}"
            assert any("with outer:" in line for line in edge.held_stack)
            assert any("with inner:" in line for line in edge.stack)
        text = str(error)
        assert "b was taken at:" in text
        assert "a was requested at:" in text
        assert "a was taken at:" in text
        assert "b was requested at:" in text

    def test_a_lock_taken_in_a_function_that_returned(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        take_in_helper(a)
        try:
            with b:
                pass
        finally:
            a.release()
        with b, pytest.raises(LockOrderError) as info:
            a.acquire()
        (_second, first) = info.value.cycle
        assert isinstance(first, EdgeSite)
        assert first.held_site == f"{__file__}:{_line_of('helper-taken')}"
        assert any("take_in_helper" in line for line in first.held_stack)

    def test_stacks_are_captured_only_for_new_edges(self, debug: DebugBackend) -> None:
        a, b = debug.Lock(), debug.Lock()
        nest(a, b)
        edge = next(iter(a._node.out.values()))  # type: ignore[union-attr]
        first_stack = edge.stack
        for _ in range(3):
            nest(a, b)
        assert next(iter(a._node.out.values())).stack is first_stack  # type: ignore[union-attr]
        assert a._frame is None
        assert b._frame is None
