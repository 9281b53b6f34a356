"""The association types of one direction, as ``GET .../labels`` lists them: the path, the
:class:`LabelType` value, and reading the answer's body. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubassoc_pandas.errors import FatalApiError

__all__ = ["LabelType", "labels_path", "parse_label_list"]


@dataclass(frozen=True)
class LabelType:
    """One association type of a direction.

    Attributes
    ----------
    category : str
        ``HUBSPOT_DEFINED``, ``USER_DEFINED`` or ``INTEGRATOR_DEFINED``.
    type_id : int
        The type ID in this direction (portal-specific for USER_DEFINED labels).
    label : str or None
        The label as HubSpot shows it; None for the unlabelled default.

    Examples
    --------
    >>> LabelType("USER_DEFINED", 28, "Billing contact").spec()
    {'associationCategory': 'USER_DEFINED', 'associationTypeId': 28}
    >>> str(LabelType("HUBSPOT_DEFINED", 279, None))
    'the unlabelled default (HUBSPOT_DEFINED 279)'
    """

    category: str
    type_id: int
    label: str | None

    def spec(self) -> dict[str, Any]:
        """The type as ``batch/create`` and ``batch/labels/archive`` take it."""
        return {"associationCategory": self.category, "associationTypeId": self.type_id}

    def __str__(self) -> str:
        name = "the unlabelled default" if self.label is None else repr(self.label)
        return f"{name} ({self.category} {self.type_id})"


def labels_path(api_version: str, from_type: str, to_type: str) -> str:
    """The path of the label list of a direction (v4 has it under ``associations/v4``).

    Examples
    --------
    >>> labels_path("v4", "contacts", "companies")
    'crm/associations/v4/contacts/companies/labels'
    >>> labels_path("2026-03", "0-1", "0-2")
    'crm/associations/2026-03/0-1/0-2/labels'
    """
    return f"crm/associations/{api_version}/{from_type}/{to_type}/labels"


def parse_label_list(body: Any, from_type: str, to_type: str) -> list[LabelType]:
    """The label types of a ``GET .../labels`` body; unreadable items are skipped.

    Examples
    --------
    >>> parse_label_list({"results": [{"category": "HUBSPOT_DEFINED", "typeId": 279,
    ...                                "label": None}]}, "contacts", "companies")
    [LabelType(category='HUBSPOT_DEFINED', type_id=279, label=None)]
    """
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise FatalApiError(
            f"HubSpot's list of labels for {from_type} -> {to_type} has no 'results'; check "
            "base_url and api_version.",
            status=200,
            body=body if isinstance(body, dict) else None,
        )
    found: list[LabelType] = []
    for item in results:
        if not isinstance(item, dict):
            continue
        category = item.get("category")
        type_id = item.get("typeId", item.get("associationTypeId"))
        if isinstance(type_id, str) and type_id.isdigit():
            type_id = int(type_id)
        if not isinstance(category, str) or isinstance(type_id, bool):
            continue
        if not isinstance(type_id, int):
            continue
        label = item.get("label")
        text = label.strip() if isinstance(label, str) else None
        found.append(LabelType(category, type_id, label if text else None))
    return found
