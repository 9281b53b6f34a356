"""Where the results go: ``--out`` is checked before anything is sent, then written whole.

The format follows the extension. The index is written unless it is the default 0, 1, 2, ...
(Parquet always keeps it). A file is written next to its destination and moved into
place, so an existing file (a results file updated by ``hubassoc retry``) is never left half
written; if writing fails, the results are saved to a temporary CSV file instead.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from hubassoc_pandas.errors import ConfigError

__all__ = [
    "EXCEL_MAX_ROWS",
    "FORMATS",
    "check_fits",
    "check_out",
    "shaped_like",
    "writable_suffixes",
    "write",
]

#: Extension -> (format name, module it needs or None, extra that installs it or None).
FORMATS: dict[str, tuple[str, str | None, str | None]] = {
    ".csv": ("CSV", None, None),
    ".tsv": ("tab-separated text", None, None),
    ".json": ("JSON table", None, None),
    ".parquet": ("Parquet", "pyarrow", "parquet"),
    ".xlsx": ("Excel", "openpyxl", "excel"),
}
#: Data rows an Excel sheet holds below its header row.
EXCEL_MAX_ROWS = 1_048_575


def _available(module: str | None) -> bool:
    return module is None or importlib.util.find_spec(module) is not None


def writable_suffixes() -> list[str]:
    """The extensions ``--out`` accepts in this installation.

    Examples
    --------
    >>> ".csv" in writable_suffixes()
    True
    """
    return [suffix for suffix, (_, module, _) in FORMATS.items() if _available(module)]


def check_out(path: Path, *, inputs: Iterable[Path] = (), journal: Path | None = None) -> None:
    """Refuse an ``--out`` the results could not be written to, before anything is sent.

    Parameters
    ----------
    path : Path
        The ``--out`` value.
    inputs : iterable of Path
        Files the run reads, which the results must not replace.
    journal : Path, optional
        The run's journal, which the results must not replace either.

    Examples
    --------
    >>> check_out(Path("pairs.csv"), inputs=[Path("pairs.csv")])
    Traceback (most recent call last):
    ...
    hubassoc_pandas.errors.ConfigError: --out pairs.csv is the input file: ...
    """
    if path.is_dir():
        raise ConfigError(
            f"--out {path} is a directory: give a file name such as {path / 'results.csv'}"
        )
    _check_format(path)
    for source in inputs:
        if _same_file(path, source):
            raise ConfigError(
                f"--out {path} is the input file: writing the results there would replace "
                "the input; give another file name."
            )
    if journal is not None and _same_file(path, journal):
        raise ConfigError(f"--out {path} is the journal (--journal); give another file name.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"--out {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"--out {path}: not writable")


def check_fits(path: Path, rows: int) -> None:
    """Refuse an Excel ``--out`` for more rows than a sheet holds.

    Examples
    --------
    >>> check_fits(Path("results.csv"), 5_000_000)
    """
    if path.suffix.lower() == ".xlsx" and rows > EXCEL_MAX_ROWS:
        raise ConfigError(
            f"--out {path}: an Excel sheet holds {EXCEL_MAX_ROWS:,} rows and the input has "
            f"{rows:,}; write .csv or .parquet instead."
        )


def _check_format(path: Path) -> None:
    suffix = path.suffix.lower()
    accepted = ", ".join(writable_suffixes())
    if suffix not in FORMATS:
        shown = f"'{path.suffix}' files" if path.suffix else "a file without an extension"
        raise ConfigError(f"--out {path}: cannot write {shown}; use one of {accepted}")
    name, module, extra = FORMATS[suffix]
    if not _available(module):
        raise ConfigError(
            f"--out {path}: writing {name} needs {module} "
            f"(pip install 'hubassoc_pandas[{extra}]'); or use one of {accepted}"
        )


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return False


def write(results: pd.DataFrame, path: Path) -> None:
    """Write the results in the format of the extension; on failure keep them elsewhere.

    Raises
    ------
    ConfigError
        Writing failed; the message names the temporary CSV file that holds the results.

    Examples
    --------
    >>> write(results, Path("results.parquet"))  # doctest: +SKIP
    """
    try:
        _write_atomically(results, path)
    except Exception as exc:  # any failure: the results must survive it
        fallback = Path(tempfile.mkdtemp(prefix="hubassoc-")) / "results.csv"
        results.to_csv(fallback, index=True)
        raise ConfigError(
            f"could not write {path} ({type(exc).__name__}: {exc}); the results were saved "
            f"to {fallback} instead"
        ) from exc


def shaped_like(frame: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    """``frame``, made from some rows of the results file ``source`` (an undo's, say), in the
    shape of that file: its columns in the file's order (any others after them), and, when
    the file had no index column, none either, so every command writes the same file.

    Examples
    --------
    >>> source = pd.DataFrame({"c": ["1", "2"], "preexisting": [True, False], "status": ["a", "b"]})
    >>> undone = pd.DataFrame({"c": ["2"], "status": ["x"], "preexisting": [False]}, index=[1])
    >>> shaped = shaped_like(undone, source)
    >>> shaped.columns.tolist(), shaped.index.tolist()
    (['c', 'preexisting', 'status'], [0])
    """
    order = [c for c in source.columns if c in frame.columns]
    order += [c for c in frame.columns if c not in set(order)]
    shaped = frame[order]
    if _is_default_index(source.index):
        shaped = shaped.reset_index(drop=True)
    shaped.attrs = dict(frame.attrs)
    return shaped


def _write_atomically(results: pd.DataFrame, path: Path) -> None:
    descriptor, name = tempfile.mkstemp(
        dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=path.suffix
    )
    os.close(descriptor)
    staged = Path(name)
    try:
        _write_as(results, staged, path.suffix.lower())
        if path.exists():
            shutil.copymode(path, staged)
        else:
            umask = os.umask(0)
            os.umask(umask)
            staged.chmod(0o666 & ~umask)
        os.replace(staged, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()


def _write_as(results: pd.DataFrame, path: Path, suffix: str) -> None:
    index = not _is_default_index(results.index)
    if suffix == ".parquet":
        _parquet_ready(results).to_parquet(path)
    elif suffix == ".json":
        results.to_json(path, orient="table", index=index)
    elif suffix == ".xlsx":
        results.to_excel(path, index=index)
    else:
        results.to_csv(path, index=index, sep="\t" if suffix == ".tsv" else ",")


def _is_default_index(index: pd.Index) -> bool:
    """0, 1, 2, ... without a name: nothing worth a column of its own in a file."""
    return (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
    )


def _parquet_ready(results: pd.DataFrame) -> pd.DataFrame:
    """Object columns mixing text and numbers (as an input may) written as text."""
    mixed = [
        column
        for column in results.columns
        if results[column].dtype == object
        and pd.api.types.infer_dtype(results[column], skipna=True).startswith("mixed")
    ]
    if not mixed:
        return results
    ready = results.copy()
    for column in mixed:
        ready[column] = ready[column].astype("string")
    return ready
