"""Thread, Timer, the main thread, dummy threads, and the functions that list them.

:class:`Thread` is the whole lifecycle of a thread written once: ``start()`` asks the
kernel for a thread and waits until it is registered, the new thread runs ``run()``
(with the world's trace and profile functions installed), hands an escaping exception to
the backend's ``excepthook``, then unregisters itself, tells the world it has ended (so
its ``local`` values are dropped) and releases the kernel lock that ``join()`` waits on.
:func:`make_thread_classes` derives the classes of one world from these (``Thread``,
``Timer``, ``_MainThread``, ``_DummyThread``: CPython's names, which Python's own errors
for wrong arguments quote) together with ``current_thread``, ``main_thread``,
``enumerate`` and ``active_count``.  The rules about all threads at once live here too:
the exit rule (wait for non-daemon threads when the main thread is over) and the reset
of the threads after a fork.

This module must not import ``threading``, must not use CPython's private thread
internals, and waits only on kernel locks.
"""

from __future__ import annotations

import atexit
import functools
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType, SimpleNamespace
from typing import Any, ClassVar, cast

from anythread.protocols import (
    KernelExitHook,
    KernelForkHooks,
    KernelIdentsAtStart,
    KernelLock,
    KernelNamedThreads,
    KernelSchedulingPoints,
    KernelThreadHandle,
)
from anythread.semantics._checks import check_join_timeout, named_as, wait_lock
from anythread.semantics.world import World

__all__ = [
    "Thread",
    "Timer",
    "make_thread_classes",
]

_INITIAL, _STARTING, _STARTED, _STOPPED = range(4)

# CPython 3.13 turned the error for joining a dummy thread into a RuntimeError.
_DUMMY_JOIN_ERROR: type[Exception] = RuntimeError if sys.version_info >= (3, 13) else AssertionError

# The keyword arguments of a thread made without any: one read-only empty mapping for
# all of them (CPython makes a dict per thread; an idle thread should cost little).
_NO_KWARGS: Mapping[str, Any] = MappingProxyType({})


# --------------------------------------------------------------------------- kernel extra


# --------------------------------------------------------------------------- threads


class Thread:
    """A thread of control: the behaviour of ``threading.Thread``.

    Spec: 16.2.1 (Thread Objects); THREAD-INIT-01, THREAD-NAME-01..04,
    THREAD-DAEMON-01..05, THREAD-EXC-01..02.  Users subclass the per-backend ``Thread`` class and
    override only ``__init__()`` and ``run()``.

    :param group: must be None (reserved for a future ThreadGroup class).
    :param target: the callable that :meth:`run` invokes, or None.
    :param name: the thread's name; by default ``"Thread-N"``, followed by the target's
        name in parentheses when it has one.
    :param args: positional arguments for ``target``.
    :param kwargs: keyword arguments for ``target``.
    :param daemon: whether the thread is a daemon; by default, inherited from the
        creating thread.
    :raises AssertionError: if ``group`` is not None (as CPython does).
    """

    _world: ClassVar[World]
    #: ``_launch(function, thread)`` starts ``function()`` in a new kernel thread for
    #: ``thread``; it returns the kernel's handle, if the kernel gives one
    _launch: ClassVar[staticmethod[[Callable[[], object], Thread], KernelThreadHandle | None]]
    _is_dummy: ClassVar[bool] = False
    #: whether start() registers the new thread itself (KernelIdentsAtStart)
    _idents_at_start: ClassVar[bool] = False
    #: whether it may do so in the critical section that starts it, when the kernel's
    #: ``preemptive_points`` is false at that moment (KernelSchedulingPoints too)
    _one_section_start: ClassVar[bool] = False
    _initialized = False
    _handle: KernelThreadHandle | None = None

    def __init__(
        self,
        group: None = None,
        target: Callable[..., object] | None = None,
        name: object = None,
        args: Iterable[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        daemon: bool | None = None,
    ) -> None:
        if group is not None:
            raise AssertionError("group argument must be None for now")
        world = self._world
        if name:
            name = str(name)
        else:
            name = world.new_name("Thread-%d")
            if target is not None:
                target_name = getattr(target, "__name__", None)
                if isinstance(target_name, str):
                    name = f"{name} ({target_name})"
        self._target = target
        self._name: str = name
        self._args = args
        self._kwargs = _NO_KWARGS if kwargs is None else kwargs
        if daemon is None:
            daemon = world.current_thread()._daemonic
        elif daemon and not world.daemon_threads_allowed():
            raise RuntimeError("daemon threads are disabled in this (sub)interpreter")
        # Kept as given, as CPython keeps it (Thread(daemon=1).daemon is 1).
        self._daemonic = daemon
        self._ident: int | None = None
        self._native_id: int | None = None
        self._lifecycle = _INITIAL
        # The lock that join() waits on (locked until the thread stops), made by the
        # first join that must wait: most threads are never waited for while alive.
        self._done: KernelLock | None = None
        self._started_signal: KernelLock | None = None
        # Like CPython: remember stderr now, in case sys.stderr is gone at exit time,
        # and the hooks, in case one is None when the thread fails (neither may be None
        # now: RuntimeError).
        self._stderr = sys.stderr
        self._excepthooks = world.excepthooks_now()
        self._initialized = True

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the thread's activity: arrange for :meth:`run` to be called in a new
        thread of control, and return once the new thread is alive.

        Spec: 16.2.1 start(); THREAD-START-01, THREAD-ALIVE-01.

        :raises RuntimeError: if called more than once on the same thread object, or if
            ``Thread.__init__()`` was not called.
        """
        if not self._initialized:
            raise RuntimeError("thread.__init__() not called")
        world = self._world
        if not self._daemonic and not world.exit_armed:
            _arm_exit_rule(world)
        if self._one_section_start and not world.kernel.preemptive_points:  # type: ignore[attr-defined]
            # The kernel knows the new thread's identifiers as soon as it is started
            # (KernelIdentsAtStart), and starting one is no scheduling point
            # (KernelSchedulingPoints, read now: a kernel may turn them on for a while):
            # start it and register it in one critical section, without waiting for it.
            with world.lock:
                if self._lifecycle != _INITIAL:
                    raise RuntimeError("threads can only be started once")
                self._lifecycle = _STARTING
                try:
                    handle = self._handle = self._launch(self._bootstrap, self)
                except BaseException:
                    self._lifecycle = _INITIAL
                    raise
                ident = handle.ident  # type: ignore[union-attr]
                self._make_alive(ident, handle.native_id)  # type: ignore[union-attr]
            if ident in world.owners:
                world.thread_ended(ident)
            return
        with world.lock:
            if self._lifecycle != _INITIAL:
                raise RuntimeError("threads can only be started once")
            self._lifecycle = _STARTING
            world.limbo[id(self)] = self
        signal = None
        if not self._idents_at_start:
            # Waited on by this thread only, released once by the new one: a parked lock.
            parked = world.waits.allocate_parked
            if parked is None:
                signal = world.kernel.allocate_lock()
                signal.acquire()
            else:
                signal = parked()
            self._started_signal = signal
        try:
            handle = self._handle = self._launch(self._bootstrap, self)
        except BaseException:
            with world.lock:
                # Unless the new thread has registered: the launch raised after the
                # thread started (a Ctrl-C in the wait of threading's start(), say), and
                # it runs, as on CPython.
                if self._lifecycle == _STARTING:
                    world.limbo.pop(id(self), None)
                    self._lifecycle = _INITIAL
            raise
        if signal is None:
            # The kernel knows the new thread's identifiers now, but starting it may have
            # been a scheduling point: register it here (unless it ran and did so).
            self._register(handle.ident, handle.native_id)  # type: ignore[union-attr]
            return
        # Wait until the new thread is registered: afterwards is_alive(), ident and
        # native_id are all set, as CPython guarantees.
        signal.acquire()

    def _bootstrap(self) -> None:
        world = self._world
        kernel = world.kernel
        try:
            # Not registered by start() already; or start() raised after it launched
            # this thread (the thread runs all the same, as on CPython: it registers).
            if self._lifecycle in (_STARTING, _INITIAL):
                self._register(kernel.get_ident(), kernel.get_native_id())
            if self._started_signal is not None:
                self._signal_started()
            trace, profile = world.trace, world.profile
            if trace is not None or profile is not None:
                world.install_thread_hooks(trace, profile)
            try:
                self.run()
            except BaseException:
                world.invoke_excepthook(self)
        finally:
            self._mark_stopped()
            # start() must never wait for ever, even if registration itself failed.
            if self._started_signal is not None:
                self._signal_started()

    def _register(self, ident: int, native_id: int | None) -> None:
        # Make the thread alive: by the new thread itself or, when the kernel knows its
        # identifiers at start, by start() (whichever comes first; the other does nothing).
        if self._lifecycle not in (_STARTING, _INITIAL):
            return  # (it never comes back to either: no lock needed to see that)
        world = self._world
        with world.lock:
            if self._lifecycle not in (_STARTING, _INITIAL):
                return
            world.limbo.pop(id(self), None)
            self._make_alive(ident, native_id)
        if ident in world.owners:
            world.thread_ended(ident)

    def _make_alive(self, ident: int, native_id: int | None) -> None:
        # (world.lock held.)  If the identifier was recycled, whatever held it (an alien
        # thread, seen as a dummy or not) has ended: the caller then tells the world, so
        # that its thread-local values go with it.
        self._ident = ident
        self._native_id = native_id
        self._world.active[ident] = self
        self._lifecycle = _STARTED

    def _signal_started(self) -> None:
        signal, self._started_signal = self._started_signal, None
        if signal is not None:
            signal.release()

    def _mark_stopped(self) -> None:
        world = self._world
        ident = self._ident
        with world.lock:
            if self._lifecycle == _STOPPED:
                return
            if self._lifecycle == _STARTING:  # its registration failed: it never ran
                world.limbo.pop(id(self), None)
            self._lifecycle = _STOPPED
            if ident is not None and world.active.get(ident) is self:
                del world.active[ident]
            done = self._done
        if ident is not None and ident in world.owners:
            world.thread_ended(ident)
        if done is not None:
            done.release()

    def _after_fork(self, *, alive: bool) -> None:
        world = self._world
        # (A lock made before the fork may have been in any state: none is kept.)
        self._done = None
        if alive:
            self._ident = world.kernel.get_ident()
            self._native_id = world.kernel.get_native_id()
            self._lifecycle = _STARTED
        else:
            self._lifecycle = _STOPPED

    def run(self) -> None:
        """The thread's activity: call ``target(*args, **kwargs)`` if a target was given.

        Spec: 16.2.1 run(); THREAD-TARGET-01..02, THREAD-RUN-01.

        Override it in a subclass.
        """
        try:
            target = self._target
            if target is not None:
                args, kwargs = self._args, self._kwargs
                if (
                    type(args) is tuple
                    and not args
                    and (kwargs is _NO_KWARGS or (type(kwargs) is dict and not kwargs))
                ):
                    # The same call, without unpacking: the interpreter then runs the
                    # target in the frame loop it runs this in (one C stack frame less
                    # for a green thread to keep while it waits).
                    target()
                else:
                    target(*args, **kwargs)
        finally:
            # Break the reference cycle thread -> target -> thread, as CPython does.
            del self._target, self._args, self._kwargs

    def _wait_done(self, timeout: float | None) -> None:
        world = self._world
        done = self._done
        if done is None:
            if self._lifecycle == _STOPPED:
                return
            made = world.kernel.allocate_lock()
            made.acquire()
            with world.lock:
                # Installed before the thread stops, or not at all: _mark_stopped reads
                # it under the same lock, after setting _STOPPED.
                if self._lifecycle == _STOPPED:
                    return
                done = self._done
                if done is None:
                    done = self._done = made
        if wait_lock(done, timeout, world.kernel.monotonic, world.kernel.TIMEOUT_MAX):
            done.release()

    def join(self, timeout: float | None = None) -> None:
        """Wait until the thread terminates, or until ``timeout`` seconds have passed.

        Spec: 16.2.1 join(); THREAD-JOIN-01..06.

        Always returns None: call :meth:`is_alive` afterwards to
        tell whether the wait timed out.  A thread can be joined many times.

        :param timeout: seconds (a float) or None to wait for as long as it takes.
        :raises RuntimeError: if the thread is the current thread, or has not been
            started.
        """
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if self._lifecycle == _INITIAL:
            raise RuntimeError("cannot join thread before it is started")
        world = self._world
        if self._ident is not None and self._ident == world.kernel.get_ident():
            raise RuntimeError("cannot join current thread")
        seconds = None if timeout is None else check_join_timeout(timeout, world.kernel.TIMEOUT_MAX)
        if self._lifecycle != _STOPPED:
            self._wait_done(seconds)
        handle = self._handle
        if handle is not None and self._lifecycle == _STOPPED:
            # The thread is over; wait the little it takes the platform to forget it, so
            # that nothing beneath the backend still lists a joined thread.
            handle.join(seconds)

    def is_alive(self) -> bool:
        """Return whether the thread is alive: from just before :meth:`run` starts until
        just after it terminates.

        Spec: 16.2.1 is_alive(); THREAD-ALIVE-01..02.
        """
        if not self._initialized:
            raise AssertionError("Thread.__init__() not called")
        return self._lifecycle == _STARTED

    # ------------------------------------------------------------------ attributes

    @property
    def name(self) -> str:
        """The thread's name, for identification only; several threads may share one."""
        if not self._initialized:
            raise AssertionError("Thread.__init__() not called")
        return self._name

    @name.setter
    def name(self, name: object) -> None:
        if not self._initialized:
            raise AssertionError("Thread.__init__() not called")
        self._name = str(name)

    @property
    def ident(self) -> int | None:
        """The thread identifier (a nonzero integer), or None before the thread starts.

        It stays available after the thread has exited; identifiers may be recycled.
        """
        if not self._initialized:
            raise AssertionError("Thread.__init__() not called")
        return self._ident

    @property
    def native_id(self) -> int | None:
        """The kernel's native identifier of the thread, or None before it starts.

        .. versionadded:: 3.8 (Python)
        """
        if not self._initialized:
            raise AssertionError("Thread.__init__() not called")
        return self._native_id

    @property
    def daemon(self) -> bool:
        """Whether this is a daemon thread.

        Inherited from the creating thread; it must be set before :meth:`start`.  The
        program exits when no alive non-daemon thread is left.

        :raises RuntimeError: on assignment after :meth:`start`.
        """
        if not self._initialized:
            raise AssertionError("Thread.__init__() not called")
        return self._daemonic

    @daemon.setter
    def daemon(self, daemonic: bool) -> None:
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if daemonic and not self._world.daemon_threads_allowed():
            raise RuntimeError("daemon threads are disabled in this interpreter")
        if self._lifecycle != _INITIAL:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemonic = daemonic

    def isDaemon(self) -> bool:
        """Old getter for :attr:`daemon` (deprecated, as in CPython 3.10+)."""
        warnings.warn(
            "isDaemon() is deprecated, get the daemon attribute instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.daemon

    def setDaemon(self, daemonic: bool) -> None:
        """Old setter for :attr:`daemon` (deprecated, as in CPython 3.10+)."""
        warnings.warn(
            "setDaemon() is deprecated, set the daemon attribute instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self.daemon = daemonic

    def getName(self) -> str:
        """Old getter for :attr:`name` (deprecated, as in CPython 3.10+)."""
        warnings.warn(
            "getName() is deprecated, get the name attribute instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.name

    def setName(self, name: str) -> None:
        """Old setter for :attr:`name` (deprecated, as in CPython 3.10+)."""
        warnings.warn(
            "setName() is deprecated, set the name attribute instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self.name = name

    def __repr__(self) -> str:
        if not self._initialized:
            raise AssertionError("Thread.__init__() was not called")
        status = "initial"
        if self._lifecycle in (_STARTED, _STOPPED):
            status = "started"
        if self._lifecycle == _STOPPED:
            status = "stopped"
        if self._daemonic:
            status += " daemon"
        if self._ident is not None:
            status += f" {self._ident}"
        return f"<{type(self).__name__}({self._name}, {status})>"


class Timer(Thread):
    """A thread that calls ``function(*args, **kwargs)`` after ``interval`` seconds,
    unless :meth:`cancel` is called first.

    Spec: 16.2.7 (Timer Objects); TIMER-01..05.
    """

    _event_class: ClassVar[Any]

    def __init__(
        self,
        interval: float,
        function: Callable[..., object],
        args: Iterable[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = self._event_class()

    def cancel(self) -> None:
        """Stop the timer, and cancel its action if it has not started yet."""
        self.finished.set()

    def run(self) -> None:
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


class _MainThread(Thread):
    """The thread of control the program started with: alive, and never a daemon."""

    def __init__(self) -> None:
        world = self._world
        Thread.__init__(self, name="MainThread", daemon=False)
        self._ident, self._native_id = world.main_ids
        self._lifecycle = _STARTED

    def _stop_at_exit(self) -> None:
        """Mark the main thread over, for the exit rule: ``is_alive()`` is False and
        ``join()`` returns; but, as CPython's ``_shutdown`` leaves it, it stays the
        registered thread of its identifier, with its ``local`` values, for the exit
        functions that still run in it."""
        world = self._world
        with world.lock:
            if self._lifecycle == _STOPPED:
                return
            self._lifecycle = _STOPPED
            done = self._done
        if done is not None:
            done.release()


class _DummyThread(Thread):
    """A thread started outside the backend (an *alien* thread), seen from inside it.

    Always alive, and daemonic unless the kernel forbids daemon threads; it cannot be
    joined, and the exit rule never waits for it.  It is forgotten when a thread
    started by the backend reuses its identifier, and never handed to another thread
    that has its identifier but not its native id: that one gets a dummy of its own
    (THREAD-DUMMY-01).
    """

    _is_dummy = True

    def __init__(self) -> None:
        world = self._world
        # Daemonic where the kernel allows daemon threads (as CPython 3.12+ makes its
        # dummies); asking for a daemon where none is allowed would refuse the dummy.
        Thread.__init__(
            self, name=world.new_name("Dummy-%d"), daemon=world.daemon_threads_allowed()
        )
        self._ident = world.kernel.get_ident()
        self._native_id = world.kernel.get_native_id()
        self._lifecycle = _STARTED
        with world.lock:
            world.active[self._ident] = self

    def join(self, timeout: float | None = None) -> None:
        raise _DUMMY_JOIN_ERROR("cannot join a dummy thread")

    def is_alive(self) -> bool:
        return True


# --------------------------------------------------------------------------- exit and fork


def _threads(world: World) -> list[Thread]:
    # The registry holds only this module's threads; the world types them loosely.
    return cast("list[Thread]", [*world.active.values(), *world.limbo.values()])


def _arm_exit_rule(world: World) -> None:
    """Make sure the program will wait for non-daemon threads at exit.

    Called when a non-daemon thread starts; the rule is registered once per world (and
    again in a forked child, whose kernel forgot it).
    """
    armed = world.exit_armed  # the common case, answered without taking the lock
    if armed:
        return
    with world.lock:
        already, world.exit_armed = world.exit_armed, True
    if already:
        return
    kernel = world.kernel
    if isinstance(kernel, KernelExitHook):
        try:
            kernel.register_exit_hook(functools.partial(_join_at_exit, world))
        except BaseException:
            world.exit_armed = False
            raise
    elif not world.exit_atexit_registered:
        world.exit_atexit_registered = True
        atexit.register(_join_at_exit, world)


def _join_at_exit(world: World) -> None:
    """The exit rule: the main thread is over; wait for every non-daemon thread.

    Spec: THREAD-EXIT-01..02.  Threads started while waiting (by the threads being waited
    for) are waited for too; daemon threads and dummy threads are not waited for.  The
    main thread is marked stopped but stays registered (see ``_MainThread._stop_at_exit``).
    """
    main = cast("Thread | None", world.main)
    if isinstance(main, _MainThread):
        main._stop_at_exit()
    me = world.kernel.get_ident()
    while True:
        with world.lock:
            pending = [
                t
                for t in _threads(world)
                if not t._daemonic and t._ident != me and not t._is_dummy and t is not main
            ]
        if not pending:
            return
        for thread in pending:
            thread._wait_done(None)


def _after_fork_in_child(world: World) -> None:
    # Only the forking thread survives: it becomes the main thread, every other thread
    # is marked stopped (so join() returns at once), and the world starts over.
    ident = world.kernel.get_ident()
    everyone = _threads(world)
    current = cast("Thread | None", world.active.get(ident))
    main = cast("Thread | None", world.main)
    world.reset_after_fork(ident)
    for thread in everyone:
        if thread is not current:
            thread._after_fork(alive=False)
    if current is not None:
        if current._is_dummy and main is not None:
            # An alien thread forked: in the child it is the main thread, as CPython
            # makes it.
            current.__class__ = type(main)
            current._name = "MainThread"
            current._daemonic = False
        current._after_fork(alive=True)
        world.active[ident] = current
        world.main = current
    elif main is not None:
        # The forking thread was never seen by this world: it is the child's main thread
        # from now on.
        main._after_fork(alive=True)
        world.active[ident] = main


# --------------------------------------------------------------------------- the classes


def make_thread_classes(world: World, event_class: Callable[[], Any]) -> SimpleNamespace:
    """Build the thread classes and functions of ``world``.

    Returns a namespace with ``Thread``, ``Timer``, ``current_thread``, ``main_thread``,
    ``enumerate`` and ``active_count``; registers the main thread, and the reset after a
    fork when the kernel offers fork hooks.
    """
    get_ident = world.kernel.get_ident
    get_native_id = world.kernel.get_native_id
    active = world.active

    kernel = world.kernel
    launch: Callable[[Callable[[], object], Thread], KernelThreadHandle | None]
    if isinstance(kernel, KernelNamedThreads):
        launch = kernel.start_named_thread
    else:
        start_new_thread = kernel.start_new_thread

        def launch_plain(function: Callable[[], object], thread: Thread) -> None:
            start_new_thread(function, ())

        launch = launch_plain

    idents_at_start = (
        isinstance(kernel, KernelNamedThreads)
        and isinstance(kernel, KernelIdentsAtStart)
        and bool(kernel.idents_at_start)
    )
    attrs: dict[str, Any] = {
        "_world": world,
        "_launch": staticmethod(launch),
        "_idents_at_start": idents_at_start,
        "_one_section_start": idents_at_start and isinstance(kernel, KernelSchedulingPoints),
        "__module__": "anythread",
    }
    thread_cls = type("Thread", (Thread,), dict(attrs, __qualname__="Thread"))
    timer_cls = type(
        "Timer",
        (Timer, thread_cls),
        dict(attrs, __qualname__="Timer", _event_class=staticmethod(event_class)),
    )
    main_cls = type("_MainThread", (_MainThread, thread_cls), dict(attrs))
    dummy_cls = type("_DummyThread", (_DummyThread, thread_cls), dict(attrs))

    def current_thread() -> Any:
        """Return the Thread object of the calling thread (a dummy thread if the backend
        did not start it).

        Spec: 16.2 current_thread(); MOD-CURRENT-01..02, THREAD-DUMMY-01.
        """
        try:
            # (The registry holds only this module's threads; the world types them loosely.)
            thread: Thread = world.active[get_ident()]  # type: ignore[assignment]
        except KeyError:
            return dummy_cls()
        if thread._is_dummy and thread._native_id != get_native_id():
            # The dummy of an alien thread that has ended, whose identifier the platform
            # gave to this one: a new thread, with a dummy of its own.
            return dummy_cls()
        return thread

    def main_thread() -> Any:
        """Return the main Thread object: the thread the program started with.

        .. versionadded:: 3.4 (Python)
        """
        return world.main

    def enumerate() -> list[Any]:
        """Return every alive Thread object: started threads, dummy threads, the main
        thread; not threads that have ended or were never started.

        Spec: 16.2 enumerate(); MOD-ENUM-01..03.
        """
        with world.lock:
            return [*world.active.values(), *world.limbo.values()]

    def active_count() -> int:
        """Return the number of alive Thread objects: ``len(enumerate())``.

        Spec: 16.2 active_count(); MOD-ACTIVE-01.
        """
        with world.lock:
            return len(world.active) + len(world.limbo)

    def currentThread() -> Any:
        """Deprecated alias of :func:`current_thread` (as in CPython 3.10+)."""
        warnings.warn(
            "currentThread() is deprecated, use current_thread() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return current_thread()

    def activeCount() -> int:
        """Deprecated alias of :func:`active_count` (as in CPython 3.10+)."""
        warnings.warn(
            "activeCount() is deprecated, use active_count() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return active_count()

    world.current_thread = current_thread
    # The main thread inherits no daemon flag: build it before anything asks for one.
    main = main_cls()
    world.main = main
    active[world.main_ids[0]] = main
    if isinstance(world.kernel, KernelForkHooks):
        world.kernel.register_after_fork(functools.partial(_after_fork_in_child, world))

    return SimpleNamespace(
        Thread=thread_cls,
        Timer=timer_cls,
        current_thread=named_as(current_thread, "current_thread"),
        main_thread=named_as(main_thread, "main_thread"),
        enumerate=named_as(enumerate, "enumerate"),
        active_count=named_as(active_count, "active_count"),
        currentThread=named_as(currentThread, "currentThread"),
        activeCount=named_as(activeCount, "activeCount"),
    )
