"""The options of a run whose columns hold keys instead of record IDs: ``--from-id-property``,
``--to-id-property`` and ``--on-ambiguous`` (``associate``, ``disassociate``, ``read``,
``sync`` and ``retry``), named after the parameters they feed; ``--from-property`` and
``--to-property`` are their older spellings."""

from __future__ import annotations

import argparse

from hubassoc_pandas.options import ON_AMBIGUOUS

__all__ = ["add_key_options"]

#: The default of ``on_ambiguous`` (``associate``, ``read``, ``sync``): fail the key's rows.
ON_AMBIGUOUS_DEFAULT = ON_AMBIGUOUS[0]


def add_key_options(
    parser: argparse.ArgumentParser,
    *,
    to_side: bool = True,
    columns: bool = False,
    run_default: bool = False,
) -> None:
    """Add the key options to a command's parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    to_side : bool
        Also ``--to-id-property`` (not for ``read``, which has no to-column).
    columns : bool
        Also ``--from-col`` / ``--to-col`` (``retry``: a results file read back from CSV
        does not say which columns held the keys).
    run_default : bool
        Every option left out keeps what the run recorded (``retry``).

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_key_options(parser)
    >>> args = parser.parse_args(["--from-property", "email", "--on-ambiguous", "oldest"])
    >>> args.from_id_property, args.to_id_property, args.on_ambiguous
    ('email', None, 'oldest')
    >>> parser.parse_args([]).on_ambiguous
    'fail'
    """
    keys = parser.add_argument_group(
        "keys other than record IDs",
        "A column may hold emails, a property with unique values, or company domains instead "
        "of record IDs; each distinct key is looked up once before anything else is sent.",
    )
    default = "the run's" if run_default else "record IDs"
    keys.add_argument(
        "--from-id-property",
        "--from-property",
        dest="from_id_property",
        metavar="NAME",
        help="the from-column holds this property's values: email, a property with unique "
        f"values, or domain (companies) (default: {default})",
    )
    if to_side:
        keys.add_argument(
            "--to-id-property",
            "--to-property",
            dest="to_id_property",
            metavar="NAME",
            help=f"the to-column holds this property's values (default: {default})",
        )
    keys.add_argument(
        "--on-ambiguous",
        choices=ON_AMBIGUOUS,
        default=None if run_default else ON_AMBIGUOUS_DEFAULT,
        help="a key several records have (a domain): fail its rows, or take the oldest record "
        "(default: " + ("the run's" if run_default else "%(default)s") + ")",
    )
    if columns:
        keys.add_argument(
            "--from-col",
            metavar="COLUMN",
            help="the run's --from-col, where its keys are (default: the run's)",
        )
        keys.add_argument(
            "--to-col",
            metavar="COLUMN",
            help="the run's --to-col, where its keys are (default: the run's)",
        )
