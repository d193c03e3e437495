"""anythread: Python's ``threading`` API over pluggable backends.

Write ``import anythread as threading`` once; the backend underneath is chosen by
``ANYTHREAD_BACKEND``, :func:`use` or :func:`get_backend`.  The names of the threading
API (``Lock``, ``Thread``, ``current_thread``, ...) are looked up on the selected backend
at first use and then cached in this module, so they *are* the backend's own objects:
under ``stdlib``, ``anythread.Lock is threading.Lock`` and no wrapper sits in the call
path.  Assignable names (``excepthook``) are not cached: they are read from, and written
to, the backend every time, so ``threading.excepthook = f`` is seen here as well.

For type checkers the API names *are* ``threading``'s and ``time``'s (bound under
``TYPE_CHECKING`` only), so ``import anythread as threading`` type-checks exactly like
``import threading``; the module ``__getattr__`` is hidden from them, so a misspelt
name is an error, not ``Any``.

This module is the facade.  It must not import a backend module by name, and it must not
choose the backend at import time: the choice is made at the first use of the API.
Introspection (``dir()``, :func:`inspect.getmembers`, ``help()``) does not make it.

(PYTEST_DONT_REWRITE: ``anythread run -m pytest`` imports this package before pytest
starts, so pytest could not rewrite its asserts; there are none to rewrite, and the
marker spares every such run pytest's warning about it.)
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from anythread.errors import BrokenBarrierError as BrokenBarrierError
from anythread.errors import DeadlockError, LockOrderError, WaitSite
from anythread.errors import ThreadError as ThreadError
from anythread.protocols import API_NAMES, CONTRACT_VERSION, Backend, Capability, Kernel
from anythread.registry import BackendInfo, BackendSpec, hookimpl, hookspec
from anythread.selection import (
    Selection,
    current_backend,
    get_backend,
    list_backends,
    use,
)
from anythread.selection import peek as _peek
from anythread.selection import resolve as _resolve

if TYPE_CHECKING:
    # The static face of the facade: the standard library's own names and types.  At
    # run time none of these is bound here until first use (see __getattr__ below).
    from threading import TIMEOUT_MAX as TIMEOUT_MAX
    from threading import Barrier as Barrier
    from threading import BoundedSemaphore as BoundedSemaphore
    from threading import Condition as Condition
    from threading import Event as Event
    from threading import ExceptHookArgs as ExceptHookArgs
    from threading import Lock as Lock
    from threading import RLock as RLock
    from threading import Semaphore as Semaphore
    from threading import Thread as Thread
    from threading import Timer as Timer
    from threading import active_count as active_count
    from threading import activeCount as activeCount
    from threading import current_thread as current_thread
    from threading import currentThread as currentThread
    from threading import enumerate as enumerate
    from threading import excepthook as excepthook
    from threading import get_ident as get_ident
    from threading import get_native_id as get_native_id
    from threading import getprofile as getprofile
    from threading import gettrace as gettrace
    from threading import local as local
    from threading import main_thread as main_thread
    from threading import setprofile as setprofile
    from threading import settrace as settrace
    from threading import stack_size as stack_size
    from time import monotonic as monotonic
    from time import sleep as sleep

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

# Names a program assigns to replace a hook (``threading.excepthook = my_hook``).  They
# are served by properties of the module's class: read from the backend every time (the
# backend's value may change behind the facade, as pytest changes threading's), and
# assigned on the backend, whose threads read the hook there.
_ASSIGNABLE = frozenset({"excepthook"})
_API = frozenset(API_NAMES)


def _cache(name: str, value: object) -> None:
    if name not in _ASSIGNABLE:
        globals()[name] = value


if not TYPE_CHECKING:  # hidden from type checkers: an unknown name must be an error

    def __getattr__(name: str) -> Any:
        # Called only for names not yet in this module's namespace: the first use of
        # each API name resolves it on the selected backend and caches it, so later
        # lookups never come here again.  Introspection gets the value without making
        # the choice final (and nothing is cached).
        if name in _API:
            peeked = _peek(name)
            if peeked is not None:
                return peeked[0]
            return _resolve(name, _cache)
        if name == "from_kernel":
            from anythread.semantics import from_kernel

            globals()[name] = from_kernel
            return from_kernel
        raise AttributeError(f"module 'anythread' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API | {"from_kernel"})


def _read_through(name: str) -> property:
    def fget(module: types.ModuleType) -> Any:
        peeked = _peek(name)
        if peeked is not None:
            return peeked[0]
        return getattr(get_backend(), name)

    def fset(module: types.ModuleType, value: Any) -> None:
        setattr(get_backend(), name, value)

    return property(fget, fset, doc=f"The selected backend's {name}, read through.")


class _Facade(types.ModuleType):
    excepthook = _read_through("excepthook")


sys.modules[__name__].__class__ = _Facade
