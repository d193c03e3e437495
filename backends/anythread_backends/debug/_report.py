"""Reports: how a deadlock or a lock-order inversion is told to the user.

Everything here runs only when something is reported: stacks are formatted and sites
turned into text here, never on the acquire path.  This module imports nothing of the
debug backend but the graph's types.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from inspect import currentframe
from types import CodeType, FrameType

import anythread
from anythread._frames import blocked_at
from anythread._run import EXIT_RULE_SITE, exit_rule_codes
from anythread.errors import WaitSite
from anythread_backends.debug._graph import Edge, Node, RawStack

__all__ = [
    "EdgeSite",
    "blocked_site",
    "caller_frame",
    "capture_stack",
    "frame_site",
    "inversion_message",
    "inversion_sites",
    "scenario",
]

# Frames of this package, of the semantics layer and of the standard library's threading
# module are skipped when looking for the user's line.
_SKIPPED_DIRS = (
    os.path.dirname(os.path.abspath(__file__)) + os.sep,
    os.path.dirname(os.path.abspath(anythread.__file__)) + os.sep,
)


def _skipped(filename: str) -> bool:
    return filename.startswith(_SKIPPED_DIRS) or filename.endswith(f"{os.sep}threading.py")


def caller_frame() -> FrameType | None:
    """Return the first frame of the user's code above the caller."""
    frame = currentframe()
    while frame is not None and _skipped(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def capture_stack(frame: FrameType | None, lasti: int = -1) -> RawStack:
    """The stack from ``frame`` outwards, as plain data (formatted later, if reported).

    ``lasti`` is the instruction ``frame`` was at when it mattered (an acquire that
    kept its frame): its line is computed from it, as the frame has moved on since.
    Frames of the machinery (this package, the semantics layer, ``threading``) above
    the first one are skipped.
    """
    if not isinstance(frame, FrameType):
        return ()
    while frame is not None and _skipped(frame.f_code.co_filename):
        frame, lasti = frame.f_back, -1
    stack = []
    while frame is not None:
        code = frame.f_code
        line = _line_at(code, lasti) if lasti >= 0 else frame.f_lineno
        stack.append((code.co_filename, line or 0, code.co_name))
        frame, lasti = frame.f_back, -1
    return tuple(stack)


def _line_at(code: CodeType, offset: int) -> int | None:
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line
    return None


def blocked_site() -> str:
    """``file:line`` of the user's code that is about to block, or, when an exit rule
    waits with no code of the user's above it, where that is: "the end of the program
    (the exit rule)"."""
    codes = exit_rule_codes()
    frame = currentframe()
    while frame is not None and _skipped(frame.f_code.co_filename):
        if frame.f_code in codes:
            return EXIT_RULE_SITE
        frame = frame.f_back
    return blocked_at(frame, _skipped)  # (the caller's line, if that is a queue's...)


def frame_site(frame: FrameType | None) -> str:
    """``file:line`` of ``frame``, or ``""``."""
    if frame is None:
        return ""
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _names(cycle: Sequence[Edge]) -> dict[Node, str]:
    """Each lock of the cycle by its label; two locks with one label get ``#1``, ``#2``."""
    nodes: list[Node] = []
    for edge in cycle:
        for node in (edge.held, edge.taken):
            if node not in nodes:
                nodes.append(node)
    names: dict[Node, str] = {}
    for node in nodes:
        twins = [n for n in nodes if n.label == node.label]
        suffix = f" #{twins.index(node) + 1}" if len(twins) > 1 else ""
        names[node] = node.label + suffix
    return names


@dataclass(frozen=True)
class EdgeSite(WaitSite):
    """One edge of a lock-order cycle: a :class:`~anythread.WaitSite` (``site`` and
    ``stack``: where the next lock was requested) that also says where the held lock
    was taken."""

    held_site: str = ""
    """``file:line`` of the acquire of the held lock, when known."""
    held_stack: Sequence[str] = field(default=(), compare=False)
    """The formatted stack of that acquire, when known."""


def inversion_sites(cycle: Sequence[Edge]) -> list[WaitSite]:
    """One :class:`EdgeSite` per edge of an order cycle."""
    names = _names(cycle)
    return [
        EdgeSite(
            thread=edge.thread,
            holds=names[edge.held],
            waits_for=names[edge.taken],
            site=edge.site,
            stack=edge.formatted_stack(),
            held_site=edge.held_site,
            held_stack=edge.formatted_held_stack(),
        )
        for edge in cycle
    ]


def scenario(cycle: Sequence[Edge]) -> str:
    """The "possible unsafe locking scenario": one column per edge's thread.

    Each thread first takes the lock it held, then asks for the next one; run side by
    side, every thread blocks.
    """
    names = _names(cycle)
    heads = [f"Thread {chr(ord('A') + i)} ({e.thread})" for i, e in enumerate(cycle)]
    width = max(
        24, *(len(f"acquire({names[e.taken]})") + 4 for e in cycle), *(len(h) + 2 for h in heads)
    )

    def row(i: int, text: str) -> str:
        return (" " * (width * i) + text).rstrip()

    lines = ["Possible unsafe locking scenario:", ""]
    lines.append("".join(h.ljust(width) for h in heads).rstrip())
    lines.append("".join(("-" * (width - 2)).ljust(width) for _ in heads).rstrip())
    for i, edge in enumerate(cycle):
        lines.append(row(i, f"acquire({names[edge.held]})"))
    for i, edge in enumerate(cycle):
        lines.append(row(i, f"acquire({names[edge.taken]})  <- blocks"))
    lines.append("")
    lines.append("*** DEADLOCK ***")
    return "\n".join(lines)


def inversion_message(cycle: Sequence[Edge]) -> str:
    """The whole lock-order report but its edge lines (the error appends those)."""
    names = _names(cycle)
    first = cycle[0]
    head = (
        f"lock-order inversion: {first.thread} acquires {names[first.taken]} while "
        f"holding {names[first.held]}, but the opposite order was seen before "
        f"({len(cycle)} locks in the cycle); threads running these paths at the same "
        "time can deadlock. Acquire the locks in one order everywhere."
    )
    stacks = []
    for edge in cycle:
        held, taken = names[edge.held], names[edge.taken]
        stacks.append(f"{edge.thread} acquired {taken} while holding {held}:")
        for what, stack in (
            (f"{held} was taken", edge.formatted_held_stack()),
            (f"{taken} was requested", edge.formatted_stack()),
        ):
            lines = "\n".join(stack).splitlines()
            stacks.append(f"  {what} at:" if lines else f"  {what} at: (not known)")
            stacks.extend(f"    {line}" for line in lines)
    hint = (
        "If one of these is a Lock used as a signal between threads (released by another "
        "thread than the one that took it, as a readers-writer lock's resource lock), "
        "the order cannot deadlock: declare it with declare_handoff(lock), or list where "
        "it is created in ANYTHREAD_DEBUG_HANDOFF."
    )
    return "\n".join([head, "", scenario(cycle), "", *stacks, "", hint, "", "Edges:"])
