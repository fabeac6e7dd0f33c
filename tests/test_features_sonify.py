"""mgc_core.features.sonify: audio rebuilt from mel bands and MFCCs keeps what they keep,
beat clicks land on the beats, the length is bounded, bad parameters are named."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.audio.signals import make_signal, sine
from mgc_core.errors import ParameterError
from mgc_core.features import hpss, sonify

SR = 22050


def _spectrum(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.abs(np.fft.rfft(y * np.hanning(len(y)))) ** 2
    return np.fft.rfftfreq(len(y), 1 / SR), X


def _peak_hz(y: np.ndarray) -> float:
    f, X = _spectrum(y)
    return float(f[np.argmax(X)])


def _spread_hz(y: np.ndarray) -> float:
    """Width (Hz) of the band around the peak that holds 90 % of the power."""
    f, X = _spectrum(y)
    p = f[np.argmax(X)]
    for width in np.arange(5, 5000, 5):
        if X[np.abs(f - p) <= width].sum() >= 0.9 * X.sum():
            return float(width)
    return 5000.0


@pytest.fixture(scope="module")
def tone():
    return sine(freq=440.0, sr=SR, duration=2.0)


def test_mel_rebuilt_sine_keeps_its_pitch(tone):
    out = sonify.from_mel(tone, sr=SR, n_mels=128)
    assert out.shape == tone.shape and out.dtype == np.float32
    assert abs(_peak_hz(out) - 440.0) < 0.03 * 440
    assert np.max(np.abs(out)) <= 0.99
    # Reproducible: Griffin-Lim starts from a seeded phase.
    assert np.array_equal(out, sonify.from_mel(tone, sr=SR, n_mels=128))


def test_sixteen_bands_smear_the_pitch(tone):
    fine = _spread_hz(sonify.from_mel(tone, sr=SR, n_mels=128))
    coarse = _spread_hz(sonify.from_mel(tone, sr=SR, n_mels=16))
    assert coarse > 2 * fine


def test_mfcc_rebuilt_keeps_rough_register(tone):
    out = sonify.from_mfcc(tone, sr=SR, n_mfcc=20)
    assert out.shape == tone.shape
    assert 200 < _peak_hz(out) < 900


def test_rebuild_is_bounded_and_silence_stays_silent():
    long = make_signal("drum_pattern", sr=SR, duration=30.0)
    assert sonify.from_mel(long, sr=SR, n_mels=16).shape == (int(sonify.MAX_REBUILD_S * SR),)
    assert sonify.from_mfcc(long, sr=SR, max_seconds=1.5, n_iter=2).shape == (int(1.5 * SR),)
    assert not sonify.from_mel(np.zeros(SR, np.float32), sr=SR).any()
    # An 8 kHz recording: the mel bands fit below 4 kHz.
    phone = make_signal("drum_pattern", sr=8000, duration=2.0)
    assert sonify.from_mel(phone, sr=8000, n_mels=40, n_fft=512, hop_length=128).shape == (16000,)


def test_clicks_add_energy_at_beat_times():
    y = make_signal("drum_pattern", sr=SR, duration=4.0) * 0.5
    beats = np.array([0.25, 1.1, 2.05, 3.3, 9.0])  # the last is after the end: left out
    mixed = sonify.with_beat_clicks(y, sr=SR, beats=beats)
    assert mixed.shape == y.shape and np.max(np.abs(mixed)) <= 0.99
    diff = mixed.astype(np.float64) - y
    for t in beats[:-1]:
        i = int(t * SR)
        near = np.mean(diff[i:i + SR // 20] ** 2)
        away = np.mean(diff[i + SR // 5:i + SR // 4] ** 2)
        assert near > 100 * max(away, 1e-12)
    assert np.array_equal(sonify.with_beat_clicks(y, sr=SR, beats=np.array([])), y)


def test_clicks_on_silence():
    quiet = sonify.with_beat_clicks(np.zeros(SR, np.float32), sr=SR, beats=np.array([0.5]))
    assert np.max(np.abs(quiet)) == pytest.approx(0.99, abs=1e-3)


def test_harmonic_plus_percussive_is_the_original():
    y = make_signal("drum_pattern", sr=SR, duration=2.0)
    h, p = hpss(y)
    assert np.sqrt(np.mean((h + p - y) ** 2)) < 0.01 * np.sqrt(np.mean(y**2))


@pytest.mark.parametrize("call, match", [
    (lambda: sonify.from_mel(np.zeros(100, np.float32), sr=SR, max_seconds=60), "max_seconds"),
    (lambda: sonify.from_mel(np.zeros(100, np.float32), sr=SR, n_iter=0), "n_iter"),
    (lambda: sonify.from_mel(np.zeros(100, np.float32), sr=SR, seed=0.5), "seed"),
    (lambda: sonify.from_mel(np.zeros(100, np.float32), sr=SR, n_mels=999), "n_mels"),
    (lambda: sonify.from_mel(np.array([], np.float32), sr=SR), "empty"),
    (lambda: sonify.from_mel(np.array([np.nan], np.float32), sr=SR), "finite"),
    (lambda: sonify.from_mfcc(np.zeros(100, np.float32), sr=SR, n_mfcc=0), "n_mfcc"),
    (lambda: sonify.with_beat_clicks(np.zeros(100, np.float32), sr=SR, beats=[[1.0]]), "beats"),
    (lambda: sonify.with_beat_clicks(np.zeros(100, np.float32), sr=SR,
                                     beats=np.array([-1.0])), "beats"),
    (lambda: sonify.with_beat_clicks(np.zeros(100, np.float32), sr=SR,
                                     beats=np.array(["a"])), "beats"),
    (lambda: sonify.with_beat_clicks(np.zeros(100, np.float32), sr=SR, beats=np.array([0.0]),
                                     level=0), "level"),
    (lambda: sonify.with_beat_clicks(np.zeros(100, np.float32), sr=8000, beats=np.array([0.0]),
                                     click_freq=5000), "click_freq"),
])
def test_bad_parameters_are_named(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
