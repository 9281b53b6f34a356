"""The options the sending commands share, each named after the Python parameter it feeds.

An option's destination is the parameter's name (``--from-id-property`` feeds
``from_id_property``, ``--no-progress`` feeds ``progress``), its default is the parameter's
default, and its help says what that default means, so that ``hubassoc COMMAND --help``
describes what the command sends. The few options that feed no parameter are
:data:`CLI_ONLY`; the few parameters no option feeds are :data:`NOT_ON_THE_COMMAND_LINE`;
where a command's default differs from the Python one, :data:`CLI_DEFAULTS` says why.

Examples
--------
>>> parser = argparse.ArgumentParser()
>>> add_sending_options(parser, batch_size="pairs per request (default 2000)")
>>> args = parser.parse_args(["--max-workers", "4", "--no-progress"])
>>> args.max_workers, args.max_attempts, args.progress
(4, 5, False)
>>> run_options(args)["max_workers"]
4
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hubassoc_pandas.cli.reading import parse_separator
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.options import DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_WORKERS
from hubassoc_pandas.transport.client import DEFAULT_API_VERSION, DEFAULT_BASE_URL, Timeout

__all__ = [
    "CLI_DEFAULTS",
    "CLI_ONLY",
    "CONNECTION_HELP",
    "NOT_ON_THE_COMMAND_LINE",
    "RUN_DEFAULT",
    "add_input_file",
    "add_sending_options",
    "add_types",
    "run_options",
]

#: Where a command's token and base URL come from (the description of every command that
#: sends).
CONNECTION_HELP = (
    "Token from HUBSPOT_ACCESS_TOKEN; base URL from HUBSPOT_BASE_URL or --base-url "
    f"(default {DEFAULT_BASE_URL}). For a local sandbox HubSpot, run hubassoc sandbox: it "
    "prints both."
)

#: Options (by destination) that feed no parameter of the library: what the command itself
#: does with files, questions and logging.
CLI_ONLY: dict[str, str] = {
    "file": "the input table",
    "results": "the results file of an earlier run",
    "out": "where the command writes what it returns",
    "status_out": "where read writes the status of every from-ID",
    "sep": "the delimiter of a CSV file",
    "yes": "answer yes to the question asked before a write or removal",
    "verbose": "log each request",
}

#: Parameters of the library that no option feeds, and why.
NOT_ON_THE_COMMAND_LINE: dict[str, str] = {
    "token": "read from HUBSPOT_ACCESS_TOKEN only: on a command line it would land in shell "
    "history and process lists",
    "client": "a Python object (a ready HubSpotClient)",
    "backoff": "a Python object (a Backoff)",
}

#: (command, parameter) -> why the command's default is not the library's.
CLI_DEFAULTS: dict[tuple[str, str], str] = {
    ("sync", "dry_run"): "sync() plans only unless dry_run=False; the command shows the plan "
    "and asks before writing (--yes: without asking), so --dry-run only stops after the plan",
}

#: The help of an option whose default is what the run being retried or undone recorded.
RUN_DEFAULT = "the run's"

_EVERY_RUN_OPTION = (
    "base_url",
    "batch_size",
    "journal",
    "api_version",
    "max_workers",
    "rate_limit",
    "max_attempts",
    "timeout",
    "label",
    "label_col",
    "from_id_property",
    "to_id_property",
    "on_ambiguous",
)


def add_input_file(parser: argparse.ArgumentParser, *, to_col: bool = True) -> None:
    """The input ``FILE``, its object types and its ``--from-col`` (and ``--to-col``)."""
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="input .csv/.tsv/.txt, .parquet, .json or .xlsx"
    )
    add_types(parser)
    parser.add_argument(
        "--from-col", required=True, metavar="COLUMN", help="column of from-record IDs (or keys)"
    )
    if to_col:
        parser.add_argument(
            "--to-col", required=True, metavar="COLUMN", help="column of to-record IDs (or keys)"
        )


def add_types(
    parser: argparse.ArgumentParser, *, required: bool = True, help_suffix: str = ""
) -> None:
    """``--from``/``--to`` (also spelt ``--from-type``/``--to-type``): the object types.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    required : bool
        False for the commands that read the types from a results file (retry, undo).
    help_suffix : str
        Said after each option's help, e.g. where the default comes from.
    """
    for side, example, type_id in (("from", "contacts", "0-1"), ("to", "companies", "0-2")):
        parser.add_argument(
            f"--{side}",
            f"--{side}-type",
            dest=f"{side}_type",
            required=required,
            metavar="TYPE",
            help=f"{side}-object type: a name (e.g. {example}), a type ID (e.g. {type_id}) or "
            f"a custom object{help_suffix}",
        )


def add_sending_options(
    parser: argparse.ArgumentParser,
    *,
    batch_size: str,
    inherited: bool = False,
    base_url: str = "HUBSPOT_BASE_URL",
    run_knobs: bool = False,
    journal: bool = True,
) -> None:
    """The options of every command that sends requests: connection, pacing, progress.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    batch_size : str
        The help of ``--batch-size``: what one request carries and the default (each
        endpoint's cap, which differs between commands).
    inherited : bool
        The command carries on a run from its results file (retry, undo): the API version
        defaults to the run's.
    base_url : str
        Where the base URL comes from when ``--base-url`` is not given, before
        ``https://api.hubapi.com``.
    run_knobs : bool
        The pacing and retry knobs default to the run's too (retry).
    journal : bool
        Whether the command keeps a journal (sync does not: it reads HubSpot afresh).
    """
    parser.add_argument(
        "--sep",
        type=_separator,
        metavar="CHAR",
        help="delimiter of a CSV file (default: sniffed among , ; tab |)",
    )
    parser.add_argument("--batch-size", type=int, metavar="N", help=batch_size)
    if journal:
        parser.add_argument(
            "--journal",
            type=Path,
            metavar="FILE",
            help="SQLite journal: a second run with it resumes a stopped one (default: none)",
        )
    else:  # not shown: given anyway, it says why instead of "unrecognized arguments"
        parser.add_argument(
            "--journal",
            action=_NoJournal,
            help=argparse.SUPPRESS,
            dest="refused_journal",
        )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help=f"API base URL, https or http on loopback only (default: {base_url}, else "
        f"{DEFAULT_BASE_URL})",
    )
    default, shown = _carried(inherited, DEFAULT_API_VERSION)
    parser.add_argument(
        "--api-version",
        metavar="VERSION",
        default=default,
        help=f"a date version or v4 (default: {shown})",
    )
    default, shown = _carried(run_knobs, DEFAULT_MAX_WORKERS)
    parser.add_argument(
        "--max-workers",
        type=int,
        metavar="N",
        default=default,
        help=f"requests in flight (default: {shown})",
    )
    parser.add_argument(
        "--rate-limit",
        metavar="N/SECONDS",
        help="at most this many requests per so many seconds, e.g. 150/10 (default: "
        + (f"{RUN_DEFAULT}, else " if run_knobs else "")
        + "follow HubSpot's rate-limit headers, starting at 100/10)",
    )
    default, shown = _carried(run_knobs, DEFAULT_MAX_ATTEMPTS)
    parser.add_argument(
        "--max-attempts",
        type=int,
        metavar="N",
        default=default,
        help=f"attempts per batch on 5xx and network failures (default: {shown})",
    )
    add_timeout(parser)
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="hide the progress bar (default: shown, on stderr)",
    )


def add_timeout(parser: argparse.ArgumentParser) -> None:
    """``--timeout SECONDS`` or ``CONNECT,READ``."""
    parser.add_argument(
        "--timeout",
        type=_timeout,
        metavar="SECONDS",
        help=f"seconds, or CONNECT,READ seconds (default {Timeout.connect:g},{Timeout.read:g})",
    )


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The library's arguments the command line gave (those left None keep the library's
    defaults; the rest are the parameters' own names).

    Examples
    --------
    >>> run_options(argparse.Namespace(max_workers=4, timeout=None))
    {'max_workers': 4}
    """
    given = {name: getattr(args, name, None) for name in _EVERY_RUN_OPTION}
    return {name: value for name, value in given.items() if value is not None}


def _carried(from_run: bool, default: Any) -> tuple[Any, str]:
    """An option's default and how its help names it: none, "the run's", when the command
    carries on a run from its results file; else ``default``, shown by argparse."""
    return (None, RUN_DEFAULT) if from_run else (default, "%(default)s")


def _separator(text: str) -> str:
    try:
        return parse_separator(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _timeout(text: str) -> float | tuple[float, float]:
    try:
        parts = [float(part) for part in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise argparse.ArgumentTypeError(f"{text!r}: give seconds, or CONNECT,READ such as 5,60")


class _NoJournal(argparse.Action):
    """``--journal`` on a command that keeps none: a usage error that says why."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"{parser.prog} keeps no journal: it reads HubSpot afresh each time, so running it "
            "again carries on where a stopped one left off. Leave out --journal."
        )
