"""Discovery: find the plugins and ask each one, in turn, which backends it provides.

Plugins come from explicit objects (tests), from ``ANYTHREAD_PLUGINS`` and from the
entry-point group ``anythread``.  Each plugin's hook is called on its own, so a plugin
that fails to import, has no hook or whose hook raises becomes a :class:`Problem` and
never hides the others.  The result is a list of :class:`Claim` objects: nothing is
judged (availability) and nothing is loaded here.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import os
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

import pluggy

from anythread.registry.spec import ENTRY_POINT_GROUP, PLUGINS_ENV, BackendSpec, Hookspecs

__all__ = ["Claim", "Discovery", "Found", "Problem", "describe"]


def describe(exc: BaseException) -> str:
    """Return ``"Type: message"`` for ``exc`` (one line, as a traceback ends)."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


@dataclass(frozen=True)
class Claim:
    """One backend as one plugin declared it."""

    spec: BackendSpec
    plugin: str
    distribution: str = ""
    version: str = ""
    requires_dist: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A plugin that failed before declaring a backend, and why."""

    plugin: str
    reason: str
    distribution: str = ""
    version: str = ""


@dataclass
class Found:
    """What discovery found: claims and problems, in discovery order."""

    claims: list[Claim] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Origin:
    label: str
    distribution: str = ""
    version: str = ""
    requires_dist: tuple[str, ...] = ()

    def problem(self, reason: str) -> Problem:
        return Problem(self.label, reason, self.distribution, self.version)


class Discovery:
    """Finds plugins and collects their claims.

    :param plugins: plugin objects (or ``"module:attr"`` strings), taken before the
        environment's and the entry points'.
    :param entry_points: whether to read the ``anythread`` entry-point group.
    """

    def __init__(self, plugins: Iterable[object] = (), *, entry_points: bool = True) -> None:
        self._plugins = list(plugins)
        self._entry_points = entry_points

    def run(self) -> Found:
        """Find every plugin and call its hook once; return the claims and problems."""
        found = Found()
        manager = pluggy.PluginManager("anythread")
        manager.add_hookspecs(Hookspecs)
        for plugin in self._plugins:
            self._add(found, manager, plugin, _Origin(repr(plugin)))
        env = os.environ.get(PLUGINS_ENV, "")
        for target in filter(None, (t.strip() for t in env.split(","))):
            self._add_target(found, manager, target)
        if self._entry_points:
            group = metadata.entry_points(group=ENTRY_POINT_GROUP)
            for ep in sorted(group, key=lambda e: e.name):
                self._add_entry_point(found, manager, ep)
        return found

    def _add_target(self, found: Found, manager: pluggy.PluginManager, target: str) -> None:
        origin = _Origin(f"{target} (from {PLUGINS_ENV})")
        try:
            module_name, _, attr = target.partition(":")
            obj: object = importlib.import_module(module_name)
            for part in filter(None, attr.split(".")):
                obj = getattr(obj, part)
        except Exception as exc:
            found.problems.append(origin.problem(f"plugin failed to import: {describe(exc)}"))
            return
        self._add(found, manager, obj, origin)

    def _add_entry_point(
        self, found: Found, manager: pluggy.PluginManager, ep: metadata.EntryPoint
    ) -> None:
        dist = ep.dist
        origin = _Origin(
            f"{ep.name} = {ep.value}",
            dist.metadata["Name"] if dist is not None else "",
            dist.version if dist is not None else "",
            tuple(dist.requires or ()) if dist is not None else (),
        )
        try:
            plugin = ep.load()
        except Exception as exc:
            found.problems.append(origin.problem(f"plugin failed to import: {describe(exc)}"))
            return
        self._add(found, manager, plugin, origin)

    def _add(
        self, found: Found, manager: pluggy.PluginManager, plugin: object, origin: _Origin
    ) -> None:
        if isinstance(plugin, str):
            self._add_target(found, manager, plugin)
            return
        if manager.is_registered(plugin):
            return
        try:
            manager.register(plugin, name=origin.label)
        except Exception as exc:
            found.problems.append(origin.problem(f"invalid plugin: {describe(exc)}"))
            return
        impls = [
            impl
            for impl in manager.hook.anythread_backends.get_hookimpls()
            if impl.plugin is plugin
        ]
        if not impls:
            found.problems.append(
                origin.problem(
                    "plugin has no anythread_backends() hook implementation "
                    "(mark it with @anythread.hookimpl)"
                )
            )
        for impl in impls:
            self._call_hook(found, impl.function, origin)

    @staticmethod
    def _call_hook(found: Found, hook: object, origin: _Origin) -> None:
        assert callable(hook)
        try:
            result = hook()
            returned = list(result) if isinstance(result, (list, tuple)) else [result]
        except Exception as exc:
            found.problems.append(
                origin.problem(f"anythread_backends() hook raised {describe(exc)}")
            )
            return
        bad = [spec for spec in returned if not isinstance(spec, BackendSpec)]
        if bad:
            found.problems.append(
                origin.problem(
                    f"anythread_backends() hook returned {bad[0]!r}; "
                    "expected anythread.BackendSpec objects"
                )
            )
            return
        found.claims.extend(
            Claim(spec, origin.label, origin.distribution, origin.version, origin.requires_dist)
            for spec in returned
        )
