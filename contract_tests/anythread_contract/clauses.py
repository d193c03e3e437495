"""The clause catalogue: every behavioural sentence the contract suite checks.

Each :class:`Clause` has a stable id (``LOCK-ACQ-TIMEOUT-02``), the section of the spec it
comes from (``16.2.2``), the sentence itself, where the sentence comes from (the 3.2
chapter, a later standard addition the project adopts, or CPython's behaviour where the
spec leaves a point open) and the :class:`~anythread.Capability` a backend needs for the
clause to apply.  This module is the one place the catalogue lives: the suite's tests
name clauses by id, the plugin reads capabilities from here, ``anythread certify``
groups its report by section and the documentation renders this table.

This module only declares data.  It must not import pytest nor any backend, and ids,
once published, must never be reused for a different sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from anythread.protocols import Capability

__all__ = ["BY_ID", "CHANGELOG", "CLAUSES", "SECTIONS", "Clause", "Source"]

#: Where a clause's sentence comes from.  ``spec``: the 3.2 chapter; ``addition``: a
#: later standard addition that the project adopts; ``cpython``: the spec leaves the point
#: open and CPython's behaviour settles it (exception types, argument checking);
#: ``design``: a principle of the project's that every backend honours where CPython's own
#: objects do not (a NaN timeout fails fast on every backend alike).
Source = Literal["spec", "addition", "cpython", "design"]

#: The spec's sections, in document order, with their titles.
SECTIONS: Mapping[str, str] = {
    "16.2": "Module functions, constants and thread-local data",
    "16.2.1": "Thread Objects",
    "16.2.2": "Lock Objects",
    "16.2.3": "RLock Objects",
    "16.2.4": "Condition Objects",
    "16.2.5": "Semaphore Objects",
    "16.2.6": "Event Objects",
    "16.2.7": "Timer Objects",
    "16.2.8": "Barrier Objects",
    "16.2.9": "Using locks, conditions, and semaphores in the with statement",
}


@dataclass(frozen=True)
class Clause:
    """One checkable sentence of the specification."""

    id: str
    """Stable identifier, ``AREA-TOPIC-NN``."""
    section: str
    """The spec section the sentence belongs to (a key of :data:`SECTIONS`)."""
    text: str
    """The sentence, in the spec's own words (or CPython's behaviour, stated plainly)."""
    source: Source = "spec"
    """Where the sentence comes from."""
    requires: frozenset[Capability] = frozenset()
    """Capabilities without which the clause does not apply (the clause is skipped)."""
    since: int = 1
    """The contract version that added the clause (see :data:`CHANGELOG`)."""


_T = frozenset({Capability.TRUE_TIMEOUTS})
_ALIEN = frozenset({Capability.ALIEN_THREADS})


def _c(
    id: str,
    section: str,
    text: str,
    source: Source = "spec",
    requires: frozenset[Capability] = frozenset(),
    since: int = 1,
) -> Clause:
    return Clause(id, section, " ".join(text.split()), source, requires, since)


CLAUSES: tuple[Clause, ...] = (
    # ------------------------------------------------------------------ 16.2 module
    _c(
        "API-NAMES-01",
        "16.2",
        "The backend provides every name of the threading API "
        "that anythread serves (Lock, RLock, Condition, Semaphore, BoundedSemaphore, "
        "Event, Barrier, Thread, Timer, local, the module functions, TIMEOUT_MAX, the "
        "exceptions and sleep).",
        "addition",
    ),
    _c(
        "API-ERRORS-01",
        "16.2",
        "BrokenBarrierError and ThreadError are the standard "
        "library's own classes, re-exported, not redefined; BrokenBarrierError is a "
        "subclass of RuntimeError.",
        "addition",
    ),
    _c(
        "API-FACTORY-01",
        "16.2",
        "Lock(), RLock(), Condition(), Semaphore(), "
        "BoundedSemaphore() and Event() are factory functions that each return a new "
        "object.",
    ),
    _c(
        "MOD-ACTIVE-01",
        "16.2",
        "active_count(): Return the number of Thread objects "
        "currently alive. The returned count is equal to the length of the list returned "
        "by enumerate().",
    ),
    _c(
        "MOD-ACTIVE-02",
        "16.2",
        "The camelCase name activeCount() is still supported (it may warn that it is deprecated).",
    ),
    _c(
        "MOD-ACTIVE-03",
        "16.2",
        "active_count() counts the dummy thread objects of alien threads too, like "
        "enumerate(): the count stays equal to the length of the list.",
        requires=_ALIEN,
        since=2,
    ),
    _c(
        "MOD-CURRENT-01",
        "16.2",
        "current_thread(): Return the current Thread object, "
        "corresponding to the caller's thread of control.",
    ),
    _c(
        "MOD-CURRENT-02",
        "16.2",
        "If the caller's thread of control was not created "
        "through the threading module, a dummy thread object with limited functionality "
        "is returned.",
        requires=_ALIEN,
    ),
    _c(
        "MOD-CURRENT-03",
        "16.2",
        "The camelCase name currentThread() is still supported "
        "(it may warn that it is deprecated).",
    ),
    _c(
        "MOD-ENUM-01",
        "16.2",
        "enumerate(): Return a list of all Thread objects "
        "currently alive. The list includes daemonic threads and the main thread.",
    ),
    _c(
        "MOD-ENUM-02",
        "16.2",
        "enumerate() excludes terminated threads and threads that have not yet been started.",
    ),
    _c(
        "MOD-ENUM-03",
        "16.2",
        "The list returned by enumerate() includes dummy thread "
        "objects created by current_thread().",
        requires=_ALIEN,
    ),
    _c(
        "MOD-MAIN-01",
        "16.2",
        "main_thread() returns the main Thread object: the initial "
        "thread of control of the program. It is not a daemon thread.",
        "addition",
    ),
    _c(
        "MOD-IDENT-01",
        "16.2",
        "get_ident() returns the 'thread identifier' of the "
        "current thread: a nonzero integer, distinct from that of any other thread alive "
        "at the same time, equal to current_thread().ident.",
    ),
    _c(
        "MOD-NATIVE-01",
        "16.2",
        "get_native_id() returns the native integral thread ID "
        "of the current thread assigned by the kernel, equal to "
        "current_thread().native_id and distinct between threads alive at the same time.",
        "addition",
        frozenset({Capability.NATIVE_IDS}),
    ),
    _c(
        "MOD-TIMEOUT-MAX-01",
        "16.2",
        "TIMEOUT_MAX: The maximum value allowed for the "
        "timeout parameter of blocking functions (Lock.acquire(), RLock.acquire(), "
        "Condition.wait(), etc.). Specifying a timeout greater than this value will raise "
        "an OverflowError.",
    ),
    _c(
        "MOD-TIMEOUT-MAX-02",
        "16.2",
        "TIMEOUT_MAX is a positive float, and a timeout equal to it is allowed.",
        "cpython",
    ),
    _c(
        "MOD-TIMEOUT-NAN-01",
        "16.2",
        "A NaN timeout given to Condition.wait() or wait_for(), Semaphore.acquire(), "
        "Event.wait() or Barrier.wait() (or as a Barrier's default timeout) raises "
        "ValueError at once, whatever the state of "
        "the object (a set Event, a free Semaphore, the last party of a Barrier): no "
        "deadline can be computed from it, so it is a bad argument, as it is for "
        "Lock.acquire().",
        "design",
        since=2,
    ),
    _c(
        "MOD-TIMEOUT-ZERO-01",
        "16.2",
        "A timeout of 0 is a timeout, neither None nor 'use the default': every call "
        "that takes a timeout (Lock and RLock acquire, Condition wait and wait_for, "
        "Semaphore acquire, Event wait, Barrier wait, Thread join) returns at once when "
        "given 0, with the outcome of an expired timeout if it would have to wait.",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-LOCAL-01",
        "16.2",
        "local: Thread-local data are data whose values are "
        "thread specific. The instance's values will be different for separate threads.",
    ),
    _c(
        "MOD-LOCAL-02",
        "16.2",
        "A subclass of local may define __init__ with arguments; "
        "it is called, with the arguments given at creation, in each thread that uses "
        "the instance.",
    ),
    _c(
        "MOD-LOCAL-03",
        "16.2",
        "Creating a plain local with arguments raises TypeError "
        "(initialization arguments are not supported).",
        "cpython",
    ),
    _c(
        "MOD-LOCAL-04",
        "16.2",
        "The values a thread stores in a local are released when the thread ends.",
    ),
    _c(
        "MOD-LOCAL-05",
        "16.2",
        "Each instance of local holds its own thread-specific values: two local objects "
        "used by the same threads never see each other's attributes.",
        since=2,
    ),
    _c(
        "MOD-SETTRACE-01",
        "16.2",
        "settrace(func): Set a trace function for all threads "
        "started from the threading module. The func will be passed to sys.settrace() for "
        "each thread, before its run() method is called.",
        requires=frozenset({Capability.TRACE_HOOKS}),
    ),
    _c(
        "MOD-SETPROFILE-01",
        "16.2",
        "setprofile(func): Set a profile function for all "
        "threads started from the threading module. The func will be passed to "
        "sys.setprofile() for each thread, before its run() method is called.",
        requires=frozenset({Capability.TRACE_HOOKS}),
    ),
    _c(
        "MOD-GETTRACE-01",
        "16.2",
        "gettrace() returns the trace function set by settrace(), or None.",
        "addition",
    ),
    _c(
        "MOD-GETPROFILE-01",
        "16.2",
        "getprofile() returns the profile function set by setprofile(), or None.",
        "addition",
    ),
    _c(
        "MOD-STACK-01",
        "16.2",
        "stack_size([size]): Return the thread stack size used "
        "when creating new threads. The optional size argument specifies the stack size "
        "to be used for subsequently created threads, and must be 0 (use platform or "
        "configured default) or a positive integer value of at least 32,768 (32kB).",
        requires=frozenset({Capability.STACK_SIZE}),
    ),
    _c(
        "MOD-STACK-02",
        "16.2",
        "If the specified stack size is invalid, a ValueError is "
        "raised and the stack size is unmodified.",
        requires=frozenset({Capability.STACK_SIZE}),
    ),
    _c(
        "MOD-EXCEPTHOOK-01",
        "16.2",
        "excepthook(args) handles an uncaught exception "
        "raised by Thread.run(): by default it prints 'Exception in thread NAME:' and the "
        "traceback to sys.stderr.",
        "addition",
    ),
    _c(
        "MOD-EXCEPTHOOK-02",
        "16.2",
        "If exc_type is SystemExit, the exception is silently ignored by excepthook.",
        "addition",
    ),
    _c(
        "MOD-EXCEPTHOOK-03",
        "16.2",
        "ExceptHookArgs has the attributes exc_type, "
        "exc_value, exc_traceback and thread; it is built from a sequence of these four "
        "values.",
        "addition",
    ),
    _c(
        "MOD-EXCEPTHOOK-04",
        "16.2",
        "excepthook can be overridden to control how uncaught exceptions raised by "
        "Thread.run() are handled: assigning a new hook makes the backend's threads call "
        "it with an ExceptHookArgs.",
        "addition",
    ),
    _c(
        "MOD-EXCEPTHOOK-05",
        "16.2",
        "The hook is read when the thread fails, not when it was created or started: "
        "a thread created (or started) before excepthook is reassigned calls the new hook.",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-EXCEPTHOOK-06",
        "16.2",
        "thread is the thread which raised the exception, or None: the default "
        "excepthook called with thread None reports the exception (naming the current "
        "thread's identifier) instead of failing.",
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.1 Thread
    _c(
        "THREAD-TARGET-01",
        "16.2.1",
        "The standard run() method invokes the callable "
        "object passed to the object's constructor as the target argument, with "
        "sequential and keyword arguments taken from the args and kwargs arguments, in a "
        "separate thread of control.",
    ),
    _c("THREAD-TARGET-02", "16.2.1", "target defaults to None, meaning nothing is called."),
    _c(
        "THREAD-RUN-01",
        "16.2.1",
        "The activity may be specified by overriding the run() "
        "method in a subclass; start() invokes it in a separate thread of control.",
    ),
    _c(
        "THREAD-INIT-01",
        "16.2.1",
        "A subclass that overrides the constructor invokes the "
        "base class constructor (Thread.__init__()) before doing anything else to the "
        "thread, and then works as a thread.",
    ),
    _c(
        "THREAD-START-01",
        "16.2.1",
        "start() must be called at most once per thread "
        "object. This method will raise a RuntimeError if called more than once on the "
        "same thread object.",
    ),
    _c(
        "THREAD-ALIVE-01",
        "16.2.1",
        "is_alive() returns True just before the run() "
        "method starts until just after the run() method terminates; a thread not yet "
        "started is not alive.",
    ),
    _c(
        "THREAD-ALIVE-02",
        "16.2.1",
        "A thread stops being alive when its run() method "
        "terminates by raising an unhandled exception.",
    ),
    _c(
        "THREAD-JOIN-01",
        "16.2.1",
        "join() blocks the calling thread until the thread "
        "whose join() method is called terminates.",
    ),
    _c(
        "THREAD-JOIN-02",
        "16.2.1",
        "join(timeout) returns when the timeout occurs; as "
        "join() always returns None, is_alive() after join() tells whether a timeout "
        "happened: if the thread is still alive, the join() call timed out.",
    ),
    _c(
        "THREAD-JOIN-03",
        "16.2.1",
        "join(timeout) that times out does not return before the timeout has elapsed.",
        requires=_T,
    ),
    _c("THREAD-JOIN-04", "16.2.1", "A thread can be join()ed many times."),
    _c(
        "THREAD-JOIN-05",
        "16.2.1",
        "join() raises a RuntimeError if an attempt is made to "
        "join the current thread as that would cause a deadlock.",
    ),
    _c(
        "THREAD-JOIN-06",
        "16.2.1",
        "It is an error to join() a thread before it has been "
        "started and attempts to do so raise RuntimeError.",
    ),
    _c(
        "THREAD-JOIN-07",
        "16.2.1",
        "A join() blocked on a thread returns promptly when that thread terminates, not "
        "at its own timeout nor at a later poll.",
        since=2,
    ),
    _c(
        "THREAD-JOIN-NAN-01",
        "16.2.1",
        "join() with a NaN timeout raises ValueError, whether the thread is alive or "
        "has already ended.",
        "design",
        since=2,
    ),
    _c(
        "THREAD-NAME-01",
        "16.2.1",
        "A thread has a name. The name can be passed to the "
        "constructor, and read or changed through the name attribute.",
    ),
    _c(
        "THREAD-NAME-02",
        "16.2.1",
        "By default, a unique name is constructed of the form "
        "'Thread-N' where N is a small decimal number (CPython 3.10+ appends the target's "
        "name in parentheses).",
    ),
    _c("THREAD-NAME-03", "16.2.1", "Multiple threads may be given the same name."),
    _c(
        "THREAD-NAME-04",
        "16.2.1",
        "getName() and setName() are the old getter/setter API "
        "for name (they may warn that they are deprecated).",
    ),
    _c(
        "THREAD-IDENT-01",
        "16.2.1",
        "ident is the 'thread identifier' of this thread or "
        "None if the thread has not been started. This is a nonzero integer. The "
        "identifier is available even after the thread has exited.",
    ),
    _c(
        "THREAD-NATIVE-01",
        "16.2.1",
        "native_id is the native integral thread ID of this "
        "thread, or None if the thread has not been started; it equals get_native_id() "
        "called in that thread.",
        "addition",
        frozenset({Capability.NATIVE_IDS}),
    ),
    _c(
        "THREAD-DAEMON-01",
        "16.2.1",
        "The initial value of daemon is inherited from the creating thread.",
    ),
    _c(
        "THREAD-DAEMON-02",
        "16.2.1",
        "The main thread is not a daemon thread and "
        "therefore all threads created in the main thread default to daemon = False.",
    ),
    _c(
        "THREAD-DAEMON-03",
        "16.2.1",
        "daemon must be set before start() is called, otherwise RuntimeError is raised.",
    ),
    _c(
        "THREAD-DAEMON-04",
        "16.2.1",
        "Thread(daemon=...) sets the daemon flag; "
        "daemon=None inherits it from the creating thread.",
        "addition",
    ),
    _c(
        "THREAD-DAEMON-05",
        "16.2.1",
        "isDaemon() and setDaemon() are the old "
        "getter/setter API for daemon (they may warn that they are deprecated).",
    ),
    _c(
        "THREAD-DAEMON-06",
        "16.2.1",
        "Dummy thread objects are daemonic, so a thread created in an alien thread "
        "inherits daemon True; it runs and can be joined like any other.",
        requires=_ALIEN,
        since=2,
    ),
    _c(
        "THREAD-DUMMY-01",
        "16.2.1",
        "Dummy thread objects correspond to alien threads, "
        "started outside the threading module; they are always considered alive and "
        "daemonic.",
        requires=_ALIEN,
    ),
    _c(
        "THREAD-DUMMY-02",
        "16.2.1",
        "Dummy thread objects cannot be join()ed: "
        "join() raises (RuntimeError since CPython 3.13, AssertionError before).",
        requires=_ALIEN,
    ),
    _c(
        "THREAD-EXC-01",
        "16.2.1",
        "An unhandled exception in run() is handled by "
        "excepthook, which by default prints 'Exception in thread NAME:' and the traceback "
        "to stderr; the rest of the program continues.",
        "addition",
    ),
    _c(
        "THREAD-EXC-02",
        "16.2.1",
        "A SystemExit raised by run() ends the thread silently.",
        "cpython",
    ),
    _c(
        "THREAD-EXIT-01",
        "16.2.1",
        "The entire Python program exits when no alive "
        "non-daemon threads are left: the program waits for non-daemon threads.",
        requires=frozenset({Capability.EXIT_JOIN}),
    ),
    _c(
        "THREAD-EXIT-02",
        "16.2.1",
        "The entire Python program exits when only daemon "
        "threads are left: it does not wait for daemon threads.",
        requires=frozenset({Capability.EXIT_JOIN}),
    ),
    # ------------------------------------------------------------------ 16.2.2 Lock
    _c("LOCK-INIT-01", "16.2.2", "A primitive lock is created in the unlocked state."),
    _c(
        "LOCK-ACQ-01",
        "16.2.2",
        "When the state is unlocked, acquire() changes the state "
        "to locked and returns immediately; invoked without arguments it returns true.",
    ),
    _c(
        "LOCK-ACQ-02",
        "16.2.2",
        "When the state is locked, acquire() blocks until a call "
        "to release() in another thread changes it to unlocked, then the acquire() call "
        "resets it to locked and returns.",
    ),
    _c(
        "LOCK-ACQ-03",
        "16.2.2",
        "Once a thread has acquired it, subsequent attempts to "
        "acquire it block, until it is released (mutual exclusion).",
    ),
    _c(
        "LOCK-ACQ-NB-01",
        "16.2.2",
        "When invoked with the blocking argument set to false, "
        "do not block. If a call without an argument would block, return false "
        "immediately; otherwise, do the same thing as when called without arguments, and "
        "return true.",
    ),
    _c(
        "LOCK-ACQ-TIMEOUT-01",
        "16.2.2",
        "When invoked with a positive timeout, block for "
        "at most the number of seconds specified by timeout and as long as the lock "
        "cannot be acquired; the return value is False if the timeout expired.",
    ),
    _c(
        "LOCK-ACQ-TIMEOUT-02",
        "16.2.2",
        "An acquire() whose timeout expires does not return before the timeout has elapsed.",
        requires=_T,
    ),
    _c(
        "LOCK-ACQ-TIMEOUT-03",
        "16.2.2",
        "An acquire() with a timeout returns True as "
        "soon as the lock is released by another thread, before the timeout.",
    ),
    _c(
        "LOCK-ACQ-TIMEOUT-04",
        "16.2.2",
        "A negative timeout argument (-1) specifies an unbounded wait.",
    ),
    _c(
        "LOCK-ARG-01",
        "16.2.2",
        "It is forbidden to specify a timeout when blocking is "
        "false: acquire(False, timeout) raises ValueError.",
        "cpython",
    ),
    _c(
        "LOCK-ARG-02",
        "16.2.2",
        "A negative timeout other than -1, or a NaN timeout, raises ValueError.",
        "cpython",
    ),
    _c(
        "LOCK-REL-01",
        "16.2.2",
        "release() changes the state to unlocked and returns "
        "immediately; there is no return value.",
    ),
    _c(
        "LOCK-REL-02",
        "16.2.2",
        "If an attempt is made to release an unlocked lock, a RuntimeError will be raised.",
    ),
    _c(
        "LOCK-REL-03", "16.2.2", "Any thread may release a lock, not only the one that acquired it."
    ),
    _c(
        "LOCK-REL-04",
        "16.2.2",
        "If other threads are blocked waiting for the lock, "
        "release() allows exactly one of them to proceed.",
    ),
    _c(
        "LOCK-SIGNAL-01",
        "16.2.2",
        "Lock acquires can be interrupted by signals on "
        "POSIX: a signal handler that raises interrupts a blocking acquire() in the main "
        "thread.",
        requires=frozenset({Capability.SIGNAL_INTERRUPTIBLE}),
    ),
    _c(
        "LOCK-LOCKED-01",
        "16.2.2",
        "locked() returns True if the lock is acquired, False otherwise.",
        "addition",
    ),
    _c(
        "LOCK-PROMPT-01",
        "16.2.2",
        "acquire() blocks until a call to release() in another thread changes it to "
        "unlocked: the blocked thread is woken promptly by the release, not at its own "
        "timeout nor at a later poll.",
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.3 RLock
    _c(
        "RLOCK-ACQ-01",
        "16.2.3",
        "If this thread already owns the lock, acquire() "
        "increments the recursion level by one, and returns immediately.",
    ),
    _c(
        "RLOCK-ACQ-02",
        "16.2.3",
        "If another thread owns the lock, acquire() blocks until "
        "the lock is unlocked, then grabs ownership and returns true.",
    ),
    _c(
        "RLOCK-ACQ-NB-01",
        "16.2.3",
        "With blocking false, acquire() does not block: if a "
        "call without an argument would block, return false immediately.",
    ),
    _c(
        "RLOCK-ACQ-TIMEOUT-01",
        "16.2.3",
        "With a positive timeout, block for at most "
        "timeout seconds as long as the lock cannot be acquired; return false if the "
        "timeout has elapsed.",
    ),
    _c(
        "RLOCK-ACQ-TIMEOUT-02",
        "16.2.3",
        "An acquire() whose timeout expires does not return before the timeout has elapsed.",
        requires=_T,
    ),
    _c(
        "RLOCK-ARG-01",
        "16.2.3",
        "acquire(False, timeout) raises ValueError; a negative "
        "timeout other than -1 raises ValueError.",
        "cpython",
    ),
    _c(
        "RLOCK-INIT-01",
        "16.2.3",
        "RLock() takes positional and keyword arguments and ignores them, as CPython's "
        "threading.RLock(*args, **kwargs) does: the lock it returns is an ordinary "
        "unlocked RLock.  Up to Python 3.12 silently; from 3.13 on with CPython's "
        "DeprecationWarning ('Passing arguments to RLock is deprecated ...'), which "
        "points at the caller.  Without arguments it never warns.",
        "cpython",
        since=2,
    ),
    _c(
        "RLOCK-REL-01",
        "16.2.3",
        "acquire()/release() call pairs may be nested; only the "
        "final release() resets the lock to unlocked and allows another thread blocked in "
        "acquire() to proceed. There is no return value.",
    ),
    _c(
        "RLOCK-REL-02",
        "16.2.3",
        "A reentrant lock must be released by the thread that "
        "acquired it: release() by a thread that does not own it raises RuntimeError.",
        "cpython",
    ),
    _c(
        "RLOCK-REL-03",
        "16.2.3",
        "A RuntimeError is raised if release() is called when the lock is unlocked.",
    ),
    _c(
        "RLOCK-PROMPT-01",
        "16.2.3",
        "When the recursion level of an RLock drops to zero, a thread blocked in "
        "acquire() is woken promptly (and not before: one release of two leaves it "
        "blocked).",
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.4 Condition
    _c(
        "COND-LOCK-01",
        "16.2.4",
        "If the lock argument is not given, a new RLock object "
        "is created and used as the underlying lock.",
    ),
    _c(
        "COND-LOCK-02",
        "16.2.4",
        "If the lock argument is given and not None, it is used "
        "as the underlying lock; several conditions may share one lock.",
    ),
    _c(
        "COND-ACQ-01",
        "16.2.4",
        "acquire(*args) calls the corresponding method on the "
        "underlying lock; the return value is whatever that method returns. release() "
        "releases the underlying lock; there is no return value.",
    ),
    _c(
        "COND-WAIT-01",
        "16.2.4",
        "If the calling thread has not acquired the lock when "
        "wait() is called, a RuntimeError is raised.",
    ),
    _c(
        "COND-WAIT-02",
        "16.2.4",
        "wait() releases the underlying lock, blocks until "
        "awakened by notify() or notify_all() in another thread, re-acquires the lock and "
        "returns True.",
    ),
    _c(
        "COND-WAIT-03",
        "16.2.4",
        "wait(timeout) returns False if the timeout expired, with the lock re-acquired.",
    ),
    _c(
        "COND-WAIT-04",
        "16.2.4",
        "A wait() whose timeout expires does not return before the timeout has elapsed.",
        requires=_T,
    ),
    _c(
        "COND-WAIT-05",
        "16.2.4",
        "When the underlying lock is an RLock acquired "
        "recursively, wait() really unlocks it, and restores the recursion level when the "
        "lock is reacquired.",
    ),
    _c("COND-WAIT-06", "16.2.4", "wait() works with a plain Lock as the underlying lock."),
    _c(
        "COND-WAIT-07",
        "16.2.4",
        "wait(0) (or a negative timeout) does not block and returns False when not notified.",
        "cpython",
    ),
    _c(
        "COND-WAITFOR-01",
        "16.2.4",
        "wait_for(predicate) waits until the predicate is "
        "true; the return value is the last return value of the predicate; the predicate "
        "is evaluated with the lock held.",
    ),
    _c(
        "COND-WAITFOR-02",
        "16.2.4",
        "wait_for(predicate, timeout) returns the last return "
        "value of the predicate, which evaluates to False if the method timed out.",
    ),
    _c(
        "COND-WAITFOR-03",
        "16.2.4",
        "wait_for() with a predicate already true returns at once, without waiting.",
    ),
    _c(
        "COND-WAITFOR-04",
        "16.2.4",
        "The same rules apply to wait_for() as to wait(): "
        "the lock must be held when called (RuntimeError otherwise).",
    ),
    _c(
        "COND-NOTIFY-01",
        "16.2.4",
        "If the calling thread has not acquired the lock when "
        "notify() or notify_all() is called, a RuntimeError is raised.",
    ),
    _c(
        "COND-NOTIFY-02",
        "16.2.4",
        "notify() wakes up one of the threads waiting for the "
        "condition variable, if any are waiting; it is a no-op if no threads are waiting.",
    ),
    _c(
        "COND-NOTIFY-03",
        "16.2.4",
        "notify(n) wakes up at most n of the threads waiting "
        "(CPython wakes exactly n when at least n wait).",
        "addition",
    ),
    _c(
        "COND-NOTIFY-04",
        "16.2.4",
        "notify() and notify_all() don't release the lock: the "
        "awakened threads return from wait() only when the notifier relinquishes "
        "ownership of the lock.",
    ),
    _c(
        "COND-NOTIFYALL-01",
        "16.2.4",
        "notify_all() wakes up all threads waiting on this condition.",
    ),
    _c(
        "COND-NOTIFYALL-02",
        "16.2.4",
        "The camelCase name notifyAll() is still supported (it may warn that it is deprecated).",
    ),
    _c(
        "COND-PROMPT-01",
        "16.2.4",
        "notify() and notify_all() wake the waiting threads promptly, not at their own "
        "timeout nor at a later poll; a waiter whose timeout expires leaves the other "
        "waiters waiting, for a later notify() to wake.",
        since=2,
    ),
    _c(
        "COND-WAITFOR-05",
        "16.2.4",
        "A wait_for() whose timeout expires does not return before the timeout has "
        "elapsed, whatever the timeout's fraction of a second.",
        requires=_T,
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.5 Semaphore
    _c(
        "SEM-INIT-01",
        "16.2.5",
        "Semaphore(value): the optional argument gives the initial "
        "value for the internal counter; it defaults to 1.",
    ),
    _c("SEM-INIT-02", "16.2.5", "If the value given is less than 0, ValueError is raised."),
    _c(
        "SEM-ACQ-01",
        "16.2.5",
        "If the internal counter is larger than zero on entry, "
        "acquire() decrements it by one and returns true immediately.",
    ),
    _c(
        "SEM-ACQ-02",
        "16.2.5",
        "If the counter is zero on entry, acquire() blocks, "
        "waiting until some other thread has called release() to make it larger than "
        "zero.",
    ),
    _c(
        "SEM-ACQ-03",
        "16.2.5",
        "If multiple acquire() calls are blocked, release() will wake exactly one of them up.",
    ),
    _c(
        "SEM-ACQ-04",
        "16.2.5",
        "The counter can never go below zero: no more threads "
        "hold the semaphore at once than its value allows.",
    ),
    _c(
        "SEM-ACQ-NB-01",
        "16.2.5",
        "With blocking set to false, acquire() does not block: "
        "if a call without an argument would block, return false immediately.",
    ),
    _c(
        "SEM-ACQ-TIMEOUT-01",
        "16.2.5",
        "With a timeout other than None, acquire() blocks "
        "for at most timeout seconds; if it does not complete successfully in that "
        "interval, it returns false.",
    ),
    _c(
        "SEM-ACQ-TIMEOUT-02",
        "16.2.5",
        "An acquire() whose timeout expires does not return before the timeout has elapsed.",
        requires=_T,
    ),
    _c("SEM-ARG-01", "16.2.5", "acquire(False, timeout) raises ValueError.", "cpython"),
    _c(
        "SEM-REL-01",
        "16.2.5",
        "release() increments the internal counter by one; when it "
        "was zero and another thread is waiting, it wakes up that thread. A plain "
        "Semaphore may be released above its initial value.",
    ),
    _c(
        "SEM-REL-02",
        "16.2.5",
        "release(n) increments the counter by n and wakes up to n waiting threads.",
        "addition",
    ),
    _c("SEM-REL-03", "16.2.5", "release(n) with n < 1 raises ValueError.", "cpython"),
    _c(
        "BSEM-01",
        "16.2.5",
        "A bounded semaphore checks to make sure its current value "
        "doesn't exceed its initial value. If it does, ValueError is raised.",
    ),
    _c(
        "BSEM-02",
        "16.2.5",
        "BoundedSemaphore: if not given, value defaults to 1; otherwise it behaves as a semaphore.",
    ),
    _c("BSEM-03", "16.2.5", "BoundedSemaphore(value) with value < 0 raises ValueError.", "cpython"),
    _c(
        "BSEM-04",
        "16.2.5",
        "release(n) that would exceed the initial value raises "
        "ValueError and leaves the counter unchanged.",
        "cpython",
    ),
    _c(
        "SEM-PROMPT-01",
        "16.2.5",
        "A thread blocked in acquire() is awakened promptly when another thread calls "
        "release(), not at its own timeout nor at a later poll.",
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.6 Event
    _c(
        "EVENT-INIT-01",
        "16.2.6",
        "The internal flag is initially false; is_set() returns "
        "true if and only if the internal flag is true.",
    ),
    _c(
        "EVENT-SET-01",
        "16.2.6",
        "set() sets the internal flag to true. All threads "
        "waiting for it to become true are awakened.",
    ),
    _c(
        "EVENT-SET-02",
        "16.2.6",
        "Threads that call wait() once the flag is true will not block at all.",
    ),
    _c(
        "EVENT-CLEAR-01",
        "16.2.6",
        "clear() resets the internal flag to false. "
        "Subsequently, threads calling wait() will block until set() is called.",
    ),
    _c(
        "EVENT-WAIT-01",
        "16.2.6",
        "wait() blocks until another thread calls set(); it "
        "returns the internal flag on exit, True.",
    ),
    _c(
        "EVENT-WAIT-02",
        "16.2.6",
        "wait(timeout) returns False if the timeout is given and the operation times out.",
    ),
    _c(
        "EVENT-WAIT-03",
        "16.2.6",
        "A wait() whose timeout expires does not return before the timeout has elapsed.",
        requires=_T,
    ),
    _c(
        "EVENT-ALIAS-01",
        "16.2.6",
        "The camelCase name isSet() is still supported (it may warn that it is deprecated).",
    ),
    _c(
        "EVENT-PROMPT-01",
        "16.2.6",
        "set(): all threads waiting for the flag to become true are awakened promptly, "
        "not at their own timeout nor at a later poll.",
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.7 Timer
    _c(
        "TIMER-01",
        "16.2.7",
        "Timer(interval, function, args, kwargs) runs function with "
        "arguments args and keyword arguments kwargs after interval seconds have passed.",
    ),
    _c(
        "TIMER-02",
        "16.2.7",
        "The action runs only after the interval has passed, never before.",
        requires=_T,
    ),
    _c(
        "TIMER-03",
        "16.2.7",
        "cancel() stops the timer and cancels the execution of the "
        "timer's action, if the timer is still in its waiting stage.",
    ),
    _c(
        "TIMER-04",
        "16.2.7",
        "cancel() only works while the timer is still waiting: an "
        "action that has begun runs to completion.",
    ),
    _c(
        "TIMER-05",
        "16.2.7",
        "Timer is a subclass of Thread; timers are started, as with "
        "threads, by calling their start() method.",
    ),
    _c(
        "TIMER-PROMPT-01",
        "16.2.7",
        "cancel() stops a waiting timer: its thread ends promptly, without sleeping out "
        "the rest of the interval.",
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.8 Barrier
    _c(
        "BARRIER-WAIT-01",
        "16.2.8",
        "Each of the threads calls wait() and will block until "
        "all of the threads have made the call; then they are all released.",
    ),
    _c(
        "BARRIER-IDX-01",
        "16.2.8",
        "The return value of wait() is an integer in the range "
        "0 to parties - 1, different for each thread.",
    ),
    _c(
        "BARRIER-ACTION-01",
        "16.2.8",
        "If an action was provided to the constructor, one "
        "of the threads will have called it prior to being released.",
    ),
    _c(
        "BARRIER-ACTION-02",
        "16.2.8",
        "Should the action raise an error, the barrier is put into the broken state.",
    ),
    _c(
        "BARRIER-ACTION-03",
        "16.2.8",
        "The thread that ran a failing action gets its "
        "exception; the others get BrokenBarrierError.",
        "cpython",
    ),
    _c(
        "BARRIER-TIMEOUT-01",
        "16.2.8",
        "If the call times out, the barrier is put into the "
        "broken state (the waiting threads get BrokenBarrierError).",
    ),
    _c(
        "BARRIER-TIMEOUT-02",
        "16.2.8",
        "timeout given to the constructor is the default "
        "timeout for wait(); a timeout given to wait() is used in preference.",
    ),
    _c(
        "BARRIER-BROKEN-01",
        "16.2.8",
        "wait() raises BrokenBarrierError if the barrier is "
        "broken; broken is True if the barrier is in the broken state.",
    ),
    _c(
        "BARRIER-RESET-01",
        "16.2.8",
        "reset() returns the barrier to the default, empty "
        "state. Any threads waiting on it will receive the BrokenBarrierError exception.",
    ),
    _c(
        "BARRIER-ABORT-01",
        "16.2.8",
        "abort() puts the barrier into a broken state: any "
        "active or future calls to wait() fail with BrokenBarrierError.",
    ),
    _c(
        "BARRIER-ATTR-01",
        "16.2.8",
        "parties is the number of threads required to pass "
        "the barrier; n_waiting is the number of threads currently waiting in it.",
    ),
    _c(
        "BARRIER-REUSE-01",
        "16.2.8",
        "The barrier can be reused any number of times for the same number of threads.",
    ),
    _c(
        "BARRIER-TIMEOUT-03",
        "16.2.8",
        "A wait() whose timeout expires does not raise before the timeout has elapsed, "
        "whatever the timeout's fraction of a second.",
        requires=_T,
        since=2,
    ),
    _c(
        "BARRIER-PROMPT-01",
        "16.2.8",
        "The waiting threads are released promptly when the last party arrives, and "
        "get BrokenBarrierError promptly when the barrier is aborted, reset, or broken "
        "by another waiter's timeout: not at their own timeout.",
        since=2,
    ),
    # ------------------------------------------------------------------ 16.2.9 with
    _c(
        "WITH-01",
        "16.2.9",
        "Lock, RLock, Condition, Semaphore and BoundedSemaphore may be "
        "used as with statement context managers: acquire() is called when the block is "
        "entered, and release() when the block is exited.",
    ),
    _c(
        "WITH-02",
        "16.2.9",
        "release() is called when the block is exited by an "
        "exception, and the exception propagates.",
    ),
    # ---- added for mutation survivors (contract version 2)
    # Sentences that the mutation run of the semantics layer (mutation/REPORT.md) showed
    # the suite did not check; each is killed by a test in a test_*_edges.py module.
    _c(
        "MOD-ALIAS-WARN-01",
        "16.2",
        "Each deprecated camelCase alias (activeCount(), currentThread(), "
        "Thread.getName(), setName(), isDaemon(), setDaemon(), Condition.notifyAll(), "
        "Event.isSet()) warns with a DeprecationWarning that points at the caller's line, "
        "as CPython 3.10 and later do.",
        "cpython",
        since=2,
    ),
    _c(
        "THREAD-INIT-02",
        "16.2.1",
        "A Thread whose subclass constructor did not call "
        "Thread.__init__() cannot be used: start(), join() and setting daemon raise "
        "RuntimeError, is_alive(), name, daemon and repr() raise AssertionError, each "
        "saying that __init__() was not called.",
        "cpython",
        since=2,
    ),
    _c(
        "THREAD-REPR-01",
        "16.2.1",
        "repr() of a Thread is '<Thread(NAME, STATUS)>': STATUS is "
        "initial, started or stopped, then ' daemon' for a daemon thread, then the "
        "ident once it has started.",
        "cpython",
        since=2,
    ),
    _c(
        "THREAD-NAME-FIRST-01",
        "16.2.1",
        "In a program that has made no thread yet, the first default "
        "name is 'Thread-1', and each later default name takes the next number.",
        "cpython",
        since=2,
    ),
    _c(
        "THREAD-START-FAIL-01",
        "16.2.1",
        "If start() cannot create the thread (RuntimeError), the "
        "thread is neither alive nor listed by enumerate(), and start() may be called "
        "again.",
        "cpython",
        requires=frozenset({Capability.STACK_SIZE}),
        since=2,
    ),
    _c(
        "MOD-LOCAL-RECYCLE-01",
        "16.2",
        "A thread never sees the local values of an earlier thread "
        "that had the same identifier (thread identifiers may be recycled), even when "
        "that thread was started outside the backend and seen as a dummy thread.",
        "cpython",
        requires=_ALIEN,
        since=2,
    ),
    _c(
        "MOD-LOCAL-RECYCLE-02",
        "16.2",
        "A thread never sees the local values of an earlier thread "
        "with the same identifier that was started outside the backend and never "
        "called current_thread().",
        "cpython",
        requires=_ALIEN,
        since=2,
    ),
    _c(
        "THREAD-FORK-01",
        "16.2.1",
        "After os.fork(), the child's only alive thread is the one "
        "that forked: it is the main thread, enumerate() lists only it, the other "
        "threads are stopped (join() returns at once), new threads can be started and "
        "joined, and at exit the child waits for its non-daemon threads.",
        "cpython",
        requires=frozenset({Capability.FORK}),
        since=2,
    ),
    _c(
        "THREAD-FORK-02",
        "16.2.1",
        "After os.fork() in a thread started outside the backend "
        "(seen as a dummy thread), the child's current thread is its main thread, not a "
        "daemon (CPython 3.11.8, 3.12.2 and later: gh-102512).",
        "cpython",
        requires=frozenset({Capability.FORK, Capability.ALIEN_THREADS}),
        since=2,
    ),
    _c(
        "LOCK-ARG-INDEX-01",
        "16.2.2",
        "The timeout of Lock.acquire() and RLock.acquire() may be "
        "any object with __index__; one whose index is -1 means an unbounded wait (a "
        "non-blocking call when blocking is false).",
        "cpython",
        since=2,
    ),
    _c(
        "LOCK-ACQ-ZERO-01",
        "16.2.2",
        "acquire(True, 0) (a timeout of zero) of a Lock or an RLock "
        "held by another thread does not wait: it returns False at once.",
        "cpython",
        since=2,
    ),
    _c(
        "LOCK-REPR-01",
        "16.2.2",
        "repr() of a Lock starts with '<locked' or '<unlocked' after its state, and has "
        "CPython's shape: '<STATE TYPE object ... at ADDRESS>'.",
        "cpython",
        since=2,
    ),
    _c(
        "RLOCK-REPR-01",
        "16.2.3",
        "repr() of an RLock starts with '<locked' or '<unlocked' and "
        "shows its recursion level as count=N (count=0 while unlocked, including while "
        "its owner waits on a Condition), in CPython's shape: "
        "'<STATE TYPE object ... count=N at ADDRESS>'.",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-EXCEPTHOOK-REPR-01",
        "16.2",
        "repr() of an ExceptHookArgs names its four fields in order: "
        "ExceptHookArgs(exc_type=..., exc_value=..., exc_traceback=..., thread=...).",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-EXCEPTHOOK-STDERR-01",
        "16.2",
        "The default excepthook writes to sys.stderr as it is when "
        "the hook runs; if sys.stderr is None then, it writes to the stderr the thread "
        "was created with.",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-EXCEPTHOOK-FAIL-01",
        "16.2",
        "If excepthook itself raises, the error is reported on "
        "stderr after an 'Exception in ...excepthook:' line, through sys.excepthook, "
        "without the thread's exception as its context, and the thread still ends.",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-LOCAL-ATTR-01",
        "16.2",
        "Attributes of a local follow Python's usual rules, with the "
        "calling thread's values as the instance dictionary: a property (data "
        "descriptor) of the class takes precedence over a value, a value hides a class "
        "attribute or a method, and a missing attribute raises AttributeError, on "
        "reading as on deleting.",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-LOCAL-ATTR-02",
        "16.2",
        "A value stored in a local's __dict__ under the name of a "
        "property (a data descriptor) of its class does not hide the property: reading "
        "the attribute calls the property, as for any Python object.",
        "cpython",
        since=2,
    ),
    _c(
        "MOD-LOCAL-DICT-01",
        "16.2",
        "The __dict__ of a local is the calling thread's own "
        "dictionary of values; it cannot be assigned or deleted (AttributeError, "
        "read-only).",
        "cpython",
        since=2,
    ),
    _c(
        "COND-WAIT-STALE-01",
        "16.2.4",
        "A thread whose wait() timed out is no longer waiting: "
        "a later notify() wakes one of the threads that are waiting, not the one that "
        "left.",
        since=2,
    ),
    _c(
        "COND-WAIT-INTERRUPT-01",
        "16.2.4",
        "A wait() interrupted by an exception (a signal handler "
        "that raises) re-acquires the lock and stops waiting: a later notify() wakes a "
        "thread that is still waiting.",
        "cpython",
        requires=frozenset({Capability.SIGNAL_INTERRUPTIBLE}),
        since=2,
    ),
    _c(
        "COND-WAIT-TIMEOUT-NOTIFY-01",
        "16.2.4",
        "A wait() whose timeout expired while another thread "
        "held the lock, and that a notify() then chose, returns False normally once it "
        "re-acquires the lock.",
        "cpython",
        since=2,
    ),
    _c(
        "COND-WAITFOR-DEADLINE-01",
        "16.2.4",
        "wait_for(predicate, timeout) gives up once timeout seconds "
        "have passed since the call (one deadline for the whole call), and while no "
        "thread notifies it sleeps instead of evaluating the predicate over and over.",
        since=2,
    ),
    _c(
        "COND-NOTIFY-ONE-01",
        "16.2.4",
        "notify() without an argument wakes up exactly one of the "
        "threads waiting, however many are waiting.",
        since=2,
    ),
    _c(
        "COND-NOTIFY-NONPOSITIVE-01",
        "16.2.4",
        "notify(n) with n of zero or less wakes no thread "
        "(CPython before 3.13 raises ValueError for a negative n).",
        "cpython",
        since=2,
    ),
    _c(
        "EVENT-WAIT-CLEARED-01",
        "16.2.6",
        "wait() returns True if the internal flag was set after "
        "the wait started, even when clear() reset it before the waiting thread woke.",
        since=2,
    ),
    _c(
        "BARRIER-INIT-01",
        "16.2.8",
        "Barrier(parties) with parties less than 1 raises ValueError "
        "(CPython 3.12.5 and 3.13 on; before, such a barrier was accepted and its wait() "
        "never returned).",
        "cpython",
        since=2,
    ),
    _c(
        "BARRIER-ATTR-IDLE-01",
        "16.2.8",
        "n_waiting counts only threads waiting to pass: once "
        "abort() or reset() has sent the waiting threads away it is 0, even before they "
        "have left.",
        "cpython",
        since=2,
    ),
    _c(
        "BARRIER-REPR-01",
        "16.2.8",
        "repr() of a Barrier ends with ': waiters=N/PARTIES>', or "
        "': broken>' once it is broken, as CPython 3.11 and later show it.",
        "cpython",
        since=2,
    ),
    _c(
        "EVENT-WAIT-RACE-01",
        "16.2.6",
        "wait() will always return True except if a timeout is "
        "given and the operation times out, wherever a set() in another thread falls "
        "during the call.",
        since=2,
    ),
    _c(
        "EVENT-REPR-01",
        "16.2.6",
        "repr() of an Event ends with ': set>' or ': unset>' "
        "after its internal flag, as CPython 3.11 and later show it.",
        "cpython",
        since=2,
    ),
)

#: The catalogue by clause id.
#: What each contract version changed: the data the documentation's changelog renders.
#: The clauses a version added are the ones whose ``since`` is that version.
CHANGELOG: Mapping[int, str] = {
    1: "The first catalogue: every behavioural sentence of the 3.2 chapter, the standard "
    "additions anythread adopts, and the points CPython settles.",
    2: "Subtle bugs: every promised wakeup is checked to be prompt (PROMPT clauses); "
    "timeout=0 is a timeout everywhere; TIMEOUT_MAX is checked on every object that takes "
    "a timeout; never-early on every waiting object, with fractional timeouts; two "
    "local instances; hooks read when used; alien threads in active_count() and daemon "
    "inheritance; and the sentences the mutation run of the semantics layer showed "
    "unchecked (notify counts, waiters that timed out, fork, the exit rule, local "
    "attribute rules, reprs, the excepthook's stream, deprecation warnings); a NaN timeout "
    "is a bad argument on every waiting object (source ``design``: CPython's own objects "
    "let it through, and spin forever on a Semaphore or Barrier that must wait).  Existing "
    "clauses gained sharper tests (mid-operation states, two instances at once).",
}

BY_ID: Mapping[str, Clause] = {clause.id: clause for clause in CLAUSES}

if len(BY_ID) != len(CLAUSES):  # pragma: no cover - a catalogue bug, caught at import
    raise RuntimeError("duplicate clause id in the catalogue")
