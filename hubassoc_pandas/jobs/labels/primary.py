"""HubSpot's Primary label, the one it keeps single: a contact (a deal, a ticket) has one
Primary company at most, and giving it another moves the label. What
``hubassoc_pandas.jobs.existing.primary`` reads and reports builds on these. Pure."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.operations.typed_pairs import TypedPairs
from hubassoc_pandas.options import PairJob

__all__ = [
    "UNREAD_PRIMARY",
    "holder_side",
    "is_primary",
    "is_primary_label",
    "moves_primary",
    "warn_of_unread_primary",
]

#: What a run that writes Primary without reading first is told.
UNREAD_PRIMARY = (
    "label Primary: HubSpot keeps one Primary company per record and moves it to the company "
    "a row names. This run does not read first, so it cannot say which companies lose it, and "
    "undo() cannot put it back: pass check_existing=True for both."
)

_COMPANIES = "companies"


def is_primary(label_type: LabelType) -> bool:
    """Whether a type is HubSpot's Primary label.

    Examples
    --------
    >>> is_primary(LabelType("HUBSPOT_DEFINED", 1, "Primary"))
    True
    >>> is_primary(LabelType("USER_DEFINED", 28, "Primary"))
    False
    """
    return label_type.category == "HUBSPOT_DEFINED" and is_primary_label(label_type.label)


def is_primary_label(label: Any) -> bool:
    """Whether a label, as HubSpot names it, is Primary."""
    return isinstance(label, str) and label.strip().lower() == "primary"


def holder_side(from_type: str, to_type: str) -> str | None:
    """Which side of a pair holds one Primary company: ``"from"``, ``"to"`` or None.

    Examples
    --------
    >>> holder_side("contacts", "companies"), holder_side("companies", "deals")
    ('from', 'to')
    >>> holder_side("companies", "companies") is None
    True
    """
    if to_type == _COMPANIES and from_type != _COMPANIES:
        return "from"
    if from_type == _COMPANIES and to_type != _COMPANIES:
        return "to"
    return None


def moves_primary(types: Sequence[LabelType], from_type: str, to_type: str) -> bool:
    """Whether writing ``types`` between these object types may move a Primary label.

    Examples
    --------
    >>> moves_primary([LabelType("HUBSPOT_DEFINED", 1, "Primary")], "contacts", "companies")
    True
    """
    return holder_side(from_type, to_type) is not None and any(is_primary(t) for t in types)


def warn_of_unread_primary(operation: PairOperation, job: PairJob) -> None:
    """Warn that a run writing Primary without reading first cannot tell what it moves
    (an undo putting Primary back knows what it does)."""
    if not isinstance(operation, TypedPairs) or job.run.purpose == "undo":
        return
    settings = job.settings
    writes = operation.success == "associated"
    if writes and moves_primary(operation.types, settings.from_type, settings.to_type):
        warnings.warn(UNREAD_PRIMARY, UserWarning, stacklevel=user_stacklevel())
