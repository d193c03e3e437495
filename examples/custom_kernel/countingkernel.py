"""A kernel written outside anythread: ``_thread`` with a tally of what it was asked for.

This is all it takes to get a complete threading backend: the primitives of
:class:`anythread.Kernel`.  :func:`anythread.from_kernel` builds Thread, RLock,
Condition, Semaphore, Event, Barrier, Timer, local and the rest on top of them.  The
counters show how often each primitive is used, which is a handy way to see how the
semantics layer uses its kernel (and what a faster kernel should optimise).

The kernel also declares one optional extra, :class:`anythread.protocols.KernelStackSize`,
simply by having a ``stack_size`` method; ``from_kernel`` checks the extras once, with
``isinstance`` against their Protocols.
"""

from __future__ import annotations

import _thread
import time
from collections import Counter
from collections.abc import Callable
from typing import Any


class CountingKernel:
    """``_thread`` and ``time``, counting every lock, thread, sleep and clock read."""

    TIMEOUT_MAX = _thread.TIMEOUT_MAX

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def allocate_lock(self) -> Any:
        self.calls["allocate_lock"] += 1
        return _thread.allocate_lock()

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
    ) -> int:
        self.calls["start_new_thread"] += 1
        return _thread.start_new_thread(function, args, kwargs or {})

    def get_ident(self) -> int:
        return _thread.get_ident()

    def get_native_id(self) -> int:
        return _thread.get_native_id()

    def sleep(self, seconds: float) -> None:
        self.calls["sleep"] += 1
        time.sleep(seconds)

    def monotonic(self) -> float:
        self.calls["monotonic"] += 1
        return time.monotonic()

    # An optional extra: declared by having the method (KernelStackSize).
    def stack_size(self, *size: int) -> int:
        return _thread.stack_size(*size)
