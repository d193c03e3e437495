"""The debug backend over stdlib at the end of a program: a non-daemon thread that can
never end (it waits for a lock the ended main program holds) is reported, instead of
the interpreter waiting for it for ever (THREAD-EXIT-01: the program waits for its
non-daemon threads).  Each program runs in a subprocess, bounded."""

from __future__ import annotations

import subprocess
from pathlib import Path

from debug_support import run_program

REPORT_HEAD = (
    "anythread: at exit, deadlock: the main program is over, and the interpreter waits "
    "for {count} non-daemon thread{s} that can never end (this run would hang forever):"
)
ADVICE = (
    "(release the lock before the main program ends, make the threads that wait for it "
    "daemon threads, or give their waits a timeout)"
)


def _run(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    return run_program(tmp_path, source)


def test_a_thread_waiting_for_the_main_programs_lock(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        import anythread as threading

        lock = threading.Lock()
        lock.acquire()  # never released
        def worker():
            with lock:
                pass
        threading.Thread(target=worker, name="worker").start()
        print("main done", flush=True)
        """,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == "main done\n"
    prog = tmp_path / "prog.py"
    assert result.stderr.splitlines() == [
        REPORT_HEAD.format(count=1, s=""),
        f"  worker waits for Lock@{prog}:4 at {prog}:7, held by MainThread, which has ended",
        ADVICE,
    ]


def test_a_chain_of_waits_and_the_threads_still_running(tmp_path: Path) -> None:
    # worker2 waits for an RLock worker1 holds; worker1 waits for the main program's
    # Lock.  'late' (non-daemon, not stuck) is waited for first; a daemon thread
    # waiting on an Event changes nothing.
    result = _run(
        tmp_path,
        """
        import anythread as threading

        a = threading.Lock()
        b = threading.RLock()
        a.acquire()
        got_b = threading.Event()
        def worker1():
            with b:
                got_b.set()
                with a:
                    pass
        def worker2():
            with b:
                pass
        main_done = threading.Event()
        def late():
            main_done.wait(30)  # outlives the main program
            print("late done", flush=True)
        threading.Thread(target=worker1, name="worker1").start()
        got_b.wait()
        threading.Thread(target=worker2, name="worker2").start()
        threading.Thread(target=late, name="late").start()
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        print("main done", flush=True)
        main_done.set()
        """,
    )
    prog = tmp_path / "prog.py"
    assert result.returncode == 1, result.stderr
    assert result.stdout == "main done\nlate done\n"
    one = f"worker1 waits for Lock@{prog}:4 at {prog}:11, held by MainThread, which has ended"
    assert result.stderr.splitlines() == [
        REPORT_HEAD.format(count=2, s="s"),
        f"  {one}",
        f"  worker2 waits for RLock@{prog}:5 at {prog}:14, held by worker1;",
        f"    {one}",
        ADVICE,
    ]


def test_a_thread_unknown_to_debug_is_waited_for(tmp_path: Path) -> None:
    # A thread of the standard library's threading, which the debug backend never saw:
    # it may yet end (here it does), so nothing is reported until it has.
    result = _run(
        tmp_path,
        """
        import threading as stdlib_threading
        import anythread as threading

        lock = threading.Lock()
        lock.acquire()
        def worker():
            with lock:
                pass
        main_done = stdlib_threading.Event()
        def unknown():
            main_done.wait(30)  # outlives the main program
            print("unknown done", flush=True)
        threading.Thread(target=worker, name="worker").start()
        stdlib_threading.Thread(target=unknown).start()
        print("main done", flush=True)
        main_done.set()
        """,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == "main done\nunknown done\n"
    assert result.stderr.startswith(REPORT_HEAD.format(count=1, s="")), result.stderr


def test_waits_that_end_are_not_reported(tmp_path: Path) -> None:
    # An Event set later, a timed acquire of the main program's lock, a lock released
    # before the main program ends: the program exits as Python's would.
    result = _run(
        tmp_path,
        """
        import os
        import anythread as threading

        def say(line):
            os.write(1, f"{line}\\n".encode())  # one write: lines of threads do not mix

        ev = threading.Event()
        held = threading.Lock()
        held.acquire()  # never released, but only waited for with a timeout
        freed = threading.RLock()
        freed.acquire()
        def on_event():
            ev.wait()
            say("event done")
        def timed():
            say(f"timed {held.acquire(timeout=0.5)}")
        def on_freed():
            with freed:
                say("freed done")
        threading.Thread(target=on_event).start()
        threading.Thread(target=timed).start()
        threading.Thread(target=on_freed).start()
        threading.Timer(0.8, ev.set).start()
        threading.Event().wait(0.3)
        freed.release()
        say("main done")
        """,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [
        "event done",
        "freed done",
        "main done",
        "timed False",
    ]
    assert "deadlock" not in result.stderr, result.stderr


def test_the_watch_is_not_a_thread_of_the_program(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        import threading as stdlib_threading
        import anythread as threading

        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()
        print(threading.active_count(), len(stdlib_threading.enumerate()), flush=True)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 1\n"


def test_a_lock_held_by_a_thread_that_has_ended(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        import anythread as threading

        lock = threading.Lock()  # (an RLock: the worker's acquire would raise at once)
        def keeper():
            lock.acquire()  # and ends holding it (the debug backend warns)
        def worker():
            with lock:
                pass
        k = threading.Thread(target=keeper, name="keeper")
        k.start()
        k.join()
        threading.Thread(target=worker, name="worker").start()
        print("main done", flush=True)
        """,
    )
    prog = tmp_path / "prog.py"
    assert result.returncode == 1, result.stderr
    assert result.stdout == "main done\n"
    assert "keeper ends while holding Lock@" in result.stderr  # the warning, first
    report = result.stderr[result.stderr.index("anythread: at exit") :].splitlines()
    assert report == [
        REPORT_HEAD.format(count=1, s=""),
        f"  worker waits for Lock@{prog}:4 at {prog}:8, held by keeper, which has ended",
        ADVICE,
    ]
