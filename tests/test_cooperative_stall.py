"""Stall reports of the cooperative backend (``ANYTHREAD_STALL``, ``make_backend(stall=)``).

A green thread that blocks its OS thread outside the backend, or computes without
blocking, keeps the other green threads of that OS thread from running; with a stall
limit the backend says so on standard error, once per stall, naming the thread that
runs, where it is, and the threads that wait for a turn.

Each program runs in a fresh interpreter.  It replaces ``sys.stderr`` by a stream that
keeps what the backend writes, and stalls by waiting *at the OS level* (``time.sleep``
in a loop, which blocks the whole OS thread, exactly what the report is for) until a
report has come, with a bound; then it prints the reports as JSON.  So no test depends
on how long a report takes to come, only the tests that check that none comes wait a
fixed time.
"""

from __future__ import annotations

import json
import math
import os
import textwrap

import pytest

pytest.importorskip("greenlet")

from helpers import run_python

from anythread_backends.cooperative import make_backend
from anythread_backends.cooperative._stall import parse_stall

HEADER = """\
import json, sys, time
import anythread as threading

class Stream:
    def __init__(self, real):
        self.real = real
        self.reports = []
    def write(self, text):
        if text.startswith("anythread (cooperative)"):
            self.reports.append(text)
        else:
            self.real.write(text)
        return len(text)
    def flush(self):
        pass

err = sys.stderr = Stream(sys.stderr)

def stall_until_report(count, bound=30.0):
    # An OS-level wait (time.sleep blocks the OS thread): the stall itself.
    deadline = time.monotonic() + bound
    while len(err.reports) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"no report {count} within {bound} s")
        time.sleep(0.01)

def done(**more):
    print(json.dumps(dict(reports=err.reports, **more)))
"""


# Where the stall of stall_until_report() is: the line of its time.sleep().
SLEEP_LINE = HEADER.splitlines().index("        time.sleep(0.01)") + 1


def _run(body: str, stall: str | None = "0.2", clock: str = "real") -> dict[str, object]:
    env = {"ANYTHREAD_BACKEND": "cooperative", "ANYTHREAD_CLOCK": clock}
    if stall is not None:
        env["ANYTHREAD_STALL"] = stall
    done = run_python(HEADER + textwrap.dedent(body), env=env)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def _one_report(result: dict[str, object]) -> str:
    reports = result["reports"]
    assert isinstance(reports, list)
    assert len(reports) == 1, reports
    report: str = reports[0]
    return report


class TestReported:
    def test_a_thread_blocked_outside_the_backend_is_named_with_where_it_is(self) -> None:
        result = _run(
            """
            ran = []
            worker = threading.Thread(target=lambda: ran.append(1), name="worker")
            worker.start()
            stall_until_report(1)  # the main thread blocks its OS thread
            worker.join(timeout=10)
            done(ran=ran)
            """
        )
        report = _one_report(result)
        # Who runs, who waits (name and where it was started), where the runner is.
        assert "no other green thread of the main OS thread has run for" in report
        assert "the main thread has not blocked in the backend since" in report
        assert "(ANYTHREAD_STALL=0.2)" in report
        assert "Ready, waiting for a turn: 'worker' (started at <string>:" in report
        assert f'File "<string>", line {SLEEP_LINE}, in stall_until_report' in report
        # What to do.
        assert "use anythread's sleep() and objects, or hand the call to run_in_thread()" in (
            report.replace("\n", " ")
        )
        # The backend's own frames are left out of the stack.
        assert "anythread_backends" not in report
        # The report changed nothing: the worker ran once the stall was over.
        assert result["ran"] == [1]

    def test_a_green_thread_that_computes_is_named_and_the_others_counted(self) -> None:
        body = """
            def spin():
                while not err.reports:  # computes, never blocks in the backend
                    pass
            threads = [threading.Thread(target=spin, name="spinner")]
            threads += [threading.Thread(target=lambda: None, name=f"other-{i}") for i in range(7)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            done(alive=[t.name for t in threads if t.is_alive()])
        """
        result = _run(body)
        report = _one_report(result)
        assert "'spinner' (started at <string>:" in report
        assert "has not blocked in the backend since" in report
        # The first five that wait, in their order, then how many more.
        names = [f"'other-{i}'" for i in range(7)]
        listed = report.split("Ready, waiting for a turn: ")[1].split("\n")[0]
        assert [n for n in names if n in listed] == names[:5]
        assert listed.endswith("and 2 more.")
        program = (HEADER + textwrap.dedent(body)).splitlines()
        spin_line = 1 + next(
            n for n, line in enumerate(program) if line.startswith("    while not err.reports:")
        )
        assert f'File "<string>", line {spin_line}, in spin' in report
        assert result["alive"] == []

    def test_an_overdue_timer_is_a_stall_too(self) -> None:
        # Nothing is ready, but a green thread's sleep is over and it cannot wake.
        result = _run(
            """
            woke = []
            def sleeper():
                threading.sleep(0.05)
                woke.append(1)
            t = threading.Thread(target=sleeper, name="sleeper")
            t.start()
            threading.sleep(0)  # the sleeper starts and sleeps
            stall_until_report(1)
            t.join(timeout=10)
            done(woke=woke)
            """
        )
        report = _one_report(result)
        assert "the main thread has not blocked in the backend since" in report
        assert "A timer of a sleeping or timed wait is overdue." in report
        assert result["woke"] == [1]

    def test_each_stall_is_reported_once_and_a_new_one_again(self) -> None:
        result = _run(
            """
            t = threading.Thread(target=lambda: threading.sleep(0), name="first")
            t.start()
            stall_until_report(1)
            time.sleep(0.6)  # the same stall goes on: no second report for it
            count_after_first = len(err.reports)
            t.join(timeout=10)
            t = threading.Thread(target=lambda: None, name="second")
            t.start()
            stall_until_report(2)
            t.join(timeout=10)
            done(count_after_first=count_after_first)
            """
        )
        reports = result["reports"]
        assert isinstance(reports, list)
        assert len(reports) == 2
        assert result["count_after_first"] == 1
        assert "'first'" in reports[0]
        assert "'second'" in reports[1]

    def test_a_green_thread_that_is_not_the_main_one_is_named(self) -> None:
        result = _run(
            """
            ran = []
            def blocker():
                other = threading.Thread(target=lambda: ran.append(1), name="starved")
                other.start()
                stall_until_report(1)
            t = threading.Thread(target=blocker, name="blocker")
            t.start()
            t.join(timeout=30)
            done(ran=ran)
            """
        )
        report = _one_report(result)
        assert "'blocker' (started at <string>:" in report
        assert "Ready, waiting for a turn: 'starved'" in report
        assert result["ran"] == [1]

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
    def test_a_forked_child_is_watched_too(self) -> None:
        # The watchdog thread does not survive a fork: the child has its own.
        result = _run(
            """
            import os, warnings
            warnings.simplefilter("ignore", DeprecationWarning)  # (fork with a thread)
            # The parent's hub exists, and its watchdog runs, before the fork.
            first = threading.Thread(target=lambda: None)
            first.start()
            first.join(timeout=10)
            pid = os.fork()
            if pid == 0:
                t = threading.Thread(target=lambda: None, name="in-child")
                t.start()
                stall_until_report(1, bound=20)
                t.join(timeout=10)
                ok = len(err.reports) == 1 and "'in-child'" in err.reports[0]
                os._exit(0 if ok else 3)
            _, status = os.waitpid(pid, 0)
            done(child_code=os.waitstatus_to_exitcode(status))
            """
        )
        assert result["child_code"] == 0
        assert result["reports"] == []  # (the parent did not stall)

    def test_the_virtual_clock_still_reports_a_thread_that_waits_for_a_turn(self) -> None:
        result = _run(
            """
            t = threading.Thread(target=lambda: None, name="worker")
            t.start()
            stall_until_report(1)
            t.join(timeout=10)
            done()
            """,
            clock="virtual",
        )
        assert "Ready, waiting for a turn: 'worker'" in _one_report(result)


class TestNotReported:
    def test_a_busy_program_that_switches_and_an_idle_one_are_not_reported(self) -> None:
        # 1.5 s of Event ping-pong, a timed wait and a sleep with nothing ready, against
        # a limit of 0.3 s: the hub gets its turns all along.
        result = _run(
            """
            ping, pong = threading.Event(), threading.Event()
            stop = []
            def partner():
                while not stop:
                    ping.wait(); ping.clear(); pong.set()
            p = threading.Thread(target=partner)
            p.start()
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                ping.set(); pong.wait(); pong.clear()
            stop.append(1)
            ping.set()
            p.join(timeout=10)
            threading.Event().wait(0.7)
            threading.sleep(0.7)
            done()
            """,
            stall="0.3",
        )
        assert result["reports"] == []

    def test_a_sleep_on_the_virtual_clock_is_not_overdue_while_its_time_stands_still(
        self,
    ) -> None:
        # The sleeper's timer is due in an hour of virtual time, which does not pass
        # while the main thread runs: nothing waits for a turn.
        result = _run(
            """
            t = threading.Thread(target=lambda: threading.sleep(3600), name="sleeper")
            t.start()
            threading.sleep(0)  # the sleeper starts and sleeps
            time.sleep(0.8)
            t.join(timeout=10)
            done()
            """,
            clock="virtual",
        )
        assert result["reports"] == []

    def test_the_watchdog_leaves_the_programs_random_numbers_alone(self) -> None:
        # The watchdog's looks are jittered with a generator of its own: a program that
        # seeds the random module gets the same numbers as without it.
        result = _run(
            """
            import random
            t = threading.Thread(target=lambda: None)
            t.start()
            t.join(timeout=10)  # the watchdog runs from here on
            random.seed(5)
            time.sleep(0.5)  # several looks (nothing is ready: no stall)
            done(same=random.random() == random.Random(5).random())
            """
        )
        assert result == {"reports": [], "same": True}

    @pytest.mark.parametrize("stall", [None, "off", "0", ""])
    def test_without_a_limit_nothing_is_reported(self, stall: str | None) -> None:
        result = _run(
            """
            t = threading.Thread(target=lambda: None, name="worker")
            t.start()
            time.sleep(0.8)  # a stall four times the limit the other tests use
            t.join(timeout=10)
            done()
            """,
            stall=stall,
        )
        assert result["reports"] == []


class TestSetting:
    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("5", 5.0), ("0.5", 0.5), (" 2 ", 2.0), ("off", None), ("OFF", None), ("0", None)],
    )
    def test_parse(self, text: str, seconds: float | None) -> None:
        assert parse_stall(text) == seconds

    @pytest.mark.parametrize("text", ["abc", "-1", "nan", "inf", "1s", "0.0"])
    def test_a_bad_value_says_what_to_write(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"ANYTHREAD_STALL.*number of seconds.*'off'"):
            parse_stall(text)

    def test_a_bad_value_in_the_environment_fails_the_backend_clearly(self) -> None:
        done = run_python(
            "import anythread; anythread.get_backend('cooperative')",
            env={"ANYTHREAD_STALL": "soon"},
        )
        assert done.returncode != 0
        assert "invalid stall limit 'soon' (ANYTHREAD_STALL)" in done.stderr

    @pytest.mark.parametrize("stall", [0, -1.0, math.nan, math.inf])
    def test_make_backend_refuses_a_limit_that_is_not_positive(self, stall: float) -> None:
        with pytest.raises(ValueError, match="stall must be greater than 0"):
            make_backend(stall=stall)

    @pytest.mark.parametrize("stall", ["1", True])
    def test_make_backend_refuses_a_limit_that_is_not_a_number(self, stall: object) -> None:
        with pytest.raises(TypeError, match="stall must be a number of seconds or None"):
            make_backend(stall=stall)  # type: ignore[arg-type]

    def test_make_backend_takes_a_limit(self) -> None:
        code = """
            import _thread, json, sys, time
            from anythread_backends.cooperative import make_backend
            b = make_backend(stall=0.2)
            class Stream:
                reports = []
                def write(self, text):
                    self.reports.append(text)
                def flush(self):
                    pass
            sys.stderr = Stream()
            t = b.Thread(target=lambda: None, name="worker")
            t.start()
            deadline = time.monotonic() + 30
            while not Stream.reports and time.monotonic() < deadline:
                time.sleep(0.01)
            t.join(timeout=10)
            print(json.dumps(Stream.reports))
        """
        done = run_python(textwrap.dedent(code))
        assert done.returncode == 0, done.stderr
        (report,) = json.loads(done.stdout)
        assert "Ready, waiting for a turn: 'worker'" in report
