"""Remove one label from each pair: ``POST .../batch/labels/archive``.

Takes the ``batch/create`` shape, one pair and one association type per input, and removes
only that type (and its counterpart in the other direction); the pair keeps its other
associations. Removing the unlabelled default type removes the whole association, labels
included, as HubSpot does. Answers as ``batch/archive`` does (2026-03: 200 with
``{"status": "COMPLETE", "results": []}``; v4: 204 with no body), and removing a label the
pair does not hold is a silent no-op: so the answer is read as
:class:`~hubassoc_pandas.operations.archive.Archive` reads it (the keys an error names are
refused; the rest removed only when the answer is one HubSpot documents as done, else
``unconfirmed``).
"""

from __future__ import annotations

from typing import ClassVar

from hubassoc_pandas.operations.archive import Archive
from hubassoc_pandas.operations.base import association_path
from hubassoc_pandas.operations.typed_pairs import TypedPairs

__all__ = ["ArchiveLabels"]


class ArchiveLabels(TypedPairs, Archive):
    """One association type of each (from, to, type) key.

    The requests are :class:`TypedPairs`' (one input per key), the answers are read as
    :class:`Archive` reads them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hubassoc_pandas.operations.label_list import LabelType
    >>> from hubassoc_pandas.inputs.plan import make_plan
    >>> op = ArchiveLabels("contacts", "companies", "v4",
    ...                    make_plan(pd.Series([1]), pd.Series([7])),
    ...                    [LabelType("USER_DEFINED", 28, "Billing contact")])
    >>> op.path()
    'crm/v4/associations/contacts/companies/batch/labels/archive'
    >>> op.encode(np.array([0])).payload["inputs"][0]["types"]
    [{'associationCategory': 'USER_DEFINED', 'associationTypeId': 28}]
    """

    name: ClassVar[str] = "batch/labels/archive"

    def path(self) -> str:
        return association_path(
            self.api_version, self.from_type, self.to_type, "batch/labels/archive"
        )
