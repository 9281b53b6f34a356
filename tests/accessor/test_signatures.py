"""Every ``df.hubassoc`` method shows its real parameters: ``inspect.signature`` lists them,
``help()`` documents each one, the package's functions have the same ones, and mypy checks
calls against them."""

from __future__ import annotations

import inspect
import pydoc
import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import hubassoc_pandas
from hubassoc_pandas import api
from hubassoc_pandas.accessor import HubAssocAccessor
from hubassoc_pandas.accessor._docs import SHARED

#: The accessor methods and the package functions made from them (first parameter's name).
FUNCTIONS = {
    "associate": "frame",
    "disassociate": "frame",
    "read": "frame",
    "sync": "frame",
    "apply_plan": "plan",
    "retry": "results",
    "undo": "results",
}
METHODS = [*FUNCTIONS, "explore", "read_status", "summary", "failures"]


def documented(doc: str) -> set[str]:
    """The parameter names of a numpy-style docstring's Parameters section."""
    section = doc.split("Parameters\n----------\n", 1)[1]
    section = re.split(r"\n(?:Returns|Raises|Examples|Notes)\n-+\n", section)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line and not line.startswith(" "):
            names.update(n.strip() for n in line.split(":")[0].split(","))
    return names


@pytest.mark.parametrize("name", METHODS)
def test_methods_take_named_parameters_only(name: str) -> None:
    signature = inspect.signature(getattr(HubAssocAccessor, name))
    kinds = {p.kind for p in signature.parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    assert inspect.Parameter.VAR_POSITIONAL not in kinds


@pytest.mark.parametrize("name", [m for m in METHODS if m not in ("summary", "failures")])
def test_every_parameter_is_documented(name: str) -> None:
    method = getattr(HubAssocAccessor, name)
    parameters = set(inspect.signature(method).parameters) - {"self"}
    doc = inspect.getdoc(method) or ""
    assert "@shared" not in doc
    if parameters:
        assert documented(doc) == parameters


def test_help_shows_the_parameters_in_full() -> None:
    text = pydoc.render_doc(HubAssocAccessor.associate, renderer=pydoc.plaintext)
    assert "from_col" in text and "check_existing" in text
    assert "Parameters" in text
    assert "HUBSPOT_ACCESS_TOKEN" in text  # a shared entry, written once, shown in full
    assert "label_col : str, optional" in text


@pytest.mark.parametrize("name", FUNCTIONS)
def test_package_functions_have_the_methods_parameters(name: str) -> None:
    method = getattr(HubAssocAccessor, name)
    function = getattr(hubassoc_pandas, name)
    assert function is getattr(api, name)
    mine = list(inspect.signature(function).parameters.values())
    theirs = list(inspect.signature(method).parameters.values())
    assert mine[0].name == FUNCTIONS[name]
    assert mine[1:] == theirs[1:]
    assert function.__doc__ == method.__doc__


#: Shared parameters that mean the same in every method taking them: same default and type.
SAME_EVERYWHERE = ("token", "base_url", "progress", "client", "timeout", "backoff", "rate_limit")


@pytest.mark.parametrize("parameter", SAME_EVERYWHERE)
def test_shared_parameters_agree_across_methods(parameter: str) -> None:
    seen = {
        (p.default, str(p.annotation))
        for name in FUNCTIONS
        for p in inspect.signature(getattr(HubAssocAccessor, name)).parameters.values()
        if p.name == parameter
    }
    assert len(seen) == 1, seen
    assert parameter in SHARED


def test_mypy_checks_calls_against_the_signatures(tmp_path: Path) -> None:
    mypy_api = pytest.importorskip("mypy.api")
    good = """
        import pandas as pd
        import hubassoc_pandas
        df = pd.DataFrame({"c": [1], "co": [2]})
        hubassoc_pandas.associate(df, "contacts", "companies", from_col="c", to_col="co",
                                  batch_size=100, dry_run=True)
    """
    bad = good.replace("batch_size=100", "batch_sise=100").replace("dry_run=True", "dry_run=1.5")
    results = {}
    for name, source in (("good", good), ("bad", bad)):
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        out, _, status = mypy_api.run(
            [str(path), "--cache-dir", str(tmp_path / ".mypy_cache"), "--no-error-summary"]
        )
        results[name] = (status, out)
    assert results["good"][0] == 0, results["good"][1]
    assert results["bad"][0] == 1
    assert 'Unexpected keyword argument "batch_sise"' in results["bad"][1]
    assert 'Argument "dry_run"' in results["bad"][1]


def test_the_frame_may_be_given_by_name() -> None:
    frame = pd.DataFrame({"c": [1], "co": [2]})
    for call in (
        lambda: hubassoc_pandas.associate(frame, "contacts", "companies", from_col="c",
                                          to_col="co", dry_run=True, progress=False),
        lambda: hubassoc_pandas.associate(frame=frame, from_type="contacts", to_type="companies",
                                          from_col="c", to_col="co", dry_run=True, progress=False),
    ):  # fmt: skip
        assert call()["status"].tolist() == ["not_sent"]
    with pytest.raises(TypeError, match="missing its first argument: 'frame'"):
        hubassoc_pandas.associate(from_type="contacts", to_type="companies")  # type: ignore[call-arg]
