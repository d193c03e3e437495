"""The documented semantics of the threading API, written once over a kernel.

:func:`from_kernel` takes a :class:`~anythread.protocols.Kernel` (a lock, a way to start
a thread, thread identifiers, a clock) and builds every other object of the API on it:
Thread and its lifecycle, Timer, RLock, Condition, Semaphore, BoundedSemaphore, Event,
Barrier, local, the thread registry with its main and dummy threads, ``excepthook``,
trace and profile functions, and the exit rule.  ``pure`` is ``_thread`` plus this layer;
``cooperative`` is a greenlet kernel plus this layer; a third party can write a backend
by writing a kernel.

The modules, one per concern: ``world`` (the state of one backend), ``waitqueue`` (the
one wait queue every blocking object parks in, and the registry of wait records),
``locks``, ``condition``, ``semaphore``, ``event``, ``barrier`` (module-level classes;
``from_kernel`` derives a subclass of each per world), ``local``, ``thread``, ``hooks``,
``backend`` (``from_kernel`` and :class:`SemanticsBackend`) and ``_checks`` (argument
checks and deadlines).

This package imports only :mod:`anythread.protocols` and :mod:`anythread.errors` of the
project.  It must not know any backend, must not import ``threading`` (whose exception
classes come through :mod:`anythread.errors`) nor use CPython's private thread
internals, and must wait and measure time only through the kernel.
"""

from __future__ import annotations

from anythread.semantics.backend import SemanticsBackend, from_kernel
from anythread.semantics.waitqueue import WaitRecord, WaitRegistry

__all__ = ["SemanticsBackend", "WaitRecord", "WaitRegistry", "from_kernel"]
