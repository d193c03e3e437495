"""Argument checks and deadline arithmetic shared by every object of the semantics layer.

Every blocking call of the threading API takes a timeout, and CPython checks it the same
way everywhere; this module holds those checks (with CPython's exception types and
messages) and the one waiting loop that turns a timeout into a deadline measured on the
kernel's clock.  It must not import ``threading`` and must not read any clock but the
kernel's :meth:`~anythread.protocols.Kernel.monotonic`.
"""

from __future__ import annotations

import operator
import sys
import warnings
from collections.abc import Callable
from typing import TypeVar

from anythread.protocols import KernelLock

__all__ = [
    "check_join_timeout",
    "check_lock_timeout",
    "check_wait_timeout",
    "named_as",
    "wait_lock",
    "warn_rlock_arguments",
]

_F = TypeVar("_F", bound=Callable[..., object])

# CPython 3.13 reworded the message for a negative lock timeout; match the running one.
_NEGATIVE_LOCK_TIMEOUT = (
    "timeout value must be a non-negative number"
    if sys.version_info >= (3, 13)
    else "timeout value must be positive"
)


#: CPython 3.13 deprecated the arguments that ``threading.RLock()`` ignores.
_RLOCK_ARGUMENTS_DEPRECATED = sys.version_info >= (3, 13)


def warn_rlock_arguments() -> None:
    """Called when ``RLock()`` was given arguments, which are ignored as CPython's
    ``RLock()`` ignores them: from Python 3.13 on, CPython's ``DeprecationWarning``,
    pointing at the caller of ``RLock()`` (this is called from ``RLock.__init__`` or a
    factory function: two frames up)."""
    if _RLOCK_ARGUMENTS_DEPRECATED:
        warnings.warn(
            "Passing arguments to RLock is deprecated and will be removed in 3.15",
            DeprecationWarning,
            stacklevel=3,
        )


#: CPython holds a lock's timeout in nanoseconds, in a signed 64-bit integer.
_NANOSECONDS_LIMIT = 2**63


def _as_seconds(timeout: object) -> float:
    # CPython accepts a float or anything with __index__, and its TypeError says so.
    if isinstance(timeout, float):
        return timeout
    if isinstance(timeout, int):
        return float(timeout)
    return float(operator.index(timeout))  # type: ignore[arg-type]


def check_lock_timeout(blocking: object, timeout: object, timeout_max: float) -> float:
    """Check the arguments of ``Lock.acquire``/``RLock.acquire``; return the timeout.

    ``-1`` means "wait forever".

    As CPython's lock, it first converts the timeout to its clock's nanoseconds (a
    signed 64-bit integer): a NaN, or a number of either sign too large for them, is
    refused before the other checks.

    :raises ValueError: if a timeout is given with ``blocking=False``, or the timeout is
        NaN or negative (other than -1).
    :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``, or is below
        ``-TIMEOUT_MAX`` by as much as no clock can hold.
    :raises TypeError: if the timeout is not a number.
    """
    try:
        seconds = _as_seconds(timeout)
    except OverflowError:  # an int too large for a float
        raise OverflowError("timeout value is too large") from None
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if not -_NANOSECONDS_LIMIT <= seconds * 1e9 < _NANOSECONDS_LIMIT:
        raise OverflowError("timeout value is too large")
    if not blocking and seconds != -1:
        raise ValueError("can't specify a timeout for a non-blocking call")
    if seconds < 0 and seconds != -1:
        raise ValueError(_NEGATIVE_LOCK_TIMEOUT)
    if seconds > timeout_max:
        raise OverflowError("timeout value is too large")
    return seconds


def check_wait_timeout(timeout: object, timeout_max: float) -> float | None:
    """Check the timeout of a wait (Condition, Event, Semaphore, Barrier, join).

    ``None`` means "wait forever"; a negative timeout is a timeout that has already
    expired, as in CPython.

    :raises ValueError: if the timeout is NaN.
    :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``.
    :raises TypeError: if the timeout is neither None nor a number.
    """
    if timeout is None:
        return None
    try:
        seconds = _as_seconds(timeout)
    except TypeError:
        raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__}") from None
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if seconds > timeout_max:
        raise OverflowError("timeout value is too large")
    return seconds


def check_join_timeout(timeout: object, timeout_max: float) -> float | None:
    """Check the timeout of ``Thread.join``; return it in seconds (never negative).

    Like CPython, ``max(timeout, 0)`` comes first (so a timeout that cannot be compared
    with 0 raises CPython's own :class:`TypeError`), then the number is converted as a
    lock timeout is.  Unlike CPython 3.10-3.12, which check nothing more once the thread
    has ended, a NaN or too large timeout fails on every call.

    :raises TypeError: if the timeout is neither None nor a number.
    :raises ValueError: if the timeout is NaN.
    :raises OverflowError: if the timeout exceeds ``TIMEOUT_MAX``.
    """
    if timeout is None:
        return None
    seconds = _as_seconds(max(timeout, 0))  # type: ignore[call-overload]
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if seconds > timeout_max:
        raise OverflowError("timeout value is too large")
    return seconds


def named_as(function: _F, qualname: str) -> _F:
    """Give ``function`` the qualified name CPython's equivalent has, and return it.

    Python names a function by its qualified name in the errors it raises for wrong
    arguments (``current_thread() takes 0 positional arguments but 1 was given``); the
    functions the layer builds inside its ``make_*`` factories would otherwise say
    ``make_thread_classes.<locals>.current_thread()``.  Python 3.11+ take that name from
    the code object, 3.10 from the function.
    """
    function.__qualname__ = qualname
    code = getattr(function, "__code__", None)
    if code is not None and sys.version_info >= (3, 11):
        function.__code__ = code.replace(co_qualname=qualname)  # type: ignore[attr-defined]
    return function


def wait_lock(
    lock: KernelLock,
    timeout: float | None,
    monotonic: Callable[[], float],
    timeout_max: float,
) -> bool:
    """Acquire the kernel lock ``lock``, waiting at most ``timeout`` seconds.

    The deadline is computed once from the kernel's clock; if the kernel's acquire comes
    back early, the remainder is waited again, so the wait never ends before the
    deadline.  ``None`` waits forever; zero or less tries once without blocking.
    """
    if timeout is None:
        return lock.acquire()
    if timeout <= 0:
        return lock.acquire(False)
    deadline = monotonic() + timeout
    while True:
        if lock.acquire(True, min(timeout, timeout_max)):
            return True
        timeout = deadline - monotonic()
        if timeout <= 0:
            return False
