"""Tests for mgc_core.models.heads: scikit-learn's fitted heads served from plain arrays.

The served heads must give scikit-learn's own probabilities (so the stored evaluations
hold for what serves), and their files must be refused when they hold anything but the
expected arrays.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models import heads
from mgc_core.models._sklearn_common import genre_columns


def _data(n=240, d=7, classes=(0, 3, 5, 9), seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(np.asarray(classes), size=n)
    centres = rng.normal(scale=2.0, size=(10, d))
    X = (centres[y] + rng.normal(size=(n, d))) * rng.uniform(0.5, 50, size=d) + 7.0
    return X.astype(np.float32), y


def _pipeline(clf):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("clf", clf)])


def _reference(pipe, X):
    return genre_columns(pipe.predict_proba(X), pipe.classes_)


@pytest.mark.parametrize("classes", [(0, 3, 5, 9), (2, 7)])
def test_linear_head_gives_sklearn_probabilities(classes):
    from sklearn.linear_model import LogisticRegression

    X, y = _data(classes=classes)
    pipe = _pipeline(LogisticRegression(C=0.3, class_weight="balanced", max_iter=2000)).fit(X, y)
    head = heads.head_from_pipeline(pipe)
    assert isinstance(head, heads.LinearHead)
    Q, _ = _data(n=50, seed=1)
    got = head.predict_proba(Q)
    assert got.shape == (50, len(GENRES)) and got.dtype == np.float32
    np.testing.assert_allclose(got, _reference(pipe, Q), atol=1e-6)
    untrained = [g for g in range(len(GENRES)) if g not in classes]
    assert np.all(got[:, untrained] == 0)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [1, 5, 240])
def test_neighbours_head_gives_sklearn_probabilities(weights, k):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _data()
    pipe = _pipeline(KNeighborsClassifier(n_neighbors=k, weights=weights)).fit(X, y)
    head = heads.head_from_pipeline(pipe)
    assert isinstance(head, heads.NeighboursHead)
    Q, _ = _data(n=1100, seed=2)  # more rows than one distance block
    Q[:3] = X[:3]  # queries on training points: distance weights give them every vote
    np.testing.assert_allclose(head.predict_proba(Q), _reference(pipe, Q), atol=1e-6)


def test_head_from_pipeline_refuses_what_it_cannot_serve():
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _data()
    with pytest.raises(ParameterError, match="GaussianNB"):
        heads.head_from_pipeline(_pipeline(GaussianNB()).fit(X, y))
    with pytest.raises(ParameterError, match="Euclidean"):
        heads.head_from_pipeline(_pipeline(KNeighborsClassifier(metric="manhattan")).fit(X, y))
    with pytest.raises(ParameterError, match="two-step"):
        heads.head_from_pipeline(object())


def test_save_and_load_round_trip(tmp_path):
    from sklearn.linear_model import LogisticRegression

    X, y = _data()
    head = heads.head_from_pipeline(_pipeline(LogisticRegression(max_iter=2000)).fit(X, y))
    path = tmp_path / "h.npz"
    heads.save_head(head, path, meta={"model": "m", "best_params": {"C": 1.0}})
    for source in (path, path.read_bytes()):
        back, meta = heads.load_head(source, model="m", n_inputs=7, rebuild="make it")
        assert meta["best_params"] == {"C": 1.0} and meta["kind"] == "linear"
        np.testing.assert_array_equal(back.predict_proba(X), head.predict_proba(X))


def _saved(tmp_path, **change):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _data()
    head = heads.head_from_pipeline(_pipeline(KNeighborsClassifier(3)).fit(X, y))
    arrays = head.arrays()
    meta = {"format": heads.FORMAT, "kind": "neighbours", "model": "knn"}
    meta.update(change.pop("meta", {}))
    arrays.update(change)
    buf = io.BytesIO()
    np.savez(buf, meta=np.asarray(json.dumps(meta)), **arrays)
    path = tmp_path / "x.npz"
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.parametrize("change, message", [
    ({"meta": {"model": "transfer"}}, "not a 'knn' head"),
    ({"meta": {"format": 99}}, "format"),
    ({"meta": {"kind": "forest"}}, "not a readable"),
    ({"points": np.zeros((3, 7))}, "wrong shapes"),
    ({"k": np.asarray(10_000)}, "wrong shapes"),
    ({"classes": np.asarray([0, 3, 5, 12])}, "wrong shapes"),
    ({"scale": np.zeros(7)}, "wrong shapes"),
    ({"labels": np.array([object()] * 240, dtype=object)}, "not a readable"),
])
def test_load_head_refuses_bad_files(tmp_path, change, message):
    path = _saved(tmp_path, **change)
    with pytest.raises(AssetError, match=message) as err:
        heads.load_head(path, model="knn", n_inputs=7, rebuild="python -m mgc_core convert")
    assert "python -m mgc_core convert" in str(err.value)


def test_load_head_refuses_missing_and_junk(tmp_path):
    with pytest.raises(AssetError, match="missing"):
        heads.load_head(tmp_path / "absent.npz", model="knn", n_inputs=7, rebuild="r")
    with pytest.raises(AssetError, match="not a readable"):
        heads.load_head(b"not a zip at all", model="knn", n_inputs=7, rebuild="r")


def test_predict_checks_the_width():
    head = heads.LinearHead(mean=np.zeros(2), scale=np.ones(2), coef=np.eye(3, 2),
                            intercept=np.zeros(3), classes=np.array([0, 1, 2]))
    with pytest.raises(ParameterError, match=r"\(n, 2\)"):
        head.predict_proba(np.zeros((4, 3)))
