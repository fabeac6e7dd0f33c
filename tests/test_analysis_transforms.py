"""mgc_core.analysis.transforms: each change does what it says, bad parameters are named,
and what_flips classifies every version with the same models (a 10-minute song on an
excerpt, an 8 kHz recording, silence)."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.analysis import transforms as tr
from mgc_core.audio import Audio
from mgc_core.audio.signals import make_signal, sine
from mgc_core.errors import ParameterError

SR = 22050


def _peak_hz(y: np.ndarray, sr: int = SR) -> float:
    X = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.fft.rfftfreq(len(y), 1 / sr)[np.argmax(X)])


def _gain_db(f: float, sr: int = SR) -> float:
    y = sine(freq=f, sr=sr, duration=1.0)
    out = tr.phone_band(y, sr=sr)
    mid = slice(sr // 4, 3 * sr // 4)  # away from the ends' fades
    return 10 * np.log10(np.mean(out[mid] ** 2) / np.mean(y[mid] ** 2))


def test_phone_band_removes_bass_and_treble_keeps_voice():
    assert _gain_db(1000.0) > -1.0
    assert _gain_db(100.0) < -30.0
    assert _gain_db(8000.0) < -30.0
    assert _gain_db(6000.0, sr=16000) < -30.0
    # An 8 kHz phone recording still fits the band.
    assert _gain_db(1000.0, sr=8000) > -1.0


def test_phone_band_on_noise_energy_outside_band():
    y = np.random.default_rng(0).standard_normal(SR).astype(np.float32)
    out = tr.phone_band(y, sr=SR)
    f = np.fft.rfftfreq(len(out), 1 / SR)
    P, P0 = np.abs(np.fft.rfft(out)) ** 2, np.abs(np.fft.rfft(y)) ** 2
    outside = (f < 150) | (f > 6000)
    inside = (f > 500) & (f < 3000)
    assert P[outside].sum() < 1e-3 * P0[outside].sum()
    assert P[inside].sum() > 0.8 * P0[inside].sum()


def test_pitch_shift_octave_doubles_frequency():
    y = sine(freq=440.0, sr=SR, duration=1.0)
    up = tr.pitch_shift(y, sr=SR, semitones=12)
    assert up.shape == y.shape and up.dtype == np.float32
    assert abs(_peak_hz(up) - 880.0) < 10
    assert abs(_peak_hz(tr.pitch_shift(y, sr=SR, semitones=-12)) - 220.0) < 10
    assert np.array_equal(tr.pitch_shift(y, sr=SR, semitones=0), y)


def test_time_stretch_changes_length_keeps_pitch():
    y = sine(freq=440.0, sr=SR, duration=2.0)
    fast = tr.time_stretch(y, sr=SR, rate=2.0)
    assert abs(len(fast) - len(y) / 2) < 0.01 * len(y)
    assert abs(_peak_hz(fast) - 440.0) < 10


@pytest.mark.parametrize("snr", [-5.0, 0.0, 10.0, 20.0, 40.0])
def test_add_noise_snr_as_asked(snr):
    y = make_signal("drum_pattern", sr=SR, duration=2.0)
    noisy = tr.add_noise(y, snr_db=snr, seed=3)
    assert abs(tr.snr_db(y, noisy) - snr) < 0.5
    assert np.array_equal(noisy, tr.add_noise(y, snr_db=snr, seed=3))
    assert not np.array_equal(noisy, tr.add_noise(y, snr_db=snr, seed=4))


def test_harmonic_plus_percussive_is_original():
    y = make_signal("drum_pattern", sr=SR, duration=2.0)
    h, p = tr.harmonic_only(y, sr=SR), tr.percussive_only(y, sr=SR)
    assert np.sqrt(np.mean((h + p - y) ** 2)) < 0.01 * np.sqrt(np.mean(y**2))


@pytest.mark.parametrize("call, match", [
    (lambda: tr.pitch_shift(np.zeros(10, np.float32), sr=SR, semitones=13), "semitones"),
    (lambda: tr.pitch_shift(np.zeros(10, np.float32), sr=SR, semitones=float("nan")),
     "semitones"),
    (lambda: tr.time_stretch(np.zeros(10, np.float32), sr=SR, rate=0), "rate"),
    (lambda: tr.time_stretch(np.zeros(10, np.float32), sr=SR, rate="fast"), "rate"),
    (lambda: tr.add_noise(np.zeros(100, np.float32), snr_db=10), "silent"),
    (lambda: tr.add_noise(np.ones(100, np.float32), snr_db=100), "snr_db"),
    (lambda: tr.add_noise(np.ones(100, np.float32), snr_db=10, seed=1.5), "seed"),
    (lambda: tr.phone_band(np.ones(100, np.float32), sr=6000), "sample rate"),
    (lambda: tr.phone_band(np.ones(100, np.float32), sr=True), "sr"),
    (lambda: tr.phone_band(np.array([], np.float32), sr=SR), "empty"),
    (lambda: tr.phone_band(np.array([np.nan], np.float32), sr=SR), "finite"),
    (lambda: tr.phone_band(np.ones((2, 9), np.float32), sr=SR), "mono"),
    (lambda: tr.phone_band(np.ones(9, np.int16), sr=SR), "floating"),
    (lambda: tr.Transform("reverse"), "Unknown transform"),
    (lambda: tr.Transform("phone", 3), "no setting"),
    (lambda: tr.Transform("noise", 99), "snr_db"),
])
def test_bad_parameters_are_named(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_transform_labels_and_defaults():
    assert tr.Transform("pitch").amount == 2.0
    assert tr.Transform("pitch", -1).label == "Pitch -1 semitone"
    assert tr.Transform("tempo", 1.25).label == "Tempo ×1.25"
    assert tr.Transform("noise", 10).label == "Noise at 10 dB SNR"
    assert tr.Transform("noise", 10) == tr.Transform("noise", 10.0)
    assert set(tr.KINDS) == {"phone", "pitch", "tempo", "harmonic", "percussive", "noise"}


def test_excerpt_bounds_long_audio():
    long = Audio(np.tile(make_signal("drum_pattern", sr=SR, duration=10.0), 60), sr=SR)
    part, note = tr.excerpt(long)
    assert part.duration == pytest.approx(tr.EXCERPT_S)
    assert "30 s of the 600 s" in note and "0:00 to 0:30" in note
    part, note = tr.excerpt(long, start_s=590.0)  # moved back to fit
    assert part.duration == pytest.approx(tr.EXCERPT_S) and "9:30 to 10:00" in note
    short = Audio(sine(sr=SR, duration=2.0), sr=SR)
    assert tr.excerpt(short) == (short, "")
    with pytest.raises(ParameterError, match="start_s"):
        tr.excerpt(short, start_s=5.0)
    with pytest.raises(ParameterError, match="Audio"):
        tr.excerpt(np.zeros(10))


# --------------------------------------------------------------------------- what_flips


@pytest.fixture(scope="module")
def knn():
    from mgc_core.analysis.classify import load_models

    return load_models(["knn"])


@pytest.mark.slow
def test_what_flips_ten_minute_song(knn):
    song = Audio(np.tile(make_signal("drum_pattern", sr=SR, duration=10.0), 60), sr=SR)
    seen = []
    flips = tr.what_flips(song, knn, [tr.Transform("phone"), tr.Transform("percussive"),
                                      tr.Transform("phone")], seconds=10.0,
                          progress=lambda label, done, total: seen.append((label, done, total)))
    assert flips.note.startswith("Judged on 10 s of the 600 s")
    assert [v.label for v in flips.versions] == [
        "Phone line (300–3400 Hz)", "Percussive part only (drums)"]
    assert seen[0] == ("Original", 1, 3) and seen[-1][1:] == (3, 3)
    assert flips.original.samples.shape == (10 * SR,)
    genres, changed = flips.genres(), flips.changed()
    assert list(genres) == ["Original", *(v.label for v in flips.versions)]
    for label, column in genres.items():
        assert set(column) == {"knn", "ensemble", "gate"}
        assert column["gate"] in ("music", "speech", "silence", "noise")
        if label != "Original":
            assert changed[label]["knn"] == (column["knn"] != genres["Original"]["knn"])
    assert all(flips.summary(v).startswith(v.label) for v in flips.versions)


@pytest.mark.slow
def test_what_flips_phone_recording_and_silence(knn):
    phone = Audio(make_signal("drum_pattern", sr=8000, duration=5.0), sr=8000)
    flips = tr.what_flips(phone, knn, [tr.Transform("pitch", 3), tr.Transform("noise", 0)])
    assert flips.note == "" and all(v.result is not None for v in flips.versions)
    quiet = Audio(np.zeros(3 * SR, np.float32), sr=SR)
    flips = tr.what_flips(quiet, knn, [tr.Transform("noise", 10)])
    (v,) = flips.versions
    assert v.result is None and "silent" in v.error
    assert flips.changed()[v.label] == {"knn": False, "ensemble": False, "gate": False}
    assert "could not be made" in flips.summary(v)
    assert flips.original.result.content.kind == "silence"


def test_what_flips_bad_input():
    with pytest.raises(ParameterError, match="Audio"):
        tr.what_flips(np.zeros(10), {"knn": object()}, [])
    with pytest.raises(ParameterError, match="empty"):
        tr.what_flips(Audio(np.zeros(0, np.float32), sr=SR), {"knn": object()}, [])
    with pytest.raises(ParameterError, match="model"):
        tr.what_flips(Audio(np.zeros(10, np.float32), sr=SR), {}, [])
    with pytest.raises(ParameterError, match="Transform"):
        tr.what_flips(Audio(np.zeros(10, np.float32), sr=SR), {"knn": object()}, ["phone"])
