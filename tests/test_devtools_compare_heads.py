"""mgc_devtools.compare_heads: heads for the transfer model scored on the same folds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mgc_core.errors import ParameterError
from mgc_devtools.compare_heads import HEADS, _logistic, clip_rows, compare_heads, main

GTZAN = Path(os.environ.get("MGC_GTZAN_DIR", Path(__file__).resolve().parents[2]
                            / "shared" / "data" / "gtzan"))


def _clips(n_per_genre: int = 6, genres: int = 3, seed: int = 0):
    """Separable segment inputs: each genre's clips sit around their own centre."""
    from mgc_core.models.transfer import N_EMBEDDING

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(genres, N_EMBEDDING)) * 2
    inputs, y = [], []
    for g in range(genres):
        for _ in range(n_per_genre):
            inputs.append(centres[g] + rng.normal(size=(int(rng.integers(1, 4)), N_EMBEDDING)))
            y.append(g)
    y = np.array(y)
    return inputs, y, np.array([f"artist{i}" for i in range(y.size)])


def test_rows_are_means_means_and_stds_or_every_segment():
    a, b = np.array([[0.0, 2.0], [2.0, 2.0]]), np.array([[5.0, 5.0]])
    X, clip = clip_rows([a, b], "mean")
    np.testing.assert_array_equal(X, [[1, 2], [5, 5]])
    assert clip.tolist() == [0, 1]
    X, _ = clip_rows([a, b], "mean_std")
    np.testing.assert_array_equal(X, [[1, 2, 1, 0], [5, 5, 0, 0]])
    X, clip = clip_rows([a, b], "segments")
    assert X.shape == (3, 2) and clip.tolist() == [0, 0, 1]
    with pytest.raises(ParameterError, match="rows must be"):
        clip_rows([a], "median")
    with pytest.raises(ParameterError, match="non-empty"):
        clip_rows([np.zeros((0, 2))], "mean")


def test_the_genre_prior_scales_audioset_genre_logits_only():
    from mgc_core.models.audioset import GENRE_INDEX
    from mgc_core.models.transfer import GENRE_COLUMNS, N_EMBEDDING

    assert list(GENRE_COLUMNS) == [500 + 384 + i for i in GENRE_INDEX]
    X = np.random.default_rng(0).normal(size=(40, N_EMBEDDING))
    weighted = _logistic(1e-3, prior=10.0).steps[0][1].fit(X).transform(X)
    plain = _logistic(1e-3).steps[0][1].fit(X).transform(X)
    ratio = weighted.std(axis=0) / plain.std(axis=0)
    np.testing.assert_allclose(ratio[list(GENRE_COLUMNS)], 10.0)
    np.testing.assert_allclose(np.delete(ratio, list(GENRE_COLUMNS)), 1.0)


@pytest.mark.parametrize("head", list(HEADS))
def test_every_head_separates_separable_genres(head):
    inputs, y, groups = _clips()
    out = compare_heads(inputs, y, groups, heads=[head], seeds=[0], n_splits=3)
    best = out["heads"][head]["best"]
    assert best["balanced_accuracy"] == pytest.approx(1.0)
    assert len(out["heads"][head]["settings"]) == len(HEADS[head].grid)


def test_unknown_heads_are_refused():
    inputs, y, groups = _clips()
    with pytest.raises(ParameterError, match="heads must be some of"):
        compare_heads(inputs, y, groups, heads=["forest"])


@pytest.mark.skipif(not (GTZAN / "MANIFEST.tsv").exists(),
                    reason="needs the GTZAN copy (../shared/data/gtzan)")
def test_the_command_scores_a_small_gtzan_subset(tmp_path, capsys):
    out = tmp_path / "heads.json"
    rc = main(["--gtzan", str(GTZAN), "--limit", "30", "--seeds", "0",
               "--heads", "logistic", "genre_prior", "--cache-dir", str(tmp_path / "cache"),
               "--out", str(out)])
    assert rc == 0
    assert "genre_prior" in capsys.readouterr().out
    assert out.exists()
