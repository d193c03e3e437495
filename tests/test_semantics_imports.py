"""What the semantics layer may import: the layering rule of docs/architecture.rst, checked.

``anythread.semantics`` imports ``anythread.protocols`` and ``anythread.errors`` of the
project and the standard library, but never ``threading`` nor ``_thread`` (everything
goes through the kernel) nor ``time`` (the kernel's clock is the only clock).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import anythread.semantics

PACKAGE = Path(anythread.semantics.__file__).resolve().parent
MODULES = sorted(PACKAGE.glob("*.py"))
ALLOWED_PROJECT = ("anythread.protocols", "anythread.errors", "anythread.semantics")
FORBIDDEN = {"threading", "_thread", "time", "_threading_local", "dummy_threading"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


class TestImports:
    @pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
    def test_only_protocols_errors_and_the_standard_library(self, path: Path) -> None:
        for name in imported_modules(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN, f"{path.name} imports {name}"
            if top.startswith("anythread"):
                assert name.startswith(ALLOWED_PROJECT), f"{path.name} imports {name}"

    def test_every_module_says_what_it_is_for(self) -> None:
        for path in MODULES:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert docstring, f"{path.name} has no module docstring"
            assert "must not" in docstring, f"{path.name} does not say what it must not do"
