"""Deliberately broken backends: the proof that the contract suite can fail.

Each backend here is the ``stdlib`` backend with exactly one thing broken, the way a
real implementation might get it wrong.  :data:`BROKEN` maps each backend's name to the
clause the suite must then report as failing, and to the ``--select`` prefix that
keeps its certification run short.  :data:`plugin` publishes them all to the registry
when this module is named in ``ANYTHREAD_PLUGINS`` (with this directory on the path).

Nothing here is packaged or imported by anythread itself; it exists for
``tests/test_contract_mutations.py``.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anythread import BackendSpec, Capability, hookimpl
from anythread_backends.stdlib import backend as stdlib

__all__ = ["BROKEN", "Broken", "plugin"]


def _variant(name: str, *, plain: bool = False, **changes: Any) -> Any:
    """A copy of the stdlib backend named ``name`` with ``changes`` applied.

    The copy has the stdlib backend's own type (which forwards an assigned
    ``excepthook`` to threading), unless ``plain``: then it is a bare namespace, where
    assigning ``excepthook`` reaches no thread.
    """
    attrs = dict(vars(stdlib))
    attrs.update(changes, name=name)
    if plain:  # vars() omits the stdlib backend's excepthook: it is a read-through property
        return types.SimpleNamespace(excepthook=threading.__excepthook__, **attrs)
    return type(stdlib)(**attrs)


# --------------------------------------------------------------------------- locks


class _Lock:
    """A Lock written around threading's own; subclasses break one method."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class _EarlyTimeoutLock(_Lock):
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if timeout > 0:
            timeout /= 4  # the bug: waits a quarter of the timeout
        return self._lock.acquire(blocking, timeout)


class _SilentReleaseLock(_Lock):
    def release(self) -> None:
        if self._lock.locked():  # the bug: releasing an unlocked lock is ignored
            self._lock.release()


class _LaxArgumentsLock(_Lock):
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not blocking:  # the bug: a timeout with blocking=False is ignored
            timeout = -1
        return self._lock.acquire(blocking, timeout)


class _RLock:
    def __init__(self) -> None:
        self._lock = threading.RLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        try:
            self._lock.release()
        except RuntimeError:
            pass  # the bug: a release by a thread that does not own the lock "succeeds"

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _not_reentrant_rlock() -> Any:
    return threading.Lock()  # the bug: an RLock that is a plain Lock (deadlocks)


# --------------------------------------------------------------------------- conditions


class _NotifyAllWakesOne(threading.Condition):
    def notify_all(self) -> None:
        self.notify(1)  # the bug


class _NotifyNWakesAll(threading.Condition):
    def notify(self, n: int = 1) -> None:
        super().notify(1 << 30)  # the bug: notify(n) wakes every waiter


class _UncheckedWait(threading.Condition):
    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():  # type: ignore[attr-defined]
            return False  # the bug: no RuntimeError when the lock is not held
        return super().wait(timeout)


# --------------------------------------------------------------------------- semaphores


class _ReleaseOne(threading.Semaphore):
    def release(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError("n must be one or more")
        super().release(1)  # the bug: release(n) adds one


def _lenient_semaphore(value: int = 1) -> Any:
    return threading.Semaphore(max(value, 0))  # the bug: a negative value is accepted


# --------------------------------------------------------------------------- events


class _EventWaitNone(threading.Event):
    def wait(self, timeout: float | None = None) -> Any:
        super().wait(timeout)
        return None  # the bug: the flag is not returned


class _EventClearIgnored(threading.Event):
    def clear(self) -> None:
        pass  # the bug


# --------------------------------------------------------------------------- barriers


class _SameIndexBarrier(threading.Barrier):
    def wait(self, timeout: float | None = None) -> int:
        super().wait(timeout)
        return 0  # the bug: every thread gets the same index


def _swallowing_barrier(
    parties: int, action: Callable[[], object] | None = None, timeout: float | None = None
) -> Any:
    def guarded() -> None:
        try:
            if action is not None:
                action()
        except Exception:
            pass  # the bug: a failing action does not break the barrier

    return threading.Barrier(parties, guarded, timeout)


class _NeverBrokenBarrier(threading.Barrier):
    @property
    def broken(self) -> bool:
        return False  # the bug


# --------------------------------------------------------------------------- timers


class _UncancellableTimer(threading.Timer):
    def cancel(self) -> None:
        pass  # the bug: cancel() is ignored


class _EarlyTimer(threading.Timer):
    def __init__(self, interval: float, *args: Any, **kwargs: Any) -> None:
        super().__init__(interval / 4, *args, **kwargs)  # the bug: fires early


# --------------------------------------------------------------------------- threads

_started: list[threading.Thread] = []


class _RememberedThread(threading.Thread):
    def start(self) -> None:
        _started.append(self)
        super().start()


def _enumerate_with_dead() -> list[threading.Thread]:
    alive = threading.enumerate()
    return alive + [t for t in _started[-50:] if t not in alive]  # the bug: dead ones too


class _LateDaemonThread(threading.Thread):
    @property  # type: ignore[override]
    def daemon(self) -> bool:
        return bool(self._daemonic)  # type: ignore[attr-defined]

    @daemon.setter
    def daemon(self, value: bool) -> None:
        self._daemonic = bool(value)  # the bug: settable after start()


class _UninheritedDaemonThread(threading.Thread):
    def __init__(self, *args: Any, daemon: bool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, daemon=bool(daemon), **kwargs)  # the bug: never inherited


class _SelfJoinThread(threading.Thread):
    def join(self, timeout: float | None = None) -> None:
        if self is threading.current_thread():
            return  # the bug: joining oneself returns instead of raising
        super().join(timeout)


class _RestartableThread(threading.Thread):
    def start(self) -> None:
        if self._started.is_set():  # type: ignore[attr-defined]
            return  # the bug: a second start() is silently ignored
        super().start()


class _SilentThread(threading.Thread):
    def run(self) -> None:
        try:
            super().run()
        except Exception:
            pass  # the bug: exceptions never reach excepthook


class _DaemonizedThread(threading.Thread):
    def start(self) -> None:
        self._daemonic = True  # the bug: every thread runs as a daemon at exit
        super().start()


def _shared_ident() -> int:
    return 1  # the bug: every thread has the same identifier


def _active_count_off() -> int:
    return len(threading.enumerate()) + 1  # the bug


class _SharedLocal:
    """The bug: a "thread-local" object whose attributes every thread shares."""


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Broken:
    """One broken backend: what is broken, the clause that must fail, the run's scope."""

    name: str
    bug: str
    clause: str
    select: str
    changes: dict[str, Any]
    workers: str = "0"
    timeout: float = 20.0
    plain: bool = False

    def backend(self) -> Any:
        return _variant(self.name, plain=self.plain, **self.changes)


BROKEN: dict[str, Broken] = {
    b.name: b
    for b in [
        Broken(
            "broken-excepthook-assignment",
            "assigning excepthook rebinds an attribute that no thread reads",
            "MOD-EXCEPTHOOK-04",
            "MOD-EXCEPTHOOK",
            {},
            plain=True,
        ),
        Broken(
            "broken-lock-timeout-early",
            "Lock.acquire(timeout) returns after a quarter of the timeout",
            "LOCK-ACQ-TIMEOUT-02",
            "LOCK-ACQ-TIMEOUT",
            {"Lock": _EarlyTimeoutLock},
        ),
        Broken(
            "broken-lock-release-unlocked",
            "releasing an unlocked Lock is silently ignored",
            "LOCK-REL-02",
            "LOCK-REL",
            {"Lock": _SilentReleaseLock},
        ),
        Broken(
            "broken-lock-lax-arguments",
            "acquire(False, timeout) is accepted",
            "LOCK-ARG-01",
            "LOCK-ARG",
            {"Lock": _LaxArgumentsLock},
        ),
        Broken(
            "broken-rlock-foreign-release",
            "an RLock released by a thread that does not own it succeeds",
            "RLOCK-REL-02",
            "RLOCK-REL",
            {"RLock": _RLock},
        ),
        Broken(
            "broken-rlock-not-reentrant",
            "RLock is a plain Lock: a second acquire by "
            "its owner deadlocks (the test times out and its worker is replaced)",
            "RLOCK-ACQ-01",
            "RLOCK-ACQ-01",
            {"RLock": _not_reentrant_rlock},
            workers="1",
            timeout=4.0,
        ),
        Broken(
            "broken-cond-notify-all-wakes-one",
            "notify_all() wakes one waiter",
            "COND-NOTIFYALL-01",
            "COND-NOTIFYALL",
            {"Condition": _NotifyAllWakesOne},
        ),
        Broken(
            "broken-cond-notify-n-wakes-all",
            "notify(n) wakes every waiter",
            "COND-NOTIFY-03",
            "COND-NOTIFY",
            {"Condition": _NotifyNWakesAll},
        ),
        Broken(
            "broken-cond-unchecked-wait",
            "wait() without the lock returns False instead of raising RuntimeError",
            "COND-WAIT-01",
            "COND-WAIT-01",
            {"Condition": _UncheckedWait},
        ),
        Broken(
            "broken-bsem-unbounded",
            "BoundedSemaphore is not bounded",
            "BSEM-01",
            "BSEM-",
            {"BoundedSemaphore": threading.Semaphore},
        ),
        Broken(
            "broken-sem-release-n",
            "Semaphore.release(n) adds one",
            "SEM-REL-02",
            "SEM-REL",
            {"Semaphore": _ReleaseOne},
        ),
        Broken(
            "broken-sem-negative",
            "Semaphore(-1) is accepted",
            "SEM-INIT-02",
            "SEM-INIT",
            {"Semaphore": _lenient_semaphore},
        ),
        Broken(
            "broken-event-wait-none",
            "Event.wait() returns None",
            "EVENT-WAIT-01",
            "EVENT-WAIT",
            {"Event": _EventWaitNone},
        ),
        Broken(
            "broken-event-clear-ignored",
            "Event.clear() does nothing",
            "EVENT-CLEAR-01",
            "EVENT-CLEAR",
            {"Event": _EventClearIgnored},
        ),
        Broken(
            "broken-barrier-same-index",
            "every thread gets index 0 from Barrier.wait()",
            "BARRIER-IDX-01",
            "BARRIER-IDX",
            {"Barrier": _SameIndexBarrier},
        ),
        Broken(
            "broken-barrier-action-swallowed",
            "a failing action does not break the barrier",
            "BARRIER-ACTION-02",
            "BARRIER-ACTION",
            {"Barrier": _swallowing_barrier},
        ),
        Broken(
            "broken-barrier-never-broken",
            "Barrier.broken is always False",
            "BARRIER-BROKEN-01",
            "BARRIER-BROKEN",
            {"Barrier": _NeverBrokenBarrier},
        ),
        Broken(
            "broken-timer-cancel-ignored",
            "Timer.cancel() is ignored",
            "TIMER-03",
            "TIMER-03",
            {"Timer": _UncancellableTimer},
        ),
        Broken(
            "broken-timer-early",
            "a Timer fires after a quarter of its interval",
            "TIMER-02",
            "TIMER-02",
            {"Timer": _EarlyTimer},
        ),
        Broken(
            "broken-local-shared",
            "local is shared between threads",
            "MOD-LOCAL-01",
            "MOD-LOCAL",
            {"local": _SharedLocal},
        ),
        Broken(
            "broken-enumerate-dead",
            "enumerate() lists threads that have ended",
            "MOD-ENUM-02",
            "MOD-ENUM",
            {"Thread": _RememberedThread, "enumerate": _enumerate_with_dead},
        ),
        Broken(
            "broken-active-count",
            "active_count() is one more than len(enumerate())",
            "MOD-ACTIVE-01",
            "MOD-ACTIVE",
            {"active_count": _active_count_off},
        ),
        Broken(
            "broken-get-ident-shared",
            "get_ident() is the same in every thread",
            "MOD-IDENT-01",
            "MOD-IDENT",
            {"get_ident": _shared_ident},
        ),
        Broken(
            "broken-daemon-after-start",
            "daemon can be set after start()",
            "THREAD-DAEMON-03",
            "THREAD-DAEMON",
            {"Thread": _LateDaemonThread},
        ),
        Broken(
            "broken-daemon-not-inherited",
            "daemon is never inherited from the creating thread",
            "THREAD-DAEMON-01",
            "THREAD-DAEMON",
            {"Thread": _UninheritedDaemonThread},
        ),
        Broken(
            "broken-join-self",
            "joining the current thread returns instead of raising",
            "THREAD-JOIN-05",
            "THREAD-JOIN",
            {"Thread": _SelfJoinThread},
        ),
        Broken(
            "broken-start-twice",
            "a second start() is silently ignored",
            "THREAD-START-01",
            "THREAD-START",
            {"Thread": _RestartableThread},
        ),
        Broken(
            "broken-exceptions-swallowed",
            "exceptions in run() never reach excepthook (checked in a fresh interpreter)",
            "THREAD-EXC-01",
            "THREAD-EXC",
            {"Thread": _SilentThread},
        ),
        Broken(
            "broken-exit-no-wait",
            "the program does not wait for non-daemon threads "
            "at exit (checked in a fresh interpreter)",
            "THREAD-EXIT-01",
            "THREAD-EXIT",
            {"Thread": _DaemonizedThread},
        ),
    ]
}

#: Not broken, but declaring things: the suite must skip and xfail as they say.
DECLARING: dict[str, dict[str, Any]] = {
    # Lacks true timeouts: the never-early clauses are skipped, saying why.
    "declares-no-true-timeouts": {
        "Lock": _EarlyTimeoutLock,
        "capabilities": frozenset(Capability) - {Capability.TRUE_TIMEOUTS},
    },
    # Declares its early timeouts: the clause runs as a strict expected failure.
    "declares-early-timeouts": {
        "Lock": _EarlyTimeoutLock,
        "known_deviations": {"LOCK-ACQ-TIMEOUT-02": "timeouts return early (test double)"},
    },
    # Declares a deviation it does not have: the strict xfail passes, which is a failure.
    "declares-stale-deviation": {
        "known_deviations": {"LOCK-ACQ-TIMEOUT-02": "stale declaration (test double)"},
    },
}


def _loader(name: str) -> Callable[[], Any]:
    if name in BROKEN:
        return BROKEN[name].backend
    return lambda: _variant(name, **DECLARING[name])


def __getattr__(attr: str) -> Any:
    # The registry loads "anythread_broken:<attr>", the dashes of the name as underscores.
    name = attr.replace("_", "-")
    if name in BROKEN or name in DECLARING:
        return _loader(name)
    raise AttributeError(attr)


class _Plugin:
    @hookimpl
    def anythread_backends(self) -> list[BackendSpec]:
        return [
            BackendSpec(
                name,
                f"anythread_broken:{name.replace('-', '_')}",
                description=BROKEN[name].bug if name in BROKEN else "test double",
            )
            for name in [*BROKEN, *DECLARING]
        ]


#: The plugin object named in ``ANYTHREAD_PLUGINS=anythread_broken:plugin``.
plugin = _Plugin()
