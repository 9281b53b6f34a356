"""Reading the command's files: an input table, or a results file written by an earlier run.

Text files are read as UTF-8 (a byte-order mark is ignored) with the delimiter given by
``--sep`` or sniffed from the first lines; ID columns are read as text so that no ID turns
into a float.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.results.schema import ANNOTATION_DTYPES

__all__ = [
    "SNIFFED_SEPARATORS",
    "TEXT_SUFFIXES",
    "parse_separator",
    "read_input",
    "read_results",
    "sniff_separator",
]

#: Delimiters tried, in order of preference, when ``--sep`` is not given.
SNIFFED_SEPARATORS = (",", ";", "\t", "|")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_SEPARATOR_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}
_SAMPLE_CHARS = 64 * 1024
_SAMPLE_ROWS = 20


def parse_separator(text: str) -> str:
    """The delimiter a ``--sep`` value names: one character, or comma/semicolon/tab/pipe.

    Examples
    --------
    >>> parse_separator("tab"), parse_separator(";")
    ('\\t', ';')
    """
    separator = _SEPARATOR_NAMES.get(text.lower(), text)
    if len(separator) != 1 or separator in "\r\n\"'":
        raise ConfigError(
            f"{text!r} is not a delimiter: give one character such as ';' or '|', or one "
            "of comma, semicolon, tab, pipe."
        )
    return separator


def sniff_separator(sample: str, wanted: Sequence[str], *, complete: bool = True) -> str:
    """Pick the delimiter of a CSV text from its first lines.

    The delimiter whose header holds every ``wanted`` column wins; failing that, the one
    splitting every sampled line into the same number (more than one) of fields, the most
    fields first; failing that, a comma.

    Parameters
    ----------
    sample : str
        The beginning of the file.
    wanted : sequence of str
        Column names the header is expected to hold.
    complete : bool
        False when ``sample`` stops mid-file (its last line may be cut short).

    Examples
    --------
    >>> sniff_separator("id;company\\n1;2,5\\n", ["id", "company"])
    ';'
    >>> sniff_separator("a|b|c\\n1|2|3\\n", [])
    '|'
    """
    rows_by_separator: dict[str, list[list[str]]] = {}
    for separator in SNIFFED_SEPARATORS:
        reader = csv.reader(io.StringIO(sample), delimiter=separator)
        try:
            rows = list(itertools.islice(reader, _SAMPLE_ROWS + 1))
        except csv.Error:
            continue
        if not complete and len(rows) > 1:
            rows = rows[:-1]
        rows_by_separator[separator] = [row for row in rows if row]
    holding = [
        separator
        for separator, rows in rows_by_separator.items()
        if rows and wanted and all(name in rows[0] for name in wanted)
    ]
    if holding:
        return max(holding, key=lambda s: len(rows_by_separator[s][0]))
    consistent = [
        (len(rows[0]), separator)
        for separator, rows in rows_by_separator.items()
        if rows and len(rows[0]) > 1 and all(len(row) == len(rows[0]) for row in rows)
    ]
    if consistent:
        best = max(count for count, _ in consistent)
        return next(separator for count, separator in consistent if count == best)
    return ","


def read_input(path: Path, id_columns: Sequence[str], *, sep: str | None = None) -> pd.DataFrame:
    """Read an input table (CSV/TSV/TXT, Parquet, JSON or Excel), ID columns as text.

    Examples
    --------
    >>> frame = read_input(Path("pairs.csv"), ["contact_id", "company_id"])  # doctest: +SKIP
    """
    return _guarded(path, lambda: _read_table(path, id_columns, sep=sep, all_text=False))


def read_results(path: Path, *, sep: str | None = None) -> pd.DataFrame:
    """Read a results file back with the dtypes the results frame had when it was written.

    ``status`` becomes categorical, the counters ``Int64``, ``retryable`` ``boolean`` and the
    text columns ``string``; the input's own columns are read as text in text files.

    Examples
    --------
    >>> results = read_results(Path("results.csv"))  # doctest: +SKIP
    >>> results["status"].dtype  # doctest: +SKIP
    CategoricalDtype(categories=['associated', 'failed', 'invalid', 'unconfirmed', 'not_sent'], ...)
    """
    frame = _guarded(
        path, lambda: _read_table(path, ["from_id", "to_id", "status"], sep=sep, all_text=True)
    )
    missing = [column for column in ANNOTATION_DTYPES if column not in frame.columns]
    if missing:
        raise ConfigError(
            f"{path} is not a results file: it lacks the column(s) {', '.join(missing)}. "
            "Give a file written with --out by hubassoc associate."
        )
    restored = frame.copy()
    for column, dtype in ANNOTATION_DTYPES.items():
        restored[column] = _restore(frame[column], dtype, f"{path}, column {column}")
    return restored


def _guarded(path: Path, read: Any) -> pd.DataFrame:
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    if path.is_dir():
        raise ConfigError(f"{path} is a directory: give the file to read")
    try:
        frame: pd.DataFrame = read()
    except ConfigError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, KeyError, csv.Error) as exc:
        # pandas' ParserError and EmptyDataError are ValueErrors
        raise ConfigError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from exc
    return frame


def _read_table(
    path: Path, wanted: Sequence[str], *, sep: str | None, all_text: bool
) -> pd.DataFrame:
    suffix = path.suffix.lower()
    text_columns: Any = str if all_text else None
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, wanted, sep=sep, all_text=all_text)
    if suffix == ".parquet":
        _need("pyarrow", "reading Parquet", "parquet")
        return pd.read_parquet(path)
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".xlsx":
        _need("openpyxl", "reading Excel files", "excel")
        header = pd.read_excel(path, nrows=0)
        dtype = text_columns or {c: str for c in wanted if c in header.columns}
        frame = pd.read_excel(path, dtype=dtype)
        return _index_from_first_column(frame) if all_text else frame
    raise ConfigError(f"{path}: give a .csv, .tsv, .txt, .parquet, .json or .xlsx file")


def _read_text(
    path: Path, wanted: Sequence[str], *, sep: str | None, all_text: bool
) -> pd.DataFrame:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(_SAMPLE_CHARS)
        complete = not handle.read(1)
    if not sample.strip():
        raise ConfigError(f"{path} is empty: it has no header line with the column names")
    separator = sep or sniff_separator(sample, wanted, complete=complete)
    header = next(csv.reader(io.StringIO(sample), delimiter=separator), [])
    dtype: Any = str if all_text else {c: "string" for c in wanted if c in header}
    frame = pd.read_csv(path, sep=separator, dtype=dtype, encoding="utf-8-sig")
    return _index_from_first_column(frame) if all_text else frame


def _read_json(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("{") and '"schema"' in head:
        return pd.read_json(path, orient="table")
    with path.open(encoding="utf-8") as handle:
        records = json.load(handle)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ConfigError(
            f"{path}: a JSON input is a list of objects (one per row) or a table written by "
            "--out results.json"
        )
    return pd.DataFrame.from_records(records)


def _index_from_first_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Make the unnamed first column of a file written with its index the index again."""
    first = frame.columns[0] if len(frame.columns) else None
    if isinstance(first, str) and (first == "" or first.startswith("Unnamed: 0")):
        return frame.set_index(first).rename_axis(None)
    return frame


def _need(module: str, what: str, extra: str) -> None:
    try:
        __import__(module)
    except ImportError as exc:
        raise ConfigError(f"{what} needs {module}: pip install 'hubassoc_pandas[{extra}]'") from exc


def _restore(values: pd.Series, dtype: Any, where: str) -> pd.Series:
    if isinstance(dtype, pd.CategoricalDtype):
        text = values.astype("string").str.strip()
        bad = text.isna() | ~text.isin(list(dtype.categories))
        _refuse(text, bad, where, "one of " + ", ".join(map(str, dtype.categories)))
        return text.astype(dtype)
    if dtype == "Int64":
        if pd.api.types.is_integer_dtype(values.dtype):
            return values.astype("Int64")
        numbers = pd.to_numeric(values, errors="coerce")
        bad = (numbers.isna() & values.notna()) | (numbers.notna() & (numbers % 1 != 0))
        _refuse(values, bad, where, "a whole number or empty")
        return numbers.astype("Int64")
    if dtype == "boolean":
        if pd.api.types.is_bool_dtype(values.dtype):
            return values.astype("boolean")
        text = values.astype("string").str.strip().str.lower()
        known = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
        bad = text.notna() & ~text.isin(list(known))
        _refuse(values, bad, where, "True, False or empty")
        return text.map(known, na_action="ignore").astype("boolean")
    return values.astype(dtype)


def _refuse(values: pd.Series, bad: pd.Series, where: str, expected: str) -> None:
    if not bool(bad.any()):
        return
    shown = ", ".join(repr(v) for v in values[bad].head(3).tolist())
    raise ConfigError(
        f"{where}: {int(bad.sum())} value(s) are not {expected} (first: {shown}); was the "
        "file edited? Give a results file as hubassoc wrote it."
    )
