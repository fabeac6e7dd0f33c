"""Tests of mgc_core.training on a tiny synthetic GTZAN tree.

The tree (:func:`make_tiny_gtzan`) holds 3 genres x 6 clips of 4-6 s at 16 kHz with
obviously different signals (classical: pure tones, metal: white noise, hiphop: click
trains), a fake Sturm artist index (two clips per artist, one clip with a blank
artist) and one clip excluded as faulty. The real KNN is trained on it; the other
tests use :class:`FakeModel`, a nearest-centroid model on two spectral numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import soundfile as sf

from mgc_core import assets
from mgc_core.models.registry import MODEL_NAMES
from mgc_core.datasets import GTZAN
from mgc_core.datasets.clips import ClipTable, clip_table
from mgc_core.errors import AssetError, AudioError, ParameterError
from mgc_core.evaluation import protocols
from mgc_core.evaluation.nested import inner_predictions
from mgc_core.evaluation.protocols import (
    _run_folds,
    choose_protocol,
    cross_validate,
    leaky_cross_validate,
    stack_inputs,
)
from mgc_core.evaluation.splits import grouped_folds
from mgc_core.genres import GENRES
from mgc_core.models.base import GenreModel
from mgc_core.models.frontend import Frontend
from mgc_core.training.inputs import extract_inputs
from mgc_core.training.jobs import evaluate_all, train_all

SR = 16000
TINY_GENRES = ("classical", "hiphop", "metal")
N_PER_GENRE = 6


def _signal(genre: str, i: int, rng: np.random.Generator) -> np.ndarray:
    seconds = 4.0 + (i % 3)  # 4, 5 or 6 s
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if genre == "classical":
        y = 0.4 * np.sin(2 * np.pi * (220 + 110 * i) * t)
    elif genre == "metal":
        y = 0.3 * rng.standard_normal(n)
    else:  # hiphop: a click every 0.25-0.5 s
        y = np.zeros(n)
        y[:: int(SR * (0.25 + 0.05 * i))] = 0.9
        y += 0.001 * rng.standard_normal(n)
    return np.clip(y, -1, 1).astype(np.float32)


def make_tiny_gtzan(base: Path, *, complete_split: bool = False) -> Path:
    """Write the tiny GTZAN copy under ``base`` and return its root.

    With ``complete_split`` every id of the (fake) fault-filtered split is present,
    so the fixed train/valid/test protocol applies.
    """
    rng = np.random.default_rng(0)
    index, ids = [], []
    for genre in TINY_GENRES:
        for i in range(N_PER_GENRE):
            track_id = f"{genre}.{i:05d}"
            ids.append(track_id)
            path = base / "genres" / genre / f"{track_id}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, _signal(genre, i, rng), SR, subtype="PCM_16")
            artist = "" if i == 5 else f"{genre} artist {i // 2}"
            index.append(f"{track_id}.wav ::: {artist} ::: song {i}")
    # One faulty clip, present but excluded by the filtered split.
    faulty = base / "genres" / "classical" / "classical.00006.wav"
    sf.write(faulty, _signal("classical", 6, rng), SR, subtype="PCM_16")
    splits = base / "splits"
    splits.mkdir(parents=True, exist_ok=True)
    (splits / "GTZANindex_sturm2012_artist_title.txt").write_text(
        "## fake index\n" + "\n".join(index) + "\n"
    )
    (splits / "gtzan_excluded_by_filtered_split.txt").write_text("# excluded\nclassical.00006\n")
    if complete_split:
        parts = {"train": [0, 1, 2, 3], "valid": [4], "test": [5]}
    else:  # lists that name clips this copy does not hold, as with the real 521 clips
        parts = {"train": [0, 1, 2, 3, 50], "valid": [4, 51], "test": [5, 52]}
    for name, numbers in parts.items():
        lines = [f"{g}/{g}.{i:05d}.wav" for g in TINY_GENRES for i in numbers]
        (splits / f"{name}_filtered.txt").write_text("\n".join(lines) + "\n")
    return base


class FakeModel(GenreModel):
    """Nearest centroid on (log energy, spectral flatness) of each segment; records fits."""

    name: ClassVar[str] = "knn"
    file_name: ClassVar[str] = "fake.json"
    fits: ClassVar[list[dict]] = []

    def inputs(self, front: Frontend) -> np.ndarray:
        power = front.segments(front.power.T)  # (n, 187, 257)
        energy = np.log10(power.mean(axis=(1, 2)) + 1e-10)
        gm = np.exp(np.log(power + 1e-10).mean(axis=2))
        flatness = (gm / (power.mean(axis=2) + 1e-10)).mean(axis=1)
        peak = power.max(axis=(1, 2)) / (power.mean(axis=(1, 2)) + 1e-10)
        return np.stack([energy, flatness, np.log10(peak)], axis=1).astype(np.float32)

    def fit(self, X, y, *, groups=None, clips=None):  # noqa: ANN001, ANN201
        type(self).fits.append({"n": len(y), "groups": groups, "clips": clips})
        self.mu_ = X.mean(axis=0)
        self.sd_ = X.std(axis=0) + 1e-6
        Z = (X - self.mu_) / self.sd_
        self.centroids_ = {int(c): Z[y == c].mean(axis=0) for c in np.unique(y)}
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        Z = (np.asarray(X) - self.mu_) / self.sd_
        logits = np.full((len(Z), len(GENRES)), -1e9)
        for c, m in self.centroids_.items():
            logits[:, c] = -((Z - m) ** 2).sum(axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def save(self, path):  # noqa: ANN001, ANN201
        Path(path).write_text(json.dumps({
            "mu": self.mu_.tolist(), "sd": self.sd_.tolist(),
            "centroids": {str(k): v.tolist() for k, v in self.centroids_.items()}}))

    @classmethod
    def load(cls, path):  # noqa: ANN001, ANN201
        d = json.loads(Path(path).read_text())
        m = cls()
        m.mu_, m.sd_ = np.array(d["mu"]), np.array(d["sd"])
        m.centroids_ = {int(k): np.array(v) for k, v in d["centroids"].items()}
        return m


class GroupsOnlyModel(FakeModel):
    """A model whose fit does not accept ``clips``."""

    def fit(self, X, y, *, groups=None):  # noqa: ANN001, ANN201
        return super().fit(X, y, groups=groups)


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory) -> Path:
    return make_tiny_gtzan(tmp_path_factory.mktemp("gtzan"))


@pytest.fixture(scope="module")
def tiny(tiny_root) -> GTZAN:
    return GTZAN(tiny_root)


@pytest.fixture(scope="module")
def table(tiny) -> ClipTable:
    return clip_table(tiny)


@pytest.fixture()
def fake_models(monkeypatch):
    """Route every model name to FakeModel (GroupsOnlyModel for 'lstm')."""
    FakeModel.fits.clear()
    classes = {"lstm": GroupsOnlyModel}
    monkeypatch.setattr("mgc_core.models.model_class", lambda name: classes.get(name, FakeModel))
    return FakeModel.fits


@pytest.fixture(scope="module")
def fake_inputs(table, tmp_path_factory):
    import unittest.mock as mock

    with mock.patch("mgc_core.models.model_class", lambda name: FakeModel):
        return extract_inputs(table, models=("knn",),
                                       cache_dir=tmp_path_factory.mktemp("cache"))


# --------------------------------------------------------------------------- clip table


def test_clip_table_excludes_faulty_and_groups_by_artist(table):
    assert len(table) == len(TINY_GENRES) * N_PER_GENRE
    assert "classical.00006" not in table.ids
    assert table.excluded == 1
    groups = dict(zip(table.ids, table.groups))
    assert groups["metal.00000"] == groups["metal.00001"] == "artist:metal artist 0"
    assert groups["metal.00002"] != groups["metal.00000"]
    assert groups["metal.00005"] == "clip:metal.00005"  # blank artist: a group of its own
    summary = table.summary()
    assert summary["clips_per_genre"]["metal"] == N_PER_GENRE
    assert summary["clips_per_genre"]["blues"] == 0
    assert summary["excluded"] == 1 and summary["n_clips"] == 18


def test_protocol_is_grouped_cv_when_the_split_is_incomplete(tiny):
    protocol = choose_protocol(tiny)
    assert protocol["name"] == "grouped-cv"
    assert protocol["n_splits"] == 5 and protocol["fold_seeds"] == [0, 1, 2]
    assert protocol["groups"] == "artist (Sturm 2012 index)"
    assert "artist" in protocol["description"]


def test_protocol_is_the_filtered_split_when_complete(tmp_path):
    gtzan = GTZAN(make_tiny_gtzan(tmp_path, complete_split=True))
    protocol = choose_protocol(gtzan)
    assert protocol["name"] == "filtered-split"
    assert protocol["split"] == {"train": 12, "valid": 3, "test": 3}
    with pytest.raises(ParameterError):
        choose_protocol(gtzan, n_splits=1)


# --------------------------------------------------------------------------- inputs


def test_extract_inputs_caches_by_content(table, tmp_path, monkeypatch, fake_models):
    seen = []
    first = extract_inputs(table, models=("knn",), cache_dir=tmp_path,
                                    progress=lambda *a: seen.append(a))
    assert seen[0] == ("inputs", 0, 18) and seen[-1] == ("inputs", 18, 18)
    assert len(first["knn"]) == 18
    # 4 s and 5 s clips hold one 2.992-s segment, 6 s clips two.
    assert [len(x) for x in first["knn"]] == [2 if int(t[-1]) % 3 == 2 else 1 for t in table.ids]
    assert len(list(tmp_path.rglob("*.npz"))) == 18

    import mgc_core.audio

    def no_decoding(*args, **kwargs):
        raise AssertionError("a cached clip was decoded again")

    monkeypatch.setattr(mgc_core.audio, "load_audio", no_decoding)
    again = extract_inputs(table, models=("knn",), cache_dir=tmp_path)
    for a, b in zip(first["knn"], again["knn"]):
        np.testing.assert_array_equal(a, b)


def test_extract_inputs_names_an_undecodable_clip(tmp_path, fake_models):
    root = make_tiny_gtzan(tmp_path / "g")
    (root / "genres" / "metal" / "metal.00003.wav").write_bytes(b"RIFF not really a wave")
    table = clip_table(GTZAN(root))
    with pytest.raises(AudioError, match="metal.00003"):
        extract_inputs(table, models=("knn",), cache_dir=tmp_path / "c")


def test_unknown_model_is_a_parameter_error(table, tmp_path):
    with pytest.raises(ParameterError, match="svm"):
        extract_inputs(table, models=("svm",), cache_dir=tmp_path)


# --------------------------------------------------------------------------- folds


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_folds_keep_artists_apart(table, seed):
    folds = grouped_folds(table, n_splits=5, seed=seed)
    assert folds.min() == 0 and folds.max() == 4
    groups = np.array(table.groups)
    for k in range(5):
        assert not set(groups[folds == k]) & set(groups[folds != k])


def test_cross_validation_never_fits_on_a_test_artist(table, fake_inputs, fake_models):
    protocol = {"name": "grouped-cv", "n_splits": 5, "fold_seeds": [0, 1], "groups": "artist"}
    result = cross_validate(table, fake_inputs, protocol=protocol)["knn"]
    assert len(fake_models) == 10  # 5 folds x 2 seeds
    for seed in (0, 1):
        folds = result.folds[seed]
        for k, fit in zip(range(5), fake_models[5 * seed: 5 * seed + 5]):
            test_groups = {table.groups[c] for c in np.flatnonzero(folds == k)}
            test_clips = {table.ids[c] for c in np.flatnonzero(folds == k)}
            assert not set(fit["groups"]) & test_groups  # no artist on both sides
            assert not set(fit["clips"]) & test_clips  # nor any track
        p = result.clip_probabilities[seed]
        assert p.shape == (18, 10)
        np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-5)
        assert not np.isnan(result.segment_probabilities[seed]).any()
    # The fake model learns these obvious signals.
    predicted = result.clip_probabilities[0].argmax(axis=1)
    assert (predicted == table.labels).mean() >= 0.8


def test_clips_argument_is_passed_only_when_fit_takes_it(table, fake_inputs, fake_models):
    protocol = {"name": "grouped-cv", "n_splits": 5, "fold_seeds": [0], "groups": "artist"}
    cross_validate(table, {"lstm": fake_inputs["knn"]}, protocol=protocol)
    assert all(f["clips"] is None and f["groups"] is not None for f in fake_models)


def test_leaky_split_differs_from_the_honest_one_only_by_the_split(
    table, fake_inputs, fake_models, monkeypatch
):
    calls = []
    real = _run_folds

    def spy(name, X, y, fit_arrays, splits, **kw):  # noqa: ANN001, ANN202
        calls.append({"name": name, "X": X, "y": y, "arrays": fit_arrays,
                      "splits": [(tr.copy(), te.copy()) for tr, te in splits],
                      "fixed": kw.get("fixed")})
        return real(name, X, y, fit_arrays, splits, **kw)

    monkeypatch.setattr(protocols, "_run_folds", spy)
    protocol = {"name": "grouped-cv", "n_splits": 5, "fold_seeds": [0], "groups": "artist"}
    honest = cross_validate(table, fake_inputs, protocol=protocol)["knn"]
    leaky = leaky_cross_validate(table, fake_inputs["knn"], honest=honest)
    h, lk = calls
    assert h["name"] == lk["name"] == "knn"
    np.testing.assert_array_equal(h["X"], lk["X"])
    np.testing.assert_array_equal(h["y"], lk["y"])
    assert h["arrays"].keys() == lk["arrays"].keys()
    for key in h["arrays"]:
        np.testing.assert_array_equal(h["arrays"][key], lk["arrays"][key])
    assert not h["fixed"] and not lk["fixed"]
    # ... and the splits do differ: the leaky one puts a clip's segments on both sides.
    clip_of = honest.clip_of
    for tr, te in h["splits"]:
        assert not set(clip_of[tr]) & set(clip_of[te])
    assert leaky["clips_on_both_sides"] > 0
    assert any(set(clip_of[tr]) & set(clip_of[te]) for tr, te in lk["splits"])
    for key in ("segment_level", "clip_level", "honest_segment_level", "honest_clip_level"):
        assert set(leaky[key]) == {"accuracy", "balanced_accuracy", "macro_f1"}
    assert leaky["n_segments"] == len(clip_of)


def test_filtered_split_trains_on_train_and_reports_test(tmp_path, fake_models):
    gtzan = GTZAN(make_tiny_gtzan(tmp_path / "g", complete_split=True))
    table = clip_table(gtzan)
    protocol = choose_protocol(gtzan)
    inputs = extract_inputs(table, models=("knn",), cache_dir=tmp_path / "c")
    result = cross_validate(table, inputs, protocol=protocol,
                                     split_ids=gtzan.split_ids())["knn"]
    assert [table.ids[c] for c in result.evaluated] == [f"{g}.00005" for g in TINY_GENRES]
    assert len(fake_models) == 1
    assert set(fake_models[0]["clips"]) == {f"{g}.{i:05d}" for g in TINY_GENRES for i in range(4)}
    assert (result.folds[0] == -1).all()


# --------------------------------------------------------------------------- orchestration


def test_evaluate_all_writes_valid_records(tiny, tmp_path, fake_models):
    from mgc_core.evaluation import read_evaluation

    report = evaluate_all(
        tiny, models=MODEL_NAMES, fold_seeds=(0, 1),
        cache_dir=tmp_path / "cache", assets_dir=tmp_path / "assets", n_resamples=200,
        command="python -m mgc_core evaluate --gtzan DIR",
    )
    assert set(report.paths) == {*MODEL_NAMES, "ensemble"}
    for name in report.paths:
        record = read_evaluation(name, assets_dir=tmp_path / "assets")  # verified + validated
        # The ensemble's nested evaluation runs on the first fold seed only.
        assert record["protocol"]["fold_seeds"] == ([0] if name == "ensemble" else [0, 1])
        assert record["data"]["excluded"] == 1
        assert len(record["clips"]) == 18
        assert record["balanced_accuracy"]["value"] >= 0.8
    knn = read_evaluation("knn", assets_dir=tmp_path / "assets")
    assert "leaky" in knn and "leaky" not in read_evaluation("cnn", assets_dir=tmp_path / "assets")
    ens = read_evaluation("ensemble", assets_dir=tmp_path / "assets")
    assert ens["members"] == list(MODEL_NAMES) and "nested" in ens["rule"]
    assert set(ens["weights"]) == set(ens["members"])
    assert set(ens["weights_by_fold"]) == {"0", "1", "2", "3", "4"}
    # Soft vote of identical members is the members' prediction.
    assert ens["clips"][0]["probabilities"] == pytest.approx(knn["clips"][0]["probabilities"],
                                                             abs=1e-5)
    assert {"inputs (decode, analyse, cache)", "cross-validation knn"} <= set(report.timings)
    assert set(ens["weights_by_seed"]) == {"0"}


def test_the_ensemble_can_be_scored_on_every_fold_seed(tiny, tmp_path, fake_models):
    from mgc_core.evaluation import read_evaluation

    evaluate_all(tiny, models=MODEL_NAMES, fold_seeds=(0, 1), cache_dir=tmp_path / "cache",
                 assets_dir=tmp_path / "assets", n_resamples=50, ensemble_every_seed=True)
    ens = read_evaluation("ensemble", assets_dir=tmp_path / "assets")
    assert ens["protocol"]["fold_seeds"] == [0, 1]
    assert set(ens["weights_by_seed"]) == {"0", "1"}
    assert len(ens["seeds"]["balanced_accuracy"]["values"]) == 2


def test_the_ensemble_alone_is_scored_on_every_seed_from_the_stored_members(
        tiny, tmp_path, fake_models):
    from mgc_core.evaluation import read_evaluation

    root = tmp_path / "assets"
    evaluate_all(tiny, models=MODEL_NAMES, fold_seeds=(0, 1), cache_dir=tmp_path / "cache",
                 assets_dir=root, n_resamples=50)
    members = {m: (root / "evaluation" / f"{m}.json").read_bytes() for m in MODEL_NAMES}
    fitted = len(fake_models)
    report = evaluate_all(tiny, models=["ensemble"], fold_seeds=(0, 1),
                          cache_dir=tmp_path / "cache", assets_dir=root, n_resamples=50,
                          ensemble_every_seed=True)
    ens = read_evaluation("ensemble", assets_dir=root)
    assert ens["protocol"]["fold_seeds"] == [0, 1]
    assert set(ens["weights_by_seed"]) == {"0", "1"}
    assert len(ens["seeds"]["balanced_accuracy"]["values"]) == 2
    # The members were cross-validated again on seed 1 only; their records are untouched.
    assert set(report.paths) == {"ensemble"}
    assert {m: (root / "evaluation" / f"{m}.json").read_bytes() for m in MODEL_NAMES} == members
    assert any("later seeds" in t for t in report.timings)
    assert len(fake_models) > fitted


def test_a_rerun_reads_every_fit_back_from_the_fit_cache(tiny, tmp_path, fake_models):
    from mgc_core.evaluation import read_evaluation

    kwargs = dict(models=MODEL_NAMES, fold_seeds=(0, 1), cache_dir=tmp_path / "cache",
                  n_resamples=50, ensemble_every_seed=True)
    first = evaluate_all(tiny, assets_dir=tmp_path / "a", **kwargs)
    fitted = len(fake_models)
    assert first.fits_made == fitted  # (identical fits within one run are reused too)
    assert list((tmp_path / "cache" / "fits").rglob("*.npz"))
    again = evaluate_all(tiny, assets_dir=tmp_path / "b", **kwargs)
    assert len(fake_models) == fitted  # nothing fitted again
    assert (again.fits_reused, again.fits_made) == (first.fits_made + first.fits_reused, 0)
    for name in (*MODEL_NAMES, "ensemble"):
        a = read_evaluation(name, assets_dir=tmp_path / "a")
        b = read_evaluation(name, assets_dir=tmp_path / "b")
        assert a["clips"] == b["clips"] and a["seeds"] == b["seeds"]
    fresh = evaluate_all(tiny, assets_dir=tmp_path / "c", reuse_fits=False, **kwargs)
    assert len(fake_models) == fitted + first.fits_made + first.fits_reused
    assert fresh.fits_made == fresh.fits_reused == 0


@pytest.fixture(scope="module")
def knn_cache(tmp_path_factory) -> Path:
    """One input cache shared by the tests that use the real KNN."""
    return tmp_path_factory.mktemp("knn_cache")


def test_train_all_with_the_real_knn(tiny, tmp_path, knn_cache):
    from mgc_core.models.knn import KNNModel

    root = tmp_path / "assets"
    stages = []
    report = train_all(tiny, models=("knn",), cache_dir=knn_cache,
                                assets_dir=root, progress=lambda s, d, t: stages.append(s))
    path = report.paths["knn"]
    assert path == root / "models" / "knn.skops"
    assets.verify(path, root=root)
    entry = assets.read_manifest(root / "manifest.json")["files"]["models/knn.skops"]
    assert entry["command"].startswith("python -m mgc_core train")
    assert entry["data"]["clips_per_genre"]["hiphop"] == 6
    assert entry["data"]["protocol"] == "grouped-cv"
    assert "scikit-learn" in entry["versions"] and entry["date"]
    assert {"inputs", "fit"} <= set(stages)
    assert {"fit knn", "save knn"} <= set(report.timings)
    model = KNNModel.load(path)
    inputs = extract_inputs(clip_table(tiny), models=("knn",),
                                     cache_dir=knn_cache)["knn"]
    X, clip_of = stack_inputs(inputs)
    assert model.predict_proba(X).shape == (len(X), 10)


def test_real_knn_learns_the_tiny_genres_out_of_fold(tiny, table, knn_cache, monkeypatch):
    from mgc_core.models.knn import KNNModel

    class QuickKNN(KNNModel):  # the real pipeline with a smaller grid, to keep the test short
        def __init__(self) -> None:
            super().__init__(k_grid=(1, 3), weights_grid=("distance",), n_splits=3)

    monkeypatch.setattr("mgc_core.models.model_class", lambda name: QuickKNN)
    inputs = extract_inputs(table, models=("knn",), cache_dir=knn_cache)
    protocol = choose_protocol(tiny, fold_seeds=(0,))
    result = cross_validate(table, inputs, protocol=protocol)["knn"]
    predicted = result.clip_probabilities[0].argmax(axis=1)
    assert (predicted == table.labels).mean() >= 0.8


def test_missing_model_file_in_assets_is_an_asset_error(tmp_path):
    with pytest.raises(AssetError, match="knn.skops"):
        assets.verify(tmp_path / "models" / "knn.skops", root=tmp_path)


# --------------------------------------------------------------------------- ensemble


def test_inner_predictions_never_fit_on_the_outer_fold_or_the_predicted_clips(
        table, fake_inputs, fake_models):
    inputs = {"knn": fake_inputs["knn"], "cnn": fake_inputs["knn"]}
    folds = grouped_folds(table, n_splits=5, seed=0)
    evaluated = np.arange(len(table))
    inner, inner_y = inner_predictions(table, inputs, models=("knn", "cnn"),
                                                folds=folds, evaluated=evaluated)
    fold_of = dict(zip(table.ids, folds))
    # One fit per model and pair of folds, each on exactly the three other folds.
    assert len(fake_models) == 2 * 10
    pairs = set()
    for fit in fake_models:
        fitted_folds = {fold_of[c] for c in fit["clips"]}
        assert len(fitted_folds) == 3
        pairs.add(frozenset(set(range(5)) - fitted_folds))
    assert len(pairs) == 10
    for f in range(5):
        rest = np.flatnonzero(folds != f)
        assert len(inner[f]) == 2 and all(p.shape == (len(rest), 10) for p in inner[f])
        assert sorted(inner_y[f]) == sorted(table.labels[rest])
        assert np.allclose(inner[f][0].sum(axis=1), 1)


def test_inner_predictions_under_the_fixed_split_fit_train_and_predict_valid(
        tmp_path, fake_models):
    gtzan = GTZAN(make_tiny_gtzan(tmp_path / "g", complete_split=True))
    table = clip_table(gtzan)
    inputs = extract_inputs(table, models=("knn",), cache_dir=tmp_path / "c")
    split = gtzan.split_ids()
    test = np.array([table.ids.index(t) for t in split["test"] if t in table.ids])
    inner, inner_y = inner_predictions(
        table, inputs, models=("knn",), folds=np.full(len(test), -1), evaluated=test,
        split_ids=split)
    assert set(inner) == {-1}
    valid = [t for t in split["valid"] if t in table.ids]
    assert inner[-1][0].shape == (len(valid), 10) and len(inner_y[-1]) == len(valid)
    assert set(fake_models[-1]["clips"]) == {t for t in split["train"] if t in table.ids}


def test_ensemble_alone_is_rebuilt_from_the_stored_members(tiny, tmp_path, fake_models):
    from mgc_core.evaluation import read_evaluation

    kwargs = dict(fold_seeds=(0,), cache_dir=tmp_path / "cache",
                  assets_dir=tmp_path / "assets", n_resamples=100)
    with pytest.raises(AssetError, match="knn"):  # no member evaluated yet: fails first
        evaluate_all(tiny, models=("ensemble",), **kwargs)
    assert not fake_models
    evaluate_all(tiny, models=MODEL_NAMES, **kwargs)
    first = read_evaluation("ensemble", assets_dir=tmp_path / "assets")
    fake_models.clear()
    report = evaluate_all(tiny, models=("ensemble",), reuse_fits=False, **kwargs)
    assert set(report.paths) == {"ensemble"}
    assert len(fake_models) == len(MODEL_NAMES) * 10  # the inner fits only, not the members
    cached = evaluate_all(tiny, models=("ensemble",), **kwargs)  # the full run stored them
    assert len(fake_models) == len(MODEL_NAMES) * 10 and cached.fits_made == 0
    again = read_evaluation("ensemble", assets_dir=tmp_path / "assets")
    assert again["weights"] == first["weights"] and again["clips"] == first["clips"]
