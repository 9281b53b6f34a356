"""What a test reads from a running sandbox: its token and settings, the request log, the
traffic summary, associations with their type IDs, labels and record properties.

:class:`PortalView` is a part of :class:`~hubassoc_pandas.sandbox.Sandbox`.
"""

from __future__ import annotations

from typing import Any

from .log import RequestRecord
from .options import DEMO_TOKEN, SandboxOptions
from .portal import Portal

__all__ = ["PortalView"]


class PortalView:
    """Read-only access to a sandbox's portal (a part of ``Sandbox``)."""

    _app: Portal

    @property
    def token(self) -> str:
        """A token accepted with all scopes (the demo token by default)."""
        tokens = self._app.tokens
        for token, scopes in tokens.items():
            if scopes is None:
                return token
        return next(iter(tokens), DEMO_TOKEN)

    @property
    def options(self) -> SandboxOptions:
        """The current settings (read-only view; change them with :meth:`configure`)."""
        return self._app.options

    # -- inspection ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        with self._app.lock:
            return list(self._app.log.records)

    @property
    def request_count(self) -> int:
        """How many requests the log holds."""
        with self._app.lock:
            return len(self._app.log.records)

    def requests_since(self, count: int) -> list[RequestRecord]:
        """The requests logged after the first ``count``, oldest first. Copies only those:
        for following the log of a long-running sandbox (see :attr:`request_count`)."""
        with self._app.lock:
            return self._app.log.records[count:]

    def stats(self) -> dict[str, Any]:
        """Traffic summary.

        Returns
        -------
        dict
            ``requests`` (all requests), ``endpoint_requests``, ``by_status`` (status code as
            text -> count), ``rate_limited`` (429s), ``dropped_connections``, ``faults`` (kind ->
            count), ``inputs`` (inputs received), ``distinct_pairs_sent``,
            ``pairs_sent_more_than_once``, ``repeat_sends``, ``associations_stored``,
            ``max_in_flight`` (most requests handled at once).
        """
        return self._app.stats()

    def associated_pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """Associated pairs ``from_type -> to_type`` (any type) as ``(from_id, to_id)``.

        Associations are two-way: pairs stored through ``companies -> contacts`` calls appear
        here reversed.
        """
        return self._app.associated_pairs(from_type, to_type)

    def associations(self, from_type: str, to_type: str) -> dict[tuple[str, str], frozenset[int]]:
        """Every associated pair ``from_type -> to_type`` with its type IDs in that direction.

        Returns
        -------
        dict[tuple[str, str], frozenset[int]]
            ``{(from_id, to_id): type IDs}``; the other direction's IDs are in
            ``associations(to_type, from_type)[(to_id, from_id)]``.

        Examples
        --------
        >>> from hubassoc_pandas.sandbox import Sandbox
        >>> with Sandbox(records={"contacts": [1], "companies": [2]}) as hub:  # doctest: +SKIP
        ...     # after associating contact 1 with company 2
        ...     hub.associations("contacts", "companies")
        {('1', '2'): frozenset({279})}
        """
        return self._app.associations(from_type, to_type)

    def labels(self, from_type: str, to_type: str) -> list[dict[str, Any]]:
        """The association types of ``from_type -> to_type``, as ``GET .../labels`` lists them.

        Returns
        -------
        list[dict]
            ``{"category", "typeId", "label"}`` each; the unlabelled default (label None) first.

        Examples
        --------
        >>> from hubassoc_pandas.sandbox import Sandbox
        >>> Sandbox().labels("contacts", "companies")[:2]
        [{'category': 'HUBSPOT_DEFINED', 'typeId': 279, 'label': None}, \
{'category': 'HUBSPOT_DEFINED', 'typeId': 1, 'label': 'Primary'}]
        """
        return self._app.labels(from_type, to_type)

    def label_type_id(self, from_type: str, to_type: str, label: str | int) -> int:
        """The type ID of a label (name in any case, or type ID) in ``from_type -> to_type``.

        Raises ValueError when no label or several match, listing those defined.

        Examples
        --------
        >>> from hubassoc_pandas.sandbox import Sandbox
        >>> Sandbox().label_type_id("companies", "contacts", "primary")
        2
        """
        return self._app.label_type_id(from_type, to_type, label)

    def association_type_id(self, from_type: str, to_type: str) -> int:
        """The default association type ID the sandbox reports for ``from_type -> to_type``.

        Raises ValueError for a pair of types with no default association.
        """
        app = self._app
        return app.association_type_id(app.resolve_type(from_type), app.resolve_type(to_type))

    def record_properties(self, object_type: str, record_id: int | str) -> dict[str, str]:
        """A copy of a record's stored properties (empty when it has none)."""
        app = self._app
        with app.lock:
            canonical = app.resolve_type(object_type)
            return dict(app.property_store(canonical).get(int(record_id)))
