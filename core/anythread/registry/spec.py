"""What plugins declare: :class:`BackendSpec`, the hook, and the rows of the listing.

This module only declares; it imports nothing of the project and no backend.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pluggy

__all__ = [
    "ENTRY_POINT_GROUP",
    "PLUGINS_ENV",
    "BackendInfo",
    "BackendSpec",
    "Hookspecs",
    "hookimpl",
    "hookspec",
]

#: The entry-point group in which distributions declare anythread plugins.
ENTRY_POINT_GROUP = "anythread"
#: Environment variable naming extra plugins to load, comma-separated, each a module or
#: ``module:attribute``: handy to try a backend before it is packaged.
PLUGINS_ENV = "ANYTHREAD_PLUGINS"

#: Marks the hook specifications of anythread's plugin interface.
hookspec = pluggy.HookspecMarker("anythread")
#: Marks a plugin's ``anythread_backends()`` function as a hook implementation.
hookimpl = pluggy.HookimplMarker("anythread")


@dataclass(frozen=True)
class BackendSpec:
    """What a plugin says about one backend, without loading it.

    :param name: the name users select the backend by (``ANYTHREAD_BACKEND=name``).  The
        built-in names (``stdlib``, ``pure``, ``cooperative``, ``debug``) are reserved for
        anythread itself: another distribution's claim on one is refused.
    :param load: ``"module:attribute"`` naming the backend object, or a callable that
        returns it.  A callable is called with no argument, or with the option string
        when the user selects ``name:option`` (as in ``debug:pure``).
    :param description: one line for ``anythread backends``.
    :param requires: distributions the backend needs (``"greenlet"``); while one is
        missing the backend is listed as unavailable, with the command that installs it.
    :raises ValueError: if ``name`` or ``load`` is malformed.
    """

    name: str
    load: str
    description: str = ""
    requires: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", self.name):
            raise ValueError(
                f"invalid backend name {self.name!r}: use letters, digits, '_', '.' or '-'"
            )
        if not isinstance(self.load, str) or not re.fullmatch(r"[\w.]+:[\w.]+", self.load):
            raise ValueError(
                f"invalid load target {self.load!r} for backend {self.name!r}: "
                "expected 'module:attribute'"
            )
        object.__setattr__(self, "requires", tuple(self.requires))


class Hookspecs:
    """The plugin interface: the one hook a plugin implements."""

    @hookspec
    def anythread_backends(self) -> Sequence[BackendSpec]:  # type: ignore[empty-body]
        """Return the :class:`BackendSpec` of every backend this plugin provides."""


@dataclass
class BackendInfo:
    """One row of :func:`anythread.list_backends`.

    A refused claim (a plugin claiming a built-in name) and a plugin that failed before
    declaring anything are rows too, never available, with the reason.
    """

    name: str
    available: bool
    reason: str
    description: str = ""
    distribution: str = ""
    version: str = ""
    load: str = ""
    plugin: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the row as a JSON-serialisable dictionary."""
        return {
            "name": self.name,
            "available": self.available,
            "reason": self.reason,
            "description": self.description,
            "distribution": self.distribution,
            "version": self.version,
            "load": self.load,
            "plugin": self.plugin,
        }
