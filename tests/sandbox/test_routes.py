"""Routing: which endpoint a path names (pure, table-driven)."""

from __future__ import annotations

import pytest

from hubassoc_pandas.sandbox.routes import Route, match_route

A = "/crm/associations/2026-03/contacts/companies"
V4 = "/crm/v4/associations/contacts/companies"
CC = ("contacts", "companies")


@pytest.mark.parametrize(
    ("path", "route"),
    [
        (f"{A}/batch/associate/default", Route("associate_default", "2026-03", CC)),
        (f"{V4}/batch/associate/default", Route("associate_default", "v4", CC)),
        (f"{A}/batch/create", Route("create", "2026-03", CC)),
        (f"{V4}/batch/archive?x=1", Route("archive", "v4", CC)),
        (f"{A}/batch/labels/archive", Route("labels_archive", "2026-03", CC)),
        (f"{A}/batch/read", Route("read", "2026-03", CC)),
        (f"{A}/labels", Route("labels", "2026-03", CC)),
        ("/crm/associations/v4/0-1/0-2/labels", Route("labels", "v4", ("0-1", "0-2"))),
        (f"{V4}/labels", Route("labels", "v4", CC)),
        (
            "/crm/associations/2026-09/p_cars/contacts/batch/read",
            Route("read", "2026-09", ("p_cars", "contacts")),
        ),
        (
            "/crm/objects/2026-03/contacts/batch/read",
            Route("objects_read", "2026-03", ("contacts",)),
        ),
        ("/crm/v3/objects/companies/search", Route("search", "v3", ("companies",))),
        ("/crm/associations/v4/contacts/companies/batch/archive", None),
        ("/crm/associations/latest/contacts/companies/batch/archive", None),
        (f"{A}/batch/delete", None),
        (f"{A}/batch", None),
        ("/crm/v3/objects/contacts", None),
        ("/crm/objects/2026-03/contacts/batch/create", None),
        ("/crm/associations/2026-03/contacts", None),
        ("/", None),
    ],
)
def test_match_route(path: str, route: Route | None) -> None:
    assert match_route(path) == route
