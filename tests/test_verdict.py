"""Tests of mgc_core.analysis.verdict: agreement, disagreement and 'outside what the models know'."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mgc_core.analysis.verdict import UNSURE_BELOW, verdict
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
    assert "outside the ten" in v.summary


def test_one_confident_model_is_not_unsure():
    v = verdict(_result(knn=("pop", 0.2), cnn=("disco", 0.3), lstm=("jazz", 0.2),
                        transfer=("blues", 0.9)))
    assert not v.unsure
    assert v.genre in GENRES
