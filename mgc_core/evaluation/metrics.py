"""Scores of genre models over clips.

Every figure is computed over **clips** (a clip's verdict pools its segments with
:func:`~mgc_core.models.frontend.pool_segments`), in :data:`~mgc_core.genres.GENRES`
order:

- :func:`clip_metrics`: accuracy, balanced accuracy (the mean of the per-genre
  recalls, over the genres present) and macro-F1 (over the same genres);
- :func:`bootstrap_ci`: a 95 % percentile interval of each, from a seeded bootstrap
  that resamples clips (1000 resamples by default);
- :func:`per_genre` and :func:`confusion_matrix` (rows true, columns predicted).

Examples
--------
>>> import numpy as np
>>> m = clip_metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
>>> round(m["accuracy"], 2), round(m["balanced_accuracy"], 2)
(0.75, 0.75)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.genres import GENRES

__all__ = [
    "METRICS",
    "N_RESAMPLES",
    "confusion_matrix",
    "clip_metrics",
    "bootstrap_ci",
    "metrics_with_ci",
    "per_genre",
    "seed_summary",
]


#: The three headline metrics, in display order.
METRICS: tuple[str, ...] = ("accuracy", "balanced_accuracy", "macro_f1")
#: Bootstrap resamples for the confidence intervals.
N_RESAMPLES = 1000

_N = len(GENRES)


# --------------------------------------------------------------------------- metrics


def _labels(y: Any, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(f"{name} must be a non-empty 1-D array of genre indices; "
                             f"got shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= _N:
        raise ParameterError(f"{name} must hold integer genre indices 0..{_N - 1} "
                             "(positions in GENRES).")
    return arr.astype(np.int64)


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ParameterError(f"y_true and y_pred differ in length: {t.size} vs {p.size}.")
    return t, p


def confusion_matrix(y_true: Any, y_pred: Any) -> np.ndarray:
    """Counts of (true, predicted) genre pairs.

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
        Genre indices (positions in GENRES).

    Returns
    -------
    np.ndarray [shape=(10, 10), dtype=int64]
        Rows are the true genres, columns the predicted ones, both in GENRES order.
    """
    t, p = _pair(y_true, y_pred)
    return np.bincount(t * _N + p, minlength=_N * _N).reshape(_N, _N)


def _scores(cm: np.ndarray, present: np.ndarray) -> dict[str, float]:
    """Metrics from a (…, 10, 10) stack of confusion matrices over the ``present`` genres."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(np.float64)
    support = cm.sum(axis=-1).astype(np.float64)
    predicted = cm.sum(axis=-2).astype(np.float64)
    total = support.sum(axis=-1)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {
        "accuracy": tp.sum(axis=-1) / total,
        "balanced_accuracy": recall[..., present].mean(axis=-1),
        "macro_f1": f1[..., present].mean(axis=-1),
    }


def clip_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Accuracy, balanced accuracy and macro-F1.

    Balanced accuracy is the mean recall, and macro-F1 the mean F1, over the genres
    that occur in ``y_true`` (a genre absent from the data has no recall).

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
        Genre indices (positions in GENRES).

    Returns
    -------
    dict
        ``{"accuracy": float, "balanced_accuracy": float, "macro_f1": float}``.
    """
    t, p = _pair(y_true, y_pred)
    present = np.flatnonzero(np.bincount(t, minlength=_N))
    return {k: float(v) for k, v in _scores(confusion_matrix(t, p), present).items()}


def bootstrap_ci(
    y_true: Any,
    y_pred: Any,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, list[float]]:
    """Percentile bootstrap intervals of :func:`clip_metrics`, resampling clips.

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
        Genre indices of the clips.
    n_resamples : int > 0
        Number of resamples (with replacement, ``n`` clips each).
    seed : int
        Seed of the resampling, so that intervals are reproducible.
    level : float in (0, 1)
        Coverage of the interval.

    Returns
    -------
    dict
        ``{metric: [low, high]}`` for each of :data:`METRICS`. The genres averaged
        over are those of the full sample, so every resample scores the same genres.
    """
    t, p = _pair(y_true, y_pred)
    if not isinstance(n_resamples, int) or n_resamples < 1:
        raise ParameterError(f"n_resamples must be a positive integer; got {n_resamples!r}.")
    if not 0 < level < 1:
        raise ParameterError(f"level must lie strictly between 0 and 1; got {level!r}.")
    rng = np.random.default_rng(seed)
    present = np.flatnonzero(np.bincount(t, minlength=_N))
    idx = rng.integers(0, t.size, size=(n_resamples, t.size))
    codes = t[idx] * _N + p[idx]
    offsets = (np.arange(n_resamples) * _N * _N)[:, None]
    cms = np.bincount((codes + offsets).ravel(), minlength=n_resamples * _N * _N)
    cms = cms.reshape(n_resamples, _N, _N)
    with np.errstate(invalid="ignore"):
        scores = _scores(cms, present)
    alpha = (1 - level) / 2
    out = {}
    for name in METRICS:
        lo, hi = np.nanquantile(scores[name], [alpha, 1 - alpha])
        out[name] = [float(lo), float(hi)]
    return out


def metrics_with_ci(
    y_true: Any, y_pred: Any, *, n_resamples: int = N_RESAMPLES, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """``{metric: {"value": float, "ci95": [low, high]}}`` for each of :data:`METRICS`."""
    values = clip_metrics(y_true, y_pred)
    ci = bootstrap_ci(y_true, y_pred, n_resamples=n_resamples, seed=seed)
    return {k: {"value": values[k], "ci95": ci[k]} for k in METRICS}


def per_genre(y_true: Any, y_pred: Any) -> dict[str, dict[str, float | int]]:
    """Precision, recall, F1 and support of each genre, in GENRES order.

    A genre never predicted has precision 0; one absent from ``y_true`` has recall 0
    and support 0.
    """
    cm = confusion_matrix(y_true, y_pred)
    tp = np.diag(cm).astype(np.float64)
    support, predicted = cm.sum(axis=1), cm.sum(axis=0)
    out = {}
    for i, genre in enumerate(GENRES):
        precision = tp[i] / predicted[i] if predicted[i] else 0.0
        recall = tp[i] / support[i] if support[i] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[genre] = {"precision": float(precision), "recall": float(recall),
                      "f1": float(f1), "support": int(support[i])}
    return out


def seed_summary(values_by_seed: Mapping[int, Mapping[str, float]]) -> dict[str, Any]:
    """Per-seed metric values with their mean and standard deviation.

    Parameters
    ----------
    values_by_seed : mapping of int to dict
        Fold seed -> :func:`clip_metrics` of that seed's out-of-fold predictions.

    Returns
    -------
    dict
        ``{"fold_seeds": [...], metric: {"values": [...], "mean": m, "std": s}}``;
        ``std`` is the sample standard deviation (``ddof=1``), 0 for a single seed.
    """
    if not values_by_seed:
        raise ParameterError("values_by_seed is empty: give the metrics of at least one seed.")
    seeds = sorted(values_by_seed)
    out: dict[str, Any] = {"fold_seeds": [int(s) for s in seeds]}
    for name in METRICS:
        vals = np.array([values_by_seed[s][name] for s in seeds], dtype=np.float64)
        out[name] = {
            "values": [float(v) for v in vals],
            "mean": float(vals.mean()),
            "std": float(vals.std(ddof=1)) if vals.size > 1 else 0.0,
        }
    return out
