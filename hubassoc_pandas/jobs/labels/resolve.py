"""Read a label as a person gives it into the association type it names. Pure: no I/O.

A label may be given as its name as HubSpot shows it (any case, surrounding spaces ignored),
as a type ID (``28``, ``"28"``) or as a ``(category, type_id)`` pair (also written
``"USER_DEFINED:28"``). Each is looked up among the label types of the run's direction (see
:func:`~hubassoc_pandas.jobs.labels.definitions.labels`): a name two types share is ambiguous, and
so is a type ID two categories share; either way the message lists the labels that exist.

Examples
--------
>>> from hubassoc_pandas.operations.label_list import LabelType
>>> types = [LabelType("HUBSPOT_DEFINED", 279, None), LabelType("USER_DEFINED", 28, "Billing")]
>>> resolve_label(" billing ", types, "contacts", "companies")
LabelType(category='USER_DEFINED', type_id=28, label='Billing')
>>> resolve_label(("user_defined", 28), types, "contacts", "companies").type_id
28
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.operations.label_list import LabelType

__all__ = [
    "LabelColumn",
    "describe_types",
    "label_setting",
    "resolve_label",
    "resolve_label_column",
]

_PAIR_TEXT = re.compile(r"([A-Za-z_]+)\s*[:=]\s*([0-9]+)")
_FORMS = "a name as HubSpot shows it (any case), a type ID, or a (category, type_id) pair"


@dataclass(frozen=True)
class LabelColumn:
    """A label column read row by row.

    Attributes
    ----------
    tags : numpy.ndarray of int64
        Per row, the index of its type in ``table``, or -1 when its label cannot be used.
    table : list of LabelType
        The distinct types the rows name (each once).
    problems : numpy.ndarray of object
        Per row, why its label cannot be used (None where it can).
    """

    tags: np.ndarray
    table: list[LabelType]
    problems: np.ndarray


def describe_types(types: Sequence[LabelType]) -> str:
    """The labels of a direction in a few words, the unlabelled default last.

    Examples
    --------
    >>> describe_types([LabelType("HUBSPOT_DEFINED", 279, None),
    ...                 LabelType("HUBSPOT_DEFINED", 1, "Primary")])
    "'Primary' (HUBSPOT_DEFINED 1) and the unlabelled default (HUBSPOT_DEFINED 279)"
    """
    named = [str(t) for t in types if t.label is not None]
    default = [str(t) for t in types if t.label is None]
    if not named and not default:
        return "none"
    if not named:
        return default[0]
    return ", ".join(named) + (f" and {default[0]}" if default else "")


def resolve_label(
    value: Any, types: Sequence[LabelType], from_type: str, to_type: str
) -> LabelType:
    """The one label type ``value`` names among ``types``, or a ConfigError listing them.

    Examples
    --------
    >>> resolve_label("Primary", [], "contacts", "companies")
    Traceback (most recent call last):
    ...
    hubassoc_pandas.errors.ConfigError: label='Primary' is not a label of contacts -> \
companies (labels there: none). Give a name as HubSpot shows it (any case), a type ID, or a \
(category, type_id) pair; hubassoc_pandas.labels(from_type, to_type) lists them.
    """
    if _is_blank(value):
        raise ConfigError(
            f"label={value!r}: give {_FORMS}; leave label=None for the unlabelled default."
        )
    found = _match(value, types, from_type, to_type)
    if isinstance(found, LabelType):
        return found
    raise ConfigError(
        f"{found} (labels there: {describe_types(types)}). Give {_FORMS}; "
        "hubassoc_pandas.labels(from_type, to_type) lists them."
    )


def resolve_label_column(
    values: pd.Series,
    types: Sequence[LabelType],
    from_type: str,
    to_type: str,
    *,
    blank: LabelType | str,
    column: str = "label_col",
) -> LabelColumn:
    """Read a column of labels, each distinct value once.

    ``blank`` is what an empty cell (None, NaN, ``""``, spaces) means: a label type, or the
    text of the problem that makes such a row invalid.

    Examples
    --------
    >>> types = [LabelType("HUBSPOT_DEFINED", 279, None), LabelType("USER_DEFINED", 28, "B")]
    >>> read = resolve_label_column(pd.Series(["b", None, "x", 28]), types, "contacts",
    ...                             "companies", blank=types[0], column="role")
    >>> [read.table[tag].type_id if tag >= 0 else None for tag in read.tags]
    [28, 279, None, 28]
    >>> read.problems[2]
    "role: 'x' is not a label of contacts -> companies (labels there: 'B' (USER_DEFINED 28) \
and the unlabelled default (HUBSPOT_DEFINED 279))"
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    table: list[LabelType] = []
    index_of: dict[LabelType, int] = {}
    problems_of: list[str | None] = []
    tag_of: list[int] = []
    listing = describe_types(types)

    def tag(found: LabelType | str) -> None:
        if isinstance(found, str):
            tag_of.append(-1)
            problems_of.append(f"{column}: {found}")
            return
        if found not in index_of:
            index_of[found] = len(table)
            table.append(found)
        tag_of.append(index_of[found])
        problems_of.append(None)

    for value in [*uniques.tolist(), None]:  # the last stands for NaN and None
        if _is_blank(value):
            tag(blank)
        else:
            found = _match(value, types, from_type, to_type)
            tag(found if isinstance(found, LabelType) else f"{found[6:]} (labels there: {listing})")
    codes = np.where(codes < 0, len(tag_of) - 1, codes)
    tags = np.asarray(tag_of, dtype=np.int64)[codes]
    problems = np.asarray(problems_of, dtype=object)[codes]
    return LabelColumn(tags, table, problems)


def label_setting(value: Any) -> Any:
    """The ``label=`` argument in a JSON-serialisable form, for the run record.

    Examples
    --------
    >>> label_setting(("USER_DEFINED", np.int64(28)))
    ['USER_DEFINED', 28]
    """
    if isinstance(value, tuple | list):
        return [label_setting(part) for part in value]
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, LabelType):
        return [value.category, value.type_id]
    return value if isinstance(value, str | int | float | type(None)) else str(value)


# -- matching one value ---------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _match(value: Any, types: Sequence[LabelType], from_type: str, to_type: str) -> LabelType | str:
    """The type ``value`` names, or ``"label=<value> ..."`` saying why it names none."""
    where = f"{from_type} -> {to_type}"
    if isinstance(value, LabelType):
        value = (value.category, value.type_id)
    if isinstance(value, bool) or not isinstance(value, str | Real | tuple | list):
        return f"label={value!r} is a {type(value).__name__}, which names no label of {where}"
    if isinstance(value, tuple | list):
        return _by_pair(value, types, where)
    if isinstance(value, Real):
        number = float(value)
        if not (math.isfinite(number) and number.is_integer() and number > 0):
            return f"label={value!r} is not a type ID of {where}"
        return _one_of([t for t in types if t.type_id == int(number)], value, where, "type ID")
    text = value.strip()
    wanted = text.casefold()
    by_name = [t for t in types if t.label is not None and t.label.strip().casefold() == wanted]
    if by_name:
        return _one_of(by_name, value, where, "name")
    if text.isdigit() and text.isascii():
        return _one_of([t for t in types if t.type_id == int(text)], value, where, "type ID")
    pair = _PAIR_TEXT.fullmatch(text)
    if pair is not None:
        return _by_pair((pair[1], int(pair[2])), types, where)
    return f"label={value!r} is not a label of {where}"


def _by_pair(value: tuple[Any, ...] | list[Any], types: Sequence[LabelType], where: str) -> Any:
    category, type_id = (value[0], value[1]) if len(value) == 2 else (None, None)
    if not isinstance(category, str) or isinstance(type_id, bool):
        return f"label={tuple(value)!r} is not a (category, type_id) pair"
    try:
        number = int(type_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"label={tuple(value)!r} is not a (category, type_id) pair"
    wanted = category.strip().upper()
    matches = [t for t in types if t.category == wanted and t.type_id == number]
    return _one_of(matches, (wanted, number), where, "pair")


def _one_of(matches: list[LabelType], value: Any, where: str, form: str) -> LabelType | str:
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return f"label={value!r} is not a label of {where}"
    shared = ", ".join(str(t) for t in matches)
    hint = "its (category, type_id) pair" if form == "type ID" else "its type ID"
    return f"label={value!r} is ambiguous in {where}: it names {shared}; give {hint} instead"
