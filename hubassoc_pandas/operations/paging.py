"""Following page cursors without looping: a cursor sent twice, or pages without end. Pure.

HubSpot pages ``batch/read`` per from-ID and CRM search per query with an opaque ``after``
cursor. A server that sends back a cursor it sent before (A -> B -> A) would have a client
ask for the same pages for ever, and one that never stops sending new cursors likewise. A
:class:`Trail` keeps, for one key (or query) being paged, every cursor followed and how many
pages came, and says when to stop; :func:`paging_error` words the failure. The operation then
fails the key and drops whatever its pages gathered: a list of links or companies that
could not be read to the end is never taken for the whole.

A cursor that repeats is retryable: reading again changes nothing in HubSpot, the loop is
caught within a few pages, and a cursor disturbed by changes made while paging may well come
right. Pages past the bound are not: a retry would page just as long, to the same end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hubassoc_pandas.status import PAGING_LIMIT, PAGING_LOOP
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo

__all__ = ["Trail", "paging_error"]


@dataclass
class Trail:
    """The pages of one key (or query) so far: the cursors followed, and how many pages.

    Parameters
    ----------
    limit : int
        The most pages to read; a page past it that still announces another ends paging.

    Examples
    --------
    >>> trail = Trail(limit=10)
    >>> trail.follow("A"), trail.follow("B"), trail.follow("A")
    (None, None, 'PAGING_LOOP')
    >>> short = Trail(limit=2)
    >>> short.follow("A"), short.follow("B")
    (None, 'PAGING_LIMIT')
    """

    limit: int
    cursors: set[str] = field(default_factory=set)
    pages: int = 0

    def follow(self, cursor: str) -> str | None:
        """Count a page that announces another at ``cursor``; why paging must stop (the
        error category), or None to go on."""
        self.pages += 1
        if cursor in self.cursors:
            return PAGING_LOOP
        if self.pages >= self.limit:
            return PAGING_LIMIT
        self.cursors.add(cursor)
        return None


def paging_error(
    problem: str,
    trail: Trail,
    cursor: str,
    response: ApiResponse,
    *,
    subject: str,
    bound: str,
    consequence: str,
    again: str = "run the same call again",
) -> ErrorInfo:
    """Why a key's paging stopped, in words a person can act on.

    Parameters
    ----------
    problem : str
        What :meth:`Trail.follow` said: :data:`PAGING_LOOP` or :data:`PAGING_LIMIT`.
    trail, cursor : Trail, str
        The key's pages, and the cursor its last page announced.
    response : ApiResponse
        That page's answer (its correlation ID goes with the error).
    subject : str
        What was being listed (``"the associations of this from-ID"``).
    bound : str
        The page bound and why it is there (``"a search lists at most 10,000 results"``).
    consequence : str
        What not having read to the end means for the key's rows (one or more sentences).
    again : str
        How to read afresh (``"run the same call again"``).

    Examples
    --------
    >>> trail = Trail(limit=50)
    >>> problem = [trail.follow(cursor) for cursor in ("A", "B", "A")][-1]
    >>> info = paging_error(problem, trail, "A", ApiResponse(200), subject="the links",
    ...                     bound="", consequence="None is listed.")
    >>> info.category, info.retryable
    ('PAGING_LOOP', True)
    >>> print(info.message)  # doctest: +ELLIPSIS
    HubSpot sent the page cursor 'A' a second time (page 3 of the links): its pages go round
    in a circle, so the links could not be read to the end. None is listed. Reading again ...
    """
    if problem == PAGING_LOOP:
        message = (
            f"HubSpot sent the page cursor {cursor!r} a second time (page {trail.pages} of "
            f"{subject}): its pages go round in a circle, so {subject} could not be read to "
            f"the end. {consequence} Reading again is harmless and stops as soon as a cursor "
            f"repeats: {again} to try afresh; if the loop comes back, report it to HubSpot "
            "support with the correlation ID."
        )
        retryable = True
    else:
        message = (
            f"HubSpot still announced another page of {subject} after {trail.pages:,} pages "
            f"({bound}), so paging stopped and {subject} could not be read to the end. "
            f"{consequence} Not retryable: a retry would page just as far. Check "
            "the records in HubSpot and report it to HubSpot support with the correlation ID."
        )
        retryable = False
    return ErrorInfo(problem, message, correlation_id=response.correlation_id, retryable=retryable)
