"""A real third-party package's own test suite under ``anythread run``.

fasteners (reader-writer locks, inter-thread and inter-process locks; pure Python, built
on ``threading.Condition``, ``current_thread`` and ``concurrent.futures``) ships its
tests in its sdist.  This script downloads that sdist from the package index, installs
it with its test dependencies into a scratch directory, and runs its tests three ways at
once (they mostly wait, so they overlap well):

    python -m pytest tests
    anythread run -b pure  -m pytest tests
    anythread run -b debug -m pytest tests

It exits 0 only if every backend's outcomes equal plain Python's, test by test, apart
from the differences listed in ``known`` with their reason (and a listed difference
that is gone is reported too, so the list stays true): see ``_suite.py``.
``tests/test_eventlet.py`` is left out: it needs eventlet, which monkey-patches the
very module anythread replaces.  Needs network access to the package index.

Usage: python tests/thirdparty/check_fasteners.py [--keep DIR]
"""

from __future__ import annotations

import sys

from _suite import Run, Suite, main

SUITE = Suite(
    package="fasteners",
    version="0.20",
    test_dependencies=("diskcache==5.6.3", "more-itertools"),
    runs={"pure": Run("pure"), "debug": Run("debug")},
    # Differences from plain Python, per run: {test id: reason}.  None.
    known={},
    pytest_args=("--ignore=tests/test_eventlet.py",),
)

if __name__ == "__main__":
    sys.exit(main(SUITE, __doc__ or ""))
