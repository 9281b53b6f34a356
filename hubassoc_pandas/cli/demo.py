"""``hubassoc demo``: a realistic input associated against a local sandbox, no token needed.

The demo's input is messy on purpose (junk IDs, a missing value, contacts that do not exist),
so some of its rows are never done: showing how they are reported is its point. Its exit code
says whether it worked: 0 when the rows not done are exactly those it made messy, 1 when any
other row is not done (or a messy one was), 2 for bad usage, as for every command.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from hubassoc_pandas.cli.commands import EXIT_OK, EXIT_SOME_NOT_DONE
from hubassoc_pandas.cli.report import print_report, requests_line
from hubassoc_pandas.cli.writing import check_out, write
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.status import counted

__all__ = ["demo_expected", "demo_frame", "run_demo"]

#: The records of the demo's sandbox: contacts and companies 1..N.
_CONTACTS, _COMPANIES = 20_000, 5_000


def run_demo(args: argparse.Namespace) -> int:
    """Start a sandbox, associate :func:`demo_frame` against it and report; returns 0 when
    the rows not done are exactly those :func:`demo_expected` says cannot be, else 1.

    Examples
    --------
    >>> args = argparse.Namespace(rows=100, latency=0.0, progress=False, out=None)
    >>> run_demo(args)  # doctest: +SKIP
    """
    from hubassoc_pandas.sandbox import Sandbox

    if args.rows < 10:
        raise ConfigError("--rows must be at least 10")
    if args.out is not None:
        check_out(args.out)
    print("Starting a local sandbox HubSpot on 127.0.0.1 (contacts 1-20000, companies 1-5000)")
    with Sandbox(
        records={"contacts": range(1, _CONTACTS + 1), "companies": range(1, _COMPANIES + 1)},
        latency=args.latency,
        latency_jitter=args.latency / 2,
        log_bodies=False,
    ) as hub:
        frame = demo_frame(args.rows)
        print(f"Associating {len(frame)} rows of contact/company IDs at {hub.url}\n")
        results = frame.hubassoc.associate(
            "contacts",
            "companies",
            from_col="contact_id",
            to_col="company_id",
            token=hub.token,
            base_url=hub.url,
            progress=args.progress,
        )
        stored = len(hub.associated_pairs("contacts", "companies"))
    if args.out is not None:
        write(results, args.out)
    print_report(results, footer=requests_line(results.attrs.get("hubassoc", {})), out=args.out)
    print(f"\nThe sandbox now holds {counted(stored, 'contact->company association')}.")
    expected = demo_expected(frame)
    done = (results["status"] == "associated").to_numpy(dtype=bool)
    surprises = int((done != expected).sum())
    if surprises:
        print(
            f"\nhubassoc demo: {counted(surprises, 'row')} did not end as the demo expects "
            "(only the rows it made messy should need attention); exit code 1.",
            file=sys.stderr,
        )
        return EXIT_SOME_NOT_DONE
    print(
        f"The {counted(int((~expected).sum()), 'row')} needing attention are those the demo "
        "made messy on purpose; every other row was associated (exit code 0)."
    )
    return EXIT_OK


def demo_expected(frame: pd.DataFrame) -> np.ndarray:
    """Which rows of a :func:`demo_frame` HubSpot (the demo's sandbox: contacts 1-20000,
    companies 1-5000) can associate: both IDs whole numbers of existing records.

    Examples
    --------
    >>> frame = pd.DataFrame({"contact_id": pd.Series([5, 950_000, "abc", 7, None], dtype=object),
    ...                       "company_id": [1.0, 2.0, 3.0, float("nan"), 4.0]})
    >>> demo_expected(frame).tolist()
    [True, False, False, False, False]
    """
    contact = pd.to_numeric(frame["contact_id"].map(_whole), errors="coerce")
    company = frame["company_id"]
    return (
        contact.between(1, _CONTACTS).to_numpy(dtype=bool)
        & company.between(1, _COMPANIES).to_numpy(dtype=bool)
        & (company % 1 == 0).to_numpy(dtype=bool)
    )


def _whole(value: object) -> object:
    """An int cell as it is; anything else (junk text, floats, None) as missing."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def demo_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """A realistic input: good pairs, duplicates, floats from a missing value, junk, and
    records that do not exist.

    Examples
    --------
    >>> frame = demo_frame(100)
    >>> len(frame), frame["company_id"].dtype
    (100, dtype('float64'))
    """
    rng = np.random.default_rng(seed)
    contact: list[object] = rng.integers(1, 20_001, rows).tolist()
    company = rng.integers(1, 5_001, rows).astype(float)  # one missing value makes it float
    company[rng.choice(rows, max(1, rows // 100), replace=False)] = np.nan
    positions = rng.permutation(rows)
    cut = max(1, rows // 50)
    for i in positions[:cut]:  # records that do not exist in the portal
        contact[i] = int(rng.integers(900_000, 999_999))
    junk = ["abc", "", "12.5", -3, "1e5", None]
    for k, i in enumerate(positions[cut : cut + max(1, rows // 100)]):
        contact[i] = junk[k % len(junk)]
    duplicates = positions[-max(1, rows // 20) :]
    sources = rng.choice(positions[: rows // 2], len(duplicates))
    for i, j in zip(duplicates, sources, strict=True):  # the same pair listed twice
        contact[i], company[i] = contact[j], company[j]
    return pd.DataFrame(
        {
            "contact_id": pd.Series(contact, dtype=object),
            "company_id": company,
            "source": rng.choice(["crm_export", "web_form", "import"], rows),
        }
    )
