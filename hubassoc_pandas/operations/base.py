"""The Operation: everything the engine needs to know about one HubSpot batch endpoint.

An operation is bound to the unique keys of one run (for the pair operations, the pairs of a
:class:`~hubassoc_pandas.inputs.plan.Plan`) answers a handful of questions; the engine (batching,
pacing, retries, isolation of bad keys, journal, progress, the results frame) asks them and
names no endpoint itself. To add an operation, subclass :class:`Operation` (or
:class:`PairOperation` for one keyed by record pairs) in a module of its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.operations.named_ids import pairs_named
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo

__all__ = [
    "Coded",
    "Decoded",
    "Encoded",
    "Operation",
    "PairOperation",
    "association_path",
    "match_pairs",
]


@dataclass
class Encoded:
    """One batch as it goes on the wire: the JSON ``payload`` and what decoding needs
    (``wire``, e.g. the IDs as sent, by position in the batch)."""

    payload: Any
    wire: Any = None


@dataclass(frozen=True)
class Coded:
    """A value column given as a code per key into a small ``table`` (-1: missing).

    Examples
    --------
    >>> Coded(np.array([0, -1, 0]), ["HUBSPOT_DEFINED"]).tolist()
    ['HUBSPOT_DEFINED', None, 'HUBSPOT_DEFINED']
    """

    codes: np.ndarray
    table: list[Any]

    def __len__(self) -> int:
        return len(self.codes)

    def tolist(self) -> list[Any]:
        """The values themselves (None for missing)."""
        table = [*self.table, None]
        return [table[code] for code in self.codes.tolist()]


@dataclass
class Decoded:
    """A 2xx answer mapped onto the positions of the batch's keys.

    ``succeeded`` keys are done, with ``values`` per succeeded key for the operation's value
    columns (a list, an int64 array with -1 for missing, or :class:`Coded`); ``refused``
    groups positions by the error that refused them; ``open`` keys were neither confirmed
    nor refused; ``unattributed`` errors named no key of the batch; ``more`` keys need
    another request (a next page: the operation keeps its cursor) before they are decided.
    ``doubt`` says why the answer as a whole confirms none of the ``open`` keys (a removal
    answered PENDING, say), for the message of those still open once sent again.
    """

    succeeded: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    values: dict[str, Any] = field(default_factory=dict)
    refused: dict[ErrorInfo, list[int]] = field(default_factory=dict)
    open: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    unattributed: list[ErrorInfo] = field(default_factory=list)
    more: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    doubt: str | None = None


def association_path(api_version: str, from_type: str, to_type: str, tail: str) -> str:
    """The path of an associations endpoint, for a date version or the legacy ``v4``.

    Examples
    --------
    >>> association_path("2026-03", "contacts", "companies", "batch/archive")
    'crm/associations/2026-03/contacts/companies/batch/archive'
    >>> association_path("v4", "0-1", "0-2", "batch/associate/default")
    'crm/v4/associations/0-1/0-2/batch/associate/default'
    """
    if api_version == "v4":
        return f"crm/v4/associations/{from_type}/{to_type}/{tail}"
    return f"crm/associations/{api_version}/{from_type}/{to_type}/{tail}"


class Operation(ABC):
    """One batch endpoint, bound to the keys of a run; keys are integers ``0..n_keys-1``.

    Class attributes
    ----------------
    name : str
        Identifies the operation in journals (a journal of one is refused for another).
    verb : str
        The user-facing name (``results.attrs["hubassoc"]["operation"]``).
    success : str
        The status word of a key that succeeded.
    max_batch_size : int
        The most keys one request may carry; also the default batch size.
    idempotent : bool
        Whether sending a key again is harmless (retries and resends rely on it).
    empty_ok : bool
        Whether a 2xx without a body means success (otherwise it is retried).
    value_columns : dict
        Result columns the operation fills for keys that succeed: name -> (dtype, missing).
    """

    name: ClassVar[str]
    verb: ClassVar[str]
    success: ClassVar[str]
    max_batch_size: ClassVar[int] = 100
    idempotent: ClassVar[bool] = True
    empty_ok: ClassVar[bool] = False
    value_columns: ClassVar[dict[str, tuple[Any, Any]]] = {}

    @property
    @abstractmethod
    def n_keys(self) -> int:
        """How many unique keys the run has."""

    @abstractmethod
    def path(self) -> str:
        """The endpoint's path below the base URL (no leading slash)."""

    @abstractmethod
    def encode(self, keys: np.ndarray) -> Encoded:
        """The request for a batch of keys."""

    @abstractmethod
    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        """Map a 2xx answer onto the positions of ``keys``."""

    @abstractmethod
    def named(self, body: Any, encoded: Encoded) -> list[int]:
        """Positions in the batch that a whole-batch error body names (may be empty)."""

    @abstractmethod
    def journal_keys(self, keys: np.ndarray) -> list[str]:
        """Each key as the text a journal stores it under."""

    @abstractmethod
    def find_in_journal(self, stored: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The run's keys found among journal keys ``stored``: (keys, positions in stored)."""

    def identity(self) -> dict[str, str]:
        """What a journal of this operation must match besides the portal."""
        return {"operation": self.name}

    def order(self, pending: np.ndarray) -> tuple[np.ndarray, int]:
        """Order the keys to send; batches must not straddle the returned position."""
        return pending, len(pending)

    def separate(self, keys: Sequence[int], limit: int) -> tuple[list[int], list[int]]:
        """Up to ``limit`` of ``keys`` that may share a batch, and the ones left over."""
        return list(keys[:limit]), list(keys[limit:])


class PairOperation(Operation):
    """An operation keyed by (from ID, to ID) pairs of a :class:`~hubassoc_pandas.inputs.plan.Plan`.

    Parameters
    ----------
    from_type, to_type : str
        Normalised object types (path segments).
    api_version : str
        A date version such as ``"2026-03"``, or ``"v4"``.
    plan : Plan
        The run's plan; its unique pairs are the keys.
    """

    def __init__(self, from_type: str, to_type: str, api_version: str, plan: Plan) -> None:
        self.from_type = from_type
        self.to_type = to_type
        self.api_version = api_version
        self.plan = plan

    @property
    def n_keys(self) -> int:
        return self.plan.n_pairs

    def identity(self) -> dict[str, str]:
        return {"operation": self.name, "from_type": self.from_type, "to_type": self.to_type}

    def wire_ids(self, keys: np.ndarray) -> tuple[list[str], list[str]]:
        """The batch's from- and to-IDs as sent (digit strings), by position."""
        return (
            [str(v) for v in self.plan.pair_from[keys].tolist()],
            [str(v) for v in self.plan.pair_to[keys].tolist()],
        )

    @property
    def sides(self) -> tuple[str, str]:
        """The from- and to-types, which an error's words may tie an ID to."""
        return self.from_type, self.to_type

    def named(self, body: Any, encoded: Encoded) -> list[int]:
        from_ids, to_ids = encoded.wire
        return pairs_named(body, from_ids, to_ids, self.sides) if isinstance(body, dict) else []

    def journal_keys(self, keys: np.ndarray) -> list[str]:
        plan = self.plan
        return [
            f"{f}:{t}"
            for f, t in zip(plan.pair_from[keys].tolist(), plan.pair_to[keys].tolist(), strict=True)
        ]

    def find_in_journal(self, stored: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        parts = pd.Series(list(stored), dtype=object).str.split(":", n=1, expand=True)
        if parts.empty:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        pairs = pd.DataFrame({"from_id": pd.to_numeric(parts[0]), "to_id": pd.to_numeric(parts[1])})
        return match_pairs(pairs, self.plan.pair_from, self.plan.pair_to)


def match_pairs(
    journal_pairs: pd.DataFrame, pair_from: np.ndarray, pair_to: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of a plan's pairs found among journal pairs, and the matching journal rows.

    Examples
    --------
    >>> j = pd.DataFrame({"from_id": [5, 1], "to_id": [6, 2]})
    >>> match_pairs(j, np.array([1, 3, 5]), np.array([2, 4, 6]))
    (array([0, 2]), array([1, 0]))
    """
    if journal_pairs.empty or len(pair_from) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    plan_keys = pd.MultiIndex.from_arrays([np.asarray(pair_from), np.asarray(pair_to)])
    journal_keys = pd.MultiIndex.from_arrays(
        [journal_pairs["from_id"].to_numpy(np.int64), journal_pairs["to_id"].to_numpy(np.int64)]
    )
    positions = journal_keys.get_indexer(plan_keys)
    found = np.flatnonzero(positions >= 0)
    return found, positions[found]
