"""The contract suite's pytest plugin: chooses backends and runs the clause tests on them.

Installed through the ``pytest11`` entry point, this module is loaded into every pytest
run on a machine where anythread is installed, so it is inert unless asked: it adds its
command-line options and registers its ``clause`` marker, and nothing else.

The suite runs when it is collected (``pytest --pyargs anythread_contract``) with a
backend chosen by ``--anythread-backend NAME`` (repeatable, or ``all``) or by
``ANYTHREAD_BACKEND``.  Then each contract test receives the backend object through its
``backend`` argument, once per chosen backend; a test whose clause needs a capability
the backend lacks is skipped with the capability's description; a clause the backend
declares as a known deviation runs as a strict expected failure; each test gets a
timeout that dumps every thread's stack (pytest-timeout, thread method);
``--anythread-select PREFIX`` keeps only the clauses whose id starts with PREFIX or whose
section is PREFIX; and ``--anythread-report FILE`` writes every test's outcome, by clause,
as JSON (what ``anythread certify`` renders).  Under ``-n N`` the plugin switches
pytest-xdist from ``--dist load`` to ``--dist loadgroup`` so that the tests of
process-wide state (one ``xdist_group``) run one after another in one worker, where
that works (see :func:`xdist_groups_work`).

Whatever it does applies only to the suite's own test items: it must never touch the
items of another project's run, and it sees backends only through the public registry.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pytest

import anythread
from anythread.protocols import Backend, DeclaresDeviations
from anythread_contract import _support
from anythread_contract.clauses import BY_ID
from anythread_contract.inventory import MARKER

__all__ = ["BACKEND_ENV", "PROCESS_WIDE", "xdist_groups_work"]

#: The environment variable that, like ``--anythread-backend``, chooses backends.
BACKEND_ENV = "ANYTHREAD_BACKEND"
#: The xdist group of tests that touch process-wide state (settrace, excepthook...).
PROCESS_WIDE = "anythread-process-wide"

_PACKAGE = "anythread_contract."
_DEFAULT_TIMEOUT = 60.0
_LOADGROUP = "anythread_contract_loadgroup"


@dataclass
class _State:
    names: list[str]
    report: str | None
    select: list[str]
    timeout: float
    backends: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    load_errors: dict[str, str] = field(default_factory=dict)


_STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("anythread", "anythread contract suite")
    group.addoption(
        "--anythread-backend",
        action="append",
        default=[],
        metavar="NAME",
        help="run the anythread contract suite (pytest --pyargs anythread_contract) "
        "against backend NAME; repeat for several, or 'all' for every available one "
        f"(default: ${BACKEND_ENV})",
    )
    group.addoption(
        "--anythread-select",
        action="append",
        default=[],
        metavar="PREFIX",
        help="run only the contract clauses whose id starts with PREFIX (LOCK-, "
        "COND-WAIT) or whose spec section is PREFIX (16.2.2); repeatable",
    )
    group.addoption(
        "--anythread-report",
        metavar="FILE",
        default=None,
        help="write each contract test's outcome, by clause, to FILE as JSON",
    )
    group.addoption(
        "--anythread-patience",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long a contract test waits for another thread before it fails "
        "(default 10; raise it on a very slow machine)",
    )
    group.addoption(
        "--anythread-timeout",
        type=float,
        default=_DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"timeout of each contract test (default {_DEFAULT_TIMEOUT:g}; needs "
        "pytest-timeout; on expiry every thread's stack is dumped)",
    )


def _requested(config: pytest.Config) -> list[str]:
    names: list[str] = list(config.getoption("anythread_backend") or [])
    if not names and os.environ.get(BACKEND_ENV):
        names = [os.environ[BACKEND_ENV]]
    if "all" in names:
        names = [row.name for row in anythread.list_backends() if row.available]
    return list(dict.fromkeys(names))


def pytest_configure(config: pytest.Config) -> None:
    # The one thing registered in every run: the suite's marker, so that importing a
    # contract test module (as the project's catalogue test does) works under
    # --strict-markers.  It changes no test.
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*ids): the anythread contract clauses (anythread_contract.clauses) "
        "that this test checks",
    )
    names = _requested(config)
    if not names:
        return
    state = config.stash[_STATE] = _State(
        names=names,
        report=config.getoption("anythread_report"),
        select=list(config.getoption("anythread_select") or []),
        timeout=float(config.getoption("anythread_timeout")),
    )
    patience = config.getoption("anythread_patience")
    if patience is not None:
        # Before the test modules are imported: they read the bound at import.
        _support.LONG = float(patience)
    if state.report and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Reporter(state), "anythread-contract-reporter")
    # Process-wide tests carry an xdist_group mark; plain "-n N" distributes with
    # "load", which ignores groups, so the suite asks for "loadgroup" itself.  Only
    # the distribution of grouped tests changes, and only the suite's are grouped.
    if (
        config.pluginmanager.hasplugin("xdist")
        and getattr(config.option, "dist", "no") == "load"
        and xdist_groups_work()
    ):
        config.option.dist = "loadgroup"
    # xdist workers re-parse the command line, so the switch is passed on to them
    # (pytest_configure_node below) and applied here, where xdist reads it.
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and workerinput.get(_LOADGROUP):
        config.option.loadgroup = True


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tell each xdist worker that this run distributes with ``loadgroup``."""
    config = node.config
    if _STATE in config.stash and config.getvalue("dist") == "loadgroup":
        node.workerinput[_LOADGROUP] = True


def xdist_groups_work() -> bool:
    """Whether pytest-xdist can apply ``xdist_group`` with the installed pytest.

    pytest-xdist up to 3.8 marks a group by rewriting ``Item._nodeid``, which pytest 9.2
    (structured node ids, module ``_pytest.nodeid``) no longer reads: groups are then
    ignored, and a worker that crashes on a timeout is never replaced properly
    (https://github.com/pytest-dev/pytest-xdist/issues/1386).  There the suite keeps
    ``--dist load``: workers are separate processes, so the process-wide tests cannot
    disturb each other anyway, and a hung test still ends in a clean failure.
    """
    try:
        xdist_version = metadata.version("pytest-xdist")
    except metadata.PackageNotFoundError:
        return False
    if importlib.util.find_spec("_pytest.nodeid") is None:
        return True
    numbers = tuple(int(p) for p in re.findall(r"\d+", xdist_version)[:3])
    return numbers > (3, 8, 0)


def _is_contract(obj: Any) -> bool:
    module = getattr(obj, "module", None)
    return module is not None and str(getattr(module, "__name__", "")).startswith(_PACKAGE)


def _backend(state: _State, name: str) -> Any:
    if name in state.load_errors:
        pytest.fail(state.load_errors[name], pytrace=False)
    if name not in state.backends:
        try:
            state.backends[name] = anythread.get_backend(name)
        except LookupError as exc:
            state.load_errors[name] = f"anythread contract suite: {exc}"
        if name in state.load_errors:  # failed outside the except: no chained traceback
            pytest.fail(state.load_errors[name], pytrace=False)
    return state.backends[name]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not _is_contract(metafunc) or "backend" not in metafunc.fixturenames:
        return
    state = metafunc.config.stash.get(_STATE, None)
    if state is None:
        pytest.fail(
            "the anythread contract suite needs a backend: pass --anythread-backend NAME "
            f"(repeatable, or 'all'), or set {BACKEND_ENV}=NAME",
            pytrace=False,
        )
    backends = [_backend(state, name) for name in state.names]
    if "backend_name" in metafunc.fixturenames:
        # Tests that start a fresh interpreter need the name the registry knows.
        metafunc.parametrize(
            ("backend", "backend_name"),
            list(zip(backends, state.names, strict=True)),
            ids=state.names,
        )
    else:
        metafunc.parametrize("backend", backends, ids=state.names)


def _item_clauses(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers(MARKER):
        ids.extend(str(arg) for arg in mark.args)
    return list(dict.fromkeys(ids))


def _selected(state: _State, clauses: list[str]) -> bool:
    if not state.select:
        return True
    return any(
        cid.startswith(prefix) or BY_ID[cid].section == prefix
        for cid in clauses
        for prefix in state.select
    )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    timeout_plugin = config.pluginmanager.hasplugin("timeout")
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if not _is_contract(item):
            keep.append(item)
            continue
        clauses = _item_clauses(item)
        unknown = [cid for cid in clauses if cid not in BY_ID]
        if not clauses or unknown:
            raise pytest.UsageError(
                f"contract test {item.nodeid} must name known clauses with "
                f"@pytest.mark.clause(...); unknown: {unknown or 'no clause named'}"
            )
        if not _selected(state, clauses):
            dropped.append(item)
            continue
        keep.append(item)
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        name = next(
            (n for n, b in state.backends.items() if b is backend), getattr(backend, "name", "")
        )
        item.user_properties.append(("anythread_backend", name))
        item.user_properties.append(("anythread_clauses", ",".join(clauses)))
        if backend is not None:
            _apply_backend_marks(item, name, backend, clauses)
        if timeout_plugin and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(state.timeout, method="thread"))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _apply_backend_marks(item: pytest.Item, name: str, backend: Any, clauses: list[str]) -> None:
    # Optional attributes are read through their Protocols, never guessed with getattr.
    capabilities = backend.capabilities if isinstance(backend, Backend) else frozenset()
    missing = sorted(
        {cap for cid in clauses for cap in BY_ID[cid].requires} - capabilities,
        key=lambda cap: cap.value,
    )
    if missing:
        reason = "; ".join(
            f"backend {name!r} lacks capability {cap.value!r}: {cap.description}" for cap in missing
        )
        item.add_marker(pytest.mark.skip(reason=reason))
        return
    deviations = backend.known_deviations if isinstance(backend, DeclaresDeviations) else {}
    declared = [f"{cid}: {deviations[cid]}" for cid in clauses if cid in deviations]
    if declared:
        item.add_marker(
            pytest.mark.xfail(
                strict=True,
                reason=f"known deviation declared by backend {name!r}: " + "; ".join(declared),
            )
        )


# ---------------------------------------------------------------------------- report


def _guess(state: _State, nodeid: str) -> tuple[str, list[str]]:
    """Attribute a report without our properties (a crashed worker) to backend/clauses."""
    from anythread_contract.inventory import contract_test_clauses

    base, _, params = nodeid.partition("[")
    parts = set(params.rstrip("]").split("-")) if params else set()
    name = next((n for n in state.names if n in parts or f"[{n}" in nodeid), "")
    short = base.rpartition("/")[2]
    for key, clauses in contract_test_clauses():
        if short == key:
            return name, list(clauses)
    return name, []


def _reason(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    text = report.longreprtext
    if "crashed while running" in text:
        text += (
            "\nThe test's process ended before the test did: most often the test ran past "
            "its timeout (--anythread-timeout) and pytest-timeout stopped it after dumping "
            "every thread's stack to pytest's output (anythread certify -v shows it)."
        )
    return text[-6000:]


class _Reporter:
    """Collects every contract test's outcome on the controlling process; writes JSON."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self.state
        props = dict(report.user_properties)
        if "anythread_clauses" in props:
            name = str(props.get("anythread_backend", ""))
            clauses = [c for c in str(props["anythread_clauses"]).split(",") if c]
        elif report.failed:
            name, clauses = _guess(state, report.nodeid)
            if not clauses:
                return
        else:
            return
        if hasattr(report, "wasxfail") and report.skipped:
            outcome = "xfailed"
        elif report.failed:
            outcome = "failed"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        state.results.append(
            {
                "backend": name,
                "clauses": clauses,
                "nodeid": report.nodeid,
                "when": report.when,
                "outcome": outcome,
                "reason": "" if outcome == "passed" else _reason(report),
            }
        )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        _write_report(self.state, int(exitstatus))


def _write_report(state: _State, exitstatus: int) -> None:
    assert state.report is not None
    rows = {row.name: row for row in anythread.list_backends()}
    backends: dict[str, Any] = {}
    for name in state.names:
        row = rows.get(name.partition(":")[0])
        try:
            backend = anythread.get_backend(name)
            capabilities = sorted(str(c) for c in backend.capabilities)
            deviations = (
                dict(backend.known_deviations) if isinstance(backend, DeclaresDeviations) else {}
            )
        except LookupError as exc:
            capabilities, deviations = [], {"*": str(exc)}
        backends[name] = {
            "distribution": row.distribution if row else "",
            "version": row.version if row else "",
            "description": row.description if row else "",
            "capabilities": capabilities,
            "known_deviations": deviations,
        }
    payload = {
        "exitstatus": exitstatus,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "anythread": anythread.__version__,
        "select": state.select,
        "backends": backends,
        "results": state.results,
    }
    with open(state.report, "w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=2)
