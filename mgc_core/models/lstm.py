"""A small recurrent network on 3-s MFCC sequences, trained from scratch.

Input (:meth:`LSTMModel.inputs`): from the shared front end's mel spectrogram
(computed once per clip), :func:`mgc_core.features.mfcc` with ``M=mel``: 20 MFCCs
of ``librosa.power_to_db(mel)``, their deltas and delta-deltas (width 9, over the
whole clip), the Audio features page's MFCCs at the models' settings, stacked per
frame and cut into the shared segments: ``(n_segments, 187, 60)`` float32, columns
``[mfcc_1..20, delta_1..20, delta2_1..20]``.

Architecture (:func:`build_model`, Keras model ``"mgc_lstm"``):

- ``Normalization`` per feature (mean and variance of the training segments);
- ``AveragePooling1D(POOL)`` over time, 187 -> 46 steps of 64 ms, so that the
  recurrence runs four times fewer steps (fast on CPU);
- ``Bidirectional(LSTM(UNITS, return_sequences=True))`` with ``UNITS`` = 64;
- global average and global max of its outputs over time, concatenated (256);
- ``Dropout(0.4)`` -> ``Dense(10, softmax)``.

66,691 parameters (66,570 trainable); the ``.keras`` file is about 0.31 MB.

Training (:class:`~mgc_core.models._keras_common.KerasGenreModel`): class-balanced
sampling, Adam from ``2e-3`` with cosine decay over the epochs, batches of 128, at
most :data:`MAX_EPOCHS` = 32 epochs; ``EarlyStopping(patience=8, start_from_epoch=8,
restore_best_weights=True)`` on the balanced accuracy of an inner artist-grouped
validation split (15 % of the training segments); fixed seed. One fit on ~4000
segments takes 30 to 50 s on two CPU cores.

Augmentation (:func:`augment_mfcc`, training batches only, NumPy):

- random **gain** of -6..+6 dB: with orthonormal DCT, a gain of ``d`` dB on every
  mel band adds ``d * sqrt(96)`` to the first MFCC and leaves the others and all
  deltas unchanged (up to ``power_to_db``'s 80-dB floor);
- **mixup** of a quarter of the batch (``Beta(0.4, 0.4)``, linear in features);
- random circular **roll** in time;
- two **time masks** of up to 20 frames, set to the segment's mean.

These settings are fixed here. They were chosen before the final evaluation on
two folds of one artist-grouped 5-fold split of the GTZAN subset (clip-level
balanced accuracy 0.52 and 0.38 there; 0.41 and 0.40 with at most 24 epochs),
not tuned further.

Example
-------
>>> import librosa
>>> from mgc_core.models.frontend import analyse
>>> front = analyse(librosa.tone(440, sr=16000, duration=10.0))
>>> LSTMModel().inputs(front).shape
(3, 187, 60)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from mgc_core import features
from mgc_core.genres import GENRES
from mgc_core.models._keras_common import (
    NORM_LAYER,
    KerasGenreModel,
    mask_time,
    mixup,
    roll_time,
)
from mgc_core.models.frontend import N_MELS, SEGMENT_FRAMES, SR, Frontend

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = ["N_MFCC", "INPUT_SHAPE", "mfcc_sequence", "build_model", "augment_mfcc",
           "LSTMModel"]

# Features
N_MFCC = 20
INPUT_SHAPE = (SEGMENT_FRAMES, 3 * N_MFCC)
# Architecture
POOL = 4
UNITS = 64
DROPOUT = 0.4
# Training
MAX_EPOCHS = 32
PATIENCE = 8
MIN_EPOCHS = 8  # early stopping watches from here: the first epochs' scores are noise
BATCH_SIZE = 128
LEARNING_RATE = 2e-3
# Augmentation
GAIN_DB = 6.0
MIXUP_ALPHA = 0.4
MIXUP_SHARE = 0.25
TIME_MASKS, TIME_MASK_WIDTH = 2, 20


def mfcc_sequence(front: Frontend) -> np.ndarray:
    """MFCCs, deltas and delta-deltas of a clip, frame by frame.

    :func:`mgc_core.features.mfcc` of the front end's mel spectrogram
    (``M=front.mel``, ``n_mfcc=20``, ``deltas=True``), frames first.

    Parameters
    ----------
    front : Frontend

    Returns
    -------
    np.ndarray [shape=(t, 60)], float32
        ``[mfcc_1..20, delta_1..20, delta2_1..20]`` per frame.
    """
    return features.mfcc(M=front.mel, sr=SR, n_mfcc=N_MFCC, deltas=True).T


def build_model(input_shape: tuple[int, int] = INPUT_SHAPE,
                num_classes: int = len(GENRES)) -> keras.Model:
    """The recurrent network, uncompiled, with an un-adapted ``Normalization`` input layer.

    Parameters
    ----------
    input_shape : tuple (frames, features)
    num_classes : int

    Returns
    -------
    keras.Model
        Named ``"mgc_lstm"``; input ``(None, *input_shape)``, softmax output
        ``(None, num_classes)``.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), name="mfcc")
    x = layers.Normalization(axis=-1, name=NORM_LAYER)(inputs)
    x = layers.AveragePooling1D(POOL, name="pool_in")(x)
    x = layers.Bidirectional(layers.LSTM(UNITS, return_sequences=True), name="bilstm")(x)
    x = layers.Concatenate(name="pool_time")([
        layers.GlobalAveragePooling1D(name="mean_time")(x),
        layers.GlobalMaxPooling1D(name="max_time")(x),
    ])
    x = layers.Dropout(DROPOUT, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="genre")(x)
    return keras.Model(inputs, outputs, name="mgc_lstm")


def augment_mfcc(x: np.ndarray, y: np.ndarray, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Augment a training batch of MFCC segments ``(b, 187, 60)`` and soft labels ``(b, 10)``.

    Gain (first MFCC offset), mixup, time roll and time masks (see the module docstring).
    """
    x = x.copy()
    x[:, :, 0] += rng.uniform(-GAIN_DB, GAIN_DB, size=(len(x), 1)) * np.sqrt(N_MELS)
    x, y = mixup(x, y, rng, alpha=MIXUP_ALPHA, share=MIXUP_SHARE)
    x = roll_time(x, rng)
    x = mask_time(x, rng, count=TIME_MASKS, width=TIME_MASK_WIDTH)
    return x.astype(np.float32), y


class LSTMModel(KerasGenreModel):
    """Bidirectional LSTM on 3-s MFCC sequences (see the module docstring).

    Parameters
    ----------
    seed : int
        Seed of initialisation, inner split, sampling and augmentation.
    """

    name: ClassVar[str] = "lstm"
    file_name: ClassVar[str] = "lstm.keras"
    input_shape: ClassVar[tuple[int, int]] = INPUT_SHAPE
    max_epochs: ClassVar[int] = MAX_EPOCHS
    patience: ClassVar[int] = PATIENCE
    min_epochs: ClassVar[int] = MIN_EPOCHS
    batch_size: ClassVar[int] = BATCH_SIZE
    learning_rate: ClassVar[float] = LEARNING_RATE

    def inputs(self, front: Frontend) -> np.ndarray:
        """MFCC + delta + delta-delta segments ``(n_segments, 187, 60)``, float32."""
        return front.segments(mfcc_sequence(front))

    def build(self) -> keras.Model:
        """:func:`build_model` for :data:`INPUT_SHAPE` and the ten genres."""
        return build_model(self.input_shape, len(GENRES))

    def augment(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
        """:func:`augment_mfcc`."""
        return augment_mfcc(x, y, rng)
