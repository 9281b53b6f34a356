"""The commands about what exists: ``hubassoc read``, ``hubassoc sync`` and ``hubassoc undo``.

Exit codes as for the other commands: 0 when nothing needs attention, 1 when something does
(a from-ID not read, a failed or unsent action, an invalid row, a declined confirmation), 2
for bad usage or a fatal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.cli.commands import (
    EXIT_OK,
    EXIT_SOME_NOT_DONE,
    record_for_retry,
    send_command,
)
from hubassoc_pandas.cli.confirm import confirm
from hubassoc_pandas.cli.key_options import add_key_options
from hubassoc_pandas.cli.parameters import (
    CONNECTION_HELP,
    add_input_file,
    add_sending_options,
    add_types,
    run_options,
)
from hubassoc_pandas.cli.reading import read_input, read_results
from hubassoc_pandas.cli.report import print_report, requests_line
from hubassoc_pandas.cli.writing import check_fits, check_out, shaped_like, write
from hubassoc_pandas.inputs.ids import read_ids
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.read import ReadAssociations
from hubassoc_pandas.status import counted

__all__ = ["add_existing_commands", "run_read", "run_sync", "run_undo"]

_EXAMPLES = 5
#: What a sync's plan already holds the outcome of: its keys were looked up when it was made.
_KEYS = ("from_id_property", "to_id_property", "on_ambiguous", "label")


def add_existing_commands(add_command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``read``, ``sync`` and ``undo`` to the ``hubassoc`` parser.

    Parameters
    ----------
    add_command : callable
        Makes a command's parser: ``add_command(name, help=..., description=...)``.
    """
    read = add_command(
        "read",
        help="list the associations that exist for a file's from-IDs",
        description=CONNECTION_HELP,
    )
    add_input_file(read, to_col=False)
    read.add_argument(
        "--out", type=Path, metavar="FILE", help="write the links found here (default: not saved)"
    )
    read.add_argument(
        "--status-out",
        type=Path,
        metavar="FILE",
        help="write the status of every from-ID here (default: not saved)",
    )
    add_key_options(read, to_side=False)
    add_sending_options(
        read,
        batch_size=f"from-IDs per request (default {_READ_CAP}, the most HubSpot reads in one "
        "request)",
    )
    read.set_defaults(run=run_read)

    sync_ = add_command(
        "sync",
        help="make HubSpot's associations of a file's from-IDs equal its pairs",
        description=CONNECTION_HELP + " Shows the plan, then asks before writing anything (unless "
        "--yes; with no terminal to ask, it writes only with --yes): creates the missing "
        "pairs, and with --remove-extra removes the associations of those from-IDs the file "
        "does not list. It keeps no journal: run again, it reads HubSpot afresh and carries "
        "on where it stopped.",
    )
    add_input_file(sync_, to_col=True)
    sync_.add_argument(
        "--remove-extra", action="store_true", help="remove associations the file does not list"
    )
    sync_.add_argument(
        "--label",
        metavar="LABEL",
        help="compare, write and remove only this label (a name, type ID or CATEGORY:ID; "
        "default: none, any association counts)",
    )
    sync_.add_argument(
        "--dry-run",
        action="store_true",
        help="read and print the plan only (default: print it, then ask before writing)",
    )
    sync_.add_argument("-y", "--yes", action="store_true", help="do not ask before writing")
    sync_.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the plan, or the outcome, here (default: not saved)",
    )
    add_key_options(sync_)
    add_sending_options(
        sync_,
        batch_size=f"inputs per request in every step, reads at most {_READ_CAP} (default: "
        f"each endpoint's cap, {_READ_CAP} per read, {_WRITE_CAP} per write)",
        journal=False,
    )
    sync_.set_defaults(run=run_sync)

    undo_ = add_command(
        "undo",
        help="remove exactly what an associate run created (from its results file)",
        description="Remove the pairs a 'hubassoc associate --check-existing' run created, "
        "leaving those that existed before, from the results file it wrote with --out. "
        + CONNECTION_HELP,
    )
    undo_.add_argument("results", type=Path, metavar="RESULTS", help="results file of the run")
    add_types(undo_, required=False, help_suffix=" (default: the run's, kept by Parquet)")
    undo_.add_argument(
        "--force",
        action="store_true",
        help="also remove pairs whose earlier state is unknown (a run without --check-existing)",
    )
    undo_.add_argument("--dry-run", action="store_true", help="print what would be removed")
    undo_.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    undo_.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the removal results here (default: not saved)",
    )
    add_sending_options(
        undo_,
        batch_size=f"pairs per request (default {_WRITE_CAP})",
        inherited=True,
        base_url="the run's, else HUBSPOT_BASE_URL",
    )
    undo_.set_defaults(run=run_undo)


_READ_CAP = ReadAssociations.max_batch_size
_WRITE_CAP = AssociateDefault.max_batch_size


def run_read(args: argparse.Namespace) -> int:
    """``hubassoc read``: read, print the status of the from-IDs, write the links."""
    for out in (args.out, args.status_out):
        if out is not None:
            check_out(out, inputs=[args.file], journal=args.journal)
    frame = read_input(args.file, [args.from_col], sep=args.sep)
    options = {"from_col": args.from_col, **run_options(args), "progress": args.progress}
    links = send_command(frame.hubassoc.read, [args.from_type, args.to_type], options, None, "")
    status = links.hubassoc.read_status()
    if args.out is not None:
        write(links, args.out)
    if args.status_out is not None:
        write(status, args.status_out)
    by_status = status.groupby("status", observed=False)["rows"].agg(["size", "sum"])
    print(f"Read {counted(len(links), 'link')} for {counted(len(frame), 'row')} of {args.file}")
    print(by_status.rename(columns={"size": "from-IDs", "sum": "rows"}).to_string())
    attention = status[status["status"].isin(["failed", "invalid", "not_sent"])]
    if len(attention):
        print(f"\nFirst from-IDs that need attention (of {len(attention):,})")
        keys = [c for c in status.columns[:1] if c != "from_id"]  # a read by keys: its key
        shown = attention[[*keys, "from_id", "status", "error_category", "error_message"]]
        shown = shown.head(_EXAMPLES * 2)
        shown.index = pd.Index(_input_rows(frame, args.from_col, shown), name="row")
        print(shown.to_string())
    print(f"\n{requests_line(links.attrs.get('hubassoc', {}))}")
    return EXIT_SOME_NOT_DONE if len(attention) else EXIT_OK


def run_sync(args: argparse.Namespace) -> int:
    """``hubassoc sync``: plan, print, ask before removing, carry the plan out."""
    if args.out is not None:
        check_out(args.out, inputs=[args.file])
    frame = read_input(args.file, [args.from_col, args.to_col], sep=args.sep)
    if args.out is not None:
        check_fits(args.out, len(frame))
    if len(frame) == 0:  # an empty frame lists no from-ID: there is nothing to compare
        print(f"{args.file} has column names but no rows: nothing to sync.")
        return EXIT_OK
    options = {
        "from_col": args.from_col,
        "to_col": args.to_col,
        "remove_extra": args.remove_extra,
        "label": args.label,
        **run_options(args),
    }
    arguments = [args.from_type, args.to_type]
    plan = send_command(
        frame.hubassoc.sync, arguments, {**options, "progress": args.progress}, None, ""
    )
    _print_plan(plan, args.file)
    removals = int((plan["action"] == "remove").sum())
    if args.dry_run:
        if args.out is not None:
            write(plan, args.out)
        print(f"\n{requests_line(plan.attrs.get('hubassoc', {}))}")
        return EXIT_OK if not (plan["action"] == "invalid").any() else EXIT_SOME_NOT_DONE
    creations = int((plan["action"] == "create").sum())
    if removals or creations:  # a sync writes only when told to, as dry_run=True in Python
        record = plan.attrs["hubassoc"]
        counts = " and ".join(
            f"{verb} {count:,}"
            for verb, count in (("create", creations), ("remove", removals))
            if count
        )
        noun = "association" if creations + removals == 1 else "associations"
        question = (
            f"hubassoc sync {'deletes' if removals else 'writes'}: it will {counts} "
            f"{noun} {record['from_type']} -> {record['to_type']} at "
            f"{record['base_url']}. Go ahead?"
        )
        if not confirm(question, command="sync", yes=args.yes):
            print("hubassoc sync: nothing written.", file=sys.stderr)
            return EXIT_SOME_NOT_DONE
    knobs = {
        k: v
        for k, v in run_options(args).items()
        if k not in ("api_version", "label", "label_col", *_KEYS)
    }
    done = send_command(
        plan.hubassoc.apply_plan, [], {**knobs, "progress": args.progress}, None, ""
    )
    if args.out is not None:
        write(done, args.out)
    counts = done["status"].value_counts(sort=False)
    print("\nOutcome")
    print(counts[counts > 0].to_string())
    print(f"\n{requests_line(done.attrs.get('hubassoc', {}))}")
    return EXIT_SOME_NOT_DONE if _needs_attention(done["status"]) else EXIT_OK


def run_undo(args: argparse.Namespace) -> int:
    """``hubassoc undo RESULTS``: remove what the run created, asking first."""
    if args.out is not None:
        check_out(args.out, inputs=[args.results], journal=args.journal)
    results = read_results(args.results, sep=args.sep)
    results.attrs = {"hubassoc": record_for_retry(results, args)}
    marker = undone_marker(args.results)
    if marker.exists():  # the results file was undone already (its attrs may not say so)
        results.attrs["hubassoc"]["undone"] = json.loads(marker.read_text())["undone"]
    options: dict[str, Any] = {"force": args.force, **run_options(args)}
    if options.get("base_url") is None:
        options.pop("base_url", None)  # the run's own, from the file, else the environment
    plan = send_command(
        results.hubassoc.undo, [], {**options, "dry_run": True, "progress": False}, None, ""
    )
    kept = plan.attrs["hubassoc"]["undo"]
    print(
        f"Undo {args.results}: {counted(len(plan), 'row')} to remove; "
        f"{kept['kept_preexisting']:,} existed before the run and stay; "
        f"{kept['unknown_left']:,} of unknown earlier state stay; "
        f"{kept['not_created']:,} were not created by the run."
    )
    if args.dry_run or len(plan) == 0:
        if args.out is not None:
            write(shaped_like(plan, results), args.out)
        return EXIT_OK
    removes = counted(len(plan), "association")
    question = f"hubassoc undo deletes: it will remove {removes}. Go ahead?"
    if not confirm(question, command="undo", yes=args.yes):
        print("hubassoc undo: nothing removed.", file=sys.stderr)
        return EXIT_SOME_NOT_DONE
    try:
        removed = send_command(
            results.hubassoc.undo, [], {**options, "progress": args.progress}, None, ""
        )
    finally:
        undone = results.attrs["hubassoc"].get("undone")
        if undone:
            marker.write_text(json.dumps({"undone": undone, "results": str(args.results)}))
    if args.out is not None:
        write(shaped_like(removed, results), args.out)
    footer = requests_line(removed.attrs.get("hubassoc", {}))
    print_report(removed, footer=footer, out=args.out)
    return EXIT_SOME_NOT_DONE if _needs_attention(removed["status"]) else EXIT_OK


def _input_rows(frame: pd.DataFrame, column: str, shown: pd.DataFrame) -> list[Any]:
    """The input row (its index label, as a results frame numbers it) of each status row
    shown: the first row holding its key (a read by keys), its ID, or its unreadable value."""
    by_key = shown.columns[0] != "from_id"
    ids, problems = read_ids(frame[column])
    texts = frame[column].astype("string")
    rows: list[Any] = []
    for _, row in shown.iterrows():
        if by_key:
            match = (texts == row.iloc[0]).fillna(False).to_numpy(dtype=bool)
        elif pd.notna(row["from_id"]):
            match = ids == int(row["from_id"])
        else:
            match = problems == row["error_message"]
        found = np.flatnonzero(match)
        rows.append(frame.index[found[0]] if len(found) else pd.NA)
    return rows


def undone_marker(results: Path) -> Path:
    """The file beside a results file that records its undo (``RESULTS.undone.json``): a CSV
    file keeps no attrs, and an undo takes a run back once."""
    return results.with_name(results.name + ".undone.json")


def _print_plan(plan: pd.DataFrame, source: Path) -> None:
    actions = plan["action"].value_counts(sort=False)
    print(f"Plan for {source}")
    for action, count in actions.items():
        print(f"  {action:<10}{count:>12,}")
    removals = plan[plan["action"] == "remove"]
    if len(removals):
        print(f"\nFirst associations to remove (of {len(removals):,})")
        print(removals[["from_id", "to_id"]].head(_EXAMPLES * 2).to_string())
    unread = plan[plan["note"].str.contains("could not be read", na=False)]
    if len(unread):
        print(f"\n{counted(unread['from_id'].nunique(), 'from-ID')} could not be read: "
              "nothing is removed for them")  # fmt: skip


def _needs_attention(status: pd.Series) -> bool:
    return bool(status.isin(["failed", "invalid", "unconfirmed", "not_sent"]).any())
