"""The one grouped splitter: stratified folds that never put a group on both sides.

:func:`grouped_kfold` is the splitter every part of mgc uses: the outer
cross-validation (:func:`grouped_folds`, artists as groups), the inner cross-validation
that scikit-learn models run inside ``fit`` to choose their settings
(:func:`mgc_core.models._sklearn_common.inner_splits`) and the validation part the
Keras models stop early on (:func:`mgc_core.models._keras_common.inner_split`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from mgc_core.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.clips import ClipTable

__all__ = ["N_SPLITS", "grouped_kfold", "grouped_folds"]

#: Folds of the cross-validation.
N_SPLITS = 5


def grouped_kfold(
    y: np.ndarray, groups: np.ndarray | None = None, *, n_splits: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled, genre-stratified k-fold splits that keep each group on one side.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Integer labels.
    groups : np.ndarray [shape=(n,)], optional
        Group of each row (an artist, a clip): a group never lands on both sides
        (:class:`~sklearn.model_selection.StratifiedGroupKFold`). ``None`` treats rows
        as independent (:class:`~sklearn.model_selection.StratifiedKFold`).
    n_splits : int >= 2
    seed : int
        Shuffling seed (``random_state``).

    Returns
    -------
    list of (train_index, test_index)

    Raises
    ------
    ParameterError
        If ``n_splits`` is below 2 or above the number of groups.

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1, 0, 1]); g = np.array(["a", "a", "b", "b", "c", "d"])
    >>> all(not set(g[tr]) & set(g[te]) for tr, te in grouped_kfold(y, g, n_splits=2, seed=0))
    True
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(y)
    if not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise ParameterError(f"n_splits must be an integer >= 2; got {n_splits!r}.")
    if groups is None:
        splitter = StratifiedKFold(int(n_splits), shuffle=True, random_state=seed)
    else:
        n_groups = np.unique(np.asarray(groups).astype(str)).size
        if n_groups < n_splits:
            raise ParameterError(
                f"{n_splits}-fold grouped cross-validation needs at least {n_splits} groups; "
                f"the data has {n_groups}. Use fewer folds or more data."
            )
        splitter = StratifiedGroupKFold(int(n_splits), shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # small genres: some folds lack them, which is fine
        warnings.filterwarnings("ignore", message="The least populated class",
                                category=UserWarning)
        return list(splitter.split(np.zeros((y.size, 1)), y, groups))


def grouped_folds(table: ClipTable, *, n_splits: int = N_SPLITS, seed: int = 0) -> np.ndarray:
    """Fold of each clip under artist-grouped stratified k-fold (:func:`grouped_kfold`).

    Returns
    -------
    np.ndarray [shape=(n_clips,), dtype=int]
        Fold index (0..n_splits-1) of each clip.

    Raises
    ------
    ParameterError
        If there are fewer artist groups than folds.
    """
    folds = np.full(len(table), -1, dtype=np.int64)
    for k, (_, test) in enumerate(grouped_kfold(table.labels, np.asarray(table.groups),
                                                n_splits=n_splits, seed=seed)):
        folds[test] = k
    return folds
