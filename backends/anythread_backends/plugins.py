"""The plugin objects behind anythread's entry points, one per built-in backend.

Each hook returns a :class:`anythread.BackendSpec` only; the backend module itself is
imported when the backend is first used.  A third-party distribution declares its
backend the same way (see ``examples/anythread-fifo``).
"""

from __future__ import annotations

from anythread import BackendSpec, hookimpl

__all__ = ["BuiltinPlugin", "cooperative", "debug", "pure", "stdlib"]


class BuiltinPlugin:
    """A plugin that publishes one fixed :class:`~anythread.BackendSpec`."""

    def __init__(self, spec: BackendSpec) -> None:
        self.spec = spec

    @hookimpl
    def anythread_backends(self) -> list[BackendSpec]:
        return [self.spec]

    def __repr__(self) -> str:
        return f"<anythread built-in plugin {self.spec.name!r}>"


stdlib = BuiltinPlugin(
    BackendSpec(
        "stdlib",
        "anythread_backends.stdlib:backend",
        description="the standard library's own threading objects, zero overhead",
    )
)

pure = BuiltinPlugin(
    BackendSpec(
        "pure",
        "anythread_backends.pure:backend",
        description="every object written in Python over _thread locks (the semantics layer)",
    )
)

cooperative = BuiltinPlugin(
    BackendSpec(
        "cooperative",
        "anythread_backends.cooperative:load",
        description="green threads on greenlet: a hub per OS thread, deadlocks raised, "
        "virtual clock and seeded schedules",
        requires=("greenlet",),
    )
)

debug = BuiltinPlugin(
    BackendSpec(
        "debug",
        "anythread_backends.debug:make_backend",
        description="wraps another backend (debug:NAME) and turns deadlocks and lock-order "
        "inversions into errors",
    )
)
