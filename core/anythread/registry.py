"""The backend registry: which backends exist, and loading one on demand.

Backends are published by plugins.  A plugin is any object with an
``anythread_backends()`` hook implementation (marked with :data:`hookimpl`) that returns
:class:`BackendSpec` objects; distributions advertise their plugins in the entry-point
group ``anythread``.  anythread's own backends are declared through that same group, so a
third-party backend is found, listed, loaded and certified exactly like a built-in one.

Listing backends calls the hooks only: no backend module is imported until a backend is
first used, and then it is checked against :class:`anythread.protocols.Backend`.  A plugin
that fails to import, whose hook raises, or whose backend fails to load is reported as
unavailable with the reason, and never breaks the listing or the other backends.

This module must not import any backend module by name.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import os
import re
import threading
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy

from anythread.protocols import API_NAMES, Backend, missing_attributes

__all__ = [
    "ENTRY_POINT_GROUP",
    "PLUGINS_ENV",
    "BackendInfo",
    "BackendSpec",
    "Registry",
    "hookimpl",
    "hookspec",
    "registry",
]

#: The entry-point group in which distributions declare anythread plugins.
ENTRY_POINT_GROUP = "anythread"
#: Environment variable naming extra plugins to load, comma-separated, each a module or
#: ``module:attribute``: handy to try a backend before it is packaged.
PLUGINS_ENV = "ANYTHREAD_PLUGINS"

hookspec = pluggy.HookspecMarker("anythread")
#: Marks a plugin's ``anythread_backends()`` function as a hook implementation.
hookimpl = pluggy.HookimplMarker("anythread")


@dataclass(frozen=True)
class BackendSpec:
    """What a plugin says about one backend, without loading it.

    :param name: the name users select the backend by (``ANYTHREAD_BACKEND=name``).
    :param load: ``"module:attribute"`` naming the backend object, or a callable that
        returns it.  A callable is called with no argument, or with the option string
        when the user selects ``name:option`` (as in ``debug:pure``).
    :param description: one line for ``anythread backends``.
    :param requires: distributions the backend needs (``"greenlet"``); while one is
        missing the backend is listed as unavailable, with the command that installs it.
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


class _Hookspecs:
    @hookspec
    def anythread_backends(self) -> Sequence[BackendSpec]:  # type: ignore[empty-body]
        """Return the :class:`BackendSpec` of every backend this plugin provides."""


@dataclass
class BackendInfo:
    """One row of :func:`anythread.list_backends`."""

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


@dataclass
class _Entry:
    spec: BackendSpec
    plugin: str
    distribution: str
    version: str
    requires_dist: Sequence[str] = field(default=())


@dataclass
class _Problem:
    plugin: str
    distribution: str
    version: str
    reason: str


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


_REQ_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class Registry:
    """Finds plugins, lists their backends and loads them on demand.

    One instance, :data:`registry`, serves the process; tests build their own with
    explicit plugins.

    :param plugins: extra plugin objects (or ``"module:attr"`` strings) registered
        before the entry points.
    :param entry_points: whether to load the ``anythread`` entry-point group.
    """

    def __init__(self, plugins: Iterable[object] = (), *, entry_points: bool = True) -> None:
        self._extra = list(plugins)
        self._use_entry_points = entry_points
        self._lock = threading.RLock()
        self._discovered = False
        self._entries: dict[str, list[_Entry]] = {}
        self._problems: list[_Problem] = []
        self._loaded: dict[str, Backend] = {}
        self._load_errors: dict[str, str] = {}
        self._pm = pluggy.PluginManager("anythread")
        self._pm.add_hookspecs(_Hookspecs)

    # ------------------------------------------------------------------ discovery

    def _discover(self) -> None:
        with self._lock:
            if self._discovered:
                return
            self._discovered = True
            for plugin in self._extra:
                self._add_plugin_object(plugin, label=repr(plugin), dist=None)
            env = os.environ.get(PLUGINS_ENV, "")
            for target in filter(None, (t.strip() for t in env.split(","))):
                self._add_plugin_target(target)
            if self._use_entry_points:
                for ep in sorted(
                    metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
                ):
                    self._add_entry_point(ep)

    def _add_plugin_target(self, target: str) -> None:
        label = f"{target} (from {PLUGINS_ENV})"
        try:
            module_name, _, attr = target.partition(":")
            obj: object = importlib.import_module(module_name)
            for part in filter(None, attr.split(".")):
                obj = getattr(obj, part)
        except Exception as exc:
            self._problems.append(
                _Problem(label, "", "", f"plugin failed to import: {_describe(exc)}")
            )
            return
        self._add_plugin_object(obj, label=label, dist=None)

    def _add_entry_point(self, ep: metadata.EntryPoint) -> None:
        dist = getattr(ep, "dist", None)
        label = f"{ep.name} = {ep.value}"
        try:
            plugin = ep.load()
        except Exception as exc:
            self._problems.append(
                _Problem(
                    label,
                    dist.name if dist else "",
                    dist.version if dist else "",
                    f"plugin failed to import: {_describe(exc)}",
                )
            )
            return
        self._add_plugin_object(plugin, label=label, dist=dist)

    def _add_plugin_object(
        self, plugin: object, *, label: str, dist: metadata.Distribution | None
    ) -> None:
        dist_name = dist.metadata["Name"] if dist is not None else ""
        dist_version = dist.version if dist is not None else ""
        if isinstance(plugin, str):
            self._add_plugin_target(plugin)
            return
        if self._pm.is_registered(plugin):
            return
        try:
            self._pm.register(plugin, name=label)
        except Exception as exc:
            self._problems.append(
                _Problem(label, dist_name, dist_version, f"invalid plugin: {_describe(exc)}")
            )
            return
        impls = [
            impl
            for impl in self._pm.hook.anythread_backends.get_hookimpls()
            if impl.plugin is plugin
        ]
        if not impls:
            self._problems.append(
                _Problem(
                    label,
                    dist_name,
                    dist_version,
                    "plugin has no anythread_backends() hook implementation "
                    "(mark it with @anythread.hookimpl)",
                )
            )
            return
        requires_dist = (dist.requires or []) if dist is not None else []
        for impl in impls:
            try:
                result = impl.function()
                returned = list(result) if isinstance(result, (list, tuple)) else [result]
            except Exception as exc:
                self._problems.append(
                    _Problem(
                        label,
                        dist_name,
                        dist_version,
                        f"anythread_backends() hook raised {_describe(exc)}",
                    )
                )
                continue
            specs = [s for s in returned if isinstance(s, BackendSpec)]
            bad = [s for s in returned if not isinstance(s, BackendSpec)]
            if bad:
                self._problems.append(
                    _Problem(
                        label,
                        dist_name,
                        dist_version,
                        f"anythread_backends() hook returned {bad[0]!r}; "
                        "expected anythread.BackendSpec objects",
                    )
                )
                continue
            for spec in specs:
                self._entries.setdefault(spec.name, []).append(
                    _Entry(spec, label, dist_name, dist_version, requires_dist)
                )

    # ------------------------------------------------------------------ queries

    @staticmethod
    def _missing_requirement(entry: _Entry) -> str | None:
        for requirement in entry.spec.requires:
            match = _REQ_NAME.match(requirement)
            if match is None:
                return f"invalid requirement {requirement!r} in its spec"
            dist_name = match.group(1)
            try:
                metadata.version(dist_name)
            except metadata.PackageNotFoundError:
                hint = f"pip install {dist_name}"
                for declared in entry.requires_dist:
                    declared_name = _REQ_NAME.match(declared)
                    extra = _EXTRA_MARKER.search(declared)
                    if (
                        declared_name
                        and extra
                        and _canonical(declared_name.group(1)) == _canonical(dist_name)
                    ):
                        hint = f"pip install '{entry.distribution}[{extra.group(1)}]'"
                        break
                return f"requires {dist_name}, which is not installed: {hint}"
        return None

    def _conflict(self, name: str) -> str | None:
        entries = self._entries.get(name, [])
        if len(entries) < 2:
            return None
        claims = " and ".join(
            f"{e.distribution or '(no distribution)'} ({e.plugin})" for e in entries
        )
        return f"backend name {name!r} is claimed by {claims}; uninstall one of these distributions"

    def _info(self, name: str) -> BackendInfo:
        entries = self._entries[name]
        entry = entries[0]
        reason = self._conflict(name) or self._missing_requirement(entry)
        reason = reason or self._load_errors.get(name)
        return BackendInfo(
            name=name,
            available=reason is None,
            reason=reason or "",
            description=entry.spec.description,
            distribution=", ".join(e.distribution for e in entries if e.distribution),
            version=", ".join(e.version for e in entries if e.version),
            load=entry.spec.load,
            plugin=", ".join(e.plugin for e in entries),
        )

    def listing(self) -> list[BackendInfo]:
        """Return every known backend, available or not, without loading any."""
        self._discover()
        with self._lock:
            rows = [self._info(name) for name in sorted(self._entries)]
            for problem in self._problems:
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

    def names(self) -> list[str]:
        """Return the names of the backends whose requirements are met."""
        return [row.name for row in self.listing() if row.available and row.name in self._entries]

    def _unknown(self, name: str) -> LookupError:
        rows = self.listing()
        available = [r.name for r in rows if r.available]
        lines = [
            f"No such backend: {name!r}. Available backends: "
            + (", ".join(repr(n) for n in available) or "none")
            + "."
        ]
        for row in rows:
            if not row.available:
                lines.append(f"  {row.name!r} is unavailable: {row.reason}")
        return LookupError("\n".join(lines))

    def info(self, name: str) -> BackendInfo:
        """Return the listing row for backend ``name`` (``name:option`` allowed).

        :raises LookupError: if no plugin provides that backend.
        """
        self._discover()
        base = name.partition(":")[0]
        with self._lock:
            if base not in self._entries:
                raise self._unknown(base)
            return self._info(base)

    def load(self, name: str) -> Backend:
        """Return the backend called ``name``, loading it on first use.

        ``name`` may carry an option after a colon (``debug:pure``); the spec's loader
        must then be a callable, which receives the option string.

        :raises LookupError: if no plugin provides the backend, or it is unavailable
            (a missing requirement, two plugins claiming the name, a loader that fails
            or returns something that is not a complete backend).
        """
        self._discover()
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            base, sep, option = name.partition(":")
            if base not in self._entries:
                raise self._unknown(base)
            info = self._info(base)
            if not info.available:
                raise LookupError(f"Backend {base!r} is unavailable: {info.reason}")
            entry = self._entries[base][0]
            try:
                backend = self._call_loader(entry, option if sep else None)
            except LookupError:
                raise
            except Exception as exc:
                reason = f"loading {entry.spec.load} failed: {_describe(exc)}"
                if not sep:
                    self._load_errors[base] = reason
                raise LookupError(f"Backend {base!r} is unavailable: {reason}") from exc
            self._loaded[name] = backend
            return backend

    @staticmethod
    def _call_loader(entry: _Entry, option: str | None) -> Backend:
        module_name, _, attr = entry.spec.load.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
        if option is not None:
            if isinstance(obj, Backend) or not callable(obj):
                raise LookupError(
                    f"Backend {entry.spec.name!r} takes no option, "
                    f"but {entry.spec.name}:{option} was asked for"
                )
            backend = obj(option)
        elif isinstance(obj, Backend) or not callable(obj):
            backend = obj
        else:
            backend = obj()
        missing = missing_attributes(
            backend, ("name", "capabilities", "contract_version", *API_NAMES)
        )
        if missing:
            raise TypeError(
                f"{entry.spec.load} gave {backend!r}, which is not a complete anythread "
                f"backend: it lacks {', '.join(missing)}"
            )
        return backend  # type: ignore[no-any-return]

    def loaded(self) -> dict[str, Backend]:
        """Return the backends loaded so far, by the name they were asked for."""
        with self._lock:
            return dict(self._loaded)


#: The process-wide registry behind :func:`anythread.list_backends` and the facade.
registry = Registry()
