"""The ``DataFrame.hubassoc`` accessor: checks nothing itself, holds no state, delegates.

pandas may build a new accessor object on every attribute access, so everything a method
needs comes from its arguments and the frame (including ``frame.attrs``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import api, reads, resend, results, synchronise, undo_run

__all__ = ["HubAssocAccessor"]


@pd.api.extensions.register_dataframe_accessor("hubassoc")
class HubAssocAccessor:
    """Associate HubSpot records from a frame, and inspect the results frame it returns.

    Examples
    --------
    >>> import hubassoc_pandas  # registers the accessor
    >>> df = pd.DataFrame({"contact": [1, 2], "company": [7, 8]})
    >>> out = df.hubassoc.associate("contacts", "companies", from_col="contact",
    ...                             to_col="company", dry_run=True, progress=False)
    >>> out.hubassoc.summary()["rows"].tolist()
    [2, 2]
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def associate(self, from_type: str, to_type: str, **kwargs: Any) -> pd.DataFrame:
        """Associate each row's pair; see :func:`hubassoc_pandas.associate`."""
        return api.associate(self._frame, from_type, to_type, **kwargs)

    def disassociate(self, from_type: str, to_type: str, **kwargs: Any) -> pd.DataFrame:
        """Remove every association between each row's pair; see
        :func:`hubassoc_pandas.disassociate`."""
        return api.disassociate(self._frame, from_type, to_type, **kwargs)

    def read(self, from_type: str, to_type: str, **kwargs: Any) -> pd.DataFrame:
        """The associations that exist for the frame's from-IDs, one row per link; see
        :func:`hubassoc_pandas.read`."""
        return reads.read(self._frame, from_type, to_type, **kwargs)

    def read_status(self) -> pd.DataFrame:
        """On the frame :meth:`read` returned: the status of every from-ID read (found, none,
        failed, invalid, not_sent); see :func:`hubassoc_pandas.reads.read_status`."""
        return reads.read_status(self._frame)

    def sync(self, from_type: str, to_type: str, **kwargs: Any) -> pd.DataFrame:
        """Make HubSpot's associations of the frame's from-IDs equal its pairs (a dry run
        unless ``dry_run=False``); see :func:`hubassoc_pandas.sync`."""
        return synchronise.sync(self._frame, from_type, to_type, **kwargs)

    def retry(self, **kwargs: Any) -> pd.DataFrame:
        """Re-send the rows that may still succeed; see :func:`hubassoc_pandas.retry`."""
        return resend.retry(self._frame, **kwargs)

    def undo(self, **kwargs: Any) -> pd.DataFrame:
        """Remove exactly the associations this associate run created; see
        :func:`hubassoc_pandas.undo`."""
        _require_results(self._frame)
        return undo_run.undo(self._frame, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Rows and shares by status and by error category."""
        _require_results(self._frame)
        return results.summary(self._frame)

    def failures(self) -> pd.DataFrame:
        """Every row that did not succeed, the most common errors first."""
        _require_results(self._frame)
        return results.failures(self._frame)

    def explore(self, token: str | None = None, **kwargs: Any) -> Any:
        """An interactive explorer of the results; see :class:`hubassoc_pandas.explorer.Explorer`.

        ``token`` is used only by its "Retry failed" button (None: ``HUBSPOT_ACCESS_TOKEN``
        at click time) and is never stored in a widget. Display the returned object to show
        it; ``explorer.results`` is the frame after any retry.
        """
        _require_results(self._frame)
        from .explorer import Explorer

        return Explorer(self._frame, token=token, **kwargs)


def _require_results(frame: pd.DataFrame) -> None:
    if not results.is_results_frame(frame):
        from .errors import ConfigError

        raise ConfigError(
            "this is not a results frame: call df.hubassoc.associate(...) (or "
            "disassociate(...)) first and use the frame it returns."
        )
