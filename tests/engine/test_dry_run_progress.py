"""A dry run decides every row at once: its progress reaches the end and is closed, whether
it is a tqdm bar or the caller's own sink, for IDs, keys, a resumed journal and removals."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import RecordingProgress, associate_on, call_on, with_emails

from hubassoc_pandas.progress import TqdmProgress
from hubassoc_pandas.sandbox import Sandbox

FRAME = pd.DataFrame({"contact_id": [1, 2, None, 2, 4], "company_id": [5, 6, 7, 6, 8]})


@pytest.mark.parametrize("method", ["associate", "disassociate"])
def test_a_dry_run_fills_a_tqdm_bar(hub: Sandbox, method: str) -> None:
    shown = io.StringIO()
    bar = TqdmProgress(len(FRAME), file=shown)
    out = call_on(hub, method, FRAME, "contacts", "companies", from_col="contact_id",
                  to_col="company_id", dry_run=True, progress=bar)  # fmt: skip
    assert hub.requests == []
    assert out["status"].astype(str).tolist().count("not_sent") == 4
    text = shown.getvalue()
    assert "100%" in text and "5/5" in text


def test_a_dry_run_tells_a_sink_every_row_and_closes_it(hub: Sandbox) -> None:
    sink = RecordingProgress()
    associate_on(hub, FRAME, dry_run=True, progress=sink)
    assert sink.rows == len(FRAME) and sink.closed
    assert sink.counts == {"invalid": 1, "not_sent": 4}


def test_a_dry_run_by_keys_and_a_resumed_one_fill_it_too(hub: Sandbox, tmp_path: Path) -> None:
    with_emails(hub, {1: "a@x.io"})
    keyed = pd.DataFrame({"email": ["a@x.io", "nope", "b@x.io"], "company_id": [5, 6, 7]})
    sink = RecordingProgress()
    options: dict[str, Any] = {"from_col": "email", "from_id_property": "email"}
    associate_on(hub, keyed, dry_run=True, progress=sink, **options)
    assert sink.rows == len(keyed) and sink.closed

    journal = tmp_path / "run.db"
    associate_on(hub, FRAME.iloc[:2], journal=journal)
    sink = RecordingProgress()
    associate_on(hub, FRAME, journal=journal, dry_run=True, progress=sink)
    assert sink.rows == len(FRAME) and sink.closed
    assert sink.counts == {"associated": 3, "invalid": 1, "not_sent": 1}  # 2->6 twice
