"""When an OS thread ends: the :class:`~anythread.protocols.KernelThreadEnd` extra of the
kernels whose threads are (or live in) OS threads, ``pure``'s and ``cooperative``'s.

A callback is tied to a token kept in a :class:`threading.local`: when the OS thread
ends, Python drops the thread's values of every ``threading.local``, the token goes,
and its finalizer runs the callback, as the thread is torn down (the standard library's
own dummy threads are forgotten the same way from Python 3.13 on).  Not at interpreter
exit (:attr:`weakref.finalize.atexit` is false), and not in a forked child for a thread
the fork left behind: a callback runs only while ``alive_here()`` says the process is
the one it was registered in, which the kernel makes true again in the child only
after its own reset.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

__all__ = ["ThreadEndNotices"]


class _Token:
    """Lives exactly as long as the values of its OS thread's ``threading.local``."""

    __slots__ = ("__weakref__",)


class ThreadEndNotices:
    """The callbacks to run when their OS threads end (see the module's docstring)."""

    def __init__(self, alive_here: Callable[[], bool]) -> None:
        # The standard library's own local, captured now: the backend is loaded before
        # ``anythread run`` puts its shim in place of ``threading``.
        self._local = threading.local()
        self._alive_here = alive_here

    def register(self, callback: Callable[[], object]) -> None:
        """Run ``callback()`` once, when the calling OS thread has ended."""
        token = _Token()
        weakref.finalize(token, self._ended, callback).atexit = False
        try:
            tokens: list[_Token] = self._local.tokens
        except AttributeError:
            tokens = self._local.tokens = []
        tokens.append(token)

    def _ended(self, callback: Callable[[], object]) -> None:
        if self._alive_here():
            callback()
