"""Build a backend from a kernel written outside anythread, and use it.

Run it from this directory::

    python demo.py

It builds the backend with :func:`anythread.from_kernel`, runs a bounded
producer/consumer over the backend's own Thread, Condition, Semaphore and Event, checks
it against the contract's Backend Protocol, and prints how often the kernel's
primitives were used.
"""

from __future__ import annotations

from collections import deque

from counting_plugin import make_backend
from countingkernel import CountingKernel

from anythread.protocols import Backend


def main() -> None:
    kernel = CountingKernel()
    backend = make_backend(kernel)
    assert isinstance(backend, Backend)
    print(backend, "with", len(backend.capabilities), "capabilities")

    items: deque[int] = deque()
    cond = backend.Condition()
    slots = backend.BoundedSemaphore(4)
    done = backend.Event()
    consumed: list[int] = []

    def producer() -> None:
        for i in range(20):
            slots.acquire()
            with cond:
                items.append(i)
                cond.notify()
        with cond:
            done.set()
            cond.notify_all()

    def consumer() -> None:
        while True:
            with cond:
                if not cond.wait_for(lambda: items or done.is_set(), timeout=5):
                    raise RuntimeError("consumer starved")
                if not items:
                    return
                consumed.append(items.popleft())
            slots.release()

    threads = [backend.Thread(target=producer, name="producer")]
    threads += [backend.Thread(target=consumer, name=f"consumer-{i}") for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive(), f"{thread.name} did not finish"

    assert sorted(consumed) == list(range(20))
    print(f"consumed {len(consumed)} items in {len(threads)} threads")
    print("kernel calls:", dict(sorted(kernel.calls.items())))


if __name__ == "__main__":
    main()
