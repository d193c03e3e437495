"""The facade: ``import anythread`` serves the selected backend's own objects."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import run_python

import anythread
from anythread import selection
from anythread.protocols import API_NAMES
from anythread.registry import Registry

pytestmark = pytest.mark.usefixtures("fresh_facade")


class TestStdlibIdentity:
    @pytest.mark.parametrize("name", [n for n in API_NAMES if n not in {"sleep", "monotonic"}])
    def test_every_name_is_threadings_own_object(self, name: str) -> None:
        assert getattr(anythread, name) is getattr(threading, name)

    def test_sleep_and_monotonic_are_times_own(self) -> None:
        assert anythread.sleep is time.sleep
        assert anythread.monotonic is time.monotonic

    def test_names_are_cached_in_the_module(self) -> None:
        lock_factory = anythread.Lock
        assert vars(anythread)["Lock"] is lock_factory

    def test_unknown_attribute(self) -> None:
        with pytest.raises(AttributeError, match="module 'anythread' has no attribute 'Lok'"):
            anythread.Lok  # noqa: B018

    def test_dir_lists_the_api(self) -> None:
        assert {"Lock", "Thread", "use", "from_kernel"} <= set(dir(anythread))


class TestSelection:
    def test_default_is_stdlib_and_not_fixed_before_use(self) -> None:
        choice = anythread.current_backend()
        assert (choice.name, choice.source, choice.fixed) == ("stdlib", "default", False)

    def test_first_use_fixes_the_choice_and_records_where(self) -> None:
        anythread.Event()
        choice = anythread.current_backend()
        assert choice.fixed
        assert choice.since.startswith(__file__)

    def test_env_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ANYTHREAD_BACKEND", "stdlib")
        assert anythread.current_backend().source == "env"

    def test_use_overrides_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ANYTHREAD_BACKEND", "no-such-backend")
        anythread.use("stdlib")
        assert anythread.current_backend().source == "use"
        assert anythread.get_backend().name == "stdlib"

    def test_use_same_name_after_first_use_is_a_no_op(self) -> None:
        anythread.RLock()
        anythread.use("stdlib")
        assert anythread.current_backend().name == "stdlib"

    def test_switching_after_first_use_is_refused(self) -> None:
        anythread.Lock()
        with pytest.raises(RuntimeError) as info:
            anythread.use("debug")
        message = str(info.value)
        assert "cannot switch to backend 'debug'" in message
        assert "already uses backend 'stdlib'" in message
        assert f"in use since {__file__}" in message
        assert "anythread.use('debug') before the first use" in message

    def test_use_unknown_name(self) -> None:
        with pytest.raises(
            LookupError,
            match=r"No such backend: 'nope' \(named by anythread\.use\(\)\)\. Available backends:",
        ):
            anythread.use("nope")
        assert not anythread.current_backend().fixed

    def test_use_requires_a_string(self) -> None:
        with pytest.raises(TypeError, match="backend name must be a str, not int"):
            anythread.use(3)  # type: ignore[arg-type]

    def test_get_backend_by_name_leaves_the_choice_open(self) -> None:
        backend = anythread.get_backend("stdlib")
        assert backend.name == "stdlib"
        assert not anythread.current_backend().fixed

    def test_get_backend_without_name_fixes_the_choice(self) -> None:
        assert anythread.get_backend() is anythread.get_backend("stdlib")
        assert anythread.current_backend().fixed

    def test_unknown_env_backend_fails_at_first_use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ANYTHREAD_BACKEND", "nope")
        with pytest.raises(LookupError, match="No such backend: 'nope'"):
            anythread.Lock  # noqa: B018
        assert not anythread.current_backend().fixed


class TestFreshProcess:
    def test_import_chooses_nothing_and_loads_no_backend(self) -> None:
        result = run_python(
            "import sys, anythread\n"
            "print(any(m.startswith('anythread_backends.') for m in sys.modules),"
            " anythread.current_backend().fixed)"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["False", "False"]

    def test_env_choice_in_a_real_program(self) -> None:
        result = run_python(
            "import anythread\n"
            "t = anythread.Thread(target=print, args=('hello from a thread',))\n"
            "t.start(); t.join(10)\n"
            "print(anythread.current_backend())",
            env={"ANYTHREAD_BACKEND": "stdlib"},
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "hello from a thread"
        assert lines[1].startswith("stdlib (chosen by ANYTHREAD_BACKEND; in use since <string>:2")

    def test_facade_choice_is_process_wide_across_threads(self) -> None:
        # Two threads racing to first use end up with one backend, chosen once.
        result = run_python(
            "import threading, anythread\n"
            "seen = []\n"
            "b = threading.Barrier(8)\n"
            "def go():\n"
            "    b.wait(10)\n"
            "    seen.append(anythread.get_backend())\n"
            "ts = [threading.Thread(target=go) for _ in range(8)]\n"
            "[t.start() for t in ts]; [t.join(10) for t in ts]\n"
            "print(len(seen), len({id(x) for x in seen}))"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["8", "1"]


def test_selection_str() -> None:
    choice = selection.Selection("pure", "use", fixed=False)
    assert str(choice) == "pure (chosen with anythread.use(); not used yet)"


@pytest.mark.parametrize("backend", ["stdlib", "pure"])
def test_assigning_excepthook_through_the_facade_reaches_the_threads(backend: str) -> None:
    # The usual idiom, ``threading.excepthook = hook``, written against anythread.
    result = run_python(
        "import anythread as threading\n"
        "seen = []\n"
        "def hook(args):\n"
        "    seen.append((args.exc_type.__name__, str(args.exc_value), args.thread.name))\n"
        "threading.excepthook = hook\n"
        "def boom():\n"
        "    raise ValueError('from the thread')\n"
        "t = threading.Thread(target=boom, name='boomer')\n"
        "t.start(); t.join(30)\n"
        "print(seen, threading.excepthook is hook, threading.get_backend().excepthook is hook)",
        env={"ANYTHREAD_BACKEND": backend},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == "[('ValueError', 'from the thread', 'boomer')] True True"


class TestExcepthookReadThrough:
    """Under stdlib, ``anythread.excepthook`` is ``threading.excepthook``, now."""

    def test_a_hook_installed_on_threading_is_seen(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def installed(args: object) -> None: ...

        assert anythread.excepthook is threading.excepthook  # pytest's, during a test
        monkeypatch.setattr(threading, "excepthook", installed)
        assert anythread.excepthook is installed
        assert "excepthook" not in vars(anythread)

    def test_assigning_on_the_facade_assigns_threadings(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def mine(args: object) -> None: ...

        monkeypatch.setattr(threading, "excepthook", threading.excepthook)  # restores it
        anythread.excepthook = mine
        assert threading.excepthook is mine
        assert anythread.excepthook is mine
        assert anythread.get_backend().excepthook is mine

    def test_a_library_chaining_to_the_previous_hook_keeps_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen: list[str] = []

        def outer(args: threading.ExceptHookArgs) -> None:  # installed first, as pytest does
            seen.append(f"outer:{args.exc_value}")

        monkeypatch.setattr(threading, "excepthook", outer)
        previous = anythread.excepthook

        def library(args: threading.ExceptHookArgs) -> None:
            seen.append(f"library:{args.exc_value}")
            previous(args)

        anythread.excepthook = library

        def boom() -> None:
            raise ValueError("lost?")

        thread = anythread.Thread(target=boom)
        thread.start()
        thread.join(30)
        assert not thread.is_alive()
        assert seen == ["library:lost?", "outer:lost?"]


_STAR_PROGRAM = """\
import threading
from anythread import *
import anythread
print(anythread.current_backend().since.rsplit(" at ", 1)[0])
print(Lock is threading.Lock, Thread is threading.Thread, callable(excepthook))
"""


class TestImportAndIntrospection:
    def test_star_import_is_a_use_and_records_the_importing_line(self, tmp_path: Path) -> None:
        program = tmp_path / "star.py"
        program.write_text(_STAR_PROGRAM)
        result = run_python(f"import runpy; runpy.run_path({str(program)!r})")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f"{program}:2", "True True True"]

    def test_from_import_records_the_importing_line(self) -> None:
        result = run_python(
            "import anythread\n"
            "from anythread import Event\n"
            "print(anythread.current_backend().since)"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("<string>:2 at ")

    def test_introspection_does_not_fix_the_choice(self) -> None:
        result = run_python(
            "import inspect, pydoc, threading, anythread\n"
            "members = dict(inspect.getmembers(anythread))\n"
            "assert members['Lock'] is threading.Lock, members['Lock']\n"
            "assert members['excepthook'] is threading.excepthook\n"
            "assert 'Lock' in dir(anythread)\n"
            "pydoc.render_doc(anythread)\n"
            "import rlcompleter\n"
            "completer = rlcompleter.Completer({'anythread': anythread})\n"
            "plain = rlcompleter.Completer({'threading': threading})\n"
            "expected = plain.complete('threading.Lo', 0).replace('threading', 'anythread')\n"
            "assert completer.complete('anythread.Lo', 0) == expected\n"
            "print(anythread.current_backend().fixed, 'Lock' in vars(anythread))\n"
            "anythread.use('pure')\n"
            "print(anythread.Event is threading.Event, anythread.current_backend().name)"
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["False", "False", "False", "pure"]

    def test_getattr_by_a_program_is_still_a_use(self) -> None:
        assert getattr(anythread, "Semaphore") is threading.Semaphore  # noqa: B009
        choice = anythread.current_backend()
        assert choice.fixed
        assert choice.since.startswith(f"{__file__}:")

    def test_introspecting_an_unknown_env_backend_skips_the_names(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ANYTHREAD_BACKEND", "nope")
        names = {name for name, _ in inspect.getmembers(anythread)}
        assert "use" in names
        assert "Lock" not in names
        assert not anythread.current_backend().fixed


class TestNamesAreConsistent:
    def test_use_strips_blanks_like_the_env_variable(self) -> None:
        anythread.use(" pure ")
        assert anythread.current_backend().name == "pure"
        assert anythread.get_backend() is anythread.get_backend("pure")

    def test_env_variable_strips_blanks(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ANYTHREAD_BACKEND", "\tpure \n")
        assert anythread.get_backend() is anythread.get_backend(" pure")
        assert anythread.current_backend().name == "pure"

    @pytest.mark.parametrize("call", [anythread.use, anythread.get_backend])
    def test_an_empty_name_is_a_value_error(self, call: Callable[[str], object]) -> None:
        with pytest.raises(ValueError, match=r"backend name must not be empty \(got '  '\)"):
            call("  ")

    def test_empty_env_is_explained_as_empty(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ANYTHREAD_BACKEND", " ")
        choice = anythread.current_backend()
        assert (choice.name, choice.source) == ("stdlib", "default")
        assert choice.explain() == (
            "the default (ANYTHREAD_BACKEND is set but empty); not used yet"
        )

    def test_unset_env_is_explained_as_unset(self) -> None:
        assert anythread.current_backend().explain() == (
            "the default (ANYTHREAD_BACKEND is unset); not used yet"
        )

    @pytest.mark.parametrize(
        ("how", "origin"),
        [
            ("env", "ANYTHREAD_BACKEND"),
            ("use", "anythread.use()"),
            ("get_backend", "anythread.get_backend()"),
        ],
    )
    def test_unknown_name_says_where_it_came_from_and_the_closest_name(
        self, how: str, origin: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ANYTHREAD_BACKEND", "pur")
        attempt: Callable[[], object] = {
            "env": lambda: anythread.Lock,
            "use": lambda: anythread.use("pur"),
            "get_backend": lambda: anythread.get_backend("pur"),
        }[how]
        with pytest.raises(LookupError) as info:
            attempt()
        first = str(info.value).splitlines()[0]
        assert first.startswith(
            f"No such backend: 'pur' (named by {origin}). Did you mean 'pure'? Available backends: "
        )
        assert not anythread.current_backend().fixed

    def test_no_suggestion_when_nothing_is_close(self) -> None:
        with pytest.raises(LookupError) as info:
            anythread.use("zzzz")
        assert "Did you mean" not in str(info.value)

    @pytest.mark.parametrize("name", ["stdlib", "cooperative", "debug"])
    def test_an_undeclared_builtin_says_to_reinstall(
        self, name: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # An installation whose entry points are missing (a source tree on sys.path).
        monkeypatch.setattr(selection, "registry", Registry([], entry_points=False))
        with pytest.raises(
            LookupError,
            match=rf"Backend '{name}' \(named by anythread\.use\(\)\) is one of anythread's "
            r"own backends, but this installation of anythread does not declare it .*"
            r"pip install --force-reinstall anythread",
        ):
            anythread.use(name)
