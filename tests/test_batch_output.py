"""Tests of mgc_core.batch.output: append and flush, repair of a half-written line, resume."""

from __future__ import annotations

import json

import pytest

from mgc_core.batch.output import ResultsFile, read_rows
from mgc_core.batch.rows import ROW_COLUMNS, error_row
from mgc_core.errors import ParameterError


def _row(i: int, **extra) -> dict:
    row = error_row(f"/music/{i}.mp3", "", sha256=f"{i:064x}", models_sha256="m")
    row.update({"error": "", "genre": "rock", "confidence": 0.5 + i / 100, "content": "music"},
               **extra)
    return row


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_rows_are_readable_after_each_append(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with ResultsFile.open(path) as out:
        for i in range(3):
            out.append(_row(i, warnings="cut to the first 600 s\nof 900 s"))
            # flushed at once: another reader sees every row appended so far
            assert len(list(read_rows(path))) == i + 1
    rows = list(read_rows(path))
    assert [r["file"] for r in rows] == [f"/music/{i}.mp3" for i in range(3)]
    assert rows[2]["confidence"] == pytest.approx(0.52) and rows[0]["cnn"] in (None, "")
    assert rows[0]["warnings"] == "cut to the first 600 s of 900 s"  # one line per record
    assert len(path.read_text().splitlines()) == 3 + (suffix == ".csv")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_half_written_last_line_is_cut_off_on_resume(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with ResultsFile.open(path) as out:
        out.append(_row(0))
        out.append(_row(1))
    whole = path.read_bytes()
    path.write_bytes(whole + whole.splitlines(keepends=True)[-1][:17])  # killed mid-write
    with ResultsFile.open(path) as out:
        assert out.repaired_bytes == 17 and len(out.rows) == 2
        out.append(_row(2))
    assert [r["file"] for r in read_rows(path)] == [f"/music/{i}.mp3" for i in range(3)]


def test_a_half_written_header_is_written_again(tmp_path):
    path = tmp_path / "out.csv"
    path.write_bytes(b"file,genre,conf")
    with ResultsFile.open(path) as out:
        assert out.repaired_bytes == 15 and out.rows == []
        out.append(_row(0))
    assert path.read_text().splitlines()[0] == ",".join(ROW_COLUMNS)


def test_rows_of_unreadable_files_are_dropped_to_be_tried_again(tmp_path):
    path = tmp_path / "out.jsonl"
    with ResultsFile.open(path) as out:
        out.append(_row(0))
        out.append(error_row("/music/locked.mp3", "cannot read the file: Permission denied"))
        out.append(error_row("/music/text.mp3", "looks like text", sha256="ab" * 32))
    with ResultsFile.open(path) as out:
        assert out.dropped_rows == 1
        assert [r["file"] for r in out.rows] == ["/music/0.mp3", "/music/text.mp3"]
        out.append(_row(5))
    assert len(path.read_text().splitlines()) == 3


def test_a_second_run_on_the_same_output_is_refused(tmp_path):
    path = tmp_path / "out.csv"
    with ResultsFile.open(path):
        with pytest.raises(ParameterError, match="another run is writing"):
            ResultsFile.open(path)
    ResultsFile.open(path).close()  # released


def test_bad_outputs(tmp_path):
    with pytest.raises(ParameterError, match=r"\.csv or \.jsonl"):
        ResultsFile.open(tmp_path / "out.xlsx")
    with pytest.raises(ParameterError, match="folder of --out does not exist"):
        ResultsFile.open(tmp_path / "nope" / "out.csv")
    other = tmp_path / "other.csv"
    other.write_text("name,score\nx,1\n")
    with pytest.raises(ParameterError, match="other columns"):
        ResultsFile.open(other)


def test_damaged_jsonl_lines_are_skipped_when_read(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps(_row(0)) + "\n{not json\n" + json.dumps([1]) + "\n")
    assert [r["file"] for r in read_rows(path)] == ["/music/0.mp3"]
