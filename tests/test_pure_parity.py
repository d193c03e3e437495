"""Argument checking of ``pure`` against the running Python's ``threading``, call by call.

Each row of :data:`SAME` is a wrong (or borderline) call made once on ``threading`` and
once on ``pure``: both must raise the same exception type with the same message (module
prefixes aside: ``_thread._ExceptHookArgs`` is ``anythread.ExceptHookArgs``), or both
return the same value.  :data:`DELIBERATE` lists where the project differs on purpose,
as the semantics page says, and checks what ``pure`` does there.

This module covers the objects of the semantics layer's thread, local and hooks modules
(Thread, Timer, local, the module functions, excepthook, ExceptHookArgs).
"""

from __future__ import annotations

import decimal
import math
import re
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from anythread_backends.pure import backend as pure

LONG = 10.0
Call = Callable[[Any, list[Callable[[], object]]], object]


def stopped(m: Any) -> Any:
    thread = m.Thread(target=lambda: None)
    thread.start()
    thread.join(LONG)
    return thread


def alive(m: Any, cleanup: list[Callable[[], object]]) -> Any:
    """A started thread that ends when the test is over."""
    release = m.Event()
    thread = m.Thread(target=release.wait, args=(LONG,), daemon=True)
    thread.start()
    cleanup.append(release.set)
    cleanup.append(lambda: thread.join(LONG))
    return thread


def uninitialized(m: Any) -> Any:
    """A Thread subclass whose __init__ forgot Thread.__init__()."""

    class Forgetful(m.Thread):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            pass

    return Forgetful()


def numbered(name: str) -> str:
    return re.sub(r"\d+", "N", name)


def other_module(m: Any) -> Any:
    return pure if m is threading else threading


def excepthook(m: Any) -> Any:
    # pytest replaces threading.excepthook while tests run; the original stays public.
    return threading.__excepthook__ if m is threading else m.excepthook


EHA = (SystemExit, None, None, None)

SAME: dict[str, Call] = {
    # Thread(...)
    "Thread(group=1)": lambda m, c: m.Thread(group=1),
    "Thread(1)": lambda m, c: m.Thread(1),
    "Thread(bogus=1)": lambda m, c: m.Thread(bogus=1),
    "Thread(6 positional)": lambda m, c: m.Thread(None, None, None, (), None, 1),
    "Thread(daemon=1).daemon": lambda m, c: m.Thread(daemon=1).daemon,
    "Thread(daemon='').daemon": lambda m, c: m.Thread(daemon="").daemon,
    "Thread(name=0).name": lambda m, c: numbered(m.Thread(name=0).name),
    "Thread(name=5).name": lambda m, c: m.Thread(name=5).name,
    "Thread(target=1).name": lambda m, c: numbered(m.Thread(target=1).name),
    "Thread(target=print).name": lambda m, c: numbered(m.Thread(target=print).name),
    # lifecycle
    "start() twice": lambda m, c: stopped(m).start(),
    "start(1)": lambda m, c: m.Thread().start(1),
    "run(1)": lambda m, c: m.Thread().run(1),
    "run() with args=1": lambda m, c: m.Thread(target=print, args=1).run(),
    "run() with kwargs=1": lambda m, c: m.Thread(target=print, kwargs=1).run(),
    "is_alive(1)": lambda m, c: m.Thread().is_alive(1),
    "join() before start": lambda m, c: m.Thread().join(),
    "join('x') before start": lambda m, c: m.Thread().join("x"),
    "join() of the current thread": lambda m, c: m.main_thread().join(),
    "join(1, 2)": lambda m, c: stopped(m).join(1, 2),
    "join(bogus=1)": lambda m, c: stopped(m).join(bogus=1),
    "join('x') stopped": lambda m, c: stopped(m).join("x"),
    "join('x') alive": lambda m, c: alive(m, c).join("x"),
    "join(None) stopped": lambda m, c: stopped(m).join(None),
    "join(True) stopped": lambda m, c: stopped(m).join(True),
    "join(-5) stopped": lambda m, c: stopped(m).join(-5),
    "join(nan) alive": lambda m, c: alive(m, c).join(math.nan),
    "join(-1) alive": lambda m, c: (alive(m, c).join(-1), "returned"),
    "join(Decimal) alive": lambda m, c: alive(m, c).join(decimal.Decimal("0.01")),
    # attributes
    "daemon = True after start": lambda m, c: setattr(stopped(m), "daemon", True),
    "daemon = True on the main thread": lambda m, c: setattr(m.main_thread(), "daemon", True),
    "daemon = 1 keeps 1": lambda m, c: (lambda t: (setattr(t, "daemon", 1), t.daemon))(m.Thread()),
    "name = None": lambda m, c: (lambda t: (setattr(t, "name", None), t.name))(m.Thread()),
    "name = 5": lambda m, c: (lambda t: (setattr(t, "name", 5), t.name))(m.Thread()),
    "del name": lambda m, c: delattr(m.Thread(), "name"),
    "ident = 5": lambda m, c: setattr(m.Thread(), "ident", 5),
    "native_id = 5": lambda m, c: setattr(m.Thread(), "native_id", 5),
    "setDaemon()": lambda m, c: m.Thread().setDaemon(),
    "setName()": lambda m, c: m.Thread().setName(),
    # a subclass that did not call Thread.__init__()
    "uninitialized start()": lambda m, c: uninitialized(m).start(),
    "uninitialized join()": lambda m, c: uninitialized(m).join(),
    "uninitialized is_alive()": lambda m, c: uninitialized(m).is_alive(),
    "uninitialized name": lambda m, c: uninitialized(m).name,
    "uninitialized name = x": lambda m, c: setattr(uninitialized(m), "name", "x"),
    "uninitialized ident": lambda m, c: uninitialized(m).ident,
    "uninitialized native_id": lambda m, c: uninitialized(m).native_id,
    "uninitialized daemon": lambda m, c: uninitialized(m).daemon,
    "uninitialized daemon = True": lambda m, c: setattr(uninitialized(m), "daemon", True),
    "uninitialized repr()": lambda m, c: repr(uninitialized(m)),
    # Timer(...)
    "Timer()": lambda m, c: m.Timer(),
    "Timer(1)": lambda m, c: m.Timer(1),
    "Timer(1, print, bogus=1)": lambda m, c: m.Timer(1, print, bogus=1),
    "Timer(5 positional)": lambda m, c: m.Timer(1, print, 1, 2, 3),
    "Timer(-1, f).run()": lambda m, c: m.Timer(-1, lambda: None).run(),
    "Timer.cancel(1)": lambda m, c: m.Timer(1, print).cancel(1),
    # local
    "local(1)": lambda m, c: m.local(1),
    "local(x=1)": lambda m, c: m.local(x=1),
    "local().missing": lambda m, c: m.local().missing,
    "del local().missing": lambda m, c: delattr(m.local(), "missing"),
    "local().__dict__ = {}": lambda m, c: setattr(m.local(), "__dict__", {}),
    "del local().__dict__": lambda m, c: delattr(m.local(), "__dict__"),
    "setattr(local(), 1, 2)": lambda m, c: setattr(m.local(), 1, 2),  # type: ignore[arg-type]
    "getattr(local(), 1)": lambda m, c: getattr(m.local(), 1),  # type: ignore[arg-type]
    # module functions
    "current_thread(1)": lambda m, c: m.current_thread(1),
    "main_thread(1)": lambda m, c: m.main_thread(1),
    "enumerate(1)": lambda m, c: m.enumerate(1),
    "active_count(1)": lambda m, c: m.active_count(1),
    "currentThread(1)": lambda m, c: m.currentThread(1),
    "activeCount(1)": lambda m, c: m.activeCount(1),
    "settrace()": lambda m, c: m.settrace(),
    "settrace(1, 2)": lambda m, c: m.settrace(1, 2),
    "setprofile()": lambda m, c: m.setprofile(),
    "setprofile(1, 2)": lambda m, c: m.setprofile(1, 2),
    "gettrace(1)": lambda m, c: m.gettrace(1),
    "getprofile(1)": lambda m, c: m.getprofile(1),
    "stack_size(-1)": lambda m, c: m.stack_size(-1),
    "stack_size(1)": lambda m, c: m.stack_size(1),
    "stack_size('x')": lambda m, c: m.stack_size("x"),
    "stack_size(1.5)": lambda m, c: m.stack_size(1.5),
    "stack_size(1, 2)": lambda m, c: m.stack_size(1, 2),
    "stack_size(size=1)": lambda m, c: m.stack_size(size=1),
    "stack_size(2**70)": lambda m, c: m.stack_size(2**70),
    # excepthook
    "excepthook(1)": lambda m, c: excepthook(m)(1),
    "excepthook()": lambda m, c: excepthook(m)(),
    "excepthook(1, 2)": lambda m, c: excepthook(m)(1, 2),
    "excepthook(args=...)": lambda m, c: excepthook(m)(args=m.ExceptHookArgs(EHA)),
    "excepthook(a tuple)": lambda m, c: excepthook(m)(EHA),
    "excepthook(the other's args)": lambda m, c: excepthook(m)(other_module(m).ExceptHookArgs(EHA)),
    "excepthook(SystemExit args)": lambda m, c: excepthook(m)(m.ExceptHookArgs(EHA)),
    # ExceptHookArgs
    "ExceptHookArgs((1, 2, 3))": lambda m, c: m.ExceptHookArgs((1, 2, 3)),
    "ExceptHookArgs(5-sequence)": lambda m, c: m.ExceptHookArgs((1, 2, 3, 4, 5)),
    "ExceptHookArgs(1)": lambda m, c: m.ExceptHookArgs(1),
    "ExceptHookArgs()": lambda m, c: m.ExceptHookArgs(),
    "ExceptHookArgs(sequence=...)": lambda m, c: tuple(m.ExceptHookArgs(sequence=(1, 2, 3, 4))),
    "ExceptHookArgs(seq, {})": lambda m, c: tuple(m.ExceptHookArgs((1, 2, 3, 4), {})),
    "ExceptHookArgs(seq, dict=None)": lambda m, c: tuple(m.ExceptHookArgs((1, 2, 3, 4), dict=None)),
    "ExceptHookArgs(seq, 1)": lambda m, c: m.ExceptHookArgs((1, 2, 3, 4), 1),
    "ExceptHookArgs(seq, {}, 3)": lambda m, c: m.ExceptHookArgs((1, 2, 3, 4), {}, 3),
    "ExceptHookArgs(seq, sequence=seq)": lambda m, c: m.ExceptHookArgs(
        (1, 2, 3, 4), sequence=(1, 2, 3, 4)
    ),
    "ExceptHookArgs(seq, bogus=1)": lambda m, c: m.ExceptHookArgs((1, 2, 3, 4), bogus=1),
    "ExceptHookArgs(sequence=, dict=, bogus=)": lambda m, c: m.ExceptHookArgs(
        sequence=(1, 2, 3, 4), dict=None, bogus=1
    ),
    "ExceptHookArgs(seq, dict=, bogus=)": lambda m, c: m.ExceptHookArgs(
        (1, 2, 3, 4), dict=None, bogus=1
    ),
    "ExceptHookArgs('abcd')": lambda m, c: tuple(m.ExceptHookArgs("abcd")),
    "ExceptHookArgs(iterator)": lambda m, c: tuple(m.ExceptHookArgs(iter((1, 2, 3, 4)))),
    "ExceptHookArgs fields": lambda m, c: [
        getattr(m.ExceptHookArgs((1, 2, 3, 4)), field)
        for field in ("exc_type", "exc_value", "exc_traceback", "thread")
    ],
    "ExceptHookArgs field = 1": lambda m, c: setattr(m.ExceptHookArgs(EHA), "exc_type", 1),
    "del ExceptHookArgs field": lambda m, c: delattr(m.ExceptHookArgs(EHA), "thread"),
    "ExceptHookArgs new attribute": lambda m, c: setattr(m.ExceptHookArgs(EHA), "other", 1),
    "ExceptHookArgs subclass": lambda m, c: types.new_class("Sub", (m.ExceptHookArgs,)),
    "ExceptHookArgs == tuple": lambda m, c: m.ExceptHookArgs((1, 2, 3, 4)) == (1, 2, 3, 4),
    "ExceptHookArgs sizes": lambda m, c: (
        m.ExceptHookArgs.n_fields,
        m.ExceptHookArgs.n_sequence_fields,
        m.ExceptHookArgs.n_unnamed_fields,
        m.ExceptHookArgs.__match_args__,
    ),
}

# Where the project differs on purpose (docs/semantics.rst lists them): what pure raises.
DELIBERATE: dict[str, tuple[Call, type[Exception], str]] = {
    # CPython 3.10-3.12 do not look at the timeout of a thread that has ended.
    "join(nan) stopped": (
        lambda m, c: stopped(m).join(math.nan),
        ValueError,
        "Invalid value NaN",
    ),
    "join(Decimal) stopped": (
        lambda m, c: stopped(m).join(decimal.Decimal(1)),
        TypeError,
        "cannot be interpreted as an integer",
    ),
    # CPython's message names its internal clock type and changes between versions.
    "join(1e300) stopped": (
        lambda m, c: stopped(m).join(1e300),
        OverflowError,
        "timeout value is too large",
    ),
    "join(1e300) alive": (
        lambda m, c: alive(m, c).join(1e300),
        OverflowError,
        "timeout value is too large",
    ),
}

_PREFIX = re.compile(r"\b(?:_thread\._?|anythread\.|threading\.)")


def outcome(call: Call, module: Any, cleanup: list[Callable[[], object]]) -> tuple[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            result = call(module, cleanup)
        except Exception as exc:
            return type(exc).__name__, _PREFIX.sub("", str(exc))
    return "returned", _PREFIX.sub("", repr(result))


@pytest.fixture
def cleanup() -> Iterator[list[Callable[[], object]]]:
    actions: list[Callable[[], object]] = []
    yield actions
    for action in actions:
        action()


@pytest.mark.parametrize("name", sorted(SAME))
def test_pure_checks_like_threading(name: str, cleanup: list[Callable[[], object]]) -> None:
    call = SAME[name]
    expected = outcome(call, threading, cleanup)
    assert outcome(call, pure, cleanup) == expected, f"on Python {sys.version.split()[0]}"


@pytest.mark.parametrize("name", sorted(DELIBERATE))
def test_deliberate_differences(name: str, cleanup: list[Callable[[], object]]) -> None:
    call, kind, message = DELIBERATE[name]
    with pytest.raises(kind, match=re.escape(message)):
        call(pure, cleanup)


def test_excepthook_still_prints_for_its_own_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise ValueError("shown")
    except ValueError as exc:
        args = pure.ExceptHookArgs((type(exc), exc, exc.__traceback__, None))
    pure.excepthook(args)
    err = capsys.readouterr().err
    assert err.startswith("Exception in thread ")
    assert "ValueError: shown" in err


def test_lock_is_threadings_own() -> None:
    # Lock() is _thread's lock, so pure's Lock is threading's: a function up to 3.12,
    # the lock's class from 3.13 on, where isinstance(x, threading.Lock) works.
    assert pure.Lock is threading.Lock
    if isinstance(threading.Lock, type):
        assert isinstance(pure.Lock(), pure.Lock)
    with pytest.raises(TypeError) as real:
        threading.Lock(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError) as raised:
        pure.Lock(1)  # type: ignore[call-arg]
    assert str(raised.value) == str(real.value)


@pytest.mark.parametrize(
    "args",
    [
        (True, -(2**70)),
        (True, -1e300),
        (True, -math.inf),
        (False, -(2**70)),
        (False, 2**70),
        (True, 10**400),
        (False, math.nan),
        (True, -5),
        (False, 5),
    ],
)
def test_rlock_refuses_timeouts_in_cpythons_order(args: tuple[bool, float]) -> None:
    # CPython converts the timeout to its clock's nanoseconds first: NaN, and numbers of
    # either sign out of that range, are refused before the other checks.  (Its
    # OverflowError names the clock type; ours says what the docs say.)
    with pytest.raises((ValueError, OverflowError)) as real:
        threading.RLock().acquire(*args)
    with pytest.raises((ValueError, OverflowError)) as raised:
        pure.RLock().acquire(*args)
    assert raised.type is real.type
    if real.type is OverflowError:
        assert str(raised.value) == "timeout value is too large"
    else:
        assert str(raised.value) == str(real.value)
