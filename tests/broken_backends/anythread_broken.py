"""Deliberately broken backends: the proof that the contract suite can fail.

Each backend here is the ``stdlib`` backend with exactly one thing broken, the way a
real implementation might get it wrong (or, for the ``broken-kernel-*`` ones,
:func:`anythread.from_kernel` over a subtly wrong kernel).  The first ones get something
blunt wrong; those of contract version 2 each get one subtle thing wrong, and their
docstrings quote the sentence of the spec they break.  :data:`BROKEN` maps each backend's
name to the clause the suite must then report as failing, and to the ``--select`` prefix
that keeps its certification run short.  :data:`plugin` publishes them all to the registry
when this module is named in ``ANYTHREAD_PLUGINS`` (with this directory on the path).

Nothing here is packaged or imported by anythread itself; it exists for
``tests/test_contract_mutations.py``.
"""

from __future__ import annotations

import _thread
import collections
import sys
import threading
import time
import traceback
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


# --------------------------------------------------------------------------- version 2
#
# The doubles below each get one *subtle* thing wrong: a wakeup that comes late or only
# through the waiter's own timeout, a boundary value of an argument, a state seen in the
# middle of an operation, two instances at once, the moment a hook is read, threads the
# backend did not start.  Each docstring quotes the sentence of the spec it breaks.

#: How often a polling double looks again: longer than the suite's PROMPT bound, shorter
#: than its patience, like a backend author's "a few seconds is plenty" poll.
_POLL = 3.0


def _poll_until(predicate: Callable[[], object], timeout: float | None) -> bool:
    """Look at ``predicate`` every :data:`_POLL` seconds until true or ``timeout``."""
    deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if deadline is None:
            time.sleep(_POLL)
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(remaining, _POLL))


def _check_lock_arguments(blocking: bool, timeout: float) -> None:
    """Let threading check acquire()'s arguments (a free lock never blocks)."""
    probe = threading.Lock()
    probe.acquire(blocking, timeout)
    probe.release()


def _check_max(timeout: float | None) -> None:
    if timeout is not None and timeout > threading.TIMEOUT_MAX:
        raise OverflowError("timeout value is too large")


class _PollingLock(_Lock):
    """ "acquire() blocks until a call to release() in another thread changes it to
    unlocked": here a blocked acquire() only notices the release when it next polls."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        _check_lock_arguments(blocking, timeout)
        if not blocking or timeout == 0:
            return self._lock.acquire(False)
        return _poll_until(lambda: self._lock.acquire(False), timeout)


class _PollingRLock(_RLock):
    """RLock: "If another thread owns the lock, block until we are able to acquire lock":
    here a blocked acquire() only notices the release when it next polls."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        _check_lock_arguments(blocking, timeout)
        if not blocking or timeout == 0:
            return self._lock.acquire(False)
        return _poll_until(lambda: self._lock.acquire(False), timeout)

    def release(self) -> None:
        self._lock.release()


class _LateNotifyCondition(threading.Condition):
    """ "notify(): Wake up a thread waiting on this condition": here notify() only leaves
    a token, and a waiter looks for tokens when it next polls."""

    def __init__(self, lock: Any = None) -> None:
        super().__init__(lock)
        self._tokens = 0
        self._sleepers = 0

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():  # type: ignore[attr-defined]
            raise RuntimeError("cannot wait on un-acquired lock")
        _check_max(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        self._sleepers += 1
        try:
            while True:
                chunk = _POLL if deadline is None else min(_POLL, deadline - time.monotonic())
                if chunk > 0:
                    super().wait(chunk)  # a timed nap with the lock released
                if self._tokens:
                    self._tokens -= 1
                    return True
                if deadline is not None and time.monotonic() >= deadline:
                    return False
        finally:
            self._sleepers -= 1

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():  # type: ignore[attr-defined]
            raise RuntimeError("cannot notify on un-acquired lock")
        self._tokens = min(self._tokens + n, self._sleepers)

    def notify_all(self) -> None:
        self.notify(self._sleepers)


class _PollingSemaphore(threading.Semaphore):
    """ "If it is zero on entry, block, waiting until some other thread has called
    release() to make it larger than zero": here the waiter notices when it next polls."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if not blocking or timeout == 0:
            return threading.Semaphore.acquire(self, blocking, timeout)
        _check_max(timeout)
        return _poll_until(lambda: threading.Semaphore.acquire(self, False), timeout)


class _PollingEvent(threading.Event):
    """ "set(): All threads waiting for it to become true are awakened": here a waiter
    sees the flag only when it next polls."""

    def wait(self, timeout: float | None = None) -> bool:
        _check_max(timeout)
        return _poll_until(self.is_set, timeout)


class _SilentAbortBarrier(threading.Barrier):
    """ "abort(): Put the barrier into a broken state. This causes any active or future
    calls to wait() to fail": here the active waiters are not woken (they fail only at
    their own timeout)."""

    def abort(self) -> None:
        with self._cond:  # type: ignore[attr-defined]
            self._state = -2  # type: ignore[attr-defined]  # broken, nobody told


class _SilentResetBarrier(threading.Barrier):
    """ "reset(): ... If any threads are currently waiting on it, they will receive the
    BrokenBarrierError exception": here they are not woken and fail only at their own
    timeout."""

    def reset(self) -> None:
        with self._cond:  # type: ignore[attr-defined]
            if self._count > 0:  # type: ignore[attr-defined]
                self._state = -1  # type: ignore[attr-defined]  # resetting, nobody told
            else:
                self._state = 0  # type: ignore[attr-defined]


class _TimeoutStrandsBarrier(threading.Barrier):
    """ "If the call times out, the barrier is put into the broken state": here the
    thread that times out breaks it without waking the other waiters."""

    def _wait(self, timeout: float | None) -> None:
        if not self._cond.wait_for(lambda: self._state != 0, timeout):  # type: ignore[attr-defined]
            self._state = -2  # type: ignore[attr-defined]  # broken, nobody told
            raise threading.BrokenBarrierError
        if self._state < 0:  # type: ignore[attr-defined]
            raise threading.BrokenBarrierError


class _SleepingTimer(threading.Timer):
    """ "cancel(): Stop the timer": here a cancelled timer's thread sleeps out the whole
    interval (the action does not run, but the timer does not stop)."""

    def run(self) -> None:
        time.sleep(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


class _NearlyDueTimer(threading.Timer):
    """ "cancel(): Stop the timer, and cancel the execution of the timer's action. This
    will only work if the timer is still in its waiting stage": here cancel() is ignored
    when less than a quarter second of the interval is left ("too late to cancel")."""

    _due: float | None = None

    def start(self) -> None:
        self._due = time.monotonic() + self.interval
        super().start()

    def cancel(self) -> None:
        if self._due is not None and self._due - time.monotonic() < 0.25:
            return
        super().cancel()


class _PollingJoinThread(threading.Thread):
    """ "join(): Wait until the thread terminates": here join() notices the end of the
    thread only when it next polls."""

    def join(self, timeout: float | None = None) -> None:
        super().join(0)  # threading's own checks: not started, joining oneself
        _check_max(timeout)
        _poll_until(lambda: not self.is_alive(), timeout)


class _ZeroBlocksCondition(threading.Condition):
    """ "When the timeout argument is present and not None, it should be a floating point
    number specifying a timeout": here wait(0) is taken as "no timeout" and blocks."""

    def wait(self, timeout: float | None = None) -> bool:
        return super().wait(timeout or None)


class _ZeroWaitsSemaphore(threading.Semaphore):
    """ "When invoked with a timeout other than None, it will block for at most timeout
    seconds": here acquire(timeout=0) is taken as "no timeout" and waits for ever."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        return super().acquire(blocking, timeout or None)


class _ZeroDefaultBarrier(threading.Barrier):
    """ "If a timeout is provided, it is used in preference to any that was supplied to
    the class constructor": here wait(0) falls back to the constructor's timeout."""

    def wait(self, timeout: float | None = None) -> int:
        return super().wait(timeout or None)


class _ZeroJoinThread(threading.Thread):
    """ "When the timeout argument is present and not None, it should be a floating point
    number specifying a timeout": here join(0) is taken as "no timeout" and waits."""

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout or None)


class _TenthsSemaphore(threading.Semaphore):
    """ "block for at most timeout seconds" and not less: here the timeout is rounded to
    tenths of a second (a kernel with a 100 ms tick), so 0.25 s waits 0.2 s."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if timeout is not None and timeout > 0:
            timeout = round(timeout, 1)
        return super().acquire(blocking, timeout)


class _TenthsEvent(threading.Event):
    """Event.wait(timeout) "block[s] until ... the optional timeout occurs": here the
    timeout is rounded to tenths of a second, so 0.25 s waits 0.2 s."""

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None and timeout > 0:
            timeout = round(timeout, 1)
        return super().wait(timeout)


class _ClampedSemaphore(threading.Semaphore):
    """ "TIMEOUT_MAX: Specifying a timeout greater than this value will raise an
    OverflowError": here Semaphore.acquire() clamps the timeout instead."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if timeout is not None:
            timeout = min(timeout, threading.TIMEOUT_MAX)
        return super().acquire(blocking, timeout)


class _ClampedBarrier(threading.Barrier):
    """TIMEOUT_MAX "will raise an OverflowError": here Barrier.wait() clamps it."""

    def wait(self, timeout: float | None = None) -> int:
        if timeout is not None:
            timeout = min(timeout, threading.TIMEOUT_MAX)
        return super().wait(timeout)


class _ClampedJoinThread(threading.Thread):
    """TIMEOUT_MAX "will raise an OverflowError": here Thread.join() clamps it."""

    def join(self, timeout: float | None = None) -> None:
        if timeout is not None:
            timeout = min(timeout, threading.TIMEOUT_MAX)
        super().join(timeout)


class _NotifyZeroWakesOne(threading.Condition):
    """ "notify(n) wakes up at most n of the threads waiting": here notify(0) wakes one
    (the count is taken as "at least one")."""

    def notify(self, n: int = 1) -> None:
        super().notify(max(n, 1))


class _SetClearLosesWakeup(threading.Event):
    """ "set(): All threads waiting for it to become true are awakened": here a waiter
    re-checks the flag after waking, so a set() followed at once by clear() leaves the
    waiters blocked."""

    def wait(self, timeout: float | None = None) -> bool:
        _check_max(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:  # type: ignore[attr-defined]
            while not self._flag:  # type: ignore[attr-defined]
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)  # type: ignore[attr-defined]
            return True


class _TimeoutDropsOtherCondition(threading.Condition):
    """ "notify(): Wake up a thread waiting on this condition": here a waiter whose
    timeout expires removes the longest waiter's entry instead of its own, so a later
    notify() wakes nobody."""

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():  # type: ignore[attr-defined]
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = _thread.allocate_lock()
        waiter.acquire()
        self._waiters.append(waiter)  # type: ignore[attr-defined]
        saved = self._release_save()  # type: ignore[attr-defined]
        got = False
        try:
            if timeout is None:
                got = waiter.acquire()
            elif timeout > 0:
                got = waiter.acquire(True, timeout)
            else:
                got = waiter.acquire(False)
            return got
        finally:
            self._acquire_restore(saved)  # type: ignore[attr-defined]
            if not got:
                try:
                    self._waiters.popleft()  # type: ignore[attr-defined]  # not its own
                except IndexError:
                    pass


_SHARED_WAITERS: Any = collections.deque()


class _SharedWaitersCondition(threading.Condition):
    """ "notify(): Wake up a thread waiting on this condition": here every Condition
    keeps its waiters in one shared queue, so notify() on one wakes a waiter of another."""

    def __init__(self, lock: Any = None) -> None:
        super().__init__(lock)
        self._waiters = _SHARED_WAITERS


_ONE_STORE = threading.local()


class _OneStoreLocal:
    """ "Thread-local data is data whose values are thread specific" (per instance of
    local): here every local() instance shares one per-thread store."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError("Initialization arguments are not supported")

    def __getattr__(self, name: str) -> Any:
        return getattr(_ONE_STORE, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(_ONE_STORE, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(_ONE_STORE, name)


class _ReusedNameThread(threading.Thread):
    """ "By default, a unique name is constructed of the form 'Thread-N'": here N counts
    the threads alive, so a name comes back once its thread has ended."""

    def __init__(
        self, group: Any = None, target: Any = None, name: Any = None, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(group, target, name, *args, **kwargs)
        if name is None:
            suffix = f" ({target.__name__})" if getattr(target, "__name__", None) else ""
            self.name = f"Thread-{threading.active_count()}{suffix}"


class _HookAtInitThread(threading.Thread):
    """excepthook "can be overridden to control how uncaught exceptions raised by
    Thread.run() are handled": here a thread uses the hook in place when it was created,
    not the one in place when it fails."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hook_at_init = threading.excepthook

    def run(self) -> None:
        try:
            super().run()
        except SystemExit:
            pass
        except BaseException as exc:
            self._hook_at_init(threading.ExceptHookArgs([type(exc), exc, exc.__traceback__, self]))


class _TraceAtInitThread(threading.Thread):
    """settrace(): "The func will be passed to sys.settrace() for each thread, before its
    run() method is called": here the function in place when the Thread was created is
    used, not the one in place when it runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._trace_at_init = threading.gettrace()

    def run(self) -> None:
        sys.settrace(self._trace_at_init)
        super().run()


class _ProfileAtInitThread(threading.Thread):
    """setprofile(): "The func will be passed to sys.setprofile() for each thread, before
    its run() method is called": here the function in place at creation is used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._profile_at_init = threading.getprofile()

    def run(self) -> None:
        sys.setprofile(self._profile_at_init)
        super().run()


def _excepthook_needs_thread(args: Any) -> None:
    """excepthook's ``thread`` "is the thread which raised the exception, or None": this
    hook reads ``args.thread.name`` and fails when it is None."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name
    print(f"Exception in thread {name}:", file=sys.stderr, flush=True)
    traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback)


def _active_count_without_dummies() -> int:
    """ "active_count(): ... The returned count is equal to the length of the list returned
    by enumerate()": here dummy threads are left out of the count."""
    return sum(1 for t in threading.enumerate() if not isinstance(t, threading._DummyThread))


class _DummyNotDaemonParent(threading.Thread):
    """ "The initial value [of daemon] is inherited from the creating thread": here a
    thread created in an alien thread (a dummy, which is daemonic) is not a daemon."""

    def __init__(self, *args: Any, daemon: bool | None = None, **kwargs: Any) -> None:
        if daemon is None and isinstance(threading.current_thread(), threading._DummyThread):
            daemon = False
        super().__init__(*args, daemon=daemon, **kwargs)


class _EarlyJoinThread(threading.Thread):
    """join(): "This blocks the calling thread until the thread whose join() method is
    called terminates": here join() returns when the target returns, while the thread
    still runs its own clean-up and is alive."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._target_done = threading.Event()

    def run(self) -> None:
        try:
            super().run()
        finally:
            self._target_done.set()
            time.sleep(0.3)  # the thread's clean-up, after join() has returned

    def join(self, timeout: float | None = None) -> None:
        super().join(0)
        self._target_done.wait(timeout)


class _PooledStartThread(threading.Thread):
    """is_alive() "returns True just before the run() method starts": here start() hands
    the thread to a launcher and returns at once, before the thread exists (it is not
    alive, and has no ident, for a moment after start())."""

    def start(self) -> None:
        launcher = threading.Timer(0.2, super().start)
        launcher.daemon = True
        launcher.start()


class _AliveUntilJoinedThread(threading.Thread):
    """is_alive() returns True "until just after the run() method terminates": here a
    thread counts as alive until someone joins it."""

    _joined = False

    def is_alive(self) -> bool:
        if super().is_alive():
            return True
        return self.ident is not None and not self._joined

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if not super().is_alive():
            self._joined = True


# --------------------------------------------------------------------------- kernels


class _LyingLock:
    """A kernel lock whose locked() always says False."""

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return False  # the bug


class _Kernel:
    """``_thread`` and ``time`` as a kernel, with the lock class of the subclass."""

    TIMEOUT_MAX = _thread.TIMEOUT_MAX
    lock_type: Any = _LyingLock

    def allocate_lock(self) -> Any:
        return self.lock_type()

    def start_new_thread(
        self, function: Callable[..., object], args: tuple[Any, ...], kwargs: Any = None
    ) -> int:
        return _thread.start_new_thread(function, args, kwargs or {})

    def get_ident(self) -> int:
        return _thread.get_ident()

    def get_native_id(self) -> int:
        return _thread.get_native_id()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic()


def _kernel_backend(name: str, kernel: Any) -> Callable[[], Any]:
    def build() -> Any:
        from anythread import from_kernel

        caps = frozenset(Capability) - {Capability.SIGNAL_INTERRUPTIBLE, Capability.STACK_SIZE}
        return from_kernel(kernel, name, capabilities=caps)

    return build


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
    factory: Callable[[], Any] | None = None

    def backend(self) -> Any:
        if self.factory is not None:
            return self.factory()
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
        Broken(
            "broken-lock-release-late",
            "a blocked Lock.acquire() notices a release only when it next polls (every 3 s)",
            "LOCK-PROMPT-01",
            "LOCK-PROMPT",
            {"Lock": _PollingLock},
        ),
        Broken(
            "broken-rlock-release-late",
            "a blocked RLock.acquire() notices a release only when it next polls",
            "RLOCK-PROMPT-01",
            "RLOCK-PROMPT",
            {"RLock": _PollingRLock},
        ),
        Broken(
            "broken-cond-notify-late",
            "Condition.notify() leaves a token that waiters find when they next poll",
            "COND-PROMPT-01",
            "COND-PROMPT",
            {"Condition": _LateNotifyCondition},
        ),
        Broken(
            "broken-sem-release-late",
            "a blocked Semaphore.acquire() notices a release only when it next polls",
            "SEM-PROMPT-01",
            "SEM-PROMPT",
            {"Semaphore": _PollingSemaphore},
        ),
        Broken(
            "broken-event-set-late",
            "Event.wait() sees set() only when it next polls",
            "EVENT-PROMPT-01",
            "EVENT-PROMPT",
            {"Event": _PollingEvent},
        ),
        Broken(
            "broken-barrier-abort-silent",
            "Barrier.abort() does not wake the waiters",
            "BARRIER-PROMPT-01",
            "BARRIER-PROMPT",
            {"Barrier": _SilentAbortBarrier},
        ),
        Broken(
            "broken-barrier-reset-silent",
            "Barrier.reset() does not wake the waiters",
            "BARRIER-PROMPT-01",
            "BARRIER-PROMPT",
            {"Barrier": _SilentResetBarrier},
        ),
        Broken(
            "broken-barrier-timeout-strands",
            "a Barrier.wait() that times out breaks the barrier without waking the others",
            "BARRIER-PROMPT-01",
            "BARRIER-PROMPT",
            {"Barrier": _TimeoutStrandsBarrier},
        ),
        Broken(
            "broken-timer-cancel-sleeps",
            "a cancelled Timer's thread sleeps out its whole interval",
            "TIMER-PROMPT-01",
            "TIMER-PROMPT",
            {"Timer": _SleepingTimer},
        ),
        Broken(
            "broken-timer-cancel-nearly-due",
            "Timer.cancel() is ignored when less than 0.25 s of the interval is left",
            "TIMER-03",
            "TIMER-03",
            {"Timer": _NearlyDueTimer},
        ),
        Broken(
            "broken-join-late",
            "Thread.join() notices the end of the thread only when it next polls",
            "THREAD-JOIN-07",
            "THREAD-JOIN-07",
            {"Thread": _PollingJoinThread},
        ),
        Broken(
            "broken-cond-wait-zero-blocks",
            "Condition.wait(0) is taken as no timeout and blocks",
            "MOD-TIMEOUT-ZERO-01",
            "MOD-TIMEOUT-ZERO",
            {"Condition": _ZeroBlocksCondition},
        ),
        Broken(
            "broken-sem-timeout-zero",
            "Semaphore.acquire(timeout=0) waits for ever",
            "MOD-TIMEOUT-ZERO-01",
            "MOD-TIMEOUT-ZERO",
            {"Semaphore": _ZeroWaitsSemaphore},
        ),
        Broken(
            "broken-barrier-zero-default",
            "Barrier.wait(0) uses the constructor's timeout",
            "MOD-TIMEOUT-ZERO-01",
            "MOD-TIMEOUT-ZERO",
            {"Barrier": _ZeroDefaultBarrier},
        ),
        Broken(
            "broken-join-zero-waits",
            "Thread.join(0) waits for the thread to end",
            "MOD-TIMEOUT-ZERO-01",
            "MOD-TIMEOUT-ZERO",
            {"Thread": _ZeroJoinThread},
        ),
        Broken(
            "broken-sem-timeout-tenths",
            "Semaphore.acquire(timeout) rounds the timeout to tenths of a second",
            "SEM-ACQ-TIMEOUT-02",
            "SEM-ACQ-TIMEOUT",
            {"Semaphore": _TenthsSemaphore},
        ),
        Broken(
            "broken-event-timeout-tenths",
            "Event.wait(timeout) rounds the timeout to tenths of a second",
            "EVENT-WAIT-03",
            "EVENT-WAIT",
            {"Event": _TenthsEvent},
        ),
        Broken(
            "broken-sem-timeout-max-clamped",
            "Semaphore.acquire() clamps a timeout over TIMEOUT_MAX",
            "MOD-TIMEOUT-MAX-01",
            "MOD-TIMEOUT-MAX",
            {"Semaphore": _ClampedSemaphore},
        ),
        Broken(
            "broken-barrier-timeout-max-clamped",
            "Barrier.wait() clamps a timeout over TIMEOUT_MAX",
            "MOD-TIMEOUT-MAX-01",
            "MOD-TIMEOUT-MAX",
            {"Barrier": _ClampedBarrier},
        ),
        Broken(
            "broken-join-timeout-max-clamped",
            "Thread.join() clamps a timeout over TIMEOUT_MAX",
            "MOD-TIMEOUT-MAX-01",
            "MOD-TIMEOUT-MAX",
            {"Thread": _ClampedJoinThread},
        ),
        Broken(
            "broken-cond-notify-zero",
            "Condition.notify(0) wakes one waiter",
            "COND-NOTIFY-03",
            "COND-NOTIFY-03",
            {"Condition": _NotifyZeroWakesOne},
        ),
        Broken(
            "broken-event-set-clear-lost",
            "a set() followed at once by clear() leaves Event waiters blocked",
            "EVENT-SET-01",
            "EVENT-SET-01",
            {"Event": _SetClearLosesWakeup},
        ),
        Broken(
            "broken-cond-timeout-drops-other",
            "a Condition waiter that times out removes another waiter's entry",
            "COND-PROMPT-01",
            "COND-PROMPT",
            {"Condition": _TimeoutDropsOtherCondition},
        ),
        Broken(
            "broken-join-early",
            "Thread.join() returns when the target returns, while the thread is still alive",
            "THREAD-JOIN-01",
            "THREAD-JOIN",
            {"Thread": _EarlyJoinThread},
        ),
        Broken(
            "broken-cond-shared-waiters",
            "every Condition shares one queue of waiters",
            "COND-NOTIFY-02",
            "COND-NOTIFY-02",
            {"Condition": _SharedWaitersCondition},
        ),
        Broken(
            "broken-local-one-store",
            "every local() instance shares one per-thread store",
            "MOD-LOCAL-05",
            "MOD-LOCAL-05",
            {"local": _OneStoreLocal},
        ),
        Broken(
            "broken-thread-names-reused",
            "default thread names count the threads alive, so names come back",
            "THREAD-NAME-02",
            "THREAD-NAME",
            {"Thread": _ReusedNameThread},
        ),
        Broken(
            "broken-excepthook-read-at-init",
            "a Thread uses the excepthook in place when it was created",
            "MOD-EXCEPTHOOK-05",
            "MOD-EXCEPTHOOK-05",
            {"Thread": _HookAtInitThread},
        ),
        Broken(
            "broken-settrace-read-at-init",
            "a Thread uses the trace function in place when it was created",
            "MOD-SETTRACE-01",
            "MOD-SETTRACE",
            {"Thread": _TraceAtInitThread},
        ),
        Broken(
            "broken-setprofile-read-at-init",
            "a Thread uses the profile function in place when it was created",
            "MOD-SETPROFILE-01",
            "MOD-SETPROFILE",
            {"Thread": _ProfileAtInitThread},
        ),
        Broken(
            "broken-excepthook-thread-none",
            "excepthook fails when args.thread is None",
            "MOD-EXCEPTHOOK-06",
            "MOD-EXCEPTHOOK-06",
            {"excepthook": _excepthook_needs_thread},
        ),
        Broken(
            "broken-active-count-no-dummies",
            "active_count() leaves dummy threads out",
            "MOD-ACTIVE-03",
            "MOD-ACTIVE-03",
            {"active_count": _active_count_without_dummies},
        ),
        Broken(
            "broken-daemon-from-dummy",
            "a thread created in an alien thread is not a daemon",
            "THREAD-DAEMON-06",
            "THREAD-DAEMON-06",
            {"Thread": _DummyNotDaemonParent},
        ),
        Broken(
            "broken-start-returns-early",
            "start() returns before the thread exists (a launcher starts it later)",
            "THREAD-ALIVE-01",
            "THREAD-ALIVE-01",
            {"Thread": _PooledStartThread},
        ),
        Broken(
            "broken-alive-until-joined",
            "a thread counts as alive until it is joined",
            "THREAD-ALIVE-01",
            "THREAD-ALIVE-01",
            {"Thread": _AliveUntilJoinedThread},
        ),
        Broken(
            "broken-kernel-locked-lies",
            "from_kernel over a kernel whose lock's locked() always says False",
            "LOCK-REL-01",
            "LOCK-REL-0",
            {},
            workers="1",
            timeout=5.0,
            factory=_kernel_backend("broken-kernel-locked-lies", _Kernel()),
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
    # Written for contract version 1: not certified for the current version.
    "declares-contract-v1": {"contract_version": 1},
    # Written for a contract version this anythread does not know: certify refuses.
    "declares-contract-v99": {"contract_version": 99},
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
