"""``import anythread as threading`` has the static types of ``import threading``."""

from __future__ import annotations

import threading as std
from collections.abc import Callable
from typing import Any

from typing_extensions import assert_type

import anythread
import anythread as threading

# Factories give threading's own types.
lock = anythread.Lock()
assert_type(lock, std.Lock)
assert_type(lock.acquire(), bool)
assert_type(lock.acquire(timeout=0.5), bool)
assert_type(lock.locked(), bool)
assert_type(anythread.RLock().acquire(blocking=False), bool)
with anythread.Lock() as entered:
    assert_type(entered, bool)

condition = anythread.Condition(anythread.RLock())
assert_type(condition.wait(1.0), bool)
assert_type(condition.wait_for(lambda: 42, timeout=1.0), int)
assert_type(condition.wait_for(lambda: "ready"), str)
condition.notify(2)
condition.notify_all()

assert_type(anythread.Semaphore(3).acquire(timeout=None), bool)
anythread.BoundedSemaphore(2).release()
assert_type(anythread.Event().wait(0.1), bool)
assert_type(anythread.Event().is_set(), bool)
barrier = anythread.Barrier(2, action=None, timeout=5.0)
assert_type(barrier.wait(), int)
assert_type(barrier.parties, int)
assert_type(barrier.broken, bool)


# Thread, subclassed exactly as threading.Thread is.
class Worker(threading.Thread):
    def __init__(self, n: int) -> None:
        super().__init__(name=f"worker-{n}", daemon=True)
        self.n = n

    def run(self) -> None:
        assert_type(threading.current_thread().name, str)


worker = Worker(1)
worker.start()
worker.join(timeout=1.0)
assert_type(worker.is_alive(), bool)
assert_type(worker.ident, int | None)
assert_type(worker.native_id, int | None)
assert_type(worker.n, int)
timer = anythread.Timer(0.5, print, args=("late",))
timer.cancel()


class Data(anythread.local):
    count = 0


assert_type(Data().count, int)

# Module functions and constants.
assert_type(anythread.current_thread(), std.Thread)
assert_type(anythread.main_thread(), std.Thread)
assert_type(anythread.enumerate(), list[std.Thread])
assert_type(anythread.active_count(), int)
assert_type(anythread.get_ident(), int)
assert_type(anythread.get_native_id(), int)
assert_type(anythread.stack_size(), int)
assert_type(anythread.TIMEOUT_MAX, float)
assert_type(anythread.sleep(0.01), None)
assert_type(anythread.monotonic(), float)
anythread.settrace(None)
anythread.setprofile(None)


# excepthook is assignable, and a library can chain to the previous hook.
previous = anythread.excepthook


def hook(args: anythread.ExceptHookArgs) -> None:
    assert_type(args.exc_type, type[BaseException])
    assert_type(args.thread, std.Thread | None)
    previous(args)


anythread.excepthook = hook


# Exceptions are the standard library's.
def catches() -> None:
    try:
        anythread.Barrier(1).wait()
    except anythread.BrokenBarrierError as exc:
        assert_type(exc, std.BrokenBarrierError)
    except anythread.ThreadError:
        pass


# Names from ``from anythread import ...`` have the same types.
from anythread import Event, Thread  # noqa: E402

assert_type(Event().wait(), bool)
target: Callable[..., object] = print
assert_type(Thread(target=target, args=(1,), kwargs={"sep": ""}), std.Thread)
extra: Any = None
