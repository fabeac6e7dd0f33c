"""Helpers shared by the scikit-learn models (KNN and the transfer head).

Input checks, the inner grouped cross-validation used for model selection inside
``fit``, spreading probabilities into GENRES columns, and safe ``.skops`` files:
:func:`load_skops` refuses any type outside an explicit allow-list before loading.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models.base import GenreModel

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
    from mgc_core.evaluation.splits import grouped_kfold

    y = np.asarray(y)
    if groups is None:
        k = min(n_splits, int(np.bincount(y).max()))
    else:
        k = min(n_splits, np.unique(groups).size)
    if k < 2:
        raise ParameterError(
            "fit chooses its settings by an inner cross-validation, which needs at least "
            "two groups (or two segments of a genre when groups is None): give more data."
        )
    return grouped_kfold(y, groups, n_splits=k, seed=seed)


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


class SkopsGenreModel(GenreModel):
    """Shared parts of the scikit-learn models: a fitted ``Pipeline`` kept in ``.skops``.

    Subclasses set :attr:`n_inputs` (the width of a segment's input vector) and
    :attr:`trusted` (the types their files may hold), fit ``pipeline_``,
    ``best_params_`` and ``cv_score_``, and may extend :meth:`_extra_payload` /
    :meth:`_restore` for more fitted state. Prediction, saving and safe loading are
    written once, here.
    """

    #: Width of one segment's input vector.
    n_inputs: ClassVar[int] = 0
    #: Types a file of this model may hold (checked by :func:`load_skops` before loading).
    trusted: ClassVar[tuple[str, ...]] = ()
    _format: ClassVar[int] = 1

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Segment probabilities, ``(n, 10)`` in GENRES order (0 for untrained genres)."""
        self._check_fitted()
        X = _check_X(X, self.n_inputs)
        return genre_columns(self.pipeline_.predict_proba(X), self.trained_classes_)

    def _extra_payload(self) -> dict[str, Any]:
        """More fitted state to store beside the pipeline (none by default)."""
        return {}

    def _restore(self, payload: dict[str, Any]) -> None:
        """Read back what :meth:`_extra_payload` stored (nothing by default)."""

    @staticmethod
    def _read_params(params: dict[str, Any]) -> dict[str, Any]:
        """Check and convert the stored ``best_params`` (as is by default)."""
        return dict(params)

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model to a ``.skops`` file."""
        self._check_fitted()
        dump_skops(
            {
                "model": self.name,
                "format": self._format,
                "pipeline": self.pipeline_,
                "best_params": dict(self.best_params_),
                "cv_score": self.cv_score_,
                **self._extra_payload(),
            },
            path,
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> SkopsGenreModel:
        """Read a model written by :meth:`save`, trusting only the types in :attr:`trusted`.

        Raises
        ------
        AssetError
            If the file is missing, holds another model, or holds any other type.
        """
        from sklearn.pipeline import Pipeline

        payload = load_skops(path, trusted=cls.trusted)
        pipeline = _payload_part(payload, "pipeline", path, cls.name)
        if not isinstance(pipeline, Pipeline):
            raise AssetError(
                f"{str(path)!r} does not hold a {cls.name} pipeline: rebuild it with "
                "`python -m mgc_core train --gtzan DIR`."
            )
        model = cls()
        model.pipeline_ = pipeline
        model.best_params_ = cls._read_params(_payload_part(payload, "best_params", path, cls.name))
        model.cv_score_ = float(payload.get("cv_score", np.nan))
        model.trained_classes_ = np.asarray(pipeline.classes_, dtype=np.int64)
        model._restore(payload)
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise ParameterError(
                f"This {type(self).__name__} is not fitted: call fit(X, y) or load(path) first."
            )
