"""Row statuses and the local error codes, defined once for every operation; and
:func:`counted`, a count with its noun, for every message.

A row's status is one of five codes. Code 0 is success, whose word belongs to the operation
(``associated`` for associate, ``removed`` for disassociate); the other four mean the same
for every operation:

- ``failed``: HubSpot (or the network, after every retry) refused it; ``error_*`` say why.
- ``invalid``: never sent, the input cannot be read (an ID that is not an ID, say).
- ``unconfirmed``: sent, but whether HubSpot did it is unknown; sending it again is harmless.
- ``not_sent``: valid but never sent (interrupted, daily limit, fatal refusal, dry run).

Examples
--------
>>> status_words("removed")
('removed', 'failed', 'invalid', 'unconfirmed', 'not_sent')
"""

from __future__ import annotations

__all__ = [
    "ATTENTION",
    "FAILED",
    "INVALID",
    "NOT_SENT",
    "SUCCESS",
    "SUCCESS_WORDS",
    "UNCONFIRMED",
    "counted",
    "status_words",
]

#: Status codes, as stored in a run's per-key arrays.
SUCCESS, FAILED, INVALID, UNCONFIRMED, NOT_SENT = range(5)

#: The success word of each operation that writes or removes associations.
SUCCESS_WORDS = ("associated", "removed")

#: Statuses that need a person's attention, whatever the operation.
ATTENTION = ("failed", "invalid", "unconfirmed", "not_sent")


def status_words(success: str) -> tuple[str, str, str, str, str]:
    """The five status words of an operation, in code order."""
    return (success, *ATTENTION)


# Local error categories: what the client reports where HubSpot gave no category of its own.
INVALID_ID = "INVALID_ID"  # the input value is not a record ID
INVALID_LABEL = "INVALID_LABEL"  # the row's label does not exist for this pair of types
NETWORK = "NETWORK"  # no answer after every attempt
SERVER_ERROR = "SERVER_ERROR"  # 5xx without a HubSpot category
BAD_RESPONSE = "BAD_RESPONSE"  # an answer that could not be read
RATE_LIMIT = "RATE_LIMIT"  # still refused by the rate limit after every wait
DAILY_LIMIT = "DAILY_LIMIT"  # the daily limit stopped the run
MIGRATION = "MIGRATION"  # HubSpot is migrating the account (477): the run stopped
JOURNAL = "JOURNAL"  # the journal could not be written: the run stopped
INTERRUPTED = "INTERRUPTED"  # Ctrl-C stopped the run
FATAL = "FATAL"  # the run stopped on an answer no request can get past
DRY_RUN = "DRY_RUN"  # a dry run sends nothing
UNCONFIRMED_CODE = "UNCONFIRMED"  # answered 2xx without confirming or refusing, twice
CLIENT_ERROR = "CLIENT_ERROR"  # an unexpected error inside the client
INVALID_KEY = "INVALID_KEY"  # the value cannot be the key property's value (not an email, ...)
KEY_NOT_FOUND = "KEY_NOT_FOUND"  # no record has the key (email, domain, unique value)
KEY_AMBIGUOUS = "KEY_AMBIGUOUS"  # several records have the key and no rule picks one
HELD_BACK = "HELD_BACK"  # a removal kept back: its from-ID's creations did not all succeed
ALREADY_DONE = "ALREADY_DONE"  # an undo or a plan carried out once already: nothing sent
PAGING_LOOP = "PAGING_LOOP"  # HubSpot sent a page cursor again: its pages go round
PAGING_LIMIT = "PAGING_LIMIT"  # HubSpot kept sending new page cursors past any real end


def counted(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` and its noun, singular for one (``nouns``: the plural, when not ``noun + "s"``).

    Examples
    --------
    >>> counted(1, "request"), counted(2_000, "request"), counted(0, "attempt")
    ('1 request', '2,000 requests', '0 attempts')
    >>> counted(1, "company", "companies"), counted(3, "company", "companies")
    ('1 company', '3 companies')
    """
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"
