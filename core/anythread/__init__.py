"""anythread: Python's ``threading`` API over pluggable backends.

Write ``import anythread as threading`` once; the backend underneath is chosen by
``ANYTHREAD_BACKEND``, :func:`use` or :func:`get_backend`.  The names of the threading
API (``Lock``, ``Thread``, ``current_thread``, ...) are looked up on the selected backend
at first use and then cached in this module, so they *are* the backend's own objects:
under ``stdlib``, ``anythread.Lock is threading.Lock`` and no wrapper sits in the call
path.

This module is the facade.  It must not import a backend module by name, and it must not
choose the backend at import time: the choice is made at the first use of the API.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from anythread.errors import (
    BrokenBarrierError,  # noqa: F401 - re-exported: listed in __all__ via API_NAMES
    DeadlockError,
    LockOrderError,
    ThreadError,  # noqa: F401 - re-exported: listed in __all__ via API_NAMES
    WaitSite,
)
from anythread.protocols import API_NAMES, CONTRACT_VERSION, Backend, Capability, Kernel
from anythread.registry import BackendInfo, BackendSpec, hookimpl, hookspec
from anythread.selection import (
    Selection,
    current_backend,
    get_backend,
    list_backends,
    use,
)

if TYPE_CHECKING:
    from anythread.semantics import from_kernel as from_kernel

__version__ = "0.1.0"

__all__ = [
    "CONTRACT_VERSION",
    "Backend",
    "BackendInfo",
    "BackendSpec",
    "Capability",
    "DeadlockError",
    "Kernel",
    "LockOrderError",
    "Selection",
    "WaitSite",
    "current_backend",
    "from_kernel",
    "get_backend",
    "hookimpl",
    "hookspec",
    "list_backends",
    "use",
    *API_NAMES,  # includes ThreadError and BrokenBarrierError, bound at import
]

_API = frozenset(API_NAMES)


def _cache(name: str, value: object) -> None:
    globals()[name] = value


def __getattr__(name: str) -> Any:
    # Called only for names not yet in this module's namespace: the first use of each
    # API name resolves it on the selected backend and caches it, so later lookups
    # never come here again.
    if name in _API:
        from anythread.selection import resolve

        return resolve(name, _cache)
    if name == "from_kernel":
        from anythread.semantics import from_kernel

        _cache(name, from_kernel)
        return from_kernel
    raise AttributeError(f"module 'anythread' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API | {"from_kernel"})


# Names a program assigns to replace a hook (``threading.excepthook = my_hook``).  Under
# the facade the assignment must reach the backend, whose threads read the hook there;
# rebinding only this module's global would be silently ignored.
_ASSIGNABLE = frozenset({"excepthook"})


class _Facade(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _ASSIGNABLE:
            from anythread.selection import get_backend

            setattr(get_backend(), name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade
