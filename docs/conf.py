"""Sphinx configuration for anythread's documentation."""

from __future__ import annotations

import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
for folder in ("core", "backends", "contract_tests", "docs/_ext"):
    sys.path.insert(0, os.path.join(ROOT, folder))

project = "anythread"
author = "The anythread developers"
copyright = "2026, The anythread developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "anythread_clauses",
]
# No intersphinx: the docs build offline (CI has no network), with warnings as errors.

html_theme = "furo"
html_title = "anythread"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
nitpicky = False
exclude_patterns = ["_build", "_ext"]
