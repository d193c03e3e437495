"""Section 16.2 and the objects' camelCase aliases: where their deprecation warnings point.

A test here kills mutants of the semantics layer that the rest of the suite let survive
(see ``mutation/REPORT.md``): a warning that names the library's own line, or a line
of the caller's caller, tells the user nothing about which call to change.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import pytest

clause = pytest.mark.clause


def _thread(backend: Any) -> Any:
    return backend.Thread(target=lambda: None)


def _notify_all(backend: Any) -> None:
    cond = backend.Condition()
    with cond:
        cond.notifyAll()


ALIASES: dict[str, Callable[[Any], object]] = {
    "activeCount": lambda backend: backend.activeCount(),
    "currentThread": lambda backend: backend.currentThread(),
    "Thread.getName": lambda backend: _thread(backend).getName(),
    "Thread.setName": lambda backend: _thread(backend).setName("renamed"),
    "Thread.isDaemon": lambda backend: _thread(backend).isDaemon(),
    "Thread.setDaemon": lambda backend: _thread(backend).setDaemon(True),
    "Condition.notifyAll": _notify_all,
    "Event.isSet": lambda backend: backend.Event().isSet(),
}


def _calling_line(call: Callable[[Any], object], alias: str) -> int:
    """The line of ``call``'s source that calls ``alias``."""
    lines, first = inspect.getsourcelines(call)
    name = alias.rsplit(".", 1)[-1]
    return first + next(i for i, line in enumerate(lines) if f"{name}(" in line)


@clause("MOD-ALIAS-WARN-01")
@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_deprecated_alias_warning_points_at_the_caller(backend: Any, alias: str) -> None:
    call = ALIASES[alias]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(backend)
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert deprecations, f"{alias}() did not warn"
    where = [(w.filename, w.lineno) for w in deprecations]
    assert where == [(__file__, _calling_line(call, alias))] * len(deprecations), (
        f"{alias}()'s DeprecationWarning points at {where}, not at the line that called it"
    )
