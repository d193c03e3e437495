"""The public API of the core is typed: backends, specs, the selection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from typing_extensions import assert_type

import anythread
from anythread.protocols import Barrier, Condition, Lock, Thread

pure = anythread.get_backend("pure")
assert_type(pure, anythread.Backend)
assert_type(pure.Lock(), Lock)
assert_type(pure.Lock().acquire(timeout=1), bool)
assert_type(pure.Condition(pure.RLock()), Condition)
assert_type(pure.Condition().wait_for(lambda: 3), int)
assert_type(pure.Barrier(2).wait(), int)
assert_type(pure.Barrier(2), Barrier)
assert_type(pure.Thread(target=print, name="t", daemon=True), Thread)
assert_type(pure.current_thread().ident, int | None)
assert_type(pure.monotonic(), float)
assert_type(pure.name, str)
pure.excepthook = lambda args: None

spec = anythread.BackendSpec("mine", "my_backend:backend", description="mine")
assert_type(spec.requires, Sequence[str])
assert_type(spec.load, str)
choice = anythread.current_backend()
assert_type(choice.source, Literal["use", "env", "default"])
assert_type(choice.fixed, bool)
assert_type(choice.env_value, str | None)
rows = anythread.list_backends()
assert_type(rows[0].available, bool)
anythread.use("pure")

# Misuse.
pure.Lock = pure.Lock  # type: ignore[misc]  # read-only: only excepthook is assignable
pure.Barrier()  # type: ignore[call-arg]
pure.Semaphore(value="1")  # type: ignore[arg-type]
anythread.BackendSpec("mine")  # type: ignore[call-arg]
anythread.use(3)  # type: ignore[arg-type]
