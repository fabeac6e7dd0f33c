"""Tests of ui.results' wording helpers (the caches are exercised by the page tests)."""

from __future__ import annotations

from ui.results import in_words, percent, who_decided


def test_in_words_and_percent():
    assert in_words(5) == "five" and in_words(12) == "12"
    assert percent(0.004) == "<1%" and percent(0.874) == "87%"


def test_a_blend_names_its_weights_and_the_models_left_out():
    text = who_decided({"knn": 0.0, "cnn": 0.2, "lstm": 0.0, "transfer": 0.5,
                        "audioset": 0.3})
    assert text.startswith("**Who decided**: the ensemble")
    assert "Transfer 50%, AudioSet 30% and CNN 20%" in text
    assert "KNN and LSTM have no weight" in text


def test_every_model_with_some_weight_is_named_and_none_is_called_weightless():
    text = who_decided({"knn": 0.026, "cnn": 0.074, "lstm": 0.05, "transfer": 0.563,
                        "audioset": 0.287})
    assert "Transfer 56%, AudioSet 29%, CNN 7%, LSTM 5% and KNN 3%" in text
    assert "no weight" not in text and "within one standard error" in text


def test_one_model_with_all_the_weight_decided_alone():
    text = who_decided({"knn": 0.0, "cnn": 0.0, "lstm": 0.0, "transfer": 1.0,
                        "audioset": 0.0})
    assert text.startswith("**Who decided**: the Transfer model alone.")
    assert "weighted mean of the models' probabilities, with" not in text
    assert "KNN, CNN, LSTM and AudioSet have no weight: their answers are shown for " \
        "comparison" in text
    alone = who_decided({"transfer": 1.0})
    assert "alone" in alone and " shown" not in alone and "  " not in alone
    single = who_decided({"transfer": 0.6, "audioset": 0.4, "knn": 0.0})
    assert "KNN has no weight: its answer is shown for comparison but does not" in single


def test_no_weights_still_says_who_decided():
    assert who_decided({}).startswith("**Who decided**: the ensemble")
