"""Pure parts of the sandbox: records, object types, type IDs, store, windows, options."""

from __future__ import annotations

import random

import pytest

from hubassoc_pandas.sandbox import DEMO_TOKEN, Fault, Sandbox, parse_route
from hubassoc_pandas.sandbox.faults import FaultPlan
from hubassoc_pandas.sandbox.meters import DailyCounter, RollingWindow
from hubassoc_pandas.sandbox.objects import ObjectTypes, default_association_type_id
from hubassoc_pandas.sandbox.options import SandboxOptions
from hubassoc_pandas.sandbox.portal import Portal
from hubassoc_pandas.sandbox.records import RecordSet
from hubassoc_pandas.sandbox.store import AssociationStore


def test_record_set_keeps_huge_ranges_cheap() -> None:
    records = RecordSet(range(1, 10_000_001))
    assert records.ranges == [range(1, 10_000_001)]
    assert not records.ids
    assert 1 in records and 10_000_000 in records
    assert 0 not in records and 10_000_001 not in records
    assert "5" not in records  # membership is by int
    assert len(records) == 10_000_000


def test_record_set_accepts_ints_and_digit_strings() -> None:
    records = RecordSet([1, "2", " 3 "])
    records.add(range(10, 12))
    assert {1, 2, 3, 10, 11} == {i for i in range(20) if i in records}


@pytest.mark.parametrize("bad", ["abc", "", -1, 0, True, 1.5])
def test_record_set_refuses_non_ids(bad: object) -> None:
    with pytest.raises(ValueError):
        RecordSet([bad])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("contacts", "contacts"),
        ("Contact", "contacts"),
        ("COMPANIES", "companies"),
        ("company", "companies"),
        ("0-1", "contacts"),
        ("0-2", "companies"),
        ("0-3", "deals"),
        ("0-5", "tickets"),
        ("0-7", "products"),
        ("line_item", "line_items"),
        ("0-8", "line_items"),
        ("0-14", "quotes"),
        ("0-18", "communications"),
        ("0-27", "tasks"),
        ("0-46", "notes"),
        ("0-47", "meetings"),
        ("0-48", "calls"),
        ("0-49", "emails"),
        ("postal_mail", "postal_mail"),
        ("0-116", "postal_mail"),
        ("lead", "leads"),
        ("0-136", "leads"),
        ("2-3453", "2-3453"),
        ("p_cars", "2-3453"),
        ("P_Cars", "2-3453"),
        ("p123_cars", "2-3453"),
        ("cars", None),
        ("p999_cars", None),
        ("2-9999", None),
        ("widgets", None),
    ],
)
def test_object_type_resolution(name: str, canonical: str | None) -> None:
    types = ObjectTypes({"2-3453": "p_cars"}, portal_id=123)
    assert types.resolve(name) == canonical


def test_custom_type_registration_is_validated() -> None:
    with pytest.raises(ValueError):
        ObjectTypes({"cars": "p_cars"}, portal_id=1)
    assert ObjectTypes({"2-1": "cars"}, portal_id=1).resolve("p1_cars") == "2-1"


@pytest.mark.parametrize(
    ("pair", "forward", "reverse"),
    [
        (("contacts", "companies"), 279, 280),
        (("deals", "contacts"), 3, 4),
        (("deals", "companies"), 341, 342),
        (("tickets", "contacts"), 16, 15),
        (("tickets", "companies"), 339, 340),
        (("deals", "tickets"), 27, 28),
        (("deals", "line_items"), 19, 20),
        (("contacts", "notes"), 201, 202),
        (("contacts", "tasks"), 203, 204),
    ],
)
def test_known_association_type_ids(pair: tuple[str, str], forward: int, reverse: int) -> None:
    a, b = pair
    assert default_association_type_id(a, b, 1, False) == forward
    assert default_association_type_id(b, a, 1, False) == reverse


def test_other_type_ids_are_stable_and_portal_specific_for_custom() -> None:
    first = default_association_type_id("quotes", "calls", 1, False)
    assert first == default_association_type_id("quotes", "calls", 2, False)
    assert first != default_association_type_id("calls", "quotes", 1, False)
    custom_a = default_association_type_id("contacts", "2-1", 1, True)
    custom_b = default_association_type_id("contacts", "2-1", 2, True)
    assert custom_a != custom_b


def test_association_store_is_two_way_and_counts_once() -> None:
    store = AssociationStore()
    assert store.add("contacts", "companies", 1, 2)
    assert not store.add("contacts", "companies", 1, 2)
    assert not store.add("companies", "contacts", 2, 1)
    assert store.add("contacts", "contacts", 1, 2)
    assert not store.add("contacts", "contacts", 2, 1)
    assert store.count() == 2
    assert store.pairs("companies", "contacts") == {("2", "1")}
    assert store.targets("contacts", "companies", 1) == {2}
    store.clear()
    assert store.count() == 0 and store.pairs("contacts", "companies") == set()


def test_rolling_window() -> None:
    window = RollingWindow(2, 10.0)
    assert window.try_acquire(0.0) and window.try_acquire(1.0)
    assert not window.try_acquire(2.0)
    assert window.remaining(2.0) == 0
    assert window.retry_after(2.0) == 8
    assert window.retry_after(9.5) == 1
    assert window.try_acquire(10.0)  # the first stamp left the window
    assert window.remaining(10.5) == 0


def test_daily_counter() -> None:
    daily = DailyCounter(2)
    assert daily.try_acquire() and daily.try_acquire() and not daily.try_acquire()
    assert daily.remaining() == 0
    daily.clear()
    assert daily.remaining() == 2


def test_fault_plan_scripted_random_and_capped() -> None:
    plan = FaultPlan(
        [Fault("close", on_requests=[2, 3], times=1), Fault("500_json", rate=1.0, paths=["v4"])]
    )
    rng = random.Random(0)
    assert plan.pick(1, "/crm/associations/2026-03/x", rng) is None
    picked = plan.pick(2, "/x", rng)
    assert picked is not None and picked.kind == "close"
    assert plan.pick(3, "/x", rng) is None  # times=1 reached
    picked = plan.pick(4, "/crm/v4/associations/x", rng)
    assert picked is not None and picked.kind == "500_json"
    plan.reset()
    picked = plan.pick(3, "/x", rng)
    assert picked is not None and picked.kind == "close"


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        Fault("explode")
    with pytest.raises(ValueError):
        Fault("close", rate=2.0)
    assert Fault("hang", on_requests=[1]).on_requests == (1,)


@pytest.mark.parametrize(
    "changes",
    [
        {"missing_ids": "nope"},
        {"error_context": "x"},
        {"success_status": 207},
        {"partial_status": 204},
        {"results_direction": "three"},
        {"scopes_key": "scopes"},
        {"max_batch_size": 0},
        {"rate_limit": (0, 1.0)},
        {"latency": -1.0},
    ],
)
def test_options_validation(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SandboxOptions().updated(changes)


def test_unknown_option_and_bad_host() -> None:
    with pytest.raises(TypeError):
        SandboxOptions().updated({"colour": "blue"})
    for host in ("0.0.0.0", "192.168.1.10", "example.com", "::"):
        with pytest.raises(ValueError, match="loopback"):
            Sandbox(host=host)


def test_default_seed_and_token() -> None:
    app = Portal(SandboxOptions())
    for name in ("contacts", "companies", "deals", "tickets"):
        assert 100_000 in app.records[name] and 100_001 not in app.records[name]
    assert app.tokens == {DEMO_TOKEN: None}
    assert Sandbox().token == DEMO_TOKEN


def test_unknown_record_type_refused() -> None:
    with pytest.raises(ValueError, match="unknown object type"):
        Sandbox(records={"widgets": [1]})


def test_records_accept_any_type_form() -> None:
    hub = Sandbox(
        records={"0-1": [5], "Company": range(1, 3), "p_cars": [9]},
        custom_object_types={"2-77": "cars"},
    )
    app = hub._app
    assert 5 in app.records["contacts"] and 2 in app.records["companies"]
    assert 9 in app.records["2-77"]
    hub.add_records("contact", range(100, 200))
    assert 150 in app.records["contacts"] and 5 in app.records["contacts"]


@pytest.mark.parametrize(
    ("path", "route"),
    [
        (
            "/crm/associations/2026-03/contacts/companies/batch/associate/default",
            ("contacts", "companies"),
        ),
        ("/crm/associations/2026-09/0-1/0-2/batch/associate/default?x=1", ("0-1", "0-2")),
        ("/crm/v4/associations/deals/contacts/batch/associate/default", ("deals", "contacts")),
        ("/crm/associations/latest/contacts/companies/batch/associate/default", None),
        ("/crm/v3/associations/contacts/companies/batch/associate/default", None),
        ("/crm/associations/2026-03/contacts/companies/batch/associate", None),
        ("/", None),
    ],
)
def test_parse_route(path: str, route: tuple[str, str] | None) -> None:
    assert parse_route(path) == route


def test_sandbox_stands_alone() -> None:
    """The sandbox imports only the standard library and itself."""
    import ast
    import sys
    from pathlib import Path

    import hubassoc_pandas.sandbox as package

    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for path in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                top = (node.module or "").split(".")[0]
                assert node.level == 1 or top in allowed, (path.name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in allowed, (path.name, alias.name)


def test_sandbox_subpackages_stand_alone_too() -> None:
    """Every module of the sandbox, subpackages included, imports only the standard library
    and modules inside the sandbox (no relative import climbs out of it)."""
    import ast
    import sys
    from pathlib import Path

    import hubassoc_pandas.sandbox as package

    root = Path(package.__file__).parent
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    paths = sorted(root.rglob("*.py"))
    assert any(path.parent != root for path in paths)
    for path in paths:
        depth = len(path.relative_to(root).parts) - 1  # 0 for sandbox/x.py
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level <= depth + 1, (path.name, node.module, node.level)
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] in allowed, (path.name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in allowed, (path.name, alias.name)


def test_sandbox_defaults_are_the_options_defaults() -> None:
    """Every constructor option defaults to what SandboxOptions says, and none is missing."""
    import inspect

    parameters = inspect.signature(Sandbox).parameters
    options = SandboxOptions()
    names = set(parameters) - {"host", "port"}
    assert names == set(SandboxOptions.names())
    for name in names:
        default = parameters[name].default
        assert default == getattr(options, name) or (name == "faults" and default == ()), name
