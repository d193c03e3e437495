"""Benchmark the ``pure`` backend against its standard-library peers, side by side.

Each row times one operation on anythread's ``pure`` object and on its peer in the
standard library, in interleaved rounds within one process; each round's time is the
best of several repeats, and the ratio reported is the median over rounds of
``pure / peer`` (below 1.0 means pure is faster).  Targets come from the issue that
introduced the semantics layer::

    python benchmarks/bench_pure.py            # full run
    python benchmarks/bench_pure.py --quick    # fewer rounds (CI smoke test)
    python benchmarks/bench_pure.py --json out.json

The peers are the pure-Python implementations in the standard library
(``threading._PyRLock``, ``_threading_local.local``, ``threading.Semaphore``,
``threading.Event``) and ``threading.Thread``; they are referenced here only, never by
the library.  Exit status is 1 if a row misses its target.
"""

from __future__ import annotations

import _threading_local
import sys
import threading
from collections.abc import Callable

from _sidebyside import Row, main

from anythread_backends.pure import backend as pure


def _rlock_row() -> Row:
    def make(lock: object) -> Callable[[], object]:
        acquire = lock.acquire  # type: ignore[attr-defined]
        release = lock.release  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(1000):
                acquire()
                release()

        return run

    return Row(
        "RLock acquire+release (vs threading._PyRLock)",
        make(pure.RLock()),
        make(threading._PyRLock()),  # type: ignore[attr-defined]
        number=20,
        ops=1000,
        target=1.0,
    )


def _local_row() -> Row:
    def make(obj: object) -> Callable[[], object]:
        obj.x = 1  # type: ignore[attr-defined]

        def run() -> None:
            o = obj
            for _ in range(1000):
                o.x  # type: ignore[attr-defined] # noqa: B018

        return run

    return Row(
        "local attribute get (vs _threading_local.local)",
        make(pure.local()),
        make(_threading_local.local()),
        number=10,
        ops=1000,
        target=0.25,
    )


def _semaphore_row() -> Row:
    def make(sem: object) -> Callable[[], object]:
        acquire = sem.acquire  # type: ignore[attr-defined]
        release = sem.release  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(1000):
                acquire()
                release()

        return run

    return Row(
        "Semaphore acquire+release (vs threading.Semaphore)",
        make(pure.Semaphore()),
        make(threading.Semaphore()),
        number=10,
        ops=1000,
        target=0.6,
    )


def _event_row() -> Row:
    def make(event: object) -> Callable[[], object]:
        set_ = event.set  # type: ignore[attr-defined]
        is_set = event.is_set  # type: ignore[attr-defined]
        clear = event.clear  # type: ignore[attr-defined]

        def run() -> None:
            for _ in range(1000):
                set_()
                is_set()
                clear()

        return run

    return Row(
        "Event set+is_set+clear (vs threading.Event)",
        make(pure.Event()),
        make(threading.Event()),
        number=10,
        ops=1000,
        target=0.6,
    )


def _thread_row() -> Row:
    def make(thread_class: type) -> Callable[[], object]:
        def noop() -> None:
            pass

        def run() -> None:
            for _ in range(20):
                t = thread_class(target=noop)
                t.start()
                t.join()

        return run

    return Row(
        "Thread start+join (vs threading.Thread)",
        make(pure.Thread),
        make(threading.Thread),
        number=5,
        ops=20,
        target=1.3,
    )


ROWS = [_rlock_row, _local_row, _semaphore_row, _event_row, _thread_row]


if __name__ == "__main__":
    sys.exit(main(__doc__ or "", "pure", "peer", lambda: [make() for make in ROWS]))
