"""Tests of mgc_core.datasets.gtzan.

Most tests build a tiny fake GTZAN tree in ``tmp_path`` (1-s WAV files written with
soundfile, hand-written lists). The tests marked ``gtzan`` read the real copy in
``$MGC_GTZAN_DIR`` or ``../shared/data/gtzan`` and skip when it is absent.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mgc_core.audio import Audio
from mgc_core.datasets import (
    ENV_VAR,
    GTZAN,
    LAYOUTS,
    TRACK_ID_RE,
    Track,
    ValidationReport,
    find_root,
    usable_ids,
)
from mgc_core.errors import DatasetNotFoundError, MGCError, ParameterError
from mgc_core.genres import GENRES

SR = 8000
IDS = ("blues.00000", "blues.00001", "blues.00002", "metal.00040", "rock.00016")


def _write_wav(path: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    y = 0.1 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR) + 0.01 * rng.standard_normal(SR)
    sf.write(path, y.astype(np.float32), SR, subtype="PCM_16")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_tree(
    base: Path,
    layout: str = "genres",
    *,
    ids: tuple[str, ...] = IDS,
    ext: str = "wav",
    lists: bool = True,
) -> Path:
    """Write a fake GTZAN copy under ``base`` and return its root."""
    audio_dir = base if layout == "." else base / layout
    for i, track_id in enumerate(ids):
        genre = track_id.split(".")[0]
        path = audio_dir / genre / f"{track_id}.{ext}"
        if ext == "wav":
            _write_wav(path, seed=i)
        else:  # discovery goes by name only
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"not decoded in this test")
    if lists:
        splits = base / "splits"
        splits.mkdir(parents=True, exist_ok=True)
        (splits / "train_filtered.txt").write_text(
            "blues/blues.00000.wav\nblues/blues.00001.wav\n\nmetal/metal.00099.wav\n"
        )
        (splits / "valid_filtered.txt").write_text("# a comment\nrock/rock.00016.wav\n")
        # test_filtered.txt deliberately absent
        (splits / "gtzan_excluded_by_filtered_split.txt").write_text(
            "# excluded\nblues.00002\nmetal.00058\n"
        )
        (splits / "gtzan_faults_repetitions_distortions_foleiss.txt").write_text(
            "# format: track_id<TAB>reason\nblues.00002\trepetition\nrock.00016\tdistortion\n"
        )
        (splits / "gtzan_exact_duplicate_au_pairs.txt").write_text(
            "# format: id_a<TAB>id_b<TAB>sha256\nmetal.00040\trock.00016\tabc123\n"
        )
        (splits / "GTZANindex_sturm2012_artist_title.txt").write_text(
            "## Bob L. Sturm, 2012\n"
            "blues.00000.wav ::: John Lee Hooker ::: One Bourbon, One Scotch And One Beer\n"
            "blues.00001.wav ::: John Lee Hooker ::: \n"
            "blues.00002.wav ::: :::\n"
            "metal.00040.wav ::: Iron Maiden ::: Title ::: with colons\n"
        )
        if ext == "wav":
            rows = ["id\tgenre\tsample_rate\tduration_s\tsha256\torigin"]
            for track_id in ids:
                path = audio_dir / track_id.split(".")[0] / f"{track_id}.wav"
                rows.append(f"{track_id}\t{track_id.split('.')[0]}\t{SR}\t1.00\t{_sha(path)}\tfake")
            (base / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")
    return base


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "gtzan")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


# --------------------------------------------------------------------------- root


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_is_found(tmp_path: Path, layout: str) -> None:
    root = make_tree(tmp_path / "gtzan", layout)
    assert find_root(root) == root.resolve()
    gtzan = GTZAN(root)
    assert gtzan.root == root.resolve()
    assert gtzan.audio_dir == (root if layout == "." else root / layout).resolve()
    assert list(gtzan.tracks) == sorted(IDS)
    assert gtzan.split_ids()["valid"] == ["rock.00016"]  # splits/ found beside any layout


@pytest.mark.parametrize("ext", ["wav", "au", "flac", "ogg", "mp3", "WAV", "Ogg"])
def test_any_audio_extension(tmp_path: Path, ext: str) -> None:
    root = make_tree(tmp_path / "gtzan", ext=ext, lists=False)
    gtzan = GTZAN(root)
    assert list(gtzan.tracks) == sorted(IDS)
    assert gtzan.track("blues.00001").path.name == f"blues.00001.{ext}"


def test_non_gtzan_names_are_ignored_and_wav_preferred(tree: Path) -> None:
    blues = tree / "genres" / "blues"
    for name in (
        "README.txt", "blues.0003.wav", "blues.000003.wav", "rock.00007.wav",
        "blues.00004.txt", "Blues.00005.wav", "blues.00006.wav.bak",
    ):
        (blues / name).write_bytes(b"x")
    (blues / "blues.00007.wav").mkdir()  # a folder, not a file
    (blues / "blues.00000.au").write_bytes(b"x")  # second file for an id: .wav wins
    (tree / "genres" / "polka").mkdir()
    (tree / "genres" / "polka" / "polka.00000.wav").write_bytes(b"x")
    gtzan = GTZAN(tree)
    assert list(gtzan.tracks) == sorted(IDS)
    assert gtzan.track("blues.00000").path.suffix == ".wav"


def test_argument_wins_over_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env = make_tree(tmp_path / "env", ids=("blues.00000",), lists=False)
    from_arg = make_tree(tmp_path / "arg", ids=("rock.00001",), lists=False)
    monkeypatch.setenv(ENV_VAR, str(from_env))
    assert find_root() == from_env.resolve()
    assert list(GTZAN().tracks) == ["blues.00000"]
    assert find_root(from_arg) == from_arg.resolve()
    assert list(GTZAN(str(from_arg)).tracks) == ["rock.00001"]


def test_env_var_with_user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path / "gtzan", lists=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(ENV_VAR, "~/gtzan")
    assert find_root() == (tmp_path / "gtzan").resolve()


def _assert_helpful(err: DatasetNotFoundError) -> None:
    text = str(err)
    assert ENV_VAR in text
    assert f"export {ENV_VAR}=/path/to/gtzan" in text
    for pattern in (
        "<root>/genres/<genre>/<genre>.000NN.<ext>",
        "<root>/Data/genres_original/<genre>/",
        "<root>/genres_original/<genre>/",
        "<root>/<genre>/<genre>.000NN.<ext>",
    ):
        assert pattern in text


def test_nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DatasetNotFoundError, match="No GTZAN folder is configured") as info:
        find_root()
    _assert_helpful(info.value)
    monkeypatch.setenv(ENV_VAR, "   ")
    with pytest.raises(DatasetNotFoundError, match="No GTZAN folder is configured"):
        GTZAN()


def test_path_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetNotFoundError, match="does not exist") as info:
        find_root(missing)
    _assert_helpful(info.value)
    assert str(missing) in str(info.value)
    monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(DatasetNotFoundError, match=f"{ENV_VAR}=.*does not exist"):
        find_root()


def test_path_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "gtzan.zip"
    file.write_bytes(b"PK")
    with pytest.raises(DatasetNotFoundError, match="is not a folder") as info:
        find_root(file)
    _assert_helpful(info.value)


def test_no_layout_matches(tmp_path: Path) -> None:
    root = tmp_path / "gtzan"
    (root / "genres" / "blues").mkdir(parents=True)
    (root / "genres" / "blues" / "notes.txt").write_text("empty")
    (root / "audio" / "blues").mkdir(parents=True)  # unknown layout
    _write_wav(root / "audio" / "blues" / "blues.00000.wav")
    with pytest.raises(DatasetNotFoundError, match="No GTZAN audio files were found") as info:
        GTZAN(root)
    _assert_helpful(info.value)
    assert isinstance(info.value, MGCError)


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    "bad",
    [
        "", "blues", "blues.0001", "blues.000001", "Blues.00001", "blues.00001 ",
        "blues.00001\n", "polka.00001", "blues.00001.wav", "blues/blues.00001",
        "../../etc/passwd", "/etc/passwd", "blues/../../../etc/passwd",
        "blues.\u0661\u0662\u0663\u0664\u0665",  # Arabic-Indic digits
        None, 12,
    ],
)
def test_malformed_ids_are_refused(tree: Path, bad: object) -> None:
    gtzan = GTZAN(tree)
    with pytest.raises(ParameterError, match="Malformed GTZAN track id"):
        gtzan.track(bad)  # type: ignore[arg-type]
    assert not TRACK_ID_RE.fullmatch(bad) if isinstance(bad, str) else True


def test_absent_id_names_the_root(tree: Path) -> None:
    with pytest.raises(ParameterError, match="not in the GTZAN copy") as info:
        GTZAN(tree).track("jazz.00001")
    assert str(tree.resolve()) in str(info.value)


def test_symlinks_outside_the_root_are_refused(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "gtzan")
    outside = tmp_path / "outside"
    _write_wav(outside / "secret.wav")
    _write_wav(outside / "jazz" / "jazz.00001.wav")
    (root / "genres" / "blues" / "blues.00009.wav").symlink_to(outside / "secret.wav")
    (root / "genres" / "jazz").symlink_to(outside / "jazz", target_is_directory=True)
    # a link that stays inside the root is fine
    _write_wav(root / "elsewhere" / "pop.00003.wav")
    (root / "genres" / "pop").mkdir()
    (root / "genres" / "pop" / "pop.00003.wav").symlink_to(root / "elsewhere" / "pop.00003.wav")

    gtzan = GTZAN(root)
    assert "blues.00009" not in gtzan.tracks
    assert "jazz.00001" not in gtzan.tracks
    for track_id in ("blues.00009", "jazz.00001"):
        with pytest.raises(ParameterError):
            gtzan.track(track_id)
    inside = gtzan.track("pop.00003")
    assert inside.path == (root / "elsewhere" / "pop.00003.wav").resolve()
    assert all(t.path.is_relative_to(gtzan.root) for t in gtzan.tracks.values())


def test_only_outside_links_means_not_found(tmp_path: Path) -> None:
    outside = make_tree(tmp_path / "real", lists=False)
    root = tmp_path / "gtzan"
    root.mkdir()
    (root / "genres").symlink_to(outside / "genres", target_is_directory=True)
    with pytest.raises(DatasetNotFoundError):
        GTZAN(root)


def test_root_reached_through_a_symlink(tmp_path: Path) -> None:
    real = make_tree(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    gtzan = GTZAN(link)
    assert gtzan.root == real.resolve()
    assert len(gtzan.tracks) == len(IDS)


# --------------------------------------------------------------------------- tracks


def test_tracks_genres_and_counts(tree: Path) -> None:
    gtzan = GTZAN(tree)
    assert gtzan.tracks is gtzan.tracks  # computed once
    assert gtzan.track_ids() == sorted(IDS)
    assert gtzan.track_ids("blues") == ["blues.00000", "blues.00001", "blues.00002"]
    assert gtzan.track_ids(" Rock ") == ["rock.00016"]
    assert gtzan.track_ids("jazz") == []
    with pytest.raises(ParameterError, match="Unknown genre"):
        gtzan.track_ids("polka")
    counts = gtzan.genre_counts()
    assert list(counts) == list(GENRES)
    assert counts["blues"] == 3 and counts["metal"] == 1 and counts["jazz"] == 0
    assert gtzan.genres_present() == ("blues", "metal", "rock")


def test_track_fields_and_artist_index(tree: Path) -> None:
    gtzan = GTZAN(tree)
    track = gtzan.track("blues.00000")
    assert isinstance(track, Track)
    assert (track.track_id, track.genre) == ("blues.00000", "blues")
    assert track.path == (tree / "genres" / "blues" / "blues.00000.wav").resolve()
    assert track.artist == "John Lee Hooker"
    assert track.title == "One Bourbon, One Scotch And One Beer"
    assert (gtzan.track("blues.00001").artist, gtzan.track("blues.00001").title) == (
        "John Lee Hooker",
        None,
    )
    assert gtzan.track("blues.00002").artist is None
    assert gtzan.track("rock.00016").artist is None  # not in the index
    index = gtzan.artist_index()
    assert index["blues.00002"] == (None, None)
    assert index["metal.00040"] == ("Iron Maiden", "Title ::: with colons")


def test_split_and_annotation_lists(tree: Path) -> None:
    gtzan = GTZAN(tree)
    assert gtzan.split_ids() == {
        "train": ["blues.00000", "blues.00001", "metal.00099"],
        "valid": ["rock.00016"],
        "test": [],  # file absent -> empty, not an error
    }
    assert gtzan.split_ids(present_only=True)["train"] == ["blues.00000", "blues.00001"]
    assert gtzan.excluded_ids() == {"blues.00002", "metal.00058"}
    assert gtzan.faults() == {
        "blues.00002": "repetition",
        "metal.00040": "exact duplicate of rock.00016",
        "rock.00016": "distortion; exact duplicate of metal.00040",
    }
    row = gtzan.manifest()["blues.00001"]
    assert row["sample_rate"] == SR and row["duration_s"] == 1.0 and row["origin"] == "fake"
    assert len(row["sha256"]) == 64
    assert usable_ids(gtzan) == ["blues.00000", "blues.00001", "metal.00040", "rock.00016"]


def test_missing_lists_give_empty_results(tmp_path: Path) -> None:
    gtzan = GTZAN(make_tree(tmp_path / "gtzan", lists=False))
    assert gtzan.split_ids() == {"train": [], "valid": [], "test": []}
    assert gtzan.excluded_ids() == set()
    assert gtzan.faults() == {}
    assert gtzan.artist_index() == {}
    assert gtzan.manifest() == {}
    assert usable_ids(gtzan) == sorted(IDS)
    assert gtzan.validate().ok


def test_splits_dir_argument(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "gtzan", lists=False)
    lists = tmp_path / "my_lists"
    lists.mkdir()
    (lists / "test_filtered.txt").write_text("rock/rock.00016.wav\n")
    gtzan = GTZAN(root, splits_dir=lists)
    assert gtzan.split_ids()["test"] == ["rock.00016"]
    with pytest.raises(DatasetNotFoundError, match="splits folder"):
        GTZAN(root, splits_dir=tmp_path / "typo")


# --------------------------------------------------------------------------- validate


def test_validate_clean_tree(tree: Path) -> None:
    report = GTZAN(tree).validate(check_checksums=True)
    assert isinstance(report, ValidationReport)
    assert report.ok, report
    assert report.checked == len(IDS)


def test_validate_reports_instead_of_raising(tree: Path) -> None:
    blues = tree / "genres" / "blues"
    (blues / "blues.00001.wav").unlink()  # missing
    (blues / "blues.00002.wav").write_bytes(b"RIFF\x00\x00garbage")  # corrupt
    metal = tree / "genres" / "metal" / "metal.00040.wav"
    _write_wav(metal, seed=99)  # altered: still readable, different bytes
    _write_wav(tree / "genres" / "jazz" / "jazz.00003.wav")  # not in MANIFEST
    with (tree / "splits" / "valid_filtered.txt").open("a") as handle:
        handle.write("this is not an id\n")

    gtzan = GTZAN(tree)
    quick = gtzan.validate()
    assert quick.missing == ["blues.00001"]
    assert list(quick.unreadable) == ["blues.00002"]
    assert quick.unreadable["blues.00002"].startswith("cannot open")
    assert quick.checksum_mismatch == []  # not asked
    assert quick.unlisted == ["jazz.00003"]
    assert quick.bad_list_entries == ["valid_filtered.txt:3: 'this is not an id'"]
    assert not quick.ok

    full = gtzan.validate(check_checksums=True)
    assert full.checksum_mismatch == ["blues.00002", "metal.00040"]
    assert full.missing == ["blues.00001"]


def test_validate_survives_a_broken_manifest(tree: Path) -> None:
    (tree / "MANIFEST.tsv").write_bytes(b"id\tsample_rate\n\xff\xfe\t12x\nblues.00000\tnan?\n")
    report = GTZAN(tree).validate(check_checksums=True)
    assert report.missing == []
    assert any(entry.startswith("MANIFEST.tsv:2") for entry in report.bad_list_entries)
    assert GTZAN(tree).manifest()["blues.00000"]["sample_rate"] is None


def test_track_audio_calls_load_audio(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, dict]] = []
    stub = types.ModuleType("mgc_core.audio")

    def load_audio(source: object, **kw: object) -> str:
        calls.append((source, kw))
        return "decoded"

    stub.load_audio = load_audio  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mgc_core.audio", stub)
    track = GTZAN(tree).track("rock.00016")
    assert calls == []  # nothing is read before audio() is called
    assert track.audio(sr=16000) == "decoded"
    assert calls == [(track.path, {"sr": 16000})]


def test_track_audio_is_lazy_and_uses_load_audio(tree: Path) -> None:
    track = GTZAN(tree).track("blues.00000")  # building a track reads no audio
    audio = track.audio(sr=SR)
    assert isinstance(audio, Audio)


# --------------------------------------------------------------------------- real data


def _real_root() -> Path:
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"


REAL_ROOT = _real_root()


@pytest.fixture(scope="module")
def real() -> GTZAN:
    if not (REAL_ROOT / "genres").is_dir():
        pytest.skip(
            f"GTZAN data not found at {REAL_ROOT}: set {ENV_VAR} to the shared GTZAN folder "
            f"to run the real-data tests"
        )
    return GTZAN(REAL_ROOT)


def _manifest_rows() -> list[dict[str, str]]:
    """MANIFEST.tsv read directly (csv), independently of the GTZAN class under test."""
    with open(REAL_ROOT / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _listed(name: str) -> set[str]:
    """Track ids of a split list (``genre/genre.000NN.wav`` lines), read directly."""
    lines = (REAL_ROOT / "splits" / name).read_text(encoding="utf-8").splitlines()
    return {line.strip().rsplit("/", 1)[-1].removesuffix(".wav") for line in lines
            if line.strip() and not line.startswith("#")}


# The copy grows when more clips are found (521 clips, then 597): these tests take
# the counts from the copy's own manifest and lists, and check the code against them.


@pytest.mark.gtzan
def test_real_counts(real: GTZAN) -> None:
    rows = _manifest_rows()
    assert len(real.tracks) == len(rows) >= 521
    assert real.genre_counts() == {g: sum(r["genre"] == g for r in rows) for g in GENRES}
    assert real.genres_present() == GENRES


@pytest.mark.gtzan
def test_real_usable_ids(real: GTZAN) -> None:
    held = {r["id"] for r in _manifest_rows()}
    excluded = real.excluded_ids()
    assert excluded == _listed("gtzan_excluded_by_filtered_split.txt")
    assert len(excluded) == 70
    usable = usable_ids(real)
    assert usable == sorted(held - excluded)
    assert len(usable) >= 495 and not set(usable) & excluded


@pytest.mark.gtzan
def test_real_splits(real: GTZAN) -> None:
    full = real.split_ids()
    assert {k: len(v) for k, v in full.items()} == {"train": 443, "valid": 197, "test": 290}
    held = {r["id"] for r in _manifest_rows()}
    present = real.split_ids(present_only=True)
    assert {k: set(v) for k, v in present.items()} == {
        k: _listed(f"{k}_filtered.txt") & held for k in ("train", "valid", "test")}
    assert not set(full["train"]) & (set(full["valid"]) | set(full["test"]))
    assert not set(full["valid"]) & set(full["test"])
    assert sum(len(v) for v in full.values()) + len(real.excluded_ids()) == 1000


@pytest.mark.gtzan
def test_real_artist_index_and_faults(real: GTZAN) -> None:
    index = real.artist_index()
    assert len(index) == 1000
    assert set(real.tracks) <= set(index)
    assert real.track("blues.00000").artist == "John Lee Hooker"
    faults = real.faults()
    assert "exact duplicate of rock.00016" in faults["metal.00058"]
    assert faults["reggae.00086"] == "distortion"


@pytest.mark.gtzan
def test_real_manifest_and_validate(real: GTZAN) -> None:
    manifest = real.manifest()
    assert set(manifest) == set(real.tracks)
    rates = [row["sample_rate"] for row in manifest.values()]
    assert sorted(rates) == sorted(int(r["sample_rate"]) for r in _manifest_rows())
    assert rates.count(16000) == 30 and rates.count(22050) == len(rates) - 30
    report = real.validate()
    assert report.ok, report


# --------------------------------------------------------------------------- escapes
# Track ids and file parameters never reach files outside the dataset root.


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd", "blues.00000/../../x", "blues.00000/../../../etc/passwd",
        "blues.00000\\..\\..\\x", "blues/../blues.00000", "./blues.00000",
        "blues.00000/", "blues.00000\x00", "blues.00000\x00.wav", "blues.00000/.",
        "blues.\uff10\uff10\uff10\uff10\uff10",  # fullwidth digits
        "~/blues.00000", "%2e%2e/blues.00000",
    ],
)
def test_path_like_ids_are_refused(tree: Path, bad: str) -> None:
    with pytest.raises(ParameterError, match="Malformed GTZAN track id") as info:
        GTZAN(tree).track(bad)
    assert "e.g. 'blues.00012'" in str(info.value)


def test_absolute_paths_are_refused_even_inside_the_root(tree: Path) -> None:
    gtzan = GTZAN(tree)
    inside = gtzan.track("blues.00000").path
    for bad in (str(inside), str(inside.with_suffix("")), "/etc/passwd", inside):
        with pytest.raises(ParameterError, match="Malformed GTZAN track id"):
            gtzan.track(bad)  # type: ignore[arg-type]


def test_a_very_long_id_gives_a_short_message(tree: Path) -> None:
    with pytest.raises(ParameterError, match="Malformed GTZAN track id") as info:
        GTZAN(tree).track("../" * 5000 + "etc/passwd")
    assert len(str(info.value)) < 300


def test_a_file_swapped_for_an_outside_link_after_the_scan_is_refused(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "gtzan")
    outside = tmp_path / "outside" / "secret.wav"
    _write_wav(outside)
    gtzan = GTZAN(root)
    assert "blues.00001" in gtzan.tracks  # scanned while it was a real file
    victim = root / "genres" / "blues" / "blues.00001.wav"
    victim.unlink()
    victim.symlink_to(outside)
    with pytest.raises(ParameterError, match="resolves outside the dataset root") as info:
        gtzan.track("blues.00001")
    assert "refusing to read it" in str(info.value)
    assert gtzan.track("blues.00000").path.is_relative_to(gtzan.root)  # the others still work


def test_relative_and_dotdot_links_out_of_the_root_are_ignored(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "gtzan")
    _write_wav(tmp_path / "outside" / "x.wav")
    blues = root / "genres" / "blues"
    (blues / "blues.00010.wav").symlink_to(Path("..", "..", "..", "outside", "x.wav"))
    (blues / "blues.00011.wav").symlink_to(blues / ".." / ".." / ".." / "outside" / "x.wav")
    # a chain: an inside link to an inside link that leads out
    (root / "hop.wav").symlink_to(tmp_path / "outside" / "x.wav")
    (blues / "blues.00012.wav").symlink_to(root / "hop.wav")
    gtzan = GTZAN(root)
    for track_id in ("blues.00010", "blues.00011", "blues.00012"):
        assert track_id not in gtzan.tracks
        with pytest.raises(ParameterError, match="not in the GTZAN copy"):
            gtzan.track(track_id)
    assert all(t.path.is_relative_to(gtzan.root) for t in gtzan.tracks.values())


def test_link_loops_and_dangling_links_are_skipped(tmp_path: Path) -> None:
    # Path.resolve() raises RuntimeError on a loop before Python 3.13: it must not escape.
    root = make_tree(tmp_path / "gtzan")
    blues = root / "genres" / "blues"
    (blues / "blues.00020.wav").symlink_to("blues.00020.wav")  # itself
    (blues / "blues.00021.wav").symlink_to("blues.00022.wav")  # a two-link cycle
    (blues / "blues.00022.wav").symlink_to("blues.00021.wav")
    (blues / "blues.00023.wav").symlink_to(tmp_path / "nowhere.wav")  # dangling
    (root / "genres" / "jazz").symlink_to("jazz", target_is_directory=True)  # folder loop
    gtzan = GTZAN(root)
    assert list(gtzan.tracks) == sorted(IDS)
    assert gtzan.validate().checked == len(IDS)


def test_a_track_swapped_for_a_link_loop_after_the_scan_is_refused(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "gtzan")
    gtzan = GTZAN(root)
    assert "rock.00016" in gtzan.tracks
    victim = root / "genres" / "rock" / "rock.00016.wav"
    victim.unlink()
    victim.symlink_to(victim.name)
    with pytest.raises(ParameterError, match="loop of symbolic links"):
        gtzan.track("rock.00016")


def test_list_entries_with_paths_give_ids_only(tree: Path) -> None:
    # A list line is reduced to its last component and must then be an id: never opened.
    with (tree / "splits" / "test_filtered.txt").open("w") as handle:
        handle.write("../../../etc/passwd\n/etc/shadow\nblues/../../../outside/blues.00001.wav\n")
    gtzan = GTZAN(tree)
    assert gtzan.split_ids()["test"] == ["blues.00001"]
    assert gtzan.track("blues.00001").path.is_relative_to(gtzan.root)
    assert any("passwd" in entry for entry in gtzan.validate().bad_list_entries)


def test_bad_folder_parameters_give_typed_errors(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "gtzan")
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        GTZAN(str(root) + "\x00/../../etc")
    with pytest.raises(DatasetNotFoundError, match="splits folder"):
        GTZAN(root, splits_dir=str(root) + "\x00")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(DatasetNotFoundError):
        GTZAN(loop)
    with pytest.raises(DatasetNotFoundError, match="splits folder"):
        GTZAN(root, splits_dir=loop)
    with pytest.raises(ParameterError, match="must be given as a str or a path"):
        GTZAN(str(root).encode())  # type: ignore[arg-type]
