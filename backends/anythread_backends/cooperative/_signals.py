"""Ctrl-C reaches the main green thread, not whichever green thread is running.

Python runs a signal handler in the main OS thread, between two bytecodes of whatever
code runs there; with green threads, that is the green thread running at that moment.
The default SIGINT handler raises :class:`KeyboardInterrupt` there: in a busy program,
in some other green thread, which dies of it, while the main thread goes on waiting
(and may then be told it is deadlocked).  On the standard library only the main thread
ever receives it.

So when the first hub of the main OS thread is made and SIGINT still has Python's
default handler, this module's handler takes its place.  Raised in the main green
thread itself, in a hub, or in code of no green thread, it raises
:class:`KeyboardInterrupt` as the default handler does.  Raised in another green thread,
it lets that thread go on and has the hub throw :class:`KeyboardInterrupt` into the main
green thread at the next switch (:meth:`Hub.interrupt_root
<anythread_backends.cooperative._hub.Hub.interrupt_root>`): its blocking call raises it,
as on the standard library.

A handler installed by the program (before or after) is left alone, and runs, as on
gevent, in the green thread that is running when the signal comes.  While one is
installed (:func:`own_handler_installed`), its signal may still come and wake a green
thread, so a hub with nothing to run and no timer waits for it instead of reporting a
deadlock (:class:`~anythread_backends.cooperative._hub.Hub`).  The handler then runs in
the main OS thread's hub, which sleeps: what it wakes (an Event's ``set()``, a lock's
``release()``) wakes the hub, and what it raises the hub throws into the main green
thread's blocked call, as for :class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import signal
from types import FrameType

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

from anythread_backends.cooperative._hub import Task

__all__ = ["install", "own_handler_installed"]

_getcurrent = greenlet.getcurrent
#: Every signal of the platform.
_SIGNALS = tuple(signal.valid_signals())


def install() -> None:
    """Make :func:`on_sigint` SIGINT's handler if it is still Python's default one
    (called as a hub is made: only in the main OS thread may it be set)."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return
    try:
        signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread of the main interpreter
        pass


def on_sigint(signum: int, frame: FrameType | None) -> None:
    """SIGINT's handler: :class:`KeyboardInterrupt` in the main green thread."""
    glet = _getcurrent()
    if type(glet) is not Task or glet is glet.hub.root:
        raise KeyboardInterrupt  # (the root is a green thread in a forked child)
    glet.hub.interrupt_root(KeyboardInterrupt())


def own_handler_installed() -> bool:
    """Whether a signal has a handler of the program's own: a Python callable other than
    Python's default SIGINT handler and :func:`on_sigint` (not ``SIG_DFL``, ``SIG_IGN``,
    or a handler not set from Python).  Python runs it in the main OS thread when its
    signal comes, from another process or a timer, so it may still wake a green thread.

    Some 60 calls of :func:`signal.getsignal` (some 40 microseconds): asked only by a
    hub about to report a deadlock, and by one that waits for a signal (any OS thread
    may ask).
    """
    getsignal = signal.getsignal
    default = signal.default_int_handler
    for signum in _SIGNALS:
        handler = getsignal(signum)
        if callable(handler) and handler is not default and handler is not on_sigint:
            return True
    return False
