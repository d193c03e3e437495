"""A real scheduler's own test suite under ``anythread run``, green threads included.

APScheduler 3 (job scheduling: a scheduler thread that sleeps on a ``threading.Event``
until the next job is due, job stores under an ``RLock``, jobs run by a thread pool of
:mod:`concurrent.futures`; pure Python) ships its tests in its sdist.  This script
downloads that sdist from the package index, installs it with its test dependencies
into a scratch directory, and runs its scheduler, job and utility tests seven ways at
once: plain Python, and ``anythread run`` with ``pure``, ``debug``, ``cooperative``,
``cooperative:virtual``, ``debug:cooperative`` and ``cooperative`` under
``ANYTHREAD_SCHEDULE=random:1``.  (Its executor and job store tests need tornado,
twisted, gevent and databases, and are left out.)

It exits 0 only if every run's outcomes equal plain Python's, test by test, apart from
the differences listed in ``known`` with their reason (and a listed difference that is
gone is reported too, so the list stays true): see ``_suite.py``.

The cooperative runs leave out ``TestAsyncIOScheduler``: it runs an asyncio event loop
in a thread, and the loop waits in ``select()``, which blocks the green thread's whole
OS thread (what the cooperative backend does not do, in its docs); those tests would
hang.  Needs network access to the package index.

Usage: python tests/thirdparty/check_apscheduler.py [--keep DIR]
"""

from __future__ import annotations

import sys

from _suite import Run, Suite, main

_ASYNCIO = "-k", "not TestAsyncIOScheduler"
_ASYNCIO_WHY = "left out: an asyncio loop in a green thread blocks its OS thread in select()"
_ASYNCIO_TESTS = [
    *(
        f"tests.test_schedulers.TestAsyncIOScheduler::{test}[{zone}]"
        for test in ("test_add_pending_job", "test_add_live_job")
        for zone in ("pytz", "zoneinfo")
    ),
    "tests.test_schedulers.TestAsyncIOScheduler::test_shutdown",
    "tests.test_schedulers.TestAsyncIOScheduler::test_immediate_shutdown",
]
_COOPERATIVE = ("cooperative", "cooperative:virtual", "debug:cooperative", "random:1")

SUITE = Suite(
    package="APScheduler",
    version="3.11.3",
    # pinned, each with what it needs, nothing more
    test_dependencies=("tzlocal==5.4.5", "pytz==2026.6"),
    exact=True,
    paths=("tests/test_schedulers.py", "tests/test_job.py", "tests/test_util.py"),
    runs={
        "pure": Run("pure"),
        "debug": Run("debug"),
        "cooperative": Run("cooperative", pytest_args=_ASYNCIO),
        "cooperative:virtual": Run("cooperative:virtual", pytest_args=_ASYNCIO),
        "debug:cooperative": Run("debug:cooperative", pytest_args=_ASYNCIO),
        "random:1": Run("cooperative", {"ANYTHREAD_SCHEDULE": "random:1"}, _ASYNCIO),
    },
    known={run: dict.fromkeys(_ASYNCIO_TESTS, _ASYNCIO_WHY) for run in _COOPERATIVE},
)

if __name__ == "__main__":
    sys.exit(main(SUITE, __doc__ or ""))
