"""The options of a run whose columns hold keys instead of record IDs: ``--from-property``,
``--to-property`` and ``--on-ambiguous`` (``associate``, ``disassociate``, ``read``, ``sync``
and ``retry``), and what they pass to the library."""

from __future__ import annotations

import argparse
from typing import Any

from hubassoc_pandas.options import ON_AMBIGUOUS

__all__ = ["add_key_options", "key_options"]


def add_key_options(
    parser: argparse.ArgumentParser, *, to_side: bool = True, columns: bool = False
) -> None:
    """Add the key options to a command's parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    to_side : bool
        Also ``--to-property`` (not for ``read``, which has no to-column).
    columns : bool
        Also ``--from-col`` / ``--to-col`` (``retry``: a results file read back from CSV
        does not say which columns held the keys).

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_key_options(parser)
    >>> parser.parse_args(["--from-property", "email", "--on-ambiguous", "oldest"]).on_ambiguous
    'oldest'
    """
    keys = parser.add_argument_group(
        "keys other than record IDs",
        "A column may hold emails, a property with unique values, or company domains instead "
        "of record IDs; each distinct key is looked up once before anything else is sent.",
    )
    keys.add_argument(
        "--from-property",
        metavar="NAME",
        help="the from-column holds this property's values: email, a property with unique "
        "values, or domain (companies)",
    )
    if to_side:
        keys.add_argument(
            "--to-property", metavar="NAME", help="the to-column holds this property's values"
        )
    keys.add_argument(
        "--on-ambiguous",
        choices=ON_AMBIGUOUS,
        help="a domain several companies have: fail its rows (default) or take the oldest",
    )
    if columns:
        keys.add_argument(
            "--from-col", metavar="COLUMN", help="the run's --from-col (with --from-property)"
        )
        keys.add_argument(
            "--to-col", metavar="COLUMN", help="the run's --to-col (with --to-property)"
        )


def key_options(args: argparse.Namespace) -> dict[str, Any]:
    """The key options given, as the library's arguments (absent ones left out).

    Examples
    --------
    >>> key_options(argparse.Namespace(from_property="email", on_ambiguous=None))
    {'from_id_property': 'email'}
    """
    given = {
        "from_id_property": getattr(args, "from_property", None),
        "to_id_property": getattr(args, "to_property", None),
        "on_ambiguous": getattr(args, "on_ambiguous", None),
    }
    return {name: value for name, value in given.items() if value is not None}
