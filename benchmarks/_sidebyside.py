"""The side-by-side harness every benchmark script here shares.

A benchmark compares a *subject* (an anythread backend) with its *peer* (the standard
library, gevent, ...).  Each :class:`Row` times one statement on each side, in
interleaved rounds within one process, after one untimed run of each side: the side that
goes first alternates from round to round, so warm-up and drift favour neither; each
side's time in a round is the best of several repeats; the ratio reported is the median
over rounds of ``subject / peer`` (below 1.0: the subject is faster).  Absolute times on
a shared machine mean little; the ratio, measured side by side, is the figure to read.

:func:`main` is the whole command line of a benchmark script: ``--quick`` (fewer rounds,
a smoke test), ``--json FILE`` (the rows as data), a table on stdout, and exit status 1
when a row with a target misses it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Measurement", "Row", "main", "measure"]


@dataclass
class Row:
    """One operation, timed on the subject and on its peer.

    ``number`` calls of a statement make one timed batch; ``ops`` is how many operations
    one call performs (for the per-operation figures).  ``target`` is the largest ratio
    the issue accepts, or ``None`` for a row that is measured and not judged.
    ``peer_timer``, when given, times the peer elsewhere (in another process, say):
    ``peer_timer(number)`` returns the seconds of one batch of ``number`` calls, and
    ``peer`` is not called here; the rounds stay interleaved all the same.
    """

    name: str
    subject: Callable[[], object]
    peer: Callable[[], object]
    number: int = 1
    ops: int = 1
    target: float | None = None
    #: The clock a batch is timed with: wall time by default; ``time.thread_time`` for
    #: a single-threaded row makes the ratio hold on a loaded machine.
    timer: Callable[[], float] = timeit.default_timer
    #: Times ``number`` calls of the peer elsewhere (e.g. in a child process) and
    #: returns the seconds; ``None``: the peer statement is timed here.
    peer_timer: Callable[[int], float] | None = None


@dataclass
class Measurement:
    """The result of :func:`measure`: the median ratio and each side's best batch."""

    ratio: float
    best_subject: float
    best_peer: float


def measure(row: Row, rounds: int, repeat: int) -> Measurement:
    """Time ``row`` in ``rounds`` interleaved rounds, each side best of ``repeat``."""
    ratios = []
    best_subject = best_peer = float("inf")
    # One untimed batch of each side first: the memory a statement first touches costs
    # page faults (on a virtual machine, many times a warm run) that neither side
    # should be timed with.
    timeit.repeat(row.subject, number=row.number, repeat=1, timer=row.timer)
    if row.peer_timer is None:
        timeit.repeat(row.peer, number=row.number, repeat=1, timer=row.timer)
    for i in range(rounds):
        order = [("subject", row.subject), ("peer", row.peer)]
        if i % 2:
            order.reverse()
        times = {}
        for label, stmt in order:
            if label == "peer" and row.peer_timer is not None:
                times[label] = min(row.peer_timer(row.number) for _ in range(repeat))
            else:
                times[label] = min(
                    timeit.repeat(stmt, number=row.number, repeat=repeat, timer=row.timer)
                )
        ratios.append(times["subject"] / times["peer"])
        best_subject = min(best_subject, times["subject"])
        best_peer = min(best_peer, times["peer"])
    return Measurement(statistics.median(ratios), best_subject, best_peer)


def _per_op(seconds: float, row: Row) -> float:
    """Nanoseconds per operation, from one batch's seconds."""
    return seconds / (row.number * row.ops) * 1e9


def main(
    doc: str,
    subject: str,
    peer: str,
    rows: Callable[[], Sequence[Row]],
    argv: list[str] | None = None,
    *,
    quick: tuple[int, int] = (3, 3),
    full: tuple[int, int] = (9, 5),
    notes: Sequence[str] = (),
) -> int:
    """Run a benchmark script: parse ``argv``, measure ``rows()``, print and save them.

    ``subject`` and ``peer`` label the two columns (and the JSON keys
    ``<label>_ns_per_op``); ``quick`` and ``full`` are ``(rounds, repeat)``.  Returns
    the exit status: 1 if a row with a target missed it, else 0.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke test)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rounds, repeat = quick if args.quick else full

    print(
        f"{subject} vs {peer} on {platform.python_implementation()} "
        f"{platform.python_version()} ({rounds} interleaved rounds, best of {repeat})"
    )
    header = (
        f"{'operation':<60} {subject + '/op':>14} {peer + '/op':>14} "
        f"{'ratio':>7} {'target':>7}  result"
    )
    print(header)
    print("-" * len(header))
    failed = False
    results = []
    for row in rows():
        m = measure(row, rounds, repeat)
        ok = row.target is None or m.ratio <= row.target
        failed |= not ok
        verdict = "-" if row.target is None else ("PASS" if ok else "FAIL")
        target = "-" if row.target is None else f"{row.target:.2f}x"
        print(
            f"{row.name:<60} {_per_op(m.best_subject, row):>12.0f}ns "
            f"{_per_op(m.best_peer, row):>12.0f}ns {m.ratio:>6.2f}x {target:>7}  {verdict}"
        )
        results.append(
            {
                "operation": row.name,
                f"{subject}_ns_per_op": _per_op(m.best_subject, row),
                f"{peer}_ns_per_op": _per_op(m.best_peer, row),
                "ratio": m.ratio,
                "target": row.target,
                "pass": ok,
            }
        )
    print(
        f"ratio: median over rounds of {subject}/{peer} timed side by side in the same "
        f"round;\n{subject}/op, {peer}/op: each side's best round (on a busy machine their "
        "quotient can differ from the ratio)."
    )
    for note in notes:
        print(note)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(
                {"python": sys.version, "subject": subject, "peer": peer, "rows": results},
                f,
                indent=2,
            )
    return 1 if failed else 0
