"""A bank with a latent deadlock: two code paths take the same two locks in opposite
orders.  They never run at the same time here, so the program always finishes, on
every backend; on ``debug`` the inversion is reported all the same.

    ANYTHREAD_BACKEND=debug python examples/latent_inversion.py
    ANYTHREAD_BACKEND=debug:pure python examples/latent_inversion.py
    ANYTHREAD_BACKEND=stdlib python examples/latent_inversion.py   # finishes, says nothing

The transfer takes ``accounts`` then ``ledger``; the nightly audit takes ``ledger`` then
``accounts``.  Run concurrently, each could hold one lock and wait forever for the
other.  The debug backend raises :class:`anythread.LockOrderError` in the audit thread,
before it blocks, with the "possible unsafe locking scenario" and both stacks.
"""

from __future__ import annotations

import anythread as threading

balances = {"alice": 100, "bob": 0}
ledger_lines: list[str] = []

accounts = threading.Lock()
ledger = threading.Lock()
for lock, name in ((accounts, "accounts"), (ledger, "ledger")):
    # Debug locks take a name for reports; other backends' locks do not need one.
    if hasattr(lock, "name"):
        lock.name = name


def transfer(amount: int) -> None:
    with accounts:
        balances["alice"] -= amount
        balances["bob"] += amount
        with ledger:
            ledger_lines.append(f"alice -> bob: {amount}")


def audit() -> None:
    with ledger:
        count = len(ledger_lines)
        with accounts:  # the opposite order: a latent deadlock with transfer()
            total = sum(balances.values())
    print(f"audit: {count} ledger lines, total {total}")


def main() -> int:
    errors: list[BaseException] = []

    def run(target: object) -> None:
        try:
            target()  # type: ignore[operator]
        except threading.LockOrderError as error:
            errors.append(error)

    # One after the other: this run cannot deadlock, the inversion stays latent.
    for target in (lambda: transfer(30), audit):
        thread = threading.Thread(target=run, args=(target,))
        thread.start()
        thread.join()

    backend = threading.current_backend().name
    if errors:
        print(f"{backend}: found the latent deadlock:\n\n{errors[0]}")
    else:
        print(f"{backend}: finished; no checker looked at the lock order")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
