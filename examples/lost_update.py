"""A lost update that plain runs never show: two deposits race between two lock operations.

    ANYTHREAD_BACKEND=cooperative python examples/lost_update.py                    # fifo: correct
    ANYTHREAD_BACKEND=cooperative ANYTHREAD_SCHEDULE=pct:SEED:3 python examples/lost_update.py
    python examples/lost_update.py --replay LINE    # a line found by anythread.testing.explore

Each deposit reads the balance under the lock, releases it, then takes the lock again to
write ``balance + amount``: every access is locked, yet a deposit made between the read
and the write is overwritten.  On ``stdlib`` and under the cooperative backend's default
``fifo`` schedule the window is never hit, and the program prints the right balance.
Under a ``random`` or ``pct`` schedule every lock operation is a point where another
green thread may run; some seeds hit the window, and the same line replays the same
interleaving.  ``--replay LINE`` runs the deposits under
:func:`anythread.testing.explore` with exactly the schedule ``LINE`` that a search
reported (the tour does this).  The exit status is 1 when an update was lost.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import anythread

DEPOSITS = {"alice": 50, "bob": 70}
OPENING_BALANCE = 100


def run(threading: ModuleType | Any) -> tuple[int, list[str]]:
    """Run the two deposits on ``threading`` (the anythread module or a backend object).

    Returns the final balance and the trace of the steps, in the order they ran.
    """
    lock = threading.Lock()
    opening = threading.Event()
    balance = OPENING_BALANCE
    trace: list[str] = []

    def deposit(who: str, amount: int) -> None:
        nonlocal balance
        opening.wait(timeout=30)
        with lock:
            seen = balance
            trace.append(f"{who} reads {seen}")
        # The bug: the lock is released between the read and the write.
        with lock:
            balance = seen + amount
            trace.append(f"{who} writes {balance}")

    threads = [
        threading.Thread(target=deposit, args=item, name=item[0]) for item in DEPOSITS.items()
    ]
    for thread in threads:
        thread.start()
    opening.set()  # both deposits start together
    for thread in threads:
        thread.join(timeout=30)
    return balance, trace


def expected() -> int:
    """The balance when no update is lost."""
    return OPENING_BALANCE + sum(DEPOSITS.values())


def replay(line: str) -> int:
    """Run the deposits once under ``explore(..., replay=line)``; 1 if an update is lost."""
    from anythread.testing import ExploreFailure, explore

    traces: list[list[str]] = []

    def body() -> None:
        balance, trace = run(anythread)
        traces.append(trace)
        assert balance == expected(), f"lost update: balance {balance}, expected {expected()}"

    try:
        explore(body, replay=line)
    except ExploreFailure as failure:
        print(f"schedule {line}: {'; '.join(traces[-1])}")
        print(failure.__cause__)
        return 1
    print(f"schedule {line}: {'; '.join(traces[-1])}")
    print(f"balance {expected()}: correct")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        if len(args) == 2 and args[0] == "--replay":
            return replay(args[1])
        print("usage: lost_update.py [--replay LINE]", file=sys.stderr)
        return 2
    balance, trace = run(anythread)
    print(f"{anythread.current_backend().name}: {'; '.join(trace)}")
    if balance != expected():
        print(f"lost update: balance {balance}, expected {expected()}")
        return 1
    print(f"balance {balance}: correct")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
