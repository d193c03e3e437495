"""The ``anythread`` command line: list backends, certify them, run a program on one.

``anythread backends`` prints the registry as a table (or JSON); ``anythread certify NAME
[NAME ...]`` runs the contract suite against backends and prints a certification report
for each;
``anythread run -b NAME script.py`` runs an unmodified threading program on a backend
(see :mod:`anythread._run`).  The
certify command lives in the contract suite's package, imported only when asked for, so
the core works without pytest installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from anythread.registry import BackendInfo, registry

__all__ = ["main"]


def _table(rows: Sequence[BackendInfo]) -> str:
    headers = ("NAME", "STATUS", "DISTRIBUTION", "DESCRIPTION")
    body = [
        (
            row.name,
            "available" if row.available else "unavailable",
            f"{row.distribution} {row.version}".strip() or "-",
            row.description or "-",
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row, info in zip(body, rows, strict=True):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if not info.available:
            lines.append(f"    why: {info.reason}")
    return "\n".join(lines)


def _cmd_backends(args: argparse.Namespace) -> int:
    rows = registry.listing()
    if args.check:
        for row in rows:
            if row.available and row.load:
                try:
                    registry.load(row.name)
                except LookupError:
                    pass
        rows = registry.listing()
    if args.json:
        print(json.dumps([row.as_dict() for row in rows], indent=2))
    elif not rows:
        print("No backends are installed: reinstall anythread (pip install anythread).")
    else:
        print(_table(rows))
    return 0


def _cmd_certify(args: argparse.Namespace, rest: list[str]) -> int:
    try:
        from anythread_contract.certify import main as certify_main  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        print(
            "anythread certify needs the contract suite's dependencies "
            f"({exc.name or exc}): pip install 'anythread[contract]'",
            file=sys.stderr,
        )
        return 2
    return int(certify_main(rest))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anythread",
        description="Python's threading API over pluggable backends.",
        epilog="Choose a backend for a program with ANYTHREAD_BACKEND=NAME, or "
        "anythread.use(NAME) before first use.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    backends = sub.add_parser(
        "backends",
        help="list the installed backends and whether each is available",
        description="List every backend that installed plugins declare, with its "
        "status, distribution and description. Listing imports no backend module.",
    )
    backends.add_argument("--json", action="store_true", help="print a JSON list")
    backends.add_argument(
        "--check",
        action="store_true",
        help="also load each available backend, reporting those that fail to load",
    )
    sub.add_parser(
        "certify",
        help="run the contract suite against backends and print a report for each",
        description="Run the contract suite against backend NAME in parallel and print "
        "a certification report. Options: NAME [NAME ...] [--json FILE] [-n N]. "
        "See 'anythread certify --help'.",
        add_help=False,
    )
    sub.add_parser(
        "run",
        help="run an unmodified threading program on a backend",
        description="anythread run [-b NAME] (script.py | -m module) [args]: run a "
        "program whose threading names are backend NAME's objects. "
        "See 'anythread run --help'.",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if args_list and args_list[0] == "certify":
        return _cmd_certify(argparse.Namespace(), args_list[1:])
    if args_list and args_list[0] == "run":
        from anythread._run import main as run_main

        return run_main(args_list[1:])
    args = parser.parse_args(args_list)
    if args.command == "backends":
        return _cmd_backends(args)
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
