"""The ``stdlib`` backend: the standard library's own ``threading`` objects.

Every attribute is the very object ``threading`` exports (``backend.Lock is
threading.Lock``), so code on this backend runs exactly as plain threading code, at the
same speed.  It exports one object, :data:`backend`.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

from anythread.protocols import CONTRACT_VERSION, Capability

__all__ = ["backend"]


class StdlibBackend(SimpleNamespace):
    """The namespace type of :data:`backend` (attributes are threading's objects)."""

    def __setattr__(self, name: str, value: Any) -> None:
        # threading's threads call threading.excepthook: assigning the backend's hook
        # (as ``anythread.excepthook = hook`` does) must assign that one.
        if name == "excepthook":
            threading.excepthook = value
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return "<anythread backend 'stdlib'>"


#: The backend object: ``threading``'s objects under the names of the API.
backend = StdlibBackend(
    name="stdlib",
    capabilities=frozenset(Capability),
    contract_version=CONTRACT_VERSION,
    Lock=threading.Lock,
    RLock=threading.RLock,
    Condition=threading.Condition,
    Semaphore=threading.Semaphore,
    BoundedSemaphore=threading.BoundedSemaphore,
    Event=threading.Event,
    Barrier=threading.Barrier,
    Thread=threading.Thread,
    Timer=threading.Timer,
    local=threading.local,
    current_thread=threading.current_thread,
    main_thread=threading.main_thread,
    active_count=threading.active_count,
    enumerate=threading.enumerate,
    get_ident=threading.get_ident,
    get_native_id=threading.get_native_id,
    settrace=threading.settrace,
    setprofile=threading.setprofile,
    gettrace=threading.gettrace,
    getprofile=threading.getprofile,
    stack_size=threading.stack_size,
    # The default hook, not whatever hook is installed when this module is imported.
    excepthook=threading.__excepthook__,
    ExceptHookArgs=threading.ExceptHookArgs,
    TIMEOUT_MAX=threading.TIMEOUT_MAX,
    ThreadError=threading.ThreadError,
    BrokenBarrierError=threading.BrokenBarrierError,
    sleep=time.sleep,
    currentThread=threading.currentThread,
    activeCount=threading.activeCount,
)
