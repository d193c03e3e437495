"""Section 16.2: excepthook and ExceptHookArgs edge cases that the mutation run found
unchecked.

Each test here kills at least one mutant of the semantics layer that the rest of the
suite let survive (see ``mutation/REPORT.md``), through the public API only (the
output-checking ones in a fresh interpreter, whose stderr is the test's to read), so it
holds any backend to it.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

from anythread_contract._support import run_script

clause = pytest.mark.clause


class TestExceptHookArgs:
    @clause("MOD-EXCEPTHOOK-03")
    @pytest.mark.parametrize("size", [3, 5])
    def test_only_a_4_sequence(self, backend: Any, size: int) -> None:
        with pytest.raises(TypeError, match=rf"4-sequence \({size}-sequence given\)"):
            backend.ExceptHookArgs([None] * size)

    @clause("MOD-EXCEPTHOOK-03")
    def test_built_from_a_sequence_and_an_optional_dict(self, backend: Any) -> None:
        # ExceptHookArgs is a struct sequence: (sequence, dict=None), by position or by
        # name, with CPython's messages for every wrong call.
        values = [ValueError, None, None, None]
        good: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
            ((values,), {}),
            ((values, {}), {}),
            ((values,), {"dict": {}}),
            ((), {"sequence": values}),
            ((), {"sequence": values, "dict": {}}),
        ]
        for args, kwargs in good:
            assert backend.ExceptHookArgs(*args, **kwargs).exc_type is ValueError
        assert backend.ExceptHookArgs.n_unnamed_fields == 0
        assert backend.ExceptHookArgs.n_fields == backend.ExceptHookArgs.n_sequence_fields == 4
        if sys.version_info >= (3, 13):
            unexpected = r"^structseq\(\) got an unexpected keyword argument 'foo'$"
        else:
            unexpected = r"^'foo' is an invalid keyword argument for structseq\(\)$"
        bad: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
            ((), {}, r"^structseq\(\) missing required argument 'sequence' \(pos 1\)$"),
            ((values, {}, 3), {}, r"^structseq\(\) takes at most 2 arguments \(3 given\)$"),
            ((values, {}), {"dict": {}}, r"takes at most 2 arguments \(3 given\)$"),
            ((values, {}), {"sequence": values, "dict": {}}, r"most 2 arguments \(4 given\)$"),
            # CPython says "keyword arguments" here (see mutation/FINDINGS.md).
            (
                (),
                {"sequence": values, "dict": {}, "foo": 1},
                r"2 (keyword )?arguments \(3 given\)$",
            ),
            (
                (values,),
                {"sequence": values},
                r"^argument for structseq\(\) given by name \('sequence'\) and position \(1\)$",
            ),
            ((values,), {"foo": 1}, unexpected),
            ((values, 3), {}, r"ExceptHookArgs\(\) takes a dict as second arg, if any$"),
            ((3,), {}, r"^constructor requires a sequence$"),
        ]
        for args, kwargs, message in bad:
            with pytest.raises(TypeError, match=message):
                backend.ExceptHookArgs(*args, **kwargs)

    @clause("MOD-EXCEPTHOOK-01")
    def test_excepthook_takes_exactly_one_argument(self, backend: Any, backend_name: str) -> None:
        # In a fresh interpreter: the test's own excepthook may be a test runner's.
        proc = run_script(
            backend_name,
            """
import anythread as threading
args = threading.ExceptHookArgs([ValueError, None, None, None])
for count in (0, 2):
    try:
        threading.excepthook(*[args] * count)
    except TypeError as error:
        print(error)
class Claims(type):
    def __eq__(cls, other):
        return True
    __hash__ = type.__hash__
class Lookalike(tuple, metaclass=Claims):  # not an ExceptHookArgs, says it is
    pass
for wrong in ((ValueError, None, None, None), Lookalike((ValueError, None, None, None))):
    try:
        threading.excepthook(wrong)
    except TypeError as error:
        print(error)
""",
        )
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert len(lines) == 4, proc.stdout
        for line, count in zip(lines[:2], (0, 2), strict=True):
            assert re.search(rf"excepthook\(\) takes exactly one argument \({count} given\)$", line)
        for line in lines[2:]:
            assert line.endswith("excepthook argument type must be ExceptHookArgs"), line

    @clause("MOD-EXCEPTHOOK-REPR-01")
    def test_repr_names_each_field(self, backend: Any) -> None:
        error = ValueError("boom")
        args = backend.ExceptHookArgs([ValueError, error, None, "the thread"])
        assert repr(args).endswith(
            "ExceptHookArgs(exc_type=<class 'ValueError'>, exc_value=ValueError('boom'), "
            "exc_traceback=None, thread='the thread')"
        ), repr(args)


_STDERR_REPLACED = """
import io, sys
import anythread as threading
def fail():
    raise ValueError("boom")
thread = threading.Thread(target=fail, name="late")  # remembers sys.stderr now
captured = io.StringIO()
sys.stderr = captured  # replaced afterwards: the hook writes to the current one
thread.start()
thread.join(30)
sys.stderr = sys.__stderr__
print("captured:", "Exception in thread late:" in captured.getvalue())
"""

_STDERR_NONE = """
import sys
import anythread as threading
def fail():
    sys.stderr = None  # gone when the hook runs: it writes to the thread's own stderr
    raise ValueError("boom")
thread = threading.Thread(target=fail, name="orphan")
thread.start()
thread.join(30)
print("done")
"""

_HOOK_FAILS = """
import anythread as threading
def hook(args):
    raise RuntimeError("the hook failed")
threading.excepthook = hook
def fail():
    raise ValueError("boom")
thread = threading.Thread(target=fail)
thread.start()
thread.join(30)
print("done", thread.is_alive())
"""

_HOOK_FAILS_STDERR_REPLACED = """
import io, sys
import anythread as threading
def hook(args):
    raise RuntimeError("the hook failed")
threading.excepthook = hook
def fail():
    raise ValueError("boom")
thread = threading.Thread(target=fail)
captured = io.StringIO()
sys.stderr = captured  # replaced after the thread was created
thread.start()
thread.join(30)
sys.stderr = sys.__stderr__
print("captured:", "excepthook:" in captured.getvalue(), "the hook failed" in captured.getvalue())
"""


class TestExceptHookOutput:
    @clause("MOD-EXCEPTHOOK-STDERR-01")
    def test_hook_writes_to_the_current_stderr(self, backend: Any, backend_name: str) -> None:
        proc = run_script(backend_name, _STDERR_REPLACED)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["captured:", "True"], (proc.stdout, proc.stderr)
        assert "Exception in thread" not in proc.stderr

    @clause("MOD-EXCEPTHOOK-STDERR-01")
    def test_hook_falls_back_to_the_threads_stderr(self, backend: Any, backend_name: str) -> None:
        proc = run_script(backend_name, _STDERR_NONE)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["done"]
        assert "Exception in thread orphan:" in proc.stderr, proc.stderr
        assert "ValueError: boom" in proc.stderr, proc.stderr

    @clause("MOD-EXCEPTHOOK-FAIL-01")
    def test_failing_hook_is_reported(self, backend: Any, backend_name: str) -> None:
        proc = run_script(backend_name, _HOOK_FAILS)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["done", "False"]
        lines = proc.stderr.splitlines()
        assert any(line.startswith("Exception in ") and "excepthook:" in line for line in lines), (
            proc.stderr
        )
        assert "RuntimeError: the hook failed" in proc.stderr, proc.stderr
        # Only the hook's own error is shown, not the thread's as its context.
        assert "During handling of the above exception" not in proc.stderr, proc.stderr

    @clause("MOD-EXCEPTHOOK-FAIL-01")
    def test_failing_hook_is_reported_on_the_current_stderr(
        self, backend: Any, backend_name: str
    ) -> None:
        proc = run_script(backend_name, _HOOK_FAILS_STDERR_REPLACED)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["captured:", "True", "True"], (proc.stdout, proc.stderr)
        assert "excepthook:" not in proc.stderr, proc.stderr
