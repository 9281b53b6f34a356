"""``hubassoc labels --from TYPE --to TYPE``: the association labels of one direction."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from hubassoc_pandas.cli.parameters import CONNECTION_HELP, add_timeout, add_types
from hubassoc_pandas.jobs.labels.definitions import labels
from hubassoc_pandas.transport.client import DEFAULT_API_VERSION, DEFAULT_BASE_URL

__all__ = ["add_labels_command", "run_labels"]


def add_labels_command(add_command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the ``labels`` subcommand to ``hubassoc``'s parser.

    Parameters
    ----------
    add_command : callable
        Makes a command's parser: ``add_command(name, help=..., description=...)``.
    """
    command = add_command(
        "labels",
        help="list the association labels of a pair of object types",
        description="List the association types of FROM -> TO as HubSpot defines them in "
        "this portal: category, type ID and label (the unlabelled default has none). "
        + CONNECTION_HELP,
    )
    add_types(command)
    command.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL, https or http on loopback only (default: HUBSPOT_BASE_URL, else "
        f"{DEFAULT_BASE_URL})",
    )
    command.add_argument(
        "--api-version",
        metavar="VERSION",
        default=DEFAULT_API_VERSION,
        help="a date version or v4 (default: %(default)s)",
    )
    add_timeout(command)
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
    options: dict[str, Any] = {
        "base_url": args.base_url,
        "api_version": args.api_version,
        "timeout": args.timeout,
    }
    table = labels(args.from_type, args.to_type, **options)
    shown = table.astype({"label": object}).fillna({"label": "(no label: the default)"})
    print(f"{args.from_type} -> {args.to_type}: {len(table)} association types")
    if len(table):
        print(shown.to_string(index=False))
    return 0
