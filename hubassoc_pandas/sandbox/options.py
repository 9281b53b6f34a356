"""The sandbox's behaviour settings, validated in one place."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .faults import Fault

__all__ = ["DEFAULT_RECORDS", "DEMO_TOKEN", "SandboxOptions"]

#: The token every sandbox accepts with all scopes unless ``tokens`` says otherwise.
DEMO_TOKEN = "sandbox-demo-token"

#: Records seeded when ``records=None``.
DEFAULT_RECORDS: dict[str, range] = {
    "contacts": range(1, 100_001),
    "companies": range(1, 100_001),
    "deals": range(1, 100_001),
    "tickets": range(1, 100_001),
}

_CHOICES: dict[str, tuple[object, ...]] = {
    "missing_ids": ("per_input", "batch_400"),
    "error_context": ("from_to", "ids", "message"),
    "results_direction": ("both", "one"),
    "success_status": (200, 201),
    "partial_status": (200, 201, 207),
    "scopes_key": ("requiredScopes", "missingScopes"),
    "batch_400_category": ("VALIDATION_ERROR", "OBJECT_NOT_FOUND"),
    "create_status": (200, 201),
    "create_partial_status": (200, 201, 207),
    "unknown_types": ("per_input", "batch_400"),
    "create_result_ids": ("number", "string"),
    "read_partial_status": (200, 207),
}


@dataclass
class SandboxOptions:
    """Everything that shapes how the sandbox answers (see :class:`Sandbox` for each field).

    ``records`` and ``custom_object_types`` are applied by the app when set; the rest are read
    on every request.
    """

    records: Mapping[str, Iterable[int | str]] | None = None
    record_properties: Mapping[str, Mapping[Any, Mapping[str, object]]] | None = None
    unique_properties: Mapping[str, Collection[str]] | None = None
    tokens: Mapping[str, Collection[str] | None] | None = None
    custom_object_types: Mapping[str, str] | None = None
    portal_id: int = 123
    max_batch_size: int = 2000
    max_archive_batch_size: int = 2000
    max_read_batch_size: int = 1000
    max_objects_batch_size: int = 100
    read_page_size: int = 500
    read_partial_status: int = 207
    missing_ids: str = "per_input"
    batch_400_category: str = "VALIDATION_ERROR"
    batch_400_names_ids: bool = True
    error_context: str = "from_to"
    group_errors: bool = False
    results_direction: str = "both"
    success_status: int = 200
    partial_status: int = 200
    create_status: int = 201
    create_partial_status: int = 207
    unknown_types: str = "per_input"
    create_result_ids: str = "number"
    label_limits: Mapping[tuple[str, str, str | int], int] | None = None
    silent_pairs: Collection[tuple[str, str]] | None = None
    association_limits: Mapping[tuple[str, str], int] | None = None
    association_type_ids: Mapping[tuple[str, str], int] | None = None
    scopes_key: str = "requiredScopes"
    rate_limit: tuple[int, float] | None = (100, 10.0)
    enforced_rate_limit: tuple[int, float] | None = None
    background_rate: float = 0.0
    rate_limit_headers: bool = True
    search_rate_limit: tuple[int, float] | None = (5, 1.0)
    search_retry_after: bool = False
    search_index_delay: float = 0.0
    daily_limit: int | None = None
    retry_after: bool = True
    rate_limit_group: str = "sandbox-app"
    latency: float = 0.0
    latency_per_input: float = 0.0
    latency_jitter: float = 0.0
    faults: Collection[Fault] = field(default_factory=tuple)
    seed: int = 0
    log_bodies: bool = True
    optional_batch_fields: bool = False

    def validate(self) -> None:
        """Raise ValueError on any setting the sandbox cannot play."""
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed!r}, got {value!r}")
        for name in (
            "max_batch_size",
            "max_archive_batch_size",
            "max_read_batch_size",
            "max_objects_batch_size",
            "read_page_size",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        for name in ("rate_limit", "enforced_rate_limit", "search_rate_limit"):
            rate = getattr(self, name)
            if rate is not None and (int(rate[0]) < 1 or float(rate[1]) <= 0):
                raise ValueError(f"{name} must be (max requests >= 1, window seconds > 0)")
        if self.search_index_delay < 0:
            raise ValueError("search_index_delay must be >= 0")
        if not 0 <= self.background_rate < float("inf"):
            raise ValueError("background_rate must be a finite number of requests/s >= 0")
        if self.daily_limit is not None and self.daily_limit < 0:
            raise ValueError("daily_limit must be >= 0")
        if min(self.latency, self.latency_per_input, self.latency_jitter) < 0:
            raise ValueError("latencies must be >= 0")
        for fault in self.faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"faults must be Fault instances, got {fault!r}")

    @classmethod
    def names(cls) -> frozenset[str]:
        """The names ``Sandbox.configure`` accepts."""
        return frozenset(f.name for f in fields(cls))

    def updated(self, changes: Mapping[str, Any]) -> SandboxOptions:
        """A validated copy with ``changes`` applied."""
        unknown = set(changes) - self.names()
        if unknown:
            raise TypeError(f"unknown sandbox option(s): {', '.join(sorted(unknown))}")
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        if values["faults"] is None:
            values["faults"] = ()
        values["faults"] = tuple(values["faults"])
        options = SandboxOptions(**values)
        options.validate()
        return options
