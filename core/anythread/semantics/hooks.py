"""``excepthook``, ``ExceptHookArgs``, and the trace and profile functions of a world.

An exception that escapes a thread's ``run()`` is handed, as an :class:`ExceptHookArgs`,
to the backend's ``excepthook`` attribute as it is at that moment (so assigning
``backend.excepthook = f`` takes effect, as assigning ``threading.excepthook`` does).
The default hook prints ``Exception in thread NAME:`` and the traceback to stderr, like
CPython's, and ignores :class:`SystemExit`.  As in CPython, a new ``Thread`` refuses to
be made while that attribute or :data:`sys.excepthook` is None, and keeps both to fall
back on if one is None when the thread fails.

This module must not import ``threading``.
"""

from __future__ import annotations

import inspect
import sys
import traceback
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from anythread.semantics._checks import named_as
from anythread.semantics.world import World

__all__ = ["ExceptHookArgs", "make_hooks"]


class _Field:
    """A read-only field of :class:`ExceptHookArgs`, as a struct sequence's fields are."""

    def __init__(self, index: int, doc: str) -> None:
        self.index = index
        self.__doc__ = doc

    def __get__(self, obj: tuple[Any, ...] | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj[self.index]

    def __set__(self, obj: object, value: object) -> None:
        raise AttributeError("readonly attribute")

    def __delete__(self, obj: object) -> None:
        raise AttributeError("readonly attribute")


class ExceptHookArgs(tuple):  # type: ignore[type-arg]
    """The argument of ``excepthook``: ``(exc_type, exc_value, exc_traceback, thread)``.

    Built, like CPython's (a struct sequence), from one 4-sequence, and checked as
    CPython checks it: the same exception types and messages; the fields are read-only
    and the class cannot be subclassed.

    .. versionadded:: 3.8 (Python)

    :param sequence: the four values.
    :raises TypeError: if ``sequence`` is not a sequence of exactly four items.
    """

    __slots__ = ()
    n_sequence_fields = n_fields = 4
    n_unnamed_fields = 0
    __match_args__ = ("exc_type", "exc_value", "exc_traceback", "thread")

    exc_type = _Field(0, "The type of the exception.")
    exc_value = _Field(1, "The exception, which may be None.")
    exc_traceback = _Field(2, "The traceback, which may be None.")
    thread = _Field(3, "The thread that raised the exception, which may be None.")

    def __new__(cls, *args: Any, **kwargs: Any) -> ExceptHookArgs:
        sequence = _structseq_argument(args, kwargs)
        try:
            values = tuple(sequence)
        except TypeError:
            raise TypeError("constructor requires a sequence") from None
        if len(values) != 4:
            raise TypeError(
                f"anythread.ExceptHookArgs() takes a 4-sequence ({len(values)}-sequence given)"
            )
        return super().__new__(cls, values)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError("type 'anythread.ExceptHookArgs' is not an acceptable base type")

    def __repr__(self) -> str:
        return (
            f"anythread.ExceptHookArgs(exc_type={self[0]!r}, exc_value={self[1]!r}, "
            f"exc_traceback={self[2]!r}, thread={self[3]!r})"
        )


# CPython 3.13 reworded the error for an unknown keyword argument.
_UNEXPECTED_KEYWORD = (
    "structseq() got an unexpected keyword argument {!r}"
    if sys.version_info >= (3, 13)
    else "{!r} is an invalid keyword argument for structseq()"
)


def _structseq_argument(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    # The arguments of a struct sequence's constructor: (sequence, dict=None), with
    # CPython's messages; the dict (for unnamed extra fields) has no use here.
    if len(args) > 2 or len(args) + len(kwargs) > 2:
        # CPython says "keyword arguments" when none of them is positional.
        which = "" if args else "keyword "
        given = len(args) + len(kwargs)
        raise TypeError(f"structseq() takes at most 2 {which}arguments ({given} given)")
    names = ("sequence", "dict")
    for key in kwargs:
        if key not in names:
            raise TypeError(_UNEXPECTED_KEYWORD.format(key))
        position = names.index(key)
        if position < len(args):
            raise TypeError(
                f"argument for structseq() given by name ({key!r}) and position ({position + 1})"
            )
    values = dict(zip(names, args, strict=False))
    values.update(kwargs)
    if "sequence" not in values:
        raise TypeError("structseq() missing required argument 'sequence' (pos 1)")
    if "dict" in values and not isinstance(values["dict"], dict):
        raise TypeError("anythread.ExceptHookArgs() takes a dict as second arg, if any")
    return values["sequence"]


def _hook_name(world: World) -> str:
    """The name the program knows the world's hook by, for messages: ``threading``'s
    where the module in :data:`sys.modules` as ``threading`` serves this world's threads
    (``anythread run`` puts such a module there), else ``anythread``'s."""
    served = getattr(sys.modules.get("threading"), "Thread", None)
    ours = getattr(world.backend, "Thread", None)
    if isinstance(served, type) and isinstance(ours, type) and issubclass(served, ours):
        return "threading.excepthook"
    return "anythread.excepthook"


_EXCEPTHOOK_SIGNATURE = inspect.Signature(
    [inspect.Parameter("args", inspect.Parameter.POSITIONAL_ONLY)], return_annotation=None
)


def make_hooks(world: World) -> SimpleNamespace:
    """Build ``excepthook``, ``settrace``, ``setprofile``, ``gettrace``, ``getprofile``
    of ``world``, and install the world's excepthook invoker."""
    get_ident = world.kernel.get_ident

    def excepthook(*arguments: Any, **keywords: Any) -> None:
        """Handle an exception raised by ``Thread.run()``: print the thread's name and
        the traceback to stderr; ignore :class:`SystemExit` silently.

        .. versionadded:: 3.8 (Python)

        :param args: an :class:`ExceptHookArgs` (positional only).
        :raises TypeError: if it is given anything but one :class:`ExceptHookArgs`.
        """
        # Checked as CPython's C function checks it, with its messages.
        if keywords:
            raise TypeError("anythread.excepthook() takes no keyword arguments")
        if len(arguments) != 1:
            raise TypeError(
                f"anythread.excepthook() takes exactly one argument ({len(arguments)} given)"
            )
        args = arguments[0]
        if type(args) is not ExceptHookArgs:
            raise TypeError("anythread.excepthook argument type must be ExceptHookArgs")
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

    kept: list[tuple[Callable[[Any], object], Callable[..., object]]] = []

    def excepthooks_now() -> tuple[Callable[[Any], object], Callable[..., object]]:
        # What a new thread keeps (CPython's _make_invoke_excepthook).
        hook = getattr(world.backend, "excepthook", excepthook)
        if hook is None:
            raise RuntimeError(f"{_hook_name(world)} is None")
        sys_hook = sys.excepthook
        if sys_hook is None:
            raise RuntimeError("sys.excepthook is None")
        # The pair the last thread kept, while both hooks are the same: one tuple for
        # all the threads (an idle thread should cost little memory).
        if kept and kept[0][0] is hook and kept[0][1] is sys_hook:
            return kept[0]
        pair = (hook, sys_hook)
        kept[:] = [pair]
        return pair

    def invoke_excepthook(thread: Any) -> None:
        exc_type, exc_value, exc_tb = sys.exc_info()
        kept_hook, kept_sys_hook = thread._excepthooks
        hook: Callable[[Any], object] | None = getattr(world.backend, "excepthook", excepthook)
        if hook is None:
            hook = kept_hook  # (set to None after the thread was made)
        hook_args = ExceptHookArgs((exc_type, exc_value, exc_tb, thread))
        try:
            hook(hook_args)
        except Exception as exc:
            exc.__suppress_context__ = True
            stderr = sys.stderr if sys.stderr is not None else thread._stderr
            if stderr is not None:
                print(f"Exception in {_hook_name(world)}:", file=stderr, flush=True)
            sys_hook = sys.excepthook if sys.excepthook is not None else kept_sys_hook
            sys_hook(*sys.exc_info())
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

    excepthook.__signature__ = _EXCEPTHOOK_SIGNATURE  # type: ignore[attr-defined]
    world.invoke_excepthook = invoke_excepthook
    world.excepthooks_now = excepthooks_now
    return SimpleNamespace(
        excepthook=named_as(excepthook, "excepthook"),
        settrace=named_as(settrace, "settrace"),
        setprofile=named_as(setprofile, "setprofile"),
        gettrace=named_as(gettrace, "gettrace"),
        getprofile=named_as(getprofile, "getprofile"),
    )
