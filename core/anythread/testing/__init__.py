"""Testing with anythread: schedule search, and your tests on every backend.

:func:`explore` runs a test body under many cooperative schedules (PCT or seeded
random), each in a world of its own, and stops at the first failure with the schedule
line that replays it exactly; :class:`ExploreFailure` carries that line.  The pytest
plugin :mod:`anythread.testing.pytest_explore` offers the same as the marker
``@pytest.mark.anythread_explore(...)`` and the option ``--anythread-replay LINE``; the
pytest plugin
:mod:`anythread.testing.pytest_backends` runs a test once per backend
(``--anythread-backends``).

The facade serves one backend per process: :func:`explore` uses it, so it must be
``cooperative`` or ``debug:cooperative`` (chosen for you, ``cooperative:virtual``, if
nothing chose one yet).
"""

from __future__ import annotations

from anythread.testing._explore import (
    ExploreFailure,
    ExploreResult,
    NotCooperativeError,
    Progress,
    explore,
)

__all__ = ["ExploreFailure", "ExploreResult", "NotCooperativeError", "Progress", "explore"]

for _public in (ExploreFailure, ExploreResult, NotCooperativeError, Progress, explore):
    _public.__module__ = __name__
del _public
