"""Point warnings at the user's code rather than at this package's internals."""

from __future__ import annotations

import inspect
import os

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning issued by the caller name the user's line."""
    frame = inspect.currentframe()
    level = 0
    while frame is not None:
        if not os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
            return level
        frame = frame.f_back
        level += 1
    return max(level - 1, 1)
