"""Choosing the backend that ``import anythread`` serves.

The choice comes from :func:`use`, else from the ``ANYTHREAD_BACKEND`` environment
variable, else the default (``stdlib``).  It is made once, at the first use of the
threading API through the facade (or :func:`get_backend` with no name); from then on
asking for another backend is a :class:`RuntimeError`, so one program never mixes the
objects of two backends by accident.

This module must not import any backend module by name: backends come from the registry.
"""

from __future__ import annotations

import inspect
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from anythread.protocols import API_NAMES, Backend
from anythread.registry import BackendInfo, registry

__all__ = [
    "BACKEND_ENV",
    "DEFAULT_BACKEND",
    "Selection",
    "current_backend",
    "get_backend",
    "list_backends",
    "use",
]

#: The environment variable that names the backend.
BACKEND_ENV = "ANYTHREAD_BACKEND"
#: The backend used when neither :func:`use` nor ``ANYTHREAD_BACKEND`` names one.
DEFAULT_BACKEND = "stdlib"

Source = Literal["use", "env", "default"]

# Names the facade binds at import because they are the same for every backend.
_STATIC_NAMES = frozenset({"ThreadError", "BrokenBarrierError"})


@dataclass(frozen=True)
class Selection:
    """Which backend the facade serves, and why.

    :ivar name: the backend's name (as selected, options included: ``debug:pure``).
    :ivar source: ``"use"`` (:func:`anythread.use`), ``"env"`` (``ANYTHREAD_BACKEND``)
        or ``"default"``.
    :ivar fixed: whether the choice is final (the facade has been used).
    :ivar since: where and when the choice became final (``"app.py:12 at 10:31:02"``),
        or ``""`` while it is not.
    """

    name: str
    source: Source
    fixed: bool
    since: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.explain()})"

    def explain(self) -> str:
        """Say where the choice came from and since when it holds."""
        how = {
            "use": "chosen with anythread.use()",
            "env": f"chosen by {BACKEND_ENV}",
            "default": f"the default ({BACKEND_ENV} is unset)",
        }[self.source]
        state = f"in use since {self.since}" if self.fixed else "not used yet"
        return f"{how}; {state}"


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.used: str | None = None
        self.fixed: Selection | None = None
        self.backend: Backend | None = None


_state = _State()


def _caller_site() -> str:
    """Return ``file:line`` of the first frame outside anythread's core."""
    frame = inspect.currentframe()
    here = os.path.dirname(__file__)
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == here:
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _pending() -> Selection:
    if _state.used is not None:
        return Selection(_state.used, "use", fixed=False)
    env = os.environ.get(BACKEND_ENV, "").strip()
    if env:
        return Selection(env, "env", fixed=False)
    return Selection(DEFAULT_BACKEND, "default", fixed=False)


def current_backend() -> Selection:
    """Say which backend the facade serves (or will serve) and where the choice came from.

    This does not make the choice final.
    """
    with _state.lock:
        return _state.fixed or _pending()


def _refuse(name: str, what: str) -> RuntimeError:
    fixed = _state.fixed
    assert fixed is not None
    return RuntimeError(
        f"cannot {what} {name!r}: anythread already uses backend {fixed.name!r} "
        f"({fixed.explain()}). The backend is chosen once per process; call "
        f"anythread.use({name!r}) before the first use of anythread's API, or set "
        f"{BACKEND_ENV}={name} before the program starts."
    )


def use(name: str) -> None:
    """Choose the backend the facade serves.

    Call it before the first use of the threading API through ``anythread``; calling it
    again with another name before then replaces the choice.

    :param name: a registered backend name (``"pure"``, ``"debug:pure"``, ...).
    :raises LookupError: if no available backend has that name.
    :raises RuntimeError: if the facade already serves another backend.
    """
    if not isinstance(name, str):
        raise TypeError(f"backend name must be a str, not {type(name).__name__}")
    with _state.lock:
        if _state.fixed is not None:
            if _state.fixed.name == name:
                return
            raise _refuse(name, "switch to backend")
        registry.load(name)
        _state.used = name


def _select() -> Backend:
    with _state.lock:
        if _state.backend is not None:
            return _state.backend
        pending = _pending()
        backend = registry.load(pending.name)
        since = f"{_caller_site()} at {time.strftime('%H:%M:%S')}"
        _state.fixed = Selection(pending.name, pending.source, fixed=True, since=since)
        _state.backend = backend
        return backend


def get_backend(name: str | None = None) -> Backend:
    """Return a backend object.

    With no name, return the backend the facade serves, making the choice final.  With a
    name, return that backend without touching the facade's choice: its attributes are
    the whole threading API (``get_backend("pure").Lock()``).

    :raises LookupError: if no available backend has that name.
    """
    if name is None:
        return _select()
    if not isinstance(name, str):
        raise TypeError(f"backend name must be a str or None, not {type(name).__name__}")
    return registry.load(name)


def list_backends() -> list[BackendInfo]:
    """Return every backend that plugins declare, available or not, loading none."""
    return registry.listing()


def resolve(name: str, cache: Callable[[str, object], None]) -> object:
    """Return attribute ``name`` of the selected backend and hand it to ``cache``."""
    value = getattr(_select(), name)
    cache(name, value)
    return value


def _reset_for_tests() -> None:
    """Forget the choice and the facade's cached names (tests only: a real program
    chooses once)."""
    with _state.lock:
        _state.used = None
        _state.fixed = None
        _state.backend = None
        facade = sys.modules.get("anythread")
        if facade is not None:
            for name in API_NAMES:
                if name not in _STATIC_NAMES:
                    vars(facade).pop(name, None)
