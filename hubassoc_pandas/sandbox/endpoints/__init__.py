"""One handler module per endpoint; :data:`ENDPOINTS` maps route names to them.

Adding an endpoint: write a module with an ``ENDPOINT`` (see
:class:`~hubassoc_pandas.sandbox.call.Endpoint`), add its path to
:mod:`~hubassoc_pandas.sandbox.routes`, and list it here.
"""

from __future__ import annotations

from ..call import Endpoint
from . import (
    archive,
    associate,
    create,
    label_list,
    labels_archive,
    objects_read,
    read,
    search,
)

__all__ = ["ENDPOINTS"]

ENDPOINTS: dict[str, Endpoint] = {
    module.ENDPOINT.name: module.ENDPOINT
    for module in (
        associate,
        create,
        archive,
        labels_archive,
        label_list,
        read,
        objects_read,
        search,
    )
}
