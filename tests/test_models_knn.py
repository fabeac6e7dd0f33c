"""Tests of mgc_core.models.knn: segment features, k-NN fit/predict, safe skops files."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models import model_class
from mgc_core.models.frontend import SEGMENT_SAMPLES, SR, analyse
from mgc_core.models.knn import FEATURE_NAMES, N_FEATURES, KNNModel, segment_features

# Three obviously different synthetic "genres", at GENRES indices that leave gaps.
SINES, NOISE, CLICKS = GENRES.index("classical"), GENRES.index("metal"), GENRES.index("hiphop")


def _clip(kind: int, rng: np.random.Generator, seconds: float = 6.5) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if kind == SINES:
        f = rng.uniform(200, 800)
        y = 0.4 * np.sin(2 * np.pi * f * t) + 0.2 * np.sin(2 * np.pi * 1.5 * f * t)
    elif kind == NOISE:
        y = rng.uniform(0.1, 0.4) * rng.standard_normal(n)
    else:  # clicks at a steady tempo over faint noise
        y = 0.005 * rng.standard_normal(n)
        period = int(SR * 60 / rng.uniform(90, 150))
        for start in range(int(rng.integers(period)), n - 200, period):
            y[start : start + 200] += np.hanning(200) * rng.choice([-0.8, 0.8])
    return y.astype(np.float32)


def _dataset(rng: np.random.Generator, clips_per_genre: int):
    X, y, clips = [], [], []
    clip_id = 0
    for kind in (SINES, NOISE, CLICKS):
        for _ in range(clips_per_genre):
            feats = segment_features(analyse(_clip(kind, rng)))
            X.append(feats)
            y += [kind] * len(feats)
            clips += [clip_id] * len(feats)
            clip_id += 1
    return np.vstack(X), np.array(y), np.array(clips)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    train = _dataset(rng, 6)
    test = _dataset(rng, 2)
    return train, test


@pytest.fixture(scope="module")
def fitted(data):
    (X, y, clips), _ = data
    return KNNModel().fit(X, y, groups=clips)


def test_registry_and_names():
    assert model_class("knn") is KNNModel
    assert KNNModel.name == "knn" and KNNModel.file_name == "knn.skops"
    assert len(FEATURE_NAMES) == N_FEATURES == 91 == len(set(FEATURE_NAMES))
    assert FEATURE_NAMES[0] == "mfcc01_mean" and FEATURE_NAMES[45] == "mfcc01_std"
    assert FEATURE_NAMES[-1] == "tempo"


def test_features_shape_and_values():
    y = _clip(CLICKS, np.random.default_rng(1), seconds=10.0)
    front = analyse(y)
    X = KNNModel().inputs(front)
    assert X.shape == (front.n_segments, N_FEATURES) == (3, 91)
    assert X.dtype == np.float32 and np.all(np.isfinite(X))
    # Stds are non-negative; the ZCR of a segment matches the segment's own samples.
    std = X[:, 45:90]
    assert np.all(std >= 0)
    seg = front.segment_samples(1)
    zcr_direct = np.mean(np.abs(np.diff(np.signbit(seg))))
    assert X[1, FEATURE_NAMES.index("zcr_mean")] == pytest.approx(zcr_direct, abs=0.02)
    tempo = X[:, FEATURE_NAMES.index("tempo")]
    assert np.all((tempo > 30) & (tempo < 330))


def test_tempo_blocks_give_the_tempo_of_each_segment_alone(monkeypatch):
    """Segments' tempi are estimated a few at a time (bounded memory), each from its own
    onset envelope: the same values as one segment at a time."""
    import librosa

    from mgc_core.models import knn

    rng = np.random.default_rng(3)
    y = np.concatenate([librosa.clicks(times=np.arange(0, 3, 60 / bpm), sr=SR,
                                       length=SEGMENT_SAMPLES) for bpm in (80, 100, 120, 150, 90)])
    front = analyse((y + 0.01 * rng.normal(size=y.size)).astype(np.float32))
    monkeypatch.setattr(knn, "_TEMPO_BLOCK", 2)
    blocks = segment_features(front)[:, -1]
    monkeypatch.setattr(knn, "_TEMPO_BLOCK", 1)
    np.testing.assert_array_equal(blocks, segment_features(front)[:, -1])
    assert front.n_segments == 5 and np.unique(blocks).size > 1


def test_features_of_silence_and_short_clip_are_finite():
    X = segment_features(analyse(np.zeros(SEGMENT_SAMPLES // 3, np.float32)))
    assert X.shape == (1, 91) and np.all(np.isfinite(X))


def test_learns_synthetic_genres(fitted, data):
    _, (X, y, _) = data
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), len(GENRES))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    absent = [i for i in range(len(GENRES)) if i not in (SINES, NOISE, CLICKS)]
    assert np.all(proba[:, absent] == 0)  # genres absent from training get 0, in place
    assert np.mean(proba.argmax(axis=1) == y) >= 0.95
    assert fitted.best_params_["n_neighbors"] in (1, 3, 5, 7, 9, 15, 21)
    assert fitted.best_params_["weights"] in ("uniform", "distance")
    assert 0.0 <= fitted.cv_score_ <= 1.0
    np.testing.assert_array_equal(fitted.trained_classes_, sorted((SINES, NOISE, CLICKS)))


def test_fit_without_groups_and_small_k_grid(data):
    (X, y, _), _ = data
    model = KNNModel(k_grid=(1, 3), weights_grid=("uniform",)).fit(X, y)
    assert model.best_params_["n_neighbors"] in (1, 3)
    assert model.best_params_["weights"] == "uniform"


def test_save_load_round_trip(fitted, data, tmp_path):
    _, (X, _, _) = data
    path = tmp_path / KNNModel.file_name
    fitted.save(path)
    assert KNNModel.saved_files(path) == [path, path.with_suffix(".npz")]
    loaded = KNNModel.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert loaded.best_params_ == fitted.best_params_
    # The served arrays: the same probabilities and settings, but no saving.
    served = KNNModel.load(KNNModel.served_path(path))
    assert not hasattr(served, "pipeline_")
    np.testing.assert_array_equal(served.predict_proba(X), fitted.predict_proba(X))
    assert served.best_params_ == fitted.best_params_ and served.cv_score_ == fitted.cv_score_
    np.testing.assert_array_equal(served.trained_classes_, fitted.trained_classes_)
    with pytest.raises(ParameterError, match=r"loaded from its \.npz"):
        served.save(tmp_path / "again.skops")


def test_served_head_gives_scikit_learn_probabilities(fitted, data):
    """What predicts (NumPy arrays) agrees with the fitted scikit-learn pipeline."""
    from mgc_core.models._sklearn_common import genre_columns

    _, (X, _, _) = data
    reference = genre_columns(fitted.pipeline_.predict_proba(X), fitted.pipeline_.classes_)
    np.testing.assert_allclose(fitted.predict_proba(X), reference, atol=1e-6)


def test_untrusted_type_is_refused(fitted, tmp_path):
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "evil.skops"
    evil = Pipeline([("run", FunctionTransformer(func=os.system))])
    sio.dump({"model": "knn", "format": 1, "pipeline": evil, "best_params": {}}, path)
    with pytest.raises(AssetError, match="system"):
        KNNModel.load(path)


def test_a_trusted_pipeline_that_cannot_be_served_is_an_asset_error(data, tmp_path):
    """Only trusted types, but not a scaler and a k-NN: refused with the command to rebuild."""
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    (X, _, _), _ = data
    path = tmp_path / "odd.skops"
    odd = Pipeline([("scale", StandardScaler()), ("knn", StandardScaler())]).fit(X)
    sio.dump({"model": "knn", "format": 1, "pipeline": odd, "best_params": {}}, path)
    with pytest.raises(AssetError, match="cannot serve") as err:
        KNNModel.load(path)
    assert "python -m mgc_core train" in str(err.value)


def test_bad_files_raise_asset_error(tmp_path):
    with pytest.raises(AssetError, match="missing"):
        KNNModel.load(tmp_path / "absent.skops")
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(AssetError, match="not a readable"):
        KNNModel.load(junk)


def test_bad_inputs_raise_parameter_error(fitted, data):
    (X, y, clips), _ = data
    with pytest.raises(ParameterError, match="not fitted"):
        KNNModel().predict_proba(X)
    with pytest.raises(ParameterError, match="shape"):
        fitted.predict_proba(X[:, :10])
    with pytest.raises(ParameterError, match="NaN"):
        fitted.predict_proba(np.full((1, N_FEATURES), np.nan))
    with pytest.raises(ParameterError, match="genre indices"):
        KNNModel().fit(X, y + 20)
    with pytest.raises(ParameterError, match="two genres"):
        KNNModel().fit(X, np.zeros_like(y))
    with pytest.raises(ParameterError, match="one id per row"):
        KNNModel().fit(X, y, groups=clips[:-1])
    with pytest.raises(ParameterError, match="Frontend"):
        KNNModel().inputs(np.zeros(SR))
