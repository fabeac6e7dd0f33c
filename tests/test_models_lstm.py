"""Tests of mgc_core.models.lstm.

Everything is synthetic and small: MFCC-like sequences whose class is a raised
coefficient, learnt in a few epochs on the CPU. The shared training pieces are
tested in ``test_models_cnn.py``.
"""

from __future__ import annotations

import zipfile

import librosa
import numpy as np
import pytest

from mgc_core.errors import AssetError, ParameterError
from mgc_core.models import model_class
from mgc_core.models._keras_common import save_keras
from mgc_core.models.cnn import build_model as build_cnn
from mgc_core.models.frontend import analyse
from mgc_core.models.lstm import INPUT_SHAPE, LSTMModel, augment_mfcc, build_model

N_PER_CLASS = 40
EPOCHS = 8


def _mfcc_set(seed: int, n_per_class: int = N_PER_CLASS):
    """Sequences (n, 187, 60): noise plus 3 on coefficient ``k + 1`` for class ``k``."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), n_per_class)
    X = rng.normal(0.0, 1.0, size=(len(y), *INPUT_SHAPE)).astype(np.float32)
    X[:, :, 0] += -200.0  # a realistic first MFCC (dB scale)
    X[np.arange(len(y)), :, y + 1] += 3.0
    within = np.tile(np.arange(n_per_class), 10)
    groups = np.array([f"artist{k}-{i // 5}" for k, i in zip(y, within, strict=True)])
    return X, y, groups


@pytest.fixture(scope="module")
def data():
    return _mfcc_set(0), _mfcc_set(1, n_per_class=6)


@pytest.fixture(scope="module")
def fitted(data):
    (X, y, groups), _ = data
    return LSTMModel().fit(X, y, groups=groups, epochs=EPOCHS)


def test_registry_names_the_lstm():
    assert model_class("lstm") is LSTMModel
    assert LSTMModel.name == "lstm" and LSTMModel.file_name == "lstm.keras"


def test_build_model_is_a_small_named_network():
    model = build_model(INPUT_SHAPE, 10)
    assert model.name == "mgc_lstm"
    assert model.input_shape == (None, 187, 60)
    assert model.output_shape == (None, 10)
    assert model.count_params() < 200_000


def test_inputs_are_mfcc_deltas_of_the_shared_mel():
    t = np.arange(160000) / 16000
    front = analyse((0.3 * np.sin(2 * np.pi * 330 * t) * (1 + np.sin(2 * np.pi * 2 * t)))
                    .astype(np.float32))
    x = LSTMModel().inputs(front)
    assert x.shape == (3, 187, 60) and x.dtype == np.float32
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(front.mel), n_mfcc=20)
    np.testing.assert_allclose(x[1, :, :20], mfcc[:, 187:374].T, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(x[1, :, 20:40], librosa.feature.delta(mfcc)[:, 187:374].T,
                               rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(x[1, :, 40:],
                               librosa.feature.delta(mfcc, order=2)[:, 187:374].T,
                               rtol=1e-5, atol=1e-3)


@pytest.mark.slow
def test_fit_learns_synthetic_classes(fitted, data):
    _, (X_test, y_test, _) = data
    p = fitted.predict_proba(X_test)
    assert p.shape == (len(X_test), 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert (p.argmax(axis=1) == y_test).mean() >= 0.9


@pytest.mark.slow
def test_fit_without_groups_uses_clips_or_segments(data):
    (X, y, _), _ = data
    clips = np.array([f"clip{i // 10}" for i in range(len(y))])
    model = LSTMModel().fit(X[::4], y[::4], clips=clips[::4], epochs=1)
    assert model.predict_proba(X[:3]).shape == (3, 10)
    model = LSTMModel().fit(X[::4], y[::4], epochs=1)
    assert "val_acc" in model.history_


@pytest.mark.slow
def test_fit_with_a_given_validation_set(data):
    (X, y, _), (X_val, y_val, _) = data
    model = LSTMModel().fit(X[::4], y[::4], validation=(X_val, y_val), epochs=1)
    assert model.history_["val_acc"] and model.epochs_ == 1


@pytest.mark.slow
def test_save_load_round_trip_in_safe_mode(fitted, data, tmp_path):
    import keras

    _, (X_test, _, _) = data
    path = tmp_path / LSTMModel.file_name
    fitted.save(path)
    assert path.stat().st_size < 3_000_000
    with zipfile.ZipFile(path) as z:
        assert b"optimizer" not in z.read("model.weights.h5")
    loaded = LSTMModel.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), fitted.predict_proba(X_test))
    keras.saving.load_model(path, safe_mode=True, compile=False)


@pytest.mark.slow
def test_fit_is_repeatable_with_a_seed(fitted, data):
    (X, y, groups), (X_test, _, _) = data
    again = LSTMModel().fit(X, y, groups=groups, epochs=EPOCHS)
    np.testing.assert_allclose(again.predict_proba(X_test), fitted.predict_proba(X_test),
                               atol=1e-4)


def test_augmentation_keeps_shapes_and_label_mass():
    X, y, _ = _mfcc_set(2, n_per_class=2)
    onehot = np.eye(10, dtype=np.float32)[y]
    xa, ya = augment_mfcc(X, onehot, np.random.default_rng(0))
    assert xa.shape == X.shape and xa.dtype == np.float32 and np.all(np.isfinite(xa))
    np.testing.assert_allclose(ya.sum(axis=1), 1.0, atol=1e-6)


# --- bad inputs ---------------------------------------------------------------------


@pytest.mark.slow
def test_bad_inputs_raise_typed_errors(fitted, tmp_path):
    with pytest.raises(ParameterError, match="shape"):
        fitted.predict_proba(np.zeros((2, 187, 96), np.float32))
    with pytest.raises(ParameterError, match="NaN"):
        fitted.predict_proba(np.full((1, *INPUT_SHAPE), np.nan, np.float32))
    with pytest.raises(ParameterError, match="one entry per segment"):
        LSTMModel().fit(np.zeros((4, *INPUT_SHAPE), np.float32), np.arange(4), groups=["a"])
    with pytest.raises(ParameterError, match="epochs"):
        LSTMModel().fit(np.zeros((4, *INPUT_SHAPE), np.float32), np.arange(4), epochs=0)
    cnn_file = tmp_path / "cnn.keras"
    save_keras(build_cnn(), cnn_file)
    with pytest.raises(AssetError, match="not a LSTMModel"):
        LSTMModel.load(cnn_file)
