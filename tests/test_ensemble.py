"""Tests of mgc_core.evaluation.ensemble: the weighted soft vote and its nested weight choice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mgc_core import assets
from mgc_core.errors import AssetError, ParameterError
from mgc_core.evaluation.ensemble import (
    RULE,
    WEIGHT_STEP,
    bundled_weights,
    choose_weights,
    ensemble_probabilities,
    nested_ensemble,
)
from mgc_core.models import MODEL_NAMES

REAL_ASSETS = Path(__file__).resolve().parents[1] / "assets"


def _onehot(labels, *, sharp: float = 0.9) -> np.ndarray:
    """Probabilities that put ``sharp`` on each label and spread the rest."""
    p = np.full((len(labels), 10), (1 - sharp) / 9)
    p[np.arange(len(labels)), labels] = sharp
    return p


def test_equal_weights_are_the_mean():
    a, b = np.eye(10)[[0, 1]], np.eye(10)[[0, 2]]
    np.testing.assert_allclose(ensemble_probabilities([a, b])[1, [1, 2]], [0.5, 0.5])
    np.testing.assert_allclose(ensemble_probabilities([a, b], [1, 1]),
                               ensemble_probabilities([a, b]))


def test_weights_are_normalised_and_applied():
    a, b = np.eye(10)[[3]], np.eye(10)[[4]]
    p = ensemble_probabilities([a, b], [3, 1])
    np.testing.assert_allclose(p[0, [3, 4]], [0.75, 0.25])
    np.testing.assert_allclose(p.sum(), 1.0)


@pytest.mark.parametrize("weights", [[1], [1, -1], [0, 0], [np.nan, 1], [1, 2, 3]])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ParameterError, match="non-negative"):
        ensemble_probabilities([np.eye(10)[[0]], np.eye(10)[[1]]], weights)


def test_no_model_is_refused():
    with pytest.raises(ParameterError, match="at least one model"):
        ensemble_probabilities([])


def test_choose_weights_favours_the_model_that_is_right():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 8)
    right = _onehot(y, sharp=0.6)
    noise = [_onehot(rng.integers(0, 10, len(y)), sharp=0.9) for _ in range(3)]
    w = choose_weights([noise[0], right, noise[1], noise[2]], y)
    assert w.sum() == pytest.approx(1.0)
    assert w.argmax() == 1 and w[1] >= 0.5
    mixed = ensemble_probabilities([noise[0], right, noise[1], noise[2]], w)
    assert (mixed.argmax(axis=1) == y).all()


def test_choose_weights_is_on_the_grid_and_prefers_equal_weights_on_ties():
    y = np.arange(10)
    same = _onehot(y)
    w = choose_weights([same, same], y, rule="best")
    np.testing.assert_allclose(w, [0.5, 0.5])
    w4 = choose_weights([same] * 4, y, rule="best")
    units = w4 / WEIGHT_STEP
    np.testing.assert_allclose(units, np.round(units), atol=1e-9)
    assert np.abs(w4 - 0.25).max() <= 0.05 + 1e-9


def test_choose_weights_scores_balanced_accuracy_not_accuracy():
    # 90 clips of genre 0, 10 of genre 1. Model A says 0 always (accuracy 0.9, balanced
    # 0.5); model B gets both genres right on 80% of each (accuracy 0.8, balanced 0.8).
    y = np.array([0] * 90 + [1] * 10)
    a = _onehot(np.zeros(100, int), sharp=0.95)
    b_labels = y.copy()
    b_labels[:18] = 1
    b_labels[90:92] = 0
    b = _onehot(b_labels, sharp=0.95)
    w = choose_weights([a, b], y)
    assert w[1] > w[0]


def _specialist(fixed: int, broken: int, per_genre: int = 50):  # noqa: ANN202
    """Model A, right on most clips, and B, noise except where it flips A's close calls.

    A is right (0.9) on every clip but ``fixed`` clips, where it prefers a wrong genre by a
    hair, and ``broken`` clips, where it is right by a hair. B is confidently wrong
    everywhere except on the ``fixed`` clips, where it is confidently right, and on the
    ``broken`` clips it names A's runner-up. So any blend that fixes the first breaks the
    second: the best blend beats A by ``fixed - broken`` clips.
    """
    y = np.repeat(np.arange(10), per_genre)
    n = len(y)
    spots = np.arange(fixed + broken) * (n // (fixed + broken)) + 1  # spread over genres
    f, k = spots[:fixed], spots[fixed:]
    wrong = (y + 1) % 10
    a = _onehot(y, sharp=0.9)
    for clips, top, second in ((f, wrong, y), (k, y, wrong)):
        a[clips] = 0.05 / 8
        a[clips, top[clips]] = 0.5
        a[clips, second[clips]] = 0.45
    b_labels = (y + 3) % 10
    b_labels[f] = y[f]
    b_labels[k] = wrong[k]
    return y, a, _onehot(b_labels, sharp=0.9)


def test_one_se_keeps_a_blend_that_wins_clearly():
    y, a, b = _specialist(fixed=8, broken=0)
    w = choose_weights([a, b], y, rule="one_se")
    assert 0 < w[1] < 1  # the blend fixes 8 clips and breaks none
    assert (ensemble_probabilities([a, b], w).argmax(axis=1) == y).all()


def test_one_se_falls_back_to_the_best_model_when_a_blend_wins_by_a_hair():
    y, a, b = _specialist(fixed=3, broken=2)
    assert 0 < choose_weights([a, b], y, rule="best")[1] < 1  # best by one clip
    np.testing.assert_array_equal(choose_weights([a, b], y, rule="one_se"), [1.0, 0.0])
    # Identical members: no blend can beat one of them, so one decides alone.
    same = _onehot(np.arange(10))
    assert sorted(choose_weights([same, same], np.arange(10), rule="one_se")) == [0.0, 1.0]


def _balanced_accuracy_of(probabilities, y, w) -> float:
    pred = ensemble_probabilities(probabilities, w).argmax(axis=1)
    return float(np.mean([(pred[y == g] == g).mean() for g in np.unique(y)]))


def test_window_is_the_mean_of_every_vector_tied_with_the_best():
    # A is right everywhere; B is right on half the clips and confidently wrong on the
    # rest, so every blend leaning enough on A is as good as A alone: the margin is 0
    # (the best vector is A alone) and the window is exactly the tied vectors.
    y = np.repeat(np.arange(10), 6)
    a = _onehot(y, sharp=0.6)
    b_labels = np.where(np.arange(len(y)) % 2 == 0, y, (y + 1) % 10)
    b = _onehot(b_labels, sharp=0.95)
    grid = [np.array([i, 10 - i]) / 10 for i in range(11)]
    scores = np.array([_balanced_accuracy_of([a, b], y, w) for w in grid])
    tied = [w for w, s in zip(grid, scores, strict=True) if s == scores.max()]
    assert 1 < len(tied) < len(grid)
    np.testing.assert_allclose(choose_weights([a, b], y), np.mean(tied, axis=0))
    np.testing.assert_array_equal(choose_weights([a, b], y, rule="best"), [1.0, 0.0])


def test_window_reaches_down_to_the_best_model_when_a_blend_wins_by_a_hair():
    # The best blend beats A alone by one clip of 500: far less than a standard error,
    # so the window holds every vector scoring at least as well as A alone, A included.
    y, a, b = _specialist(fixed=3, broken=2)
    grid = [np.array([i, 10 - i]) / 10 for i in range(11)]
    scores = np.array([_balanced_accuracy_of([a, b], y, w) for w in grid])
    assert scores.max() > scores[10]  # grid[10] is A alone
    upper = [w for w, s in zip(grid, scores, strict=True) if s >= scores[10]]
    np.testing.assert_allclose(choose_weights([a, b], y), np.mean(upper, axis=0))
    assert choose_weights([a, b], y, rule="best")[1] > 0


def test_window_keeps_a_blend_that_wins_clearly():
    y, a, b = _specialist(fixed=8, broken=0)
    w = choose_weights([a, b], y)
    assert 0 < w[1] < 1
    assert (ensemble_probabilities([a, b], w).argmax(axis=1) == y).all()


@pytest.mark.parametrize("rule", ["window", "one_se"])
def test_choose_weights_is_deterministic(rule):
    y, a, b = _specialist(fixed=4, broken=2)
    np.testing.assert_array_equal(choose_weights([a, b], y, rule=rule),
                                  choose_weights([a, b], y, rule=rule))


@pytest.mark.parametrize("rule", ["", "mean", None, "WINDOW"])
def test_choose_weights_refuses_an_unknown_rule(rule):
    with pytest.raises(ParameterError, match="rule must be one of window, one_se, best"):
        choose_weights([_onehot([0, 1])], [0, 1], rule=rule)


@pytest.mark.parametrize("n", [0, 1, 2.5, "many"])
def test_choose_weights_refuses_a_bad_bootstrap_count(n):
    with pytest.raises(ParameterError, match="n_bootstrap"):
        choose_weights([_onehot([0, 1]), _onehot([1, 0])], [0, 1], n_bootstrap=n)


@pytest.mark.parametrize("step", [0, 0.3, -0.1, 0.01])
def test_choose_weights_refuses_a_bad_step(step):
    with pytest.raises(ParameterError, match="step"):
        choose_weights([_onehot([0, 1])], [0, 1], step=step)


def test_choose_weights_refuses_mismatched_shapes():
    with pytest.raises(ParameterError, match="shape"):
        choose_weights([_onehot([0, 1])], [0, 1, 2])


def test_nested_weights_of_a_fold_come_from_its_inner_predictions_only():
    y = np.repeat(np.arange(10), 4)  # 40 clips
    folds = np.tile([0, 1], 20)
    a, b = _onehot(y), _onehot((y + 1) % 10)  # a right, b wrong on the outer clips
    # Inner predictions: for fold 0 model b looks right, for fold 1 model a does.
    inner_y = {0: y[folds == 1], 1: y[folds == 0]}
    inner = {0: [_onehot((inner_y[0] + 1) % 10), _onehot(inner_y[0])],
             1: [_onehot(inner_y[1]), _onehot((inner_y[1] + 1) % 10)]}
    nested = nested_ensemble([a, b], y, folds, inner, inner_y)
    assert nested.weights_by_fold[0][1] > nested.weights_by_fold[0][0]
    assert nested.weights_by_fold[1][0] > nested.weights_by_fold[1][1]
    # Fold 0 followed its (misleading) inner choice: it is wrong there, right on fold 1.
    pred = nested.probabilities.argmax(axis=1)
    assert (pred[folds == 0] != y[folds == 0]).all() and (pred[folds == 1] == y[folds == 1]).all()
    for f, w in nested.weights_by_fold.items():
        rows = folds == f
        np.testing.assert_allclose(nested.probabilities[rows],
                                   ensemble_probabilities([a[rows], b[rows]], w))
    # The bundled weights are chosen on every clip's outer predictions: model a.
    assert nested.weights[0] > nested.weights[1]


def test_nested_needs_inner_predictions_for_every_fold():
    y = np.arange(10)
    with pytest.raises(ParameterError, match="outer fold 1"):
        nested_ensemble([_onehot(y)], y, np.array([0] * 5 + [1] * 5),
                        {0: [_onehot(y)]}, {0: y})


# --------------------------------------------------------------------------- bundled


def test_bundled_weights_are_stored_with_the_nested_evaluation():
    record = json.loads((REAL_ASSETS / "evaluation" / "ensemble.json").read_text())
    assert record["rule"] == RULE
    assert record["members"] == list(MODEL_NAMES)
    assert set(record["weights_by_fold"]) == {str(k) for k in range(record["protocol"]["n_splits"])}
    w = bundled_weights(MODEL_NAMES)
    # Stored to 6 decimals, so they sum to 1 within 1e-6 and come back renormalised.
    np.testing.assert_allclose(w, [record["weights"][m] for m in MODEL_NAMES], atol=2e-6)
    assert w.sum() == pytest.approx(1.0)


def test_bundled_weights_of_a_subset_are_renormalised():
    full = dict(zip(MODEL_NAMES, bundled_weights(MODEL_NAMES), strict=True))
    pair = sorted(MODEL_NAMES, key=lambda m: -full[m])[:2]  # both weighted
    w = bundled_weights(pair)
    assert w.sum() == pytest.approx(1.0)
    assert w[0] == pytest.approx(full[pair[0]] / (full[pair[0]] + full[pair[1]]))


def _copy_assets(tmp_path: Path) -> Path:
    root = tmp_path / "assets"
    root.mkdir()
    shutil.copy(REAL_ASSETS / "manifest.json", root)
    (root / "evaluation").mkdir()
    shutil.copy(REAL_ASSETS / "evaluation" / "ensemble.json", root / "evaluation")
    return root


def test_altered_weights_are_refused(tmp_path):
    root = _copy_assets(tmp_path)
    path = root / "evaluation" / "ensemble.json"
    record = json.loads(path.read_text())
    record["weights"] = {m: 1.0 for m in MODEL_NAMES}
    path.write_text(json.dumps(record))
    with pytest.raises(AssetError, match="ensemble.json has been altered"):
        bundled_weights(MODEL_NAMES, assets_dir=root)


def test_a_record_without_weights_says_how_to_rebuild(tmp_path):
    root = _copy_assets(tmp_path)
    path = root / "evaluation" / "ensemble.json"
    record = json.loads(path.read_text())
    del record["weights"]
    path.write_text(json.dumps(record))
    assets.record([path], command="test", data={}, root=root)
    with pytest.raises(AssetError, match="weights"):
        bundled_weights(MODEL_NAMES, assets_dir=root)
