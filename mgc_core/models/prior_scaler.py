"""A ``StandardScaler`` that weights groups of columns: the transfer head's priors.

The transfer model's head (:mod:`mgc_core.models.transfer`) is a scaled, L2-regularised
logistic regression on 1411 values per clip, from three sources: the two musicnn
networks (500), the AudioSet network's embedding and logits (901) and, among those
logits, AudioSet's own outputs for the ten genres (10), which already name the genre
without any training (the AudioSet model, about 0.72 balanced accuracy alone).
:class:`PriorScaler` standardises every column, then multiplies each group of columns by
its weight: the penalty on a column's coefficient shrinks by ``weight ** 2`` (a weight
above 1 lets the head lean on it more, below 1 less), as far as the inner
cross-validation that chooses the weights says it helps.

The weights are folded into ``scale_`` (``scale_[columns] /= weight``), so a fitted
``PriorScaler`` transforms like a ``StandardScaler`` with that scale, and the served head
(:class:`~mgc_core.models.heads.LinearHead`) needs nothing else. This module imports
scikit-learn; serving never imports it.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
>>> PriorScaler(weights=(((1,), 10.0), ((2,), 0.5))).fit(X).transform(X)
array([[ -1. , -10. ,  -0.5],
       [  1. ,  10. ,   0.5]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.preprocessing import StandardScaler

from mgc_core.errors import ParameterError

__all__ = ["PriorScaler"]


class PriorScaler(StandardScaler):
    """Standardise every column, then multiply each group of columns by its weight.

    Parameters
    ----------
    weights : sequence of (sequence of int, float)
        ``(columns, weight)`` pairs; a column in no group keeps weight 1, and no column
        may be in two groups. A weight of 1 everywhere is a plain ``StandardScaler``.

    Attributes
    ----------
    scale_ : np.ndarray
        The standard deviations, divided by each group's weight at its columns.
    """

    def __init__(self, *, weights: Sequence[tuple[Sequence[int], float]] = ()) -> None:
        super().__init__()
        self.weights = weights

    def column_weights(self, n_columns: int) -> np.ndarray:
        """The weight of each of ``n_columns`` columns, float64.

        Raises
        ------
        ParameterError
            If a weight is not a positive number, a column is out of range, or a column
            is in two groups.
        """
        out = np.ones(int(n_columns), dtype=np.float64)
        seen = np.zeros(int(n_columns), dtype=bool)
        for columns, weight in self.weights:
            weight = float(weight)
            if not np.isfinite(weight) or weight <= 0:
                raise ParameterError(f"weights must be positive numbers; got {weight!r}.")
            columns = np.asarray(columns, dtype=np.int64).ravel()
            if columns.size and (columns.min() < 0 or columns.max() >= n_columns):
                raise ParameterError(f"columns must index the {n_columns} columns of X; "
                                     f"got {columns.min()}..{columns.max()}.")
            values, counts = np.unique(columns, return_counts=True)
            twice = np.concatenate([columns[seen[columns]], values[counts > 1]])
            if twice.size:
                raise ParameterError(f"a column may be in one group of weights only; column "
                                     f"{int(twice[0])} is in two.")
            seen[columns] = True
            out[columns] = weight
        return out

    def fit(self, X, y=None, sample_weight=None):  # noqa: ANN001, ANN201, N803 - sklearn's
        """Fit the standardisation, then fold the weights into ``scale_``."""
        n_columns = np.shape(X)[1] if np.ndim(X) == 2 else 0
        weights = self.column_weights(n_columns)  # checked before the (slower) fit
        super().fit(X, y, sample_weight=sample_weight)
        self.scale_ = np.asarray(self.scale_, dtype=np.float64) / weights
        return self
