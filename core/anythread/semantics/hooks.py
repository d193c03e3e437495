"""``excepthook``, ``ExceptHookArgs``, and the trace and profile functions of a world.

An exception that escapes a thread's ``run()`` is handed, as an :class:`ExceptHookArgs`,
to the backend's ``excepthook`` attribute as it is at that moment (so assigning
``backend.excepthook = f`` takes effect, as assigning ``threading.excepthook`` does).
The default hook prints ``Exception in thread NAME:`` and the traceback to stderr, like
CPython's, and ignores :class:`SystemExit`.

This module must not import ``threading``.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from types import SimpleNamespace, TracebackType
from typing import Any

from anythread.semantics.world import World

__all__ = ["ExceptHookArgs", "make_hooks"]


class ExceptHookArgs(tuple):  # type: ignore[type-arg]
    """The argument of ``excepthook``: ``(exc_type, exc_value, exc_traceback, thread)``.

    Built, like CPython's, from one 4-sequence.

    .. versionadded:: 3.8 (Python)
    """

    __slots__ = ()

    def __new__(cls, args: Iterable[Any], /) -> ExceptHookArgs:
        values = tuple(args)
        if len(values) != 4:
            raise TypeError(
                f"anythread.ExceptHookArgs() takes a 4-sequence ({len(values)}-sequence given)"
            )
        return super().__new__(cls, values)

    @property
    def exc_type(self) -> type[BaseException]:
        """The type of the exception."""
        return self[0]  # type: ignore[no-any-return]

    @property
    def exc_value(self) -> BaseException | None:
        """The exception, which may be None."""
        return self[1]  # type: ignore[no-any-return]

    @property
    def exc_traceback(self) -> TracebackType | None:
        """The traceback, which may be None."""
        return self[2]  # type: ignore[no-any-return]

    @property
    def thread(self) -> Any:
        """The thread that raised the exception, which may be None."""
        return self[3]

    def __repr__(self) -> str:
        return (
            f"anythread.ExceptHookArgs(exc_type={self[0]!r}, exc_value={self[1]!r}, "
            f"exc_traceback={self[2]!r}, thread={self[3]!r})"
        )


def make_hooks(world: World) -> SimpleNamespace:
    """Build ``excepthook``, ``settrace``, ``setprofile``, ``gettrace``, ``getprofile``
    of ``world``, and install the world's excepthook invoker."""
    get_ident = world.kernel.get_ident

    def excepthook(args: Any, /) -> None:
        """Handle an exception raised by ``Thread.run()``: print the thread's name and
        the traceback to stderr; ignore :class:`SystemExit` silently.

        .. versionadded:: 3.8 (Python)
        """
        if args.exc_type is SystemExit:
            return
        thread = args.thread
        stderr = sys.stderr
        if stderr is None and thread is not None:
            stderr = getattr(thread, "_stderr", None)
        if stderr is None:
            return
        name = thread.name if thread is not None else get_ident()
        print(f"Exception in thread {name}:", file=stderr, flush=True)
        traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback, file=stderr)
        stderr.flush()

    def invoke_excepthook(thread: Any) -> None:
        exc_type, exc_value, exc_tb = sys.exc_info()
        hook: Callable[[Any], object] = getattr(world.backend, "excepthook", excepthook)
        hook_args = ExceptHookArgs((exc_type, exc_value, exc_tb, thread))
        try:
            hook(hook_args)
        except Exception as exc:
            exc.__suppress_context__ = True
            stderr = sys.stderr if sys.stderr is not None else thread._stderr
            if stderr is not None:
                print("Exception in anythread.excepthook:", file=stderr, flush=True)
            sys.excepthook(*sys.exc_info())
        finally:
            # Break the cycles exception -> traceback -> frame -> these locals.
            del exc_type, exc_value, exc_tb, hook_args

    def settrace(func: Any) -> None:
        """Set a trace function for every thread started afterwards by this backend: it
        is passed to :func:`sys.settrace` in the thread, before ``run()`` is called.

        Spec: 16.2 settrace(); MOD-SETTRACE-01.
        """
        world.trace = func

    def setprofile(func: Any) -> None:
        """Set a profile function for every thread started afterwards by this backend:
        it is passed to :func:`sys.setprofile` in the thread, before ``run()``.

        Spec: 16.2 setprofile(); MOD-SETPROFILE-01.
        """
        world.profile = func

    def gettrace() -> Any:
        """Return the function set by :func:`settrace`, or None.

        .. versionadded:: 3.10 (Python)
        """
        return world.trace

    def getprofile() -> Any:
        """Return the function set by :func:`setprofile`, or None.

        .. versionadded:: 3.10 (Python)
        """
        return world.profile

    world.invoke_excepthook = invoke_excepthook
    return SimpleNamespace(
        excepthook=excepthook,
        settrace=settrace,
        setprofile=setprofile,
        gettrace=gettrace,
        getprofile=getprofile,
    )
