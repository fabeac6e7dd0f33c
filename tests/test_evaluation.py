"""Tests of mgc_core.evaluation: metrics checked by hand on a toy example, the schema."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from mgc_core import evaluation as ev
from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES

# Toy example: 6 clips of 3 genres (indices 0 blues, 1 classical, 2 country).
Y_TRUE = np.array([0, 0, 0, 1, 1, 2])
Y_PRED = np.array([0, 0, 1, 1, 1, 0])
# By hand: recall blues 2/3, classical 2/2, country 0/1 -> balanced accuracy 5/9.
# precision blues 2/3, classical 2/3, country 0 -> F1 2/3, 0.8, 0 -> macro-F1 22/45.
PROTOCOL = {"name": "grouped-cv", "description": "toy", "n_splits": 2, "fold_seeds": [0, 1],
            "groups": ev.GROUPS}


def _clips(pred=Y_PRED):  # noqa: ANN001, ANN202
    return [
        {"id": f"{GENRES[t]}.{i:05d}", "genre": GENRES[t], "probabilities": np.eye(10)[p] * 0.9
         + 0.01, "fold": i % 2}
        for i, (t, p) in enumerate(zip(Y_TRUE, pred))
    ]


@pytest.fixture(scope="module")
def record() -> dict:
    other_seed = np.eye(10)[Y_TRUE] * 0.9 + 0.01  # seed 1: every clip right
    seeds = {0: np.stack([c["probabilities"] for c in _clips()]), 1: other_seed}
    return ev.evaluation_record("knn", PROTOCOL, _clips(), seeds=seeds,
                                data={"excluded": 2}, command="toy", n_resamples=500)


def test_confusion_matrix_by_hand():
    cm = ev.confusion_matrix(Y_TRUE, Y_PRED)
    assert cm.shape == (10, 10)
    np.testing.assert_array_equal(cm[:3, :3], [[2, 1, 0], [0, 2, 0], [1, 0, 0]])
    assert cm.sum() == 6 and cm[3:].sum() == 0


def test_metrics_by_hand():
    m = ev.clip_metrics(Y_TRUE, Y_PRED)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx(5 / 9)
    assert m["macro_f1"] == pytest.approx(22 / 45)


def test_metrics_agree_with_scikit_learn():
    from sklearn.metrics import balanced_accuracy_score, f1_score

    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 10, 200), rng.integers(0, 10, 200)
    m = ev.clip_metrics(t, p)
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(t, p))
    assert m["macro_f1"] == pytest.approx(f1_score(t, p, average="macro"))


def test_per_genre_by_hand():
    pg = ev.per_genre(Y_TRUE, Y_PRED)
    assert list(pg) == list(GENRES)
    assert pg["blues"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3,
                                         "support": 3})
    assert pg["classical"]["f1"] == pytest.approx(0.8)
    assert pg["country"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert pg["rock"]["support"] == 0


def test_bootstrap_is_seeded_and_contains_the_value():
    rng = np.random.default_rng(1)
    t = rng.integers(0, 10, 300)
    p = np.where(rng.random(300) < 0.7, t, rng.integers(0, 10, 300))
    ci = ev.bootstrap_ci(t, p, n_resamples=1000, seed=0)
    assert ci == ev.bootstrap_ci(t, p, n_resamples=1000, seed=0)
    assert ci != ev.bootstrap_ci(t, p, n_resamples=1000, seed=1)
    values = ev.clip_metrics(t, p)
    for name in ev.METRICS:
        lo, hi = ci[name]
        assert lo <= values[name] <= hi
        assert hi - lo < 0.2


def test_perfect_predictions_have_a_degenerate_interval():
    ci = ev.bootstrap_ci(Y_TRUE, Y_TRUE, n_resamples=100)
    assert ci["accuracy"] == [1.0, 1.0]


def test_seed_summary():
    s = ev.seed_summary({0: {"accuracy": 0.5, "balanced_accuracy": 0.4, "macro_f1": 0.3},
                         1: {"accuracy": 0.7, "balanced_accuracy": 0.6, "macro_f1": 0.5}})
    assert s["fold_seeds"] == [0, 1]
    assert s["accuracy"]["values"] == [0.5, 0.7]
    assert s["accuracy"]["mean"] == pytest.approx(0.6)
    assert s["accuracy"]["std"] == pytest.approx(np.std([0.5, 0.7], ddof=1))


def test_record_follows_the_schema(record):
    assert ev.validate_evaluation(record) is record
    assert record["model"] == "knn"
    assert record["balanced_accuracy"]["value"] == pytest.approx(5 / 9)
    lo, hi = record["balanced_accuracy"]["ci95"]
    assert lo <= 5 / 9 <= hi
    assert record["seeds"]["balanced_accuracy"]["values"] == pytest.approx([5 / 9, 1.0])
    assert record["data"]["clips_per_genre"]["blues"] == 3
    assert record["data"]["excluded"] == 2
    clip = record["clips"][2]
    assert clip["genre"] == "blues" and clip["predicted"] == "classical" and clip["fold"] == 0
    assert list(clip["probabilities"]) == list(GENRES)
    assert record["confusion_matrix"][0][:3] == [2, 1, 0]
    json.dumps(record)  # serialisable as it is


@pytest.mark.parametrize(
    "breakage, match",
    [
        (lambda d: d.pop("macro_f1"), "macro_f1"),
        (lambda d: d["protocol"].pop("groups"), "groups"),
        (lambda d: d["accuracy"].update(ci95=[0.9, 0.1]), "ci95"),
        (lambda d: d["clips"][0]["probabilities"].pop("rock"), "clips\\[0\\]"),
        (lambda d: d["confusion_matrix"][0].append(1), "confusion_matrix"),
        (lambda d: d["confusion_matrix"][0].__setitem__(0, 5), "counts 9 clips"),
        (lambda d: d["seeds"]["accuracy"]["values"].pop(), "seeds.accuracy"),
        (lambda d: d["data"].pop("excluded"), "excluded"),
        (lambda d: d.update(leaky={"segment_level": {}}), "leaky"),
    ],
)
def test_validation_names_what_is_wrong(record, breakage, match):
    broken = copy.deepcopy(record)
    breakage(broken)
    with pytest.raises(AssetError, match=match) as info:
        ev.validate_evaluation(broken)
    assert "python -m mgc_core evaluate" in str(info.value)


def test_ensemble_record_needs_a_rule():
    with pytest.raises(AssetError, match="rule"):
        ev.evaluation_record("ensemble", PROTOCOL, _clips(), n_resamples=10)
    with pytest.raises(AssetError, match="weights"):
        ev.evaluation_record("ensemble", PROTOCOL, _clips(), n_resamples=10,
                             extra={"rule": "mean of the members"})
    with pytest.raises(AssetError, match="weights"):
        ev.evaluation_record("ensemble", PROTOCOL, _clips(), n_resamples=10,
                             extra={"rule": "r", "weights": {"knn": -1.0}})
    rec = ev.evaluation_record("ensemble", PROTOCOL, _clips(), n_resamples=10,
                               extra={"rule": "mean of the members",
                                      "weights": {"knn": 0.5, "cnn": 0.5}})
    assert rec["seeds"]["fold_seeds"] == [0]


def test_bad_inputs_are_parameter_errors():
    with pytest.raises(ParameterError):
        ev.clip_metrics([0, 1], [0])
    with pytest.raises(ParameterError):
        ev.clip_metrics([0, 10], [0, 1])
    with pytest.raises(ParameterError):
        ev.evaluation_record("knn", PROTOCOL, [])
    with pytest.raises(ParameterError, match="seed 3"):
        ev.evaluation_record("knn", PROTOCOL, _clips(), seeds={3: np.zeros((2, 10))})


def test_write_and_read_back(record, tmp_path):
    path = ev.write_evaluation(record, assets_dir=tmp_path)
    assert path == tmp_path / "evaluation" / "knn.json"
    back = ev.read_evaluation("knn", assets_dir=tmp_path)
    assert back["balanced_accuracy"] == record["balanced_accuracy"]
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(AssetError, match="evaluation/knn.json"):
        ev.read_evaluation("knn", assets_dir=tmp_path)
    with pytest.raises(AssetError, match="python -m mgc_core evaluate"):
        ev.read_evaluation("cnn", assets_dir=tmp_path)


def test_bundled_evaluations_follow_the_schema():
    """Every stored evaluation verifies against the manifest and follows the schema."""
    from mgc_core.assets import ASSETS_DIR
    from mgc_core.evaluation import read_evaluation

    stored = sorted((ASSETS_DIR / "evaluation").glob("*.json"))
    if not stored:
        pytest.skip("no evaluation bundled yet: run `python -m mgc_core evaluate --gtzan DIR`")
    for path in stored:
        record = read_evaluation(path.stem)
        cm = np.asarray(record["confusion_matrix"])
        assert cm.shape == (10, 10)
        assert cm.sum() == len(record["clips"])
        truth = [c["genre"] for c in record["clips"]]
        predicted = [c["predicted"] for c in record["clips"]]
        # the headline accuracy is recomputed from the stored per-clip predictions
        acc = np.mean([t == p for t, p in zip(truth, predicted)])
        assert record["accuracy"]["value"] == pytest.approx(acc, abs=1e-6)
        lo, hi = record["accuracy"]["ci95"]
        assert lo <= record["accuracy"]["value"] <= hi


@pytest.mark.gtzan
def test_bundled_evaluation_never_puts_an_artist_on_both_sides():
    """In the stored out-of-fold predictions, each artist's clips all sit in one fold."""
    from pathlib import Path

    from mgc_core.assets import ASSETS_DIR
    from mgc_core.datasets.gtzan import GTZAN

    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"
    path = ASSETS_DIR / "evaluation" / "knn.json"
    if not root.is_dir() or not path.is_file():
        pytest.skip("needs ../shared/data/gtzan and assets/evaluation/knn.json")
    record = json.loads(path.read_text())
    if record["protocol"]["name"] != "grouped-cv":
        pytest.skip("the stored evaluation does not use grouped cross-validation")
    artists = GTZAN(root).artist_index()
    folds_of: dict[str, set] = {}
    for clip in record["clips"]:
        artist = (artists.get(clip["id"]) or (None, None))[0]
        if artist:
            folds_of.setdefault(artist.casefold(), set()).add(clip["fold"])
    assert folds_of, "no artist found for the stored clips"
    assert all(len(f) == 1 for f in folds_of.values())
