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
from collections.abc import Sequence
from pathlib import Path

from hubassoc_pandas._version import __version__
from hubassoc_pandas.cli import commands as _commands
from hubassoc_pandas.cli.commands import PairCommand, run_pair_command, run_retry
from hubassoc_pandas.cli.demo import demo_frame, run_demo
from hubassoc_pandas.cli.existing import add_existing_commands
from hubassoc_pandas.cli.key_options import add_key_options
from hubassoc_pandas.cli.labels_command import add_labels_command
from hubassoc_pandas.cli.messages import for_command_line
from hubassoc_pandas.cli.reading import parse_separator
from hubassoc_pandas.cli.writing import FORMATS
from hubassoc_pandas.errors import ConfigError, HubAssocError

__all__ = ["build_parser", "demo_frame", "main"]

EXIT_USAGE = 2
_OUT_FORMATS = ", ".join(FORMATS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    hubassoc 0.1.0
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["sandbox"]:
        return run_sandbox(args_list[1:])
    try:
        args = build_parser().parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_USAGE
    if args.command == "sandbox":  # reached only with options before it, e.g. -v sandbox
        return run_sandbox(args.sandbox_args)
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
    """The parser of ``hubassoc``: one subcommand per pair command, then retry, demo, sandbox.

    Examples
    --------
    >>> build_parser().parse_args(["demo"]).rows
    5000
    """
    parser = argparse.ArgumentParser(
        prog="hubassoc",
        description="Associate HubSpot CRM records in bulk from a CSV, Parquet, JSON or "
        "Excel file.",
    )
    parser.add_argument("--version", action="version", version=f"hubassoc {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _commands.PAIR_COMMANDS:
        _add_pair_command(commands, command)
    _add_retry(commands)
    add_existing_commands(commands, _add_sending_options)
    add_labels_command(commands)
    demo = commands.add_parser("demo", help="run against a local sandbox HubSpot; no token needed")
    demo.add_argument(
        "--rows", type=int, metavar="N", default=5000, help="rows in the demo frame (default 5000)"
    )
    demo.add_argument("--latency", type=float, default=0.05, help="sandbox seconds per request")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    demo.add_argument(
        "--out", type=Path, metavar="FILE", help=f"also write the results here ({_OUT_FORMATS})"
    )
    demo.set_defaults(run=run_demo)
    sandbox = commands.add_parser(
        "sandbox",
        help="run a local sandbox HubSpot on 127.0.0.1 (see hubassoc sandbox --help)",
        add_help=False,
    )
    sandbox.add_argument("sandbox_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _add_pair_command(commands: argparse._SubParsersAction, command: PairCommand) -> None:
    run = commands.add_parser(
        command.name,
        help=command.summary,
        description="Token from HUBSPOT_ACCESS_TOKEN; base URL from HUBSPOT_BASE_URL or "
        "--base-url (default https://api.hubapi.com).",
    )
    run.add_argument(
        "file", type=Path, metavar="FILE", help="input .csv/.tsv/.txt, .parquet, .json or .xlsx"
    )
    run.add_argument(
        "--from", dest="from_type", required=True, metavar="TYPE", help="e.g. contacts"
    )
    run.add_argument("--to", dest="to_type", required=True, metavar="TYPE", help="e.g. companies")
    run.add_argument(
        "--from-col", required=True, metavar="COLUMN", help="column of from-record IDs (or keys)"
    )
    run.add_argument(
        "--to-col", required=True, metavar="COLUMN", help="column of to-record IDs (or keys)"
    )
    run.add_argument(
        "--out", type=Path, metavar="FILE", help=f"write the results here ({_OUT_FORMATS})"
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
        "type ID or CATEGORY:ID (see hubassoc labels)",
    )  # fmt: skip
    labels.add_argument("--label-col", metavar="COLUMN", help="column of each row's label")
    add_key_options(run)
    _add_sending_options(run)
    run.set_defaults(run=lambda args: run_pair_command(command, args))


def _add_retry(commands: argparse._SubParsersAction) -> None:
    retry = commands.add_parser(
        "retry",
        help="re-send the rows of a results file that may still succeed",
        description="Re-send the rows failed-and-retryable, unconfirmed or not_sent of a "
        "results file written with --out, and write the file updated. A results file does "
        "not keep the object types (Parquet does): give --from and --to of the original run.",
    )
    retry.add_argument(
        "results", type=Path, metavar="RESULTS", help="results file written with --out"
    )
    retry.add_argument(
        "--from", dest="from_type", metavar="TYPE", help="object type the from IDs are"
    )
    retry.add_argument("--to", dest="to_type", metavar="TYPE", help="object type the to IDs are")
    retry.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the updated results here (default: update RESULTS)",
    )
    add_key_options(retry, columns=True)
    _add_sending_options(retry)
    retry.set_defaults(run=run_retry)


def _add_sending_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sep",
        type=_separator,
        metavar="CHAR",
        help="delimiter of a CSV file (default: sniffed among , ; tab |)",
    )
    parser.add_argument(
        "--batch-size", type=int, metavar="N", help="pairs per request (default 2000, the cap)"
    )
    parser.add_argument(
        "--journal", type=Path, metavar="FILE", help="SQLite journal: resume a stopped run"
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="API base URL (https, or http on loopback only)"
    )
    parser.add_argument(
        "--api-version", metavar="VERSION", help="date version or v4 (default 2026-03)"
    )
    parser.add_argument(
        "--max-workers", type=int, metavar="N", help="requests in flight (default 16)"
    )
    parser.add_argument(
        "--rate-limit",
        metavar="N/SECONDS",
        help="at most this many requests/seconds, e.g. 150/10 (default: follow HubSpot's "
        "rate-limit headers, starting at 100/10)",
    )
    parser.add_argument(
        "--max-attempts", type=int, metavar="N", help="attempts per batch (default 5)"
    )
    parser.add_argument(
        "--timeout",
        type=_timeout,
        metavar="SECONDS",
        help="seconds, or CONNECT,READ seconds (default 10,60)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


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
