"""Local configuration of the contract suite's own test modules.

It registers the suite's marker where the suite is collected, so that the installed
plugin registers nothing in other projects' test runs.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "clause(*ids): the anythread contract clauses (anythread_contract.clauses) "
        "that this test checks",
    )
    if not config.pluginmanager.hasplugin("xdist"):
        # Without pytest-xdist, the grouping mark of process-wide tests means nothing.
        config.addinivalue_line("markers", "xdist_group(name): run these tests together")
