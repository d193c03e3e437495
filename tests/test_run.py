"""``anythread run``: an unmodified threading program on a backend.

Each test runs a small program in a subprocess (bounded by a timeout), as a user runs
``anythread run -b NAME script.py``, and compares with ``python script.py`` where
the behaviour must be the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import anythread

TIMEOUT = 90  # seconds; generous: the machine may be heavily loaded
SCRIPT = Path(sys.executable).with_name("anythread")
AVAILABLE = [row.name for row in anythread.list_backends() if row.available]
SHIMMED = [name for name in ("pure", "debug", "cooperative") if name in AVAILABLE]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANYTHREAD_")}
    env.update(extra)
    return env


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m anythread run ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "anythread", "run", *args],
        cwd=cwd,
        env=env if env is not None else _env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source))
    return path


class TestLikePython:
    """argv, __main__, exit status and tracebacks as ``python script.py``."""

    @pytest.mark.parametrize("backend", AVAILABLE)
    def test_script_argv_main_and_exit_status(self, tmp_path: Path, backend: str) -> None:
        write(
            tmp_path,
            "prog.py",
            """
            import sys, threading, anythread
            print(sys.argv[1:], __name__, __file__)
            print(anythread.current_backend().name)
            sys.exit(int(sys.argv[1]))
            """,
        )
        done = run("-b", backend, "prog.py", "3", "two words", cwd=tmp_path)
        assert done.returncode == 3, done.stderr
        lines = done.stdout.splitlines()
        assert lines == [
            f"['3', 'two words'] __main__ {tmp_path / 'prog.py'}",
            backend,
        ]

    def test_script_dir_is_on_the_path(self, tmp_path: Path) -> None:
        (tmp_path / "app").mkdir()
        write(tmp_path / "app", "helper.py", "VALUE = 'found'\n")
        write(tmp_path / "app", "main.py", "import helper\nprint(helper.VALUE)\n")
        done = run("-b", "pure", "app/main.py", cwd=tmp_path)
        assert (done.returncode, done.stdout) == (0, "found\n"), done.stderr

    @pytest.mark.parametrize("backend", ["pure", "debug"])
    def test_module_form(self, tmp_path: Path, backend: str) -> None:
        (tmp_path / "pkg").mkdir()
        write(tmp_path / "pkg", "__init__.py", "")
        write(
            tmp_path / "pkg",
            "__main__.py",
            """
            import sys, threading
            print(sys.argv[1:], __name__, type(threading).__name__)
            raise SystemExit(4)
            """,
        )
        done = run("-b", backend, "-m", "pkg", "a", "-b", cwd=tmp_path)
        assert done.returncode == 4, done.stderr
        assert done.stdout == "['a', '-b'] __main__ ThreadingShim\n"

    def test_console_script_and_environment_default(self, tmp_path: Path) -> None:
        write(tmp_path, "prog.py", "import anythread, threading\nprint(threading.Thread)\n")
        done = subprocess.run(
            [str(SCRIPT), "run", "prog.py"],
            cwd=tmp_path,
            env=_env(ANYTHREAD_BACKEND="pure"),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"{anythread.get_backend('pure').Thread}\n"

    @pytest.mark.parametrize("backend", ["stdlib", "pure", "debug"])
    def test_exception_traceback_and_status_are_pythons(self, tmp_path: Path, backend: str) -> None:
        write(
            tmp_path,
            "boom.py",
            """
            import threading

            def f():
                raise ValueError("boom: bad value")

            f()
            """,
        )
        plain = subprocess.run(
            [sys.executable, "boom.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        done = run("-b", backend, "boom.py", cwd=tmp_path)
        assert plain.returncode == 1
        assert (done.returncode, done.stderr) == (plain.returncode, plain.stderr)

    @pytest.mark.parametrize("backend", SHIMMED)
    def test_keyboard_interrupt_traceback_and_status_are_pythons(
        self, tmp_path: Path, backend: str
    ) -> None:
        # Python reports it itself and ends as interrupted: the traceback must still
        # start in the program, as for any other exception.
        write(tmp_path, "ctrlc.py", "print('before')\nraise KeyboardInterrupt\n")
        plain = subprocess.run(
            [sys.executable, "ctrlc.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        done = run("-b", backend, "ctrlc.py", cwd=tmp_path)
        assert plain.stderr.startswith("Traceback"), plain.stderr
        assert (done.returncode, done.stdout, done.stderr) == (
            plain.returncode,
            plain.stdout,
            plain.stderr,
        )

    def test_exit_with_a_message_is_pythons(self, tmp_path: Path) -> None:
        write(tmp_path, "quit.py", "import sys\nsys.exit('cannot go on')\n")
        done = run("-b", "pure", "quit.py", cwd=tmp_path)
        assert (done.returncode, done.stderr) == (1, "cannot go on\n")

    def test_missing_module_and_script(self, tmp_path: Path) -> None:
        done = run("-b", "pure", "-m", "no_such_module_here", cwd=tmp_path)
        assert done.returncode == 1
        assert "No module named no_such_module_here" in done.stderr
        done = run("-b", "pure", "missing.py", cwd=tmp_path)
        assert done.returncode == 2
        assert "can't open file" in done.stderr
        assert "missing.py" in done.stderr

    def test_bad_backend_name_lists_the_backends(self, tmp_path: Path) -> None:
        write(tmp_path, "prog.py", "print('ran')\n")
        done = run("-b", "no-such-backend", "prog.py", cwd=tmp_path)
        assert done.returncode == 2
        assert done.stdout == ""
        assert "no-such-backend" in done.stderr
        for name in AVAILABLE:
            assert name in done.stderr

    def test_usage_errors(self, tmp_path: Path) -> None:
        assert run(cwd=tmp_path).returncode == 2
        assert run("-b", "pure", "-m", cwd=tmp_path).returncode == 2
        done = run("--frobnicate", "x.py", cwd=tmp_path)
        assert done.returncode == 2
        assert "--frobnicate" in done.stderr
        helped = run("--help", cwd=tmp_path)
        assert helped.returncode == 0
        assert "anythread run [-b NAME]" in helped.stdout


IDENTITY = """
import sys, threading, anythread
from anythread.protocols import API_NAMES

backend = anythread.get_backend()
assert type(threading).__name__ == "ThreadingShim", type(threading)
for name in API_NAMES:
    if name in ("Lock", "RLock", "excepthook"):
        continue
    assert getattr(threading, name) is getattr(backend, name), name
for name in ("Lock", "RLock"):
    ours, theirs = getattr(threading, name), getattr(backend, name)
    assert ours is theirs or issubclass(ours, theirs), name
    lock = ours()
    assert isinstance(lock, type(theirs()))
    assert callable(lock._at_fork_reinit), name
    lock.acquire()
    lock._at_fork_reinit()  # as in a forked child: a new lock's state
    assert lock.acquire(timeout=5), name
    lock.release()
print("Lock is", threading.Lock is backend.Lock)
hook = lambda args: None
threading.excepthook = hook
assert backend.excepthook is hook and threading.excepthook is hook
from threading import Thread, Condition
assert Thread is backend.Thread and Condition is backend.Condition
# The backend's modules, loaded before the switch, keep the real threading module.
own = sys.modules[sys.argv[1]]
assert own.threading is not threading and own.threading.Thread is not backend.Thread
try:
    threading._active
except AttributeError as exc:
    print("missing:", exc)
"""


class TestShim:
    @pytest.mark.parametrize("backend", ["pure", "debug", "cooperative"])
    def test_names_are_the_backends_objects(self, tmp_path: Path, backend: str) -> None:
        if backend == "cooperative":
            pytest.importorskip("greenlet")
        write(tmp_path, "identity.py", IDENTITY)
        module = {"pure": "pure", "debug": "debug._graph", "cooperative": "cooperative._kernel"}[
            backend
        ]
        done = run("-b", backend, "identity.py", f"anythread_backends.{module}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        first, missing = done.stdout.splitlines()
        # pure's and cooperative's Lock is the kernel's own lock, which has
        # _at_fork_reinit already.
        assert first == f"Lock is {backend != 'debug'}"
        assert missing.startswith("missing: module 'threading' has no attribute '_active'")
        assert f"backend {backend!r}" in missing

    def test_stdlib_keeps_the_real_module(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            "real.py",
            # (threading.Lock is _thread.allocate_lock up to 3.12, _thread.lock on 3.13)
            "import threading, _thread\n"
            "print(type(threading.Lock()) is type(_thread.allocate_lock())"
            " and threading.__file__.endswith('threading.py'))\n",
        )
        done = run("-b", "stdlib", "real.py", cwd=tmp_path)
        assert (done.returncode, done.stdout) == (0, "True\n"), done.stderr

    @pytest.mark.parametrize("backend", SHIMMED)
    def test_non_daemon_threads_are_joined_at_exit(self, tmp_path: Path, backend: str) -> None:
        write(
            tmp_path,
            "late.py",
            """
            import threading

            def late():
                threading.Event().wait(0.3)  # outlive the main program
                print("late thread done", flush=True)

            threading.Thread(target=late).start()
            print("main done", flush=True)
            """,
        )
        done = run("-b", backend, "late.py", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "main done\nlate thread done\n"


@pytest.mark.skipif("cooperative" not in AVAILABLE, reason="needs the cooperative extra")
class TestDeadlockAtExit:
    """A program whose non-daemon threads can never end: ``python script.py`` hangs at
    its exit; a backend that can tell (cooperative) makes it one report, on stderr, and
    exit status 1 (THREAD-EXIT-01: the exit rule waits for them)."""

    STUCK = """
        import sys, threading

        lock = threading.Lock()
        first = threading.Event()  # never set
        def worker():
            with lock:
                first.wait()
        threading.Thread(target=worker, name="worker").start()
        print("main done", flush=True)
        """

    def test_reported_once_with_status_1_and_no_traceback(self, tmp_path: Path) -> None:
        write(tmp_path, "stuck.py", self.STUCK)
        result = run("-b", "cooperative", "stuck.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert result.stdout == "main done\n"
        assert result.stderr.startswith("anythread run: at exit, deadlock:"), result.stderr
        assert result.stderr.count("deadlock:") == 1, result.stderr  # not again at exit
        assert "Traceback" not in result.stderr, result.stderr  # not anythread's frames
        assert (
            "thread 'MainThread' (started at the start of its OS thread) is blocked at "
            "the end of the program (the exit rule) waiting for the end of thread "
            "'worker' (join), held by 'worker'"
        ) in result.stderr
        assert "stuck.py:8 waiting for Event created at " in result.stderr
        assert result.stderr.rstrip().endswith("replay: ANYTHREAD_SCHEDULE=fifo")

    ABBA = """
        import threading
        a, b = threading.Lock(), threading.Lock()
        ready = threading.Barrier(3)
        def one():
            with a:
                ready.wait()
                with b:
                    pass
        def two():
            with b:
                ready.wait()
                with a:
                    pass
        t1 = threading.Thread(target=one, name="one")
        t2 = threading.Thread(target=two, name="two")
        t1.start(); t2.start()
        ready.wait()
        """

    WAITERS = """
        import threading
        never = threading.Event()
        threads = [threading.Thread(target=never.wait, name=f"w{i}") for i in range(2)]
        for t in threads:
            t.start()
        """

    @pytest.mark.parametrize("program", ["ABBA", "WAITERS"])
    def test_one_deadlock_of_several_threads_is_reported_once(
        self, tmp_path: Path, program: str
    ) -> None:
        # The exit rule joins each stuck thread in turn and each join finds the same
        # deadlock (the same cycle; or, without one, the same threads): one report.
        write(tmp_path, "stuck.py", getattr(self, program))
        result = run("-b", "cooperative", "stuck.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert result.stderr.count("deadlock:") == 1, result.stderr

    @pytest.mark.parametrize("program", ["ABBA", "WAITERS"])
    def test_a_deadlock_the_program_died_of_is_not_reported_again_at_exit(
        self, tmp_path: Path, program: str
    ) -> None:
        write(tmp_path, "stuck.py", getattr(self, program) + "threads[0].join()\n")
        if program == "ABBA":
            (tmp_path / "stuck.py").write_text(
                (tmp_path / "stuck.py").read_text().replace("threads[0]", "t1")
            )
        result = run("-b", "cooperative", "stuck.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        # The program's own traceback, and nothing more at exit.
        assert result.stderr.startswith("Traceback"), result.stderr
        assert result.stderr.count("deadlock:") == 1, result.stderr
        assert "at exit" not in result.stderr, result.stderr

    def test_two_different_deadlocks_are_both_reported(self, tmp_path: Path) -> None:
        # Not one deadlock: two pairs of threads, each pair in its own cycle.
        write(
            tmp_path,
            "two.py",
            """
            import threading
            ready = threading.Barrier(5)
            def pair(first, second):
                with first:
                    ready.wait()
                    with second:
                        pass
            for n in range(2):
                a, b = threading.Lock(), threading.Lock()
                threading.Thread(target=pair, args=(a, b)).start()
                threading.Thread(target=pair, args=(b, a)).start()
            ready.wait()
            """,
        )
        result = run("-b", "cooperative", "two.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert result.stderr.count("anythread run: at exit, deadlock:") == 2, result.stderr

    def test_a_wait_in_the_standard_library_is_placed_at_the_users_call(
        self, tmp_path: Path
    ) -> None:
        # The consumer blocks in queue.Queue.get(): the report names the program's line
        # that called it, then the library's own.
        write(
            tmp_path,
            "consumer.py",
            """
            import threading, queue
            q = queue.Queue()
            def consumer():
                while q.get() is not None:
                    pass
            threading.Thread(target=consumer, name="consumer").start()
            q.put(1)  # and no None: the consumer waits for ever
            """,
        )
        result = run("-b", "cooperative", "consumer.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        prog = tmp_path / "consumer.py"
        assert f"thread 'consumer' (started at {prog}:7) is blocked at {prog}:5 (in queue.py:" in (
            result.stderr
        )

    def test_the_programs_own_status_is_kept(self, tmp_path: Path) -> None:
        write(tmp_path, "stuck.py", self.STUCK + "sys.exit(3)\n")
        result = run("-b", "cooperative", "stuck.py", cwd=tmp_path)
        assert result.returncode == 3, result.stderr
        assert result.stderr.count("deadlock:") == 1, result.stderr

    def test_a_new_deadlock_after_the_report_is_reported_too(self, tmp_path: Path) -> None:
        # The program's atexit callback (run after the shim's exit rule) sets the event:
        # the worker goes on and blocks on another one, which the interpreter's exit
        # rule finds.  A different deadlock: printed, not taken for the first.
        write(
            tmp_path,
            "stuck.py",
            self.STUCK
            + """
        import atexit
        second = threading.Event()  # never set either
        def go_on():
            first.set()
        atexit.register(go_on)
        """,
        )
        script = (
            (tmp_path / "stuck.py")
            .read_text()
            .replace("first.wait()", "first.wait()\n        second.wait()")
        )
        (tmp_path / "stuck.py").write_text(script)
        result = run("-b", "cooperative", "stuck.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        first, _, second = result.stderr.partition("anythread: at exit, deadlock:")
        assert first.startswith("anythread run: at exit, deadlock:"), result.stderr
        assert "stuck.py:8 waiting for Event created at " in first, result.stderr
        assert "stuck.py:9 waiting for Event created at " in second, result.stderr
        assert "is blocked at the end of the program (the exit rule)" in second


HELD_BY_MAIN = """
    import threading

    lock = threading.Lock()
    lock.acquire()  # and never released: the main program ends holding it
    def worker():
        with lock:
            pass
    main_done = threading.Event()
    def late():
        main_done.wait(30)  # outlives the main program
        print("late done", flush=True)
    threading.Thread(target=worker, name="worker").start()
    threading.Thread(target=late, name="late").start()
    print("main done", flush=True)
    main_done.set()
    """


@pytest.mark.parametrize(
    "backend",
    [b for b in ("cooperative", "debug", "debug:pure") if b.split(":")[0] in AVAILABLE],
)
def test_deadlock_at_exit_waits_for_the_others_and_does_not_hang(
    tmp_path: Path, backend: str
) -> None:
    # THREAD-EXIT-01: the exit rule waits for 'worker', which waits for a lock the
    # ended main program holds.  On a backend of OS threads (debug over stdlib or pure)
    # the interpreter itself would wait for it for ever after the report: the run ends
    # with status 1 once the other threads are done ('late' is not cut short).
    write(tmp_path, "held.py", HELD_BY_MAIN)
    result = run("-b", backend, "held.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout == "main done\nlate done\n", result.stderr
    assert result.stderr.startswith("anythread run: at exit, deadlock:"), result.stderr
    assert result.stderr.count("deadlock:") == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "at the end of the program (the exit rule)" in result.stderr
    assert "held.py:7" in result.stderr  # where the worker waits
    # The cycle, in the same words on both backends: the join is no lock 'held'.
    assert "worker holds nothing MainThread waits for, but is joined by it, and waits for " in (
        result.stderr
    )


STDLIB_MODULES = """
import concurrent.futures, logging, queue, sys, threading

backend_thread = threading.Thread
# queue: producer and consumer threads of the backend
q = queue.Queue(maxsize=2)
got = []
consumer = threading.Thread(target=lambda: got.extend(q.get(timeout=30) for _ in range(5)))
consumer.start()
for i in range(5):
    q.put(i, timeout=30)
consumer.join(30)
assert got == [0, 1, 2, 3, 4], got
simple = queue.SimpleQueue()
simple.put("s")
assert simple.get(timeout=5) == "s"
print("queue ok", type(simple).__module__)

# concurrent.futures: its workers are the backend's threads
seen = set()
def work(x):
    seen.add(type(threading.current_thread()).__mro__[0] is not None)
    assert isinstance(threading.current_thread(), backend_thread)
    return x * x
with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
    assert list(pool.map(work, range(10), timeout=30)) == [x * x for x in range(10)]
# an executor left open: its exit callback and the join at exit end it
left_open = concurrent.futures.ThreadPoolExecutor(max_workers=2)
assert left_open.submit(sum, [1, 2, 3]).result(timeout=30) == 6
print("futures ok")

# logging: records name the backend's thread
logging.basicConfig(stream=sys.stdout, format="%(threadName)s: %(message)s", level=logging.INFO)
t = threading.Thread(target=lambda: logging.info("from a thread"), name="worker-1")
t.start()
t.join(30)
print("logging ok")
"""


class TestStandardLibrary:
    @pytest.mark.parametrize("backend", SHIMMED)
    def test_queue_futures_logging(self, tmp_path: Path, backend: str) -> None:
        write(tmp_path, "mods.py", STDLIB_MODULES)
        done = run("-b", backend, "mods.py", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [
            "queue ok queue",  # the pure-Python SimpleQueue, on the backend's primitives
            "futures ok",
            "worker-1: from a thread",
            "logging ok",
        ]

    # Not cooperative: the pool's worker handler waits in select() (docs/testing.rst).
    @pytest.mark.parametrize("backend", [n for n in ("pure", "debug") if n in AVAILABLE])
    def test_multiprocessing_thread_pool(self, tmp_path: Path, backend: str) -> None:
        # multiprocessing.pool assigns thread._state on its handler threads: the
        # semantics layer's own Thread attributes must not collide with it.
        write(
            tmp_path,
            "pool.py",
            """
            from multiprocessing.pool import ThreadPool
            with ThreadPool(2) as pool:
                print(pool.map(abs, [-1, -2], chunksize=1))
            """,
        )
        done = run("-b", backend, "pool.py", cwd=tmp_path)
        assert (done.returncode, done.stdout) == (0, "[1, 2]\n"), done.stderr


class TestDebugFindsDeadlocks:
    def test_self_deadlock_is_an_error_not_a_hang(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            "self.py",
            """
            import threading
            lock = threading.Lock()
            lock.acquire()
            lock.acquire()  # hangs forever under plain python
            """,
        )
        done = run("-b", "debug", "self.py", cwd=tmp_path)
        assert done.returncode == 1
        assert "anythread.errors.DeadlockError" in done.stderr
        assert 'File "' + str(tmp_path / "self.py") + '", line 5' in done.stderr

    def test_abba_deadlock_between_threads(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            "abba.py",
            """
            import threading
            a, b = threading.Lock(), threading.Lock()
            holds_a, holds_b = threading.Event(), threading.Event()

            def one():
                with a:
                    holds_a.set(); holds_b.wait(30)
                    with b: pass

            def two():
                with b:
                    holds_b.set(); holds_a.wait(30)
                    with a: pass

            threads = [threading.Thread(target=one), threading.Thread(target=two)]
            for t in threads: t.start()
            for t in threads: t.join(60)
            print("finished")
            """,
        )
        # In warn mode the inversion is only a warning: the real deadlock follows.
        done = run("-b", "debug", "abba.py", cwd=tmp_path, env=_env(ANYTHREAD_DEBUG_MODE="warn"))
        assert done.returncode == 0, done.stderr
        assert done.stdout == "finished\n"
        assert "anythread.errors.DeadlockError: deadlock" in done.stderr

    def test_pytest_under_debug(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            "test_locks.py",
            """
            import threading

            def test_fine():
                with threading.RLock():
                    pass

            def test_hangs_on_plain_python():
                lock = threading.Lock()
                with lock:
                    lock.acquire()
            """,
        )
        done = run(
            "-b", "debug", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-W", "error", "test_locks.py", cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr
        assert "1 failed, 1 passed in" in done.stdout  # and no warning
        assert "DeadlockError" in done.stdout


class TestShimObject:
    """The shim's own behaviour, in this process (not installed in sys.modules)."""

    def test_exit_rule_runs_callbacks_last_first_then_refuses(self) -> None:
        from anythread._run import ThreadingShim

        shim = ThreadingShim(anythread.get_backend("pure"), "pure")
        calls: list[object] = []
        shim._register_atexit(calls.append, "first")
        shim._register_atexit(lambda **kw: calls.append(kw), key="second")
        shim._shutdown()
        assert calls == [{"key": "second"}, "first"]
        with pytest.raises(RuntimeError, match="can't register atexit after shutdown"):
            shim._register_atexit(calls.append, "late")

    def test_exit_rule_joins_non_daemon_threads(self) -> None:
        from anythread._run import ThreadingShim

        backend = anythread.get_backend("pure")
        shim = ThreadingShim(backend, "pure")
        release = backend.Event()
        finished = []
        worker = backend.Thread(target=lambda: finished.append(release.wait(30)))
        worker.start()
        shim._register_atexit(release.set)  # runs before the join, or the join would wait
        shim._shutdown()
        assert finished == [True]
        assert not worker.is_alive()

    def test_missing_name_names_the_backend(self) -> None:
        from anythread._run import ThreadingShim

        shim = ThreadingShim(anythread.get_backend("pure"), "pure")
        with pytest.raises(AttributeError, match=r"no attribute '_active'.*backend 'pure'"):
            shim._active  # noqa: B018
        import threading

        later = {"setprofile_all_threads", "settrace_all_threads"}  # 3.12, not in the API
        assert set(shim.__all__) == set(threading.__all__) - later

    def test_fork_reinit_subclass_only_where_needed(self) -> None:
        from anythread._run import ThreadingShim

        debug = anythread.get_backend("debug")
        shim = ThreadingShim(debug, "debug")
        assert shim.RLock is not debug.RLock
        assert issubclass(shim.RLock, debug.RLock)
        assert (shim.RLock.__name__, shim.RLock.__module__) == ("RLock", debug.RLock.__module__)
        assert shim.RLock.acquire is debug.RLock.acquire  # nothing else overridden
        pure = anythread.get_backend("pure")
        assert ThreadingShim(pure, "pure").Lock is pure.Lock  # the kernel's lock has it

    @pytest.mark.parametrize("backend", ["pure", "debug", "cooperative"])
    @pytest.mark.parametrize("kind", ["Lock", "RLock"])
    @pytest.mark.parametrize("holder", ["this thread", "a finished thread"])
    def test_fork_reinit_leaves_the_lock_free(self, backend: str, kind: str, holder: str) -> None:
        from anythread._run import ThreadingShim

        if backend == "cooperative":
            pytest.importorskip("greenlet")

        api = anythread.get_backend(backend)
        lock = getattr(ThreadingShim(api, backend), kind)()
        if holder == "this thread":
            lock.acquire()
            lock.acquire(blocking=kind == "RLock")  # twice for an RLock
        else:
            taker = api.Thread(target=lock.acquire)
            # debug says so when a thread ends holding a lock
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                taker.start()
                taker.join(30)
            assert not taker.is_alive()
        lock._at_fork_reinit()
        assert lock.acquire(blocking=False), "the lock is still taken"
        lock.release()
        if kind == "RLock":
            with pytest.raises(RuntimeError, match=r"un-?acquired lock"):
                lock.release()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_after_concurrent_futures_under_debug(tmp_path: Path) -> None:
    # concurrent.futures registers its lock's _at_fork_reinit with os.register_at_fork;
    # the child runs it (the shim's, on debug's lock) and must go on normally.
    write(
        tmp_path,
        "forks.py",
        """
        import concurrent.futures, os, sys, threading
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            assert pool.submit(abs, -1).result(timeout=30) == 1
        pid = os.fork()
        if pid == 0:
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                ok = pool.submit(abs, -2).result(timeout=30) == 2
            print("child", ok, flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("parent", os.waitstatus_to_exitcode(status), flush=True)
        """,
    )
    done = run("-b", "debug", "forks.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "child True\nparent 0\n"
    assert "Traceback" not in done.stderr


@pytest.mark.skipif("cooperative" not in AVAILABLE, reason="needs the cooperative extra")
def test_queue_timeouts_run_on_the_virtual_clock(tmp_path: Path) -> None:
    # queue computes its deadlines with its own clock: under anythread run it is the
    # backend's, so a timed get() on the virtual clock ends at its virtual deadline at
    # once (on the real clock's deadline it would spin for 600 real seconds).
    write(
        tmp_path,
        "vq.py",
        """
        import queue, threading, anythread
        q = queue.Queue()
        t0 = anythread.monotonic()
        try:
            q.get(timeout=600)
        except queue.Empty:
            print("empty after", anythread.monotonic() - t0)
        threading.Timer(3600, q.put, args=("late",)).start()
        print(q.get(timeout=7200), "after", anythread.monotonic() - t0)
        """,
    )
    result = run("-b", "cooperative:virtual", "vq.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "empty after 600.0\nlate after 4200.0\n", result.stderr
