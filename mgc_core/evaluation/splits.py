"""Grouped splits: no artist on both sides.

:func:`grouped_folds` deals clips into artist-grouped, genre-stratified folds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "grouped_folds",
]


# --------------------------------------------------------------------------- folds

#: Folds of the cross-validation.
N_SPLITS = 5


def grouped_folds(table: ClipTable, *, n_splits: int = N_SPLITS, seed: int = 0) -> np.ndarray:
    """Fold of each clip under artist-grouped stratified k-fold.

    Uses :class:`sklearn.model_selection.StratifiedGroupKFold` with
    ``shuffle=True, random_state=seed`` on the clips, their genres and artist groups.

    Returns
    -------
    np.ndarray [shape=(n_clips,), dtype=int]
        Fold index (0..n_splits-1) of each clip.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(set(table.groups))
    if n_groups < n_splits:
        raise ParameterError(
            f"{n_splits}-fold grouped cross-validation needs at least {n_splits} artist "
            f"groups; the data has {n_groups}. Use fewer folds or more clips."
        )
    folds = np.full(len(table), -1, dtype=np.int64)
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(cv.split(np.zeros(len(table)), table.labels, table.groups)):
        folds[test] = k
    return folds
