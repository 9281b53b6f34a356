"""The command's help equals its behaviour: each command's options feed the parameters of the
Python method it calls, under their names and with their defaults; every option has help and
shows its default; no command lists an option it refuses; ``-v`` works before or after the
command. The options are read from the parser; the help and the behaviour from the command
run in a child process against a sandbox on 127.0.0.1."""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hubassoc_testkit import SMALL, associate_argv, hub_env, running_hub, write_csv

import hubassoc_pandas
from hubassoc_pandas.accessor import HubAssocAccessor
from hubassoc_pandas.cli import build_parser
from hubassoc_pandas.cli.messages import OPTION_OF
from hubassoc_pandas.cli.parameters import CLI_DEFAULTS, CLI_ONLY, NOT_ON_THE_COMMAND_LINE
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.read import ReadAssociations

#: Each command and the Python functions it calls with its options.
CALLS: dict[str, tuple[Callable[..., Any], ...]] = {
    "associate": (HubAssocAccessor.associate,),
    "disassociate": (HubAssocAccessor.disassociate,),
    "retry": (HubAssocAccessor.retry,),
    "read": (HubAssocAccessor.read,),
    "sync": (HubAssocAccessor.sync, HubAssocAccessor.apply_plan),
    "undo": (HubAssocAccessor.undo,),
    "labels": (hubassoc_pandas.labels,),
}
#: Commands that call no library function with their options.
OWN_COMMANDS = {"demo", "sandbox"}
#: Options that feed the same parameter under another sense (``--no-progress`` is
#: ``progress=False``).
NEGATED = {"progress": "--no-progress"}


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(subparsers.choices)


def options(command: str) -> list[argparse.Action]:
    """The options a command lists (one it refuses with a reason is not listed)."""
    return [
        action
        for action in commands()[command]._actions
        if not isinstance(action, argparse._HelpAction) and action.help != argparse.SUPPRESS
    ]


def parameters(command: str) -> dict[str, inspect.Parameter]:
    """The parameters of the functions the command calls (the first one's win)."""
    found: dict[str, inspect.Parameter] = {}
    for function in CALLS[command]:
        for name, parameter in inspect.signature(function).parameters.items():
            if name != "self":
                found.setdefault(name, parameter)
    return found


def help_text(action: argparse.Action) -> str:
    """An option's help as ``--help`` shows it (``%(default)s`` filled in)."""
    return (action.help or "") % {**vars(action), "prog": "hubassoc"}


def test_every_command_is_compared() -> None:
    assert set(commands()) == set(CALLS) | OWN_COMMANDS


@pytest.mark.parametrize("command", sorted(CALLS))
def test_each_option_feeds_a_parameter_of_the_same_name(command: str) -> None:
    known = parameters(command)
    for action in options(command):
        if action.dest in CLI_ONLY:
            continue
        assert action.dest in known, f"{command}: {action.option_strings} feeds no parameter"
        spelling = NEGATED.get(action.dest, "--" + action.dest.replace("_", "-"))
        if action.dest in ("from_type", "to_type"):  # --from / --to: also --from-type
            assert action.option_strings[0] == "--" + action.dest.split("_")[0]
        assert spelling in action.option_strings, (command, action.option_strings)


@pytest.mark.parametrize("command", sorted(CALLS))
def test_each_parameter_has_an_option_or_a_reason(command: str) -> None:
    fed = {action.dest for action in options(command)}
    missing = set(parameters(command)) - fed - set(NOT_ON_THE_COMMAND_LINE)
    assert not missing, f"{command}: no option for {sorted(missing)}"


@pytest.mark.parametrize("command", sorted(CALLS))
def test_the_defaults_are_the_python_defaults(command: str) -> None:
    known = parameters(command)
    for action in options(command):
        if action.dest in CLI_ONLY:
            continue
        python = known[action.dest].default
        if python is inspect.Parameter.empty:  # a required argument in Python
            assert action.required, (command, action.option_strings)
            continue
        if (command, action.dest) in CLI_DEFAULTS:
            assert action.default != python  # documented as different, so it is
            continue
        assert action.default == python, (command, action.option_strings, action.default)


@pytest.mark.parametrize("command", sorted(set(commands()) - {"sandbox"}))
def test_every_option_has_help_that_shows_its_default(command: str) -> None:
    for action in options(command):
        shown = help_text(action)
        assert shown.strip(), f"{command} {action.option_strings or action.dest}: no help"
        takes_value = action.nargs != 0 and action.option_strings
        if not takes_value or action.required:
            continue
        assert "default" in shown, (command, action.option_strings, shown)
        if action.default is not None:
            assert str(action.default) in shown, (command, action.option_strings, shown)


def test_the_sandbox_options_have_help_that_shows_their_default() -> None:
    from hubassoc_pandas.sandbox.__main__ import build_parser as sandbox_parser

    for action in sandbox_parser()._actions:
        shown = help_text(action)
        assert shown.strip(), action.option_strings
        if action.nargs == 0 or isinstance(action, argparse._HelpAction):
            continue
        assert "default" in shown, (action.option_strings, shown)


@pytest.mark.parametrize(
    ("command", "cap"),
    [
        ("associate", AssociateDefault.max_batch_size),
        ("disassociate", AssociateDefault.max_batch_size),
        ("read", ReadAssociations.max_batch_size),
        ("undo", AssociateDefault.max_batch_size),
    ],
)
def test_the_batch_size_shown_is_the_commands_own_cap(command: str, cap: int) -> None:
    (batch,) = [a for a in options(command) if a.dest == "batch_size"]
    assert re.findall(r"default (\d+)", help_text(batch)) == [str(cap)]


def test_option_names_in_messages_are_the_options_first_spellings() -> None:
    for command in CALLS:
        for action in options(command):
            if action.dest in OPTION_OF:
                assert OPTION_OF[action.dest] == action.option_strings[0], (command, action)


# -- the command itself, in a child process --------------------------------------------------


def hubassoc(
    *argv: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m hubassoc_pandas.cli ARGV``, as a user's shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "hubassoc_pandas.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_help_shows_each_commands_own_defaults_and_only_what_it_takes() -> None:
    read = hubassoc("read", "--help")
    assert read.returncode == 0
    assert "from-IDs per request (default 1000" in read.stdout and "2000" not in read.stdout
    assert "--from TYPE, --from-type TYPE" in read.stdout
    sync = hubassoc("sync", "--help")
    assert sync.returncode == 0 and "--journal" not in sync.stdout
    assert "--from-id-property NAME, --from-property NAME" in sync.stdout


def test_a_journal_given_to_sync_is_refused_with_the_reason(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1], [4])
    done = hubassoc("sync", str(source), "--from", "contacts", "--to", "companies",
                    "--from-col", "contact_id", "--to-col", "company_id",
                    "--journal", str(tmp_path / "run.db"))  # fmt: skip
    assert done.returncode == 2
    assert "keeps no journal: it reads HubSpot afresh" in done.stderr
    assert not (tmp_path / "run.db").exists()


def test_each_command_accepts_what_its_help_shows(tmp_path: Path) -> None:
    """Every option a command lists, given its shown default, is taken (nothing listed is
    refused), and the older spellings still work."""
    with running_hub(records=SMALL) as hub:
        env = hub_env(hub)
        source = write_csv(tmp_path / "in.csv", [1, 2], [3, 4])
        labelled = tmp_path / "labelled.csv"
        labelled.write_text("c,co,role\n1,3,Billing contact\n2,4,Decision maker\n")
        common = ["--base-url", hub.url, "--api-version", "2026-03", "--max-workers", "16"]
        common += ["--max-attempts", "5", "--timeout", "10,60", "--sep", ",", "--no-progress"]
        keys = ["--on-ambiguous", "fail"]
        results = tmp_path / "results.csv"
        runs = [
            associate_argv(source, *common, *keys, "--batch-size", "2000", "--check-existing",
                           "--journal", str(tmp_path / "run.db"), "--out", str(results)),
            ["read", str(source), "--from-type", "contacts", "--to-type", "companies",
             "--from-col", "c", *common, *keys, "--batch-size", "1000",
             "--journal", str(tmp_path / "read.db")],
            associate_argv(source, *common, *keys, "--batch-size", "2000", "--dry-run",
                           command="sync"),
            ["retry", str(results), "--from", "contacts", "--to", "companies",
             "--operation", "associate", *common],
            ["undo", str(results), "--from", "contacts", "--to", "companies", *common,
             "--batch-size", "2000", "--dry-run", "--journal", str(tmp_path / "undo.db")],
            associate_argv(source, *common, *keys, "--batch-size", "2000", "--dry-run",
                           "--label", "Billing contact", "--journal",
                           str(tmp_path / "remove.db"), command="disassociate"),
            associate_argv(labelled, *common, "--label-col", "role", "--dry-run", "--yes",
                           command="disassociate"),
            ["labels", "--from", "contacts", "--to", "companies", "--base-url", hub.url,
             "--api-version", "2026-03", "--timeout", "10,60"],
        ]  # fmt: skip
        for argv in runs:
            done = hubassoc(*argv, env=env)
            assert done.returncode == 0, (argv[0], done.stderr)
        assert stored_after(hub) == {("1", "3"), ("2", "4")}


def stored_after(hub: Any) -> set[tuple[str, str]]:
    return set(hub.associated_pairs("contacts", "companies"))


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_works_before_or_after_the_command(tmp_path: Path, where: str) -> None:
    with running_hub(records=SMALL) as hub:
        source = write_csv(tmp_path / "in.csv", [1], [2])
        argv = ["read", str(source), "--from", "contacts", "--to", "companies"]
        argv += ["--from-col", "c", "--no-progress"]
        argv = ["-v", *argv] if where == "before" else [*argv, "--verbose"]
        done = hubassoc(*argv, env=hub_env(hub))
    assert done.returncode == 0, done.stderr
    assert "batch/read -> 207" in done.stderr and "DEBUG" in done.stderr
    assert hub.token not in done.stdout + done.stderr


def test_without_verbose_nothing_is_logged(tmp_path: Path) -> None:
    with running_hub(records=SMALL) as hub:
        source = write_csv(tmp_path / "in.csv", [1], [2])
        done = hubassoc(*associate_argv(source, "--no-progress"), env=hub_env(hub))
    assert done.returncode == 0, done.stderr
    assert "DEBUG" not in done.stderr and "Summary" in done.stdout


def test_the_guide_names_what_has_no_parameter_and_what_has_no_option() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide" / "cli.md").read_text()
    for command in CALLS:
        for action in options(command):
            if action.dest in CLI_ONLY:
                spellings = action.option_strings or [action.metavar]
                assert any(f"`{shown}`" in guide for shown in spellings), (command, spellings)
    for parameter in NOT_ON_THE_COMMAND_LINE:
        assert f"`{parameter}`" in guide
    for command, parameter in CLI_DEFAULTS:
        assert f"`hubassoc {command}`" in guide and f"`{parameter}=" in guide
