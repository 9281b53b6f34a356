"""What a test changes in a running sandbox: settings, records, labels, counters.

:class:`PortalChanges` is a part of :class:`~hubassoc_pandas.sandbox.Sandbox`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .call import Call, Endpoint, Reply
from .gateway import Gateway
from .portal import Portal

__all__ = ["PortalChanges"]


class PortalChanges:
    """Changes to a sandbox's portal at runtime (a part of ``Sandbox``)."""

    _app: Portal
    _gateway: Gateway

    def configure(self, **changes: Any) -> None:
        """Change any constructor option except ``host`` and ``port``, at runtime.

        ``records``, ``record_properties`` or ``unique_properties`` replaces every record and
        its properties; ``rate_limit``, ``enforced_rate_limit``, ``background_rate`` and
        ``search_rate_limit`` restart their windows; ``faults`` restarts fault counters;
        ``portal_id``, ``custom_object_types`` or ``association_type_ids`` rebuild the
        association types (labels added with :meth:`define_label` are kept).
        """
        if "host" in changes or "port" in changes:
            raise TypeError("host and port cannot change while the sandbox exists")
        if "faults" in changes and changes["faults"] is not None:
            changes["faults"] = tuple(changes["faults"])
        self._app.configure(changes)

    def define_label(
        self,
        from_type: str,
        to_type: str,
        label: str,
        *,
        reverse_label: str | None = None,
        category: str = "USER_DEFINED",
        type_id: int | None = None,
        reverse_type_id: int | None = None,
        single: bool = False,
        limit: int | None = None,
        reverse_limit: int | None = None,
    ) -> tuple[int, int]:
        """Define a label on a pair of types, in both directions.

        Parameters
        ----------
        from_type, to_type : str
            The pair of object types (any accepted form).
        label : str
            The label of the ``from_type -> to_type`` direction.
        reverse_label : str or None
            The label of the other direction for a paired label (e.g. "Manager" /
            "Employee"); None: the same label both ways.
        category : {"USER_DEFINED", "INTEGRATOR_DEFINED", "HUBSPOT_DEFINED"}
            The category both directions carry.
        type_id, reverse_type_id : int or None
            Type IDs of each direction; None allocates them from the portal's own range.
        single : bool
            A from-record holds this label with one record at most; a new one replaces the
            old (as Primary does).
        limit, reverse_limit : int or None
            A from-record (a to-record) holds the label with at most this many records.

        Returns
        -------
        tuple[int, int]
            Type IDs ``(from -> to, to -> from)``.

        Examples
        --------
        >>> from hubassoc_pandas.sandbox import Sandbox
        >>> hub = Sandbox()
        >>> forward, reverse = hub.define_label("deals", "companies", "Reseller", limit=2)
        >>> hub.label_type_id("deals", "companies", "reseller") == forward
        True
        """
        return self._app.define_label(
            from_type,
            to_type,
            label,
            reverse_label=reverse_label,
            category=category,
            type_id=type_id,
            reverse_type_id=reverse_type_id,
            single=single,
            limit=limit,
            reverse_limit=reverse_limit,
        )

    def add_records(
        self,
        object_type: str,
        ids: Iterable[int | str],
        properties: Mapping[int | str, Mapping[str, object]]
        | Iterable[Mapping[str, object]]
        | None = None,
    ) -> None:
        """Make more records of ``object_type`` exist, optionally with properties.

        Parameters
        ----------
        object_type : str
            Any accepted form (``"contacts"``, ``"0-2"``, ``"p_cars"``).
        ids : Iterable[int | str]
            Record IDs; a ``range`` stays a range when no properties are given.
        properties : Mapping or Iterable of Mapping, optional
            ``{id: {property: value}}``, or one mapping per ID in the order of ``ids``.
            Properties merge into any the record has. A unique value (email, ``external_id``)
            already held by another record is refused with ValueError, and nothing is added.

        Examples
        --------
        >>> from hubassoc_pandas.sandbox import Sandbox
        >>> hub = Sandbox(records={"contacts": []})
        >>> hub.add_records("contacts", [101, 102], [{"email": "Ann@X.com"}, {"email": "b@x.com"}])
        >>> hub.record_properties("contacts", 101)["email"]
        'ann@x.com'
        """
        self._app.add_records(object_type, ids, properties)

    def reset(self) -> None:
        """Clear associations, the request log, rate-limit windows, the daily counter and
        fault counters; configuration and records stay."""
        self._app.reset()

    def new_day(self) -> None:
        """Start a new sandbox day: the daily request counter starts again."""
        self._app.new_day()

    def add_endpoint(
        self,
        tail: str,
        handler: Callable[[str, str, Any], tuple[int, Any]],
        *,
        method: str = "POST",
        access: str = "write",
    ) -> None:
        """Answer one more association path, e.g. for an operation defined in a test.

        ``{method} /crm/associations/{version}/{from}/{to}/<tail>`` and the v4 path
        ``/crm/v4/associations/{from}/{to}/<tail>`` go through the same routing, auth, rate
        limits (as a batch association call), faults (its name for ``Fault(endpoints=...)``
        is ``"custom:<tail>"``), object types and scopes (``access``: ``"write"`` or
        ``"read"``) as every endpoint; then ``handler(from_type, to_type, body)`` answers with
        ``(status, JSON body)``, or ``(status, None)`` for no body. Its inputs are the body's
        ``inputs`` list. An exception in the handler is answered 500 with its text.

        Examples
        --------
        >>> from hubassoc_pandas.sandbox import Sandbox
        >>> hub = Sandbox()
        >>> hub.add_endpoint("batch/echo", lambda a, b, body: (200, {"results": body["inputs"]}))
        """
        name = "custom:" + tail.strip("/")

        def parse(payload: Any) -> list[Any] | None:
            inputs = payload.get("inputs") if isinstance(payload, dict) else None
            return inputs if isinstance(inputs, list) else None

        def handle(call: Call) -> Reply:
            try:
                status, body = handler(call.types[0], call.types[1], call.payload)
            except Exception as exc:  # a mistake in a test's handler, shown to its client
                return call.error(500, f"{name} failed: {exc!r}", "INTERNAL_ERROR")
            return call.empty(status) if body is None else call.json(status, body)

        if access not in ("read", "write"):
            raise ValueError(f"access must be 'read' or 'write', got {access!r}")
        endpoint = Endpoint(
            name=name,
            method=method.upper(),
            access=access,
            meter="associations",
            parse=parse,
            size=len,
            handle=handle,
            success_status=lambda call: 200,
        )
        self._gateway.add_endpoint(tail, endpoint)
