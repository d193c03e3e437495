"""The debug Thread and Timer: the inner backend's, with joins in the wait-for graph.

``Thread`` and ``Timer`` are subclasses of the inner backend's classes whose untimed
``join()`` is recorded in the wait-for graph (joining a thread that waits, directly or
not, for a lock the caller holds is a :class:`~anythread.DeadlockError`), and whose
threads warn if they end while holding locks.  ``isinstance(x, Thread)`` is true of
every thread of the inner backend (the main thread, dummy threads), as it is of
``threading.Thread`` on the standard library.
"""

from __future__ import annotations

from os import getpid as _getpid
from typing import Any

from anythread.protocols import Backend
from anythread_backends.debug._exit import arm as arm_exit_watch
from anythread_backends.debug._locks import owner_of
from anythread_backends.debug._tracker import Tracker, suspicious
from anythread_backends.debug._waits import refuse_nan

__all__ = ["thread_classes"]


def thread_classes(tracker: Tracker, inner: Backend) -> tuple[type[Any], type[Any]]:
    """Return the ``(Thread, Timer)`` classes of a debug backend over ``inner``."""
    base: type[Any] = inner.Thread
    timer_base: type[Any] = inner.Timer
    base_meta: type[Any] = type(base)

    class ThreadType(base_meta):  # type: ignore[misc]
        """Makes the debug ``Thread`` stand for every thread of the inner backend."""

        def __instancecheck__(cls, obj: object) -> bool:
            if cls is Thread:
                return isinstance(obj, base)
            return bool(super().__instancecheck__(obj))

        def __subclasscheck__(cls, sub: type) -> bool:
            if cls is Thread:
                return issubclass(sub, base)
            return bool(super().__subclasscheck__(sub))

    # Typed as Any: the mixin's methods call the inner Thread's, which mypy cannot see.
    mixin_base: Any = object

    class Joins(mixin_base):  # type: ignore[misc]
        _debug_tracker = tracker
        run: Any  # the inner Thread's (or the user's); wrapped per instance by start()

        def start(self) -> None:
            if "_debug_run" not in vars(self):
                run: Any = self.run
                self._debug_run = run
                self.run = _checked_run(tracker, run)
            super().start()
            tracker.started(self)
            if not self.daemon and tracker.exit_watch_pid != _getpid():
                arm_exit_watch(tracker)

        def join(self, timeout: float | None = None) -> None:
            try:
                ident = self.ident
            except AssertionError:  # Thread.__init__() not called: the inner join says so
                super().join(timeout)
                return
            waits = timeout is None and ident not in (None, tracker.get_ident())
            if waits and self.is_alive():
                state = tracker.state()
                tracker.block(state, self, owner_of)
                try:
                    super().join()
                finally:
                    tracker.unblock(state)
                return
            super().join(timeout if timeout is None else refuse_nan(timeout))

    class Thread(Joins, base, metaclass=ThreadType):  # type: ignore[misc]
        __doc__ = base.__doc__

    class Timer(Joins, timer_base, metaclass=ThreadType):  # type: ignore[misc]
        __doc__ = timer_base.__doc__

    # Named as pure's (anythread.Thread), not by where they were made: reprs and
    # messages such as "property 'ident' of 'Thread' object has no setter" show it.
    Thread.__module__ = Timer.__module__ = "anythread"
    for cls in (ThreadType, Joins, Thread, Timer):
        cls.__qualname__ = cls.__name__
    return Thread, Timer


def _checked_run(tracker: Tracker, run: Any) -> Any:
    def run_checked() -> None:
        state = tracker.state()  # known from its start: it may release a lock one day
        try:
            run()
        finally:
            if state:
                names = ", ".join(lock.describe() for lock in state)
                suspicious(
                    f"{state.name} ends while holding {names}: they stay locked and any "
                    "thread waiting for them waits forever; release them before the "
                    "thread ends",
                    stacklevel=2,
                )

    return run_checked
