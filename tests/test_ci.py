"""The CI entry point runs the lint, format and type checks, with pinned tools, before the
tests, then builds the documentation with warnings as errors, and any failing step (pytest's
"no tests collected" included) fails the run."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = [
    "ruff check .",
    "ruff format --check .",
    "mypy",
    "lint-imports",
    "python -m pytest",
    "sphinx-build -W",
]


def commands() -> list[str]:
    text = (ROOT / ".ci" / "run").read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_checks_run_in_order_and_stop_the_run_on_failure() -> None:
    lines = commands()
    assert lines[0] == "set -euo pipefail"  # any non-zero exit ends the run with that code
    positions = [next(i for i, line in enumerate(lines) if check in line) for check in CHECKS]
    assert positions == sorted(positions)
    for index in positions:  # nothing turns a failing check into success
        assert "||" not in lines[index] and "; true" not in lines[index], lines[index]
        assert lines[index].startswith(".venv/bin/"), lines[index]


def test_ruff_and_mypy_are_pinned_to_the_versions_installed() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["test"]
    for tool in ("ruff", "mypy", "import-linter"):
        pins = [r for r in extra if re.match(rf"{tool}\s*==", r)]
        assert len(pins) == 1, extra
        assert pins[0].split("==")[1].strip() == importlib.metadata.version(tool)


def test_import_contracts_cover_every_top_level_part_of_the_package() -> None:
    """The layers contract names every module and folder of the package root, so a new one
    cannot slip in outside the layers; the sandbox contract forbids all of them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    package = ROOT / "hubassoc_pandas"
    parts = {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in package.iterdir() if (p / "__init__.py").exists()
    }
    contracts = {c["name"]: c for c in config["contracts"]}
    layered = {
        name.strip()
        for contract in contracts.values()
        if contract.get("containers") == ["hubassoc_pandas"]
        for layer in contract["layers"]
        for name in layer.split("|")
    }
    assert layered == parts - {"sandbox"}
    forbidden = next(c for c in contracts.values() if c["type"] == "forbidden")
    assert forbidden["source_modules"] == ["hubassoc_pandas.sandbox"]
    assert {m.removeprefix("hubassoc_pandas.") for m in forbidden["forbidden_modules"]} == (
        parts - {"sandbox"}
    )


def test_the_package_root_holds_at_most_twelve_modules() -> None:
    package = ROOT / "hubassoc_pandas"
    assert len(list(package.glob("*.py"))) <= 12


def test_the_docs_build_installs_the_docs_extra_first() -> None:
    lines = commands()
    build = next(i for i, line in enumerate(lines) if "sphinx-build" in line)
    installs = [
        i
        for i, line in enumerate(lines)
        if "pip install" in line and re.search(r"\.\[[^\]]*\bdocs\b[^\]]*\]", line)
    ]
    assert installs and installs[0] < build
    assert "-W" in lines[build].split()  # a warning fails the build
