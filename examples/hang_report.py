"""A deadlock, and the report the cooperative backend gives instead of hanging.

    cd examples && python hang_report.py

Two tellers move money between the same two accounts in opposite directions.  Each
takes the lock of the account it debits, writes an audit line (a short sleep: on the
cooperative backend the other teller runs meanwhile), then takes the lock of the account
it credits: the classic lock-order inversion.  The main thread joins both tellers.  On
``stdlib`` this program hangs for ever; on ``cooperative`` the join raises
``anythread.DeadlockError``, and this script prints its message and its data.  (Then,
the tellers being non-daemon threads, the exit rule finds them still deadlocked and
prints the report once more, to stderr, instead of waiting for ever.)

``docs/cooperative.rst`` shows this output (``hang_report.out.txt``, checked against a
fresh run by ``tests/test_cooperative_hang_report.py``).  Run it from this directory so
that the file names in the report are short.
"""

from __future__ import annotations

import os

import anythread as threading

threading.use("cooperative")

checking_lock = threading.Lock()
savings_lock = threading.Lock()
balances = {"checking": 100, "savings": 100}


def audit(line: str) -> None:
    threading.sleep(0.01)  # writing the audit line takes a moment


def transfer(source: str, target: str, amount: int) -> None:
    locks = {"checking": checking_lock, "savings": savings_lock}
    with locks[source]:
        audit(f"debit {source} {amount}")
        balances[source] -= amount
        with locks[target]:
            balances[target] += amount


def main() -> None:
    tellers = [
        threading.Thread(target=transfer, args=("checking", "savings", 30), name="teller-1"),
        threading.Thread(target=transfer, args=("savings", "checking", 20), name="teller-2"),
    ]
    for teller in tellers:
        teller.start()
    try:
        for teller in tellers:
            teller.join()
    except threading.DeadlockError as error:
        # The report names files by their full path; shown here relative to this
        # directory, so that the output is the same on every machine.
        here = os.path.dirname(os.path.abspath(__file__)) + os.sep
        print(str(error).replace(here, ""))
        print()
        print("error.threads:", error.threads)
        print("error.cycle:")
        for site in error.cycle:
            print("   ", str(site).replace(here, ""))


if __name__ == "__main__":
    main()
