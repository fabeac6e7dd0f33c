"""A ``StandardScaler`` that gives chosen columns more weight: the transfer head's prior.

The transfer model's head (:mod:`mgc_core.models.transfer`) is a scaled, L2-regularised
logistic regression on 1411 values per clip. Ten of them are AudioSet's own outputs for
the ten genres (:data:`~mgc_core.models.audioset.GENRE_INDEX`), which already name the
genre without any training (the AudioSet model, about 0.72 balanced accuracy alone).
:class:`PriorScaler` standardises every column, then multiplies those columns by
``weight``: the penalty on their coefficients shrinks by ``weight ** 2``, so the head
leans on them more, as far as the inner cross-validation that chooses ``weight`` says it
helps.

The weight is folded into ``scale_`` (``scale_[columns] /= weight``), so a fitted
``PriorScaler`` transforms like a ``StandardScaler`` with that scale, and the served head
(:class:`~mgc_core.models.heads.LinearHead`) needs nothing else. This module imports
scikit-learn; serving never imports it.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [2.0, 2.0]])
>>> PriorScaler(columns=(1,), weight=10.0).fit(X).transform(X)
array([[ -1., -10.],
       [  1.,  10.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.preprocessing import StandardScaler

from mgc_core.errors import ParameterError

__all__ = ["PriorScaler"]


class PriorScaler(StandardScaler):
    """Standardise every column, then multiply ``columns`` by ``weight``.

    Parameters
    ----------
    columns : sequence of int
        The columns given more weight.
    weight : float > 0
        Their factor after standardising (1 is a plain ``StandardScaler``).

    Attributes
    ----------
    scale_ : np.ndarray
        The standard deviations, divided by ``weight`` at ``columns``.
    """

    def __init__(self, *, columns: Sequence[int] = (), weight: float = 1.0) -> None:
        super().__init__()
        self.columns = columns
        self.weight = weight

    def fit(self, X, y=None, sample_weight=None):  # noqa: ANN001, ANN201, N803 - sklearn's
        """Fit the standardisation, then fold ``weight`` into ``scale_`` at ``columns``."""
        weight = float(self.weight)
        if not np.isfinite(weight) or weight <= 0:
            raise ParameterError(f"weight must be a positive number; got {self.weight!r}.")
        super().fit(X, y, sample_weight=sample_weight)
        columns = np.asarray(self.columns, dtype=np.int64)
        if columns.size and (columns.min() < 0 or columns.max() >= self.scale_.size):
            raise ParameterError(f"columns must index the {self.scale_.size} columns of X; "
                                 f"got {self.columns!r}.")
        scale = np.array(self.scale_, dtype=np.float64, copy=True)
        scale[columns] /= weight
        self.scale_ = scale
        return self
