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
from mgc_core.models.heads import genre_columns  # noqa: F401 - used here and by callers

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
    """Shared parts of the scikit-learn models: a fitted ``Pipeline`` kept in ``.skops``,
    served from its arrays (``.npz``, :mod:`mgc_core.models.heads`).

    Subclasses set :attr:`n_inputs` (the width of a segment's input vector) and
    :attr:`trusted` (the types their files may hold), call :meth:`_set_pipeline` at the
    end of ``fit`` (with ``best_params_`` and ``cv_score_`` set), and may extend
    :meth:`_extra_payload` / :meth:`_restore` for more fitted state. Prediction, saving
    and safe loading are written once, here.

    Prediction always runs the head's NumPy code (``head_``), whether the model was
    fitted, read from ``.skops`` (scikit-learn) or from ``.npz`` (no scikit-learn), so
    what is evaluated is what is served. :meth:`save` writes both files; a model read
    from ``.npz`` predicts but cannot be saved.
    """

    #: Width of one segment's input vector.
    n_inputs: ClassVar[int] = 0
    #: Types a file of this model may hold (checked by :func:`load_skops` before loading).
    trusted: ClassVar[tuple[str, ...]] = ()
    _format: ClassVar[int] = 1
    served_suffix: ClassVar[str | None] = ".npz"

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Segment probabilities, ``(n, 10)`` in GENRES order (0 for untrained genres)."""
        self._check_fitted()
        return self.head_.predict_proba(_check_X(X, self.n_inputs))

    def _set_pipeline(self, pipeline: Any) -> None:
        """Keep a fitted pipeline and the served head made from it."""
        from mgc_core.models.heads import head_from_pipeline

        self.pipeline_ = pipeline
        self.head_ = head_from_pipeline(pipeline)
        self.trained_classes_ = np.asarray(self.head_.classes, dtype=np.int64)

    def _extra_payload(self) -> dict[str, Any]:
        """More fitted state to store beside the pipeline (none by default; JSON-able)."""
        return {}

    def _restore(self, payload: dict[str, Any]) -> None:
        """Read back what :meth:`_extra_payload` stored (nothing by default)."""

    @staticmethod
    def _read_params(params: dict[str, Any]) -> dict[str, Any]:
        """Check and convert the stored ``best_params`` (as is by default)."""
        return dict(params)

    def _meta(self) -> dict[str, Any]:
        return {"model": self.name, "best_params": dict(self.best_params_),
                "cv_score": self.cv_score_, **self._extra_payload()}

    def save_served(self, path: str | os.PathLike) -> None:
        """Write the served head (:func:`~mgc_core.models.heads.save_head`, ``.npz``)."""
        from mgc_core.models.heads import save_head

        self._check_fitted()
        save_head(self.head_, path, meta=self._meta())

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted pipeline to a ``.skops`` file, and its served head beside it
        (:meth:`served_path`)."""
        self._check_fitted()
        if getattr(self, "pipeline_", None) is None:
            raise ParameterError(
                f"This {type(self).__name__} was loaded from its .npz file, which only "
                "predicts: load the .skops file (with scikit-learn) to save it.")
        dump_skops({"format": self._format, "pipeline": self.pipeline_, **self._meta()}, path)
        self.save_served(self.served_path(path))

    @classmethod
    def load(cls, path: str | os.PathLike) -> SkopsGenreModel:
        """Read a model written by :meth:`save`: the ``.skops`` file (scikit-learn, trusting
        only the types in :attr:`trusted`) or its served ``.npz`` (arrays only; it predicts
        but does not save).

        Raises
        ------
        AssetError
            If the file is missing, holds another model or any other type.
        """
        if Path(path).suffix == ".npz":
            return cls.from_served(path)
        from sklearn.pipeline import Pipeline

        payload = load_skops(path, trusted=cls.trusted)
        pipeline = _payload_part(payload, "pipeline", path, cls.name)
        if not isinstance(pipeline, Pipeline):
            raise AssetError(
                f"{str(path)!r} does not hold a {cls.name} pipeline: rebuild it with "
                "`python -m mgc_core train --gtzan DIR`."
            )
        model = cls()
        try:
            model._set_pipeline(pipeline)
        except ParameterError as err:
            raise AssetError(f"{str(path)!r} holds a pipeline mgc cannot serve ({err}): "
                             "rebuild it with `python -m mgc_core train --gtzan DIR`.") from err
        model._read_meta(payload, path)
        return model

    @classmethod
    def from_served(cls, source: bytes | str | os.PathLike) -> SkopsGenreModel:
        """A model from its served ``.npz`` (a path, or bytes already verified).

        Raises
        ------
        AssetError
            If the file is missing, unreadable or not this model's head.
        """
        from mgc_core.models.heads import load_head

        head, meta = load_head(source, model=cls.name, n_inputs=cls.n_inputs,
                               rebuild=cls._served_rebuild())
        model = cls()
        model.head_ = head
        model.trained_classes_ = np.asarray(head.classes, dtype=np.int64)
        model._read_meta(meta, "the served head")
        return model

    def _read_meta(self, payload: dict[str, Any], path: str | os.PathLike) -> None:
        try:
            self.best_params_ = self._read_params(
                _payload_part(payload, "best_params", path, self.name))
        except (KeyError, TypeError, ValueError) as err:
            raise AssetError(f"{str(path)!r} holds unreadable settings ({err}): rebuild it "
                             f"with `{self._served_rebuild()}`.") from err
        self.cv_score_ = float(payload.get("cv_score", np.nan))
        self._restore(payload)

    def _check_fitted(self) -> None:
        if not hasattr(self, "head_"):
            raise ParameterError(
                f"This {type(self).__name__} is not fitted: call fit(X, y) or load(path) first."
            )
