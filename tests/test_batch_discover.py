"""Tests of mgc_core.batch.discover: the files a library run takes, and the account of the rest."""

from __future__ import annotations

import os

import pytest

from mgc_core.batch import discover as disc
from mgc_core.batch.discover import discover, is_audio_name


@pytest.fixture()
def library(tmp_path):
    """a.wav, B.MP3, notes.txt, .hidden.mp3, ._a.wav; sub/c.flac, sub/deeper/d.ogg; empty/."""
    root = tmp_path / "lib"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").mkdir()
    for name in ("a.wav", "B.MP3", "notes.txt", ".hidden.mp3", "._a.wav", "sub/c.flac",
                 "sub/deeper/d.ogg", "sub/cover.jpg"):
        (root / name).write_bytes(b"x")
    return root


def _names(found):
    return [p.name for p in found.files]


def test_is_audio_name():
    assert is_audio_name("song.MP3") and is_audio_name("a.b.flac")
    assert not is_audio_name("mp3") and not is_audio_name(".mp3") and not is_audio_name("x.txt")


def test_a_folder_without_recursive_takes_its_own_files(library):
    found = discover([library])
    assert _names(found) == ["B.MP3", "a.wav"]
    assert found.skipped[disc.NOT_ENTERED] == 2  # empty/ and sub/
    assert found.skipped[disc.NOT_AUDIO] == 1 and found.skipped[disc.HIDDEN] == 2
    assert not found.failed and not found.notes


def test_recursive_order_is_stable_files_before_subfolders(library):
    found = discover([library], recursive=True)
    assert _names(found) == ["B.MP3", "a.wav", "c.flac", "d.ogg"]
    assert found.skipped[disc.NOT_AUDIO] == 2  # notes.txt, cover.jpg


def test_missing_paths_and_broken_links_fail_once_each(library, tmp_path):
    (library / "gone.mp3").symlink_to(tmp_path / "nowhere.mp3")
    (library / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    found = discover([library, tmp_path / "missing.wav"])
    reasons = dict(found.failed)
    assert reasons[str(library / "gone.mp3")].startswith("broken link")
    assert reasons[str(tmp_path / "missing.wav")].startswith("file not found")
    assert len(found.failed) == 2  # the broken .txt link is only counted as not audio


def test_symlink_loops_end_with_a_note(library):
    (library / "sub" / "loop").symlink_to(library)  # a link back up: a loop
    (library / "self").symlink_to(library / "self")  # a link to itself
    found = discover([library], recursive=True)
    assert _names(found) == ["B.MP3", "a.wav", "c.flac", "d.ogg"]
    assert any("reached again" in n for n in found.notes)
    assert any("symlink loop" in n and "self" in n for n in found.notes)


def test_the_same_file_twice_is_taken_once(library):
    (library / "again.wav").symlink_to(library / "a.wav")
    found = discover([library, library / "a.wav"])
    assert _names(found) == ["B.MP3", "a.wav"]
    assert found.skipped[disc.DUPLICATE] == 2


def test_an_unreadable_folder_is_a_note_and_the_walk_goes_on(library, monkeypatch):
    real = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("sub"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(disc.os, "scandir", scandir)
    found = discover([library], recursive=True)
    assert _names(found) == ["B.MP3", "a.wav"]
    assert found.unreadable_folders == 1
    assert "Permission denied" in found.notes[0]


def test_devices_and_pipes_are_not_opened(library):
    os.mkfifo(library / "pipe.wav")
    found = discover([library])
    assert "pipe.wav" not in _names(found) and found.skipped[disc.NOT_REGULAR] == 1
