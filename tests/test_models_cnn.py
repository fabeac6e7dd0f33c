"""Tests of mgc_core.models.cnn and of the Keras training pieces it shares with the LSTM.

Everything is synthetic and small: "log-mel" segments whose class is a bright band
of mel bands, learnt in a few epochs on the CPU.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from mgc_core.errors import AssetError, ParameterError
from mgc_core.models import _keras_common as kc
from mgc_core.models import model_class
from mgc_core.models.cnn import INPUT_SHAPE, CNNModel, augment_logmel, build_model
from mgc_core.models.frontend import analyse

N_PER_CLASS = 40
EPOCHS = 4


def _logmel_set(seed: int, n_per_class: int = N_PER_CLASS):
    """Segments (n, 187, 96): noise plus a class-dependent band of 8 mel bands."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), n_per_class)
    X = rng.uniform(0.0, 1.0, size=(len(y), *INPUT_SHAPE)).astype(np.float32)
    for k in range(10):
        X[y == k, :, 8 * k + 8:8 * k + 16] += 2.5
    within = np.tile(np.arange(n_per_class), 10)
    groups = np.array([f"artist{k}-{i // 5}" for k, i in zip(y, within, strict=True)])
    return X, y, groups


@pytest.fixture(scope="module")
def data():
    return _logmel_set(0), _logmel_set(1, n_per_class=6)


@pytest.fixture(scope="module")
def fitted(data):
    (X, y, groups), _ = data
    return CNNModel().fit(X, y, groups=groups, epochs=EPOCHS)


def test_registry_names_the_cnn():
    assert model_class("cnn") is CNNModel
    assert CNNModel.name == "cnn" and CNNModel.file_name == "cnn.keras"


def test_build_model_is_a_small_named_network():
    model = build_model(INPUT_SHAPE, 10)
    assert model.name == "mgc_cnn"
    assert model.input_shape == (None, *INPUT_SHAPE)
    assert model.output_shape == (None, 10)
    assert model.count_params() < 200_000
    assert model.get_layer(kc.NORM_LAYER) is not None


def test_inputs_are_the_shared_logmel_segments():
    front = analyse(np.sin(2 * np.pi * 440 * np.arange(160000) / 16000).astype(np.float32))
    x = CNNModel().inputs(front)
    assert x.shape == (3, *INPUT_SHAPE) and x.dtype == np.float32
    np.testing.assert_array_equal(x, front.segments(front.logmel))


@pytest.mark.slow
def test_fit_learns_synthetic_classes(fitted, data):
    _, (X_test, y_test, _) = data
    p = fitted.predict_proba(X_test)
    assert p.shape == (len(X_test), 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert (p.argmax(axis=1) == y_test).mean() >= 0.9
    # No early stopping: every epoch on every segment, the last weights kept.
    assert fitted.epochs_ == EPOCHS and len(fitted.history_["loss"]) == EPOCHS
    assert "val_acc" not in fitted.history_


@pytest.mark.slow
def test_a_given_validation_set_is_scored_but_does_not_stop_training(data):
    (X, y, _), (X_val, y_val, _) = data
    model = CNNModel().fit(X[::4], y[::4], validation=(X_val, y_val), epochs=2)
    assert len(model.history_["val_acc"]) == 2 and model.epochs_ == 2


def test_the_cnn_trains_without_early_stopping_and_the_lstm_with_it():
    from mgc_core.models.lstm import LSTMModel

    assert CNNModel.early_stopping is False and LSTMModel.early_stopping is True


@pytest.mark.slow
def test_save_load_round_trip_in_safe_mode(fitted, data, tmp_path):
    import keras

    _, (X_test, _, _) = data
    path = tmp_path / CNNModel.file_name
    fitted.save(path)
    assert path.stat().st_size < 3_000_000
    with zipfile.ZipFile(path) as z:  # the network only: no optimizer state
        assert b"optimizer" not in z.read("model.weights.h5")
    loaded = CNNModel.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), fitted.predict_proba(X_test))
    keras.saving.load_model(path, safe_mode=True, compile=False)


@pytest.mark.slow
def test_fit_is_repeatable_with_a_seed(fitted, data):
    (X, y, groups), (X_test, _, _) = data
    again = CNNModel().fit(X, y, groups=groups, epochs=EPOCHS)
    np.testing.assert_allclose(again.predict_proba(X_test), fitted.predict_proba(X_test),
                               atol=1e-4)


def test_augmentation_keeps_shapes_and_label_mass():
    X, y, _ = _logmel_set(2, n_per_class=2)
    onehot = np.eye(10, dtype=np.float32)[y]
    xa, ya = augment_logmel(X, onehot, np.random.default_rng(0))
    assert xa.shape == X.shape and xa.dtype == np.float32 and np.all(np.isfinite(xa))
    np.testing.assert_allclose(ya.sum(axis=1), 1.0, atol=1e-6)
    xb, _ = augment_logmel(X, onehot, np.random.default_rng(0))
    np.testing.assert_array_equal(xa, xb)


# --- bad inputs ---------------------------------------------------------------------


@pytest.mark.slow
def test_bad_inputs_raise_typed_errors(fitted, tmp_path):
    with pytest.raises(ParameterError, match="shape"):
        fitted.predict_proba(np.zeros((2, 187, 60), np.float32))
    with pytest.raises(ParameterError, match="not fitted"):
        CNNModel().predict_proba(np.zeros((1, *INPUT_SHAPE), np.float32))
    with pytest.raises(ParameterError, match="integer labels"):
        CNNModel().fit(np.zeros((3, *INPUT_SHAPE), np.float32), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ParameterError, match="GENRES indices"):
        CNNModel().fit(np.zeros((2, *INPUT_SHAPE), np.float32), np.array([0, 10]))
    with pytest.raises(ParameterError, match=".keras"):
        fitted.save(tmp_path / "cnn.h5")
    with pytest.raises(AssetError, match="missing"):
        CNNModel.load(tmp_path / "absent.keras")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(AssetError):
        CNNModel.load(bad)


# --- shared training pieces ---------------------------------------------------------


def test_inner_split_keeps_groups_apart_and_is_seeded():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 30)
    groups = np.array([f"g{k}-{i % 6}" for k, i in zip(y, rng.permutation(len(y)), strict=True)])
    train, val = kc.inner_split(y, groups, seed=3)
    assert len(train) + len(val) == len(y) and 0.08 < len(val) / len(y) < 0.25
    assert not set(groups[train]) & set(groups[val])
    again = kc.inner_split(y, groups, seed=3)
    np.testing.assert_array_equal(val, again[1])
    _, none = kc.inner_split(y[:20], np.array(["a"] * 20))  # one group: no validation
    assert len(none) == 0


def test_balanced_weights_equalise_classes():
    y = np.array([0] * 8 + [1] * 2)
    w = kc.balanced_weights(y)
    assert w[y == 0].sum() == pytest.approx(w[y == 1].sum())
    assert w.mean() == pytest.approx(1.0)
