"""Reports: how a deadlock or a lock-order inversion is told to the user.

Everything here runs only when something is reported: stacks are formatted and sites
turned into text here, never on the acquire path.  This module imports nothing of the
debug backend but the graph's types.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from inspect import currentframe
from types import FrameType

import anythread
from anythread.errors import WaitSite
from anythread_backends.debug._graph import Edge

__all__ = [
    "caller_frame",
    "format_stacks",
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


def frame_site(frame: FrameType | None) -> str:
    """``file:line`` of ``frame``, or ``""``."""
    if frame is None:
        return ""
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def inversion_sites(cycle: Sequence[Edge]) -> list[WaitSite]:
    """One :class:`~anythread.WaitSite` per edge of an order cycle."""
    return [
        WaitSite(
            thread=edge.thread,
            holds=edge.held.label,
            waits_for=edge.taken.label,
            site=edge.site,
            stack=edge.formatted_stack(),
        )
        for edge in cycle
    ]


def scenario(cycle: Sequence[Edge]) -> str:
    """The "possible unsafe locking scenario": one column per edge's thread.

    Each thread first takes the lock it held, then asks for the next one; run side by
    side, every thread blocks.
    """
    width = max(24, *(len(f"acquire({e.taken.label})") + 4 for e in cycle))
    heads = [f"Thread {chr(ord('A') + i)} ({e.thread})" for i, e in enumerate(cycle)]
    width = max(width, *(len(h) + 2 for h in heads))

    def row(i: int, text: str) -> str:
        return (" " * (width * i) + text).rstrip()

    lines = ["Possible unsafe locking scenario:", ""]
    lines.append("".join(h.ljust(width) for h in heads).rstrip())
    lines.append("".join(("-" * (width - 2)).ljust(width) for _ in heads).rstrip())
    for i, edge in enumerate(cycle):
        lines.append(row(i, f"acquire({edge.held.label})"))
    for i, edge in enumerate(cycle):
        lines.append(row(i, f"acquire({edge.taken.label})  <- blocks"))
    lines.append("")
    lines.append("*** DEADLOCK ***")
    return "\n".join(lines)


def inversion_message(cycle: Sequence[Edge]) -> str:
    """The first lines of a lock-order report (the edges follow, then the scenario)."""
    first = cycle[0]
    return (
        f"lock-order inversion: {first.thread} acquires {first.taken.label} while "
        f"holding {first.held.label}, but the opposite order was seen before "
        f"({len(cycle)} locks in the cycle); threads running these paths at the same "
        "time can deadlock. Acquire the locks in one order everywhere."
    )


def format_stacks(cycle: Sequence[Edge]) -> str:
    """Each edge's stack, as recorded when the edge was first seen."""
    parts = []
    for edge in cycle:
        parts.append(f"{edge.thread} acquired {edge.taken.label} while holding {edge.held.label}:")
        parts.extend(f"  {line}" for line in "\n".join(edge.formatted_stack()).splitlines())
    return "\n".join(parts)
