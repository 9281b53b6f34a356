"""The results explorer for Jupyter: :class:`Explorer` (``results.hubassoc.explore()``)."""

from hubassoc_pandas.explorer.widget import Explorer

__all__ = ["Explorer"]
