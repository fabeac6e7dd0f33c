"""Tests of mgc_core.batch.tags: the genre tag written, only the tag, atomically, and undone."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from mgc_core.audio import load_audio
from mgc_core.batch.tags import (
    TagError,
    TagLog,
    log_entries,
    read_genre,
    sha256_file,
    undo_tags,
    write_genre,
)

SR = 22050
#: format -> (how to write it, the genre key mgc writes)
FORMATS = {
    "mp3": (("sf", {"format": "MP3"}), "TCON"),
    "flac": (("sf", {"format": "FLAC"}), "GENRE"),
    "ogg": (("sf", {"format": "OGG", "subtype": "VORBIS"}), "GENRE"),
    "opus": (("sf", {"format": "OGG", "subtype": "OPUS"}), "GENRE"),
    "m4a": (("av", {"container": "ipod", "codec": "aac"}), "\xa9gen"),
}


@pytest.fixture(scope="module")
def tone():
    rng = np.random.default_rng(0)
    t = np.arange(int(3.0 * SR)) / SR
    y = 0.3 * np.sin(2 * np.pi * 330 * t) + 0.01 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def _make(synth, tone, tmp_path, ext: str):
    (kind, options), key = FORMATS[ext]
    sr = 48000 if ext == "opus" else SR
    y = tone if sr == SR else np.interp(np.arange(int(3.0 * sr)) / sr,
                                        np.arange(tone.size) / SR, tone).astype(np.float32)
    data = synth.sf_bytes(y, sr, **options) if kind == "sf" else synth.av_bytes(y, sr, **options)
    path = tmp_path / f"song.{ext}"
    path.write_bytes(data)
    return path, key


def _samples(path):
    return load_audio(path, sr=None).samples


@pytest.mark.parametrize("ext", list(FORMATS))
def test_the_genre_is_written_and_the_audio_is_untouched(synth, tone, tmp_path, ext):
    path, key = _make(synth, tone, tmp_path, ext)
    before, sha_before = _samples(path), sha256_file(path)
    log = TagLog(tmp_path / "tags.jsonl")
    change = write_genre(path, "hiphop", log=log)
    assert change.written and change.changed and change.previous == {}
    assert read_genre(path) == {key: ["Hip-Hop"]}
    np.testing.assert_array_equal(_samples(path), before)  # the same audio, sample for sample
    assert change.sha256_before == sha_before and change.sha256_after == sha256_file(path)
    (entry,) = log_entries(log.path)
    assert entry["new"] == {key: ["Hip-Hop"]} and entry["previous"] == {}
    again = write_genre(path, "hiphop", log=log)  # already says it: nothing is written
    assert not again.changed and not again.written and len(list(log_entries(log.path))) == 1
    assert [o.status for o in undo_tags(log.path)] == ["restored"]
    assert read_genre(path) == {}
    np.testing.assert_array_equal(_samples(path), before)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".mgc-tmp")]


def test_other_tags_stay_and_the_previous_genre_comes_back(synth, tone, tmp_path):
    from mutagen.flac import FLAC

    path, _ = _make(synth, tone, tmp_path, "flac")
    f = FLAC(path)
    f["genre"], f["title"] = ["Jazz", "Bebop"], "Night"
    f.save()
    log = TagLog(tmp_path / "tags.jsonl")
    assert write_genre(path, "rock", log=log).describe() == (
        "GENRE 'Jazz, Bebop' -> GENRE 'Rock'")
    assert FLAC(path)["title"] == ["Night"]
    undo_tags(log.path)
    assert FLAC(path)["genre"] == ["Jazz", "Bebop"] and FLAC(path)["title"] == ["Night"]


def test_dry_run_changes_nothing(synth, tone, tmp_path):
    path, _ = _make(synth, tone, tmp_path, "mp3")
    data = path.read_bytes()
    change = write_genre(path, "pop", dry_run=True, log=TagLog(tmp_path / "tags.jsonl"))
    assert change.changed and not change.written and path.read_bytes() == data
    assert not (tmp_path / "tags.jsonl").exists()


def test_a_link_is_followed_and_stays_a_link(synth, tone, tmp_path):
    path, key = _make(synth, tone, tmp_path, "ogg")
    link = tmp_path / "link.ogg"
    link.symlink_to(path)
    write_genre(link, "blues")
    assert link.is_symlink() and read_genre(path) == {key: ["Blues"]}


def test_read_only_files_and_untaggable_formats_are_refused(synth, tone, tmp_path):
    path, _ = _make(synth, tone, tmp_path, "mp3")
    data = path.read_bytes()
    path.chmod(0o444)  # refused even for root, who could write it anyway
    with pytest.raises(TagError, match="read-only"):
        write_genre(path, "rock")
    assert path.read_bytes() == data and stat.S_IMODE(path.stat().st_mode) == 0o444
    wav = tmp_path / "song.wav"
    wav.write_bytes(synth.sf_bytes(tone, SR, format="WAV"))
    with pytest.raises(TagError, match="WAVE has no genre tag that mgc writes"):
        write_genre(wav, "rock")
    text = tmp_path / "text.mp3"
    text.write_text("not audio at all " * 20)
    with pytest.raises(TagError):
        write_genre(text, "rock")
    with pytest.raises(TagError, match="disappeared"):
        write_genre(tmp_path / "gone.mp3", "rock")


def test_permissions_are_kept(synth, tone, tmp_path):
    path, _ = _make(synth, tone, tmp_path, "m4a")
    path.chmod(0o640)
    write_genre(path, "metal")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_undo_leaves_a_genre_changed_since_alone(synth, tone, tmp_path):
    path, key = _make(synth, tone, tmp_path, "mp3")
    log = TagLog(tmp_path / "tags.jsonl")
    write_genre(path, "rock", log=log)
    write_genre(path, "jazz")  # by hand, later (not logged)
    (outcome,) = undo_tags(log.path)
    assert outcome.status == "changed since" and read_genre(path) == {key: ["Jazz"]}


def test_two_writes_are_undone_newest_first(synth, tone, tmp_path):
    path, key = _make(synth, tone, tmp_path, "flac")
    log = TagLog(tmp_path / "tags.jsonl")
    write_genre(path, "rock", log=log)
    write_genre(path, "pop", log=log)
    assert [o.status for o in undo_tags(log.path, dry_run=True)] == ["would restore"] * 2
    assert [o.status for o in undo_tags(log.path)] == ["restored", "restored"]
    assert read_genre(path) == {}
    assert {o.status for o in undo_tags(log.path)} == {"already as before", "changed since"}
    assert read_genre(path) == {}  # undo entries are never undone


def test_a_missing_log_is_a_tag_error(tmp_path):
    with pytest.raises(TagError, match="cannot read the tag log"):
        undo_tags(tmp_path / "nope.jsonl")
