"""The command-line and keyed examples of the README and the guide run as written against
``hubassoc sandbox --demo-data``, pointed at with the lines it prints; and every ``hubassoc``
line they show (synopses included) uses only options its command has.

Runnable examples are the fenced ``shell`` and ``python`` blocks of the pages below: each
``shell`` block runs under ``bash -e`` (so every command in it must exit 0), each ``python``
block under ``python -c``, in a folder of its own, with only the sandbox's exports as
HUBSPOT_ variables.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest
from sandbox_process import clean_environment, run_python, run_shell, sandbox_command

from hubassoc_pandas.cli import build_parser
from hubassoc_pandas.sandbox.__main__ import build_parser as sandbox_parser

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", "docs/guide/cli.md", "docs/guide/sandbox.md", "docs/guide/keys.md"]
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Every page whose hubassoc lines are checked against the parser.
ALL_PAGES = ["README.md", "docs/index.md", *sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / "docs" / "guide").glob("*.md")
)]  # fmt: skip
_INLINE = re.compile(r"`((?:\.venv/bin/)?hubassoc [^`]+)`")
#: What a block's output must show, beyond exiting 0 (page, language, index) -> texts.
EXPECTED = {
    ("docs/guide/keys.md", "python", 0): ["associated"] * 3,
}


def blocks(page: str, language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall((ROOT / page).read_text()) if lang == language]


def code_lines(page: str) -> list[str]:
    """Every line of code of a page (fenced or indented by four spaces), continuation lines
    joined."""
    text = (ROOT / page).read_text()
    fenced = [body for _, body in _FENCE.findall(text)]
    indented = [line[4:] for line in _FENCE.sub("", text).splitlines() if line.startswith("    ")]
    joined = "\n".join([*fenced, *indented]).replace("\\\n", " ")
    return joined.splitlines()


def commands_shown(page: str) -> list[list[str]]:
    """The ``hubassoc ...`` command lines of a page (in code blocks or inline code), as
    words."""
    text = _FENCE.sub("", (ROOT / page).read_text()).replace("\n", " ")
    inline = _INLINE.findall(text)
    found = []
    for line in [*code_lines(page), *inline]:
        for segment in line.split("&&"):
            words = segment.split()
            if words and words[0] in ("hubassoc", ".venv/bin/hubassoc"):
                found.append(words[1:])
    return found


def parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {**subparsers.choices, "sandbox": sandbox_parser()}


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_hubassoc_line_uses_options_its_command_has(page: str) -> None:
    known = parsers()
    shown = commands_shown(page)
    for words in shown:
        command = words[0]
        if command == "COMMAND":  # "hubassoc COMMAND --help": any of them
            continue
        assert command in known, f"{page}: hubassoc {command}"
        options = known[command]._option_string_actions
        for word in words[1:]:
            option = word.strip("[]`,.;:()").split("=")[0]
            if option.startswith("--") and option != "--help":
                assert option in options, f"{page}: hubassoc {command} has no {option}"


def test_the_pages_show_the_commands_they_are_checked_with() -> None:
    assert all(commands_shown(page) for page in PAGES[:3])
    assert any(words[:2] == ["sandbox", "--demo-data"] for words in commands_shown(PAGES[0]))


@pytest.mark.parametrize("page", PAGES)
def test_the_examples_run_as_written_against_the_sandbox(page: str, tmp_path: Path) -> None:
    examples = [("shell", body) for body in blocks(page, "shell")]
    examples += [("python", body) for body in blocks(page, "python")]
    if page == "README.md":  # its notebook example reads the user's own file
        examples = [(lang, body) for lang, body in examples if lang == "shell"]
    assert examples, f"{page} has no runnable example"
    counts: dict[str, int] = {}
    with sandbox_command("sandbox", "--demo-data") as sandbox:
        env = clean_environment(**sandbox.exports)
        for language, body in examples:
            index = counts[language] = counts.get(language, -1) + 1
            folder = tmp_path / f"{language}{index}"
            folder.mkdir()
            run = run_shell if language == "shell" else run_python
            done = run(body, env, folder)
            where = f"{page}, {language} block {index}:\n{body}"
            assert done.returncode == 0, f"{where}\n{done.stdout}\n{done.stderr}"
            assert "Traceback" not in done.stderr, where
            for text in EXPECTED.get((page, language, index), []):
                assert done.stdout.count(text) >= EXPECTED[page, language, index].count(text)
    assert "0 requests" not in sandbox.final, sandbox.final  # they talked to this sandbox


def test_the_sandbox_line_of_the_readme_is_the_one_that_prints_the_exports() -> None:
    words = next(w for w in commands_shown("README.md") if w[:1] == ["sandbox"])
    assert sandbox_parser().parse_args(words[1:]).demo_data
    assert shlex.join(words) == "sandbox --demo-data"


def test_the_sandbox_output_the_guide_shows_is_what_it_prints() -> None:
    (shown,) = blocks("docs/guide/sandbox.md", "text")
    with sandbox_command("sandbox", "--demo-data") as sandbox:
        port = sandbox.exports["HUBSPOT_BASE_URL"].rsplit(":", 1)[1]
    printed = sandbox.lines
    expected = shown.replace("41145", port).splitlines()
    assert len(expected) == len(printed), (expected, printed)
    for want, got in zip(expected, printed, strict=True):
        if want.endswith(", ..."):  # shortened in the guide
            assert got.startswith(want.removesuffix(" ...")), (want, got)
        else:
            assert got == want
