"""``anythread run``: run an unmodified threading program on a backend.

``anythread run -b NAME script.py [args]`` (or ``-m module [args]``) runs a program that
imports :mod:`threading` as ``python script.py`` would, except that its ``threading``
names are backend ``NAME``'s objects.  How:

* The backend is loaded first, so every module it imports (and the modules imported
  before the switch: anythread itself, the registry, pluggy) keeps the REAL
  ``threading``: ``pure`` starts its OS threads as real ``threading.Thread``\\ s and
  ``debug`` wraps them.
* Then a module object, :class:`ThreadingShim`, is put in ``sys.modules["threading"]``
  and the program is run with :mod:`runpy`.  Every ``import threading`` (and ``from
  threading import X``) the program or a module it imports later makes gets the shim,
  whose names are the backend's own objects.  After the program ends the shim runs the
  exit rule (registered exit callbacks, then non-daemon threads joined) and the real
  module is put back before the interpreter shuts down.
* Under ``stdlib`` nothing is replaced: the backend *is* ``threading``.

The shim provides the backend's API (:data:`anythread.protocols.API_NAMES`), ``__all__``
and ``__excepthook__``, and three private names standard-library modules use, each
implemented with public means: ``_register_atexit`` (:mod:`concurrent.futures`),
``_shutdown`` (:mod:`multiprocessing`'s children) and ``_HAVE_THREAD_NATIVE_ID`` (False).
``Lock()`` and ``RLock()`` objects offer ``_at_fork_reinit`` (:mod:`concurrent.futures`
and :mod:`logging` register it with :func:`os.register_at_fork`): where the backend's own
do not, the shim's ``Lock``/``RLock`` is a subclass adding only that method (it releases
what the forking thread holds, and gives a lock another thread held a new lock's
state).  Any other name is an :class:`AttributeError` that names the backend.

This module must not import a backend by name; it gets the backend from the registry.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import runpy
import sys
import threading
import time
import types
from collections.abc import Callable, Sequence
from typing import Any

from anythread.errors import DeadlockError
from anythread.protocols import API_NAMES, Backend
from anythread.registry import registry
from anythread.selection import BACKEND_ENV, DEFAULT_BACKEND

__all__ = ["ThreadingShim", "main", "run_program"]

# threading's __all__: the API but anythread's sleep and monotonic and the deprecated
# camelCase aliases (which CPython leaves out of it too).
_PUBLIC = tuple(
    n for n in API_NAMES if n not in ("sleep", "monotonic", "currentThread", "activeCount")
)
_FORK_REINIT = ("Lock", "RLock")


def _fork_reinit(lock: Any) -> None:
    """Make ``lock`` usable in a forked child, where only the forking thread runs.

    What the forking thread holds (as :mod:`concurrent.futures` holds its lock across
    the fork) is released through the lock's own methods, so that the backend's
    bookkeeping (debug's record of held locks) sees it; a lock that another thread held
    can never be released, so it gets a new lock's state: its constructor runs again.
    """
    owned = getattr(lock, "_is_owned", None)
    if owned is not None:
        while owned():
            lock.release()
    elif lock.locked():
        lock.release()  # a Lock has no owner: the forking thread may release it
    if lock.locked():
        lock.__init__()


def _reinit_capable(factory: Any) -> Any:
    """Return ``factory``, or a subclass of it whose instances have ``_at_fork_reinit``."""
    if not isinstance(factory, type):
        # A factory function: its locks have it (stdlib's; pure's Lock, a _thread lock;
        # cooperative's Lock and RLock, the kernel's own).
        return factory
    if hasattr(factory, "_at_fork_reinit"):
        return factory
    namespace = {
        "__slots__": (),
        "__module__": factory.__module__,
        "__qualname__": factory.__qualname__,
        "__doc__": factory.__doc__,
        "_at_fork_reinit": _fork_reinit,
    }
    return type(factory.__name__, (factory,), namespace)


class ThreadingShim(types.ModuleType):
    """The ``threading`` module a program sees under ``anythread run -b NAME``.

    Its names are backend ``NAME``'s objects (``threading.Thread is
    backend.Thread``); ``excepthook`` is read from and assigned on the backend every
    time, as on the facade.
    """

    def __init__(self, backend: Backend, name: str) -> None:
        super().__init__("threading", f"threading served by anythread backend {name!r}")
        self.__dict__["_anythread_backend"] = backend
        self.__dict__["_anythread_name"] = name
        self.__dict__["_exit_callbacks"] = []
        self.__dict__["_exiting"] = False
        for api in API_NAMES:
            if api != "excepthook":
                value = getattr(backend, api)
                self.__dict__[api] = _reinit_capable(value) if api in _FORK_REINIT else value
        self.__dict__["__all__"] = list(_PUBLIC)
        self.__dict__["__excepthook__"] = backend.excepthook
        self.__dict__["_HAVE_THREAD_NATIVE_ID"] = False

    @property
    def excepthook(self) -> Any:
        """The backend's ``excepthook``, read through (assigning it assigns the
        backend's)."""
        return self.__dict__["_anythread_backend"].excepthook

    @excepthook.setter
    def excepthook(self, hook: Any) -> None:
        self.__dict__["_anythread_backend"].excepthook = hook

    def __getattr__(self, name: str) -> Any:
        backend = self.__dict__["_anythread_name"]
        raise AttributeError(
            f"module 'threading' has no attribute {name!r}: under anythread run, threading "
            f"is backend {backend!r}'s API, which has no {name!r} (the shim serves the "
            "threading API, __all__, __excepthook__, _register_atexit, _shutdown and "
            "_HAVE_THREAD_NATIVE_ID). Run the program on -b stdlib to use the standard "
            "library's threading."
        )

    def _register_atexit(self, function: Callable[..., object], *args: Any, **kw: Any) -> None:
        """Call ``function(*args, **kw)`` when the main program ends, before non-daemon
        threads are joined (as :mod:`concurrent.futures` needs: its exit callback tells
        idle workers to stop, and the join waits for them).  Callbacks run last
        registered first.

        :raises RuntimeError: once the exit rule has started.
        """
        if self.__dict__["_exiting"]:
            raise RuntimeError("can't register atexit after shutdown")
        self.__dict__["_exit_callbacks"].append(lambda: function(*args, **kw))

    def _shutdown(self) -> None:
        """Run the exit rule: the callbacks of :meth:`_register_atexit` (last first),
        then wait for every non-daemon thread of the backend but the caller.

        :raises DeadlockError: the first of :meth:`_anythread_exit_rule`'s.
        """
        deadlocks = self._anythread_exit_rule()
        if deadlocks:
            raise deadlocks[0]

    def _anythread_exit_rule(self, reported: Sequence[BaseException] = ()) -> list[DeadlockError]:
        """:meth:`_shutdown`, returning the :class:`~anythread.DeadlockError` of each
        thread whose ``join()`` the backend found would never return (the other threads
        are waited for all the same).

        One deadlock is returned once, however many of the joins find it, and not at
        all if it is one of ``reported`` (the error the program itself died of): see
        :func:`_deadlock_key`.
        """
        self.__dict__["_exiting"] = True
        callbacks: list[Callable[[], object]] = self.__dict__["_exit_callbacks"]
        while callbacks:
            callbacks.pop()()
        backend: Backend = self.__dict__["_anythread_backend"]
        me = backend.current_thread()
        stuck: list[Any] = []
        deadlocks: list[DeadlockError] = []
        seen = {_deadlock_key(exc, me.name) for exc in reported if isinstance(exc, DeadlockError)}
        while True:
            waiting = [
                t
                for t in backend.enumerate()
                if t is not me and not t.daemon and all(t is not s for s in stuck)
            ]
            if not waiting:
                return deadlocks
            for thread in waiting:
                try:
                    thread.join()
                except DeadlockError as exc:
                    stuck.append(thread)
                    key = _deadlock_key(exc, me.name)
                    if key not in seen:
                        seen.add(key)
                        deadlocks.append(exc)


def _deadlock_key(exc: DeadlockError, exiting: str) -> object:
    """What makes two reports of :class:`~anythread.DeadlockError` the same deadlock:
    its cycle, in any rotation; without one (threads that wait for what no thread will
    do), its report less the lines of thread ``exiting``, the thread that runs the exit
    rule, which the reports of its several joins (or its own wait, before) tell apart."""
    if exc.cycle:
        return frozenset(exc.cycle)
    own = f"  thread {exiting!r} "
    return tuple(line for line in str(exc).splitlines() if not line.startswith(own))


#: Where a hang report places a thread blocked in an exit rule, in no code of the user's.
EXIT_RULE_SITE = "the end of the program (the exit rule)"


@functools.cache
def exit_rule_codes() -> tuple[types.CodeType, ...]:
    """The code of the two exit rules that wait for non-daemon threads: the world's, at
    interpreter exit, and this shim's, when the program run is over.  A backend's hang
    report that finds one of them, above every frame of the user's, in a blocked
    thread's stack, says the thread is at :data:`EXIT_RULE_SITE`."""
    from anythread.semantics.thread import _join_at_exit

    return (_join_at_exit.__code__, ThreadingShim._anythread_exit_rule.__code__)


def _backend_list() -> str:
    rows = registry.listing()
    names = [f"{r.name}" + ("" if r.available else " (unavailable)") for r in rows]
    return ", ".join(names) or "none (reinstall anythread)"


def _trimmed(tb: types.TracebackType | None) -> types.TracebackType | None:
    """Drop the leading frames of this module and runpy: the traceback starts in the
    program, as ``python script.py`` prints it."""
    while tb is not None and tb.tb_frame.f_globals.get("__name__") in (__name__, "runpy"):
        tb = tb.tb_next
    return tb


def _exit_status(exc: SystemExit) -> int:
    # As the interpreter treats SystemExit's argument: None is 0, an int is the status,
    # anything else is printed to stderr and the status is 1.
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


class _NoModule(Exception):
    pass


def _execute(target: str, args: Sequence[str], module: bool) -> None:
    sys.argv = [target, *args]
    if module:
        sys.path[0] = os.getcwd()
        try:
            found = importlib.util.find_spec(target) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise _NoModule(f"{sys.executable}: No module named {target}")
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.path[0] = os.path.dirname(os.path.abspath(target))
        # An absolute path, as python gives a script: __file__ and tracebacks match.
        runpy.run_path(os.path.abspath(target), run_name="__main__")


def _import_queue_on_backend(backend: Backend) -> None:
    """Import :mod:`queue` (unless imported already) with its C accelerator hidden, so
    that ``queue.SimpleQueue`` is its pure-Python version, built on the backend's
    primitives: the C one blocks the OS thread out of the backend's sight (under
    ``cooperative`` that stops every green thread; :mod:`concurrent.futures`' workers
    wait on one).

    The module computes the deadlines of its timed waits (``get(timeout=...)``,
    ``put(timeout=...)``) with a clock it imports as its global ``time``; it is given
    the backend's clock, which its waits run on: under a virtual clock a real deadline
    never comes while the waits take no time, and the loop would spin until it did.
    """
    if "queue" in sys.modules:
        return
    saved = sys.modules.get("_queue")
    sys.modules["_queue"] = None  # type: ignore[assignment]  # documented: import fails
    try:
        queue = importlib.import_module("queue")
    finally:
        if saved is None:
            del sys.modules["_queue"]
        else:
            sys.modules["_queue"] = saved
    if getattr(queue, "time", None) is time.monotonic:
        queue.time = backend.monotonic  # type: ignore[attr-defined]


def run_program(name: str | None, target: str, args: Sequence[str], *, module: bool) -> int:
    """Run ``target`` (a script path, or a module name if ``module``) with ``args`` on
    backend ``name`` (default: ``ANYTHREAD_BACKEND``, else ``stdlib``); return the exit
    status ``python target`` would have.

    :raises KeyboardInterrupt: if the program is interrupted (as Python reports it).
    """
    if name is None:
        name = os.environ.get(BACKEND_ENV, "").strip() or DEFAULT_BACKEND
    name = name.strip()
    try:
        backend = registry.load(name, source="anythread run -b")
    except LookupError as exc:
        print(f"anythread run: {exc}\nbackends: {_backend_list()}", file=sys.stderr)
        return 2
    # The facade (import anythread) serves the same backend, here and in child processes.
    os.environ[BACKEND_ENV] = name
    import anythread

    anythread.use(name)
    shim = None if backend.name == "stdlib" else ThreadingShim(backend, name)
    real = sys.modules.get("threading", threading)
    if shim is not None:
        sys.modules["threading"] = shim
        _import_queue_on_backend(backend)
    status = 0
    died_of: list[BaseException] = []
    try:
        status = _run_guarded(target, args, module, died_of)
    finally:
        if shim is not None:
            try:
                status = _exit_rule(shim, real, status, died_of)
            finally:
                sys.modules["threading"] = real
    return status


def _run_guarded(
    target: str, args: Sequence[str], module: bool, died_of: list[BaseException]
) -> int:
    """Run the program; return its exit status, as ``python`` reports its end.  The
    exception the program died of, if any, is appended to ``died_of``."""
    try:
        _execute(target, args, module)
    except SystemExit as exc:
        return _exit_status(exc)
    except _NoModule as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        # Python itself reports it and ends the process as interrupted (after the exit
        # functions): re-raised, with the traceback printed from the program's frame.
        _print_from_program(exc)
        raise
    except BaseException as exc:
        died_of.append(exc)
        trimmed = _trimmed(exc.__traceback__)
        sys.excepthook(type(exc), exc.with_traceback(trimmed), trimmed)
        return 1
    return 0


def _print_from_program(exc: BaseException) -> None:
    """Have ``exc``, about to end the interpreter uncaught, printed as ``python`` would
    print it: without the frames of the console script, the command line, this module
    and runpy above the program's.  The interpreter prints it with ``sys.excepthook``
    (the program's own, if it set one), so that hook is given the trimmed traceback."""
    hook = sys.excepthook

    def print_trimmed(kind: type[BaseException], value: BaseException, tb: Any) -> Any:
        if value is not exc:
            return hook(kind, value, tb)
        # The frames above _execute's are the ones this exception met on its way out.
        while tb is not None and tb.tb_frame.f_code is not _execute.__code__:
            tb = tb.tb_next
        program = _trimmed(tb)
        return hook(kind, value.with_traceback(program), program)

    sys.excepthook = print_trimmed


def _exit_rule(
    shim: ThreadingShim, real: types.ModuleType, status: int, died_of: Sequence[BaseException]
) -> int:
    """Run the shim's exit rule; return the exit status, 1 instead of 0 if the backend
    found threads deadlocked.

    ``python script.py`` would hang there for ever; a backend that can tell raises
    :class:`~anythread.DeadlockError` instead, which is printed (not a traceback of
    anythread's own frames), once the other threads have ended: each deadlock once, and
    not again if the program died of it (``died_of``).  If OS threads that the
    interpreter waits for at its exit are left (the deadlocked threads of a backend of
    OS threads), it would hang there: the process ends at once, with that status.
    """
    deadlocks = shim._anythread_exit_rule(died_of)
    if not deadlocks:
        return status
    for exc in deadlocks:
        print(f"anythread run: at exit, {exc}", file=sys.stderr, flush=True)
    status = status or 1
    main = real.main_thread()
    if any(t is not main and not t.daemon for t in real.enumerate()):
        # (The exit functions would not have run either: the interpreter runs them
        # once the threads it waits for have ended.)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a closed or broken stream: exit all the same
                pass
        os._exit(status)
    return status


def main(argv: Sequence[str]) -> int:
    """``anythread run [-b NAME] (script.py | -m module) [args]``; return the status."""
    usage = "usage: anythread run [-b NAME] (script.py | -m module) [args ...]"
    backend: str | None = None
    rest = list(argv)
    while rest and rest[0].startswith("-") and rest[0] != "-m":
        option = rest.pop(0)
        if option in ("-h", "--help"):
            print(f"{usage}\n\n{_HELP}")
            return 0
        if option in ("-b", "--backend") and rest:
            backend = rest.pop(0)
        elif option.startswith("--backend="):
            backend = option.partition("=")[2]
        elif option.startswith("-b") and len(option) > 2:
            backend = option[2:]
        else:
            print(f"{usage}\nanythread run: unknown option {option!r}", file=sys.stderr)
            return 2
    module = bool(rest) and rest[0] == "-m"
    if module:
        rest.pop(0)
    if not rest:
        what = "a module name after -m" if module else "a script or -m module"
        print(f"{usage}\nanythread run: expected {what}", file=sys.stderr)
        return 2
    if not module and not os.path.exists(rest[0]):
        print(
            f"anythread run: can't open file {os.path.abspath(rest[0])!r}: "
            "[Errno 2] No such file or directory",
            file=sys.stderr,
        )
        return 2
    return run_program(backend, rest[0], rest[1:], module=module)


_HELP = """\
Run a program that imports threading, unmodified, on an anythread backend: its
threading names are the backend's objects (threading.Lock is the backend's Lock).
As 'python script.py [args]' or 'python -m module [args]': same sys.argv, __main__,
exit status and tracebacks.

options:
  -b NAME, --backend NAME  the backend (default: $ANYTHREAD_BACKEND, else stdlib);
                           'anythread backends' lists them

example: anythread run -b debug -m pytest tests/   (deadlocks and lock-order
inversions in an existing test suite become errors)"""
