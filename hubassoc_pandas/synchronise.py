"""``hubassoc_pandas.synchronise``: where :func:`sync` and :func:`apply_plan` were first
documented. Both are also exported from the package itself; the code lives in
:mod:`hubassoc_pandas.jobs.existing`."""

from hubassoc_pandas.api import apply_plan, sync

__all__ = ["apply_plan", "sync"]
