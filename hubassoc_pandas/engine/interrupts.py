"""Ctrl-C held over the engine's bookkeeping, so that a batch is never half handed to a worker
nor an answer half taken in."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ctrl_c_held"]


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) that arrives inside the block and raise it at the block's end,
    so that a batch is never half handed to a worker nor an answer half taken in (its rows
    would end ``not_sent`` although HubSpot applied them). Only in the main thread while
    Python's own handler is installed; otherwise the block runs as it is."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    held: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if held:
        raise KeyboardInterrupt
