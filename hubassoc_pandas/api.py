"""The package's functions: each accessor method as a function of the frame.

``hubassoc_pandas.associate(df, ...)`` is ``df.hubassoc.associate(...)``, and so on for
every method that takes a frame: the functions are made from the methods
(:mod:`hubassoc_pandas.accessor`), so their parameters and docstrings are the methods', with
the frame first. :func:`labels` needs no frame.

Examples
--------
>>> import inspect
>>> list(inspect.signature(associate).parameters)[:4]
['frame', 'from_type', 'to_type', 'from_col']
>>> df = pd.DataFrame({"contact": [1, "x"], "company": [7, 7]})
>>> associate(df, "contacts", "companies", from_col="contact", to_col="company",
...           dry_run=True, progress=False)["status"].tolist()
['not_sent', 'invalid']
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import pandas as pd

from hubassoc_pandas.accessor import HubAssocAccessor
from hubassoc_pandas.jobs.labels.definitions import labels

__all__ = [
    "apply_plan",
    "associate",
    "disassociate",
    "labels",
    "read",
    "retry",
    "sync",
    "undo",
]

P = ParamSpec("P")
R = TypeVar("R")


def on_frame(
    method: Callable[Concatenate[HubAssocAccessor, P], R], first: str = "frame"
) -> Callable[Concatenate[pd.DataFrame, P], R]:
    """The accessor method ``method`` as a function whose first parameter is the frame.

    Its signature is the method's with ``self`` replaced by ``first``; its docstring and
    name are the method's.
    """

    @functools.wraps(method)
    def function(*args: Any, **kwargs: Any) -> R:
        if args:  # the frame, by position as usual, or by its name
            frame, args = args[0], args[1:]
        elif first in kwargs:
            frame = kwargs.pop(first)
        else:
            raise TypeError(f"{method.__name__}() missing its first argument: {first!r}")
        return method(HubAssocAccessor(frame), *args, **kwargs)

    signature = inspect.signature(method)
    parameters = list(signature.parameters.values())
    parameters[0] = inspect.Parameter(
        first, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=pd.DataFrame
    )
    function.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    function.__module__ = __name__
    function.__qualname__ = method.__name__
    return cast(Callable[Concatenate[pd.DataFrame, P], R], function)


associate = on_frame(HubAssocAccessor.associate)
disassociate = on_frame(HubAssocAccessor.disassociate)
read = on_frame(HubAssocAccessor.read)
sync = on_frame(HubAssocAccessor.sync)
apply_plan = on_frame(HubAssocAccessor.apply_plan, "plan")
retry = on_frame(HubAssocAccessor.retry, "results")
undo = on_frame(HubAssocAccessor.undo, "results")
