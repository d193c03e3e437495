"""Trace and profile functions of green threads (the
:class:`~anythread.protocols.KernelThreadHooks` extra).

:func:`sys.settrace` and :func:`sys.setprofile` act on an OS thread, and every green
thread of an OS thread shares it.  Were a green thread started after
``anythread.settrace(f)`` to call ``sys.settrace(f)`` as a new OS thread does, every
green thread of its OS thread would be traced by ``f``, the main thread included, and
would stay traced after it ended.

So a green thread with functions of its own has them installed by the kernel, and its
hub keeps, while any such thread is alive, a :class:`SwitchHooks`: greenlet's switch
tracer (:func:`greenlet.settrace`), which at every switch records the functions in force
for the greenlet that leaves and puts in force those of the greenlet that comes in.  A
greenlet with none of its own gets the OS thread's: those in force when the first green
thread installed its own.  While it is there, a green thread that calls
:func:`sys.settrace` itself changes its own functions only.  When the last green thread
with functions of its own ends, the tracer goes and the OS thread's functions are in
force again for every green thread: a program that sets none pays nothing.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from typing import Any

import greenlet  # type: ignore[import-untyped]  # greenlet ships no type information

__all__ = ["SwitchHooks"]

_Hooks = tuple[Any, Any]  # (trace function, profile function), None for none


class SwitchHooks:
    """The trace and profile functions of the green threads of one hub, put in force at
    each switch (only ever used by the hub's own OS thread).

    Made by the first green thread of the hub that installs functions of its own, with
    the OS thread's functions in force at that moment as the shared ones.

    :param root: the OS thread's root greenlet, whose functions are in force for every
        green thread again when the tracer goes.
    :param on_stop: called when the last green thread with functions of its own ended
        and the tracer went (the hub forgets this object).
    """

    def __init__(self, root: Any, on_stop: Callable[[], None]) -> None:
        self._root = root
        self._on_stop = on_stop
        #: the functions of each greenlet whose functions are not the shared ones
        self._own: weakref.WeakKeyDictionary[Any, _Hooks] = weakref.WeakKeyDictionary()
        #: the living green threads that were given functions of their own
        self._given: set[Any] = set()
        self._shared: _Hooks = (sys.gettrace(), sys.getprofile())
        self._stopped = False
        # (One bound method, to know it again: each attribute access makes a new one.)
        self._tracer = self._on_switch
        #: a switch tracer that was there before this one: called after it
        self._previous: Callable[[str, Any], Any] | None = greenlet.settrace(self._tracer)

    def install(self, glet: Any, trace: Any, profile: Any) -> None:
        """Make ``trace`` and ``profile`` the functions of ``glet``, the calling green
        thread, until it ends (see :meth:`ended`)."""
        self._given.add(glet)
        sys.settrace(trace)
        sys.setprofile(profile)

    def ended(self, glet: Any) -> None:
        """``glet``, the calling green thread, is ending: when it was the last one given
        functions of its own, the tracer goes, and the root's functions are in force
        for every green thread again (from now on, for what is left of ``glet`` too)."""
        self._given.discard(glet)
        if self._given:
            return
        root = self._root
        trace, profile = self._own.get(root, self._shared)
        self._stop()
        sys.settrace(trace)
        sys.setprofile(profile)

    def keep_only(self, survivor: Any) -> None:
        """In a forked child, where only ``survivor`` (the forking greenlet, now the
        root) exists: it is the root from now on, and when it was not given functions
        of its own, the tracer goes (its functions stay in force)."""
        self._given.intersection_update((survivor,))
        self._root = survivor
        if not self._given:
            self._stop()

    def _stop(self) -> None:
        self._stopped = True
        if greenlet.gettrace() is self._tracer:
            greenlet.settrace(self._previous)
        # (Else a tracer set since chains to this one, which now only passes events on.)
        self._on_stop()

    def _on_switch(self, event: str, args: Any) -> None:
        # Called by greenlet in the greenlet that comes in, the origin's functions still
        # in force (greenlet does not trace its own call of this function).
        if (event == "switch" or event == "throw") and not self._stopped:
            origin, target = args
            trace, profile = sys.gettrace(), sys.getprofile()
            own = self._own
            shared = self._shared
            if not origin.dead:
                if trace is shared[0] and profile is shared[1]:
                    own.pop(origin, None)
                else:
                    own[origin] = (trace, profile)
            want_trace, want_profile = own.get(target, shared)
            if want_trace is not trace:
                sys.settrace(want_trace)
            if want_profile is not profile:
                sys.setprofile(want_profile)
        if self._previous is not None:
            self._previous(event, args)
