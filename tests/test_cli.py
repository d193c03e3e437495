"""The command line: ``anythread backends`` and the help texts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from anythread.cli import main

SCRIPT = Path(sys.executable).with_name("anythread")


class TestBackends:
    def test_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["backends"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].split() == ["NAME", "STATUS", "DISTRIBUTION", "DESCRIPTION"]
        stdlib_row = next(line for line in lines if line.startswith("stdlib "))
        assert "available" in stdlib_row
        assert "anythread 0.1.0" in stdlib_row

    def test_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["backends", "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        stdlib_row = next(row for row in rows if row["name"] == "stdlib")
        assert {"name", "available", "reason", "description", "distribution"} <= set(stdlib_row)
        assert stdlib_row["available"] is True
        assert stdlib_row["distribution"] == "anythread"

    def test_check_loads_each_backend(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["backends", "--check"]) == 0
        assert "stdlib" in capsys.readouterr().out

    def test_unavailable_rows_say_why(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from anythread import registry as registry_module

        fresh = registry_module.Registry()
        monkeypatch.setattr("anythread.cli.registry", fresh)
        monkeypatch.setenv("ANYTHREAD_PLUGINS", "at_not_a_module")
        assert main(["backends"]) == 0
        out = capsys.readouterr().out
        assert "at_not_a_module  unavailable" in out
        assert "    why: plugin failed to import: ModuleNotFoundError" in out


class TestEntryPoints:
    def test_console_script(self) -> None:
        result = subprocess.run(
            [str(SCRIPT), "backends"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert "stdlib" in result.stdout

    def test_python_dash_m(self) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "anythread", "backends", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert any(row["name"] == "stdlib" for row in json.loads(result.stdout))


class TestHelp:
    def test_top_level_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as info:
            main(["--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "backends" in out
        assert "certify" in out
        assert "ANYTHREAD_BACKEND" in out

    def test_backends_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit):
            main(["backends", "--help"])
        out = capsys.readouterr().out
        assert "--json" in out
        assert "--check" in out

    def test_no_command_prints_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main([]) == 2
        assert "usage: anythread" in capsys.readouterr().out

    def test_unknown_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as info:
            main(["frobnicate"])
        assert info.value.code == 2
        assert "invalid choice: 'frobnicate'" in capsys.readouterr().err
