"""The public surface: one __all__, one exception tree, docstring examples that run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hubassoc_pandas
from hubassoc_pandas import errors


def test_all_names_exist_and_private_modules_stay_private() -> None:
    for name in hubassoc_pandas.__all__:
        assert hasattr(hubassoc_pandas, name), name
    public = {n for n in dir(hubassoc_pandas) if not n.startswith("_")}
    modules = {m.name for m in pkgutil.iter_modules(hubassoc_pandas.__path__)}
    assert public - set(hubassoc_pandas.__all__) <= modules | {"annotations", "logging"}


def test_exception_tree() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.HubAssocError)
    assert issubclass(errors.ConfigError, ValueError)
    assert issubclass(errors.MissingScopesError, errors.FatalApiError)


MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(hubassoc_pandas.__path__, "hubassoc_pandas.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert failures == 0
