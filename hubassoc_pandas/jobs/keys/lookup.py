"""Turn a column of keys (emails, unique property values, company domains) into record IDs.

:meth:`KeySession.resolve` (and :func:`.session.resolve_keys`) reads a key column
(:mod:`.key_values`), looks each distinct key up once through the engine
(:class:`~.operations.resolve_by_property.ResolveByProperty` for unique properties,
:class:`~.operations.search_domains.SearchDomains` for domains) and says, per row, which
record the key names or why it names none. A :class:`KeySession` holds what the phases of
one run share: the client, the pacer of the ten-secondly limit (the writes that follow use
it too), search's own pacer, the journal, the batch numbering, and what was already found,
so the same key is never looked up twice in a run, nor again when a run is resumed from its
journal (the lookups are journalled beside the pairs; see :mod:`.operations.found`). What a
key comes to, per row (``status`` None means resolved): - ``invalid`` / INVALID_KEY: the
cell cannot be such a key (empty, not an email); never sent. - ``failed`` / KEY_NOT_FOUND:
no record has the key. - ``failed`` / KEY_AMBIGUOUS: several records have it (companies by
domain); the message lists them. With ``on_ambiguous="oldest"`` the oldest is taken instead:
the earliest ``createdate``, the lower record ID among equals. A domain held by more than
10,000 companies stays ambiguous whatever the rule, as search cannot list them all. -
``failed``, ``not_sent``: the lookup itself failed (5xx, network after every retry) or was
not made (Ctrl-C, daily limit, dry run), with the engine's category; ``retryable`` says
whether retry() may get further.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.execute import Execution, execute
from hubassoc_pandas.engine.journal import Journal
from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.inputs.key_values import normalise_keys
from hubassoc_pandas.jobs.keys.outcomes import (
    KeyResolution,
    Known,
    Outcomes,
    Verdict,
    describe_found,
    describe_unresolved,
    outcome_table,
    per_row,
)
from hubassoc_pandas.jobs.keys.spec import KeySpec, key_spec, search_pacer
from hubassoc_pandas.operations.base import Operation
from hubassoc_pandas.operations.found import FOUND, Found, read_found
from hubassoc_pandas.operations.resolve_by_property import ResolveByProperty
from hubassoc_pandas.operations.search_body import pack_domains
from hubassoc_pandas.operations.search_domains import SearchDomains
from hubassoc_pandas.options import check_on_ambiguous
from hubassoc_pandas.progress import NoProgress, Progress, TqdmProgress
from hubassoc_pandas.status import NOT_SENT, SUCCESS, counted
from hubassoc_pandas.transport.client import HubSpotClient
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["KeyResolution", "KeySession"]


class KeySession:
    """What the phases of one run share while keys are looked up and pairs written.

    Parameters
    ----------
    settings : RunSettings
        The run's settings (workers, attempts, backoff, API version, rate limit).
    base_url : str
        The portal's base URL.
    client : HubSpotClient or None
        The run's client (None only for a dry run, which sends nothing).
    journal : Journal, optional
        The run's open journal: lookups are recorded in it and read back from it.
    progress : bool or Progress
        True: a bar per lookup phase; a Progress object is told each phase in notes.
    dry_run : bool
        Look nothing up: keys not found in the journal are ``not_sent`` (DRY_RUN).
    on_ambiguous : {"fail", "oldest"}
        What a key several records have comes to.
    again : str
        What a key no record has tells the user to run to look it up again ("retry()", or
        "read() again" for a job without a retry).
    additional_domains : bool
        Whether a domain also matches companies listing it in ``hs_additional_domains``
        (those count only when no company has it as its ``domain``).
    recheck_missing : bool
        Look up again the keys the journal says no record has (a retry: a record created
        since, or not yet in search's index then, is found now); what this session looks up
        is still looked up once.
    first_batch : int
        The request number of the first lookup.

    Attributes
    ----------
    pacer : Pacer
        The ten-secondly limit, for lookups by batch/read and for the writes that follow.
    search_pacer : Pacer
        CRM search's own limit.
    next_batch : int
        The request number the next phase starts at.
    halted : Execution or None
        The phase that stopped the run (Ctrl-C, daily limit, fatal refusal, journal).
    """

    def __init__(
        self,
        settings: RunSettings,
        base_url: str,
        *,
        client: HubSpotClient | None,
        journal: Journal | None = None,
        progress: bool | Progress = False,
        dry_run: bool = False,
        on_ambiguous: str = "fail",
        again: str = "retry()",
        first_batch: int = 1,
        additional_domains: bool = True,
        recheck_missing: bool = False,
    ) -> None:
        self.settings = settings
        self.base_url = base_url
        self.client = client
        self.journal = journal
        self.progress = progress
        self.dry_run = dry_run
        self.on_ambiguous = check_on_ambiguous(on_ambiguous)
        self.again = again
        self.additional_domains = bool(additional_domains)
        self.recheck_missing = bool(recheck_missing)
        self.pacer = Pacer(settings.rate_limit, ceiling=settings.rate_limit)
        self.search_pacer = search_pacer()
        self.next_batch = first_batch
        self.halted: Execution | None = None
        self.requests = 0
        self.rate_limited = 0
        self.summaries: dict[str, dict[str, Any]] = {}
        self._known: dict[str, dict[str, Known]] = {}
        self._journalled: pd.DataFrame | None = None

    def resolve(
        self, values: pd.Series, object_type: str, id_property: str, *, label: str | None = None
    ) -> KeyResolution:
        """Resolve one key column; see :func:`.session.resolve_keys`."""
        spec = self._spec(object_type, id_property)
        keys, problems = normalise_keys(values, spec.kind)
        valid = np.flatnonzero(problems == None)  # noqa: E711
        codes, uniques = pd.factorize(keys[valid])
        uniques = [str(u) for u in uniques]
        weights = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
        known = self._known_for(spec)
        from_journal = sum(1 for value in uniques if known.get(value, _NEW).journalled)
        wanted = [n for n, value in enumerate(uniques) if value not in known]
        started = time.monotonic()
        unresolved = self._look_up(spec, [uniques[n] for n in wanted], weights[wanted])
        outcomes = self._outcomes(spec, uniques, unresolved)
        resolution = per_row(values.index, valid, codes, problems, outcomes, label)
        resolution.summary = self._summary(spec, len(values), uniques, wanted, from_journal)
        resolution.summary["seconds"] = round(time.monotonic() - started, 3)
        resolution.summary["invalid_rows"] = len(values) - len(valid)
        self.summaries[spec.describe()] = resolution.summary
        return resolution

    def findings(self, object_type: str, id_property: str) -> dict[str, Known]:
        """What the run's lookups (and its journal) found for each normalised value of this
        kind of key; values not looked up (or whose lookup failed) are absent."""
        return dict(self._known_for(self._spec(object_type, id_property)))

    # -- what is known ----------------------------------------------------------------------
    def _spec(self, object_type: str, id_property: str) -> KeySpec:
        spec = key_spec(object_type, id_property)
        return dataclasses.replace(spec, additional_domains=self.additional_domains)

    def _known_for(self, spec: KeySpec) -> dict[str, Known]:
        """What earlier phases and the journal found for this kind of key."""
        if spec.prefix in self._known:
            return self._known[spec.prefix]
        known: dict[str, Known] = {}
        if self.journal is not None:
            if self._journalled is None:
                self._journalled = self.journal.done(ResolveByProperty.success)
            rows = self._journalled[self._journalled["key"].str.startswith(spec.prefix)]
            for row in rows.itertuples(index=False):
                numbers = (_int(row.http_status), _int(row.batch), _int(row.attempts))
                for value, found in read_found(row.values.get(FOUND)).items():
                    if _missing(found) and (self.recheck_missing or value in known):
                        continue  # looked up again; or a later lookup found it
                    known[value] = Known(found, numbers, journalled=True)
        self._known[spec.prefix] = known
        return known

    def _look_up(
        self, spec: KeySpec, wanted: list[str], weights: np.ndarray
    ) -> dict[str, tuple[int, ErrorInfo, tuple[int, int, int]]]:
        """Look ``wanted`` up through the engine; record what was found, return the rest
        (status code, why, (http_status, batch, attempts)) per value."""
        if not wanted:
            return {}
        if self.halted is not None:
            info = _halted_info(self.halted)
            return {value: (NOT_SENT, info, (0, 0, 0)) for value in wanted}
        operation, rows_of_key, members = self._operation(spec, wanted, weights)
        done = execute(
            operation,
            rows_of_key,
            dataclasses.replace(self.settings, batch_size=None),
            self.base_url,
            token=None,
            client=self.client,
            progress=self._phase_progress(spec, int(rows_of_key.sum())),
            dry_run=self.dry_run,
            journal=self.journal,
            first_batch=self.next_batch,
            total_rows=int(rows_of_key.sum()),
            invalid_rows=0,
            pacer=self.search_pacer if spec.searched else self.pacer,
        )
        return self._take(spec, done, members)

    def _operation(
        self, spec: KeySpec, wanted: list[str], weights: np.ndarray
    ) -> tuple[Operation, np.ndarray, list[list[str]]]:
        """The lookup of ``wanted``, the rows behind each of its keys, and their values."""
        api_version = self.settings.api_version
        if not spec.searched:
            operation = ResolveByProperty(spec.object_type, spec.id_property, api_version, wanted)
            return operation, weights, [[value] for value in wanted]
        packs = pack_domains(wanted, additional=spec.additional_domains)
        weight_of = dict(zip(wanted, weights.tolist(), strict=True))
        rows = np.array([sum(weight_of[d] for d in pack) for pack in packs], dtype=np.int64)
        return SearchDomains(api_version, packs, additional=spec.additional_domains), rows, packs

    def _take(
        self, spec: KeySpec, done: Execution, members: list[list[str]]
    ) -> dict[str, tuple[int, ErrorInfo, tuple[int, int, int]]]:
        """Record what a lookup phase found; return what it could not say, per value."""
        ledger, report = done.ledger, done.report
        self.next_batch = max(self.next_batch, int(ledger.batch.max(initial=0)) + 1)
        self.requests += report.requests
        self.rate_limited += report.rate_limited
        if report.stopped or report.fatal is not None or report.journal_error is not None:
            self.halted = done
        known = self._known[spec.prefix]
        found_texts = ledger.values[FOUND]
        infos = ledger.info.materialise()
        unresolved: dict[str, tuple[int, ErrorInfo, tuple[int, int, int]]] = {}
        for key, values in enumerate(members):
            numbers = (
                int(ledger.http_status[key]),
                int(ledger.batch[key]),
                int(ledger.attempts[key]),
            )
            if ledger.status[key] == SUCCESS:
                for value, found in read_found(found_texts[key]).items():
                    known[value] = Known(found, numbers)
            info = infos[key] or ErrorInfo(None, "The lookup gave no answer.", retryable=True)
            for value in values:
                if value not in known:
                    unresolved[value] = (int(ledger.status[key]), info, numbers)
        return unresolved

    def _outcomes(
        self,
        spec: KeySpec,
        uniques: list[str],
        unresolved: dict[str, tuple[int, ErrorInfo, tuple[int, int, int]]],
    ) -> Outcomes:
        known = self._known[spec.prefix]
        verdicts: list[Verdict] = []
        numbers: list[tuple[int, int, int]] = []
        for value in uniques:
            entry = known.get(value)
            if entry is not None:
                verdicts.append(
                    describe_found(spec, value, entry.found, self.on_ambiguous, self.again)
                )
                numbers.append(entry.numbers)
            else:
                code, info, counts = unresolved[value]
                verdicts.append(describe_unresolved(spec, value, code, info))
                numbers.append(counts)
        return outcome_table(verdicts, numbers)

    def _summary(
        self, spec: KeySpec, rows: int, uniques: list[str], wanted: list[int], journalled: int
    ) -> dict[str, Any]:
        known = self._known[spec.prefix]
        counts = {"resolved": 0, "not_found": 0, "ambiguous": 0}
        for value in uniques:
            found = known.get(value)
            if found is not None:
                verdict = describe_found(spec, value, found.found, self.on_ambiguous, self.again)
                kind = {None: "resolved", "KEY_NOT_FOUND": "not_found"}.get(verdict[2], "ambiguous")
                counts[kind] += 1
        return {
            "object_type": spec.object_type,
            "id_property": spec.id_property,
            "rows": rows,
            "keys": len(uniques),
            "looked_up": len(wanted),
            "from_journal": journalled,
            **counts,
            "unresolved": len(uniques) - sum(counts.values()),
        }

    def _phase_progress(self, spec: KeySpec, total: int) -> Progress:
        title = f"resolving {spec.describe()}"
        progress = self.progress
        if isinstance(progress, bool | np.bool_):
            if not progress or self.dry_run:
                return NoProgress()
            return TqdmProgress(total, desc=title, success="resolved")
        return _PhaseNotes(progress, title, total)


_NEW = Known(Found((), 0), (0, 0, 0))


def _missing(found: Found) -> bool:
    """Whether a lookup found no record for the value."""
    return found.n == 0 or not found.ids


def _int(value: Any) -> int:
    try:
        return 0 if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return 0


def _halted_info(done: Execution) -> ErrorInfo:
    reason = done.report.stopped or "INTERRUPTED"
    return ErrorInfo(
        reason, "Not looked up: the run stopped before this key's turn.", retryable=True
    )


class _PhaseNotes:
    """A lookup phase shown on the caller's own progress sink as notes ("resolving contacts
    by email: 300 of 5,000 rows"); its row count is left to the phase that writes."""

    def __init__(self, sink: Progress, title: str, total: int) -> None:
        self._sink, self._title, self._total, self._done = sink, title, total, 0

    def _text(self) -> str:
        return f"{self._title}: {self._done:,} of {counted(self._total, 'row')}"

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        self._done += rows
        self._sink.note(self._text())

    def note(self, text: str | None) -> None:
        self._sink.note(f"{self._text()}; {text}" if text else self._text())

    def close(self) -> None:
        self._sink.note(None)
