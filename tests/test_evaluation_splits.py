"""Tests of mgc_core.evaluation.splits: the one grouped splitter."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.errors import ParameterError
from mgc_core.evaluation.splits import grouped_kfold

RNG = np.random.default_rng(0)
Y = RNG.integers(0, 4, 200)
GROUPS = np.array([f"artist{i // 5}" for i in range(200)])  # 40 artists of 5 clips


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_groups_never_cross_and_every_row_is_tested_once(seed):
    splits = grouped_kfold(Y, GROUPS, n_splits=5, seed=seed)
    assert len(splits) == 5
    tested = np.concatenate([te for _, te in splits])
    assert np.array_equal(np.sort(tested), np.arange(200))
    for train, test in splits:
        assert not set(GROUPS[train]) & set(GROUPS[test])
        assert set(train) | set(test) == set(range(200))


def test_seeded_and_shuffled():
    a = grouped_kfold(Y, GROUPS, n_splits=5, seed=0)
    b = grouped_kfold(Y, GROUPS, n_splits=5, seed=0)
    c = grouped_kfold(Y, GROUPS, n_splits=5, seed=1)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c, strict=True))


def test_without_groups_rows_are_stratified():
    splits = grouped_kfold(Y, None, n_splits=4, seed=0)
    for _, test in splits:
        share = np.bincount(Y[test], minlength=4) / len(test)
        assert np.allclose(share, np.bincount(Y, minlength=4) / 200, atol=0.05)


@pytest.mark.parametrize("n_splits, match", [(1, "integer >= 2"), (41, "at least 41 groups")])
def test_bad_folds(n_splits, match):
    with pytest.raises(ParameterError, match=match):
        grouped_kfold(Y, GROUPS, n_splits=n_splits, seed=0)
