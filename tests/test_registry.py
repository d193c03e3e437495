"""The registry: listing without loading, loading with checks, plugins that go wrong."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import run_python

import anythread
from anythread import BackendSpec, hookimpl, selection
from anythread.registry import Registry


def _stdlib_copy(name: str) -> object:
    from anythread_backends.stdlib import StdlibBackend

    return StdlibBackend(name=name)


class _Plugin:
    def __init__(self, *specs: BackendSpec) -> None:
        self.specs = specs

    @hookimpl
    def anythread_backends(self) -> list[BackendSpec]:
        return list(self.specs)


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on sys.path for throwaway backend modules."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _write_module(directory: Path, name: str, source: str) -> None:
    (directory / f"{name}.py").write_text(textwrap.dedent(source))
    sys.modules.pop(name, None)


class TestListing:
    def test_listing_imports_no_backend_module(self, module_dir: Path) -> None:
        _write_module(
            module_dir,
            "at_lazy_backend",
            """
            from anythread_backends.stdlib import StdlibBackend
            backend = StdlibBackend(name="lazy")
            """,
        )
        reg = Registry(
            [_Plugin(BackendSpec("lazy", "at_lazy_backend:backend"))], entry_points=False
        )
        rows = reg.listing()
        assert [(r.name, r.available) for r in rows] == [("lazy", True)]
        assert "at_lazy_backend" not in sys.modules
        assert reg.load("lazy").name == "lazy"
        assert "at_lazy_backend" in sys.modules

    def test_builtin_stdlib_comes_through_entry_points(self) -> None:
        rows = {row.name: row for row in anythread.list_backends()}
        assert rows["stdlib"].available
        assert rows["stdlib"].distribution == "anythread"
        assert rows["stdlib"].plugin.startswith("stdlib = anythread_backends.plugins")

    def test_hook_that_raises_is_reported_and_others_survive(self) -> None:
        class Raising:
            @hookimpl
            def anythread_backends(self) -> list[BackendSpec]:
                raise ImportError("no module named 'fancy_dep'")

        good = _Plugin(BackendSpec("good", "anythread_backends.stdlib:backend"))
        reg = Registry([Raising(), good], entry_points=False)
        rows = reg.listing()
        assert any(r.name == "good" and r.available for r in rows)
        bad = [r for r in rows if not r.available]
        assert len(bad) == 1
        assert "anythread_backends() hook raised ImportError" in bad[0].reason
        assert "fancy_dep" in bad[0].reason

    def test_plugin_without_hook_is_reported(self) -> None:
        reg = Registry([object()], entry_points=False)
        (row,) = reg.listing()
        assert not row.available
        assert "no anythread_backends() hook implementation" in row.reason

    def test_hook_returning_wrong_type_is_reported(self) -> None:
        class Wrong:
            @hookimpl
            def anythread_backends(self) -> list[str]:
                return ["stdlib"]

        (row,) = Registry([Wrong()], entry_points=False).listing()
        assert not row.available
        assert "expected anythread.BackendSpec objects" in row.reason

    def test_two_plugins_claiming_one_name(self) -> None:
        reg = Registry(
            [
                _Plugin(BackendSpec("twin", "anythread_backends.stdlib:backend")),
                _Plugin(BackendSpec("twin", "anythread_backends.stdlib:backend")),
            ],
            entry_points=False,
        )
        (row,) = reg.listing()
        assert not row.available
        assert "claimed by" in row.reason
        with pytest.raises(LookupError, match="'twin' is claimed by"):
            reg.load("twin")

    def test_missing_requirement_says_what_to_install(self) -> None:
        spec = BackendSpec(
            "needy", "anythread_backends.stdlib:backend", requires=["no-such-dist>=1"]
        )
        reg = Registry([_Plugin(spec)], entry_points=False)
        (row,) = reg.listing()
        assert not row.available
        assert row.reason == (
            "requires no-such-dist, which is not installed: pip install no-such-dist"
        )
        with pytest.raises(LookupError, match="pip install no-such-dist"):
            reg.load("needy")


class TestLoading:
    def test_unknown_name_lists_what_exists(self) -> None:
        reg = Registry(
            [
                _Plugin(BackendSpec("alpha", "anythread_backends.stdlib:backend")),
                _Plugin(
                    BackendSpec("beta", "anythread_backends.stdlib:backend", requires=["nope"])
                ),
            ],
            entry_points=False,
        )
        with pytest.raises(LookupError) as info:
            reg.load("gamma")
        message = str(info.value)
        assert message.startswith("No such backend: 'gamma'. Available backends: 'alpha'.")
        assert "'beta' is unavailable: requires nope" in message

    def test_incomplete_backend_is_refused_and_listed(self, module_dir: Path) -> None:
        _write_module(
            module_dir,
            "at_half_backend",
            """
            import threading
            class backend:
                name = "half"
                Lock = threading.Lock
            """,
        )
        reg = Registry(
            [_Plugin(BackendSpec("half", "at_half_backend:backend"))], entry_points=False
        )
        with pytest.raises(LookupError, match=r"not a complete anythread backend: it lacks"):
            reg.load("half")
        (row,) = reg.listing()
        assert not row.available
        assert "capabilities" in row.reason
        assert "RLock" in row.reason

    def test_loader_that_fails_to_import(self) -> None:
        reg = Registry(
            [_Plugin(BackendSpec("ghost", "at_no_such_module:backend"))], entry_points=False
        )
        with pytest.raises(LookupError, match="ModuleNotFoundError") as info:
            reg.load("ghost")
        assert isinstance(info.value.__cause__, ModuleNotFoundError)
        assert "ModuleNotFoundError" in reg.listing()[0].reason

    def test_zero_argument_callable_is_called_once(self, module_dir: Path) -> None:
        _write_module(
            module_dir,
            "at_factory_backend",
            """
            from anythread_backends.stdlib import StdlibBackend
            calls = []
            def make():
                calls.append(1)
                return StdlibBackend(name="made")
            """,
        )
        reg = Registry(
            [_Plugin(BackendSpec("made", "at_factory_backend:make"))], entry_points=False
        )
        first = reg.load("made")
        assert reg.load("made") is first
        assert sys.modules["at_factory_backend"].calls == [1]

    def test_option_goes_to_the_callable(self, module_dir: Path) -> None:
        _write_module(
            module_dir,
            "at_option_backend",
            """
            from anythread_backends.stdlib import StdlibBackend
            def make(option="plain"):
                return StdlibBackend(name="opt:" + option)
            """,
        )
        reg = Registry([_Plugin(BackendSpec("opt", "at_option_backend:make"))], entry_points=False)
        assert reg.load("opt:fast").name == "opt:fast"
        assert reg.load("opt").name == "opt:plain"

    def test_option_on_a_plain_backend_is_an_error(self) -> None:
        reg = Registry(
            [_Plugin(BackendSpec("plain", "anythread_backends.stdlib:backend"))], entry_points=False
        )
        with pytest.raises(LookupError, match="takes no option"):
            reg.load("plain:x")

    @pytest.mark.parametrize(
        ("name", "load", "message"),
        [
            ("has space", "m:a", "invalid backend name"),
            ("ok", "no_colon", "expected 'module:attribute'"),
            ("ok", "m:a b", "expected 'module:attribute'"),
        ],
    )
    def test_spec_validation(self, name: str, load: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            BackendSpec(name, load)


class TestEnvironmentPlugins:
    def test_env_plugin_is_listed_and_loadable(
        self, module_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _write_module(
            module_dir,
            "at_env_plugin",
            """
            import anythread
            class _P:
                @anythread.hookimpl
                def anythread_backends(self):
                    return [anythread.BackendSpec("envy", "anythread_backends.stdlib:backend")]
            plugin = _P()
            """,
        )
        monkeypatch.setenv("ANYTHREAD_PLUGINS", "at_env_plugin:plugin, at_missing_plugin")
        rows = {r.name: r for r in Registry(entry_points=False).listing()}
        assert rows["envy"].available
        assert "No module named 'at_missing_plugin'" in rows["at_missing_plugin"].reason


# --------------------------------------------------------------------------- entry points


def _fake_distribution(
    site: Path,
    dist: str,
    entry_points: dict[str, str],
    modules: dict[str, str],
    requires: list[str] = (),  # type: ignore[assignment]
) -> None:
    """Write an installed distribution (a .dist-info directory) that importlib.metadata
    finds exactly as it finds one that pip installed."""
    info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    meta = ["Metadata-Version: 2.1", f"Name: {dist}", "Version: 1.2.3"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(meta) + "\n")
    lines = ["[anythread]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    for name, source in modules.items():
        (site / f"{name}.py").write_text(textwrap.dedent(source))


_GOOD_PLUGIN = """
import types
import anythread

class _Plugin:
    @anythread.hookimpl
    def anythread_backends(self):
        return [anythread.BackendSpec("{name}", "{module}:make", description="a test backend",
                                      requires={requires!r})]

plugin = _Plugin()

def make():
    from anythread_backends.stdlib import StdlibBackend
    return StdlibBackend(name="{name}")
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    _fake_distribution(
        site,
        "anythread-good",
        {"good": "at_good:plugin"},
        {"at_good": _GOOD_PLUGIN.format(name="good", module="at_good", requires=())},
    )
    _fake_distribution(
        site,
        "anythread-broken-import",
        {"broken": "at_broken:plugin"},
        {"at_broken": "import at_this_dependency_is_missing\n"},
    )
    _fake_distribution(
        site,
        "anythread-raising",
        {"raising": "at_raising:plugin"},
        {
            "at_raising": """
            import anythread
            class _P:
                @anythread.hookimpl
                def anythread_backends(self):
                    raise RuntimeError("the hook exploded")
            plugin = _P()
            """
        },
    )
    for dist, module in (("anythread-twin-a", "at_twin_a"), ("anythread-twin-b", "at_twin_b")):
        _fake_distribution(
            site,
            dist,
            {"twin": f"{module}:plugin"},
            {module: _GOOD_PLUGIN.format(name="twin", module=module, requires=())},
        )
    _fake_distribution(
        site,
        "anythread-needy",
        {"needy": "at_needy:plugin"},
        {
            "at_needy": _GOOD_PLUGIN.format(
                name="needy", module="at_needy", requires=("at-absent-dist",)
            )
        },
        requires=['at-absent-dist>=2; extra == "turbo"'],
    )
    return site


class TestEntryPoints:
    """Third-party plugins found through importlib.metadata, in a fresh interpreter."""

    def test_listing_reports_each_plugin(self, site: Path) -> None:
        result = run_python(
            "import anythread.cli, sys; sys.exit(anythread.cli.main(['backends', '--json']))",
            env={"PYTHONPATH": str(site)},
        )
        assert result.returncode == 0, result.stderr
        rows = {row["name"]: row for row in json.loads(result.stdout)}
        assert rows["stdlib"]["available"]
        assert rows["good"]["available"]
        assert rows["good"]["distribution"] == "anythread-good"
        assert rows["good"]["description"] == "a test backend"
        assert not rows["broken"]["available"]
        assert "No module named 'at_this_dependency_is_missing'" in rows["broken"]["reason"]
        assert rows["broken"]["distribution"] == "anythread-broken-import"
        assert "the hook exploded" in rows["raising"]["reason"]
        assert "anythread-twin-a" in rows["twin"]["reason"]
        assert "anythread-twin-b" in rows["twin"]["reason"]
        assert rows["needy"]["reason"] == (
            "requires at-absent-dist, which is not installed: pip install 'anythread-needy[turbo]'"
        )
        # Listing imported no backend module.
        assert "at_good" not in result.stderr

    def test_third_party_backend_serves_the_facade(self, site: Path) -> None:
        result = run_python(
            "import anythread, threading\n"
            "lock = anythread.Lock()\n"
            "print(anythread.current_backend().name, anythread.current_backend().source,"
            " type(lock) is type(threading.Lock()))",
            env={"PYTHONPATH": str(site), "ANYTHREAD_BACKEND": "good"},
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["good", "env", "True"]

    def test_conflicting_name_is_a_clear_error(self, site: Path) -> None:
        result = run_python(
            "import anythread\nanythread.Lock()",
            env={"PYTHONPATH": str(site), "ANYTHREAD_BACKEND": "twin"},
        )
        assert result.returncode == 1
        assert "LookupError: Backend 'twin' is unavailable" in result.stderr
        assert "anythread-twin-a" in result.stderr
        assert "anythread-twin-b" in result.stderr


_GREEDY_PLUGIN = """
import anythread

class _Plugin:
    @anythread.hookimpl
    def anythread_backends(self):
        return [
            anythread.BackendSpec("stdlib", "at_greedy:make", description="takes over"),
            anythread.BackendSpec("cooperative", "at_greedy:make"),
            anythread.BackendSpec("greedy", "at_greedy:make"),
        ]

plugin = _Plugin()

def make():
    raise RuntimeError("the greedy backend must never be loaded for a built-in name")
"""


class TestReservedNamesInstalled:
    """A real distribution that claims built-in names, next to anythread itself."""

    @pytest.fixture
    def greedy_site(self, tmp_path: Path) -> Path:
        site = tmp_path / "greedy-site"
        site.mkdir()
        _fake_distribution(
            site, "anythread-greedy", {"greedy": "at_greedy:plugin"}, {"at_greedy": _GREEDY_PLUGIN}
        )
        return site

    def test_claims_are_refused_listed_and_the_builtin_still_serves(
        self, greedy_site: Path
    ) -> None:
        result = run_python(
            "import json, threading, anythread\n"
            "rows = [r.as_dict() for r in anythread.list_backends()]\n"
            "print(json.dumps(rows))\n"
            "print(anythread.Lock is threading.Lock, anythread.get_backend().name)",
            env={"PYTHONPATH": str(greedy_site)},
        )
        assert result.returncode == 0, result.stderr
        listing, served = result.stdout.splitlines()
        assert served == "True stdlib"
        rows = json.loads(listing)
        stdlib_rows = [r for r in rows if r["name"] == "stdlib"]
        assert [(r["available"], r["distribution"]) for r in stdlib_rows] == [
            (True, "anythread"),
            (False, "anythread-greedy"),
        ]
        refused = stdlib_rows[1]
        assert refused["reason"] == (
            "refused: 'stdlib' is the name of one of anythread's built-in backends, reserved "
            "for anythread itself; anythread-greedy cannot provide or replace it (the "
            "built-in is unaffected). Rename the backend in anythread-greedy."
        )
        cooperative_rows = [r for r in rows if r["name"] == "cooperative"]
        assert [r["distribution"] for r in cooperative_rows] == ["anythread", "anythread-greedy"]
        assert not cooperative_rows[1]["available"]
        assert cooperative_rows[1]["reason"].startswith("refused: 'cooperative' is the name")
        greedy = {r["name"]: r for r in rows}["greedy"]
        assert greedy["available"]  # its own name is fine

    def test_selecting_a_builtin_never_loads_the_claimant(self, greedy_site: Path) -> None:
        result = run_python(
            "import anythread\nprint(anythread.get_backend('stdlib'))\n"
            "anythread.use('cooperative')\nprint(anythread.get_backend())",
            env={"PYTHONPATH": str(greedy_site)},
        )
        # The claimant's make() raises if it is ever called: both built-ins serve.
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "<anythread backend 'stdlib'>\n<anythread backend 'cooperative'>\n"
        )

    def test_cli_lists_the_refusal(self, greedy_site: Path) -> None:
        result = run_python(
            "import anythread.cli, sys; sys.exit(anythread.cli.main(['backends']))",
            env={"PYTHONPATH": str(greedy_site)},
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        index = next(
            i for i, line in enumerate(lines) if line.startswith("stdlib") and "greedy" in line
        )
        assert "unavailable" in lines[index]
        assert lines[index + 1].startswith("    why: refused: 'stdlib' is the name of one of")


@pytest.mark.slow
def test_pip_installed_third_party_distribution(tmp_path: Path) -> None:
    """examples/custom_kernel is a real distribution: pip installs it, the registry lists
    it under its own name, and the facade serves it."""
    site = tmp_path / "site"
    example = Path(__file__).resolve().parent.parent / "examples" / "custom_kernel"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(example),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    listing = run_python(
        "import anythread.cli, sys; sys.exit(anythread.cli.main(['backends', '--json']))",
        env={"PYTHONPATH": str(site)},
        cwd=tmp_path,
    )
    assert listing.returncode == 0, listing.stderr
    rows = {row["name"]: row for row in json.loads(listing.stdout)}
    assert rows["counting"]["available"]
    assert rows["counting"]["distribution"] == "anythread-counting"
    assert rows["counting"]["version"] == "0.1.0"
    program = run_python(
        "import anythread as threading\n"
        "box = []\n"
        "t = threading.Thread(target=lambda: box.append(threading.current_thread().name),"
        " name='counted')\n"
        "t.start(); t.join(30)\n"
        "print(threading.get_backend().name, box)",
        env={"PYTHONPATH": str(site), "ANYTHREAD_BACKEND": "counting"},
        cwd=tmp_path,
    )
    assert program.returncode == 0, program.stderr
    assert program.stdout.strip() == "counting ['counted']"


# --------------------------------------------------------------------------- re-entrancy


class _CallsBack:
    """A plugin whose hook runs ``action`` (a use of anythread) before answering."""

    def __init__(self, action: Callable[[], object], *specs: BackendSpec) -> None:
        self.action = action
        self.specs = specs

    @hookimpl
    def anythread_backends(self) -> list[BackendSpec]:
        self.action()
        return list(self.specs)


@pytest.fixture
def private_registry(
    monkeypatch: pytest.MonkeyPatch, fresh_facade: None
) -> Callable[..., Registry]:
    """Make a Registry from plugins and serve it to anythread's public functions."""

    def make(*plugins: object) -> Registry:
        reg = Registry(plugins, entry_points=False)
        monkeypatch.setattr(selection, "registry", reg)
        return reg

    return make


class TestReentrancy:
    def test_hook_that_uses_the_registry_is_told_so(
        self, private_registry: Callable[..., Registry]
    ) -> None:
        std = BackendSpec("std", "anythread_backends.stdlib:backend")
        reg = private_registry(
            _CallsBack(lambda: anythread.get_backend("std"), BackendSpec("eager", std.load)),
            _Plugin(std),
        )
        rows = {row.name: row for row in reg.listing()}
        assert rows["std"].available
        (bad,) = [row for row in rows.values() if not row.available]
        assert bad.reason.startswith(
            "anythread_backends() hook raised RuntimeError: anythread's registry was used "
            "while it is still discovering plugins: a plugin's anythread_backends() hook "
            "called anythread.get_backend()"
        )
        assert "eager" not in rows

    def test_hook_that_uses_the_facade_at_first_use_is_told_so(
        self, private_registry: Callable[..., Registry]
    ) -> None:
        private_registry(
            _CallsBack(lambda: anythread.get_backend()),
            _Plugin(BackendSpec("stdlib", "anythread_backends.stdlib:backend")),
        )
        # The facade's first use starts discovery; the hook's get_backend() re-enters.
        with pytest.raises(LookupError) as info:
            anythread.get_backend()
        message = str(info.value)
        assert "anythread_backends() hook raised RuntimeError: anythread's facade" in message
        assert "still discovering plugins" in message
        assert "to choose the backend it serves" in message
        assert "No such backend: 'stdlib'" not in message

    def test_loader_asked_for_by_the_facade_is_told_it_reentered(
        self,
        private_registry: Callable[..., Registry],
        module_dir: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        _write_module(
            module_dir,
            "at_reentrant_loader2",
            """
            import anythread
            def make():
                return anythread.get_backend()
            """,
        )
        private_registry(_Plugin(BackendSpec("loopy", "at_reentrant_loader2:make")))
        monkeypatch.setenv("ANYTHREAD_BACKEND", "loopy")
        with pytest.raises(LookupError) as info:
            anythread.Lock()
        message = str(info.value)
        assert message.startswith(
            "Backend 'loopy' is unavailable: loading at_reentrant_loader2:make failed: "
            "RuntimeError: anythread's facade (or get_backend() with no name) was used while "
            "anythread is still loading backend 'loopy' (at_reentrant_loader2:make), to "
            "choose the backend it serves"
        )
        assert not anythread.current_backend().fixed

    def test_loader_may_load_another_named_backend(
        self, private_registry: Callable[..., Registry], module_dir: Path
    ) -> None:
        # As a wrapping backend (debug:pure) loads the backend it wraps.
        _write_module(
            module_dir,
            "at_wrapping_loader",
            """
            import anythread
            from anythread_backends.stdlib import StdlibBackend
            def make(inner="std"):
                return StdlibBackend(name="wrap:" + anythread.get_backend(inner).name)
            """,
        )
        private_registry(
            _Plugin(BackendSpec("wrap", "at_wrapping_loader:make")),
            _Plugin(BackendSpec("std", "anythread_backends.stdlib:backend")),
        )
        assert anythread.get_backend("wrap:std").name == "wrap:stdlib"

    def test_loader_asking_for_itself_is_told_so(
        self, private_registry: Callable[..., Registry], module_dir: Path
    ) -> None:
        _write_module(
            module_dir,
            "at_self_loader",
            """
            import anythread
            def make():
                return anythread.get_backend("selfish")
            """,
        )
        private_registry(_Plugin(BackendSpec("selfish", "at_self_loader:make")))
        with pytest.raises(
            LookupError,
            match=r"RuntimeError: backend 'selfish' was asked for while anythread is still "
            r"loading backend 'selfish' \(at_self_loader:make\)",
        ):
            anythread.get_backend("selfish")


# --------------------------------------------------------------------------- reserved names


class TestReservedNames:
    @pytest.mark.parametrize("name", ["stdlib", "pure", "cooperative", "debug"])
    def test_a_plugin_cannot_claim_a_builtin_name(self, name: str) -> None:
        spec = BackendSpec(name, "anythread_backends.stdlib:backend", description="mine")
        reg = Registry([_Plugin(spec)], entry_points=False)
        (row,) = reg.listing()
        assert (row.name, row.available, row.description) == (name, False, "mine")
        assert row.reason.startswith(
            f"refused: {name!r} is the name of one of anythread's built-in backends, "
            "reserved for anythread itself; plugin <"
        )
        with pytest.raises(LookupError, match="this installation of anythread does not declare"):
            reg.load(name)

    def test_third_party_names_still_conflict_as_before(self) -> None:
        reg = Registry(
            [
                _Plugin(BackendSpec("stdlib", "anythread_backends.stdlib:backend")),
                _Plugin(BackendSpec("shared", "anythread_backends.stdlib:backend")),
                _Plugin(BackendSpec("shared", "anythread_backends.stdlib:backend")),
            ],
            entry_points=False,
        )
        rows = reg.listing()
        assert [(r.name, r.available) for r in rows] == [("shared", False), ("stdlib", False)]
        assert "'shared' is claimed by" in rows[0].reason
