"""The ``hubassoc`` command: ``associate``, ``disassociate``, ``retry``, ``labels``, ``read``,
``sync``, ``undo``, ``demo`` and ``sandbox``.

Exit codes: 0 when every row is done, 1 when some are not (including an interrupted run),
2 for bad usage or a fatal error. The token is read from ``HUBSPOT_ACCESS_TOKEN`` only,
never from the command line, where it would land in shell history and process lists.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hubassoc_pandas._version import __version__
from hubassoc_pandas.cli import commands as _commands
from hubassoc_pandas.cli.commands import PairCommand, run_pair_command, run_retry
from hubassoc_pandas.cli.demo import demo_frame, run_demo
from hubassoc_pandas.cli.existing import add_existing_commands
from hubassoc_pandas.cli.key_options import add_key_options
from hubassoc_pandas.cli.labels_command import add_labels_command
from hubassoc_pandas.cli.messages import for_command_line
from hubassoc_pandas.cli.parameters import (
    CONNECTION_HELP,
    add_input_file,
    add_sending_options,
    add_types,
)
from hubassoc_pandas.cli.writing import FORMATS
from hubassoc_pandas.errors import HubAssocError
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.registry import PAIR_VERBS

__all__ = ["build_parser", "demo_frame", "main"]

EXIT_USAGE = 2
#: What ``retry --operation`` takes: the pair verbs.
OPERATIONS = tuple(PAIR_VERBS)
_OUT_FORMATS = ", ".join(FORMATS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    hubassoc 0.1.0
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    flags = 0
    while args_list[flags : flags + 1] in (["-v"], ["--verbose"]):
        flags += 1
    if args_list[flags : flags + 1] == ["sandbox"]:  # its own parser takes the rest
        return run_sandbox(["--verbose"] * bool(flags) + args_list[flags + 1 :])
    try:
        args = build_parser().parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_USAGE
    logging.basicConfig(
        level=logging.WARNING if not args.verbose else logging.DEBUG,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args))
    except HubAssocError as exc:
        print(f"hubassoc: {for_command_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hubassoc: interrupted", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``hubassoc``: one subcommand per pair command, then retry, read, sync,
    undo, labels, demo and sandbox.

    Every option is named after the Python parameter it feeds (see
    :mod:`hubassoc_pandas.cli.parameters`); ``-v`` goes before or after the command.

    Examples
    --------
    >>> build_parser().parse_args(["demo"]).rows
    5000
    >>> build_parser().parse_args(["demo", "-v"]).verbose
    True
    """
    parser = argparse.ArgumentParser(
        prog="hubassoc",
        description="Associate HubSpot CRM records in bulk from a CSV, Parquet, JSON or "
        "Excel file. Token from HUBSPOT_ACCESS_TOKEN; base URL from HUBSPOT_BASE_URL "
        "(hubassoc sandbox prints both for a local sandbox HubSpot).",
    )
    parser.add_argument("--version", action="version", version=f"hubassoc {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = _command_adder(commands)
    for pair_command in _commands.PAIR_COMMANDS:
        _add_pair_command(command, pair_command)
    _add_retry(command)
    add_existing_commands(command)
    add_labels_command(command)
    demo = command("demo", help="run against a local sandbox HubSpot; no token needed")
    demo.add_argument(
        "--rows", type=int, metavar="N", default=5000, help="rows in the demo frame (default 5000)"
    )
    demo.add_argument(
        "--latency",
        type=float,
        metavar="SECONDS",
        default=0.05,
        help="sandbox seconds per request (default %(default)s)",
    )
    demo.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="hide the progress bar (default: shown, on stderr)",
    )
    demo.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help=f"also write the results here: {_OUT_FORMATS} (default: not saved)",
    )
    demo.set_defaults(run=run_demo)
    sandbox = commands.add_parser(
        "sandbox",
        help="run a local sandbox HubSpot on 127.0.0.1 and print how to point hubassoc and "
        "notebooks at it (see hubassoc sandbox --help)",
        add_help=False,
    )
    sandbox.add_argument("sandbox_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    sandbox.set_defaults(run=lambda args: run_sandbox(args.sandbox_args))  # main() runs it first
    return parser


_VERBOSE = "log each request (before or after the command)"


def _command_adder(commands: argparse._SubParsersAction) -> Callable[..., argparse.ArgumentParser]:
    """``commands.add_parser`` giving every command ``-v``/``--verbose`` too.

    The command's ``-v`` leaves the namespace alone when absent (``SUPPRESS``), so that
    ``hubassoc -v COMMAND`` stays verbose.
    """
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=_VERBOSE
    )

    def add(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, parents=[verbosity], **kwargs)
        return parser

    return add


def _add_pair_command(
    add_command: Callable[..., argparse.ArgumentParser], command: PairCommand
) -> None:
    run = add_command(command.name, help=command.summary, description=CONNECTION_HELP)
    add_input_file(run)
    run.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help=f"write the results here: {_OUT_FORMATS} (default: not saved)",
    )
    run.add_argument(
        "--dry-run", action="store_true", help="check and print the plan; send nothing"
    )
    if command.deletes:
        run.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    if command.function == "associate":
        run.add_argument(
            "--check-existing",
            action="store_true",
            help="read what exists first and send only the missing pairs (makes undo possible)",
        )
    labels = run.add_mutually_exclusive_group()
    labels.add_argument(
        "--label", metavar="LABEL", help="one association label for every row: its name, "
        "type ID or CATEGORY:ID (see hubassoc labels; default: none, the unlabelled "
        "default association)",
    )  # fmt: skip
    labels.add_argument(
        "--label-col",
        metavar="COLUMN",
        help="column of each row's label (default: none; an empty cell is the unlabelled default)",
    )
    add_key_options(run)
    add_sending_options(run, batch_size=f"pairs per request (default {_WRITE_CAP}, HubSpot's cap)")
    run.set_defaults(run=lambda args: run_pair_command(command, args))


def _add_retry(add_command: Callable[..., argparse.ArgumentParser]) -> None:
    retry = add_command(
        "retry",
        help="re-send the rows of a results file that may still succeed",
        description="Re-send the rows failed-and-retryable, unconfirmed or not_sent of a "
        "results file written with --out, and write the file updated. A results file does "
        "not keep the object types (Parquet does): give --from and --to of the original run. "
        "Every option left out keeps what the run recorded. " + CONNECTION_HELP,
    )
    retry.add_argument(
        "results", type=Path, metavar="RESULTS", help="results file written with --out"
    )
    add_types(retry, required=False, help_suffix=" (default: the run's, kept by Parquet)")
    retry.add_argument(
        "--operation",
        choices=OPERATIONS,
        help="what the run did (default: the run's, else told by the statuses)",
    )
    retry.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the updated results here (default: update RESULTS)",
    )
    add_key_options(retry, columns=True, run_default=True)
    add_sending_options(
        retry,
        batch_size="pairs per request (default: the run's)",
        inherited=True,
        base_url="the run's (a Parquet file keeps it), else HUBSPOT_BASE_URL",
        run_knobs=True,
    )
    retry.set_defaults(run=run_retry)


_WRITE_CAP = AssociateDefault.max_batch_size


def run_sandbox(argv: Sequence[str]) -> int:
    """``hubassoc sandbox``: run a sandbox; a port it cannot listen on is a one-line error.

    Examples
    --------
    >>> run_sandbox(["--port", "70000"])  # doctest: +SKIP
    hubassoc sandbox: error: --port 70000: give a port from 1 to 65535, or 0 for any free port
    2
    """
    from hubassoc_pandas.sandbox.__main__ import build_parser as sandbox_parser
    from hubassoc_pandas.sandbox.__main__ import listen_error
    from hubassoc_pandas.sandbox.__main__ import main as sandbox_main

    try:
        options = sandbox_parser().parse_args(list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_USAGE
    port, host = options.port, options.host
    if not 0 <= port <= 65_535:
        return _sandbox_error(f"--port {port}: give a port from 1 to 65535, or 0 for any free port")
    try:
        return int(sandbox_main(list(argv)))
    except OSError as exc:
        return _sandbox_error(listen_error(host, port, exc))


def _sandbox_error(message: str) -> int:
    print(f"hubassoc sandbox: error: {message}", file=sys.stderr)
    return EXIT_USAGE
