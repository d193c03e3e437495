"""Which contract test checks which clause: read from the tests' ``clause`` markers.

The project's catalogue test uses this to prove that every clause has a test and every
test names a real clause, and the plugin uses it to attribute a report that carries no
item (an xdist worker that crashed on a timeout) to its clauses.

This module imports the suite's test modules but runs nothing, and must not import
pytest plugins or backends.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

__all__ = ["MARKER", "clauses_of", "contract_modules", "contract_test_clauses"]

#: The marker a contract test uses to name the clauses it checks.
MARKER = "clause"


def contract_modules() -> list[ModuleType]:
    """Import and return every ``test_*`` module of the suite."""
    import anythread_contract

    return [
        importlib.import_module(f"anythread_contract.{info.name}")
        for info in pkgutil.iter_modules(anythread_contract.__path__)
        if info.name.startswith("test_")
    ]


def _marks(obj: object) -> list[Any]:
    marks = getattr(obj, "pytestmark", [])
    return list(marks) if isinstance(marks, list) else [marks]


def clauses_of(obj: object, owner: object = None) -> tuple[str, ...]:
    """Return the clause ids named by the ``clause`` markers of ``obj`` (and its class)."""
    ids: list[str] = []
    for holder in (owner, obj):
        for mark in _marks(holder) if holder is not None else []:
            if getattr(mark, "name", None) == MARKER:
                ids.extend(str(arg) for arg in mark.args)
    return tuple(dict.fromkeys(ids))


def contract_test_clauses() -> Iterator[tuple[str, tuple[str, ...]]]:
    """Yield ``("module::Class::test_name", clause_ids)`` for every contract test."""
    for module in contract_modules():
        short = module.__name__.rpartition(".")[2]
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and name.startswith("test"):
                yield f"{short}.py::{name}", clauses_of(obj)
            elif inspect.isclass(obj) and name.startswith("Test"):
                for attr, method in vars(obj).items():
                    if inspect.isfunction(method) and attr.startswith("test"):
                        yield f"{short}.py::{name}::{attr}", clauses_of(method, obj)
