"""Helpers shared by the scikit-learn models (KNN and the transfer head).

Input checks, the inner grouped cross-validation used for model selection inside
``fit``, spreading probabilities into GENRES columns, and safe ``.skops`` files:
:func:`load_skops` refuses any type outside an explicit allow-list before loading.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES

#: Folds of the inner cross-validation that chooses a model's settings inside ``fit``.
INNER_FOLDS = 5
SEED = 0


def _check_Xy(X: Any, y: Any, width: int) -> tuple[np.ndarray, np.ndarray]:
    X = _check_X(X, width)
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ParameterError(
            f"y must hold one integer genre index per row of X ({X.shape[0]}); got "
            f"shape {y.shape} and dtype {y.dtype}: map names with mgc_core.genres.genre_index."
        )
    if y.size and (y.min() < 0 or y.max() >= len(GENRES)):
        raise ParameterError(
            f"y holds genre indices outside 0..{len(GENRES) - 1} "
            f"(min {y.min()}, max {y.max()}): use indices into GENRES."
        )
    if np.unique(y).size < 2:
        raise ParameterError(
            f"fit needs segments of at least two genres; got {np.unique(y).size}."
        )
    return X, y.astype(np.int64)


def _check_X(X: Any, width: int) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] != width or X.shape[0] == 0:
        raise ParameterError(
            f"X must have shape (n_segments, {width}) with n_segments >= 1; got {X.shape}: "
            "compute it with the model's inputs(front)."
        )
    if not np.all(np.isfinite(X)):
        raise ParameterError("X holds NaN or infinite values: recompute it with inputs(front).")
    return X


def _check_ids(name: str, ids: Any, n: int) -> np.ndarray | None:
    if ids is None:
        return None
    ids = np.asarray(ids)
    if ids.shape != (n,):
        raise ParameterError(
            f"{name} must give one id per row of X ({n}); got shape {ids.shape}."
        )
    return ids


def inner_splits(
    y: np.ndarray, groups: np.ndarray | None = None, *, n_splits: int = INNER_FOLDS,
    seed: int = SEED,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds of an inner cross-validation for model selection inside ``fit``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Integer labels.
    groups : np.ndarray [shape=(n,)], optional
        Group id of each row (artist, or clip): a group never lands on both sides
        (:class:`~sklearn.model_selection.StratifiedGroupKFold`). ``None`` gives a
        stratified :class:`~sklearn.model_selection.StratifiedKFold`.
    n_splits : int
        Most folds; fewer when there are fewer groups (or members per genre).
    seed : int
        Shuffling seed.

    Returns
    -------
    list of (train_index, test_index)

    Raises
    ------
    ParameterError
        If there are too few groups (or rows) for two folds.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(y)
    if groups is None:
        k = min(n_splits, int(np.bincount(y).max()))
        splitter = StratifiedKFold(k, shuffle=True, random_state=seed) if k >= 2 else None
    else:
        k = min(n_splits, np.unique(groups).size)
        splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed) if k >= 2 else None
    if splitter is None:
        raise ParameterError(
            "fit chooses its settings by an inner cross-validation, which needs at least "
            "two groups (or two segments of a genre when groups is None): give more data."
        )
    with warnings.catch_warnings():  # small genres: some folds lack them, which is fine
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        return list(splitter.split(np.zeros((y.size, 1)), y, groups))


def genre_columns(proba: np.ndarray, classes: Iterable[int]) -> np.ndarray:
    """Spread ``(n, len(classes))`` probabilities into ``(n, 10)`` columns in GENRES order.

    Genres absent from training get probability 0.
    """
    out = np.zeros((proba.shape[0], len(GENRES)), dtype=np.float32)
    out[:, np.asarray(list(classes), dtype=np.int64)] = proba
    return out


def dump_skops(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` with :func:`skops.io.dump` (never pickle)."""
    import skops.io as sio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(obj, path)


def load_skops(path: str | os.PathLike, *, trusted: Iterable[str]) -> Any:
    """Read a ``.skops`` file, allowing only skops's default types and ``trusted``.

    The file's types outside skops's defaults
    (:func:`skops.io.get_untrusted_types`) must all be in ``trusted``; otherwise
    nothing is loaded.

    Parameters
    ----------
    path : path-like
        A file written by :func:`skops.io.dump`.
    trusted : iterable of str
        Fully qualified type names the caller expects in the file.

    Returns
    -------
    The object stored.

    Raises
    ------
    AssetError
        If the file is missing or unreadable, or holds a type not in ``trusted``
        (the message names it).
    """
    import zipfile

    import skops.io as sio

    path = Path(path)
    rebuild = "rebuild it with `python -m mgc_core train --gtzan DIR`"
    if not path.is_file():
        raise AssetError(f"The model file {str(path)!r} is missing: {rebuild}.")
    try:
        found = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as err:
        raise AssetError(
            f"The model file {str(path)!r} is not a readable .skops file ({err}): {rebuild}."
        ) from err
    allowed = set(trusted)
    refused = sorted(t for t in found if t not in allowed)
    if refused:
        raise AssetError(
            f"The model file {str(path)!r} holds types that mgc does not trust: "
            f"{', '.join(refused)}. It was not loaded; do not use this file, {rebuild}."
        )
    try:
        return sio.load(path, trusted=sorted(allowed & set(found)))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, TypeError) as err:
        raise AssetError(
            f"The model file {str(path)!r} could not be loaded ({err}): {rebuild}."
        ) from err


def _payload_part(payload: Any, key: str, path: str | os.PathLike, name: str) -> Any:
    if not isinstance(payload, dict) or payload.get("model") != name or key not in payload:
        raise AssetError(
            f"{str(path)!r} is not a saved {name!r} model (no {key!r}): rebuild it with "
            "`python -m mgc_core train --gtzan DIR`."
        )
    return payload[key]
