"""Run a project's own tests on every backend: ``pytest --anythread-backends=pure,debug``.

A test written against ``import anythread as threading`` runs once per named backend,
each run reported under its own id (``test_x[pure]``, ``test_x[debug]``), without
rewriting the test.  The autouse fixture ``anythread_backend`` gives a test the name of
its backend; the marker ``@pytest.mark.anythread_backends("pure", ...)`` keeps a test to
those of the option's backends (and their variants: ``debug`` keeps ``debug:pure``); a
test it keeps to none is skipped.  Without ``--anythread-backends`` the plugin does nothing
(the fixture returns the backend the facade serves).

The facade chooses one backend per process (a second one is a :class:`RuntimeError`),
so the tests of each backend run in a child pytest process of their own, started with
``ANYTHREAD_BACKEND`` set to that backend and the same arguments as the parent (so
``-k``, ``-x``, ``-n``, ini options and plugins apply there).  The child runs only the
tests of its backend and writes their reports to a file; the parent replays each test's
reports as its own once the child has finished that test, so terminal output, exit
status, ``--junitxml`` and ``-ra`` summarise every backend.
Backends run one after another.  With pytest-xdist (``-n N``) the parent runs no workers
itself: each child does, every worker of a child serving that child's backend.  Tests
without a backend parameter run in the parent.  A backend that is not available is a
skip, with the registry's reason, and no child is started for it.

This module is registered through the ``pytest11`` entry point; it must not import a
backend by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import pytest

import anythread
from anythread.registry import registry
from anythread.selection import BACKEND_ENV

__all__ = ["anythread_backend"]

#: Set in a child pytest process: the path of its JSON brief (backend, ids, report file).
CHILD_ENV = "_ANYTHREAD_PYTEST_CHILD"
_PARAM = "anythread_backend"
_MARKER = "anythread_backends"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("anythread")
    group.addoption(
        "--anythread-backends",
        dest="anythread_backends",
        default=None,
        metavar="NAMES",
        help="run every test once per backend of the comma-separated NAMES "
        "(stdlib,pure,cooperative,debug,debug:pure, ...), each backend in a child "
        "pytest process of its own; ids gain [NAME]",
    )


_NAMES = pytest.StashKey[list[str]]()


def _names(config: pytest.Config) -> list[str]:
    """The backends of ``--anythread-backends`` (checked once per session)."""
    if _NAMES not in config.stash:
        config.stash[_NAMES] = _parse(config.getoption("anythread_backends"))
    return config.stash[_NAMES]


def _parse(raw: str | None) -> list[str]:
    if not raw:
        return []
    names = list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    known = {row.name for row in registry.listing()}
    unknown = [n for n in names if n.partition(":")[0] not in known]
    if unknown:
        raise pytest.UsageError(
            f"--anythread-backends: no such backend {unknown[0]!r}; installed backends: "
            f"{', '.join(sorted(known)) or 'none'} (anythread backends lists them)"
        )
    return names


def _child_brief() -> dict[str, Any] | None:
    path = os.environ.get(CHILD_ENV)
    if not path:
        return None
    with open(path, encoding="utf-8") as brief:
        data: dict[str, Any] = json.load(brief)
    return data


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(*names): with --anythread-backends, run this test only on those of "
        "the option's backends that are named here",
    )
    names = _names(config)
    if not names:
        return
    brief = _child_brief()
    if brief is not None:
        config.pluginmanager.register(_Child(config, brief), "anythread-backends-child")
        return
    # The parent only collects and replays: xdist, if asked for, runs in each child.
    if getattr(config.option, "dist", "no") != "no":
        config.option.dist = "no"
        config.option.numprocesses = None
    config.pluginmanager.register(_Parent(config), "anythread-backends-parent")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = _names(metafunc.config)
    if not names:
        return
    marker = metafunc.definition.get_closest_marker(_MARKER)
    if marker is not None:
        names = [n for n in names if _named(n, marker.args)]
    if names:
        metafunc.parametrize(_PARAM, names, indirect=True, ids=names)
    # (None left: pytest_collection_modifyitems skips the test, saying why.)


def _named(name: str, wanted: Sequence[object]) -> bool:
    """Whether the marker's ``wanted`` names keep backend ``name`` of the option: by its
    whole name, or by the backend it is a variant of (``debug`` keeps ``debug:pure``)."""
    return name in wanted or name.partition(":")[0] in wanted


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    names = _names(config)
    if not names:
        return
    for item in items:
        marker = item.get_closest_marker(_MARKER)
        if marker is not None and _backend_of(item) is None:
            # Its marker names none of the option's backends: it runs on none.
            item.add_marker(
                pytest.mark.skip(
                    reason=f"@pytest.mark.{_MARKER} keeps this test to "
                    f"{', '.join(map(str, marker.args)) or 'no backend'}; "
                    f"--anythread-backends names {', '.join(names)}"
                )
            )


def _unavailable(name: str) -> str | None:
    """Return why backend ``name`` is unavailable, or None if it is available."""
    base = name.partition(":")[0]
    for row in registry.listing():
        if row.name == base:
            return None if row.available else (row.reason or "unavailable")
    return "not installed"


@pytest.fixture(autouse=True)
def anythread_backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend this test runs on.

    With ``--anythread-backends`` the test is parametrized over the backends and runs
    in the child process of its backend; a backend that is not available skips it,
    saying why.  Otherwise this is the backend the facade serves.
    """
    name: str | None = getattr(request, "param", None)
    if name is None:
        return anythread.current_backend().name
    reason = _unavailable(name)
    if reason is not None:
        pytest.skip(f"anythread backend {name!r} is not available: {reason}")
    if anythread.current_backend().name != name:  # pragma: no cover - the parent never runs it
        pytest.fail(
            f"the test of backend {name!r} ran in a process whose facade serves "
            f"{anythread.current_backend().name!r}; run it with --anythread-backends"
        )
    return name


def _backend_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    name = callspec.params.get(_PARAM)
    return name if isinstance(name, str) else None


class _Child:
    """In a child: keep the tests of the brief, write their reports to its file."""

    def __init__(self, config: pytest.Config, brief: dict[str, Any]) -> None:
        self.config = config
        self.ids = frozenset(brief["ids"])
        self.reports = brief["reports"]
        # An xdist worker of the child reports to the child's controller, not here.
        self.writes = not hasattr(config, "workerinput")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        keep = [i for i in items if i.nodeid in self.ids]
        drop = [i for i in items if i.nodeid not in self.ids]
        if drop:
            self.config.hook.pytest_deselected(items=drop)
        items[:] = keep

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.writes:
            return
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        # xdist's controller marks a worker's report with the worker (not data): the
        # parent runs no workers, so the report must not claim one.
        data.pop("node", None)
        with open(self.reports, "a", encoding="utf-8") as out:
            out.write(json.dumps(data, default=repr) + "\n")


class _Parent:
    """In the parent: run each backend's tests in a child, replay their reports."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(
                f"{session.testsfailed} error{'s' if session.testsfailed != 1 else ''} "
                "during collection"
            )
        if session.config.option.collectonly:
            return True
        groups: dict[str, list[pytest.Item]] = {}
        local: list[pytest.Item] = []
        for item in session.items:
            name = _backend_of(item)
            if name is None or _unavailable(name) is not None:
                local.append(item)  # unavailable: the fixture skips it, saying why
            else:
                groups.setdefault(name, []).append(item)
        self._run_here(session, local)
        for name, items in groups.items():
            if session.shouldfail or session.shouldstop:
                break
            self._run_in_child(session, name, items)
        return True

    def _run_here(self, session: pytest.Session, items: Sequence[pytest.Item]) -> None:
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if session.shouldfail or session.shouldstop:
                return

    def _run_in_child(self, session: pytest.Session, name: str, items: list[pytest.Item]) -> None:
        """Run ``items`` in a child on backend ``name``, replaying each test's reports as
        soon as the child has reported it to its end (so progress shows as it goes)."""
        waiting = {item.nodeid: item for item in items}
        got: dict[str, list[pytest.TestReport]] = {}
        with tempfile.TemporaryDirectory(prefix="anythread-pytest-") as tmp:
            child = _ChildRun(self.config, name, items, tmp)
            try:
                exited = False
                while not exited:
                    exited = child.wait(0.2)
                    for report in child.new_reports():
                        got.setdefault(report.nodeid, []).append(report)
                        item = waiting.get(report.nodeid)
                        if item is not None and report.when == "teardown":
                            del waiting[report.nodeid]
                            self._replay(item, got.pop(report.nodeid), child)
                            if session.shouldfail or session.shouldstop:
                                return
                # What the child did not report to its end: it died, or stopped early.
                for nodeid, item in waiting.items():
                    self._replay(item, got.get(nodeid, []), child)
                    if session.shouldfail or session.shouldstop:
                        return
            finally:
                child.stop()  # if the parent stops first (-x, --maxfail, Ctrl-C)

    def _replay(
        self, item: pytest.Item, reports: list[pytest.TestReport], child: _ChildRun
    ) -> None:
        hook = item.ihook
        hook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        if not any(r.when == "teardown" for r in reports):
            # The child ended before the test did (a crash, os._exit, an abort).
            reports = [
                *reports,
                pytest.TestReport(
                    item.nodeid,
                    item.location,
                    keywords={},
                    outcome="failed",
                    longrepr=f"the child pytest of backend {child.name!r} (exit status "
                    f"{child.returncode()}) did not report this test to its end; its "
                    f"output ended with:\n{child.output_tail()}",
                    when="call" if all(r.when == "setup" for r in reports) else "teardown",
                ),
            ]
        for report in reports:
            hook.pytest_runtest_logreport(report=report)
        hook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


class _ChildRun:
    """One child pytest process: the tests of one backend, reporting to a file."""

    def __init__(
        self, config: pytest.Config, name: str, items: Sequence[pytest.Item], tmp: str
    ) -> None:
        self.config = config
        self.name = name
        brief = os.path.join(tmp, "brief.json")
        self._reports = os.path.join(tmp, "reports.jsonl")
        self._output = os.path.join(tmp, "output.txt")
        self._read_to = 0
        with open(brief, "w", encoding="utf-8") as out:
            json.dump({"ids": [i.nodeid for i in items], "reports": self._reports}, out)
        params = config.invocation_params
        # The parent's own arguments; the child's cache goes to the scratch directory.
        command = [sys.executable, "-m", "pytest", *params.args]
        command += ["-o", f"cache_dir={os.path.join(tmp, 'cache')}"]
        # Output to a file, not a pipe, so a talkative child never blocks on it.
        with open(self._output, "wb") as output:
            self._process = subprocess.Popen(
                command,
                cwd=params.dir,
                env={**os.environ, BACKEND_ENV: name, CHILD_ENV: brief},
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the child to end; return whether it has."""
        try:
            self._process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self) -> None:
        """End the child if it still runs."""
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait()

    def returncode(self) -> int | None:
        return self._process.returncode

    def new_reports(self) -> list[pytest.TestReport]:
        """The reports the child has written since the last call (whole lines only)."""
        if not os.path.exists(self._reports):
            return []
        with open(self._reports, "rb") as lines:
            lines.seek(self._read_to)
            data = lines.read()
        complete = data[: data.rfind(b"\n") + 1]
        self._read_to += len(complete)
        return [
            self.config.hook.pytest_report_from_serializable(
                config=self.config, data=_tuples(json.loads(line))
            )
            for line in complete.decode("utf-8").splitlines()
        ]

    def output_tail(self, lines: int = 40) -> str:
        with open(self._output, encoding="utf-8", errors="replace") as output:
            return "\n".join(output.read().splitlines()[-lines:])


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    """Give a report read back from JSON the tuples that JSON made lists: its location,
    and the ``(path, line, reason)`` of a skip, which pytest's summaries (``-rs``,
    ``-ra``, ``--junitxml``) require as a tuple."""
    for key in ("location", "longrepr"):
        if isinstance(data.get(key), list):
            data[key] = tuple(data[key])
    return data
