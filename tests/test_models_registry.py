"""Tests of mgc_core.models.registry: the one list of models and what it says of each."""

from __future__ import annotations

import json

import pytest

from mgc_core import assets
from mgc_core.errors import ParameterError
from mgc_core.models import MODEL_TITLES, model_class
from mgc_core.models.registry import (
    ENSEMBLE,
    MODEL_NAMES,
    MODELS,
    RESULT_NAMES,
    check_names,
    info,
    short_label,
    title,
)


def test_names_and_order():
    assert MODEL_NAMES == ("knn", "cnn", "lstm", "transfer", "audioset")
    assert RESULT_NAMES == (*MODEL_NAMES, ENSEMBLE)
    assert list(MODEL_TITLES) == list(MODEL_NAMES)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_each_entry_matches_its_class_and_the_bundled_files(name):
    m = info(name)
    cls = model_class(name)
    assert cls.__name__ == m.class_name and cls.name == name
    # The model's own file comes first: what save() writes and the app serves (the
    # Keras networks' converted .tflite, not the .keras file, which needs TensorFlow).
    served = [p.name for p in cls.saved_files(cls.file_name)][-1]
    assert m.files[0] == served
    listed = json.loads((assets.BUNDLED_DIR / "manifest.json").read_text())["files"]
    for f in m.files:
        assert f"models/{f}" in listed, f
    assert m.title.startswith(m.short) and m.description and m.details


def test_details_quote_the_models_own_sizes():
    from mgc_core.models.knn import N_FEATURES
    from mgc_core.models.transfer import N_EMBEDDING

    assert f"{N_FEATURES} hand-made" in info("knn").details
    assert f"{N_FEATURES} hand-made" in info("knn").description
    assert f"into {N_EMBEDDING} numbers" in info("transfer").details


def test_titles_and_short_labels_cover_the_ensemble():
    assert short_label("knn") == "KNN" and short_label(ENSEMBLE) == "Ensemble"
    assert title("transfer") == MODELS["transfer"].title
    assert "weighted soft vote" in title(ENSEMBLE)


def test_check_names():
    assert check_names(None) == MODEL_NAMES
    assert check_names(None, ensemble=True) == RESULT_NAMES
    assert check_names("cnn") == ("cnn",)
    assert check_names(["lstm", "knn", "lstm"]) == ("lstm", "knn")
    assert check_names(["ensemble"], ensemble=True) == ("ensemble",)


@pytest.mark.parametrize("bad, match", [
    ([], "No model given"),
    (["svm"], "Unknown model.*'svm'"),
    (["ensemble"], "Unknown model.*'ensemble'"),
])
def test_bad_names_say_what_to_use(bad, match):
    with pytest.raises(ParameterError, match=match) as info_:
        check_names(bad)
    assert "knn, cnn, lstm, transfer, audioset" in str(info_.value)


def test_unknown_model_info():
    with pytest.raises(ParameterError, match="Unknown model 'svm': use one of knn"):
        info("svm")
