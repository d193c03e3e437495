"""The exceptions of anythread.

``ThreadError`` and ``BrokenBarrierError`` are the standard library's own classes,
re-exported so that ``except threading.BrokenBarrierError`` and ``except
anythread.BrokenBarrierError`` catch the same errors whatever the backend.
:class:`DeadlockError` and :class:`LockOrderError` are anythread's own: the debug and
cooperative backends raise them where a plain threading program would hang.

This module must not import anything else of the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from threading import BrokenBarrierError, ThreadError

__all__ = [
    "BrokenBarrierError",
    "DeadlockError",
    "LockOrderError",
    "ThreadError",
    "WaitSite",
]


@dataclass(frozen=True)
class WaitSite:
    """One edge of a cycle: a thread, the object it holds or waits on, and where."""

    thread: str
    """The name of the thread."""
    holds: str
    """A description of the lock or object the thread holds."""
    waits_for: str
    """A description of the lock or object the thread waits for (or acquires next)."""
    site: str = ""
    """``file:line`` of the acquire, when known."""
    stack: Sequence[str] = field(default=(), compare=False)
    """The formatted stack of the acquire, when known."""

    def __str__(self) -> str:
        where = f" at {self.site}" if self.site else ""
        return f"{self.thread} holds {self.holds} and waits for {self.waits_for}{where}"


class _CycleError(RuntimeError):
    """Common base: an error that carries a cycle of threads and locks."""

    def __init__(self, message: str, cycle: Sequence[WaitSite] = ()) -> None:
        self.cycle: tuple[WaitSite, ...] = tuple(cycle)
        lines = [message, *(f"  {edge}" for edge in self.cycle)]
        super().__init__("\n".join(lines))

    @property
    def threads(self) -> tuple[str, ...]:
        """The names of the threads in the cycle, in order."""
        return tuple(edge.thread for edge in self.cycle)

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        """The cycle as ``(holds, waits_for)`` pairs, in order: each names what one
        thread holds and the next object it waits for (or acquires next)."""
        return tuple((edge.holds, edge.waits_for) for edge in self.cycle)

    @property
    def sites(self) -> tuple[str, ...]:
        """The ``file:line`` sites of the acquires in the cycle, where known."""
        return tuple(edge.site for edge in self.cycle)


class DeadlockError(_CycleError):
    """A real deadlock: every thread in :attr:`cycle` waits for the next one.

    Raised, instead of hanging forever, by backends that can see the whole wait graph.
    """


class LockOrderError(_CycleError):
    """A potential deadlock: locks were acquired in inconsistent orders.

    Each edge of :attr:`cycle` says that some thread acquired ``waits_for`` while
    holding ``holds``; together the edges form a cycle, so two threads running those
    paths at the same time could deadlock.
    """
