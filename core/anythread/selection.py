"""Choosing the backend that ``import anythread`` serves.

The choice comes from :func:`use`, else from the ``ANYTHREAD_BACKEND`` environment
variable, else the default (``stdlib``).  It is made once, at the first use of the
threading API through the facade (or :func:`get_backend` with no name); from then on
asking for another backend is a :class:`RuntimeError`, so one program never mixes the
objects of two backends by accident.

A name is the same wherever it comes from: surrounding blanks are ignored in ``use()``,
``get_backend()`` and ``ANYTHREAD_BACKEND`` alike, and an unknown name is reported with
where it came from and the closest installed name.  Introspection of the facade
(``inspect.getmembers``, ``help()``, tab completion) does not make the choice final.

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
from types import FrameType
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
    :ivar env_value: the value of ``ANYTHREAD_BACKEND`` when the choice was read, or
        None if it was unset (so an empty variable is told apart from an unset one).
    """

    name: str
    source: Source
    fixed: bool
    since: str = ""
    env_value: str | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.explain()})"

    def explain(self) -> str:
        """Say where the choice came from and since when it holds."""
        if self.source == "use":
            how = "chosen with anythread.use()"
        elif self.source == "env":
            how = f"chosen by {BACKEND_ENV}"
        elif self.env_value is None:
            how = f"the default ({BACKEND_ENV} is unset)"
        else:
            how = f"the default ({BACKEND_ENV} is set but empty)"
        state = f"in use since {self.since}" if self.fixed else "not used yet"
        return f"{how}; {state}"


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.used: str | None = None
        self.fixed: Selection | None = None
        self.backend: Backend | None = None
        self.selecting = False


_state = _State()

# Modules whose frames are not the user's: anythread itself, and the import machinery
# (``from anythread import X`` and ``import *`` look names up from importlib).
_NOT_USER = ("anythread", "importlib")
# Modules that read every attribute to show it, not to use it.
_INTROSPECTION = frozenset({"inspect", "pydoc", "rlcompleter"})
_SOURCES = {"use": "anythread.use()", "env": BACKEND_ENV, "default": "the default"}


def _user_frame() -> FrameType | None:
    frame = inspect.currentframe()
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not any(module == m or module.startswith(m + ".") for m in _NOT_USER):
            return frame
        frame = frame.f_back
    return None


def _caller_site() -> str:
    """Return ``file:line`` of the first frame outside anythread and importlib."""
    frame = _user_frame()
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _clean(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"backend name must be {what}, not {type(name).__name__}")
    stripped = name.strip()
    if not stripped:
        raise ValueError(f"backend name must not be empty (got {name!r})")
    return stripped


def _pending() -> Selection:
    env = os.environ.get(BACKEND_ENV)
    if _state.used is not None:
        return Selection(_state.used, "use", fixed=False, env_value=env)
    if env is not None and env.strip():
        return Selection(env.strip(), "env", fixed=False, env_value=env)
    return Selection(DEFAULT_BACKEND, "default", fixed=False, env_value=env)


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

    :param name: a registered backend name (``"pure"``, ``"debug:pure"``, ...);
        surrounding blanks are ignored.
    :raises TypeError: if ``name`` is not a string.
    :raises ValueError: if ``name`` is empty.
    :raises LookupError: if no available backend has that name.
    :raises RuntimeError: if the facade already serves another backend.
    """
    name = _clean(name, "a str")
    with _state.lock:
        if _state.fixed is not None:
            if _state.fixed.name == name:
                return
            raise _refuse(name, "switch to backend")
        registry.load(name, source=_SOURCES["use"])
        _state.used = name


def _reentered() -> RuntimeError:
    doing = registry.activity() or "choosing its backend"
    return RuntimeError(
        f"anythread's facade (or get_backend() with no name) was used while anythread is "
        f"still {doing}, to choose the backend it serves: a plugin's anythread_backends() "
        "hook or a backend's loader must not use the facade, whose backend is not chosen "
        "yet. Name the backend it needs (anythread.get_backend('stdlib')) in a loader, or "
        "use the facade only from the backend's functions, which run after loading."
    )


def _select() -> Backend:
    backend = _state.backend  # once set, never changes (outside tests): no lock needed
    if backend is not None:
        return backend
    with _state.lock:
        if _state.backend is not None:
            return _state.backend
        if _state.selecting:
            raise _reentered()
        pending = _pending()
        _state.selecting = True
        try:
            backend = registry.load(pending.name, source=_SOURCES[pending.source])
        finally:
            _state.selecting = False
        since = f"{_caller_site()} at {time.strftime('%H:%M:%S')}"
        _state.fixed = Selection(
            pending.name, pending.source, fixed=True, since=since, env_value=pending.env_value
        )
        _state.backend = backend
        return backend


def peek(name: str) -> tuple[object] | None:
    """Return ``(value,)`` of API name ``name`` if the facade is being introspected.

    While the choice is not final and the caller is an introspection tool (``inspect``,
    ``pydoc``, ``rlcompleter``), the value comes from the backend that *would* be chosen,
    and nothing is fixed or cached.  Otherwise return None: the caller uses the name.

    :raises AttributeError: if that backend cannot be loaded (introspection skips it).
    """
    if _state.backend is not None:
        return None
    with _state.lock:
        if _state.backend is not None or _state.selecting:
            return None
        frame = _user_frame()
        if frame is None or frame.f_globals.get("__name__") not in _INTROSPECTION:
            return None
        pending = _pending()
        try:
            backend = registry.load(pending.name, source=_SOURCES[pending.source])
        except LookupError as exc:
            raise AttributeError(f"module 'anythread' has no attribute {name!r}: {exc}")
        return (getattr(backend, name),)


def get_backend(name: str | None = None) -> Backend:
    """Return a backend object.

    With no name, return the backend the facade serves, making the choice final.  With a
    name, return that backend without touching the facade's choice: its attributes are
    the whole threading API (``get_backend("pure").Lock()``).

    :raises TypeError: if ``name`` is neither a string nor None.
    :raises ValueError: if ``name`` is empty.
    :raises LookupError: if no available backend has that name.
    :raises RuntimeError: if called with no name while the backend is being chosen (by a
        plugin's hook or a backend's loader).
    """
    if name is None:
        return _select()
    return registry.load(_clean(name, "a str or None"), source="anythread.get_backend()")


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
