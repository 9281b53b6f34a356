"""Send one pair operation over a plan: the progress bar it shows, then the engine run."""

from __future__ import annotations

from collections.abc import Callable

from hubassoc_pandas.engine.execute import Execution, execute
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.registry import progress_title
from hubassoc_pandas.options import PairJob
from hubassoc_pandas.progress import make_progress

__all__ = ["execute_pairs"]


def execute_pairs(
    operation: PairOperation,
    plan: Plan,
    job: PairJob,
    *,
    first_batch: int,
    on_sending: Callable[[], object] | None = None,
) -> Execution:
    """Send the operation's keys over the job's connection, with a progress bar titled for
    the operation when the job shows progress; ``on_sending`` as for
    :func:`~hubassoc_pandas.engine.execute.execute`."""
    run = job.run
    progress = run.progress
    if progress is True:
        progress = make_progress(
            True,
            plan.n_rows,
            desc=progress_title(operation),
            success=operation.success,
        )
    return execute(
        operation,
        plan.rows_of_pair,
        run.settings,
        job.connection.base_url,
        token=job.connection.token,
        client=job.connection.client,
        progress=progress,
        dry_run=run.dry_run,
        journal=run.journal_in_use,
        first_batch=first_batch,
        total_rows=plan.n_rows,
        invalid_rows=plan.n_invalid,
        pacer=run.pacer,
        purpose=run.purpose,
        on_sending=on_sending,
    )
