"""The ``DataFrame.hubassoc`` accessor: the public methods, each checking its arguments into
option objects (:mod:`hubassoc_pandas.options`) and making one call down into a job.

The methods are the definitions: their signatures and docstrings are what Jupyter's
Shift-Tab, ``help()``, mypy and the API reference show; the package's functions
(:mod:`hubassoc_pandas.api`) are made from them. The accessor holds no state.

Examples
--------
>>> import hubassoc_pandas  # registers the accessor
>>> df = pd.DataFrame({"contact": [1, 2], "company": [7, 8]})
>>> out = df.hubassoc.associate("contacts", "companies", from_col="contact",
...                             to_col="company", dry_run=True, progress=False)
>>> out.hubassoc.summary()["rows"].tolist()
[2, 2]
"""

from __future__ import annotations

import pandas as pd

from hubassoc_pandas.accessor._existing import ExistingMethods
from hubassoc_pandas.accessor._pairs import PairMethods
from hubassoc_pandas.accessor._results import ResultMethods

__all__ = ["HubAssocAccessor"]


@pd.api.extensions.register_dataframe_accessor("hubassoc")
class HubAssocAccessor(PairMethods, ExistingMethods, ResultMethods):
    """Associate HubSpot records from a frame, and work with the frames the runs return.

    On any frame: :meth:`associate`, :meth:`disassociate`, :meth:`read`, :meth:`sync`. On
    the frame a run returned: :meth:`retry`, :meth:`undo`, :meth:`summary`,
    :meth:`failures`, :meth:`explore` (results of associate and disassociate),
    :meth:`read_status` (a read), :meth:`apply_plan` (a dry-run sync's plan).
    """
