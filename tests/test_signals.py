"""Tests of mgc_core.audio.signals: every built-in signal, its registry entry and its options."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.audio import signals
from mgc_core.audio.signals import SIGNALS, make_signal
from mgc_core.errors import ParameterError

SR = 22050


def _peak_freq(y: np.ndarray, sr: int = SR) -> float:
    mag = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    return float(np.fft.rfftfreq(y.size, 1 / sr)[np.argmax(mag)])


@pytest.mark.parametrize("name", list(SIGNALS))
def test_every_signal_is_finite_float32_of_right_length_and_peak(name):
    spec = SIGNALS[name]
    y = spec.make(SR, 1.5)
    assert y.dtype == np.float32
    assert y.shape == (int(round(1.5 * SR)),)
    assert np.isfinite(y).all()
    assert np.max(np.abs(y)) == pytest.approx(signals.PEAK, abs=1e-4)
    assert abs(y[0]) < 1e-3 and abs(y[-1]) < 1e-3  # faded in and out


@pytest.mark.parametrize("name", list(SIGNALS))
def test_registry_entries_describe_the_signal(name):
    spec = SIGNALS[name]
    assert spec.title and spec.description.endswith(".")
    assert 5.0 <= spec.duration <= 10.0


@pytest.mark.parametrize("name", list(SIGNALS))
def test_every_signal_works_at_a_low_sample_rate(name):
    y = make_signal(name, sr=8000, duration=1.0)
    assert y.shape == (8000,) and np.isfinite(y).all()


def test_make_signal_uses_the_default_duration_and_normalises_names():
    y = make_signal("Click-Track")
    assert y.shape == (int(SIGNALS["click_track"].duration * SR),)


def test_make_signal_rejects_unknown_names_and_lists_the_valid_ones():
    with pytest.raises(ParameterError, match="Unknown signal 'violin'.*sine, harmonics"):
        make_signal("violin")


def test_sine_peaks_at_its_frequency():
    assert _peak_freq(signals.sine(freq=1000.0, duration=1.0)) == pytest.approx(1000.0, abs=1)


def test_harmonics_have_amplitudes_one_over_k():
    y = signals.harmonics(f0=200.0, n_harmonics=4, duration=1.0)
    mag = np.abs(np.fft.rfft(y))  # 1 Hz bins, every harmonic on a bin
    amps = mag[[200, 400, 600, 800]] / mag[200]
    np.testing.assert_allclose(amps, [1, 1 / 2, 1 / 3, 1 / 4], rtol=0.02)
    assert mag[1000] < 1e-3 * mag[200]


def test_harmonics_above_nyquist_are_left_out():
    y = signals.harmonics(f0=3000.0, n_harmonics=8, sr=8000, duration=1.0)
    assert _peak_freq(y, sr=8000) == pytest.approx(3000.0, abs=1)


def test_chirp_rises_from_fmin_to_fmax():
    y = signals.chirp(fmin=200.0, fmax=4000.0, duration=2.0)
    n = SR // 4
    assert _peak_freq(y[:n]) < 400 < 2000 < _peak_freq(y[-n:])


def test_noises_are_seeded():
    a, b = signals.white_noise(duration=0.5, seed=1), signals.white_noise(duration=0.5, seed=2)
    assert np.array_equal(a, signals.white_noise(duration=0.5, seed=1))
    assert not np.array_equal(a, b)


def test_pink_noise_falls_about_3_db_per_octave():
    y = signals.pink_noise(duration=5.0).astype(float)
    power = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(y.size, 1 / SR)
    low = power[(f >= 500) & (f < 1000)].mean()
    high = power[(f >= 4000) & (f < 8000)].mean()  # three octaves up
    assert 10 * np.log10(low / high) == pytest.approx(9.0, abs=1.5)


def test_click_track_has_one_full_click_per_beat():
    y = signals.click_track(bpm=120.0, duration=3.0)
    loud = np.flatnonzero(np.abs(y) > 0.2)
    onsets = loud[np.diff(loud, prepend=-SR) > SR // 10] / SR
    np.testing.assert_allclose(onsets, 0.01 + 0.5 * np.arange(6), atol=0.002)


def test_am_tone_swells_at_the_modulation_rate():
    y = signals.am_tone(mod_freq=4.0, sr=8000, duration=2.0)
    rms = np.sqrt(np.mean(y.reshape(-1, 80).astype(float) ** 2, axis=1))  # 100 frames/s
    spec = np.abs(np.fft.rfft(rms - rms.mean()))
    assert np.fft.rfftfreq(rms.size, 1 / 100)[np.argmax(spec)] == pytest.approx(4.0, abs=0.5)


def test_fm_tone_has_sidebands_at_the_modulation_frequency():
    y = signals.fm_tone(carrier=1000.0, mod_freq=100.0, index=2.0, duration=1.0)
    mag = np.abs(np.fft.rfft(y))
    assert mag[[800, 900, 1100, 1200]].min() > 0.1 * mag.max()
    assert mag[[850, 950, 1050]].max() < 1e-2 * mag.max()


@pytest.mark.parametrize(
    ("func", "kwargs", "fragment"),
    [
        (signals.sine, {"freq": 20000.0}, "freq must be a frequency above 0 and below sr/2"),
        (signals.sine, {"freq": -1.0}, "freq must be"),
        (signals.sine, {"sr": 100}, "sr must be between 4000 and 192000"),
        (signals.sine, {"sr": 22050.0}, "sr must be an integer"),
        (signals.sine, {"duration": 0.0}, "duration must be a number of seconds above 0"),
        (signals.sine, {"duration": 1e-6}, "shorter than one sample"),
        (signals.harmonics, {"n_harmonics": 0}, "n_harmonics must be an integer from 1 to 64"),
        (signals.major_chord, {"root": 5000.0}, "too high for sr=22050"),
        (signals.chirp, {"fmin": 5000.0, "fmax": 1000.0}, "fmin must be below fmax"),
        (signals.click_track, {"bpm": 0}, "bpm must be above 0"),
        (signals.am_tone, {"depth": 2.0}, "depth must be above 0 and at most 1"),
        (signals.fm_tone, {"index": -1.0}, "index must be above 0"),
    ],
)
def test_bad_options_raise_parameter_error(func, kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        func(**kwargs)
