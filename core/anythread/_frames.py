"""Where a blocked thread is, told the way its user reads it.

A hang report says where each thread is blocked: the first frame of its stack that is
not anythread's own.  When that frame is the standard library's (a ``queue.Queue.get``,
a ``concurrent.futures`` worker), the line a user needs is the one of their code that
called it; the library's line still says what it was doing.  So such a site reads
``app.py:12 (in queue.py:171)``.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Callable
from types import FrameType

__all__ = ["blocked_at", "stdlib_name"]


def _dirs(*keys: str) -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found: list[str] = []
    for key in keys:
        path = paths.get(key)
        if path:
            for form in (path, os.path.realpath(path)):
                found.append(os.path.join(form, ""))
    return tuple(dict.fromkeys(found))


# Installed packages may live inside the standard library's directory (a system
# Python's site-packages): they are not the standard library.
_PACKAGES = _dirs("purelib", "platlib")
_STDLIB = _dirs("stdlib", "platstdlib")


def stdlib_name(filename: str) -> str | None:
    """The name of ``filename`` within the standard library (``queue.py``,
    ``concurrent/futures/thread.py``), or None if it is not one of its files."""
    if filename.startswith("<frozen "):  # (runpy, importlib: the standard library's)
        return filename
    if filename.startswith(_PACKAGES):
        return None
    for directory in _STDLIB:
        if filename.startswith(directory):
            return filename[len(directory) :]
    return None


def blocked_at(frame: FrameType | None, skip: Callable[[str], bool]) -> str:
    """``file:line`` of the first frame, from ``frame`` outwards, whose file ``skip``
    does not reject; if that is the standard library's, the first frame of other code
    after it, followed by the library's line: ``app.py:12 (in queue.py:171)``.  ``""``
    if every frame is skipped."""
    while frame is not None and skip(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return ""
    site = f"{frame.f_code.co_filename}:{frame.f_lineno}"
    library = stdlib_name(frame.f_code.co_filename)
    if library is None:
        return site
    outer = frame.f_back
    while outer is not None:
        filename = outer.f_code.co_filename
        if not skip(filename) and stdlib_name(filename) is None:
            return f"{filename}:{outer.f_lineno} (in {library}:{frame.f_lineno})"
        outer = outer.f_back
    return site
