"""The pytest plugin of schedule search: the ``anythread_explore`` marker and
``--anythread-replay``.

Registered by the ``pytest11`` entry point ``anythread_explore``; inert unless a test
carries the marker (it imports no backend and chooses none until then)::

    @pytest.mark.anythread_explore(runs=200, schedule="pct", depth=2)
    def test_counter():
        ...  # a test body written against ``import anythread as threading``

runs the test body as :func:`anythread.testing.explore` does (the marker's keywords are
its keywords), and fails with the :class:`~anythread.testing.ExploreFailure` of the
first failing run, whose message holds the line to replay.
``pytest --anythread-replay LINE`` runs every selected marked test once, exactly under
``LINE`` (select the one test with its node id); a ``LINE`` that is not a schedule line
is a usage error (exit status 4) before any test runs, and an empty one is the option
left out (the marked tests search).  Fixtures are set up once, before the
search: the test body must create the objects its threads share.  Where the process
serves a backend other than ``cooperative`` or ``debug:cooperative`` (a run of the suite
on every backend), a marked test is skipped, saying why.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

__all__ = ["pytest_addoption", "pytest_configure", "pytest_pyfunc_call"]

MARKER = "anythread_explore"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("anythread", "anythread")
    group.addoption(
        "--anythread-replay",
        metavar="LINE",
        default=None,
        help="run each selected test marked anythread_explore once, exactly under the "
        "schedule LINE (as printed by a failing search); empty: search as without it",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(runs=100, schedule='pct', depth=3, clock=None, seed=0, ...): run the "
        "test body under many cooperative schedules (anythread.testing.explore)",
    )
    replay = config.getoption("--anythread-replay")
    if replay is None or not replay.strip():
        return
    from anythread.testing._explore import LINE_FORMS, is_schedule_line

    try:
        valid = is_schedule_line(replay)
    except ImportError:
        return  # no greenlet: each marked test says so when it runs
    if not valid:
        raise pytest.UsageError(
            f"--anythread-replay {replay!r} is not a schedule line: expected {LINE_FORMS}. "
            "Copy the line a failing search printed after --anythread-replay, or leave "
            "the option out to search."
        )


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    marker = pyfuncitem.get_closest_marker(MARKER)
    if marker is None:
        return None
    from anythread.testing import NotCooperativeError, explore

    if marker.args:
        raise TypeError(
            f"@pytest.mark.{MARKER} takes keyword arguments only (runs=..., "
            f"schedule=..., depth=...), got {marker.args!r}"
        )
    options: dict[str, Any] = dict(marker.kwargs)
    replay = pyfuncitem.config.getoption("--anythread-replay")
    if replay:
        options["replay"] = replay
    function = pyfuncitem.obj
    names = inspect.signature(function).parameters
    arguments = {name: value for name, value in pyfuncitem.funcargs.items() if name in names}
    __tracebackhide__ = True
    try:
        explore(lambda: function(**arguments), **options)
    except NotCooperativeError as error:
        # Run on every backend (--anythread-backends), a search is for cooperative only.
        pytest.skip(f"{MARKER}: {error}")
    return True
