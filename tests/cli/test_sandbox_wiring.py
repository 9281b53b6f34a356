"""``hubassoc sandbox`` wires a newcomer's shell and notebook to it: the ``export`` lines and
the Python lines it prints, pasted as they are, make the command and the library talk to that
sandbox; ``--demo-data``, ``--emails`` and ``--domains`` seed keys that a keyed associate
finds; it prints its demo token and no other; ``-v`` before or after ``sandbox`` prints each
request. Everything runs in child processes on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from sandbox_process import (
    clean_environment,
    run_python,
    run_shell,
    sandbox_command,
)

from hubassoc_pandas.cli import main
from hubassoc_pandas.sandbox import DEMO_TOKEN
from hubassoc_pandas.sandbox.__main__ import DEMO_DOMAINS, DEMO_EMAILS

#: A token shaped like a private app's, as a user may have in the environment.
USER_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def stored(final: str) -> int:
    """The associations a stopped sandbox says it holds."""
    match = re.search(r"(\d+) associations stored", final)
    assert match is not None, final
    return int(match.group(1))


def test_the_printed_export_lines_point_the_command_at_that_sandbox(tmp_path: Path) -> None:
    pd.DataFrame({"c": [1, 2], "co": [3, 4]}).to_csv(tmp_path / "in.csv", index=False)
    with sandbox_command() as sandbox:
        exports = sandbox.export_lines
        assert [line.split("=")[0] for line in exports] == [
            "export HUBSPOT_BASE_URL",
            "export HUBSPOT_ACCESS_TOKEN",
        ]
        script = "\n".join(
            [
                *exports,  # pasted as printed
                "hubassoc associate in.csv --from contacts --to companies --from-col c "
                "--to-col co --no-progress --out out.csv",
            ]
        )
        done = run_shell(script, clean_environment(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(tmp_path / "out.csv")["status"].tolist() == ["associated"] * 2
    assert stored(sandbox.final) == 2  # the pairs went to this sandbox, and nowhere else
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.exports["HUBSPOT_BASE_URL"])
    assert sandbox.exports["HUBSPOT_ACCESS_TOKEN"] == DEMO_TOKEN


def test_the_printed_python_lines_point_a_notebook_at_that_sandbox(tmp_path: Path) -> None:
    with sandbox_command() as sandbox:
        code = "\n".join(
            [
                sandbox.python_lines,  # pasted as printed
                "import pandas as pd",
                "import hubassoc_pandas",
                "df = pd.DataFrame({'c': [1, 2], 'co': [5, 5]})",
                "out = df.hubassoc.associate('contacts', 'companies', from_col='c', "
                "to_col='co', progress=False)",
                "print(out['status'].tolist())",
            ]
        )
        from_environment = run_python(code, clean_environment(), tmp_path)
        code = "\n".join(
            [
                "import pandas as pd",
                "import hubassoc_pandas",
                "df = pd.DataFrame({'c': [3], 'co': [6]})",
                "out = df.hubassoc.associate('contacts', 'companies', from_col='c', "
                f"to_col='co', progress=False, {sandbox.arguments_line})",
                "print(out['status'].tolist())",
            ]
        )
        from_arguments = run_python(code, clean_environment(), tmp_path)
    assert "import os" in sandbox.python_lines
    assert from_environment.returncode == 0, from_environment.stderr
    assert from_environment.stdout.strip() == "['associated', 'associated']"
    assert from_arguments.returncode == 0, from_arguments.stderr
    assert from_arguments.stdout.strip() == "['associated']"
    assert stored(sandbox.final) == 3


def test_the_seeded_keys_are_found_by_a_keyed_associate(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "email": ["ann@example.com", "DEV@example.com", "zoe@corp.test", "nobody@x.test"],
            "website": ["https://www.acme.com", "initech.com", "corp.test", "globex.com"],
        }
    )
    rows.to_csv(tmp_path / "people.csv", index=False)
    argv = ["sandbox", "--demo-data", "--emails", "7=zoe@corp.test", "--domains", "9=corp.test"]
    with sandbox_command(*argv) as sandbox:
        env = clean_environment(**sandbox.exports)
        script = (
            "hubassoc associate people.csv --from contacts --to companies --from-col email "
            "--to-col website --from-id-property email --to-id-property domain --no-progress "
            "--out out.csv"
        )
        done = run_shell(script, env, tmp_path)
    assert done.returncode == 1, done.stderr  # nobody@x.test is no contact's
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert out["from_id"].tolist()[:3] == ["1", "4", "7"]
    assert out["to_id"].tolist()[:3] == ["1", "3", "9"]
    assert out["status"].tolist() == ["associated"] * 3 + ["failed"]
    assert out["error_category"].tolist()[3] == "KEY_NOT_FOUND"
    assert stored(sandbox.final) == 3
    seeded = next(line for line in sandbox.lines if line.startswith("Seeded"))
    assert "7=zoe@corp.test" in seeded and "9=corp.test" in seeded


def test_without_seeding_keys_find_nothing(tmp_path: Path) -> None:
    pd.DataFrame({"email": ["ann@example.com"], "co": [1]}).to_csv(
        tmp_path / "people.csv", index=False
    )
    with sandbox_command() as sandbox:
        script = (
            "hubassoc associate people.csv --from contacts --to companies --from-col email "
            "--to-col co --from-id-property email --no-progress --out out.csv"
        )
        done = run_shell(script, clean_environment(**sandbox.exports), tmp_path)
    assert done.returncode == 1
    assert pd.read_csv(tmp_path / "out.csv")["error_category"].tolist() == ["KEY_NOT_FOUND"]
    assert not any(line.startswith("Seeded") for line in sandbox.lines)


def test_the_demo_data_is_what_the_help_says() -> None:
    from hubassoc_pandas.sandbox.__main__ import build_parser

    shown = " ".join(build_parser().format_help().split())
    for value in [*DEMO_EMAILS.values(), *DEMO_DOMAINS.values()]:
        assert value in shown
    assert list(DEMO_DOMAINS.values()).count("hooli.com") == 2  # on_ambiguous decides


def test_it_prints_its_demo_token_and_never_the_users(tmp_path: Path) -> None:
    env = clean_environment(HUBSPOT_ACCESS_TOKEN=USER_TOKEN)
    with sandbox_command("-v", "sandbox", "--demo-data", env=env) as sandbox:
        pass
    printed = "\n".join(sandbox.lines) + sandbox.final + sandbox.errors
    assert USER_TOKEN not in printed
    assert DEMO_TOKEN in printed


@pytest.mark.parametrize("argv", [["-v", "sandbox"], ["sandbox", "--verbose"]])
def test_verbose_prints_each_request_it_answers(tmp_path: Path, argv: list[str]) -> None:
    with sandbox_command(*argv) as sandbox:
        script = "hubassoc labels --from contacts --to companies"
        done = run_shell(script, clean_environment(**sandbox.exports), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "GET /crm/associations/2026-03/contacts/companies/labels -> 200" in sandbox.errors
    assert DEMO_TOKEN not in sandbox.errors


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--emails", "7"], "expected ID=EMAIL, e.g. 7=ann@example.com, got '7'"),
        (["--domains", "x=acme.com"], "expected ID=DOMAIN"),
        (["--emails", "1=a@x.test", "2=a@x.test"], "hubassoc sandbox: error:"),
    ],
)
def test_bad_seeds_are_one_line_usage_errors(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sandbox", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
