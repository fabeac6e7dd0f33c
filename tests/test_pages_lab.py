"""AppTest runs of the Lab page, through the whole app: train, switch the split and watch the
leak, every classifier, no features chosen, and a missing or altered stored file.

The Lab reads only ``assets/maps/gtzan_segments.npz``: it works without the dataset and
takes no music, so whatever music is chosen elsewhere changes nothing here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from _apptest import app_on, figures, messages

from mgc_core import assets
from mgc_core.audio import Audio
from mgc_core.audio.signals import make_signal
from mgc_core.explore import lab
from mgc_core.genres import GENRES
from ui.input_panel import Selection

PAGE = "lab"


@pytest.fixture(autouse=True)
def _no_dataset(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _percent(text: str) -> float:
    return float(text.rstrip("%")) / 100


def test_default_run_shows_scores_the_leak_and_the_confusion_matrix():
    at = app_on(PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Lab: train your own classifier"
    metrics = _metrics(at)
    assert set(metrics) == {"Accuracy", "Balanced accuracy",
                            "Test segments whose song it trained on"}
    assert metrics["Test segments whose song it trained on"] == "100%"  # random: leaky
    assert any(w.startswith("**Leak**") for w in messages(at, "warning"))
    fig = figures(at)["fig_lab_confusion"]
    z = np.asarray(fig["data"][0]["z"], dtype=float)
    assert z.shape == (10, 10) and list(fig["data"][0]["x"]) == list(GENRES)
    np.testing.assert_allclose(z.sum(axis=1)[z.sum(axis=1) > 0], 1.0, atol=1e-6)
    assert "segments" in fig["data"][0]["hovertemplate"]
    assert len(at.dataframe[0].value) == 1  # this session's runs
    text = " ".join(el.value for kind in ("markdown", "caption") for el in getattr(at, kind))
    store = lab.read_segment_store()
    assert f"{len(store)} segments" in text and f"{store.kept['musicnn']:.0%}" in text


def test_switching_to_the_artist_split_shows_the_honest_score_and_keeps_both_runs():
    at = app_on(PAGE)
    leaky = _percent(_metrics(at)["Accuracy"])
    at.radio(key="lab_split").set_value("artist").run()
    assert not at.exception, at.exception
    honest = _percent(_metrics(at)["Accuracy"])
    assert leaky > honest + 0.1
    assert _metrics(at)["Test segments whose song it trained on"] == "0%"
    assert any(s.startswith("**Honest**") for s in messages(at, "success"))
    assert not [w for w in messages(at, "warning") if w.startswith("**Leak**")]
    runs = at.dataframe[0].value
    assert list(runs["test"]) == [lab.SPLITS["artist"], lab.SPLITS["random"]]  # newest first


@pytest.mark.parametrize(("classifier", "widget", "value"), [
    ("knn", "lab_k", 15), ("logistic", "lab_C", 0.01), ("forest", None, None)])
def test_every_classifier_trains(classifier, widget, value):
    at = app_on(PAGE)
    at.radio(key="lab_classifier").set_value(classifier).run()
    if widget == "lab_k":
        at.slider(key=widget).set_value(value).run()
    elif widget == "lab_C":
        at.select_slider(key=widget).set_value(value).run()
    at.multiselect(key="lab_features").set_value(["features", "audioset"]).run()
    assert not at.exception, at.exception
    assert 0 < _percent(_metrics(at)["Balanced accuracy"]) <= 1
    last = at.dataframe[0].value.iloc[0]
    assert last["classifier"].startswith(lab.CLASSIFIERS[classifier])
    assert last["reads"] == "Hand-made features + AudioSet network"
    if value is not None:
        assert f"={value:g}" in last["classifier"]


def test_no_features_chosen_says_what_to_do():
    at = app_on(PAGE)
    at.multiselect(key="lab_features").set_value([]).run()
    assert not at.exception
    assert any("Choose at least one" in m for m in messages(at, "info"))
    assert not at.metric and "fig_lab_confusion" not in figures(at)


def test_chosen_music_changes_nothing_here():
    """A ten-minute song or an 8 kHz phone recording chosen elsewhere: the Lab takes no music."""
    at = app_on(PAGE)
    before = _metrics(at)
    for seconds, sr in ((600.0, 22050), (10.0, 8000)):
        audio = Audio(make_signal("drum_pattern", sr=sr, duration=seconds), sr=sr)
        at.session_state["selection"] = Selection(audio, "song", "signal", b"", "audio/wav")
        at.run()
        assert not at.exception and _metrics(at) == before


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_missing_or_altered_segments_file_is_an_error_not_a_crash(damage, tmp_path, monkeypatch):
    copy = Path(shutil.copytree(assets.ASSETS_DIR, tmp_path / "assets"))
    path = copy / lab.SEGMENTS_FILE
    if damage == "missing":
        path.unlink()
    else:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    monkeypatch.setattr(assets, "ASSETS_DIR", copy)
    at = app_on(PAGE)
    assert not at.exception, at.exception
    errors = messages(at, "error")
    assert len(errors) == 1 and "gtzan_segments.npz" in errors[0]
    assert "python -m mgc_core map" in errors[0] and not at.metric
