"""The ``hubassoc`` command: ``demo``, ``associate`` and ``sandbox``.

Exit codes: 0 when every row is associated, 1 when some are not (including an interrupted
run), 2 for bad usage or a fatal error. The token is read from ``HUBSPOT_ACCESS_TOKEN`` only,
never from the command line, where it would land in shell history and process lists.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .api import associate
from .errors import ConfigError, FatalApiError, HubAssocError

__all__ = ["demo_frame", "main"]

EXIT_OK, EXIT_SOME_NOT_ASSOCIATED, EXIT_USAGE = 0, 1, 2
_SHOWN_COLUMNS = ["from_id", "to_id", "status", "error_category", "error_message"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    hubassoc 0.1.0
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["sandbox"]:
        from .sandbox.__main__ import main as sandbox_main

        return sandbox_main(args_list[1:])
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_USAGE
    logging.basicConfig(
        level=logging.WARNING if not args.verbose else logging.DEBUG,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "demo":
            return _demo(args)
        return _associate(args)
    except HubAssocError as exc:
        print(f"hubassoc: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hubassoc",
        description="Associate HubSpot CRM records in bulk from a CSV or Parquet file.",
    )
    parser.add_argument("--version", action="version", version=f"hubassoc {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run against a local sandbox HubSpot; no token needed")
    demo.add_argument(
        "--rows", type=int, default=5000, help="rows in the demo frame (default 5000)"
    )
    demo.add_argument("--latency", type=float, default=0.05, help="sandbox seconds per request")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    demo.add_argument("--out", type=Path, help="also write the results to this CSV file")

    run = commands.add_parser(
        "associate",
        help="associate the pairs of two ID columns of a file",
        description="Token from HUBSPOT_ACCESS_TOKEN; base URL from HUBSPOT_BASE_URL or "
        "--base-url (default https://api.hubapi.com).",
    )
    run.add_argument("file", type=Path, help="input .csv or .parquet")
    run.add_argument("--from", dest="from_type", required=True, help="e.g. contacts")
    run.add_argument("--to", dest="to_type", required=True, help="e.g. companies")
    run.add_argument("--from-col", required=True, help="column of from-record IDs")
    run.add_argument("--to-col", required=True, help="column of to-record IDs")
    run.add_argument("--out", type=Path, help="write results here (.csv or .parquet)")
    run.add_argument("--batch-size", type=int, default=100)
    run.add_argument("--dry-run", action="store_true", help="check and plan; send nothing")
    run.add_argument("--journal", type=Path, help="SQLite journal: resume a stopped run")
    run.add_argument("--base-url", help="API base URL (https, or http on loopback only)")
    run.add_argument("--api-version", default="2026-03", help="date version or v4")
    run.add_argument("--max-workers", type=int, default=16, help="requests in flight")
    run.add_argument(
        "--rate-limit",
        help="at most this many requests/seconds, e.g. 150/10 (default: follow HubSpot's "
        "rate-limit headers, starting at 100/10)",
    )
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def _associate(args: argparse.Namespace) -> int:
    if args.out is not None:
        _check_writable(args.out)
    frame = _read(args.file, [args.from_col, args.to_col])
    try:
        results = associate(
            frame,
            args.from_type,
            args.to_type,
            from_col=args.from_col,
            to_col=args.to_col,
            base_url=args.base_url,
            batch_size=args.batch_size,
            progress=not args.no_progress,
            dry_run=args.dry_run,
            journal=args.journal,
            api_version=args.api_version,
            max_workers=args.max_workers,
            rate_limit=args.rate_limit,
        )
    except FatalApiError as exc:
        if exc.results is not None and args.out:
            _write(exc.results, args.out)
            print(f"hubassoc: partial results written to {args.out}", file=sys.stderr)
        raise
    if args.out:
        _write(results, args.out)
    _report(results, out=args.out)
    return EXIT_OK if bool((results["status"] == "associated").all()) else EXIT_SOME_NOT_ASSOCIATED


def _demo(args: argparse.Namespace) -> int:
    from .sandbox import Sandbox

    if args.rows < 10:
        raise ConfigError("--rows must be at least 10")
    print("Starting a local sandbox HubSpot on 127.0.0.1 (contacts 1-20000, companies 1-5000)")
    with Sandbox(
        records={"contacts": range(1, 20_001), "companies": range(1, 5_001)},
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
            progress=not args.no_progress,
        )
        stored = len(hub.associated_pairs("contacts", "companies"))
    if args.out:
        _write(results, args.out)
    _report(results, out=args.out)
    print(f"\nThe sandbox now holds {stored} contact->company associations.")
    return EXIT_OK


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


def _report(results: pd.DataFrame, *, out: Path | None) -> None:
    record = results.attrs.get("hubassoc", {})
    print("\nSummary")
    print(results.hubassoc.summary().to_string())
    failures = results.hubassoc.failures()
    if len(failures):
        # a few rows of each kind of failure, the commonest kind first
        distinct = failures.drop_duplicates("error_message")
        sample = distinct.groupby("error_category", sort=False, dropna=False).head(5)
        print(f"\nFirst failures of each kind (of {len(failures)} rows not associated)")
        with pd.option_context("display.max_colwidth", 70, "display.width", 160):
            print(sample[_SHOWN_COLUMNS].to_string())
    seconds = record.get("seconds")
    if seconds is not None:
        print(
            f"\n{record.get('requests', 0)} requests in {seconds:.1f}s"
            + (f"; results written to {out}" if out else "")
        )


def _check_writable(path: Path) -> None:
    """Refuse an --out the results could not be written to, before anything is sent."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"--out {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"--out {path}: not writable")


def _read(path: Path, id_columns: list[str]) -> pd.DataFrame:
    try:
        return _read_table(path, id_columns)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ParserError is a ValueError
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from exc


def _read_table(path: Path, id_columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except ImportError as exc:
            raise ConfigError(
                "reading Parquet needs pyarrow: pip install 'hubassoc_pandas[parquet]'"
            ) from exc
    if suffix in (".csv", ".txt", ".tsv"):
        header = pd.read_csv(path, nrows=0, sep="\t" if suffix == ".tsv" else ",")
        as_text = {c: "string" for c in id_columns if c in header.columns}
        return pd.read_csv(path, dtype=as_text, sep="\t" if suffix == ".tsv" else ",")
    raise ConfigError(f"{path}: give a .csv, .tsv or .parquet file")


def _write(results: pd.DataFrame, path: Path) -> None:
    """Write the results; if that fails, keep them in a temporary file and say where."""
    try:
        _write_to(results, path)
    except (OSError, ImportError) as exc:
        fallback = Path(tempfile.mkdtemp(prefix="hubassoc-")) / "results.csv"
        results.to_csv(fallback, index=True)
        raise ConfigError(
            f"could not write {path} ({type(exc).__name__}: {exc}); the results were saved "
            f"to {fallback} instead"
        ) from exc


def _write_to(results: pd.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".parquet":
        results.to_parquet(path)
    else:
        results.to_csv(path, index=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
