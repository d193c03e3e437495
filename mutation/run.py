"""Mutation testing of ``core/anythread/semantics/`` against the contract suite on ``pure``,
and of the cooperative backend's kernel against the contract suite on ``cooperative`` and
the backend's own tests.

``make mutation`` runs this script.  It drives cosmic-ray (one session per module, kept
under ``.mutation/``) and writes ``mutation/REPORT.md``:

* **parallel**: two cosmic-ray HTTP workers, each in its own copy of the source tree
  (cosmic-ray mutates a file in place, so two workers cannot share one tree); the copy
  is put first on ``PYTHONPATH``, which beats the editable install of the worktree, and
  the contract suite's fresh-interpreter tests inherit it;
* **resumable**: a session is a SQLite file that records each mutant's result, and
  ``cosmic-ray exec`` runs only the mutants without one; a session is made anew only when
  its module's source changed (its SHA-256 is kept beside it), so after an interruption
  a second run continues where the first stopped;
* **bounded**: each mutant's test command has a timeout (a mutant that hangs a waiter is
  killed by it and counts as killed, "timeout"), and every contract test has its own
  pytest-timeout and a small ``--anythread-patience``.

Mutants inside type annotations are marked skipped before they run: every semantics
module starts with ``from __future__ import annotations``, so an annotation is never
evaluated and no mutation of it can change behaviour.  Survivors are matched against
``mutation/equivalent.toml`` (by module, function, operator and the text of the line,
never by line number, so that the file survives refactoring).

Usage::

    python mutation/run.py [--workers 2] [--timeout 120] [MODULE ...]   # run, then report
    python mutation/run.py --report-only                               # report only
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import fnmatch
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parent.parent
SEMANTICS = Path("core/anythread/semantics")
COOPERATIVE = Path("backends/anythread_backends/cooperative")
WORK = ROOT / ".mutation"
EQUIVALENTS = ROOT / "mutation" / "equivalent.toml"
REPORT = ROOT / "mutation" / "REPORT.md"
# (The cooperative kernel's own tests read the examples, the benchmark script and the
# hang report documented on the backend's page.)
COPIED = (
    "core",
    "backends",
    "contract_tests",
    "examples",
    "tests",
    "benchmarks",
    "docs/cooperative.rst",
    "pyproject.toml",
)
# The import path of a worker copy: the packages, and the example kernel's plugin.
IMPORTED = ("core", "backends", "contract_tests", "examples/custom_kernel")

# The modules most likely to hide bugs first (the brief's order), then the rest.
ORDER = (
    "condition",
    "semaphore",
    "event",
    "barrier",
    "locks",
    "thread",
    "local",
    "hooks",
    "world",
    "_checks",
    "backend",
)

# The cooperative kernel's modules, named ``cooperative/<stem>`` (after the semantics
# layer's by default): the hot paths of green threads first.
COOPERATIVE_ORDER = (
    "cooperative/_event",
    "cooperative/_queue",
    "cooperative/_tracing",
    "cooperative/_signals",
)

# For each module, the contract test modules that exercise it most directly run first,
# so that ``-x`` stops a killed mutant early; every other contract module runs after
# them, so no killer is missed.
FIRST: dict[str, tuple[str, ...]] = {
    "condition": ("test_condition_edges", "test_condition", "test_semaphore", "test_event"),
    "semaphore": ("test_semaphore_edges", "test_semaphore", "test_with"),
    "event": ("test_event_edges", "test_event", "test_thread", "test_timer"),
    "barrier": ("test_barrier_edges", "test_barrier"),
    "locks": ("test_lock_edges", "test_lock", "test_rlock", "test_with", "test_condition"),
    "thread": ("test_thread_edges", "test_alias_warnings", "test_thread", "test_timer"),
    "local": ("test_local_edges", "test_module", "test_thread_edges"),
    "hooks": ("test_hooks_edges", "test_process_wide", "test_subprocess", "test_thread"),
    "world": ("test_thread_edges", "test_subprocess", "test_module"),
    "_checks": ("test_lock_edges", "test_condition_edges", "test_lock", "test_condition"),
}
ALL_TEST_MODULES = tuple(
    sorted(p.stem for p in (ROOT / "contract_tests/anythread_contract").glob("test_*.py"))
)

# The contract suite runs on pure; for ``locks`` also on the example ``counting`` kernel
# (examples/custom_kernel, registered through ANYTHREAD_PLUGINS), because pure's kernel
# declares that its locks check their arguments, so ``Lock()`` is the kernel's lock and
# the semantics layer's own Lock wrapper is used only by kernels like that one.
# Likewise ``world``: pure's kernel has the exit-hook extra, so the atexit route of the
# exit rule is taken only by kernels without it, such as counting.
# And ``waitqueue``: its registry registers an after-fork hook only with kernels that
# have the fork-hooks extra, which pure has and counting lacks.
# The cooperative kernel's mutants run the contract suite on ``cooperative`` (its
# FIRST test modules first) and then the backend's own tests: the hang report, other OS
# threads, fork and the schedules are the backend's, beyond the contract.
COOPERATIVE_TESTS = (
    "tests/test_cooperative.py",
    "tests/test_cooperative_os_threads.py",
    "tests/test_cooperative_speed.py",
    "tests/test_cooperative_hang_report.py",
    "tests/test_cooperative_exit.py",
    "tests/test_cooperative_fork.py",
    "tests/test_cooperative_tracing.py",
    "tests/test_cooperative_signals.py",
    "tests/test_cooperative_fixes.py",
    "tests/test_schedules.py",
)
FIRST.update(
    {
        "cooperative/_event": ("test_event_edges", "test_event", "test_timer", "test_thread"),
        "cooperative/_tracing": ("test_process_wide",),
        "cooperative/_signals": ("test_subprocess", "test_condition_edges"),
        "cooperative/_queue": (
            "test_condition_edges",
            "test_condition",
            "test_semaphore_edges",
            "test_semaphore",
            "test_barrier_edges",
            "test_barrier",
        ),
    }
)

BACKENDS: dict[str, tuple[str, ...]] = {
    "locks": ("pure", "counting"),
    "world": ("pure", "counting"),
    "waitqueue": ("pure", "counting"),
}
PLUGINS = "counting_plugin:plugin"

PATIENCE = 3.0  # seconds a contract test waits for another thread before failing
TEST_TIMEOUT = 30.0  # pytest-timeout of each contract test


def test_command(module: str, timeout: float | None) -> str:
    """The test command of ``module``'s mutants; with ``timeout``, run by ``_group.py``
    (the whole process group ended after it, and past ``timeout`` seconds)."""
    first = FIRST.get(module, ())
    order = [*first, *(m for m in ALL_TEST_MODULES if m not in first)]
    targets = " ".join(f"anythread_contract.{m}" for m in order)
    cooperative = module.startswith("cooperative/")
    names = ("cooperative",) if cooperative else BACKENDS.get(module, ("pure",))
    backends = " ".join(f"--anythread-backend {b}" for b in names)
    if cooperative:  # the backend's own tests after the contract (not the slow ones)
        targets += " " + " ".join(COOPERATIVE_TESTS) + " -m 'not slow'"
    command = (
        f"{sys.executable} -m pytest -p no:cacheprovider -x -q --no-header -rN "
        f"{backends} --anythread-patience {PATIENCE:g} "
        f"--anythread-timeout {TEST_TIMEOUT:g} --pyargs {targets}"
    )
    if timeout is None:
        return command
    # Just under cosmic-ray's own bound, so that the group is ended by _group.py.
    group = Path(__file__).resolve().parent / "_group.py"
    return f"{sys.executable} {group} {max(timeout - 10, timeout * 0.9):g} {command}"


# ---------------------------------------------------------------------------- sessions


def module_names() -> list[str]:
    present = {p.stem for p in (ROOT / SEMANTICS).glob("*.py") if p.stem != "__init__"}
    semantics = [m for m in ORDER if m in present] + sorted(present - set(ORDER))
    return semantics + [m for m in COOPERATIVE_ORDER if (ROOT / source_file(m)).exists()]


def source_file(module: str) -> Path:
    """The file of ``module``, relative to the root: ``event`` is the semantics layer's,
    ``cooperative/_event`` the cooperative backend's."""
    if module.startswith("cooperative/"):
        return COOPERATIVE / (module.removeprefix("cooperative/") + ".py")
    return SEMANTICS / f"{module}.py"


def session_path(module: str) -> Path:
    return WORK / "sessions" / f"{module.replace('/', '.')}.sqlite"


def source_digest(module: str) -> str:
    return hashlib.sha256((ROOT / source_file(module)).read_bytes()).hexdigest()


def session_current(module: str) -> bool:
    """Whether ``module``'s session was made from its source as it is now."""
    digest = session_path(module).with_suffix(".sha256")
    return digest.exists() and digest.read_text() == source_digest(module)


def write_config(module: str, timeout: float, urls: list[str]) -> Path:
    path = WORK / "sessions" / f"{module.replace('/', '.')}.toml"
    lines = [
        "[cosmic-ray]",
        f'module-path = "{source_file(module)}"',
        f"timeout = {timeout}",
        "excluded-modules = []",
        f"test-command = {json.dumps(test_command(module, timeout))}",
        "",
        "[cosmic-ray.distributor]",
        'name = "http"',
        "",
        "[cosmic-ray.distributor.http]",
        f"worker-urls = {json.dumps(urls)}",
        "",
    ]
    path.write_text("\n".join(lines))
    return path


def cosmic_ray(*args: str) -> None:
    subprocess.run(
        [str(Path(sys.executable).parent / "cosmic-ray"), "--verbosity", "WARNING", *args],
        cwd=ROOT,
        check=True,
    )


def ensure_session(module: str, config: Path, elapsed: dict[str, float]) -> Path:
    """Return the module's session, made anew if the module's source changed."""
    session = session_path(module)
    digest_file = session.with_suffix(".sha256")
    digest = source_digest(module)
    if session.exists() and digest_file.exists() and digest_file.read_text() == digest:
        return session
    session.unlink(missing_ok=True)
    history_path(module).unlink(missing_ok=True)
    elapsed.pop(module, None)
    cosmic_ray("init", str(config), str(session))
    skip_annotation_mutants(module, session)
    digest_file.write_text(digest)
    return session


def annotation_spans(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    spans = []
    for node in ast.walk(tree):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for note in notes:
            if note is not None and note.end_lineno is not None:
                spans.append(
                    ((note.lineno, note.col_offset), (note.end_lineno, note.end_col_offset or 0))
                )
    return spans


def skip_annotation_mutants(module: str, session: Path) -> None:
    source = (ROOT / source_file(module)).read_text()
    if "from __future__ import annotations" not in source:
        return
    spans = annotation_spans(ast.parse(source))
    with contextlib.closing(sqlite3.connect(session)) as db:
        rows = db.execute(
            "SELECT job_id, start_pos_row, start_pos_col FROM mutation_specs"
        ).fetchall()
        skipped = [job for job, row, col in rows if any(lo <= (row, col) < hi for lo, hi in spans)]
        db.executemany(
            "INSERT OR REPLACE INTO work_results (job_id, worker_outcome, output, "
            "test_outcome, diff) VALUES (?, 'SKIPPED', 'annotation', NULL, NULL)",
            [(job,) for job in skipped],
        )
        db.commit()


def history_path(module: str) -> Path:
    return WORK / "sessions" / f"{module.replace('/', '.')}.rechecked.json"


def forget_survivors(module: str) -> None:
    """Drop the results of the module's surviving mutants that ``equivalent.toml`` does
    not explain, so that they run again; keep their ids, so that the report can say
    which of them the new tests killed.  Listed survivors are not run again (they
    survive by definition; if a new test kills one, a full run shows it, and the report
    lists its entry for review)."""
    session = session_path(module)
    if not session.exists():
        return
    digest = session.with_suffix(".sha256")
    if not digest.exists() or digest.read_text() != source_digest(module):
        return  # the module changed: the next run makes its session anew
    equivalents = load_equivalents()
    again = [
        m.job_id
        for m in collect(module)
        if m.outcome == "survived" and not any(e.matches(m) for e in equivalents)
    ]
    history = history_path(module)
    seen = set(json.loads(history.read_text())) if history.exists() else set()
    seen.update(again)
    with contextlib.closing(sqlite3.connect(session)) as db:
        db.executemany("DELETE FROM work_results WHERE job_id = ?", [(j,) for j in again])
        db.commit()
    history.write_text(json.dumps(sorted(seen)))
    print(f"recheck {module}: {len(again)} unexplained survivor(s) to run again", flush=True)


# ----------------------------------------------------------------------------- workers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def workers(count: int, modules: list[str]) -> Iterator[list[str]]:
    """Start ``count`` cosmic-ray HTTP workers, each in a fresh copy of the tree, checked
    to pass the test commands of ``modules`` unmutated."""
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for index in range(count):
            copy = WORK / "workers" / f"w{index}"
            shutil.rmtree(copy, ignore_errors=True)
            copy.mkdir(parents=True)
            for name in COPIED:
                source = ROOT / name
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(
                        source, copy / name, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy2(source, copy / name)
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(str(copy / d) for d in IMPORTED)
            env["ANYTHREAD_PLUGINS"] = PLUGINS
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            baseline(copy, env, modules)
            port = free_port()
            log = (WORK / "workers" / f"w{index}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).parent / "cosmic-ray"),
                        "--verbosity",
                        "WARNING",
                        "http-worker",
                        "--port",
                        str(port),
                    ],
                    cwd=copy,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_listening(url)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def baseline(copy: Path, env: dict[str, str], modules: list[str]) -> None:
    """The unmutated code must pass the test commands in the copy, and import from it."""
    probe = subprocess.run(
        [sys.executable, "-c", "import anythread.semantics as s; print(s.__file__)"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if not probe.stdout.strip().startswith(str(copy)):
        sys.exit(f"worker copy {copy} is not imported first: {probe.stdout.strip()}")
    # One command per kind of module: the semantics layer's, the cooperative kernel's.
    kinds = {m.startswith("cooperative/"): m for m in modules}
    for module in ["locks"] if not kinds else kinds.values():
        started = time.monotonic()
        command = shlex.split(test_command(module, None))
        result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"baseline failed in {copy}:\n{result.stdout}\n{result.stderr}")
        took = time.monotonic() - started
        print(f"baseline of {module} passed in {copy.name} ({took:.1f} s)", flush=True)


def wait_listening(url: str, limit: float = 30.0) -> None:
    port = int(url.rsplit(":", 1)[1])
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    sys.exit(f"cosmic-ray worker at {url} did not start")


# ------------------------------------------------------------------------------ report


# pytest centres a failure's title in underscores (as few as one each side when long).
_FAILURE_HEADER = re.compile(r"^_+ (\S.*?) _+$", re.MULTILINE)


@dataclass
class Mutant:
    module: str
    job_id: str
    operator: str
    occurrence: int
    line: int
    function: str
    original: str
    mutated: str
    outcome: str  # killed / timeout / survived / skipped / pending / incompetent
    output: str = ""
    equivalent: dict[str, Any] | None = None
    rechecked: bool = False

    @property
    def killer(self) -> str:
        """The first failing test named in the output (or "timeout")."""
        if self.outcome == "timeout":
            return "timeout"
        found = _FAILURE_HEADER.search(self.output)
        if found:
            return found.group(1)
        if "+ Timeout +" in self.output:
            return "a test's timeout (the mutant hung it)"
        return "(see session)"


@dataclass
class Equivalent:
    module: str
    function: str
    operators: list[str]
    line: str
    reason: str
    count: int | None = None
    # "equivalent"; "unreachable": observable only where this command cannot go;
    # "project": observable only in what the threading API leaves to each backend (the
    # wording of a message CPython words otherwise, the layer's memory), so no clause can
    # hold it; a named project test does; "open": observable, but CPython and the
    # project's design disagree, so no clause can be written before the project decides.
    kind: str = "equivalent"
    matched: list[Mutant] = field(default_factory=list)

    def matches(self, m: Mutant) -> bool:
        if m.module != self.module:
            return False
        if not any(fnmatch.fnmatchcase(m.operator, op) for op in self.operators):
            return False
        if not (
            fnmatch.fnmatchcase(m.function, self.function)
            or m.function.endswith("." + self.function)
        ):
            return False
        return re.search(self.line, m.original) is not None


def load_equivalents() -> list[Equivalent]:
    if not EQUIVALENTS.exists():
        return []
    data = tomllib.loads(EQUIVALENTS.read_text())
    return [
        Equivalent(
            module=e["module"],
            function=e["function"],
            operators=[e["operator"]] if isinstance(e["operator"], str) else e["operator"],
            line=e["line"],
            reason=e["reason"],
            count=e.get("count"),
            kind=e.get("kind", "equivalent"),
        )
        for e in data.get("equivalent", [])
    ]


def function_index(tree: ast.AST) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every def and class, outermost first."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def enclosing(spans: list[tuple[int, int, str]], line: int) -> str:
    best = "<module>"
    for first, last, name in spans:
        if first <= line <= last:
            best = name  # inner definitions come after outer ones
    return best


def collect(module: str) -> list[Mutant]:
    session = session_path(module)
    if not session.exists():
        return []
    source = (ROOT / source_file(module)).read_text()
    lines = source.splitlines()
    spans = function_index(ast.parse(source))
    # The tool's own mutation, to show the mutated line.
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    history = history_path(module)
    rechecked = set(json.loads(history.read_text())) if history.exists() else set()
    mutants = []
    with contextlib.closing(sqlite3.connect(session)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        if "mutation_specs" not in tables:
            return []  # a session whose making was stopped before it wrote anything
        rows = db.execute(
            "SELECT m.job_id, m.operator_name, m.occurrence, m.start_pos_row, "
            "r.worker_outcome, r.test_outcome, r.output "
            "FROM mutation_specs m LEFT JOIN work_results r ON r.job_id = m.job_id"
        ).fetchall()
    for job, operator, occurrence, row, worker, test, output in rows:
        if worker is None:
            outcome = "pending"
        elif worker == "SKIPPED":
            outcome = "skipped"
        elif worker != "NORMAL":
            outcome = "incompetent" if worker == "EXCEPTION" else worker.lower()
        elif test == "KILLED":
            outcome = "timeout" if (output or "").strip() == "timeout" else "killed"
        elif test == "SURVIVED":
            outcome = "survived"
        else:
            outcome = "incompetent"
        original = lines[row - 1].strip()
        mutated = ""
        if outcome in ("survived", "pending") or job in rechecked:
            new = mutate_code(source, get_operator(operator)(), occurrence)
            if new is not None:
                new_lines = new.splitlines()
                mutated = new_lines[row - 1].strip() if row - 1 < len(new_lines) else ""
        mutants.append(
            Mutant(
                module=module,
                job_id=job,
                operator=operator.removeprefix("core/"),
                occurrence=occurrence,
                line=row,
                function=enclosing(spans, row),
                original=original,
                mutated=mutated,
                outcome=outcome,
                output=output or "",
                rechecked=job in rechecked,
            )
        )
    return mutants


def write_report(modules: list[str], elapsed: dict[str, float]) -> int:
    """Write REPORT.md; return the number of survivors not listed as equivalent."""
    equivalents = load_equivalents()
    rows = []
    unexplained: list[Mutant] = []
    listed: list[Mutant] = []
    totals = dict.fromkeys(
        (
            "generated",
            "annotation",
            "killed",
            "timeout",
            "survived",
            "equivalent",
            "unreachable",
            "project",
            "open",
            "pending",
        ),
        0,
    )
    all_mutants: list[Mutant] = []
    # Modules whose source changed since their session ran: their lines no longer match
    # the mutants', so their survivors are not judged until `make mutation` runs them.
    changed = [m for m in modules if session_path(m).exists() and not session_current(m)]
    for module in modules:
        mutants = collect(module)
        if module in changed:
            rows.append((module, dict.fromkeys(totals, 0) | {"generated": len(mutants)}))
            continue
        all_mutants += mutants
        if not mutants:
            continue
        count = dict.fromkeys(totals, 0)
        count["generated"] = len(mutants)
        for m in mutants:
            if m.outcome == "skipped":
                count["annotation"] += 1
            elif m.outcome in ("killed", "timeout"):
                count[m.outcome] += 1
            elif m.outcome == "survived":
                match = next((e for e in equivalents if e.matches(m)), None)
                if match is not None:
                    match.matched.append(m)
                    count[match.kind] += 1
                    listed.append(m)
                else:
                    count["survived"] += 1
                    unexplained.append(m)
            else:
                count["pending"] += 1
        for key in totals:
            totals[key] += count[key]
        rows.append((module, count))

    stale = [e for e in equivalents if not e.matched and e.module not in changed]
    wrong_count = [
        e
        for e in equivalents
        if e.count is not None and len(e.matched) != e.count and e.module not in changed
    ]
    out = [
        "# Mutation testing report: `core/anythread/semantics/` and the cooperative kernel",
        "",
        "Generated by `make mutation` (`mutation/run.py`); do not edit by hand.",
        "",
        f"- Tool: cosmic-ray {version('cosmic-ray')} (why: see `mutation/README.md`)",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Source: `{SEMANTICS}/` and `{COOPERATIVE}/` (modules `cooperative/...`) "
        f"at {git_head()}",
        f"- Per-mutant command (module `condition` shown): `{short_command('condition')}`",
        "- For the cooperative kernel (module `cooperative/_event` shown): "
        f"`{short_command('cooperative/_event')}`",
        "- Killed = a contract test failed; timeout = the command ran past its bound "
        "(the mutant hung a waiter); annotation = a mutation inside a never-evaluated "
        "annotation, skipped; equivalent = survived and listed in `mutation/equivalent.toml` "
        "as unable to change any observable behaviour; unreachable = survived and listed "
        "there as observable only where this command cannot go (another Python version, "
        "a subinterpreter), with the reason; project = survived and listed there as "
        "observable only in what the threading API leaves to each backend (a message "
        "CPython words otherwise, memory), held by the project test the entry names; "
        "open = survived, observable, and listed there "
        "as a point where CPython and DESIGN.md disagree, for the project to decide.",
        "",
        "| module | generated | annotation (skipped) | killed | timeout | survived "
        "| equivalent | unreachable | project | open | pending | run time |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for module, count in rows:
        took = f"{elapsed[module] / 60:.1f} min" if module in elapsed else "—"
        if module in changed:
            out.append(
                f"| {module} | {count['generated']} | changed since its run: not judged "
                "| | | | | | | | | |"
            )
            continue
        out.append(
            f"| {module} | {count['generated']} | {count['annotation']} | {count['killed']} "
            f"| {count['timeout']} | **{count['survived']}** | {count['equivalent']} "
            f"| {count['unreachable']} | {count['project']} | {count['open']} "
            f"| {count['pending']} | {took} |"
        )
    out.append(
        f"| **total** | {totals['generated']} | {totals['annotation']} | {totals['killed']} "
        f"| {totals['timeout']} | **{totals['survived']}** | {totals['equivalent']} "
        f"| {totals['unreachable']} | {totals['project']} | {totals['open']} "
        f"| {totals['pending']} | |"
    )
    killed_later = [m for m in all_mutants if m.rechecked and m.outcome in ("killed", "timeout")]
    if changed:
        out += [
            "",
            "Changed since their run (their figures are left out of the total; "
            "`make mutation` runs them again): " + ", ".join(f"`{m}`" for m in changed) + ".",
        ]
    out += [
        "",
        "## Survivors of the first run, killed by the sharper clause tests",
        "",
        "Mutants that survived the suite as it was, run again (`--recheck`) after the "
        "clause tests of `test_*_edges.py` and `test_alias_warnings.py` were added; "
        "the test named is the first that failed.",
        "",
    ]
    if killed_later:
        out += [
            "| module | function | operator | mutated line | killed by |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {m.module} | `{m.function}` | {m.operator} | `{md(m.mutated)}` | `{md(m.killer)}` |"
            for m in killed_later
        ]
    else:
        out.append("None yet.")
    out += ["", "## Surviving mutants not listed as equivalent", ""]
    if unexplained:
        out += [
            "| module | function | operator | line | original | mutated |",
            "| --- | --- | --- | ---: | --- | --- |",
        ]
        out += [
            f"| {m.module} | `{m.function}` | {m.operator} | {m.line} "
            f"| `{md(m.original)}` | `{md(m.mutated)}` |"
            for m in unexplained
        ]
    else:
        out.append("None.")
    for kind, title in (
        ("equivalent", "Equivalent mutants"),
        ("unreachable", "Mutants this command cannot reach"),
        ("project", "Held by project tests: what the threading API leaves to each backend"),
        ("open", "Open points: observable mutants no clause can decide yet"),
    ):
        out += ["", f"## {title} (survivors matched by `mutation/equivalent.toml`)", ""]
        for e in equivalents:
            if not e.matched or e.kind != kind:
                continue
            out.append(
                f"- **{e.module} `{e.function}`** {', '.join(e.operators)}, line `{md(e.line)}`: "
                f"{len(e.matched)} mutant(s). {e.reason}"
            )
            out += [f"  - {m.operator}: `{md(m.mutated)}`" for m in e.matched]
    if stale or wrong_count:
        out += ["", "## Entries of `equivalent.toml` to review", ""]
        out += [f"- matches no survivor now: {e.module} `{e.function}` `{e.line}`" for e in stale]
        out += [
            f"- expected {e.count} survivor(s), matched {len(e.matched)}: "
            f"{e.module} `{e.function}` `{e.line}`"
            for e in wrong_count
            if e not in stale
        ]
    extra = ROOT / "mutation" / "FINDINGS.md"
    if extra.exists():
        out += ["", extra.read_text().rstrip()]
    REPORT.write_text("\n".join(out) + "\n")
    survivors_json = WORK / "survivors.json"
    survivors_json.write_text(
        json.dumps(
            [
                {
                    "module": m.module,
                    "function": m.function,
                    "operator": m.operator,
                    "line": m.line,
                    "original": m.original,
                    "mutated": m.mutated,
                    "occurrence": m.occurrence,
                    "job_id": m.job_id,
                }
                for m in unexplained
            ],
            indent=1,
        )
    )
    print(
        f"report: {REPORT.relative_to(ROOT)}; {totals['survived']} survivor(s) not listed, "
        f"{totals['equivalent']} equivalent, {totals['pending']} pending "
        f"(details in {survivors_json.relative_to(ROOT)})",
        flush=True,
    )
    return totals["survived"]


def md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def short_command(module: str) -> str:
    return test_command(module, None).replace(sys.executable, "python")


def git_head() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return f"commit {result.stdout.strip()}" if result.returncode == 0 else "the working tree"


# -------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "modules",
        nargs="*",
        help="modules: semantics ones (event) or cooperative/_event... (default: all)",
    )
    parser.add_argument("--workers", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per mutant (default 120)"
    )
    parser.add_argument("--report-only", action="store_true", help="only write the report")
    parser.add_argument(
        "--fresh", action="store_true", help="discard the sessions of the given modules"
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="run the surviving mutants of the given modules again (after new tests)",
    )
    args = parser.parse_args()
    everything = module_names()
    modules = args.modules or everything
    unknown = sorted(set(modules) - set(everything))
    if unknown:
        parser.error(f"no such module: {', '.join(unknown)}; choose from {everything}")
    (WORK / "sessions").mkdir(parents=True, exist_ok=True)
    timings = WORK / "timings.json"
    elapsed: dict[str, float] = json.loads(timings.read_text()) if timings.exists() else {}
    if args.fresh:
        for module in modules:
            session_path(module).unlink(missing_ok=True)
            elapsed.pop(module, None)
    if args.recheck:
        for module in modules:
            forget_survivors(module)
    if not args.report_only:
        with workers(args.workers, modules) as urls:
            for module in modules:
                config = write_config(module, args.timeout, urls)
                session = ensure_session(module, config, elapsed)
                started = time.monotonic()
                print(f"== {module}", flush=True)
                cosmic_ray("exec", str(config), str(session))
                elapsed[module] = elapsed.get(module, 0.0) + time.monotonic() - started
                timings.write_text(json.dumps(elapsed, indent=1))
                write_report(everything, elapsed)
    return 1 if write_report(everything, elapsed) else 0


if __name__ == "__main__":
    sys.exit(main())
