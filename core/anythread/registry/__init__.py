"""The backend registry: which backends exist, and loading one on demand.

Backends are published by plugins.  A plugin is any object with an
``anythread_backends()`` hook implementation (marked with :data:`hookimpl`) that returns
:class:`BackendSpec` objects; distributions advertise their plugins in the entry-point
group ``anythread``.  anythread's own backends are declared through that same group, so a
third-party backend is found, listed, loaded and certified exactly like a built-in one;
the built-in names are reserved for anythread's own distribution.

The work is split in three steps, one module each: :mod:`~anythread.registry.discovery`
(find plugins, call each hook on its own), :mod:`~anythread.registry.availability` (judge
the claims: reserved names, conflicts, missing requirements) and
:mod:`~anythread.registry.loading` (import a backend, check it against
:class:`anythread.protocols.Backend`, cache it).  :class:`Registry` runs them in order,
under one lock, and refuses re-entrant use from a plugin's hook or a loader with an
error that says so.

Listing backends calls the hooks only: no backend module is imported until a backend is
first used.  A plugin that fails is reported as unavailable with the reason, and never
breaks the listing or the other backends.  This package must not import any backend
module by name.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from anythread.protocols import Backend
from anythread.registry.availability import BUILTIN_NAMES, Availability
from anythread.registry.discovery import Discovery
from anythread.registry.loading import Loader
from anythread.registry.spec import (
    ENTRY_POINT_GROUP,
    PLUGINS_ENV,
    BackendInfo,
    BackendSpec,
    hookimpl,
    hookspec,
)

__all__ = [
    "BUILTIN_NAMES",
    "ENTRY_POINT_GROUP",
    "PLUGINS_ENV",
    "BackendInfo",
    "BackendSpec",
    "Registry",
    "hookimpl",
    "hookspec",
    "registry",
]

_DISCOVERING = "discovering plugins (calling their anythread_backends() hooks)"


class Registry:
    """Finds plugins, lists their backends and loads them on demand.

    One instance, :data:`registry`, serves the process; tests build their own with
    explicit plugins.

    :param plugins: extra plugin objects (or ``"module:attr"`` strings) registered
        before the entry points.
    :param entry_points: whether to load the ``anythread`` entry-point group.
    """

    def __init__(self, plugins: Iterable[object] = (), *, entry_points: bool = True) -> None:
        self._discovery = Discovery(plugins, entry_points=entry_points)
        self._loader = Loader()
        # One lock for all three steps; only its owner can be inside, so a step that
        # finds another one in progress was re-entered by a hook or a loader.
        self._lock = threading.RLock()
        self._availability: Availability | None = None
        self._activity: list[str] = []

    def activity(self) -> str | None:
        """Say what the calling thread's registry is in the middle of, if anything."""
        with self._lock:
            return self._activity[-1] if self._activity else None

    @contextmanager
    def _doing(self, what: str) -> Iterator[None]:
        self._activity.append(what)
        try:
            yield
        finally:
            self._activity.pop()

    def _judged(self) -> Availability:
        with self._lock:
            if self._availability is not None:
                return self._availability
            if _DISCOVERING in self._activity:
                raise RuntimeError(
                    "anythread's registry was used while it is still discovering plugins: "
                    "a plugin's anythread_backends() hook called anythread.get_backend(), "
                    "use(), list_backends() or the facade. A hook must only return "
                    "BackendSpec objects; load other backends from the backend's loader "
                    "or its functions instead."
                )
            with self._doing(_DISCOVERING):
                found = self._discovery.run()
            self._availability = Availability(found)
            return self._availability

    def _row(self, availability: Availability, name: str) -> BackendInfo:
        claims = availability.claims(name)
        reason = availability.reason(name) or self._loader.failure(name)
        return BackendInfo(
            name=name,
            available=reason is None,
            reason=reason or "",
            description=claims[0].spec.description,
            distribution=", ".join(c.distribution for c in claims if c.distribution),
            version=", ".join(c.version for c in claims if c.version),
            load=claims[0].spec.load,
            plugin=", ".join(c.plugin for c in claims),
        )

    def listing(self) -> list[BackendInfo]:
        """Return every known backend, available or not, without loading any.

        Then one row per refused claim (a plugin claiming a built-in name) and one per
        plugin that failed before declaring a backend, each with its reason.
        """
        with self._lock:
            judged = self._judged()
            rows = [self._row(judged, name) for name in judged.names()]
            for refusal in judged.refused:
                claim = refusal.claim
                rows.append(
                    BackendInfo(
                        name=claim.spec.name,
                        available=False,
                        reason=refusal.reason,
                        description=claim.spec.description,
                        distribution=claim.distribution,
                        version=claim.version,
                        load=claim.spec.load,
                        plugin=claim.plugin,
                    )
                )
            for problem in judged.problems:
                rows.append(
                    BackendInfo(
                        name=problem.plugin.split(" ", 1)[0],
                        available=False,
                        reason=problem.reason,
                        distribution=problem.distribution,
                        version=problem.version,
                        plugin=problem.plugin,
                    )
                )
            return rows

    def load(self, name: str, *, source: str = "") -> Backend:
        """Return the backend called ``name``, loading it on first use.

        ``name`` may carry an option after a colon (``debug:pure``); the spec's loader
        must then be a callable, which receives the option string.

        :param source: where the name came from (``"ANYTHREAD_BACKEND"``,
            ``"anythread.use()"``), for the error message.
        :raises LookupError: if no plugin provides the backend, or it is unavailable
            (a missing requirement, two plugins claiming the name, a loader that fails
            or returns something that is not a complete backend).
        :raises RuntimeError: if the backend's own loader asks for it (re-entrant use).
        """
        with self._lock:
            judged = self._judged()
            cached = self._loader.cached(name)
            if cached is not None:
                return cached
            base, sep, option = name.partition(":")
            claims = judged.claims(base)
            if not claims:
                raise self._unknown(judged, base, source)
            reason = judged.reason(base) or self._loader.failure(base)
            if reason is not None:
                raise LookupError(f"Backend {base!r} is unavailable: {reason}")
            loading = f"loading backend {name!r} ({claims[0].spec.load})"
            if loading in self._activity:
                raise RuntimeError(
                    f"backend {name!r} was asked for while anythread is still {loading}: "
                    "its loader (or code it runs) asks for the backend being loaded."
                )
            with self._doing(loading):
                return self._loader.load(claims[0], option if sep else None)

    def _unknown(self, judged: Availability, name: str, source: str) -> LookupError:
        rows = self.listing()
        available = sorted({row.name for row in rows if row.available})
        origin = f" (named by {source})" if source else ""
        if judged.missing_builtin(name):
            first = (
                f"Backend {name!r}{origin} is one of anythread's own backends, but this "
                "installation of anythread does not declare it (its entry points are "
                "missing, as when the source tree is used without installing it): "
                "reinstall anythread, for example with pip install --force-reinstall anythread."
            )
        else:
            first = f"No such backend: {name!r}{origin}."
            close = difflib.get_close_matches(name, judged.names(), n=1)
            if close:
                first += f" Did you mean {close[0]!r}?"
        lines = [
            f"{first} Available backends: "
            + (", ".join(repr(n) for n in available) or "none")
            + "."
        ]
        lines += [
            f"  {row.name!r} is unavailable: {row.reason}" for row in rows if not row.available
        ]
        return LookupError("\n".join(lines))


#: The process-wide registry behind :func:`anythread.list_backends` and the facade.
registry = Registry()
