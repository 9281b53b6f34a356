"""Checking the arguments of a run that reads before it writes, and sharing one client.

Used by ``read()``, ``associate(check_existing=True)``, ``sync()`` and ``undo()``: arguments
are checked before anything is sent, and one connection pool serves every step of a run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .client import HubSpotClient, resolve_base_url, resolve_token
from .errors import ConfigError
from .journal import check_journal_path
from .settings import RunSettings, make_settings

__all__ = ["Setup", "check_column", "check_flag", "open_client", "prepare"]


@dataclass(frozen=True)
class Setup:
    """A checked run: its settings, the base URL, and the caller's arguments."""

    settings: RunSettings
    base_url: str
    args: dict[str, Any]

    @property
    def token(self) -> str | None:
        return self.args.get("token")

    @property
    def client(self) -> HubSpotClient | None:
        return self.args.get("client")


def check_column(frame: Any, role: str, column: Any) -> None:
    """Refuse a frame that is not a DataFrame, or a column it does not hold (once)."""
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    try:
        hash(column)
    except TypeError:
        raise ConfigError(
            f"{role}={column!r}: give one column name, not {type(column).__name__}."
        ) from None
    if column not in frame.columns:
        available = ", ".join(repr(c) for c in list(frame.columns)[:20])
        raise ConfigError(
            f"{role}={column!r} is not a column of the frame; its columns are: {available}."
        )
    if isinstance(frame[column], pd.DataFrame):
        raise ConfigError(
            f"{role}={column!r} names {frame[column].shape[1]} columns of the frame; make the "
            "column names unique (e.g. df.columns = [...])."
        )


def check_flag(name: str, value: Any) -> bool:
    """A True/False argument, refused with a message otherwise."""
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{name}={value!r}: give True or False.")
    return bool(value)


def prepare(
    from_type: Any, to_type: Any, args: dict[str, Any], *, needs_token: bool = True
) -> Setup:
    """Check the knobs common to every run and resolve the base URL (and the token's
    presence, unless nothing will be sent)."""
    from .api import check_flags

    check_flags(args.get("progress", True), args.get("dry_run", False))
    if args.get("journal") is not None:
        args["journal"] = check_journal_path(args["journal"])
    client = args.get("client")
    if client is not None and not isinstance(client, HubSpotClient):
        raise ConfigError(f"client={client!r}: give a hubassoc_pandas.HubSpotClient or None.")
    settings = make_settings(
        from_type,
        to_type,
        batch_size=args.get("batch_size"),
        max_workers=args.get("max_workers", 16),
        max_attempts=args.get("max_attempts", 5),
        rate_limit=args.get("rate_limit"),
        timeout=args.get("timeout"),
        api_version=args["api_version"] if client is None else client.api_version,
        backoff=args.get("backoff"),
    )
    base_url = client.base_url if client is not None else resolve_base_url(args.get("base_url"))
    if client is None and needs_token:
        resolve_token(args.get("token"))  # a missing token is reported before any work
    return Setup(settings, base_url, args)


@contextlib.contextmanager
def open_client(setup: Setup) -> Iterator[HubSpotClient]:
    """The caller's client, or one opened for the run and closed after it."""
    if setup.client is not None:
        yield setup.client
        return
    client = setup.settings.open_client(setup.token, setup.base_url)
    try:
        yield client
    finally:
        client.close()
