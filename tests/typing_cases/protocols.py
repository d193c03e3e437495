"""The Backend and Kernel Protocols mean something: incomplete objects are refused."""

from __future__ import annotations

import _thread
import time
from collections.abc import Callable
from typing import Any

from anythread.protocols import Backend, Kernel, KernelLock
from anythread_backends.pure import ThreadKernel
from anythread_backends.stdlib import StdlibBackend, backend

# The stdlib backend's attributes are threading's own objects: they satisfy every
# annotation of the Backend Protocol.
ok: Backend = backend
ok_too: Backend = StdlibBackend(name="copy")


class HalfBackend:
    """Has a name and a Lock, and nothing else."""

    name = "half"
    Lock = _thread.allocate_lock


bad: Backend = HalfBackend()  # type: ignore[assignment]


class WrongSleep(StdlibBackend):
    """Everything, but a sleep that takes no argument."""

    def sleep(self) -> None: ...  # type: ignore[override]


wrong: Backend = WrongSleep()  # type: ignore[assignment]


# A complete kernel is a Kernel; a kernel without a clock is not.
good_kernel: Kernel = ThreadKernel()


class NoClockKernel:
    TIMEOUT_MAX = 1.0

    def allocate_lock(self) -> KernelLock:
        return _thread.allocate_lock()

    def start_new_thread(
        self,
        function: Callable[..., object],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] = {},  # noqa: B006
    ) -> int:
        return _thread.start_new_thread(function, args, kwargs)

    def get_ident(self) -> int:
        return _thread.get_ident()

    def get_native_id(self) -> int:
        return _thread.get_native_id()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


no_clock: Kernel = NoClockKernel()  # type: ignore[assignment]
