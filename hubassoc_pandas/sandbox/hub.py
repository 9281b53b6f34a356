"""The sandbox's public handle: :class:`Sandbox`, a local HubSpot on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from .faults import Fault
from .gateway import Gateway
from .log import RequestRecord
from .options import DEMO_TOKEN, SandboxOptions
from .portal import Portal
from .server import Listener

__all__ = ["Sandbox"]


class Sandbox(Listener):
    """A local emulator of HubSpot's batch association endpoints, on 127.0.0.1.

    Endpoints (each under ``/crm/associations/{date}/{from}/{to}/`` and the legacy
    ``/crm/v4/associations/{from}/{to}/``; the handler modules under ``endpoints/`` describe
    each in full):

    - ``POST .../batch/associate/default``: the default association of each pair;
    - ``POST .../batch/create``: associations with labels (``types``), additive;
    - ``POST .../batch/archive``: remove every association between each pair (2026-03: 200
      with ``{"status": "COMPLETE", "results": []}`` plus per-input ``errors``; v4: 204);
    - ``POST .../batch/labels/archive``: remove only the named types of each pair;
    - ``POST .../batch/read``: each from-record's associations with their types, paged;
    - ``GET .../labels`` (v4: ``/crm/associations/v4/{from}/{to}/labels``): the association
      types of a direction;
    - ``POST /crm/objects/{date}/{type}/batch/read`` (and ``/crm/v3/objects/...``): records by
      ID, email or another unique property (``idProperty``);
    - ``POST /crm/objects/{date}/{type}/search`` (and v3): records by property filters (e.g.
      companies by ``domain``), with its own secondly limit.

    Records may carry properties (``record_properties``, :meth:`add_records`): contacts'
    ``email`` (stored lower-case, unique), companies' ``domain`` (not unique; more in
    ``hs_additional_domains``), and a unique custom property per type (``external_id`` unless
    ``unique_properties`` says otherwise).

    Labels: each direction of a pair of types has its own definitions (category, type ID,
    label). Every portal starts with HubSpot's unlabelled defaults (279/280 for
    contact/company, 449 contact-contact, ...; none for pairs with products), Primary
    (contact -> company 1, company -> contact 2; single-valued: a contact's new Primary company
    replaces the old), Parent company / Child company (company <-> company 14 / 13,
    single-valued), USER_DEFINED "Billing contact" and "Decision maker" (contact <-> company),
    "Decision maker" (deal <-> contact) and the paired "Manager" / "Employee" (contact <->
    contact, one type ID each way). USER_DEFINED type IDs depend on ``portal_id``: look them up
    with :meth:`label_type_id` or :meth:`labels`, or add labels with :meth:`define_label`.

    Every variant the contract lists can be played (status codes, error shapes, result
    directions, rate limits) and every fault (5xx, proxy pages, hangs, dropped connections,
    truncated bodies). Every answer carries ``X-HubSpot-Correlation-Id`` and ``X-Request-Id``.

    The store keeps, for each pair of records, the association type IDs in each direction
    (read them with :meth:`associations`); a labelled association implies the unlabelled
    default.

    Parameters
    ----------
    records : Mapping[str, Iterable[int | str]] or None
        Object type (any accepted form) -> existing IDs; ranges are kept as ranges. None seeds
        contacts, companies, deals and tickets with IDs 1..100_000.
    record_properties : Mapping[str, Mapping[int | str, Mapping[str, object]]] or None
        Object type -> {record ID: properties}; those records exist too. E.g.
        ``{"contacts": {101: {"email": "ann@example.com"}}, "companies": {7: {"domain":
        "acme.com"}}}``. Setting ``records``, ``record_properties`` or ``unique_properties``
        again replaces every record and property.
    unique_properties : Mapping[str, Collection[str]] or None
        Object type -> names of its unique properties (values that identify one record, usable
        as ``idProperty``). None: ``external_id`` for every type. Contacts' ``email`` is always
        unique.
    tokens : Mapping[str, Collection[str] | None] or None
        Token -> granted scopes (None: all scopes). None accepts only :data:`DEMO_TOKEN`.
    custom_object_types : Mapping[str, str] or None
        Custom type ID -> name, e.g. ``{"2-3453": "p_cars"}``.
    host, port : str, int
        Where to listen; only loopback hosts are accepted. Port 0 picks a free port.
    portal_id : int
        Portal ID: ``p<portal_id>_<name>`` names custom types; mixed into custom association
        type IDs.
    max_batch_size : int
        Most inputs of an associate/default or batch/create request; larger batches get a 400
        VALIDATION_ERROR, "Batch size N exceeds the maximum of M inputs."
    max_archive_batch_size : int
        Most pairs of a batch/archive request (every to-ID of every input counts) and most
        inputs of a batch/labels/archive request; a 400 beyond. Default 2,000 (HubSpot
        publishes no cap for removal; this is the create family's).
    max_read_batch_size : int
        Most inputs of a batch/read request (1,000); a 400 beyond.
    max_objects_batch_size : int
        Most inputs of an objects batch/read request (100); a 400 beyond.
    read_page_size : int
        Most targets in one batch/read result; more come with ``paging.next.after``.
    read_partial_status : {207, 200}
        batch/read's status when some inputs are in ``errors`` (NO_ASSOCIATIONS_FOUND, ...).
    missing_ids : {"per_input", "batch_400"}
        A non-existent record ID is a per-input OBJECT_NOT_FOUND error, or a 400 for the whole
        batch (category ``batch_400_category``) naming the missing IDs.
    batch_400_names_ids : bool
        Whether that 400 names the missing IDs (in its message and context); False sends
        only "One or more object IDs do not exist."
    batch_400_category : {"VALIDATION_ERROR", "OBJECT_NOT_FOUND"}
        Category of the whole-batch 400 for missing IDs.
    error_context : {"from_to", "ids", "message"}
        How per-input errors name the IDs: ``{"fromObjectId": [...], "toObjectId": [...]}``
        (only the failing sides), ``{"ids": [...]}``, or only in ``message``.
    group_errors : bool
        Merge per-input errors of the same kind into one error whose context lists every ID.
    results_direction : {"both", "one"}
        List each confirmed pair twice (from->to and to->from with the reverse type ID) or once.
    success_status, partial_status : int
        Status when an associate/default batch has no per-input errors (200/201), and when it
        has some (200/201/207). Removal answers 200, or 207 for errors when ``partial_status``
        is 207.
    create_status, create_partial_status : int
        batch/create's status without per-input errors (201, or 200) and with some (207, or
        200/201).
    unknown_types : {"per_input", "batch_400"}
        A batch/create type no definition matches ("USER_DEFINED=3 is not a valid association
        definition id", ``crm.associations.INVALID_ASSOCIATION_TYPE``) fails its input, or the
        whole batch with a 400.
    create_result_ids : {"number", "string"}
        How batch/create results carry ``fromObjectId``/``toObjectId``.
    label_limits : Mapping[tuple[str, str, str | int], int] or None
        ``{(from_type, to_type, label or type ID): N}``: per direction, a from-record holds that
        label with at most N records; batch/create refuses more with a per-input
        VALIDATION_ERROR, ``crm.associations.ASSOCIATION_LIMIT_EXCEEDED`` (not retroactive).
    optional_batch_fields : bool
        Put the published schema's optional ``requestedAt`` and ``links`` into batch answers.
    silent_pairs : Collection[tuple[str, str]] or None
        ``(from_id, to_id)`` pairs that are neither confirmed nor refused, and not stored.
    association_limits : Mapping[tuple[str, str], int] or None
        ``{(from_type, to_type): N}``: a from-record holds at most N associations of that type
        pair; the excess are per-input VALIDATION_ERROR errors with subCategory
        ``crm.associations.ASSOCIATION_LIMIT_EXCEEDED`` and are not stored.
    association_type_ids : Mapping[tuple[str, str], int] or None
        Override the default association type ID of a pair (the other direction gets the next
        number unless overridden too).
    scopes_key : {"requiredScopes", "missingScopes"}
        Key naming the missing scopes in a 403's ``errors[0].context``.
    rate_limit : tuple[int, float] or None
        ``(max requests, window seconds)``, a rolling window over all endpoint requests.
    rate_limit_headers : bool
        Send ``X-HubSpot-RateLimit-*`` headers on every response.
    search_rate_limit : tuple[int, float] or None
        Search's own limit, ``(max requests, window seconds)``, default 5 per second; search
        does not spend ``rate_limit``. Over it: 429 "You have reached your secondly limit.",
        policyName SECONDLY.
    search_retry_after : bool
        Whether search's 429s carry ``Retry-After`` (HubSpot's often do not).
    search_index_delay : float
        Seconds before a record given properties shows up in search (HubSpot's index lags).
    daily_limit : int or None
        After this many requests in the sandbox's day (until :meth:`reset` or :meth:`new_day`),
        429 with policyName DAILY.
    retry_after : bool
        Whether ten-secondly 429s carry ``Retry-After`` (whole seconds).
    rate_limit_group : str
        ``groupName`` in 429 bodies.
    latency, latency_per_input, latency_jitter : float
        Seconds added per request, per input, and uniformly at random in ``[0, jitter]``.
    faults : Iterable[Fault]
        Fault rules, see :class:`Fault`.
    seed : int
        Seeds every random choice (faults, jitter, result order).
    log_bodies : bool
        Keep request and response bodies in :attr:`requests`.

    Examples
    --------
    >>> import requests
    >>> with Sandbox(records={"contacts": range(1, 11), "companies": range(1, 11)}) as hub:
    ...     response = requests.post(
    ...         hub.url + "/crm/associations/2026-03/contacts/companies/batch/associate/default",
    ...         json={"inputs": [{"from": {"id": "1"}, "to": {"id": "2"}}]},
    ...         headers={"Authorization": f"Bearer {hub.token}"},
    ...     )
    ...     hub.associated_pairs("contacts", "companies")
    {('1', '2')}
    """

    def __init__(
        self,
        records: Mapping[str, Iterable[int | str]] | None = None,
        tokens: Mapping[str, Collection[str] | None] | None = None,
        custom_object_types: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        portal_id: int = 123,
        record_properties: Mapping[str, Mapping[Any, Mapping[str, object]]] | None = None,
        unique_properties: Mapping[str, Collection[str]] | None = None,
        max_batch_size: int = 1000,
        max_archive_batch_size: int = 2000,
        max_read_batch_size: int = 1000,
        max_objects_batch_size: int = 100,
        read_page_size: int = 500,
        read_partial_status: int = 207,
        missing_ids: str = "per_input",
        batch_400_category: str = "VALIDATION_ERROR",
        batch_400_names_ids: bool = True,
        error_context: str = "from_to",
        group_errors: bool = False,
        results_direction: str = "both",
        success_status: int = 200,
        partial_status: int = 207,
        create_status: int = 201,
        create_partial_status: int = 207,
        unknown_types: str = "per_input",
        create_result_ids: str = "number",
        label_limits: Mapping[tuple[str, str, str | int], int] | None = None,
        optional_batch_fields: bool = True,
        silent_pairs: Collection[tuple[str, str]] | None = None,
        association_limits: Mapping[tuple[str, str], int] | None = None,
        association_type_ids: Mapping[tuple[str, str], int] | None = None,
        scopes_key: str = "requiredScopes",
        rate_limit: tuple[int, float] | None = (100, 10.0),
        rate_limit_headers: bool = True,
        search_rate_limit: tuple[int, float] | None = (5, 1.0),
        search_retry_after: bool = False,
        search_index_delay: float = 0.0,
        daily_limit: int | None = None,
        retry_after: bool = True,
        rate_limit_group: str = "sandbox-app",
        latency: float = 0.0,
        latency_per_input: float = 0.0,
        latency_jitter: float = 0.0,
        faults: Iterable[Fault] = (),
        seed: int = 0,
        log_bodies: bool = True,
    ) -> None:
        # Every parameter but host and port is an option of the same name.
        settings = {
            k: v for k, v in locals().items() if k not in ("self", "host", "port", "__class__")
        }
        settings["faults"] = tuple(faults)
        self._app = Portal(SandboxOptions().updated(settings))
        super().__init__(host, port, Gateway(self._app))

    # -- what clients need ---------------------------------------------------------------

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

    # -- changes -------------------------------------------------------------------------

    def configure(self, **changes: Any) -> None:
        """Change any constructor option except ``host`` and ``port``, at runtime.

        ``records`` replaces every record; ``rate_limit`` restarts the rolling window;
        ``faults`` restarts fault counters.
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
        >>> hub = Sandbox(records={"contacts": []})
        >>> hub.add_records("contacts", [101, 102], [{"email": "Ann@X.com"}, {"email": "b@x.com"}])
        >>> hub.record_properties("contacts", 101)["email"]
        'ann@x.com'
        """
        self._app.add_records(object_type, ids, properties)

    def record_properties(self, object_type: str, record_id: int | str) -> dict[str, str]:
        """A copy of a record's stored properties (empty when it has none)."""
        app = self._app
        with app.lock:
            canonical = app.resolve_type(object_type)
            return dict(app.property_store(canonical).get(int(record_id)))

    def reset(self) -> None:
        """Clear associations, the request log, rate-limit windows, the daily counter and
        fault counters; configuration and records stay."""
        self._app.reset()

    def new_day(self) -> None:
        """Start a new sandbox day: the daily request counter starts again."""
        self._app.new_day()
