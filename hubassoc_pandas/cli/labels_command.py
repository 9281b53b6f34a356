"""``hubassoc labels --from TYPE --to TYPE``: the association labels of one direction."""

from __future__ import annotations

import argparse
from typing import Any

from hubassoc_pandas.jobs.labels.definitions import labels

__all__ = ["add_labels_command", "run_labels"]


def add_labels_command(commands: Any) -> None:
    """Add the ``labels`` subcommand to ``hubassoc``'s subparsers."""
    command = commands.add_parser(
        "labels",
        help="list the association labels of a pair of object types",
        description="List the association types of FROM -> TO as HubSpot defines them in "
        "this portal: category, type ID and label (the unlabelled default has none). Token "
        "from HUBSPOT_ACCESS_TOKEN; base URL from HUBSPOT_BASE_URL or --base-url.",
    )
    command.add_argument(
        "--from", dest="from_type", required=True, metavar="TYPE", help="e.g. contacts"
    )
    command.add_argument(
        "--to", dest="to_type", required=True, metavar="TYPE", help="e.g. companies"
    )
    command.add_argument(
        "--base-url", metavar="URL", help="API base URL (https, or http on loopback only)"
    )
    command.add_argument(
        "--api-version",
        metavar="VERSION",
        default=None,
        help="date version or v4 (default 2026-03)",
    )
    command.set_defaults(run=run_labels)


def run_labels(args: argparse.Namespace) -> int:
    """Print the label table; 0 on success (errors are raised to ``main``).

    Examples
    --------
    >>> run_labels(build_parser().parse_args(["labels", "--from", "contacts",
    ...                                        "--to", "companies"]))  # doctest: +SKIP
    contacts -> companies: 4 association types
           category  type_id            label
    HUBSPOT_DEFINED      279  (no label)
    ...
    """
    options: dict[str, Any] = {"base_url": args.base_url}
    if args.api_version is not None:
        options["api_version"] = args.api_version
    table = labels(args.from_type, args.to_type, **options)
    shown = table.astype({"label": object}).fillna({"label": "(no label: the default)"})
    print(f"{args.from_type} -> {args.to_type}: {len(table)} association types")
    if len(table):
        print(shown.to_string(index=False))
    return 0
