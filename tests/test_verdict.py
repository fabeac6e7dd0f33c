"""Tests of mgc_core.analysis.verdict: agreement, disagreement and being unsure."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mgc_core.analysis.verdict import UNSURE_BELOW, and_list, verdict, weight_shares
from mgc_core.genres import GENRES, genre_index


def _probs(genre: str, p: float) -> np.ndarray:
    out = np.full(10, (1 - p) / 9)
    out[genre_index(genre)] = p
    return out


def _result(**tops):
    models = {name: SimpleNamespace(genre=g, probabilities=_probs(g, p))
              for name, (g, p) in tops.items()}
    ensemble = np.mean([m.probabilities for m in models.values()], axis=0)
    return SimpleNamespace(models=models, ensemble=ensemble)


def test_agreement():
    v = verdict(_result(knn=("rock", 0.9), cnn=("rock", 0.8), lstm=("rock", 0.7),
                        transfer=("rock", 0.95)))
    assert v.agree and not v.unsure
    assert v.genre == "rock" and "agree" in v.summary and "rock" in v.summary


def test_disagreement_names_who_says_what():
    v = verdict(_result(knn=("jazz", 0.9), cnn=("rock", 0.8), lstm=("rock", 0.7),
                        transfer=("rock", 0.95)))
    assert not v.agree
    assert v.genre == "rock"
    assert "disagree" in v.summary and "KNN says jazz" in v.summary
    assert v.votes == {"knn": "jazz", "cnn": "rock", "lstm": "rock", "transfer": "rock"}


@pytest.mark.parametrize("p", [0.2, UNSURE_BELOW - 0.01])
def test_everyone_unsure_says_it_may_be_outside_the_genres(p):
    v = verdict(_result(knn=("pop", p), cnn=("disco", p), lstm=("jazz", p),
                        transfer=("blues", p)))
    assert v.unsure
    assert "Every model is unsure" in v.summary and "outside the ten" in v.summary


def test_one_confident_model_that_decides_is_not_unsure():
    r = _result(knn=("pop", 0.2), cnn=("disco", 0.3), lstm=("jazz", 0.2),
                transfer=("blues", 0.9))
    r.ensemble = r.models["transfer"].probabilities  # the ensemble follows the sure model
    v = verdict(r)
    assert not v.unsure
    assert v.genre in GENRES


def test_disagreement_says_who_decided_not_a_consensus():
    """With weights CNN 0 %, LSTM 0 %, Transfer 90 %, the summary must not read as if
    the models that said blues agreed on jazz."""
    r = _result(knn=("blues", 0.9), cnn=("blues", 0.8), lstm=("blues", 0.7),
                transfer=("jazz", 0.95))
    r.ensemble = 0.9 * r.models["transfer"].probabilities + 0.1 * r.models["knn"].probabilities
    r.ensemble_weights = {"knn": 0.1, "cnn": 0.0, "lstm": 0.0, "transfer": 0.9}
    v = verdict(r)
    assert v.genre == "jazz"
    assert "Together" not in v.summary and "lean" not in v.summary
    assert "a weighted vote giving Transfer 90% and KNN 10% of the say" in v.summary
    assert "CNN and LSTM have none" in v.summary


@pytest.mark.parametrize(("cnn_top", "surer"), [
    (0.3, "although KNN is surer of its own answer"),
    (0.8, "although KNN and CNN are surer of their own answer"),
])
def test_a_doubtful_ensemble_is_unsure_even_if_one_model_is_sure(cnn_top, surer):
    r = _result(knn=("pop", 0.9), cnn=("disco", cnn_top), lstm=("jazz", 0.3),
                transfer=("blues", 0.3))
    assert max(r.ensemble) < UNSURE_BELOW
    v = verdict(r)
    assert v.unsure
    # Not every model is unsure, so the summary must not say so.
    assert "Every model is unsure" not in v.summary
    assert "The ensemble itself is unsure (it gives **pop** only" in v.summary
    assert surer in v.summary


@pytest.mark.parametrize(("words", "text"), [
    ([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c"),
])
def test_and_list(words, text):
    assert and_list(words) == text


def test_weight_shares_rank_the_models_with_a_say_and_name_the_others():
    shares, silent = weight_shares({"knn": 0.004, "cnn": 0.3, "lstm": 0.0,
                                    "transfer": 0.696})
    assert shares == [("Transfer", 0.696), ("CNN", 0.3)]
    assert silent == ["KNN", "LSTM"]
    assert weight_shares({}) == ([], [])


def test_the_examples_run():
    import doctest

    import mgc_core.analysis.verdict as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
