"""The library's and the command's tests start their sandboxes through ``hubassoc_testkit``
(``start_hub``, ``running_hub``, the ``hub`` fixtures), never by constructing ``Sandbox``
themselves, so that one module decides how a test sandbox is seeded, started and closed.

The sandbox's own tests (tests/sandbox/) are exempt: they test the constructor.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
#: Modules allowed to construct a sandbox: the testkit itself and the fixtures.
ALLOWED = {"hubassoc_testkit.py", "conftest.py"}


def sandbox_constructions(source: str) -> list[int]:
    """Line numbers where ``source`` constructs a ``Sandbox`` (by name, through a module, or
    under another name it was imported as).

    Examples
    --------
    >>> sandbox_constructions("with Sandbox(rate_limit=None) as hub:\\n    pass\\n")
    [1]
    """
    tree = ast.parse(source)
    names = {"Sandbox"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname for a in node.names if a.name == "Sandbox" and a.asname}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id in names) or (
            isinstance(func, ast.Attribute) and func.attr == "Sandbox"
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_every_way_of_constructing_a_sandbox() -> None:
    source = (
        "from hubassoc_pandas.sandbox import Sandbox, Sandbox as Hub\n"
        "from hubassoc_pandas import sandbox\n"
        "def f(hub: Sandbox) -> Sandbox:\n"  # annotations are not constructions
        "    a = Sandbox(rate_limit=None).start()\n"
        "    with Hub() as b:\n"
        "        pass\n"
        "    return sandbox.Sandbox(records={})\n"
        "# Sandbox( in a comment, 'Sandbox(' in a string\n"
        "x = 'Sandbox('\n"
    )
    assert sandbox_constructions(source) == [4, 5, 7]
    assert sandbox_constructions("from hubassoc_testkit import running_hub\n") == []


def test_only_the_testkit_and_the_fixtures_construct_a_sandbox() -> None:
    modules = sorted(p for p in TESTS.rglob("*.py") if "sandbox" not in p.relative_to(TESTS).parts)
    assert TESTS / "test_associate.py" in modules  # the scan looks where the tests are
    assert TESTS / "jobs" / "existing" / "test_sync.py" in modules  # and in every folder
    found = {
        str(path.relative_to(TESTS)): lines
        for path in modules
        if str(path.relative_to(TESTS)) not in ALLOWED
        and (lines := sandbox_constructions(path.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        f"these test modules construct Sandbox(...) themselves (file: lines): {found}; "
        "use start_hub(...) or running_hub(...) from hubassoc_testkit, or the hub fixture"
    )
