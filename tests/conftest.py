"""Shared fixtures of the project's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anythread import selection


@pytest.fixture
def fresh_facade(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A facade that has chosen nothing yet, with no backend env var set."""
    monkeypatch.delenv(selection.BACKEND_ENV, raising=False)
    selection._reset_for_tests()
    yield
    selection._reset_for_tests()
