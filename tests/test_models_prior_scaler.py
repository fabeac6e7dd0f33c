"""Tests for mgc_core.models.prior_scaler: standardise, then weight groups of columns."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.errors import ParameterError
from mgc_core.models.prior_scaler import PriorScaler


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return rng.normal(loc=5.0, scale=[1.0, 2.0, 3.0, 4.0], size=(200, 4))


def test_weighted_columns_have_that_spread_the_others_unit(X):
    Z = PriorScaler(weights=(((1, 3), 4.0),)).fit(X).transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), [1.0, 4.0, 1.0, 4.0])


def test_each_group_gets_its_own_weight(X):
    scaler = PriorScaler(weights=(((1,), 10.0), ((0, 2), 0.5))).fit(X)
    np.testing.assert_allclose(scaler.transform(X).std(axis=0), [0.5, 10.0, 0.5, 1.0])
    np.testing.assert_array_equal(scaler.column_weights(4), [0.5, 10.0, 0.5, 1.0])


def test_weight_one_is_a_standard_scaler(X):
    from sklearn.preprocessing import StandardScaler

    np.testing.assert_array_equal(PriorScaler(weights=(((0,), 1.0),)).fit(X).transform(X),
                                  StandardScaler().fit(X).transform(X))
    np.testing.assert_array_equal(PriorScaler().fit(X).transform(X),
                                  StandardScaler().fit(X).transform(X))


def test_it_clones_and_fits_inside_a_pipeline(X):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    y = (X[:, 1] > 5.0).astype(int)
    pipe = Pipeline([("scale", PriorScaler(weights=(((1,), 3.0),))),
                     ("logreg", LogisticRegression())])
    copy = clone(pipe).fit(X, y)
    assert copy.steps[0][1].get_params() == {"weights": (((1,), 3.0),)}
    assert copy.score(X, y) > 0.95


@pytest.mark.parametrize("weights, match", [
    ((((0,), 0.0),), "positive"),
    ((((0,), float("nan")),), "positive"),
    ((((4,), 2.0),), "index the 4 columns"),
    ((((-1,), 2.0),), "index the 4 columns"),
    ((((0, 1), 2.0), ((1,), 0.5)), "column 1 is in two"),
    ((((2, 2), 2.0),), "column 2 is in two"),
])
def test_bad_settings_are_refused(X, weights, match):
    with pytest.raises(ParameterError, match=match):
        PriorScaler(weights=weights).fit(X)


def test_the_skops_file_keeps_it_and_nothing_else_is_trusted(X, tmp_path):
    """A saved transfer head may hold a PriorScaler (listed among its trusted types)."""
    from mgc_core.models._sklearn_common import dump_skops, load_skops
    from mgc_core.models.transfer import HEAD_TRUSTED

    path = tmp_path / "s.skops"
    dump_skops({"scaler": PriorScaler(weights=(((2,), 5.0),)).fit(X)}, path)
    back = load_skops(path, trusted=HEAD_TRUSTED)["scaler"]
    np.testing.assert_array_equal(back.transform(X),
                                  PriorScaler(weights=(((2,), 5.0),)).fit(X).transform(X))
