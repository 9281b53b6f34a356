"""HubSpot's own Python SDK, pointed at the sandbox, understands its answers."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit import RECORDS

from hubassoc_pandas.sandbox import Sandbox

hubspot = pytest.importorskip("hubspot")

from hubspot.crm.associations.v4 import (  # noqa: E402
    ApiException,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchResponsePublicDefaultAssociation,
    PublicDefaultAssociationMultiPost,
    PublicObjectId,
)


def _sdk(hub: Sandbox) -> Any:
    client = hubspot.HubSpot(access_token=hub.token)
    api = client.crm.associations.v4.batch_api
    api.api_client.configuration.host = hub.url
    return api


def _batch(*items: tuple[str, str]) -> BatchInputPublicDefaultAssociationMultiPost:
    return BatchInputPublicDefaultAssociationMultiPost(
        inputs=[
            PublicDefaultAssociationMultiPost(_from=PublicObjectId(id=f), to=PublicObjectId(id=t))
            for f, t in items
        ]
    )


def _close(api: Any) -> None:
    api.api_client.rest_client.pool_manager.clear()


@pytest.fixture
def sdk_hub() -> Any:
    with Sandbox(records=RECORDS, results_direction="both") as hub:
        yield hub


def test_sdk_deserialises_success(sdk_hub: Sandbox) -> None:
    api = _sdk(sdk_hub)
    try:
        answer = api.create_default(
            from_object_type="contacts",
            to_object_type="companies",
            batch_input_public_default_association_multi_post=_batch(("1", "2")),
        )
    finally:
        _close(api)
    assert isinstance(answer, BatchResponsePublicDefaultAssociation)
    assert answer.status == "COMPLETE"
    found = {(r._from.id, r.to.id, r.association_spec.association_type_id) for r in answer.results}
    assert found == {("1", "2", 279), ("2", "1", 280)}
    assert answer.completed_at.tzinfo is not None
    assert sdk_hub.associated_pairs("contacts", "companies") == {("1", "2")}
    assert sdk_hub.requests[0].path.startswith("/crm/v4/associations/contacts/companies/")


def test_sdk_partial_failure_with_200(sdk_hub: Sandbox) -> None:
    sdk_hub.configure(partial_status=200)
    api = _sdk(sdk_hub)
    try:
        answer = api.create_default(
            from_object_type="contacts",
            to_object_type="companies",
            batch_input_public_default_association_multi_post=_batch(("1", "2"), ("1", "9999")),
        )
    finally:
        _close(api)
    assert answer.num_errors == 1
    (error,) = answer.errors
    assert error.category == "OBJECT_NOT_FOUND" and error.context == {"toObjectId": ["9999"]}


def test_sdk_gets_nothing_from_a_207(sdk_hub: Sandbox) -> None:
    """The SDK only maps 200 to a model: a 207 partial failure comes back as None."""
    sdk_hub.configure(partial_status=207)
    api = _sdk(sdk_hub)
    try:
        answer = api.create_default(
            from_object_type="contacts",
            to_object_type="companies",
            batch_input_public_default_association_multi_post=_batch(("1", "2"), ("1", "9999")),
        )
    finally:
        _close(api)
    assert answer is None
    assert sdk_hub.requests[0].status == 207


def test_sdk_raises_on_401() -> None:
    with Sandbox(records=RECORDS, tokens={"other": None}) as hub:
        api = hubspot.HubSpot(access_token="wrong").crm.associations.v4.batch_api
        api.api_client.configuration.host = hub.url
        try:
            with pytest.raises(ApiException) as raised:
                api.create_default(
                    from_object_type="contacts",
                    to_object_type="companies",
                    batch_input_public_default_association_multi_post=_batch(("1", "2")),
                )
        finally:
            _close(api)
    assert raised.value.status == 401
    assert "INVALID_AUTHENTICATION" in raised.value.body
