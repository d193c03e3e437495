"""Section 16.2.9: every lock-like object is a context manager."""

from __future__ import annotations

from typing import Any

import pytest

from anythread_contract._support import spawn

clause = pytest.mark.clause
LOCK_LIKES = ["Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore"]


def _free(backend: Any, obj: Any) -> bool:
    """Whether another thread can acquire ``obj`` now (releasing it again at once)."""

    def probe() -> bool:
        if obj.acquire(False):
            obj.release()
            return True
        return False

    return bool(spawn(backend, probe).join())


@pytest.mark.parametrize("kind", LOCK_LIKES)
class TestWith:
    @clause("WITH-01")
    def test_with_acquires_and_releases(self, backend: Any, kind: str) -> None:
        obj = getattr(backend, kind)()
        with obj as entered:
            assert entered is True
            assert _free(backend, obj) is False
        assert _free(backend, obj) is True

    @clause("WITH-02")
    def test_with_releases_on_exception(self, backend: Any, kind: str) -> None:
        obj = getattr(backend, kind)()
        held: list[bool] = []

        def block() -> None:
            with obj:
                held.append(_free(backend, obj))
                raise ZeroDivisionError

        with pytest.raises(ZeroDivisionError):
            block()
        assert held == [False]
        assert _free(backend, obj) is True
