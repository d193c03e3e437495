"""``mutation/_group.py`` ends every process a mutant's test command leaves behind.

A mutant that hangs the contract suite used to leave its child interpreters running,
orphaned, at full CPU, long after the run.  The wrapper runs the command in a process
group of its own and kills the whole group when the command ends or runs too long.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

GROUP = Path(__file__).resolve().parent.parent / "mutation" / "_group.py"

# A command that leaves a grandchild running for a minute and writes its pid first.
LEAVES_A_CHILD = (
    "import subprocess, sys;"
    "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
    "print(p.pid, flush=True);"
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _gone_soon(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not _alive(pid)


pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")


def test_output_and_status_are_the_commands_and_leftovers_are_killed() -> None:
    proc = subprocess.run(
        [sys.executable, str(GROUP), "30", sys.executable, "-c", LEAVES_A_CHILD + "sys.exit(3)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3
    pid = int(proc.stdout.split()[0])
    assert _gone_soon(pid)


def test_past_its_time_the_group_is_killed_and_the_output_is_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = LEAVES_A_CHILD + f"open({str(pid_file)!r}, 'w').write(str(p.pid));"
    start = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            str(GROUP),
            "1",
            sys.executable,
            "-c",
            code + "time = __import__('time'); time.sleep(60)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - start < 30
    assert (proc.returncode, proc.stdout) == (1, "timeout\n")
    assert _gone_soon(int(pid_file.read_text()))
