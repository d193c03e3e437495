"""A real actor library's own test suite under ``anythread run``, green threads included.

pykka (actors, each running in a thread of its own, talking through ``queue.Queue``
inboxes and futures; pure Python on ``threading`` and ``queue``) ships its tests in its
sdist.  This script downloads that sdist from the package index, installs it with its
test dependencies into a scratch directory, and runs its tests seven ways at once:

    python -m pytest tests
    anythread run -b pure                -m pytest tests
    anythread run -b debug               -m pytest tests
    anythread run -b cooperative         -m pytest tests
    anythread run -b cooperative:virtual -m pytest tests
    anythread run -b debug:cooperative   -m pytest tests
    ANYTHREAD_SCHEDULE=random:1 anythread run -b cooperative -m pytest tests

It exits 0 only if every run's outcomes equal plain Python's, test by test, apart from
the differences listed in ``known`` with their reason (and a listed difference that is
gone is reported too, so the list stays true): see ``_suite.py``.

The seeded random schedule finds a race in one of pykka's tests: ``ask("ping",
timeout=0)`` expects the actor not to have answered yet, but the actor thread may
answer between the message's ``put()`` and the future's ``get()``.  Plain threads do so
rarely (the GIL hands over every 5 ms); under a random schedule the ``put()`` is a
scheduling point, and the actor often runs first.  The test is listed in ``races``:
reported with its outcome, not judged.  Needs network access to the package index.

Usage: python tests/thirdparty/check_pykka.py [--keep DIR]
"""

from __future__ import annotations

import sys

from _suite import Run, Suite, main

_RACE = (
    "the test races the actor's reply: ask(timeout=0) fails only if the actor has not "
    "answered yet, and a random schedule may let it answer first"
)

SUITE = Suite(
    package="pykka",
    version="4.1.1",
    # pydantic for the proxy tests; pinned, each with what it needs, nothing more.
    test_dependencies=(
        "pytest-mock==3.17.0",
        "pydantic==2.14.4",
        "pydantic-core==2.50.5",
        "annotated-types==0.8.0",
        "typing-inspection==0.4.5",
        "typing-extensions==4.16.0",
    ),
    exact=True,
    runs={
        "pure": Run("pure"),
        "debug": Run("debug"),
        "cooperative": Run("cooperative"),
        "cooperative:virtual": Run("cooperative:virtual"),
        "debug:cooperative": Run("debug:cooperative"),
        "random:1": Run("cooperative", {"ANYTHREAD_SCHEDULE": "random:1"}),
    },
    known={},
    races={
        "random:1": {
            "tests.test_ref::test_ask_can_timeout_if_blocked_too_long[threading]": _RACE,
        },
    },
)

if __name__ == "__main__":
    sys.exit(main(SUITE, __doc__ or ""))
