"""The lock-order graph: which lock (class) was taken while which other was held.

A directed graph kept acyclic with the incremental topological-order algorithm of
Pearce and Kelly: each node has a rank, every edge goes from a lower to a higher rank,
and inserting an edge that goes "backwards" searches only the nodes whose rank lies
between its two ends, then either reorders them or finds the path that closes a cycle.
An edge that would close a cycle is never inserted, so the graph stays a DAG and the
next check of the same inversion finds it again.

Each edge remembers the first time it was seen (thread, stack, site) and its *gates*:
the locks that were held at every recording of the edge besides its two ends.  A cycle
whose edges all share a gate cannot deadlock (the gate serialises them), so it is not
reported.

The graph is not thread-safe: the caller (:mod:`._tracker`) holds one lock around
every call.  This module imports nothing of the project.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = ["Edge", "Node", "OrderGraph", "RawStack"]

# Frames a report leaves out: the machinery of threads and of anythread itself, which
# every stack shares and no user can act on.
_HIDDEN_FILES = frozenset({os.path.normcase(os.path.abspath(threading.__file__))})
_HIDDEN_DIRS = tuple(
    os.path.normcase(os.path.dirname(os.path.abspath(spec.origin))) + os.sep
    for spec in map(importlib.util.find_spec, ("anythread", "anythread_backends"))
    if spec is not None and spec.origin is not None
)


def _user_frame(filename: str) -> bool:
    path = os.path.normcase(os.path.abspath(filename))
    return path not in _HIDDEN_FILES and not path.startswith(_HIDDEN_DIRS)


class Node:
    """A lock, or a class of locks (one creation site), in the order graph."""

    __slots__ = ("__weakref__", "handoff", "label", "out", "preds", "rank", "side")

    def __init__(self, label: str) -> None:
        self.label = label
        #: A hand-off lock (or class of locks): a signal between threads, whose holder
        #: says nothing about who will release it.  It takes no part in the graph.
        self.handoff = False
        self.out: dict[Node, Edge] = {}
        self.preds: set[Node] = set()
        #: Edges out of this node that were refused (a gated or a reported cycle): known,
        #: so that seeing them again costs a lookup, not a search.
        self.side: dict[Node, Edge] = {}
        self.rank = -1

    def __repr__(self) -> str:
        return f"<lock-order node {self.label}>"


#: A captured stack, innermost frame first: ``(filename, line, function)`` per frame.
RawStack = tuple[tuple[str, int, str], ...]


@dataclass
class Edge:
    """``held`` was held while ``taken`` was acquired (blocking, untimed).

    ``stack`` is where ``taken`` was requested, ``held_stack`` where ``held`` had been
    taken, both from the first recording of the edge (formatted only for a report).
    """

    held: Node
    taken: Node
    thread: str
    site: str
    stack: RawStack
    gates: frozenset[Node] = field(default_factory=frozenset)
    held_stack: RawStack = ()

    @property
    def held_site(self) -> str:
        """``file:line`` where the held lock was taken, or ``""``."""
        return f"{self.held_stack[0][0]}:{self.held_stack[0][1]}" if self.held_stack else ""

    def formatted_stack(self) -> tuple[str, ...]:
        """Where the next lock was requested, formatted, the user's frames only."""
        return _format(self.stack)

    def formatted_held_stack(self) -> tuple[str, ...]:
        """Where the held lock was taken, formatted, the user's frames only."""
        return _format(self.held_stack)


def _format(stack: RawStack) -> tuple[str, ...]:
    frames = traceback.StackSummary.from_list(
        [(f, line, name, None) for f, line, name in reversed(stack) if _user_frame(f)]
    )
    return tuple(line.rstrip("\n") for line in frames.format())


class OrderGraph:
    """The acquisition-order graph, kept acyclic (Pearce-Kelly)."""

    def __init__(self) -> None:
        self._next_rank = 0
        self._nodes: set[Node] = set()
        #: Edges refused because they closed a cycle whose edges share a gate.
        self.gated: dict[tuple[Node, Node], Edge] = {}

    def __len__(self) -> int:
        return len(self._nodes)

    def _add_node(self, node: Node) -> None:
        if node.rank < 0:
            node.rank = self._next_rank
            self._next_rank += 1
            self._nodes.add(node)

    def path(self, start: Node, goal: Node) -> list[Edge] | None:
        """Return the edges of a path ``start`` → ... → ``goal``, or None."""
        if start is goal:
            return []
        limit = goal.rank
        parent: dict[Node, Edge] = {}
        stack = [start]
        seen = {start}
        while stack:
            node = stack.pop()
            for nxt, edge in node.out.items():
                if nxt in seen or nxt.rank > limit:
                    continue
                parent[nxt] = edge
                if nxt is goal:
                    edges = [edge]
                    while edges[-1].held is not start:
                        edges.append(parent[edges[-1].held])
                    edges.reverse()
                    return edges
                seen.add(nxt)
                stack.append(nxt)
        return None

    def insert(self, edge: Edge) -> list[Edge] | None:
        """Insert ``edge``; if it would close a cycle, insert nothing and return the cycle.

        The cycle is returned as its edges in order, starting with ``edge``.
        """
        x, y = edge.held, edge.taken
        self._add_node(x)
        self._add_node(y)
        if x.rank > y.rank:
            back = self.path(y, x)
            if back is not None:
                return [edge, *back]
            self._reorder(x, y)
        x.out[y] = edge
        y.preds.add(x)
        return None

    def _reorder(self, x: Node, y: Node) -> None:
        # Nodes reachable from y with rank <= rank(x), and nodes reaching x with rank >=
        # rank(y): shift the first block after the second, reusing their ranks.
        lower, upper = y.rank, x.rank
        forward = self._reach(y, lambda n: n.out, lambda n: n.rank <= upper)
        backward = self._reach(x, lambda n: n.preds, lambda n: n.rank >= lower)
        ordered = sorted(backward, key=_rank) + sorted(forward, key=_rank)
        ranks = sorted(n.rank for n in ordered)
        for node, rank in zip(ordered, ranks, strict=True):
            node.rank = rank

    @staticmethod
    def _reach(
        start: Node, step: Callable[[Node], Iterable[Node]], keep: Callable[[Node], bool]
    ) -> list[Node]:
        seen = {start}
        todo = [start]
        while todo:
            node = todo.pop()
            for nxt in step(node):
                if nxt not in seen and keep(nxt):
                    seen.add(nxt)
                    todo.append(nxt)
        return list(seen)

    def remove(self, nodes: Iterable[Node]) -> None:
        """Forget ``nodes`` (locks that no longer exist) and every edge touching them."""
        for node in nodes:
            if node.rank < 0:
                continue
            for succ in node.out:
                succ.preds.discard(node)
            for pred in node.preds:
                pred.out.pop(node, None)
            node.out.clear()
            node.preds.clear()
            node.rank = -1
            self._nodes.discard(node)
            node.side.clear()
        if self.gated:
            self.gated = {
                key: edge
                for key, edge in self.gated.items()
                if key[0].rank >= 0 and key[1].rank >= 0
            }


def _rank(node: Node) -> int:
    return node.rank
