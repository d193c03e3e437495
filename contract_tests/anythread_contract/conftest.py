"""Local configuration of the contract suite's own test modules (loaded only where the
suite is collected)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        # Without pytest-xdist, the grouping mark of process-wide tests means nothing.
        config.addinivalue_line("markers", "xdist_group(name): run these tests together")
