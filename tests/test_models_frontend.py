"""Tests of mgc_core.models.frontend: settings, segment grid, padding, pooling, bad inputs.

The front end's spectrograms and every model's inputs are the Audio features
page's functions (mgc_core.features) at the models' settings: checked here exactly.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mgc_core import features as F
from mgc_core.audio import Audio
from mgc_core.errors import ParameterError
from mgc_core.models.frontend import (
    HOP,
    N_FFT,
    N_MELS,
    SEGMENT_FRAMES,
    SEGMENT_SAMPLES,
    SEGMENT_SECONDS,
    SETTINGS,
    SR,
    Frontend,
    FrontendSettings,
    analyse,
    analyse_audio,
    pool_segments,
    segment_times,
    to_model_rate,
)

#: The models' STFT settings, as the feature functions take them.
MODEL = {"sr": SR, "n_fft": N_FFT, "hop_length": HOP}


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    """7 s at 16 kHz: two whole segments and a trailing part; tone, tremolo and noise."""
    rng = np.random.default_rng(7)
    t = np.arange(7 * SR) / SR
    y = 0.3 * np.sin(2 * np.pi * 330 * t) * (1 + np.sin(2 * np.pi * 2 * t))
    return (y + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def front(clip) -> Frontend:
    return analyse(clip)


# --------------------------------------------------------------------------- settings


def test_settings_are_the_documented_constants():
    assert SETTINGS == FrontendSettings()
    assert (SR, N_FFT, HOP, N_MELS, SEGMENT_FRAMES) == (16000, 512, 256, 96, 187)
    assert SEGMENT_SAMPLES == SETTINGS.segment_samples == 187 * 256
    assert SEGMENT_SECONDS == SETTINGS.segment_seconds == pytest.approx(2.992)


def test_settings_are_frozen_and_hashable():
    assert hash(FrontendSettings()) == hash(SETTINGS)
    assert {SETTINGS: "cached"}[FrontendSettings()] == "cached"
    with pytest.raises(dataclasses.FrozenInstanceError):
        SETTINGS.sr = 22050  # type: ignore[misc]
    other = FrontendSettings(sr=8000, hop_length=128)
    assert other != SETTINGS
    assert other.segment_samples == 187 * 128 and other.segment_seconds == 187 * 128 / 8000


# --------------------------------------------------------------------------- segment grid


def test_analyse_keeps_the_whole_segments(front, clip):
    t = 1 + clip.size // HOP
    assert front.power.shape == (1 + N_FFT // 2, t) and front.power.dtype == np.float32
    assert front.mel.shape == (N_MELS, t) and front.mel.dtype == np.float32
    assert front.logmel.shape == (t, N_MELS) and front.logmel.dtype == np.float32
    assert front.n_segments == t // SEGMENT_FRAMES == 2
    np.testing.assert_array_equal(front.y, clip)


def test_segments_cut_frames_in_order_and_drop_the_trailing_part(front, clip):
    t = front.power.shape[1]
    x = np.arange(3 * t).reshape(t, 3)
    segs = front.segments(x)
    assert segs.shape == (2, SEGMENT_FRAMES, 3) and segs.flags.c_contiguous
    np.testing.assert_array_equal(segs[1], x[SEGMENT_FRAMES : 2 * SEGMENT_FRAMES])
    np.testing.assert_array_equal(
        front.segment_samples(1), clip[SEGMENT_SAMPLES : 2 * SEGMENT_SAMPLES]
    )


@pytest.mark.parametrize(
    ("n", "n_segments"),
    [
        (SEGMENT_SAMPLES, 1),
        (2 * SEGMENT_SAMPLES - HOP - 1, 1),  # 373 frames
        (2 * SEGMENT_SAMPLES - HOP, 2),  # 374 frames: the centred last frame completes it
        (3 * SEGMENT_SAMPLES, 3),
    ],
)
def test_number_of_segments_at_the_boundaries(n, n_segments):
    y = np.full(n, 0.1, dtype=np.float32)
    assert analyse(y).n_segments == n_segments


@pytest.mark.parametrize("n", [1, 1000, SEGMENT_SAMPLES - 1])
def test_a_short_clip_is_repeat_padded_to_one_segment(n):
    y = np.random.default_rng(n).uniform(-0.5, 0.5, n).astype(np.float32)
    front = analyse(y)
    assert front.y.shape == (SEGMENT_SAMPLES,) and front.n_segments == 1
    np.testing.assert_array_equal(front.y, np.resize(y, SEGMENT_SAMPLES))
    assert front.power.shape[1] == 1 + SEGMENT_SAMPLES // HOP


def test_segment_times():
    np.testing.assert_allclose(
        segment_times(3), [[0.0, 2.992], [2.992, 5.984], [5.984, 8.976]], atol=1e-12
    )
    assert segment_times(0).shape == (0, 2)


# --------------------------------------------------------------------------- pooling


def test_pooling_one_segment_returns_its_probabilities():
    p = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(pool_segments(p[None]), p, rtol=1e-6)


def test_pooling_is_the_normalised_geometric_mean():
    p = np.array([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2]])
    pooled = pool_segments(p)
    geo = np.sqrt(p[0] * p[1])
    assert pooled.dtype == np.float32 and pooled.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(pooled, geo / geo.sum(), rtol=1e-6)


def test_pooling_survives_zero_probabilities():
    pooled = pool_segments(np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(pooled, [0.5, 0.5], rtol=1e-6)


@pytest.mark.parametrize("bad", [np.ones(10), np.zeros((0, 10)), np.ones((2, 3, 4))])
def test_pooling_rejects_what_is_not_segments_by_classes(bad):
    with pytest.raises(ParameterError, match=r"must be \(n_segments, n_classes\)"):
        pool_segments(bad)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        pytest.param(
            lambda: analyse(np.zeros(1000, np.float32), sr=22050),
            "needs 16000 Hz audio; got 22050 Hz: resample with to_model_rate",
            id="wrong rate",
        ),
        pytest.param(
            lambda: analyse(np.zeros((2, 1000), np.float32)),
            "a 1-D array of samples; got shape (2, 1000) (mix channels down first",
            id="stereo",
        ),
        pytest.param(
            lambda: analyse(np.zeros(0, np.float32)),
            "y must be non-empty mono audio",
            id="empty",
        ),
        pytest.param(
            lambda: analyse(np.array([0.0, np.nan, 0.0], np.float32)),
            "NaN or infinite samples (clean it with np.nan_to_num(y))",
            id="nan",
        ),
        pytest.param(
            lambda: analyse(np.array([0.0, np.inf], np.float32)),
            "NaN or infinite samples",
            id="inf",
        ),
        pytest.param(
            lambda: to_model_rate(np.zeros((2, 100), np.float32), 22050),
            "samples must be mono (1-D); got shape (2, 100)",
            id="to_model_rate stereo",
        ),
    ],
)
def test_bad_audio_raises_parameter_error_saying_what_to_do(call, fragment):
    with pytest.raises(ParameterError) as info:
        call()
    assert fragment in str(info.value)


def test_analyse_audio_resamples_to_the_models_rate():
    y = np.sin(2 * np.pi * 440 * np.arange(4 * 22050) / 22050).astype(np.float32)
    front = analyse_audio(Audio(y, sr=22050))
    np.testing.assert_array_equal(front.y, to_model_rate(y, 22050))
    assert front.y.size == 4 * SR
    np.testing.assert_array_equal(front.mel, analyse(to_model_rate(y, 22050)).mel)


def test_to_model_rate_leaves_16_khz_audio_alone(clip):
    np.testing.assert_array_equal(to_model_rate(clip, SR), clip)


# --------------------------------------------------------------------------- one feature stack


def test_spectrograms_are_the_feature_functions_at_the_models_settings(front):
    np.testing.assert_array_equal(front.power, F.stft_power(front.y, **MODEL))
    np.testing.assert_array_equal(front.mel, F.mel_power(front.y, n_mels=N_MELS, **MODEL))
    np.testing.assert_array_equal(front.mel, F.mel_power(S=front.power, n_mels=N_MELS, **MODEL))


def test_logmel_is_log_mel_at_the_models_settings(front):
    np.testing.assert_array_equal(front.logmel, F.log_mel(front.y, n_mels=N_MELS, **MODEL).T)
    # musicnn's formula
    np.testing.assert_allclose(front.logmel, np.log10(1 + 10000 * front.mel.T), rtol=1e-6)


def test_model_inputs_are_the_feature_functions_at_the_models_settings():
    """What each model receives can be recomputed from the samples by mgc_core.features."""
    from mgc_core.models.cnn import CNNModel
    from mgc_core.models.knn import FRAME_ROWS, frame_features
    from mgc_core.models.lstm import LSTMModel, mfcc_sequence

    # Exactly two segments of frames, so the KNN's rows cover the whole spectrogram.
    n = 2 * SEGMENT_SAMPLES - HOP
    rng = np.random.default_rng(3)
    t = np.arange(n) / SR
    y = (0.4 * np.sin(2 * np.pi * 220 * t) + 0.1 * rng.standard_normal(n)).astype(np.float32)
    front = analyse(y)
    assert front.power.shape[1] == front.n_segments * SEGMENT_FRAMES == 374
    mel = {"n_mels": N_MELS, **MODEL}

    log_mel = F.log_mel(y, **mel).T
    np.testing.assert_array_equal(CNNModel().inputs(front), front.segments(log_mel))

    mfcc = F.mfcc(y, n_mfcc=20, deltas=True, **mel).T
    np.testing.assert_array_equal(mfcc_sequence(front), mfcc)
    np.testing.assert_array_equal(LSTMModel().inputs(front), front.segments(mfcc))

    shape = F.spectral_features(y, rms_from="spectrum", dtype=np.float64, **MODEL)
    rows = np.concatenate(
        [
            F.mfcc(y, n_mfcc=20, **mel),
            F.chroma(y, tuning=0.0, **MODEL),
            np.stack([shape[k] for k in ("centroid", "bandwidth", "rolloff", "flatness")]),
            np.stack([shape[k] for k in ("zcr", "rms")]),
            shape["contrast"],
        ]
    )
    assert rows.shape == (len(FRAME_ROWS), 374)
    np.testing.assert_array_equal(frame_features(front), rows)
