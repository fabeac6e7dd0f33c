"""The ensemble: a weighted soft vote whose weights are chosen honestly.

The ensemble's clip probabilities are a weighted mean of the models' clip
probabilities (:func:`ensemble_probabilities`). :func:`choose_weights` scores every
weight vector of multiples of :data:`WEIGHT_STEP` summing to one by the balanced
accuracy of its vote on out-of-fold predictions of clips with known genres, and
returns the mean of the vectors that score within one standard error of the best.

To score that rule without flattering it, the weights used on a test fold must be
chosen without that fold (:func:`nested_ensemble`): inside each outer training part,
an inner artist-grouped cross-validation (the other outer folds) gives every training
clip a prediction from a model that did not see it, the weights are chosen on those,
and only then applied to the outer test fold. With ``k`` outer folds the inner models
are the ``k (k - 1) / 2`` fits on all folds but a pair: the fit without folds ``a`` and
``b`` predicts fold ``b`` for outer fold ``a`` and fold ``a`` for outer fold ``b``.
The weights bundled with the app (:func:`bundled_weights`) are chosen the same way on
the out-of-fold predictions of all clips.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES

__all__ = [
    "RULE",
    "WEIGHT_STEP",
    "N_BOOTSTRAP",
    "WEIGHT_RULES",
    "ensemble_probabilities",
    "choose_weights",
    "NestedEnsemble",
    "nested_ensemble",
    "bundled_weights",
]

#: Granularity of the weights searched by :func:`choose_weights`.
WEIGHT_STEP = 0.1
#: Bootstrap resamples behind the margin of :func:`choose_weights`.
N_BOOTSTRAP = 200
#: The rules :func:`choose_weights` knows; the first is the ensemble's.
WEIGHT_RULES = ("window", "one_se", "best")
#: How the ensemble votes, in words (stored in ``ensemble.json``).
RULE = (
    "Weighted soft vote: a weighted mean of the clip probabilities of the five models "
    "(KNN, CNN, LSTM, transfer, AudioSet); the predicted genre is the most probable one. "
    f"Every set of weights in steps of {WEIGHT_STEP:g} is scored by its balanced accuracy "
    "on out-of-fold predictions of clips the models did not see, and the weights are the "
    "average of every set that scores within one standard error of the best (the "
    "bootstrap standard error, over clips, of the best set's lead over the best single "
    "model): many sets score alike on a few hundred clips, and averaging them is "
    "steadier than betting on the one that won by a clip or two. In this evaluation they "
    "were chosen inside each training part by an inner artist-grouped cross-validation "
    "(nested), so no test clip influenced the weights used on it; the app's weights were "
    "chosen the same way on every clip's out-of-fold predictions."
)


def ensemble_probabilities(
    probabilities: Sequence[np.ndarray], weights: Sequence[float] | None = None
) -> np.ndarray:
    """The ensemble's probabilities: the weighted mean of the models'.

    Parameters
    ----------
    probabilities : sequence of np.ndarray [shape=(..., 10)]
        One array per model, all of the same shape.
    weights : sequence of float, optional
        One non-negative weight per model, not all zero (normalised here). Equal
        weights by default.

    Returns
    -------
    np.ndarray [shape=(..., 10)]
    """
    if not len(probabilities):
        raise ParameterError("probabilities is empty: the ensemble needs at least one model.")
    stack = np.stack([np.asarray(p, dtype=np.float64) for p in probabilities])
    if weights is None:
        return stack.mean(axis=0)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(stack),) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ParameterError(
            f"weights must be {len(stack)} non-negative numbers, not all zero (one per "
            f"model); got {list(np.atleast_1d(w))}."
        )
    return np.tensordot(w / w.sum(), stack, axes=1)


def _simplex(n: int, step: float) -> np.ndarray:
    """Every weight vector of ``n`` multiples of ``step`` that sum to one."""
    units = round(1 / step)
    rows = [c for c in itertools.product(range(units + 1), repeat=n) if sum(c) == units]
    return np.asarray(rows, dtype=np.float64) / units


def _balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Balanced accuracy of each row of ``pred`` (shape (m, n_clips)) against ``y``."""
    present = np.unique(y)
    recalls = [(pred[:, y == g] == g).mean(axis=1) for g in present]
    return np.mean(recalls, axis=0)


def choose_weights(
    probabilities: Sequence[np.ndarray], y: Any, *, step: float = WEIGHT_STEP,
    rule: str = WEIGHT_RULES[0], n_bootstrap: int = N_BOOTSTRAP,
) -> np.ndarray:
    """The ensemble weights that these clips' out-of-fold predictions support.

    Every vector of multiples of ``step`` summing to one is scored by the balanced
    accuracy of its soft vote. The best vector is the highest scoring one; ties
    (common: many vectors give the same argmax) go to the lowest mean log loss, then to
    the vector closest to equal weights. The *margin* is one standard error of the
    balanced-accuracy difference between the best vector and the best single model,
    estimated by a seeded bootstrap over clips (0 when the best vector is that model).

    ``rule`` says what is returned:

    ``"window"`` (the default)
        The mean of every vector that scores within the margin of the best one. The
        best vector alone is a noisy choice: on a few hundred clips many vectors score
        alike, and which one wins depends on a handful of clips of a rare genre.
        Averaging over all of them (a window of plausible choices, as in Occam's window
        of Madigan and Raftery 1994, here with the one-standard-error margin of
        Hastie, Tibshirani and Friedman, *The Elements of Statistical Learning*, 7.10)
        keeps what they share and averages away what they do not.
    ``"one_se"``
        The best vector if it beats the best single model by more than the margin,
        else that single model alone (weight 1).
    ``"best"``
        The best vector.

    Parameters
    ----------
    probabilities : sequence of np.ndarray [shape=(n_clips, 10)]
        Out-of-fold clip probabilities of each model, rows in the same clip order.
    y : array-like [shape=(n_clips,)]
        True genre indices.
    step : float
        Weight granularity; ``1 / step`` must be a whole number from 1 to 20.
    rule : {"window", "one_se", "best"}
        See above.
    n_bootstrap : int >= 2
        Bootstrap resamples of the clips behind the margin.

    Returns
    -------
    np.ndarray [shape=(n_models,)]
        Non-negative weights summing to one (multiples of ``step`` unless ``rule`` is
        ``"window"``).
    """
    stack = np.stack([np.asarray(p, dtype=np.float64) for p in probabilities])
    y = np.asarray(y)
    if stack.ndim != 3 or stack.shape[2] != len(GENRES) or stack.shape[1] != len(y) or not len(y):
        raise ParameterError(
            f"probabilities must be arrays of shape (n_clips, {len(GENRES)}) matching the "
            f"{len(y)} labels; got {stack.shape[1:]} for {len(stack)} model(s)."
        )
    units = 1 / step if step > 0 else 0
    if not (abs(units - round(units)) < 1e-9 and 1 <= round(units) <= 20):
        raise ParameterError(f"step must divide 1 into 1 to 20 parts (e.g. 0.1); got {step!r}.")
    if rule not in WEIGHT_RULES:
        raise ParameterError(f"rule must be one of {', '.join(WEIGHT_RULES)}; got {rule!r}.")
    if not isinstance(n_bootstrap, int | np.integer) or n_bootstrap < 2:
        raise ParameterError(f"n_bootstrap must be an integer >= 2; got {n_bootstrap!r}.")
    grid = _simplex(len(stack), step)
    mixed = np.einsum("wm,mnk->wnk", grid, stack)
    pred = mixed.argmax(axis=2)
    ba = _balanced_accuracy(y, pred)
    loss = -np.log(np.clip(mixed[:, np.arange(len(y)), y], 1e-12, None)).mean(axis=1)
    spread = np.abs(grid - 1 / len(stack)).sum(axis=1)
    best = np.lexsort((np.round(spread, 9), np.round(loss, 9), -np.round(ba, 9)))[0]
    if rule == "best":
        return grid[best]
    singles = np.flatnonzero(grid.max(axis=1) == 1)
    single = singles[np.argmax(ba[singles])]
    margin = 0.0 if best == single else _bootstrap_se(y, pred[best], pred[single], n_bootstrap)
    if rule == "window":
        return grid[ba >= ba[best] - margin - 1e-12].mean(axis=0)
    return grid[best] if ba[best] - ba[single] > margin else grid[single]


def _bootstrap_se(y: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> float:
    """Standard error of the balanced-accuracy difference of predictions ``a`` and ``b``.

    ``n`` resamples of the clips with replacement (seed 0), the same resample for both.
    """
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        diffs.append(_balanced_accuracy(y[i], a[None, i])[0]
                     - _balanced_accuracy(y[i], b[None, i])[0])
    return float(np.std(diffs))


@dataclass(frozen=True)
class NestedEnsemble:
    """The ensemble's honest out-of-fold predictions and the weights behind them.

    Attributes
    ----------
    probabilities : np.ndarray [shape=(n_clips, 10)]
        Ensemble probabilities of each evaluated clip, each made with weights chosen
        without its fold.
    weights_by_fold : dict of int to np.ndarray [shape=(n_models,)]
        Outer fold (``-1`` for a fixed test part) -> the weights used on it.
    weights : np.ndarray [shape=(n_models,)]
        Weights chosen on every evaluated clip's out-of-fold predictions: the app's.
    """

    probabilities: np.ndarray
    weights_by_fold: dict[int, np.ndarray]
    weights: np.ndarray


def nested_ensemble(
    outer: Sequence[np.ndarray],
    y: Any,
    folds: Any,
    inner: Mapping[int, Sequence[np.ndarray]],
    inner_y: Mapping[int, Any],
    *,
    step: float = WEIGHT_STEP,
    rule: str = WEIGHT_RULES[0],
) -> NestedEnsemble:
    """Apply weights chosen on inner predictions to each outer fold.

    Parameters
    ----------
    outer : sequence of np.ndarray [shape=(n_clips, 10)]
        Each model's out-of-fold probabilities of the evaluated clips.
    y : array-like [shape=(n_clips,)]
        Their true genres.
    folds : array-like [shape=(n_clips,)]
        Their outer folds.
    inner : mapping of int to sequence of np.ndarray [shape=(m_f, 10)]
        Outer fold -> each model's probabilities of the clips of that fold's training
        part, each from a model fitted without that clip and without the outer fold.
    inner_y : mapping of int to array-like [shape=(m_f,)]
        Outer fold -> the true genres of those clips.
    step : float
    rule : {"window", "one_se", "best"}
        How :func:`choose_weights` chooses.

    Returns
    -------
    NestedEnsemble
    """
    y, folds = np.asarray(y), np.asarray(folds)
    out = np.full((len(y), len(GENRES)), np.nan)
    by_fold = {}
    for f in np.unique(folds):
        if int(f) not in inner:
            raise ParameterError(f"No inner predictions for outer fold {int(f)}.")
        w = choose_weights(inner[int(f)], inner_y[int(f)], step=step, rule=rule)
        rows = folds == f
        out[rows] = ensemble_probabilities([p[rows] for p in outer], w)
        by_fold[int(f)] = w
    return NestedEnsemble(probabilities=out, weights_by_fold=by_fold,
                          weights=choose_weights(outer, y, step=step, rule=rule))


def bundled_weights(
    members: Sequence[str], *, assets_dir: str | os.PathLike | None = None
) -> np.ndarray:
    """The ensemble weights of ``members``, read from ``assets/evaluation/ensemble.json``.

    The file is verified against the manifest. Members not in the file get weight 0;
    the weights are renormalised over ``members`` and, when every one of them has
    weight 0 there, made equal.

    Raises
    ------
    AssetError
        If ``ensemble.json`` is missing, altered or holds no weights.
    """
    from mgc_core.evaluation.records import read_evaluation

    record = read_evaluation("ensemble", assets_dir=assets_dir)
    stored = record.get("weights")
    if not isinstance(stored, Mapping) or not stored:
        raise AssetError(
            "assets/evaluation/ensemble.json holds no ensemble weights (an older format). "
            "Rebuild it with `python -m mgc_core evaluate --gtzan DIR --models ensemble`."
        )
    w = np.array([float(stored.get(m, 0.0)) for m in members])
    if w.sum() <= 0:
        return np.full(len(members), 1 / len(members))
    return w / w.sum()

