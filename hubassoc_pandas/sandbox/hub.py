"""The sandbox's public handle: :class:`Sandbox`, a local HubSpot on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from .changes import PortalChanges
from .faults import Fault
from .gateway import Gateway
from .options import SandboxOptions
from .portal import Portal
from .server import Listener
from .view import PortalView

__all__ = ["Sandbox"]


class Sandbox(Listener, PortalView, PortalChanges):
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
    truncated bodies, 423, 477, an expired token, 2xx answers that confirm nothing, page
    cursors that go round in a circle). Every answer carries
    ``X-HubSpot-Correlation-Id`` (the same ID as a JSON error's ``correlationId``) and
    ``X-Request-Id``, HTML error pages included.

    Defaults follow HubSpot's published description: partial failures answered 200 (207 with
    ``partial_status=207``), batch answers without ``requestedAt``/``links``, 2,000 inputs per
    associate/default or create request, 1,000 per read, 100 per objects read. Pairs of types
    with no default association (any pair with ``products``) refuse each input of
    associate/default with a per-input VALIDATION_ERROR,
    ``crm.associations.INVALID_ASSOCIATION_TYPE``. A 403 names HubSpot's scopes
    (``crm.objects.contacts.write``, ``tickets``, ``e-commerce`` for products, the contacts
    scopes for activities, ``crm.objects.custom.write``). A token with a shape no HubSpot token
    has (``pat-`` without a private-app token's form, or stray characters) gets 401
    EXPIRED_AUTHENTICATION, "The OAuth token used to make this call expired N day(s) ago.";
    any other unknown token 401 INVALID_AUTHENTICATION.

    The store keeps, for each pair of records, the association type IDs in each direction
    (read them with :meth:`associations`); a labelled association implies the unlabelled
    default.

    Methods (besides :meth:`start`, :meth:`close`, ``with``, :attr:`url`, :attr:`port`):

    - reading: :attr:`token`, :attr:`options`, :attr:`requests` (the log), :meth:`stats`,
      :meth:`associated_pairs` (pairs, any type), :meth:`associations` (pairs with their type
      IDs in one direction), :meth:`association_type_id` (a pair's default), :meth:`labels`,
      :meth:`label_type_id`, :meth:`record_properties`;
    - changing: :meth:`configure` (any option below but host and port), :meth:`add_records`
      (with properties), :meth:`define_label`, :meth:`add_endpoint` (one more association
      path, answered by a function of a test), :meth:`reset`, :meth:`new_day`.

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
        Status when an associate/default batch has no per-input errors (200, or 201), and when
        it has some (200, or 201/207). Removal answers 200, or 207 for errors when
        ``partial_status`` is 207.
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
        Put the published schema's optional ``requestedAt`` and ``links`` into batch answers
        (off by default, as in HubSpot's answers).
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
        ``(max requests, window seconds)``, a rolling window over every request but search's;
        the ``X-HubSpot-RateLimit-*`` headers describe it.
    enforced_rate_limit : tuple[int, float] or None
        A second, unadvertised window that batch association calls (associate, create, read,
        archive, labels archive) must also pass, e.g. ``(150, 10.0)`` while ``rate_limit`` and
        the headers say 190 per 10 s: HubSpot meters association calls in their own bucket.
        Its 429s look like the ten-secondly ones (``Retry-After`` from this window).
    background_rate : float
        Requests per second another process spends from the same token's budget: counted in
        ``rate_limit``'s and ``enforced_rate_limit``'s windows from their first use, so
        visible in ``X-HubSpot-RateLimit-Remaining`` (not in the daily count).
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
        max_batch_size: int = 2000,
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
        partial_status: int = 200,
        create_status: int = 201,
        create_partial_status: int = 207,
        unknown_types: str = "per_input",
        create_result_ids: str = "number",
        label_limits: Mapping[tuple[str, str, str | int], int] | None = None,
        optional_batch_fields: bool = False,
        silent_pairs: Collection[tuple[str, str]] | None = None,
        association_limits: Mapping[tuple[str, str], int] | None = None,
        association_type_ids: Mapping[tuple[str, str], int] | None = None,
        scopes_key: str = "requiredScopes",
        rate_limit: tuple[int, float] | None = (100, 10.0),
        enforced_rate_limit: tuple[int, float] | None = None,
        background_rate: float = 0.0,
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
