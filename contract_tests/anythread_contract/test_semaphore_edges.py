"""Section 16.2.5: Semaphore edge cases that the mutation run found unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``); each checks a sentence of the spec or
CPython's behaviour through the public API only, so it holds any backend to it.
"""

from __future__ import annotations

from typing import Any

import pytest

clause = pytest.mark.clause

_TOO_MANY = r"(?i)too many|exceed"


class TestSemaphoreEdges:
    @clause("BSEM-04")
    @pytest.mark.parametrize(("initial", "taken", "n"), [(1, 1, 2), (2, 2, 3), (3, 1, 2)])
    def test_release_n_beyond_bound_from_any_count(
        self, backend: Any, initial: int, taken: int, n: int
    ) -> None:
        # The bound is on the sum, counter + n, whatever the counter is (zero included).
        sem = backend.BoundedSemaphore(initial)
        for _ in range(taken):
            assert sem.acquire(False) is True
        with pytest.raises(ValueError, match=_TOO_MANY):
            sem.release(n)
        sem.release(taken)  # what was taken can still be given back
        with pytest.raises(ValueError, match=_TOO_MANY):
            sem.release()
