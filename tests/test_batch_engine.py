"""Tests of mgc_core.batch.engine: a library run with small fake models (and one real run that
is killed with SIGKILL and resumed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_classify import ConstantModel, make_fake_assets, use_fakes

from mgc_core import assets
from mgc_core.audio.signals import drum_pattern, major_chord
from mgc_core.batch import engine, rows, work
from mgc_core.batch.engine import run_batch
from mgc_core.batch.output import read_rows
from mgc_core.batch.tags import read_genre
from mgc_core.errors import AssetError
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES

SR = 22050


def music(seconds: float = 4.0) -> np.ndarray:
    """A drum beat over a chord: the gate hears music, so it gets a verdict."""
    y = 0.6 * drum_pattern(sr=SR, duration=seconds) + 0.4 * major_chord(sr=SR, duration=seconds)
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32)


@pytest.fixture()
def fake_assets(monkeypatch, tmp_path):
    use_fakes(monkeypatch)
    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path / "assets")
    ConstantModel.loads = 0
    return make_fake_assets(tmp_path / "assets")


@pytest.fixture()
def library(tmp_path, synth):
    """Three music files (WAV, FLAC, MP3 in sub/), a zero-byte MP3, text named .mp3, notes."""
    root = tmp_path / "lib"
    (root / "sub").mkdir(parents=True)
    y = music()
    (root / "a.wav").write_bytes(synth.sf_bytes(y, SR, format="WAV"))
    (root / "b.flac").write_bytes(synth.sf_bytes(y, SR, format="FLAC"))
    (root / "sub" / "c.mp3").write_bytes(synth.sf_bytes(y, SR, format="MP3"))
    (root / "empty.mp3").write_bytes(b"")
    (root / "text.mp3").write_text("just some text, renamed " * 20)
    (root / "notes.txt").write_text("liner notes")
    return root


def _by_name(path) -> dict[str, dict]:
    return {Path(r["file"]).name: r for r in read_rows(path)}


def test_one_row_per_audio_file_and_an_account_of_the_rest(fake_assets, library, tmp_path):
    out = tmp_path / "results.csv"
    seen = []
    summary = run_batch([library], out=out, recursive=True, progress=seen.append)
    found = _by_name(out)
    assert list(found) == ["a.wav", "b.flac", "empty.mp3", "text.mp3", "c.mp3"]
    for name in ("a.wav", "b.flac", "c.mp3"):
        row = found[name]
        assert row["error"] == "" and row["content"] == "music" and row["genre"] in GENRES
        assert 0 < row["confidence"] <= 1 and row["duration_s"] == pytest.approx(4.0, abs=0.06)
        assert [row[m] for m in MODEL_NAMES] == [GENRES[i] for i in range(len(MODEL_NAMES))]
        assert len(row["sha256"]) == 64 and row["models_sha256"] == engine.models_sha256()
    assert "empty (0 bytes)" in found["empty.mp3"]["error"]
    assert "looks like a text file" in found["text.mp3"]["error"]
    assert found["text.mp3"]["genre"] == "" and found["text.mp3"]["confidence"] is None
    assert (summary.found, summary.classified, summary.failed) == (5, 3, 2)
    assert summary.skipped["not audio (by extension)"] == 1 and summary.exit_status == 2
    assert ConstantModel.loads == len(MODEL_NAMES)  # loaded once for the whole run
    assert [p.done for p in seen] == [1, 2, 3, 4, 5] and seen[-1].total == 5
    assert summary.genres.total() == 3


def test_resume_skips_what_is_done_and_appends_the_rest(fake_assets, library, tmp_path, synth):
    out = tmp_path / "results.jsonl"
    first = run_batch([library / "a.wav", library / "b.flac"], out=out)
    assert first.exit_status == 0 and first.classified == 2
    ConstantModel.loads = 0
    again = run_batch([library / "a.wav", library / "b.flac"], out=out)
    assert again.already_done == 2 and again.classified == 0 and ConstantModel.loads == 0
    (library / "b.flac").write_bytes(synth.sf_bytes(music(5.0), SR, format="FLAC"))  # changed
    more = run_batch([library], out=out, recursive=True)
    assert more.already_done == 1 and more.classified == 2 and more.failed == 2
    names = [Path(r["file"]).name for r in read_rows(out)]
    assert names == ["a.wav", "b.flac", "b.flac", "empty.mp3", "text.mp3", "c.mp3"]
    # other models: another key, so everything is classified again
    other = run_batch([library / "a.wav"], out=out, models=["knn"])
    assert other.classified == 1 and list(read_rows(out))[-1]["cnn"] is None


def test_a_file_that_vanishes_or_cannot_be_read_is_one_error_row(
        fake_assets, library, tmp_path, monkeypatch):
    real_discover, real_hash = engine.discover, work.sha256_file

    def discover_then_delete(paths, **kwargs):
        found = real_discover(paths, **kwargs)
        (library / "a.wav").unlink()  # gone between the listing and its turn
        return found

    def hash_or_refuse(path):
        if str(path).endswith("b.flac"):
            raise PermissionError(13, "Permission denied")
        return real_hash(path)

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    monkeypatch.setattr(work, "sha256_file", hash_or_refuse)
    out = tmp_path / "results.csv"
    summary = run_batch([library], out=out)
    found = _by_name(out)
    assert found["a.wav"]["error"].startswith("file not found: it disappeared")
    assert found["b.flac"]["error"] == "cannot read the file: Permission denied"
    assert summary.failed == 4 and summary.classified == 0
    monkeypatch.setattr(engine, "discover", real_discover)
    monkeypatch.setattr(work, "sha256_file", real_hash)
    retry = run_batch([library], out=out)  # an unreadable file is tried again, not twice listed
    assert retry.retried == 2 and retry.classified == 1
    assert [Path(r["file"]).name for r in read_rows(out)].count("b.flac") == 1


def test_a_file_name_that_is_not_utf8_is_kept_and_found_done(fake_assets, tmp_path, synth):
    lib = tmp_path / "odd"
    lib.mkdir()
    name = os.fsdecode(b"caf\xe9 \xff.wav")  # Latin-1 bytes, not UTF-8: surrogates in Python
    (lib / name).write_bytes(synth.sf_bytes(music(), SR, format="WAV"))
    for out in (tmp_path / "r.csv", tmp_path / "r.jsonl"):
        assert run_batch([lib], out=out).classified == 1
        (row,) = read_rows(out)
        assert Path(row["file"]).name == name and row["error"] == ""
        assert run_batch([lib], out=out).already_done == 1


def test_an_unexpected_decoder_failure_is_an_error_row(fake_assets, library, tmp_path,
                                                       monkeypatch):
    from mgc_core.audio import load

    real = load.load_audio

    def flaky(path, **kwargs):
        if str(path).endswith("a.wav"):
            raise RuntimeError("decoder blew up")
        return real(path, **kwargs)

    monkeypatch.setattr(load, "load_audio", flaky)
    monkeypatch.setattr("mgc_core.audio.load_audio", flaky)
    summary = run_batch([library / "a.wav", library / "b.flac"], out=tmp_path / "r.csv")
    found = _by_name(tmp_path / "r.csv")
    assert found["a.wav"]["error"] == "unexpected RuntimeError: decoder blew up"
    assert found["b.flac"]["error"] == "" and summary.failed == 1


def test_a_broken_model_stops_the_run_before_any_row(fake_assets, library, tmp_path):
    (fake_assets / "models" / "knn.json").write_text("[0.5]")  # altered
    out = tmp_path / "results.csv"
    with pytest.raises(AssetError, match="knn"):
        run_batch([library], out=out)
    assert list(read_rows(out)) == []  # a valid (empty) results file


def test_write_tags_resume_and_dry_run(fake_assets, tmp_path, synth):
    lib = tmp_path / "tagged"
    lib.mkdir()
    for ext, options in (("mp3", {"format": "MP3"}), ("flac", {"format": "FLAC"}),
                         ("wav", {"format": "WAV"})):
        (lib / f"song.{ext}").write_bytes(synth.sf_bytes(music(), SR, **options))
    out = tmp_path / "results.csv"
    data = {p.name: p.read_bytes() for p in lib.iterdir()}
    dry = run_batch([lib], out=out, write_tags=True, dry_run=True)
    assert dry.tags == {"would write": 2, "error": 1}
    assert {p.name: p.read_bytes() for p in lib.iterdir()} == data  # nothing changed
    found = _by_name(out)
    assert found["song.mp3"]["tags"].startswith("would write none -> TCON")
    assert found["song.wav"]["error"].startswith("tag not written: WAVE has no genre tag")
    assert found["song.wav"]["genre"] in GENRES  # the verdict stays in the row
    # the real run tags from the verdicts the dry run stored: no model is even loaded
    ConstantModel.loads = 0
    summary = run_batch([lib], out=out, write_tags=True)
    assert summary.already_done == 3 and ConstantModel.loads == 0
    assert summary.tags == {"written": 2} and summary.exit_status == 2  # the WAV's error stays
    genre = rows.one_line(found["song.flac"]["genre"])
    assert read_genre(lib / "song.flac")["GENRE"][0].lower().replace("-", "") == genre
    assert read_genre(lib / "song.mp3")["TCON"] == read_genre(lib / "song.flac")["GENRE"]
    again = run_batch([lib], out=out, write_tags=True)  # tagged since, and still done
    assert again.already_done == 3 and again.classified == 0
    assert again.tags == {"unchanged": 2}
    assert len(list(read_rows(out))) == 3


@pytest.mark.slow
def test_a_run_killed_with_sigkill_resumes_without_losing_or_repeating_rows(tmp_path, synth):
    """The real CLI in a subprocess (knn only, to be quick), killed after a few rows."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(10):
        (lib / f"{i:02d}.wav").write_bytes(synth.sf_bytes(music(4.0 + i / 10), SR, format="WAV"))
    out = tmp_path / "results.csv"
    command = [sys.executable, "-m", "mgc_core", "classify", str(lib), "--out", str(out),
               "--models", "knn", "--workers", "1"]
    repo = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": repo}
    proc = subprocess.Popen(command, env=env, cwd=repo, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and len(out.read_bytes().splitlines()) >= 4:  # header + 3 rows
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    kept = list(read_rows(out))
    assert 3 <= len(kept) < 10
    done = subprocess.run(command, env=env, cwd=repo, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{len(kept)} already done" in done.stdout
    names = [Path(r["file"]).name for r in read_rows(out)]
    assert names == [f"{i:02d}.wav" for i in range(10)]  # each once, in order
    assert out.read_bytes().endswith(b"\n")
