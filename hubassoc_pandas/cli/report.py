"""What the commands print: the plan of a dry run, and the summary of a run."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hubassoc_pandas.cli.messages import for_command_line
from hubassoc_pandas.results.outcome import REQUEST_KINDS
from hubassoc_pandas.status import counted

__all__ = ["print_plan", "print_report", "requests_line"]

_SHOWN_COLUMNS = ["from_id", "to_id", "status", "error_category", "error_message"]
_EXAMPLES_PER_KIND = 5


def print_plan(plan: pd.DataFrame, *, source: Path) -> bool:
    """Print what a run would send; return whether no row is invalid.

    Parameters
    ----------
    plan : pandas.DataFrame
        The results frame of a dry run.
    source : Path
        The input file, named in the heading.

    Examples
    --------
    >>> print_plan(associate(frame, ..., dry_run=True), source=Path("in.csv"))  # doctest: +SKIP
    Plan for in.csv (dry run: nothing was sent)
      rows               3
      ...
    """
    record = plan.attrs.get("hubassoc", {})
    rows = len(plan)
    invalid_mask = (plan["status"] == "invalid").to_numpy(dtype=bool)
    invalid = int(invalid_mask.sum())
    valid = rows - invalid
    pairs = record.get("unique_pairs")
    if pairs is None:
        pairs = len(plan.loc[~invalid_mask, ["from_id", "to_id"]].drop_duplicates())
    resumed = int(record.get("resumed_pairs") or 0)
    batch_size = int(record.get("batch_size") or 100)
    batches = record.get("planned_batches")
    if batches is None:
        batches = math.ceil((pairs - resumed) / batch_size)
    lines = [
        ("rows", rows),
        ("valid", valid),
        ("invalid", invalid),
        ("unique pairs", pairs),
    ]
    if record.get("journal"):
        lines.append(("already done (journal)", resumed))
    print(f"Plan for {source} (dry run: nothing was sent)")
    for label, value in lines:
        print(f"  {label:<24}{value:>12,}")
    print(f"  {'batches':<24}{batches:>12,}  (up to {counted(batch_size, 'pair')} each)")
    if valid == 0:
        every = "The row is" if rows == 1 else f"All {rows:,} rows are"
        print(f"\n{every} invalid: nothing can be sent. Fix the IDs and try again.")
    if invalid:
        _print_examples(plan[invalid_mask], heading=f"First invalid rows (of {invalid:,})")
    return invalid == 0


def print_report(results: pd.DataFrame, *, footer: str, out: Path | None) -> None:
    """Print the summary by status and error, a few failures of each kind, and a footer.

    Examples
    --------
    >>> print_report(results, footer="12 requests in 3.1s", out=None)  # doctest: +SKIP
    """
    print("\nSummary")
    print(results.hubassoc.summary().to_string())
    failures = results.hubassoc.failures()
    if len(failures):
        _print_examples(
            failures,
            heading=f"First failures of each kind (of {counted(len(failures), 'row')} that "
            f"{'needs' if len(failures) == 1 else 'need'} attention)",
        )
    if out is not None:
        print(f"\n{footer}; results written to {out}")
    else:
        print(f"\n{footer}; results not saved (--out FILE keeps them for hubassoc retry)")


def requests_line(record: Mapping[str, Any], since: Mapping[str, Any] | None = None) -> str:
    """The requests a run sent, by kind, and how long it took (``since``: the record before
    a retry, whose requests are not counted again).

    Examples
    --------
    >>> kinds = {"lookups": 1, "reads": 1, "writes": 0}
    >>> requests_line({"requests": 2, "requests_by_kind": kinds, "seconds": 0.42})
    '2 requests (1 lookup, 1 read) in 0.4s'
    >>> requests_line({"requests": 1, "requests_by_kind": {"writes": 1}})
    '1 request (1 write)'
    """
    before = (since or {}).get("requests_by_kind") or {}
    by_kind = record.get("requests_by_kind") or {}
    sent = {
        kind: int(by_kind.get(kind) or 0) - int(before.get(kind) or 0) for kind in REQUEST_KINDS
    }
    total = sum(sent.values()) if by_kind else int(record.get("requests") or 0)
    kinds = ", ".join(counted(n, kind[:-1]) for kind, n in sent.items() if n)
    line = counted(total, "request") + (f" ({kinds})" if kinds else "")
    seconds = record.get("seconds")
    return line + (f" in {seconds:.1f}s" if seconds is not None and since is None else "")


def _print_examples(rows: pd.DataFrame, *, heading: str) -> None:
    """A few rows of each kind of problem, the commonest kind first, their messages in terms
    of commands (the results themselves keep the library's wording)."""
    distinct = rows.drop_duplicates("error_message")
    sample = distinct.groupby("error_category", sort=False, dropna=False).head(_EXAMPLES_PER_KIND)
    shown = sample[_SHOWN_COLUMNS].copy()
    shown["error_message"] = shown["error_message"].map(for_command_line, na_action="ignore")
    print(f"\n{heading}")
    with pd.option_context("display.max_colwidth", 70, "display.width", 160):
        print(shown.to_string())
