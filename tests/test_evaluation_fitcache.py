"""Tests of mgc_core.evaluation.fitcache and of its use by the evaluation's fits."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from mgc_core.evaluation import fitcache
from mgc_core.evaluation.fitcache import FitCache, code_fingerprint, data_digest
from mgc_core.evaluation.protocols import _run_folds
from mgc_core.genres import GENRES


class CountingModel:
    """Class frequencies of the training labels, whatever the input; counts its fits."""

    fits: ClassVar[list[int]] = []

    def fit(self, X, y, *, groups=None):  # noqa: ANN001, ANN201
        type(self).fits.append(len(y))
        self.p_ = np.bincount(y, minlength=len(GENRES)) / len(y)
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        return np.tile(self.p_, (len(X), 1))


@pytest.fixture()
def counting(monkeypatch):
    CountingModel.fits.clear()
    monkeypatch.setattr("mgc_core.models.model_class", lambda name: CountingModel)
    return CountingModel.fits


def _data(n=40, seed=0):  # noqa: ANN001, ANN202
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = rng.integers(0, 3, size=n)
    groups = np.array([f"a{i // 4}" for i in range(n)], dtype=object)
    splits = [(np.flatnonzero(np.arange(n) % 2 == k), np.flatnonzero(np.arange(n) % 2 != k))
              for k in (0, 1)]
    return X, y, {"groups": groups}, splits


def test_digest_sees_values_dtypes_shapes_and_strings():
    a = np.arange(6, dtype=np.float32)
    assert data_digest(a) == data_digest(a.copy())
    assert data_digest(a) != data_digest(a.astype(np.float64))
    assert data_digest(a) != data_digest(a.reshape(2, 3))
    b = a.copy()
    b[3] += 1e-3
    assert data_digest(a) != data_digest(b)
    names = np.array(["x", "y"], dtype=object)
    assert data_digest(names) != data_digest(np.array(["x", "z"], dtype=object))
    assert data_digest({"a": a, "b": 1}) == data_digest({"b": 1, "a": a})
    assert data_digest({"a": a}) != data_digest({"c": a})


def test_code_fingerprint_is_stable_and_covers_the_libraries(monkeypatch):
    first = code_fingerprint()
    assert first == code_fingerprint() and len(first) == 64
    code_fingerprint.cache_clear()
    monkeypatch.setattr(fitcache, "_LIBRARIES", ("numpy",))
    try:
        assert code_fingerprint() != first
    finally:
        code_fingerprint.cache_clear()


def test_round_trip_and_misses(tmp_path):
    cache = FitCache(tmp_path / "fits")
    key = cache.key("knn", "data", np.arange(3), np.arange(3, 5))
    assert key != cache.key("knn", "data", np.arange(3), np.arange(3, 6))
    assert key != cache.key("knn", "data", np.arange(3), np.arange(3, 5), model_class=int)
    assert cache.get("knn", key, (2, 10)) is None
    p = np.full((2, 10), 0.1)
    cache.put("knn", key, p)
    np.testing.assert_array_equal(cache.get("knn", key, (2, 10)), p)
    assert cache.get("knn", key, (3, 10)) is None  # another shape is a miss
    assert (cache.hits, cache.misses) == (1, 2)
    path = next((tmp_path / "fits" / "knn").rglob("*.npz"))
    path.write_bytes(b"not an npz")  # a damaged entry is a miss, not an error
    assert cache.get("knn", key, (2, 10)) is None
    assert not list((tmp_path / "fits").rglob("*.tmp"))


def test_run_folds_reads_back_what_it_fitted(tmp_path, counting):
    X, y, arrays, splits = _data()
    cache = FitCache(tmp_path)
    first = _run_folds("knn", X, y, arrays, splits, stage="s", progress=lambda *a: None,
                       cache=cache)
    assert len(counting) == 2
    again = _run_folds("knn", X, y, arrays, splits, stage="s", progress=lambda *a: None,
                       cache=cache)
    assert len(counting) == 2 and cache.hits == 2
    np.testing.assert_array_equal(first, again)
    # Other labels, other groups or another split: fitted again.
    _run_folds("knn", X, (y + 1) % 3, arrays, splits, stage="s", progress=lambda *a: None,
               cache=cache)
    assert len(counting) == 4
    other = {"groups": np.array([f"b{i}" for i in range(len(y))], dtype=object)}
    _run_folds("knn", X, y, other, splits, stage="s", progress=lambda *a: None, cache=cache)
    assert len(counting) == 6
    _run_folds("knn", X, y, arrays, splits[:1][::-1] + [(splits[1][0][1:], splits[1][1])],
               stage="s", progress=lambda *a: None, cache=cache)
    assert len(counting) == 7  # the first split was stored, the changed one was not


def test_without_a_cache_nothing_is_stored(tmp_path, counting):
    X, y, arrays, splits = _data()
    _run_folds("knn", X, y, arrays, splits, stage="s", progress=lambda *a: None)
    _run_folds("knn", X, y, arrays, splits, stage="s", progress=lambda *a: None)
    assert len(counting) == 4
    assert not any(tmp_path.iterdir())
