"""The scikit-learn models' fitted heads as plain arrays, served without scikit-learn.

scikit-learn trains the KNN and the transfer model's head (and ``.skops`` keeps the
fitted pipeline, :mod:`mgc_core.models._sklearn_common`). Serving needs none of it:
a fitted ``StandardScaler`` -> ``LogisticRegression`` is a mean, a scale, a weight
matrix and a bias; a fitted ``StandardScaler`` -> ``KNeighborsClassifier`` is a mean,
a scale, the scaled training points and their labels. Importing scikit-learn and skops
costs the serving process about 120 MB and most of a second at start-up (measured by
``python -m mgc_devtools.memory``), so the app and the ``classify`` command load these
arrays from an ``.npz`` file instead, written beside the ``.skops`` file when a model is
saved (as LiteRT's ``.tflite`` is written beside a ``.keras`` file).

A model computes its probabilities with the head's NumPy code whether it was just
fitted or loaded, so the stored evaluations measure the code that serves. The tests
check it against scikit-learn's own ``predict_proba``.

The ``.npz`` files hold numeric and string arrays only and are read with
``allow_pickle=False``: loading one never runs code.

Examples
--------
>>> import numpy as np
>>> head = LinearHead(mean=np.zeros(2), scale=np.ones(2), coef=np.eye(3, 2),
...                   intercept=np.zeros(3), classes=np.array([0, 4, 9]))
>>> head.predict_proba(np.array([[5.0, 0.0]])).argmax(axis=1)
array([0])
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES


def genre_columns(proba: np.ndarray, classes: Iterable[int]) -> np.ndarray:
    """Spread ``(n, len(classes))`` probabilities into ``(n, 10)`` columns in GENRES order.

    Genres absent from training get probability 0.
    """
    out = np.zeros((proba.shape[0], len(GENRES)), dtype=np.float32)
    out[:, np.asarray(list(classes), dtype=np.int64)] = proba
    return out


__all__ = ["LinearHead", "NeighboursHead", "genre_columns", "head_from_pipeline", "save_head",
           "load_head"]

#: Version of the ``.npz`` layout.
FORMAT = 1
#: Query rows per distance block of :meth:`NeighboursHead.predict_proba` (bounds memory).
_BLOCK = 512


@dataclass(frozen=True, eq=False)
class _Head:
    """Shared parts: the scaler's ``mean`` and ``scale``, the trained ``classes``."""

    kind: ClassVar[str] = ""
    mean: np.ndarray
    scale: np.ndarray
    classes: np.ndarray

    @property
    def n_inputs(self) -> int:
        """Width of an input row."""
        return int(self.mean.shape[0])

    def _checked(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ParameterError(f"X must have shape (n, {self.n_inputs}); got {X.shape}.")
        return X

    def arrays(self) -> dict[str, np.ndarray]:
        """The head's arrays by field name (what :func:`save_head` stores)."""
        return {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, eq=False)
class LinearHead(_Head):
    """A fitted ``StandardScaler`` -> multinomial ``LogisticRegression``.

    Parameters
    ----------
    mean, scale : np.ndarray [shape=(d,)]
        The scaler's ``mean_`` and ``scale_``.
    coef : np.ndarray [shape=(c, d)] or [shape=(1, d)]
        ``coef_`` (one row for two classes, as scikit-learn stores a binary model).
    intercept : np.ndarray [shape=(c,)] or [shape=(1,)]
        ``intercept_``.
    classes : np.ndarray [shape=(c,)]
        The trained genre indices (``classes_``).
    """

    kind: ClassVar[str] = "linear"
    coef: np.ndarray
    intercept: np.ndarray

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities ``(n, 10)`` in GENRES order (0 for untrained genres)."""
        z = ((self._checked(X).astype(np.float64) - self.mean) / self.scale) @ self.coef.T \
            + self.intercept
        if self.coef.shape[0] == 1:  # binary: the logit of the second class
            p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return genre_columns(np.stack([1.0 - p1, p1], axis=1), self.classes)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return genre_columns(e / e.sum(axis=1, keepdims=True), self.classes)


@dataclass(frozen=True, eq=False)
class NeighboursHead(_Head):
    """A fitted ``StandardScaler`` -> ``KNeighborsClassifier`` (Euclidean distance).

    Parameters
    ----------
    mean, scale : np.ndarray [shape=(d,)]
        The scaler's ``mean_`` and ``scale_``.
    points : np.ndarray [shape=(m, d)]
        The scaled training points (``_fit_X``, float32 as scikit-learn keeps them;
        distances are computed in float64).
    labels : np.ndarray [shape=(m,)]
        Each point's position in ``classes`` (``_y``).
    classes : np.ndarray [shape=(c,)]
        The trained genre indices.
    k : np.ndarray [shape=()]
        ``n_neighbors``.
    distance : np.ndarray [shape=()]
        True for ``weights="distance"`` (votes weighted by 1 / distance; a point at
        distance 0 takes every vote), False for ``"uniform"``.
    """

    kind: ClassVar[str] = "neighbours"
    points: np.ndarray
    labels: np.ndarray
    k: np.ndarray
    distance: np.ndarray

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities ``(n, 10)`` in GENRES order (0 for untrained genres)."""
        # Scaled as scikit-learn scales (in the points' float32), so that a query equal
        # to a training point lands on it exactly.
        dtype = self.points.dtype
        Q = (self._checked(X).astype(dtype) - self.mean.astype(dtype)) / self.scale.astype(dtype)
        k = int(self.k)
        points = self.points.astype(np.float64)
        sq_points = np.einsum("ij,ij->i", points, points)
        out = np.zeros((Q.shape[0], self.classes.size))
        for start in range(0, Q.shape[0], _BLOCK):
            q = Q[start:start + _BLOCK].astype(np.float64)
            d2 = np.einsum("ij,ij->i", q, q)[:, None] - 2.0 * (q @ points.T) + sq_points
            near = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < d2.shape[1] else \
                np.broadcast_to(np.arange(d2.shape[1]), d2.shape)
            # The k distances again, directly: no cancellation, 0 for an equal point.
            dist = np.sqrt(np.square(q[:, None, :] - points[near]).sum(axis=2))
            if bool(self.distance):
                exact = dist == 0.0
                with np.errstate(divide="ignore"):
                    w = np.where(exact.any(axis=1, keepdims=True), exact, 1.0 / dist)
            else:
                w = np.ones_like(dist)
            rows = np.repeat(np.arange(q.shape[0]), near.shape[1])
            np.add.at(out[start:start + _BLOCK], (rows, self.labels[near].ravel()), w.ravel())
        out /= out.sum(axis=1, keepdims=True)
        return genre_columns(out, self.classes)


_KINDS: dict[str, type[_Head]] = {h.kind: h for h in (LinearHead, NeighboursHead)}


def head_from_pipeline(pipeline: Any) -> LinearHead | NeighboursHead:
    """The arrays of a fitted scikit-learn ``Pipeline([scaler, classifier])``.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        A ``StandardScaler`` followed by a ``LogisticRegression`` or a Euclidean
        ``KNeighborsClassifier``, fitted.

    Returns
    -------
    LinearHead or NeighboursHead

    Raises
    ------
    ParameterError
        If the pipeline is not one of these two.
    """
    steps = getattr(pipeline, "steps", None)
    if not steps or len(steps) != 2:
        raise ParameterError("head_from_pipeline needs a fitted two-step Pipeline "
                             "(StandardScaler, then the classifier).")
    scaler, clf = steps[0][1], steps[1][1]
    name = type(clf).__name__
    if name not in ("LogisticRegression", "KNeighborsClassifier"):
        raise ParameterError(f"no served head for a {name}: use LogisticRegression or "
                             "KNeighborsClassifier.")
    # A StandardScaler or a subclass (PriorScaler folds its weights into scale_).
    scalers = [c.__name__ for c in type(scaler).__mro__]
    if "StandardScaler" not in scalers or getattr(scaler, "mean_", None) is None:
        raise ParameterError("the pipeline's first step must be a fitted StandardScaler "
                             "(with_mean=True).")
    common = {
        "mean": np.asarray(scaler.mean_, dtype=np.float64),
        "scale": np.asarray(scaler.scale_, dtype=np.float64),
        "classes": np.asarray(clf.classes_, dtype=np.int64),
    }
    if name == "LogisticRegression":
        return LinearHead(coef=np.asarray(clf.coef_, dtype=np.float64),
                          intercept=np.asarray(clf.intercept_, dtype=np.float64), **common)
    if clf.effective_metric_ != "euclidean" or not isinstance(clf.weights, str):
        raise ParameterError("only Euclidean k-NN with 'uniform' or 'distance' weights "
                             f"is served; got {clf.effective_metric_!r}, {clf.weights!r}.")
    return NeighboursHead(points=np.asarray(clf._fit_X, dtype=np.float32),
                          labels=np.asarray(clf._y, dtype=np.int64),
                          k=np.asarray(int(clf.n_neighbors)),
                          distance=np.asarray(clf.weights == "distance"), **common)


def save_head(head: LinearHead | NeighboursHead, path: str | os.PathLike, *,
              meta: dict[str, Any]) -> None:
    """Write ``head`` and ``meta`` (JSON-able: the model's name, settings, scores) to ``.npz``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": FORMAT, "kind": head.kind, **meta}
    buf = io.BytesIO()
    np.savez(buf, meta=np.asarray(json.dumps(header, sort_keys=True)), **head.arrays())
    path.write_bytes(buf.getvalue())


def load_head(source: str | os.PathLike | bytes, *, model: str, n_inputs: int,
              rebuild: str) -> tuple[LinearHead | NeighboursHead, dict[str, Any]]:
    """Read a head written by :func:`save_head`, checked, without running any code.

    Parameters
    ----------
    source : path-like or bytes
        The ``.npz`` file, or its (verified) bytes.
    model : str
        The model it must hold (``meta["model"]``).
    n_inputs : int
        The input width it must take.
    rebuild : str
        The command that rebuilds the file, for messages.

    Returns
    -------
    (head, meta)

    Raises
    ------
    AssetError
        If the file is missing, not an ``.npz`` of arrays (object arrays are refused),
        holds another model or has inconsistent shapes.
    """
    what = "the served head" if isinstance(source, bytes) else repr(str(source))
    if not isinstance(source, bytes):
        if not Path(source).is_file():
            raise AssetError(f"The model file {what} is missing: rebuild it with `{rebuild}`.")
        source = Path(source).read_bytes()
    try:
        with np.load(io.BytesIO(source), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays.pop("meta")))
        cls = _KINDS[meta["kind"]]
        head = cls(**{f.name: arrays[f.name] for f in fields(cls)})
    except (ValueError, OSError, KeyError, TypeError, json.JSONDecodeError) as err:
        raise AssetError(f"{what} is not a readable mgc head file ({err}): rebuild it with "
                         f"`{rebuild}`.") from err
    if meta.get("model") != model or meta.get("format") != FORMAT:
        raise AssetError(f"{what} holds {meta.get('model')!r} (format {meta.get('format')}), "
                         f"not a {model!r} head of format {FORMAT}: rebuild it with `{rebuild}`.")
    _check_shapes(head, n_inputs, what, rebuild)
    return head, meta


def _check_shapes(head: LinearHead | NeighboursHead, n_inputs: int, what: str,
                  rebuild: str) -> None:
    c = head.classes
    ok = (head.mean.shape == (n_inputs,) and head.scale.shape == (n_inputs,)
          and c.ndim == 1 and c.size >= 2 and np.issubdtype(c.dtype, np.integer)
          and c.min() >= 0 and c.max() < len(GENRES) and np.unique(c).size == c.size
          and np.all(np.isfinite(head.mean)) and np.all(head.scale > 0))
    if isinstance(head, LinearHead):
        rows = 1 if c.size == 2 else c.size
        ok = ok and head.coef.shape == (rows, n_inputs) and head.intercept.shape == (rows,)
    else:
        m = head.points.shape[0]
        ok = (ok and head.points.shape == (m, n_inputs) and head.labels.shape == (m,)
              and np.issubdtype(head.labels.dtype, np.integer) and m >= 1
              and head.labels.min() >= 0 and head.labels.max() < c.size
              and head.k.shape == () and 1 <= int(head.k) <= m and head.distance.shape == ())
    if not ok:
        raise AssetError(f"{what} has arrays of the wrong shapes or values for a head on "
                         f"{n_inputs} inputs: rebuild it with `{rebuild}`.")
