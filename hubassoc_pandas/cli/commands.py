"""The commands that send pairs: one per pair method of the ``df.hubassoc`` accessor, and retry.

Exit codes: 0 when no row needs attention (every row done, or a dry run with no invalid row),
1 when some do (including an interrupted run or a declined confirmation), 2 for bad usage
or a fatal error (raised to :func:`hubassoc_pandas.cli.main`).
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hubassoc_pandas.cli.confirm import confirm
from hubassoc_pandas.cli.messages import for_command_line
from hubassoc_pandas.cli.parameters import run_options
from hubassoc_pandas.cli.reading import read_input, read_results
from hubassoc_pandas.cli.report import print_plan, print_report, requests_line
from hubassoc_pandas.cli.writing import check_fits, check_out, write
from hubassoc_pandas.errors import ConfigError, FatalApiError
from hubassoc_pandas.inputs.object_types import normalize_object_type
from hubassoc_pandas.operations.registry import PAIR_VERBS
from hubassoc_pandas.status import counted

__all__ = [
    "PAIR_COMMANDS",
    "UNFINISHED",
    "PairCommand",
    "exit_code",
    "run_pair_command",
    "run_retry",
]

EXIT_OK, EXIT_SOME_NOT_DONE = 0, 1
#: Statuses of rows that still need attention; any of them makes the exit code 1.
UNFINISHED = ("failed", "invalid", "unconfirmed", "not_sent")


@dataclass(frozen=True)
class PairCommand:
    """A command sending the pairs of two ID columns of a file through one API function.

    Attributes
    ----------
    name : str
        The command (``hubassoc <name> FILE ...``).
    function : str
        The accessor method it calls (``df.hubassoc.<function>``), with the signature of
        :meth:`~hubassoc_pandas.accessor.HubAssocAccessor.associate`.
    summary : str
        One line for ``hubassoc --help``.
    deletes : bool
        It removes data: it asks for confirmation unless ``--yes``.
    """

    name: str
    function: str
    summary: str
    deletes: bool = False


#: The pair commands, one line each; ``build_parser`` gives every one the same options.
PAIR_COMMANDS: tuple[PairCommand, ...] = tuple(
    PairCommand(verb.verb, verb.verb, verb.summary, deletes=verb.deletes)
    for verb in PAIR_VERBS.values()
)


def exit_code(results: pd.DataFrame) -> int:
    """0 when no row of a results frame needs attention, else 1.

    Examples
    --------
    >>> exit_code(pd.DataFrame({"status": ["associated", "failed"]}))
    1
    """
    return EXIT_SOME_NOT_DONE if bool(results["status"].isin(UNFINISHED).any()) else EXIT_OK


def run_pair_command(command: PairCommand, args: argparse.Namespace) -> int:
    """Check, read, plan, confirm if it deletes, send, write and report.

    Examples
    --------
    >>> run_pair_command(PAIR_COMMANDS[0], build_parser().parse_args([...]))  # doctest: +SKIP
    """
    if args.out is not None:
        check_out(args.out, inputs=[args.file], journal=args.journal)
    frame = read_input(args.file, [args.from_col, args.to_col], sep=args.sep)
    if args.out is not None:
        check_fits(args.out, len(frame))
    if len(frame) == 0:
        print(f"{args.file} has column names but no rows: nothing to {command.name}.")
        return EXIT_OK
    options = {"from_col": args.from_col, "to_col": args.to_col, **run_options(args)}
    if getattr(args, "check_existing", False):
        options["check_existing"] = True
    function: Callable[..., pd.DataFrame] = getattr(frame.hubassoc, command.function)
    send = [args.from_type, args.to_type]
    if args.dry_run or (command.deletes and not args.yes):
        plan = function(*send, **options, dry_run=True, progress=False)
        if args.dry_run:
            if args.out is not None:
                write(plan, args.out)
            nothing_invalid = print_plan(plan, source=args.file)
            return EXIT_OK if nothing_invalid else EXIT_SOME_NOT_DONE
        if not _confirmed(command, plan, args):
            print(f"hubassoc {command.name}: nothing sent.", file=sys.stderr)
            return EXIT_SOME_NOT_DONE
    hint = _retry_hint(args.out, args.from_type, args.to_type)
    results = send_command(function, send, {**options, "progress": args.progress}, args.out, hint)
    if args.out is not None:
        write(results, args.out)
    footer = requests_line(results.attrs.get("hubassoc", {}))
    print_report(results, footer=footer, out=args.out)
    return exit_code(results)


def run_retry(args: argparse.Namespace) -> int:
    """Re-send the rows of a saved results file that may still succeed; update the file.

    Examples
    --------
    >>> run_retry(build_parser().parse_args(["retry", "results.csv", ...]))  # doctest: +SKIP
    """
    out = args.out if args.out is not None else args.results
    check_out(out, journal=args.journal)
    results = read_results(args.results, sep=args.sep)
    results.attrs = {"hubassoc": record_for_retry(results, args)}
    record = results.attrs["hubassoc"]
    if len(results) == 0:
        print(f"{args.results} has column names but no rows: nothing to re-send.")
        return EXIT_OK
    knobs = {
        "from_type": record["from_type"],
        "to_type": record["to_type"],
        **run_options(args),
        "progress": args.progress,
    }
    for name in ("from_col", "to_col", "operation"):  # key columns of a run by keys; its verb
        if getattr(args, name, None) is not None:
            knobs[name] = getattr(args, name)
    hint = _retry_hint(out, record["from_type"], record["to_type"])
    updated = send_command(results.hubassoc.retry, [], knobs, out, hint)
    write(updated, out)
    after = updated.attrs.get("hubassoc", {})
    sent = requests_line(after, since=record)
    footer = f"{counted(after.get('retried_rows', 0), 'row')} re-sent with {sent}"
    print_report(updated, footer=footer, out=out)
    return exit_code(updated)


def record_for_retry(results: pd.DataFrame, args: argparse.Namespace) -> dict[str, Any]:
    """The run record ``retry()`` reads: the file's own (Parquet keeps it) or one built from
    ``--from``/``--to``, which must agree with a kept one."""
    record = dict(results.attrs.get("hubassoc") or {})
    for option, key, given in (
        ("--from", "from_type", args.from_type),
        ("--to", "to_type", args.to_type),
    ):
        if given is None:
            if key not in record:
                raise ConfigError(
                    f"{args.results} does not say which object types it holds: give --from and "
                    "--to as in the run that wrote it."
                )
            continue
        chosen = normalize_object_type(given, role=key)
        kept = record.get(key)
        if kept is not None and normalize_object_type(kept, role=key) != chosen:
            raise ConfigError(
                f"{option} {given}: {args.results} was written by a run with {option} {kept}; "
                "re-sending its pairs as another type would link the wrong records."
            )
        record[key] = chosen
    return record


def _confirmed(command: PairCommand, plan: pd.DataFrame, args: argparse.Namespace) -> bool:
    record = plan.attrs.get("hubassoc", {})
    pairs = record.get("unique_pairs", int((plan["status"] != "invalid").sum()))
    only = ""
    if record.get("labelled"):
        only = f" (only the labels of column {record['label_col']!r})"
        if record.get("label_col") is None:
            only = f" (only the label {record.get('label')!r})"
    sent = counted(pairs, "pair")
    if record.get("from_id_property") or record.get("to_id_property"):
        rows = int((plan["status"] != "invalid").sum())  # a dry run looks no key up
        sent = f"the pairs of {counted(rows, 'row')} (once their keys are looked up)"
    question = (
        f"hubassoc {command.name} deletes: it will send {sent} "
        f"{record.get('from_type', args.from_type)} -> {record.get('to_type', args.to_type)} "
        f"to {record.get('base_url', 'HubSpot')}{only}. Go ahead?"
    )
    return confirm(question, command=command.name, yes=args.yes)


def send_command(
    function: Callable[..., pd.DataFrame],
    arguments: list[Any],
    options: dict[str, Any],
    out: Path | None,
    hint: str,
) -> pd.DataFrame:
    """Call the API; relay its warnings as command-line messages; keep partial results."""
    try:
        with _relayed_warnings(hint):
            return function(*arguments, **options)
    except FatalApiError as exc:
        if exc.results is not None and out is not None:
            write(exc.results, out)
            print(f"hubassoc: partial results written to {out}", file=sys.stderr)
        raise


def _retry_hint(out: Path | None, from_type: str, to_type: str) -> str:
    if out is None:
        return "hubassoc retry (on the results, which --out saves)"
    return f"hubassoc retry {shlex.quote(str(out))} --from {from_type} --to {to_type}"


@contextlib.contextmanager
def _relayed_warnings(retry_command: str) -> Iterator[None]:
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        shown: set[str] = set()
        for warning in caught:
            text = for_command_line(str(warning.message), retry_command=retry_command)
            if text not in shown:
                shown.add(text)
                print(f"hubassoc: {text}", file=sys.stderr)
