"""Calibration: does a model's confidence match how often it is right?

A model is *calibrated* when its confidence can be taken at its word: of the clips it
names with 80% confidence, about 80% are right, as it rains on about 7 of the 10 days a
good forecaster gives a 70% chance of rain. The confidence of an answer is its top
probability. :func:`reliability` sorts the answers into bins of confidence (0-10%,
10-20%, ...) and compares, in each, how sure the model was with how often it was right
(a reliability diagram), and sums the gaps into the expected calibration error (ECE);
it also looks at the *sure* answers (confidence at least :data:`SURE`), the ones people
take as settled. :func:`is_overconfident` flags a model whose sure answers are right
clearly less often than it claims. :func:`calibration_of` does all this on a stored
evaluation's out-of-fold predictions, so every number comes from clips the model never
saw in training.

Example
-------
>>> import numpy as np
>>> probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
>>> rel = reliability(probs, np.array([0, 1, 0, 1]), n_bins=5)
>>> rel.counts.tolist(), round(rel.ece, 3)
([0, 0, 0, 1, 3], 0.25)
>>> round(rel.sure_confidence, 2), round(rel.sure_accuracy, 2), is_overconfident(rel, min_sure=1)
(0.87, 0.67, True)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.genres import GENRES

if TYPE_CHECKING:
    from mgc_core.evaluation.records import Evaluation

__all__ = [
    "N_BINS",
    "SURE",
    "OVERCONFIDENT_GAP",
    "MIN_SURE",
    "Reliability",
    "reliability",
    "expected_calibration_error",
    "calibration_of",
    "is_overconfident",
]

#: Bins of confidence in a reliability diagram: 0-10%, 10-20%, ..., 90-100%.
N_BINS = 10
#: An answer is *sure* when its top probability is at least this.
SURE = 0.8
#: A model is overconfident when its sure answers are right less often than their mean
#: confidence by more than this (0.05: five percentage points).
OVERCONFIDENT_GAP = 0.05
#: Fewer sure answers than this are too few to call a model overconfident.
MIN_SURE = 20


@dataclass(frozen=True)
class Reliability:
    """How a model's confidence compares with how often it is right.

    Attributes
    ----------
    edges : np.ndarray [shape=(n_bins + 1,)]
        Bin edges of confidence, 0 to 1; bin ``b`` holds ``edges[b] <= c < edges[b+1]``
        (the last bin also holds 1).
    counts : np.ndarray [shape=(n_bins,), dtype=int]
        Answers in each bin.
    confidence : np.ndarray [shape=(n_bins,)]
        Mean confidence of each bin's answers; NaN for an empty bin.
    accuracy : np.ndarray [shape=(n_bins,)]
        Share of each bin's answers that are right; NaN for an empty bin.
    ece : float
        Expected calibration error: the mean of ``|accuracy - confidence|`` over the
        bins, weighted by their counts (0: calibrated; 0.2: off by 20 points on average).
    mean_confidence, overall_accuracy : float
        Over all answers; ``mean_confidence - overall_accuracy`` above 0 means the model
        claims more than it delivers on the whole.
    sure : float
        The threshold of a sure answer (:data:`SURE`).
    n_sure : int
        Answers with confidence at least ``sure``.
    sure_confidence, sure_accuracy : float
        Their mean confidence and the share of them that are right; NaN when none.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    ece: float
    mean_confidence: float
    overall_accuracy: float
    sure: float
    n_sure: int
    sure_confidence: float
    sure_accuracy: float

    @property
    def n(self) -> int:
        """Number of answers."""
        return int(self.counts.sum())


def _check_fraction(value: object, name: str, *, low_open: bool) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not ((0 < value) if low_open else (0 <= value)) or value > 1:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ParameterError(f"{name} must be a number in {interval}; got {value!r}.")
    return float(value)


def reliability(
    probabilities: np.ndarray,
    truth: np.ndarray,
    *,
    n_bins: int = N_BINS,
    sure: float = SURE,
) -> Reliability:
    """Bin the answers by confidence and compare confidence with accuracy in each bin.

    Parameters
    ----------
    probabilities : np.ndarray [shape=(n, k)]
        Each answer's class probabilities (rows of a model's ``predict_proba``); the
        answer is the top class, its confidence the top probability.
    truth : np.ndarray [shape=(n,), dtype=int]
        The right class of each answer, 0 to ``k - 1``.
    n_bins : int >= 1
        Equal-width bins of confidence between 0 and 1.
    sure : float in (0, 1]
        Confidence from which an answer counts as sure.

    Returns
    -------
    Reliability

    Raises
    ------
    ParameterError
        If the arrays are empty, of mismatched or wrong shapes, hold probabilities
        outside [0, 1] or NaN, or classes outside ``0 .. k - 1``; or if ``n_bins`` or
        ``sure`` is out of range.
    """
    P = np.asarray(probabilities, dtype=float)
    y = np.asarray(truth)
    if P.ndim != 2 or P.shape[0] == 0 or P.shape[1] < 2:
        raise ParameterError(f"probabilities must be a 2-D array of n answers x k >= 2 classes; "
                             f"got shape {P.shape}.")
    if not np.all(np.isfinite(P)) or P.min() < 0 or P.max() > 1 + 1e-9:
        raise ParameterError("probabilities must be finite numbers in [0, 1].")
    if y.shape != (P.shape[0],) or y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= P.shape[1]:
        raise ParameterError(f"truth must hold one class index (0 to {P.shape[1] - 1}) per row "
                             f"of probabilities ({P.shape[0]}); got shape {y.shape}.")
    if isinstance(n_bins, bool) or not isinstance(n_bins, numbers.Integral) or n_bins < 1:
        raise ParameterError(f"n_bins must be a whole number >= 1; got {n_bins!r}.")
    sure = _check_fraction(sure, "sure", low_open=True)

    confidence = np.clip(P.max(axis=1), 0.0, 1.0)
    right = P.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    which = np.minimum((confidence * n_bins).astype(int), n_bins - 1)  # 1.0: the last bin
    counts = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=confidence, minlength=n_bins) / counts
        accuracy = np.bincount(which, weights=right.astype(float), minlength=n_bins) / counts
    filled = counts > 0
    ece = float(np.sum(counts[filled] * np.abs(accuracy[filled] - mean_conf[filled])) / len(y))
    is_sure = confidence >= sure
    n_sure = int(is_sure.sum())
    return Reliability(
        edges=edges, counts=counts, confidence=mean_conf, accuracy=accuracy, ece=ece,
        mean_confidence=float(confidence.mean()), overall_accuracy=float(right.mean()),
        sure=sure, n_sure=n_sure,
        sure_confidence=float(confidence[is_sure].mean()) if n_sure else math.nan,
        sure_accuracy=float(right[is_sure].mean()) if n_sure else math.nan,
    )


def expected_calibration_error(
    probabilities: np.ndarray, truth: np.ndarray, *, n_bins: int = N_BINS
) -> float:
    """The expected calibration error (ECE) of a set of answers; see :func:`reliability`.

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.7, 0.3]] * 10)  # 70% sure ten times, right seven times
    >>> round(expected_calibration_error(probs, np.array([0] * 7 + [1] * 3)), 6)
    0.0
    """
    return reliability(probabilities, truth, n_bins=n_bins).ece


def calibration_of(
    evaluation: Evaluation, *, n_bins: int = N_BINS, sure: float = SURE
) -> Reliability:
    """:func:`reliability` of a stored evaluation's out-of-fold clip predictions.

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`mgc_core.evaluation.load_evaluation`: every clip was predicted by a
        model that never saw it (nor its artist) in training.
    n_bins, sure
        As in :func:`reliability`.
    """
    clips = evaluation.clips
    probabilities = np.array([[c.probabilities[g] for g in GENRES] for c in clips], dtype=float)
    truth = np.array([GENRES.index(c.genre) for c in clips], dtype=int)
    return reliability(probabilities, truth, n_bins=n_bins, sure=sure)


def is_overconfident(
    rel: Reliability, *, gap: float = OVERCONFIDENT_GAP, min_sure: int = MIN_SURE
) -> bool:
    """Whether a model's sure answers are right clearly less often than it claims.

    True when at least ``min_sure`` answers are sure and their share right falls short
    of their mean confidence by more than ``gap``. Sure answers are the ones that
    mislead: a model that says 96% and is right 75% of the time is read as certain.

    Parameters
    ----------
    rel : Reliability
    gap : float in [0, 1]
    min_sure : int >= 1
    """
    gap = _check_fraction(gap, "gap", low_open=False)
    if isinstance(min_sure, bool) or not isinstance(min_sure, numbers.Integral) or min_sure < 1:
        raise ParameterError(f"min_sure must be a whole number >= 1; got {min_sure!r}.")
    return rel.n_sure >= min_sure and rel.sure_confidence - rel.sure_accuracy > gap
