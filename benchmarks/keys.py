"""Requests spent looking keys up, against the fewest the batch caps allow.

Three lookups of ``--keys`` distinct keys (default 10,000), each key on three rows spelled
differently (case, spaces, a URL for domains), so the rows outnumber the keys three to one:

* **emails**: contacts by ``email`` through objects batch/read (100 inputs per request), 5%
  of the emails held by no contact;
* **domains**: companies by ``domain`` through CRM search, searching ``domain`` alone;
* **domains + additional**: the same, searching ``hs_additional_domains`` too (the default
  of ``to_id_property="domain"``).

In the sandbox, 5% of the domains have no company, 5% two (paging is not needed: a body's
domains match fewer than 200 companies). The fewest requests the caps allow are, for
batch/read, ``ceil(keys / 100)``; for search, the characters the domains need in the body
(each quoted, a comma apart, once per property searched) divided by the room a body leaves
under its 3,000 characters after the fixed part and the cursor, rounded up: a bound no
packing can beat. Each lookup runs through the library's own
:func:`hubassoc_pandas.jobs.keys.lookup.resolve_keys` against a sandbox on 127.0.0.1 with HubSpot's
limits (100 requests per 10 s; search 5 per s).

    python benchmarks/keys.py                 # 10,000 keys per lookup, about a minute
    python benchmarks/keys.py --quick         # 1,000 keys, for the smoke test

Prints a table and writes ``benchmarks/results/keys.json``. Never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, describe_machine, format_table, machine, write_json

from hubassoc_pandas.engine.settings import make_settings
from hubassoc_pandas.jobs.keys.session import key_session, resolve_keys
from hubassoc_pandas.operations.search_body import CURSOR_ROOM, body_bytes, search_body
from hubassoc_pandas.operations.search_body import MAX_BODY as SEARCH_BODY
from hubassoc_pandas.sandbox import Sandbox

RESULTS = RESULTS_DIR / "keys.json"
MISSING_EVERY, DOUBLE_EVERY = 20, 20  # 5% of keys name nothing, 5% two companies


def emails(n: int) -> tuple[list[str], dict[int, dict[str, str]]]:
    """``n`` distinct emails, and the contacts holding all but every 20th of them."""
    keys = [f"person.{k}@company-{k % 997}.example" for k in range(n)]
    held = {100_000 + k: {"email": key} for k, key in enumerate(keys) if k % MISSING_EVERY}
    return keys, held


def domains(n: int) -> tuple[list[str], dict[int, dict[str, str]]]:
    """``n`` distinct domains, and companies having them (none for every 20th, two for
    every 20th after that)."""
    keys = [f"company-{k}.example" for k in range(n)]
    held: dict[int, dict[str, str]] = {}
    for k, key in enumerate(keys):
        if k % MISSING_EVERY == 0:
            continue
        held[100_000 + k] = {"domain": key}
        if k % DOUBLE_EVERY == 1:
            held[500_000 + k] = {"domain": key}
    return keys, held


def spelled(keys: list[str], url: bool) -> pd.Series:
    """Each key three times: as is, upper-case, and with spaces (or as a URL)."""
    third = [f"https://www.{k}/about" if url else f"  {k} " for k in keys]
    return pd.Series([*keys, *(k.upper() for k in keys), *third], dtype=object)


def fewest_searches(keys: list[str], additional: bool) -> int:
    """A bound no packing of ``keys`` into search bodies can beat."""
    width = 2 if additional else 1
    fixed = len(body_bytes(search_body([], additional=additional, after="x" * CURSOR_ROOM)))
    needed = sum(width * (len(json.dumps(k)) + 1) for k in keys)
    return math.ceil(needed / (SEARCH_BODY - fixed))


def measure(name: str, keys: list[str], held: dict[int, dict[str, str]], **how: Any) -> dict:
    object_type, prop = how["object_type"], how["property"]
    with Sandbox(
        records={"contacts": [], "companies": []},
        record_properties={object_type: held},
        rate_limit=(100, 10.0),
    ) as hub:
        settings = make_settings("contacts", "companies")
        values = spelled(keys, url=prop == "domain")
        started = time.monotonic()
        with key_session(
            settings, hub.url, token=hub.token, client=None, journal=None,
            identity={"operation": "benchmark"}, progress=False, dry_run=False,
            additional_domains=how.get("additional", True),
        ) as session:  # fmt: skip
            found = resolve_keys(values, object_type, prop, session)
        seconds = time.monotonic() - started
        tail = "search" if prop == "domain" else "batch/read"
        sent = [r for r in hub.requests if r.path.endswith(tail)]
        refused = sum(r.status == 429 for r in sent)
    answered = len(sent) - refused
    fewest = (
        fewest_searches(keys, how.get("additional", True))
        if prop == "domain"
        else math.ceil(len(keys) / 100)
    )
    statuses = pd.Series(found.status).fillna("resolved").value_counts().to_dict()
    return {
        "lookup": name,
        "rows": len(values),
        "keys": len(keys),
        "requests": answered,
        "fewest": fewest,
        "per_10k_keys": round(answered * 10_000 / len(keys), 1),
        "over_fewest": round(answered / fewest - 1, 4),
        "rate_limited": refused,
        "seconds": round(seconds, 2),
        "rows_by_outcome": {str(k): int(v) for k, v in statuses.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10_000, help="distinct keys per lookup")
    parser.add_argument("--quick", action="store_true", help="1,000 keys (smoke test)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    n = 1_000 if args.quick else args.keys
    email_keys, contacts = emails(n)
    domain_keys, companies = domains(n)
    rows = [
        measure("emails", email_keys, contacts, object_type="contacts", property="email"),
        measure("domains", domain_keys, companies, object_type="companies",
                property="domain", additional=False),
        measure("domains + additional", domain_keys, companies, object_type="companies",
                property="domain", additional=True),
    ]  # fmt: skip
    info = machine()
    print(f"Key lookups: {n:,} distinct keys per lookup, each on 3 rows spelled differently.")
    print("  fewest = the bound the batch caps allow (100 per batch/read; 3,000 characters per")
    print("  search body, its fixed part and cursor room excluded). Requests are answered ones;")
    print("  429s are counted apart. Sandbox: 100 requests per 10 s, search 5 per s.")
    print(f"  {describe_machine(info)}")
    print()
    headers = ["lookup", "rows", "keys", "requests", "fewest", "per 10k keys", "over fewest",
               "429s", "seconds"]  # fmt: skip
    table = [
        [row["lookup"], row["rows"], row["keys"], row["requests"], row["fewest"],
         row["per_10k_keys"], f"{row['over_fewest']:.1%}", row["rate_limited"], row["seconds"]]
        for row in rows
    ]  # fmt: skip
    print(format_table(headers, table))
    for row in rows:
        print(f"  {row['lookup']}: rows by outcome {row['rows_by_outcome']}")
    write_json(args.output, {"machine": info, "keys": n, "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
