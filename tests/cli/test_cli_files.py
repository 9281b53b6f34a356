"""The command's files: delimiter sniffing, reading inputs, reading results back with their
dtypes, checking --out before anything is sent, and writing each format."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas import ANNOTATION_DTYPES, ConfigError
from hubassoc_pandas.api import associate
from hubassoc_pandas.cli import writing
from hubassoc_pandas.cli.reading import parse_separator, read_input, read_results, sniff_separator
from hubassoc_pandas.cli.writing import check_fits, check_out, write

FORMATS = [".csv", ".tsv", ".json", ".parquet", ".xlsx"]


@pytest.mark.parametrize(
    ("sample", "wanted", "expected"),
    [
        ("c,co\n1,2\n", ["c", "co"], ","),
        ("c;co;amount\n1;2;3,5\n4;5;6,25\n", ["c", "co"], ";"),
        ("c\tco\n1\t2\n", ["c", "co"], "\t"),
        ("c|co\n1|2\n", ["c", "co"], "|"),
        ('"name, full";c;co\n"Doe, J";1;2\n', ["c", "co"], ";"),
        ("a;b;c\n1;2;3\n4;5;6\n", ["x", "y"], ";"),  # no header match: the consistent one
        ("a|b\n1|2,5\n3|4\n", [], "|"),  # a comma in one value is not a delimiter
        ("id\n1\n2\n", ["id"], ","),
        ("", ["c"], ","),
    ],
)
def test_delimiter_is_sniffed(sample: str, wanted: list[str], expected: str) -> None:
    assert sniff_separator(sample, wanted) == expected


def test_a_sample_cut_mid_line_is_judged_on_its_whole_lines() -> None:
    sample = "a;b\n1;2\n3;4\n5;6,7,8,9"  # the last line is cut short: ignored
    assert sniff_separator(sample, [], complete=False) == ";"


@pytest.mark.parametrize(
    ("text", "separator"),
    [(";", ";"), ("tab", "\t"), ("\\t", "\t"), ("TAB", "\t"), ("pipe", "|"), ("comma", ",")],
)
def test_sep_names(text: str, separator: str) -> None:
    assert parse_separator(text) == separator


@pytest.mark.parametrize("text", ["", ";;", '"', "\n", "semicolons"])
def test_bad_sep_says_what_to_give(text: str) -> None:
    with pytest.raises(ConfigError, match="give one character"):
        parse_separator(text)


def test_input_with_bom_semicolons_and_leading_zeros(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes("\ufeffc;co;amount\n007;12;3,5\n8;13;4\n".encode())
    frame = read_input(source, ["c", "co"])
    assert list(frame.columns) == ["c", "co", "amount"]
    assert frame["c"].tolist() == ["007", "8"]  # IDs as text, as written
    assert frame["amount"].tolist() == ["3,5", "4"]


def test_sep_overrides_sniffing(tmp_path: Path) -> None:
    source = tmp_path / "odd.txt"
    source.write_text("a;b,c\n1;2,3\n")
    assert list(read_input(source, [], sep=",").columns) == ["a;b", "c"]
    assert list(read_input(source, [], sep=";").columns) == ["a", "b,c"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n", "is empty"),
        ("garbled.csv", b"c,co\n\xff\xfe\x00\x01,2\n", "cannot be read"),
        ("table.dat", b"c,co\n1,2\n", "give a .csv, .tsv, .txt, .parquet, .json or .xlsx"),
        ("list.json", b'{"c": 1}', "a list of objects"),
    ],
)
def test_unreadable_inputs_say_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        read_input(path, ["c", "co"])


def test_a_directory_or_missing_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        read_input(tmp_path, ["c"])
    with pytest.raises(ConfigError, match="no such file"):
        read_input(tmp_path / "missing.csv", ["c"])


def results_frame(index: pd.Index | None = None) -> pd.DataFrame:
    """A results frame with several statuses and missing values in every kind of column."""
    frame = pd.DataFrame(
        {"contact": ["1", "2", None, "x", "5"], "company": [7, 7, 8, 9, 10], "note": list("abcde")},
        index=index,
    )
    results = associate(
        frame, "contacts", "companies", from_col="contact", to_col="company", dry_run=True,
        progress=False,
    )  # fmt: skip
    edits = {
        0: {"status": "associated", "http_status": 201, "batch": 1, "attempts": 1,
            "association_type_id": 279, "association_category": "HUBSPOT_DEFINED",
            "error_category": pd.NA, "error_message": pd.NA, "retryable": pd.NA},
        1: {"status": "unconfirmed", "retryable": True, "correlation_id": "c-1"},
        4: {"status": "failed", "http_status": 500, "retryable": True, "error_detail": '{"a": 1}'},
    }  # fmt: skip
    for row, values in edits.items():
        for column, value in values.items():
            results.iloc[row, results.columns.get_loc(column)] = value
    return results


@pytest.mark.parametrize("suffix", FORMATS)
def test_results_read_back_with_their_dtypes(tmp_path: Path, suffix: str) -> None:
    results = results_frame()
    path = tmp_path / f"results{suffix}"
    write(results, path)
    back = read_results(path)
    for column, dtype in ANNOTATION_DTYPES.items():
        assert back[column].dtype == dtype, column
    annotations = list(ANNOTATION_DTYPES)
    pd.testing.assert_frame_equal(back[annotations], results[annotations])
    assert list(back.columns) == list(results.columns)
    assert back["note"].tolist() == list("abcde")


@pytest.mark.parametrize("suffix", FORMATS)
def test_an_index_of_its_own_comes_back(tmp_path: Path, suffix: str) -> None:
    results = results_frame(pd.Index([10, 11, 12, 13, 14], name="row"))
    write(results, tmp_path / f"results{suffix}")
    back = read_results(tmp_path / f"results{suffix}")
    if suffix in (".parquet", ".json"):  # formats that know an index from a column
        assert back.index.equals(results.index)
    else:
        assert back["row"].astype(int).tolist() == [10, 11, 12, 13, 14]
    unnamed = results_frame(pd.Index([10, 10, 11, 12, 13]))
    write(unnamed, tmp_path / "unnamed.csv")
    assert read_results(tmp_path / "unnamed.csv").index.tolist() == ["10", "10", "11", "12", "13"]


def test_results_file_edited_by_hand_is_refused_with_the_column(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    write(results_frame(), path)
    text = path.read_text()
    cases = {
        "status": text.replace("unconfirmed", "done", 1),
        "attempts": text.replace(",201,1,1,279,", ",201,1,one,279,", 1),
        "retryable": text.replace("True", "maybe", 1),
    }
    for column, edited in cases.items():
        path.write_text(edited)
        with pytest.raises(ConfigError, match=f"column {column}: 1 value"):
            read_results(path)


def test_a_file_that_is_not_results_names_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text("c,co\n1,2\n")
    with pytest.raises(ConfigError, match=r"not a results file: it lacks the column.*from_id"):
        read_results(path)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("c,co\n1,2\n")
    return path


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("{dir}", "is a directory"),
        ("{dir}/in.csv", "is the input file"),
        ("{dir}/sub/../in.csv", "is the input file"),
        ("{dir}/run.db", "cannot write '.db' files; use one of .csv, .tsv, .json"),
        ("{dir}/results", "cannot write a file without an extension"),
        ("{dir}/journal.csv", "is the journal"),
        ("{dir}/no/such/out.csv", "the folder .* does not exist"),
    ],
)
def test_out_is_refused_before_sending(source: Path, out: str, message: str) -> None:
    (source.parent / "sub").mkdir()
    path = Path(out.format(dir=source.parent))
    with pytest.raises(ConfigError, match=message):
        check_out(path, inputs=[source], journal=source.parent / "journal.csv")


def test_out_names_the_package_a_format_needs(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "_available", lambda module: module != "pyarrow")
    assert ".parquet" not in writing.writable_suffixes()
    with pytest.raises(ConfigError, match=r"needs pyarrow .*\[parquet\]'\); or use one of .csv"):
        check_out(source.parent / "out.parquet")


def test_excel_out_is_refused_for_more_rows_than_a_sheet_holds() -> None:
    check_fits(Path("out.xlsx"), writing.EXCEL_MAX_ROWS)
    check_fits(Path("out.csv"), writing.EXCEL_MAX_ROWS + 1)
    with pytest.raises(ConfigError, match="an Excel sheet holds 1,048,575 rows"):
        check_fits(Path("out.xlsx"), writing.EXCEL_MAX_ROWS + 1)


def test_a_failed_write_keeps_the_old_file_and_saves_the_results_elsewhere(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out.xlsx"
    write(results_frame(), out)
    before = out.read_bytes()
    results = results_frame()
    results["when"] = pd.Timestamp("2026-01-01", tz="UTC")  # Excel refuses time zones
    with pytest.raises(ConfigError, match=r"could not write .*saved to .*results\.csv") as error:
        write(results, out)
    assert out.read_bytes() == before
    fallback = Path(str(error.value).rsplit("saved to ", 1)[1].split(" instead")[0])
    assert read_results(fallback)["status"].tolist() == results["status"].tolist()
    shutil.rmtree(fallback.parent)
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]  # no staging file left


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write(results_frame(), tmp_path / "new.csv")
        existing = tmp_path / "shared.csv"
        existing.write_text("")
        existing.chmod(0o664)
        write(results_frame(), existing)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE(existing.stat().st_mode) == 0o664


def test_parquet_takes_input_columns_mixing_text_and_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"contact": pd.Series([1, "abc", None], dtype=object), "co": [1, 2, 3]})
    results = associate(
        frame, "contacts", "companies", from_col="contact", to_col="co", dry_run=True,
        progress=False,
    )  # fmt: skip
    write(results, tmp_path / "out.parquet")
    back = read_results(tmp_path / "out.parquet")
    assert back["contact"].tolist()[:2] == ["1", "abc"]
    assert back["status"].tolist() == ["not_sent", "invalid", "invalid"]
    assert np.array_equal(back["co"].to_numpy(), [1, 2, 3])
