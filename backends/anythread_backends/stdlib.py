"""The ``stdlib`` backend: the standard library's own ``threading`` objects.

Every attribute is the very object ``threading`` (or ``time``) exports (``backend.Lock is
threading.Lock``), so code on this backend runs exactly as plain threading code, at the
same speed.  ``excepthook`` is read through: it is whatever ``threading.excepthook`` is
now, and assigning it assigns ``threading.excepthook``.  It exports one object,
:data:`backend`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import cast

from anythread.protocols import CONTRACT_VERSION, Capability, ExceptHookArgs

__all__ = ["StdlibBackend", "backend"]


#: Where the standard library's own objects knowingly differ from the contract (they are
#: used as they are: this backend adds nothing, not even a check).
_NAN_DEVIATIONS: dict[str, str] = {
    "MOD-TIMEOUT-NAN-01": (
        "CPython's Condition, Semaphore, Event and Barrier do not check a wait timeout "
        "for NaN: Condition.wait(nan) returns False at once, and a Semaphore or Barrier "
        "that must wait spins forever; the contract asks for ValueError, which the other "
        "backends raise"
    ),
}
if sys.version_info < (3, 13):
    _NAN_DEVIATIONS["THREAD-JOIN-NAN-01"] = (
        "CPython before 3.13 does not check join()'s timeout once the thread has ended: "
        "join(nan) of an ended thread returns None"
    )


class StdlibBackend:
    """The type of :data:`backend`: its attributes are ``threading``'s own objects.

    The attributes are set per instance, not on the class, so that functions stay plain
    functions (a class attribute holding a function would become a bound method).
    ``excepthook`` is a property, so it is not in ``vars(backend)``.

    :param overrides: attributes to replace (``StdlibBackend(name="copy", Lock=MyLock)``
        makes a variant, as tests of the registry and the contract suite do).
    """

    def __init__(self, **overrides: object) -> None:
        self.name = "stdlib"
        self.capabilities = frozenset(Capability)
        self.contract_version = CONTRACT_VERSION
        self.known_deviations: dict[str, str] = dict(_NAN_DEVIATIONS)
        self.Lock = threading.Lock
        self.RLock = threading.RLock
        self.Condition = threading.Condition
        self.Semaphore = threading.Semaphore
        self.BoundedSemaphore = threading.BoundedSemaphore
        self.Event = threading.Event
        self.Barrier = threading.Barrier
        self.Thread = threading.Thread
        self.Timer = threading.Timer
        self.local = threading.local
        self.current_thread = threading.current_thread
        self.main_thread = threading.main_thread
        self.active_count = threading.active_count
        self.enumerate = threading.enumerate
        self.get_ident = threading.get_ident
        self.get_native_id = threading.get_native_id
        self.settrace = threading.settrace
        self.setprofile = threading.setprofile
        self.gettrace = threading.gettrace
        self.getprofile = threading.getprofile
        self.stack_size = threading.stack_size
        self.ExceptHookArgs = threading.ExceptHookArgs
        self.TIMEOUT_MAX = threading.TIMEOUT_MAX
        self.ThreadError = threading.ThreadError
        self.BrokenBarrierError = threading.BrokenBarrierError
        self.sleep = time.sleep
        self.monotonic = time.monotonic
        self.currentThread = threading.currentThread
        self.activeCount = threading.activeCount
        for name, value in overrides.items():
            setattr(self, name, value)

    @property
    def excepthook(self) -> Callable[[ExceptHookArgs], object]:
        """``threading.excepthook`` as it is now (a program or pytest may replace it).

        Typed for any :class:`~anythread.protocols.ExceptHookArgs`: the stdlib's hook
        reads only the four fields that protocol names.
        """
        return cast("Callable[[ExceptHookArgs], object]", threading.excepthook)

    @excepthook.setter
    def excepthook(self, hook: Callable[[ExceptHookArgs], object]) -> None:
        # threading's threads call threading.excepthook, so that is the one to assign.
        threading.excepthook = hook

    def __repr__(self) -> str:
        return "<anythread backend 'stdlib'>"


#: The backend object: ``threading``'s objects under the names of the API.
backend = StdlibBackend()
