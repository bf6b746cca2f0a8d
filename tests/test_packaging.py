"""The package: pyproject.toml declares what the code imports, the locks pin exactly that (and what
it needs in turn), and the wheel holds every module and data file the bot runs on."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = [Requirement(spec) for spec in PYPROJECT["project"]["dependencies"]]
TEST = [Requirement(spec) for spec in PYPROJECT["project"]["optional-dependencies"]["test"]]
# Installed for what they plug into, never imported by name.
# (aiosqlite and psycopg: the database drivers SQLAlchemy loads by the URL's name.)
NOT_IMPORTED = {"uvloop", "httptools", "tzdata", "aiosqlite", "psycopg"}
HOW_TO = (
    "a dependency is declared in pyproject.toml (with its range), named in requirements.in "
    "(runtime) or requirements-dev.in (tests), and pinned with what it needs in requirements.txt "
    "or requirements-dev.txt"
)


def names(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(r.name) for r in requirements}


def listed(path: str) -> dict[str, str]:
    """A requirements file's names (normalised) with their pins ('' when unpinned)."""
    found = {}
    for raw in (ROOT / path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        pins = [s.version for s in requirement.specifier if s.operator == "=="]
        found[canonicalize_name(requirement.name)] = pins[0] if pins else ""
    return found


def closure(requirements: list[Requirement]) -> set[str]:
    """The names these requirements need, with what those need in turn on this platform, from the
    metadata of the installed distributions."""
    seen: set[str] = set()
    visited: set[tuple[str, frozenset[str]]] = set()
    todo = [(r, frozenset(r.extras)) for r in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        if requirement.marker and not any(
            requirement.marker.evaluate({**default_environment(), "extra": extra})
            for extra in (extras or {""})
        ):
            continue
        # A name again with other extras (alembic's "SQLAlchemy", then "sqlalchemy[asyncio]")
        # still brings what those extras need.
        visit = (name, frozenset(requirement.extras))
        if visit in visited:
            continue
        visited.add(visit)
        seen.add(name)
        try:
            needs = distribution(name).requires or []
        except PackageNotFoundError:
            pytest.fail(f"{name} is required but not installed in this environment")
        wanted = frozenset(requirement.extras)
        todo.extend((Requirement(spec), wanted) for spec in needs)
    return seen


def test_requirements_in_lists_exactly_the_declared_runtime_dependencies() -> None:
    assert set(listed("requirements.in")) == names(RUNTIME), HOW_TO


def test_requirements_dev_in_lists_exactly_the_declared_test_dependencies() -> None:
    assert set(listed("requirements-dev.in")) == names(TEST), HOW_TO


def test_the_runtime_lock_pins_the_declared_dependencies_and_nothing_else() -> None:
    lock = listed("requirements.txt")
    assert all(lock.values()), "every line of requirements.txt is pinned with =="
    for requirement in RUNTIME:
        pinned = lock.get(canonicalize_name(requirement.name))
        assert pinned, f"{requirement.name} is declared in pyproject.toml but not pinned"
        assert requirement.specifier.contains(Version(pinned), prereleases=True), (
            f"requirements.txt pins {requirement.name}=={pinned}, outside {requirement.specifier}"
        )
    needed = closure(RUNTIME)
    assert set(lock) - needed == set(), "pinned in requirements.txt, needed by nothing declared"
    assert needed - set(lock) == set(), "needed by pyproject's dependencies, not pinned"


def test_the_dev_lock_pins_the_test_dependencies_and_nothing_else() -> None:
    lock = listed("requirements-dev.txt")
    assert all(lock.values())
    runtime = set(listed("requirements.txt"))
    assert not set(lock) & runtime, "requirements-dev.txt includes requirements.txt; no repeats"
    for requirement in TEST:
        pinned = lock.get(canonicalize_name(requirement.name))
        assert pinned and requirement.specifier.contains(Version(pinned), prereleases=True)
    needed = closure(TEST) - runtime
    assert set(lock) - needed == set(), (
        "pinned in requirements-dev.txt, needed by no test dependency"
    )
    assert needed - set(lock) == set(), "needed by pyproject's test dependencies, not pinned"


def imported_top_names() -> set[str]:
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"bot", "__future__"}


def test_every_import_of_the_bot_is_declared_and_every_declaration_imported() -> None:
    providers = packages_distributions()
    imported = set()
    for module in imported_top_names():
        assert module in providers, f"bot imports {module}, which no installed package provides"
        imported |= {canonicalize_name(name) for name in providers[module]}
    declared = names(RUNTIME)
    assert imported - declared == set(), "imported by bot/ but not declared in pyproject.toml"
    assert declared - imported - NOT_IMPORTED == set(), "declared but never imported"


def test_zero_x_dependencies_stop_below_their_next_minor() -> None:
    for requirement in RUNTIME + TEST:
        lower = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        if lower and lower[0].major == 0:
            next_minor = Version(f"0.{lower[0].minor + 1}")
            assert not requirement.specifier.contains(next_minor), requirement


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The wheel `pip install .` would install, built offline from a copy of the sources."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "bot", source / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index"),
            *("--no-build-isolation", "--wheel-dir", str(out), str(source)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.glob("recordings_bot-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_every_file_of_the_package_and_nothing_else(
    wheel: zipfile.ZipFile,
) -> None:
    inside = {n for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
    expected = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "bot").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert inside == expected


def test_the_wheel_declares_the_dependencies_and_the_command(wheel: zipfile.ZipFile) -> None:
    info = next(n.split("/")[0] for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = wheel.read(f"{info}/METADATA").decode()
    requires = {
        canonicalize_name(Requirement(line.split(":", 1)[1]).name)
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    assert requires == names(RUNTIME)
    entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert "recordings-bot = bot.__main__:main" in entry_points


def test_the_installed_command_answers_from_any_folder(
    wheel: zipfile.ZipFile, tmp_path: Path
) -> None:
    """`recordings-bot console` run from the wheel's files alone, in a folder of its own: nothing it
    needs lives beside the checkout. (The dependencies are this environment's.)"""
    installed = tmp_path / "site"
    wheel.extractall(installed)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        f"import sys; sys.path.insert(0, {str(installed)!r}); import bot; "
        f"assert bot.__file__.startswith({str(installed)!r}), bot.__file__; "
        "from bot.__main__ import main; sys.argv[0] = 'recordings-bot'; sys.exit(main())"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", script, "console"],
        cwd=elsewhere,
        input="conference=sales since yesterday\n",
        env={"PLIVO_SAMPLE_DATA": "true", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Recordings 1–" in result.stdout, result.stdout
    assert "built-in sample data" in result.stdout
