"""Tests of mgc_core.evaluation.agreement, checked by hand on a toy example."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.errors import ParameterError
from mgc_core.evaluation import agreement as ag
from mgc_core.evaluation.records import ClipPrediction

# Toy example: 4 clips, three models.
IDS = ["a", "b", "c", "d"]
TRUTH = ["rock", "pop", "jazz", "jazz"]
PRED = {
    "x": ["rock", "pop", "jazz", "pop"],
    "y": ["rock", "pop", "pop", "pop"],
    "z": ["rock", "jazz", "jazz", "pop"],
}


def test_agreement_by_hand():
    names, m = ag.pairwise_agreement(PRED)
    assert names == ["x", "y", "z"]
    # x-y agree on a, b, d: 3/4; x-z on a, c, d: 3/4; y-z on a, d: 2/4.
    np.testing.assert_allclose(m, [[1, 0.75, 0.75], [0.75, 1, 0.5], [0.75, 0.5, 1]])


def test_kappa_by_hand():
    names, k = ag.pairwise_kappa(PRED)
    # x: rock 1, pop 2, jazz 1; y: rock 1, pop 3. p_o = 3/4,
    # p_e = (1*1 + 2*3 + 1*0) / 16 = 7/16 -> kappa = (12/16 - 7/16) / (9/16) = 5/9.
    assert k[0, 1] == pytest.approx(5 / 9)
    # y-z: y rock 1, pop 3; z rock 1, jazz 2, pop 1. p_o = 1/2, p_e = (1 + 3) / 16 = 1/4
    # -> kappa = (1/2 - 1/4) / (3/4) = 1/3.
    assert k[1, 2] == pytest.approx(1 / 3)
    np.testing.assert_allclose(np.diag(k), 1.0)
    np.testing.assert_allclose(k, k.T)


def test_kappa_agrees_with_scikit_learn_and_handles_undefined():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(0)
    genres = ["rock", "pop", "jazz", "metal"]
    a, b = rng.choice(genres, 100), rng.choice(genres, 100)
    _, k = ag.pairwise_kappa({"a": a, "b": b})
    assert k[0, 1] == pytest.approx(cohen_kappa_score(a, b))
    _, k = ag.pairwise_kappa({"a": ["rock"] * 3, "b": ["rock"] * 3})  # p_e = 1: undefined
    assert np.isnan(k).all()


def test_disagreements_by_hand():
    rows = ag.disagreements(IDS, TRUTH, PRED)
    assert [r["clip"] for r in rows] == ["b", "c"]  # a: all rock; d: all pop
    assert rows[0] == {"clip": "b", "truth": "pop", "x": "pop", "y": "pop", "z": "jazz",
                       "right": 2}
    assert rows[1]["right"] == 2


def test_common_clips():
    def rec(clips):
        return [ClipPrediction(id=i, genre=g, predicted=p, probabilities={}, fold=0)
                for i, g, p in clips]

    records = {"m1": rec([("a", "rock", "pop"), ("b", "jazz", "jazz"), ("c", "pop", "pop")]),
               "m2": rec([("c", "pop", "rock"), ("a", "rock", "rock")])}
    out = ag.common_clips(records)
    assert out == {"ids": ["a", "c"], "truth": ["rock", "pop"],
                   "predicted": {"m1": ["pop", "pop"], "m2": ["rock", "rock"]}}
    records["m2"][0] = ClipPrediction(id="c", genre="jazz", predicted="rock", probabilities={},
                                      fold=0)
    with pytest.raises(ParameterError, match="disagree on the true genre of c"):
        ag.common_clips(records)
    with pytest.raises(ParameterError, match="share no clip"):
        ag.common_clips({"m1": rec([("a", "rock", "pop")]), "m2": rec([("b", "pop", "pop")])})


@pytest.mark.parametrize("predicted, match", [
    ({"x": ["rock"]}, "at least two"),
    ({"x": ["rock"], "y": ["rock", "pop"]}, "one predicted genre per clip"),
    ({"x": [], "y": []}, "one predicted genre per clip"),
    ({"x": ["rock"], "y": ["polka"]}, "outside GENRES: polka"),
])
def test_bad_inputs(predicted, match):
    with pytest.raises(ParameterError, match=match):
        ag.pairwise_agreement(predicted)
    with pytest.raises(ParameterError, match=match):
        ag.pairwise_kappa(predicted)


def test_disagreements_lengths_must_match():
    with pytest.raises(ParameterError, match="one entry per clip"):
        ag.disagreements(["a"], ["rock", "pop"], {"x": ["rock"], "y": ["pop"]})
