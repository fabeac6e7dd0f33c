"""AppTest runs of the Models page, on evaluation records made here and on the real ones.

The records made here are written with :func:`mgc_core.evaluation.write_evaluation` into a
temporary assets folder, and the page is pointed at it by patching
``mgc_core.assets.ASSETS_DIR`` (the page reads it at run time). The page runs on its own
(``AppTest.from_file``); :func:`test_in_the_whole_app` runs it inside ``streamlit_app.py``
once it is registered there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import streamlit
from _apptest import ROOT, TIMEOUT, app_on, figures, messages
from streamlit.testing.v1 import AppTest

from mgc_core import assets
from mgc_core import evaluation as ev
from mgc_core.genres import GENRES
from mgc_core.models import MODEL_NAMES
from mgc_core.models.registry import short_label, title

PAGE = ROOT / "pages" / "models.py"
NAMES = (*MODEL_NAMES, "ensemble")
REAL = assets.ASSETS_DIR
GTZAN = ROOT.parent / "shared" / "data" / "gtzan"
PROTOCOL = {"name": "grouped-cv", "description": "Toy protocol for the tests.", "n_splits": 5,
            "fold_seeds": [0, 1, 2], "groups": ev.GROUPS}
LEAKY = {
    "description": "toy leaky split", "split": "KFold(n_splits=5) over segments",
    "n_segments": 500, "clips_on_both_sides": 48,
    "segment_level": {"accuracy": 0.91, "balanced_accuracy": 0.87, "macro_f1": 0.86},
    "clip_level": {"accuracy": 0.95, "balanced_accuracy": 0.93, "macro_f1": 0.92},
    "honest_segment_level": {"accuracy": 0.62, "balanced_accuracy": 0.51, "macro_f1": 0.5},
    "honest_clip_level": {"accuracy": 0.7, "balanced_accuracy": 0.58, "macro_f1": 0.57},
}


def write_records(root: Path) -> dict[str, dict]:
    """Write evaluation records of 5 real GTZAN ids per genre for all models + ensemble."""
    rng = np.random.default_rng(7)
    ids = [f"{g}.{i:05d}" for g in GENRES for i in range(5)]
    truth = np.repeat(np.arange(len(GENRES)), 5)
    probs = {}
    for k, name in enumerate(MODEL_NAMES):
        seeds = {}
        for s in PROTOCOL["fold_seeds"]:
            p = rng.dirichlet(np.ones(10), size=len(ids)) + (0.45 - 0.05 * k) * np.eye(10)[truth]
            seeds[s] = p / p.sum(axis=1, keepdims=True)
        probs[name] = seeds
    probs["ensemble"] = {s: np.mean([probs[m][s] for m in MODEL_NAMES], axis=0)
                         for s in PROTOCOL["fold_seeds"]}
    records = {}
    for name in NAMES:
        clips = [{"id": i, "genre": GENRES[t], "probabilities": p, "fold": j % 5}
                 for j, (i, t, p) in enumerate(zip(ids, truth, probs[name][0], strict=True))]
        extra = {"leaky": LEAKY} if name == "knn" else {}
        if name == "ensemble":
            even = {m: 1 / len(MODEL_NAMES) for m in MODEL_NAMES}
            extra = {"rule": "Soft vote (toy).", "members": list(MODEL_NAMES),
                     "weights": even, "weights_by_fold": {str(f): even for f in range(5)}}
        records[name] = ev.evaluation_record(
            name, PROTOCOL, clips, seeds=probs[name], data={"excluded": 3, "n_groups": 40},
            n_resamples=200, extra=extra)
        ev.write_evaluation(records[name], assets_dir=root)
    return records


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("assets")
    return root, write_records(root)


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)
    monkeypatch.setattr(sys, "path", [str(ROOT), *sys.path])  # `ui` for the page run alone


def _run(monkeypatch, root: Path, **state) -> AppTest:
    monkeypatch.setattr(assets, "ASSETS_DIR", Path(root))
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    return at


TABLES = ["comparison", "calibration",
          *(f"{t}_{n}" for n in NAMES
            for t in (("weights", "seeds", "per_genre") if n == "ensemble"
                      else ("seeds", "per_genre"))),
          "leaky_table", "disagreements"]


def _tables(at: AppTest) -> dict:
    """The page's tables by name (only a selectable table carries its key in AppTest)."""
    assert len(at.dataframe) == len(TABLES)
    return {name: df.value for name, df in zip(TABLES, at.dataframe, strict=True)}


def _disagreeing(records: dict) -> list[str]:
    """Clip ids on which the models' stored predictions differ, computed directly."""
    by_model = [{c["id"]: c["predicted"] for c in records[m]["clips"]} for m in MODEL_NAMES]
    return [c["id"] for c in records["knn"]["clips"]
            if len({preds[c["id"]] for preds in by_model}) > 1]


# --------------------------------------------------------------------------- guards


def test_missing_files_say_which_command_builds_them(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path)
    assert not at.exception
    info = messages(at, "info")
    assert info and "python -m mgc_core evaluate --gtzan DIR" in info[0]
    assert "knn.json" in info[0] and not figures(at)


def test_altered_file_shows_the_error(monkeypatch, tmp_path, toy):
    root, _ = toy
    for name in ("manifest.json", *(f"evaluation/{n}.json" for n in NAMES)):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes((root / name).read_bytes())
    path = tmp_path / "evaluation" / "cnn.json"
    rec = json.loads(path.read_text())
    rec["accuracy"]["value"] = 0.99
    path.write_text(json.dumps(rec))
    at = _run(monkeypatch, tmp_path)
    assert not at.exception
    errors = messages(at, "error")
    assert len(errors) == 1 and "cnn.json has been altered" in errors[0]
    assert not figures(at)


# --------------------------------------------------------------------------- toy records


@pytest.fixture(scope="module")
def page(toy):
    """One run of the page on the toy records (module-scoped: the tests below only read)."""
    with pytest.MonkeyPatch.context() as mp:  # kept for the reruns of the tests below
        mp.delenv("MGC_GTZAN_DIR", raising=False)
        mp.setattr(sys, "path", [str(ROOT), *sys.path])
        yield _run(mp, toy[0])


def test_metrics_and_tables_match_the_records(page, toy):
    _, records = toy
    assert not page.exception and not messages(page, "error")
    assert page.title[0].value == "Models: how good are they?"
    metrics = iter(page.metric)
    for name in NAMES:
        for m in ev.METRICS:
            shown = next(metrics)
            lo, hi = records[name][m]["ci95"]
            assert shown.value == f"{records[name][m]['value']:.1%}"
            assert shown.delta == f"95% CI {lo:.1%}–{hi:.1%}"
        assert next(metrics).label == "Calibration error"  # checked in the calibration test
    comparison = _tables(page)["comparison"]
    for row, name in zip(comparison.itertuples(index=False), NAMES, strict=True):
        assert row[1] == pytest.approx(100 * records[name]["balanced_accuracy"]["value"])
        assert row[3] == pytest.approx(100 * records[name]["accuracy"]["value"])
        assert row[4] == pytest.approx(100 * records[name]["macro_f1"]["value"])
        assert row[5] == pytest.approx(100 * records[name]["seeds"]["balanced_accuracy"]["std"])
        lo, hi = records[name]["balanced_accuracy"]["ci95"]
        assert row[2] == f"{lo:.1%}–{hi:.1%}"
    per_genre = _tables(page)["per_genre_lstm"]
    assert list(per_genre.index) == list(GENRES)
    for g in GENRES:
        for col in ("precision", "recall", "f1", "support"):
            expected = records["lstm"]["per_genre"][g][col] * (1 if col == "support" else 100)
            assert per_genre.loc[g, col] == pytest.approx(expected)
    seeds = _tables(page)["seeds_cnn"]
    np.testing.assert_allclose(seeds.loc["Accuracy"][:3],
                               100 * np.array(records["cnn"]["seeds"]["accuracy"]["values"]))
    text = " ".join(m.value for m in page.markdown)
    assert "50 GTZAN clips" in text and "5-fold cross-validation" in text
    assert "repeated with **3 shuffles**" in text and "40 artist groups" in text


def _reliability(record: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Counts, mean confidence and share right in ten bins, and the ECE, computed here."""
    p = np.array([[c["probabilities"][g] for g in GENRES] for c in record["clips"]])
    truth = np.array([GENRES.index(c["genre"]) for c in record["clips"]])
    conf, right = p.max(axis=1), p.argmax(axis=1) == truth
    b = np.minimum((conf * 10).astype(int), 9)
    counts = np.array([np.sum(b == k) for k in range(10)])
    mean = np.array([conf[b == k].mean() if counts[k] else np.nan for k in range(10)])
    acc = np.array([right[b == k].mean() if counts[k] else np.nan for k in range(10)])
    filled = counts > 0
    return counts, mean, acc, float(np.sum(counts[filled] * np.abs(acc - mean)[filled])
                                    / len(truth))


def test_calibration_table_diagrams_and_words_are_the_records(page, toy):
    _, records = toy
    table = _tables(page)["calibration"]
    assert list(table["model"]) == [title(n) for n in NAMES]
    figs = figures(page)
    errors = [m for m in page.metric if m.label == "Calibration error"]
    assert len(errors) == len(NAMES)
    for row, metric, name in zip(table.to_dict("records"), errors, NAMES, strict=True):
        counts, mean, acc, ece = _reliability(records[name])
        assert row["calibration error"] == pytest.approx(100 * ece)
        assert metric.value == f"{ece:.1%}"
        bars, said, diagonal = figs[f"fig_reliability_{name}"]["data"]
        shown = np.array([np.nan if v is None else v for v in bars["y"]], dtype=float)
        np.testing.assert_allclose(shown, acc)  # NaN (no bar) where a bin is empty
        np.testing.assert_allclose(np.array([np.nan if v is None else v for v in said["y"]],
                                            dtype=float), mean)
        np.testing.assert_array_equal(np.asarray(bars["customdata"])[:, 3], counts)
        assert list(diagonal["x"]) == [0, 1] and list(diagonal["y"]) == [0, 1]
        assert row["on the whole"] in ("overconfident", "modest", "about right")
    text = " ".join(m.value for m in page.markdown)
    assert "weather forecaster" in text and "**calibration error**" in text


def test_confusion_matrix_counts_then_row_normalised(page, toy):
    _, records = toy
    figs = figures(page)
    for name in NAMES:
        z = figs[f"fig_confusion_{name}"]["data"][0]["z"]
        np.testing.assert_array_equal(np.asarray(z), records[name]["confusion_matrix"])
    page.toggle(key="cm_norm_transfer").set_value(True)
    page.run()
    trace = figures(page)["fig_confusion_transfer"]["data"][0]
    z = np.asarray(trace["z"], dtype=float)
    np.testing.assert_allclose(z.sum(axis=1), 1.0)
    cm = np.asarray(records["transfer"]["confusion_matrix"])
    np.testing.assert_allclose(z, cm / cm.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(np.asarray(trace["customdata"]), cm)  # hover: clip counts
    np.testing.assert_array_equal(  # the other models stay in counts
        np.asarray(figures(page)["fig_confusion_knn"]["data"][0]["z"]),
        records["knn"]["confusion_matrix"])
    page.toggle(key="cm_norm_transfer").set_value(False)
    page.run()


def test_every_model_of_the_registry_has_its_tab_and_no_text_counts_four(page):
    assert len(MODEL_NAMES) == 5
    assert [t.label for t in page.tabs] == [short_label(n) for n in NAMES]
    text = " ".join(el.value for kind in ("title", "caption", "markdown", "subheader")
                    for el in getattr(page, kind))
    assert "four" not in text.lower() and "five models" in text


def test_the_audioset_tab_says_it_was_never_trained(page):
    (tab,) = [t for t in page.tabs if t.label == short_label("audioset")]
    said = [m.value for m in tab.markdown if "never trained" in m.value]
    assert len(said) == 1 and "changes nothing" in said[0]
    others = [t for t in page.tabs if t.label != short_label("audioset")]
    assert not any("never trained" in m.value for t in others for m in t.markdown)


def test_leaky_figures_are_the_records(page):
    table = _tables(page)["leaky_table"]
    expected = [("Leaky", "segment_level"), ("Honest", "honest_segment_level"),
                ("Leaky", "clip_level"), ("Honest", "honest_clip_level")]
    assert list(table["split"]) == [s for s, _ in expected]
    for row, (_, key) in zip(table.to_dict("records"), expected, strict=True):
        assert row["Accuracy"] == pytest.approx(100 * LEAKY[key]["accuracy"])
        assert row["Balanced accuracy"] == pytest.approx(100 * LEAKY[key]["balanced_accuracy"])
        assert row["Macro-F1"] == pytest.approx(100 * LEAKY[key]["macro_f1"])
    leaky_bars, honest_bars = figures(page)["fig_leaky"]["data"]
    np.testing.assert_allclose(leaky_bars["y"], [LEAKY["segment_level"]["balanced_accuracy"],
                                                 LEAKY["clip_level"]["balanced_accuracy"]])
    np.testing.assert_allclose(honest_bars["y"],
                               [LEAKY["honest_segment_level"]["balanced_accuracy"],
                                LEAKY["honest_clip_level"]["balanced_accuracy"]])


def test_agreement_and_disagreements(page, toy):
    _, records = toy
    preds = {m: [c["predicted"] for c in records[m]["clips"]] for m in MODEL_NAMES}
    agree = np.asarray(figures(page)["fig_agreement"]["data"][0]["z"], dtype=float)
    assert agree[0, 1] == pytest.approx(np.mean(np.array(preds["knn"]) == preds["cnn"]))
    np.testing.assert_allclose(np.diag(agree), 1.0)
    from sklearn.metrics import cohen_kappa_score

    kappa = np.asarray(figures(page)["fig_kappa"]["data"][0]["z"], dtype=float)
    assert kappa[2, 3] == pytest.approx(cohen_kappa_score(preds["lstm"], preds["transfer"]))
    table = _tables(page)["disagreements"]
    assert list(table["clip"]) == _disagreeing(records)
    assert 0 < len(table) < 50
    truth = {c["id"]: c["genre"] for c in records["knn"]["clips"]}
    for row in table.to_dict("records"):
        assert row["truth"] == truth[row["clip"]]
        guesses = [row[m] for m in MODEL_NAMES]
        assert len(set(guesses)) > 1 and row["right"] == guesses.count(row["truth"])


def test_selected_clip_without_dataset_says_how_to_listen(monkeypatch, toy, tmp_path):
    monkeypatch.setenv("MGC_GTZAN_DIR", str(tmp_path / "nowhere"))
    at = _run(monkeypatch, toy[0],
              disagreements={"selection": {"rows": [0], "columns": [], "cells": []}})
    assert not at.exception
    clip = _disagreeing(toy[1])[0]
    assert any(f"To listen to {clip}" in m and "MGC_GTZAN_DIR" in m for m in messages(at, "info"))
    assert not at.get("audio") and not at.button


@pytest.mark.gtzan
@pytest.mark.skipif(not GTZAN.is_dir(), reason="GTZAN not found at ../shared/data/gtzan")
def test_selected_clip_plays_and_opens_on_classify(monkeypatch, toy):
    monkeypatch.setenv("MGC_GTZAN_DIR", os.fspath(GTZAN))
    switched = []

    def fake_switch_page(page):  # the page runs alone here, without st.navigation
        switched.append(page)
        streamlit.stop()

    monkeypatch.setattr(streamlit, "switch_page", fake_switch_page)
    clip = _disagreeing(toy[1])[1]
    at = _run(monkeypatch, toy[0],
              disagreements={"selection": {"rows": [1], "columns": [], "cells": []}})
    assert not at.exception and not messages(at, "error")
    assert len(at.get("audio")) == 1 and any(clip in m.value for m in at.markdown)
    at.button(key="open_on_classify").click()
    at.run()
    assert not at.exception and not messages(at, "error")
    assert switched == ["pages/classify.py"]
    assert at.session_state["selection"].gtzan_id == clip


# --------------------------------------------------------------------------- real files


def _real_present() -> bool:
    return all((REAL / "evaluation" / f"{n}.json").is_file() for n in NAMES)


@pytest.mark.skipif(not _real_present(), reason="assets/evaluation/*.json not built yet: "
                    "run `python -m mgc_core evaluate --gtzan DIR`")
def test_real_evaluation_files(monkeypatch):
    records = {n: ev.read_evaluation(n, assets_dir=REAL) for n in NAMES}
    at = _run(monkeypatch, REAL)
    assert not at.exception and not messages(at, "error") and not messages(at, "info")
    values = [m.value for m in at.metric if m.label != "Calibration error"]
    assert values == [f"{records[n][m]['value']:.1%}" for n in NAMES for m in ev.METRICS]
    figs = figures(at)
    for name in NAMES:
        np.testing.assert_array_equal(np.asarray(figs[f"fig_confusion_{name}"]["data"][0]["z"]),
                                      records[name]["confusion_matrix"])
    assert list(_tables(at)["disagreements"]["clip"]) == _disagreeing(records)
    table = _tables(at)["leaky_table"]
    leaky = records["knn"]["leaky"]
    np.testing.assert_allclose(table["Balanced accuracy"], [
        100 * leaky[k]["balanced_accuracy"] for k in ("segment_level", "honest_segment_level",
                                                      "clip_level", "honest_clip_level")])


@pytest.mark.skipif(not _real_present(), reason="assets/evaluation/*.json not built yet: "
                    "run `python -m mgc_core evaluate --gtzan DIR`")
def test_real_calibration_flags_the_overconfident_knn(monkeypatch):
    at = _run(monkeypatch, REAL)
    table = _tables(at)["calibration"].set_index("model")
    knn = table.loc["KNN on hand-made features"]
    assert knn["on the whole"] == "overconfident"
    assert knn["how sure, on average"] - knn["how often right"] > 10  # says 96%, right 75%
    (tab,) = [t for t in at.tabs if t.label == "KNN"]
    assert any(m.value.startswith("KNN is often overconfident: when it says 80% or more")
               for m in tab.markdown)


def test_in_the_whole_app(monkeypatch, toy):
    monkeypatch.setattr(assets, "ASSETS_DIR", toy[0])
    at = app_on("models")
    assert not at.exception and at.title[0].value == "Models: how good are they?"


@pytest.mark.skipif(not _real_present(), reason="assets/evaluation/*.json not built yet: "
                    "run `python -m mgc_core evaluate --gtzan DIR`")
def test_ensemble_weights_are_the_stored_ones(monkeypatch):
    records = {n: ev.read_evaluation(n, assets_dir=REAL) for n in NAMES}
    weights = _tables(_run(monkeypatch, REAL))["weights_ensemble"]
    stored = records["ensemble"]
    assert list(weights.index) == ["used by the app", *(f"chosen for test fold {f}"
                                                        for f in sorted(stored["weights_by_fold"]))]
    for m in MODEL_NAMES:
        assert weights.loc["used by the app", short_label(m)] == pytest.approx(
            100 * stored["weights"][m])
