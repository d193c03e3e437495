"""Run one mutant's test command in a process group of its own, and end the whole group.

    python mutation/_group.py SECONDS COMMAND [ARG ...]

The contract suite starts child interpreters (``python -c ...``); when a mutant hangs
one and the command is killed at its timeout, those children used to live on, orphaned,
spinning at full CPU.  Here the command runs in a new session: when it ends, and when it
runs past ``SECONDS`` (just under cosmic-ray's own per-mutant timeout), every process
left in its group is killed.  Past ``SECONDS`` the output is exactly ``timeout`` and the
exit status 1, which ``run.py`` reports as a timeout, as it does cosmic-ray's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.exit("usage: python mutation/_group.py SECONDS COMMAND [ARG ...]")
    seconds = float(argv[0])
    # The output goes to a file, not a pipe: a child left running holds a pipe open, and
    # the command's end must not wait for it.
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            argv[1:], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            status = proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.wait()
            print("timeout")
            return 1
        finally:
            _kill_group(proc.pid)  # whatever the command left running
        out.seek(0)
        sys.stdout.buffer.write(out.read())
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
