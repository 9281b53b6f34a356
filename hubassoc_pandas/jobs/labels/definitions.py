"""Association label definitions of one direction: ``labels()`` and the read behind it.

HubSpot lists the association types of a direction ``from -> to`` at ``GET
/crm/associations/{version}/{from}/{to}/labels`` (``/crm/associations/v4/{from}/{to}/labels``
for v4): the unlabelled default (``label: null``), HubSpot's own labels such as Primary, and
the portal's USER_DEFINED ones, whose type IDs differ from portal to portal. This module reads
that list (retrying 5xx and 429 answers as runs do) and gives it as :class:`LabelType` values or
as a DataFrame.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hubassoc_pandas.engine.attempt import Attempts, Tally
from hubassoc_pandas.engine.policy import Kind, classify, describe, error_of, fatal_error
from hubassoc_pandas.errors import FatalApiError
from hubassoc_pandas.inputs.object_types import normalize_object_type
from hubassoc_pandas.operations.label_list import LabelType, labels_path, parse_label_list
from hubassoc_pandas.status import counted
from hubassoc_pandas.transport.client import DEFAULT_API_VERSION, HubSpotClient, Timeout
from hubassoc_pandas.transport.responses import ApiResponse, retry_after_seconds

__all__ = [
    "LabelList",
    "LabelType",
    "fetch_label_types",
    "label_frame",
    "labels",
    "labels_path",
    "read_label_list",
]

logger = logging.getLogger("hubassoc_pandas")

#: Answers that no later attempt of the same request can get past.
_FATAL_KINDS = (Kind.UNAUTHORIZED, Kind.FORBIDDEN, Kind.FATAL, Kind.REJECTED, Kind.TOO_LARGE)


def labels(
    from_type: str,
    to_type: str,
    *,
    token: str | None = None,
    base_url: str | None = None,
    api_version: str = DEFAULT_API_VERSION,
    client: HubSpotClient | None = None,
    timeout: Any = None,
) -> pd.DataFrame:
    """The association labels of the direction ``from_type -> to_type``, as HubSpot lists them.

    Parameters
    ----------
    from_type, to_type : str
        Object types, in any form :func:`hubassoc_pandas.associate` takes.
    token : str, optional
        Access token; default ``HUBSPOT_ACCESS_TOKEN``.
    base_url : str, optional
        Default ``HUBSPOT_BASE_URL``, else ``https://api.hubapi.com``.
    api_version : str
        ``"2026-03"`` (default), another date version, or ``"v4"``.
    client : HubSpotClient, optional
        A ready client (its token, base URL and API version are used).
    timeout : float or (connect, read), optional
        Seconds (default 10 to connect, 60 to read).

    Returns
    -------
    pandas.DataFrame
        One row per association type: ``category`` (string), ``type_id`` (Int64) and
        ``label`` (string; <NA> for the unlabelled default), in HubSpot's order. A paired
        label appears under its own name in each direction, with a type ID per direction.

    Raises
    ------
    AuthenticationError, MissingScopesError, FatalApiError
        As a run would: a refused token, missing scopes, an unknown object type.

    Examples
    --------
    >>> from hubassoc_pandas.sandbox import Sandbox
    >>> with Sandbox().start() as hub:
    ...     table = labels("contacts", "companies", token=hub.token, base_url=hub.url)
    >>> print(table.head(2))
              category  type_id    label
    0  HUBSPOT_DEFINED      279     <NA>
    1  HUBSPOT_DEFINED        1  Primary
    """
    from_type = normalize_object_type(from_type, role="from_type")
    to_type = normalize_object_type(to_type, role="to_type")
    if client is not None:
        return label_frame(fetch_label_types(client, from_type, to_type))
    with HubSpotClient(
        token, base_url=base_url, api_version=api_version, timeout=Timeout.of(timeout)
    ) as owned:
        return label_frame(fetch_label_types(owned, from_type, to_type))


def label_frame(types: Sequence[LabelType]) -> pd.DataFrame:
    """The DataFrame :func:`labels` returns, from label types.

    Examples
    --------
    >>> label_frame([LabelType("USER_DEFINED", 28, "Billing contact")])["type_id"].dtype
    Int64Dtype()
    """
    return pd.DataFrame(
        {
            "category": pd.array([t.category for t in types], dtype="string"),
            "type_id": pd.array([t.type_id for t in types], dtype="Int64"),
            "label": pd.array([t.label for t in types], dtype="string"),
        }
    )


@dataclass(frozen=True)
class LabelList:
    """A direction's label types, and the requests reading them took (retries included)."""

    types: list[LabelType]
    requests: int


def fetch_label_types(
    client: HubSpotClient,
    from_type: str,
    to_type: str,
    *,
    attempts: Attempts | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[LabelType]:
    """The label types of a direction: :func:`read_label_list`'s, without its count."""
    return read_label_list(client, from_type, to_type, attempts=attempts, sleep=sleep).types


def read_label_list(
    client: HubSpotClient,
    from_type: str,
    to_type: str,
    *,
    attempts: Attempts | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LabelList:
    """Read the label list of a direction with ``client.get()``, retrying what may be retried.

    5xx, network failures and 423 are retried with the backoff of ``attempts``; 429s wait
    ``Retry-After`` (or the backoff); 401, 403 and refusals of the request itself raise the
    exception a run raises for them (:func:`~hubassoc_pandas.engine.policy.fatal_error`).
    """
    budget = attempts or Attempts()
    path = labels_path(client.api_version, from_type, to_type)
    tally = Tally()
    sent = 0
    while True:
        response = client.get(path)
        sent += 1
        kind = classify(response)
        if kind is Kind.SUCCESS:
            return LabelList(parse_label_list(response.body, from_type, to_type), sent)
        if kind in _FATAL_KINDS:
            raise fatal_error(Kind.FATAL if kind is Kind.TOO_LARGE else kind, response)[0]
        step = tally.after(kind, response, budget)
        if step.action == "done":
            raise _gave_up(response, from_type, to_type, tally.failures + tally.waits)
        delay = step.delay
        if step.action == "hold":
            retry_after = retry_after_seconds(response)
            delay = retry_after if retry_after is not None else budget.backoff.delay(tally.waits)
        logger.info("labels %s -> %s: %s; asking again in %.2fs", from_type, to_type,
                    describe(response), delay)  # fmt: skip
        sleep(delay)


def _gave_up(response: ApiResponse, from_type: str, to_type: str, attempts: int) -> FatalApiError:
    info = error_of(response)
    return FatalApiError(
        f"HubSpot's list of labels for {from_type} -> {to_type} could not be read after "
        f"{counted(attempts, 'attempt')} ({describe(response)}: "
        f"{info.message or 'no message'}). Nothing "
        "was written; try again later.",
        status=response.status,
        category=info.category,
        correlation_id=info.correlation_id,
        body=response.body if isinstance(response.body, dict) else None,
    )
