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
gevent, in the green thread that is running when the signal comes.
"""

from __future__ import annotations

import signal
from types import FrameType

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

from anythread_backends.cooperative._hub import Task

__all__ = ["install"]

_getcurrent = greenlet.getcurrent


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
