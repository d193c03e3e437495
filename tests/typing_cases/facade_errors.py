"""Misuse of the facade is caught as it is with ``import threading``.

Each ignore below names the error that line must raise: if it stops being an error,
mypy reports the ignore as unused and this check fails.
"""

from __future__ import annotations

import anythread

anythread.Lock(1)  # type: ignore[call-arg]
anythread.Event().wait("x")  # type: ignore[arg-type]
anythread.Lok  # type: ignore[attr-defined]  # noqa: B018
anythread.Semaphore("3")  # type: ignore[arg-type]
anythread.Barrier()  # type: ignore[call-arg]
anythread.Thread(target=print, daemon="yes")  # type: ignore[arg-type]
anythread.Condition().wait_for(1)  # type: ignore[arg-type]
anythread.sleep("1")  # type: ignore[arg-type]


def takes_nothing() -> None: ...


anythread.excepthook = takes_nothing  # type: ignore[assignment]
name: int = anythread.current_thread().name  # type: ignore[assignment]
