"""Tests of the input comparison (mgc_devtools.compare_inputs), the command behind the
numbers in mgc_core.models.transfer's docstring.

The fast tests use synthetic features and tables only: the scoring (a clear synthetic
problem scores 1.0, groups never cross folds), the segment cutting, the genre-balanced
subset, the cache (keyed by the file's content) and the bad arguments. The networks on a
synthetic file and the command on a few GTZAN clips are ``slow``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mgc_core.assets import sha256_file
from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import ParameterError
from mgc_core.evaluation import splits as splits_module
from mgc_core.models.audioset import GENRE_INDEX
from mgc_devtools import compare_inputs as ci

GTZAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"


def _problem(n_per_class: int = 12, n_classes: int = 3, d: int = 6, seed: int = 0):
    """Well separated classes; each artist group holds two rows of one class."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = rng.normal(scale=0.3, size=(y.size, d))
    X[np.arange(y.size), y % d] += 5.0
    groups = np.array([f"artist:{i // 2}" for i in range(y.size)])
    return X, y, groups


def _features(y: np.ndarray, *, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """Synthetic clip_parts results: every tenth column of every part carries the genre
    (one column would drown among hundreds of standardised noise columns); 2-4 segments."""
    rng = np.random.default_rng(seed)
    out = []
    for label in y:
        n = int(rng.integers(2, 5))
        parts = {name: rng.normal(scale=0.3, size=(n, w)).astype(np.float32)
                 for name, w in ci.PARTS.items()}
        for name in parts:
            parts[name][:, label::10] += 4.0
        parts["audioset_logits"][:, GENRE_INDEX[label]] += 10.0
        out.append(parts)
    return out


def _table(tmp_path: Path, labels, groups=None) -> ClipTable:
    """A ClipTable of tiny distinct files (their content keys the cache)."""
    labels = np.asarray(labels, dtype=np.int64)
    paths = []
    for i in range(labels.size):
        path = tmp_path / f"clip{i}.bin"
        path.write_bytes(f"clip {i}".encode())
        paths.append(path)
    groups = groups if groups is not None else [f"artist:{i}" for i in range(labels.size)]
    return ClipTable(ids=tuple(f"blues.{i:05d}" for i in range(labels.size)), labels=labels,
                     groups=tuple(groups), paths=tuple(paths), excluded=0)


# --------------------------------------------------------------------------- scoring


def test_clear_classes_score_balanced_accuracy_1_at_every_c_and_seed():
    X, y, groups = _problem()
    result = ci.cross_validate(X, y, groups, c_values=[0.01, 1.0], seeds=[0, 1])
    assert [r["C"] for r in result["by_C"]] == [0.01, 1.0]
    for r in result["by_C"]:
        assert r["balanced_accuracy"] == 1.0 and r["per_seed"] == [1.0, 1.0]
    assert result["best"] == {"C": 0.01, "balanced_accuracy": 1.0}  # ties: the first C
    assert result["not_converged"] == 0


def test_shuffled_labels_score_near_chance():
    X, y, groups = _problem(n_per_class=20)
    y = np.random.default_rng(1).permutation(y)
    result = ci.cross_validate(X, y, groups, c_values=[1.0], seeds=[0, 1, 2])
    assert result["best"]["balanced_accuracy"] < 0.6


def test_groups_never_cross_folds_and_every_row_is_tested_once(monkeypatch):
    seen = []
    real = splits_module.grouped_kfold

    def spy(y, groups=None, **kwargs):
        folds = real(y, groups, **kwargs)
        seen.append((np.asarray(groups), kwargs, folds))
        return folds

    monkeypatch.setattr(splits_module, "grouped_kfold", spy)
    X, y, groups = _problem()
    ci.cross_validate(X, y, groups, c_values=[1.0], seeds=[0, 3], n_splits=4)
    assert [kw["seed"] for _, kw, _ in seen] == [0, 3]
    for g, kwargs, folds in seen:
        assert kwargs["n_splits"] == 4 and len(folds) == 4
        assert (g == groups).all()
        for train, test in folds:
            assert not set(g[train]) & set(g[test])
        assert sorted(np.concatenate([test for _, test in folds])) == list(range(y.size))


def test_a_group_memorised_feature_gives_nothing_under_grouped_folds():
    """Each artist has its own indicator column and a random genre: only leaking the
    artist across folds could predict it."""
    rng = np.random.default_rng(0)
    n_groups = 40
    group_label = np.tile([0, 1], n_groups // 2)
    groups = np.repeat(np.arange(n_groups), 3)
    y = group_label[groups]
    X = np.eye(n_groups)[groups] + rng.normal(scale=0.01, size=(groups.size, n_groups))
    result = ci.cross_validate(X, y, groups.astype(str), c_values=[1.0], seeds=[0])
    assert result["best"]["balanced_accuracy"] < 0.8  # leaking the artist would give 1.0


def test_zero_shot_reads_the_genre_logits_averaged_over_segments():
    y = np.arange(10)
    logits = [f["audioset_logits"] for f in _features(y)]
    assert ci.zero_shot_accuracy(logits, y) == 1.0
    logits[0][0, GENRE_INDEX[1]] += 1000.0  # one loud segment outweighs the mean
    assert ci.zero_shot_accuracy(logits, y) == pytest.approx(0.9)


def test_clip_means_join_the_parts_in_order():
    feats = [{"musicnn": np.full((2, 500), 3.0),
              "audioset_embedding": np.array([[0.0] * 384, [2.0] * 384])}]
    X = ci.clip_means(feats, ["audioset_embedding", "musicnn"])
    assert X.shape == (1, 884) and (X[0, :384] == 1.0).all() and (X[0, 384:] == 3.0).all()


def test_compare_scores_every_variant_from_the_features(tmp_path, monkeypatch):
    y = np.repeat(np.arange(4), 6)
    table = _table(tmp_path, y, groups=[f"artist:{i // 2}" for i in range(y.size)])
    feats = _features(y)
    monkeypatch.setattr(ci, "clip_features", lambda t, **kw: feats)
    result = ci.compare(table, c_values=[0.1], seeds=[0])
    assert list(result["variants"]) == [*ci.VARIANTS, ci.ZERO_SHOT]
    assert result["variants"]["both"]["width"] == 1411
    assert result["variants"]["both_full_band"]["parts"][0] == "musicnn"
    for name in ci.VARIANTS:
        assert result["variants"][name]["best"]["balanced_accuracy"] == 1.0
    assert result["variants"][ci.ZERO_SHOT]["balanced_accuracy"] == 1.0
    assert result["data"]["n_clips"] == 24
    json.dumps(result)  # ready for --out
    table_text = ci.format_table(result)
    assert "both_full_band" in table_text and "untrained" in table_text and "C=0.1" in table_text


# --------------------------------------------------------------------------- segments, subsets


def test_segment_grid_zero_pads_the_last_segment():
    out = ci.segment_grid(np.arange(1.0, 8.0), n_segments=3, segment=3)
    assert out.dtype == np.float32 and out.tolist() == [[1, 2, 3], [4, 5, 6], [7, 0, 0]]
    assert ci.segment_grid(np.arange(10.0), n_segments=2, segment=3).shape == (2, 3)


@pytest.mark.parametrize("window", [4, 5, 12, 25])
def test_centred_windows_are_centred_on_each_segment_and_reflected(window):
    y = np.arange(20.0)
    out = ci.centred_windows(y, n_segments=3, segment=6, window=window)
    assert out.shape == (3, window)
    for k in range(3):
        centre = k * 6 + 3
        index = np.arange(centre - window // 2, centre - window // 2 + window)
        while (index < 0).any() or (index > 19).any():  # mirror without repeating the edge
            index = np.where(index < 0, -index, index)
            index = np.where(index > 19, 38 - index, index)
        assert out[k].tolist() == y[index].tolist()


def test_balanced_subset_takes_the_genres_in_turn(tmp_path):
    labels = [0, 0, 0, 1, 1, 2]
    table = _table(tmp_path, labels)
    sub = ci.balanced_subset(table, 4)
    assert sub.ids == ("blues.00000", "blues.00001", "blues.00003", "blues.00005")
    assert sub.labels.tolist() == [0, 0, 1, 2] and sub.paths[2] == table.paths[3]
    assert ci.balanced_subset(table, None) is table
    assert len(ci.balanced_subset(table, 100)) == 6


# --------------------------------------------------------------------------- cache


def test_features_are_cached_by_the_files_content(tmp_path, monkeypatch):
    calls = []

    def fake_parts(path, *, model):
        calls.append(Path(path).name)
        return _features(np.array([0]), seed=len(calls))[0]

    monkeypatch.setattr(ci, "clip_parts", fake_parts)
    table = _table(tmp_path, [0, 1, 2])
    cache = tmp_path / "cache"
    first = ci.clip_features(table, cache_dir=cache)
    assert calls == ["clip0.bin", "clip1.bin", "clip2.bin"]
    again = ci.clip_features(table, cache_dir=cache)
    assert len(calls) == 3  # nothing recomputed
    for a, b in zip(first, again, strict=True):
        assert all(np.array_equal(a[k], b[k]) for k in ci.PARTS)
    assert len(list(cache.rglob("*.npz"))) == 3
    sha = sha256_file(table.paths[0])
    (entry,) = cache.glob(f"{sha[:2]}/{sha}.*.npz")
    entry.write_bytes(b"not an npz")  # a broken entry is a miss
    table.paths[1].write_bytes(b"edited")  # new content, new key
    ci.clip_features(table, cache_dir=cache)
    assert calls[3:] == ["clip0.bin", "clip1.bin"]


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("kwargs", [
    {"c_values": [0.0]}, {"c_values": [-1.0]}, {"c_values": []}, {"c_values": [float("nan")]},
    {"c_values": ["big"]}, {"seeds": []}, {"seeds": [-1]}, {"seeds": [0.5]},
    {"n_splits": 1}, {"n_splits": 40},
])
def test_cross_validate_refuses_bad_settings(kwargs):
    X, y, groups = _problem()
    with pytest.raises(ParameterError):
        ci.cross_validate(X, y, groups, **kwargs)


def test_max_folds_is_bounded_by_the_groups_and_the_largest_genre():
    y = np.array([0, 0, 0, 1, 1, 2])
    assert ci.max_folds(y, np.array(list("abcdef"))) == 3
    assert ci.max_folds(y, np.array(list("aabbcc"))) == 3
    assert ci.max_folds(y, np.array(list("aaabbb"))) == 2


def test_too_few_clips_per_genre_for_the_folds_is_a_parameter_error():
    y = np.repeat(np.arange(10), 3)  # 3 clips a genre cannot fill 5 stratified folds
    X = np.random.default_rng(0).normal(size=(30, 4))
    with pytest.raises(ParameterError, match="at most 3 folds"):
        ci.cross_validate(X, y, np.arange(30).astype(str), n_splits=5)
    assert ci.cross_validate(X, y, np.arange(30).astype(str), c_values=[1.0], seeds=[0],
                             n_splits=3)["best"]["C"] == 1.0


@pytest.mark.parametrize("change", ["shape", "nan", "one_class", "float_labels", "groups"])
def test_cross_validate_refuses_bad_data(change):
    X, y, groups = _problem()
    if change == "shape":
        X = X[:-1]
    elif change == "nan":
        X[0, 0] = np.nan
    elif change == "one_class":
        y = np.zeros_like(y)
    elif change == "float_labels":
        y = y + 0.5
    else:
        groups = groups[:3]
    with pytest.raises(ParameterError):
        ci.cross_validate(X, y, groups)


def test_compare_refuses_bad_arguments_before_computing_features(tmp_path, monkeypatch):
    monkeypatch.setattr(ci, "clip_features", lambda *a, **k: pytest.fail("computed features"))
    table = _table(tmp_path, [0, 1, 2, 3])
    for kwargs in ({"variants": ["musicnn", "mfcc"]}, {"variants": []}, {"seeds": []},
                   {"c_values": [0]}, {"n_splits": 1}, {"n_splits": 5}):
        with pytest.raises(ParameterError):
            ci.compare(table, **kwargs)


@pytest.mark.parametrize("call", [
    lambda: ci.balanced_subset(None, 0),
    lambda: ci.balanced_subset(None, True),
    lambda: ci.segment_grid(np.zeros((2, 3)), n_segments=1, segment=3),
    lambda: ci.segment_grid(np.zeros(3), n_segments=0, segment=3),
    lambda: ci.centred_windows(np.zeros(1), n_segments=1, segment=1, window=3),
    lambda: ci.centred_windows(np.zeros(9), n_segments=1, segment=3, window=0),
    lambda: ci.clip_means([], ["mfcc"]),
    lambda: ci.zero_shot_accuracy([np.zeros((2, 10))], np.array([0])),
    lambda: ci.zero_shot_accuracy([], np.array([0])),
])
def test_bad_arguments_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()


def test_the_command_exits_2_with_the_error(tmp_path, capsys):
    assert ci.main(["--gtzan", str(tmp_path / "absent")]) == 2
    assert "error:" in capsys.readouterr().err


# --------------------------------------------------------------------------- networks, GTZAN


@pytest.mark.slow
def test_clip_parts_of_a_synthetic_file_match_the_shipped_input(tmp_path):
    from mgc_core.audio import load_audio
    from mgc_core.models.frontend import SR, analyse
    from mgc_core.models.transfer import TransferModel

    t = np.arange(int(7.0 * 22050)) / 22050
    path = tmp_path / "tone.wav"
    sf.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    model = TransferModel()
    parts = ci.clip_parts(path, model=model)
    assert {k: v.shape for k, v in parts.items()} == {k: (2, w) for k, w in ci.PARTS.items()}
    shipped = model.inputs(analyse(load_audio(path, sr=SR).samples))
    X = np.concatenate([parts[p] for p in ci.VARIANTS["both"]], axis=1)
    np.testing.assert_allclose(X, shipped, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
@pytest.mark.gtzan
@pytest.mark.skipif(not (GTZAN / "genres").is_dir(), reason=f"GTZAN data not found at {GTZAN}")
def test_the_command_on_twenty_gtzan_clips(tmp_path, capsys):
    out = tmp_path / "results.json"
    code = ci.main(["--gtzan", str(GTZAN), "--limit", "20", "--seeds", "0", "--C", "1e-3",
                    "--cache-dir", str(tmp_path / "cache"), "--out", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["data"]["n_clips"] == 20
    assert set(result["data"]["clips_per_genre"].values()) == {2}
    assert result["protocol"]["n_splits"] == 2 and "--limit 20" in result["note"]
    assert set(result["variants"]) == {*ci.VARIANTS, ci.ZERO_SHOT}
    printed = capsys.readouterr().out
    assert "both_full_band" in printed and "2-fold grouped CV" in printed
