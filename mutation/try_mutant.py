"""Run contract tests against one mutant, in a scratch copy of the tree.

Usage::

    python mutation/try_mutant.py MODULE OPERATOR OCCURRENCE [PYTEST ARGS...]

``MODULE`` is a semantics module (``event``) or one of the cooperative kernel
(``cooperative/_event``), ``OPERATOR`` a cosmic-ray operator
(``ReplaceTrueWithFalse``) and ``OCCURRENCE`` its index, as listed in
``.mutation/survivors.json``.  The default pytest arguments run the whole contract suite
on ``pure``; pass e.g. ``--anythread-backend pure --pyargs
anythread_contract.test_event_edges`` to run less (the example ``counting`` backend is
registered too, for ``--anythread-backend counting``).  The
exit status is pytest's: non-zero means the mutant is killed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    module, operator, occurrence, *pytest_args = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="anythread-mutant-") as scratch:
        copy = Path(scratch)
        for name in ("core", "backends", "contract_tests", "examples/custom_kernel", "tests"):
            shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        env["PYTHONPATH"] = os.pathsep.join(
            str(copy / d) for d in ("core", "backends", "contract_tests", "examples/custom_kernel")
        )
        env["ANYTHREAD_PLUGINS"] = "counting_plugin:plugin"
        target = (
            f"backends/anythread_backends/{module}.py"
            if module.startswith("cooperative/")
            else f"core/anythread/semantics/{module}.py"
        )
        before = (copy / target).read_text()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "cosmic-ray"),
                "apply",
                target,
                f"core/{operator.removeprefix('core/')}",
                occurrence,
            ],
            cwd=copy,
            check=True,
        )
        after = (copy / target).read_text()
        if after == before:
            sys.exit("the mutation changed nothing")
        subprocess.run(
            [
                "diff",
                "-u",
                "--label",
                "original",
                "--label",
                "mutant",
                str(ROOT / target),
                str(copy / target),
            ],
            check=False,
        )
        args = pytest_args or ["--anythread-backend", "pure", "--pyargs", "anythread_contract"]
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "-x",
                "--anythread-backend",
                "pure",
                "--anythread-patience",
                "3",
                *args,
            ],
            cwd=copy,
            env=env,
            check=False,
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
