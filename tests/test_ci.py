"""The CI entry point runs the lint, format and type checks, with pinned tools, before the
tests, and any failing step (pytest's "no tests collected" included) fails the run."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ["ruff check .", "ruff format --check .", "mypy", "python -m pytest"]


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
    for tool in ("ruff", "mypy"):
        pins = [r for r in extra if re.match(rf"{tool}\s*==", r)]
        assert len(pins) == 1, extra
        assert pins[0].split("==")[1].strip() == importlib.metadata.version(tool)
