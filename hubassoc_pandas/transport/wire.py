"""A request body an operation serialised itself, with the reader for its answer. Pure.

The client sends :attr:`Prepared.data` as it is and reads the answer's bytes with
:attr:`Prepared.read` instead of ``json.loads``: an operation that knows the shape of its
answers can read the usual one faster, and must give the same result as ``json.loads`` (or
leave the answer to it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Prepared"]


@dataclass(frozen=True)
class Prepared:
    """A JSON request body ready to send, and how to read the answer to it.

    Examples
    --------
    >>> body = Prepared(b'{"inputs":[]}')
    >>> body.json(), body.read(b'{"status":"COMPLETE"}')
    ({'inputs': []}, {'status': 'COMPLETE'})
    """

    data: bytes
    read: Callable[[bytes], Any] = field(default=json.loads, compare=False)

    def json(self) -> Any:
        """The body as Python values (for tests and messages; not used to send)."""
        return json.loads(self.data)
