"""Known-answer tests of mgc_core.features on synthetic audio."""

from __future__ import annotations

import time

import librosa
import numpy as np
import pytest

from mgc_core import features as F
from mgc_core.audio import signals
from mgc_core.errors import ParameterError

SR = 22050


@pytest.fixture(scope="module")
def sine440():
    return signals.sine(freq=440.0, sr=SR, duration=3.0)


@pytest.fixture(scope="module")
def noise():
    return signals.white_noise(sr=SR, duration=3.0, seed=0)


@pytest.fixture(scope="module")
def clicks():
    return signals.click_track(bpm=120.0, sr=SR, duration=6.0)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(12345)


# --------------------------------------------------------------------------- window, envelope


def test_window_slices_by_seconds(sine440):
    w = F.window(sine440, sr=SR, start_s=0.5, end_s=1.5)
    assert w.shape == (SR,)
    np.testing.assert_array_equal(w, sine440[SR // 2 : SR // 2 + SR])
    assert F.window(sine440, sr=SR, start_s=2.0).shape == (SR,)


def test_window_accepts_float64_and_returns_float32(sine440):
    w = F.window(sine440.astype(np.float64), sr=SR)
    assert w.dtype == np.float32 and w.shape == sine440.shape


@pytest.mark.parametrize("n_columns", [1, 7, 1000, 2000])
def test_envelope_bounds_every_column_exactly(rng, n_columns):
    y = rng.uniform(-1, 1, 12345).astype(np.float32)
    env = F.waveform_envelope(y, sr=SR, n_columns=n_columns)
    assert len(env.times) == len(env.ymin) == len(env.ymax) <= n_columns
    k = int(round((env.times[1] - env.times[0]) * SR)) if len(env.times) > 1 else y.size
    for i in range(len(env.times)):
        col = y[i * k : (i + 1) * k]
        assert env.ymin[i] == col.min() and env.ymax[i] == col.max()
    assert (len(env.times) - 1) * k < y.size <= len(env.times) * k


def test_envelope_of_a_short_window_is_the_samples(sine440):
    env = F.waveform_envelope(sine440, sr=SR, n_columns=2000, start_s=1.0, end_s=1.05)
    w = F.window(sine440, sr=SR, start_s=1.0, end_s=1.05)
    np.testing.assert_array_equal(env.ymin, w)
    np.testing.assert_array_equal(env.ymax, w)
    np.testing.assert_allclose(env.times, 1.0 + np.arange(w.size) / SR)


def test_envelope_is_fast_for_a_ten_minute_song(rng):
    y = rng.uniform(-1, 1, 600 * SR).astype(np.float32)
    F.waveform_envelope(y, sr=SR)
    start = time.perf_counter()
    env = F.waveform_envelope(y, sr=SR, n_columns=2000)
    elapsed = time.perf_counter() - start
    assert len(env.times) == 2000
    assert elapsed < 0.2  # typically ~10 ms; generous for loaded CI machines


# --------------------------------------------------------------------------- spectrum


def test_spectrum_of_a_sine_peaks_at_its_frequency(sine440):
    freqs, db = F.spectrum(sine440, sr=SR, n_fft=4096)
    assert freqs.shape == db.shape == (2049,)
    assert freqs[-1] == SR / 2
    assert abs(freqs[np.argmax(db)] - 440.0) <= SR / 4096
    # Level relative to a full-scale sine: amplitude 0.8 -> -1.9 dB (Hann scalloping <= 1.5 dB).
    assert db.max() == pytest.approx(20 * np.log10(0.8), abs=1.5)


def test_spectrum_of_a_window_shorter_than_n_fft_is_zero_padded(sine440):
    freqs, db = F.spectrum(sine440, sr=SR, n_fft=4096, start_s=1.0, end_s=1.05)
    assert freqs.shape == (2049,)
    assert abs(freqs[np.argmax(db)] - 440.0) <= SR / 4096


def test_spectrum_uses_only_the_selected_window():
    y = np.concatenate(
        [signals.sine(freq=440.0, duration=1.0), signals.sine(freq=1000.0, duration=1.0)]
    )
    freqs, db = F.spectrum(y, sr=SR, n_fft=2048, start_s=1.1, end_s=2.0)
    assert abs(freqs[np.argmax(db)] - 1000.0) <= SR / 2048
    freqs, db = F.spectrum(y, sr=SR, n_fft=2048, end_s=0.9)
    assert abs(freqs[np.argmax(db)] - 440.0) <= SR / 2048


def test_spectrum_of_white_noise_is_flat(noise):
    freqs, db = F.spectrum(noise, sr=SR, n_fft=1024)
    band = db[(freqs > 200) & (freqs < 10000)]
    assert band.max() - band.min() < 3.0


# --------------------------------------------------------------------------- spectrograms


@pytest.mark.parametrize(("n_fft", "hop_length"), [(512, 128), (2048, 512), (4096, 4096)])
def test_stft_db_shape_and_range_follow_parameters(sine440, n_fft, hop_length):
    S = F.stft_db(sine440, sr=SR, n_fft=n_fft, hop_length=hop_length)
    assert S.shape == (1 + n_fft // 2, 1 + sine440.size // hop_length)
    assert S.dtype == np.float32
    assert S.max() == 0.0 and S.min() >= -80.0
    peak_bin = np.argmax(S[:, S.shape[1] // 2])
    assert abs(peak_bin * SR / n_fft - 440.0) <= SR / n_fft


@pytest.mark.parametrize(("n_mels", "hop_length"), [(32, 256), (128, 512)])
def test_mel_db_shape_follows_parameters(sine440, n_mels, hop_length):
    M = F.mel_db(sine440, sr=SR, n_mels=n_mels, hop_length=hop_length)
    assert M.shape == (n_mels, 1 + sine440.size // hop_length)
    assert M.max() == 0.0 and M.min() >= -80.0


def test_mel_db_puts_a_sine_in_the_band_centred_near_it(sine440):
    M = F.mel_db(sine440, sr=SR, n_mels=64, fmin=100.0, fmax=4000.0)
    centres = F.mel_frequencies(64, 100.0, 4000.0, sr=SR)
    band = np.argmax(M.mean(axis=1))
    assert abs(centres[band] - 440.0) < 0.5 * (centres[band + 1] - centres[band - 1])


def test_mel_frequencies_are_increasing_band_centres_inside_the_range():
    centres = F.mel_frequencies(40, 300.0, 8000.0, sr=SR)
    assert centres.shape == (40,)
    assert 300.0 < centres[0] and centres[-1] < 8000.0
    assert np.all(np.diff(centres) > 0)
    assert F.mel_frequencies(10)[-1] < SR / 2


def test_max_n_mels_is_the_boundary_of_what_mel_db_accepts(sine440):
    best = F.max_n_mels(sr=SR, n_fft=256)
    assert 0 < best < 128
    assert F.mel_db(sine440, sr=SR, n_fft=256, hop_length=128, n_mels=best).shape[0] == best
    with pytest.raises(ParameterError, match=f"Use n_mels <= {best}"):
        F.mel_db(sine440, sr=SR, n_fft=256, hop_length=128, n_mels=best + 1)
    assert F.max_n_mels(sr=SR, n_fft=2048) == 256


@pytest.mark.parametrize("n_mfcc", [1, 13, 40])
def test_mfcc_shape_follows_parameters(sine440, n_mfcc):
    M = F.mfcc(sine440, sr=SR, n_mfcc=n_mfcc, n_mels=64, hop_length=1024)
    assert M.shape == (n_mfcc, 1 + sine440.size // 1024)
    assert M.dtype == np.float32


def test_mfcc_deltas_stack_three_blocks(sine440):
    plain = F.mfcc(sine440, sr=SR, n_mfcc=13)
    full = F.mfcc(sine440, sr=SR, n_mfcc=13, deltas=True)
    assert full.shape == (39, plain.shape[1])
    np.testing.assert_array_equal(full[:13], plain)
    middle = slice(10, -10)  # away from the fades, a steady tone does not change
    assert np.abs(full[13:, middle]).max() < 0.05 * np.abs(plain).max()


def test_mfcc_deltas_work_on_very_short_audio():
    y = signals.sine(duration=0.1)  # 5 frames
    assert F.mfcc(y, sr=SR, n_mfcc=5, deltas=True).shape == (15, 5)


# --------------------------------------------------------------------------- harmony


def test_major_chord_chroma_peaks_at_c_e_g():
    C = F.chroma(signals.major_chord(root=261.63, duration=3.0), sr=SR)
    assert C.shape[0] == 12
    top3 = {F.PITCH_CLASSES[i] for i in np.argsort(C.mean(axis=1))[-3:]}
    assert top3 == {"C", "E", "G"}


def test_tonnetz_shape_and_range():
    y = signals.major_chord(duration=2.0)
    T = F.tonnetz(y, sr=SR, hop_length=512)
    assert T.shape == (6, 1 + y.size // 512)
    assert np.abs(T).max() <= 1.0 + 1e-6


def test_tonnetz_works_at_a_low_sample_rate():
    y = signals.major_chord(sr=8000, duration=1.0)
    assert F.tonnetz(y, sr=8000).shape[0] == 6


# --------------------------------------------------------------------------- spectral shape


def test_spectral_features_keys_and_shapes(sine440):
    f = F.spectral_features(sine440, sr=SR, n_fft=1024, hop_length=256)
    t = 1 + sine440.size // 256
    assert list(f) == ["centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms", "contrast"]
    for key in ("centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms"):
        assert f[key].shape == (t,) and np.isfinite(f[key]).all()
    assert f["contrast"].shape == (7, t) and np.isfinite(f["contrast"]).all()


def test_sine_features_have_known_values(sine440):
    f = F.spectral_features(sine440, sr=SR)
    mid = slice(10, -10)
    assert np.median(f["centroid"][mid]) == pytest.approx(440.0, rel=0.05)
    assert np.median(f["rms"][mid]) == pytest.approx(0.8 / np.sqrt(2), rel=0.02)
    assert np.median(f["zcr"][mid]) == pytest.approx(2 * 440 / SR, rel=0.05)


def test_chirp_centroid_rises():
    centroid = F.spectral_features(signals.chirp(duration=4.0), sr=SR)["centroid"]
    third = centroid.size // 3
    assert np.median(centroid[-third:]) > 4 * np.median(centroid[:third])


def test_white_noise_is_much_flatter_than_a_sine(noise, sine440):
    flat_noise = np.median(F.spectral_features(noise, sr=SR)["flatness"])
    flat_sine = np.median(F.spectral_features(sine440, sr=SR)["flatness"])
    assert flat_noise > 0.3
    assert flat_noise > 1000 * flat_sine


@pytest.mark.parametrize("rms_from", ["spectrum", "samples"])
def test_long_inputs_are_described_in_blocks_with_the_same_values(monkeypatch, rms_from):
    """The per-frame features go block by block (bounded memory): the values are those
    of one librosa call over every frame, across the blocks' edges."""
    from mgc_core.features import spectral

    monkeypatch.setattr(spectral, "_SHAPE_BLOCK", 50)  # several blocks, one ragged
    y = signals.chirp(duration=3.0) + 0.1 * signals.white_noise(duration=3.0)
    got = F.spectral_features(y, sr=SR, rms_from=rms_from, dtype=np.float64)
    mag = np.sqrt(F.stft_power(y, sr=SR))
    assert mag.shape[1] % 50 and mag.shape[1] > 100
    spec = librosa.feature
    want = {
        "centroid": spec.spectral_centroid(S=mag, sr=SR)[0],
        "bandwidth": spec.spectral_bandwidth(S=mag, sr=SR)[0],
        "rolloff": spec.spectral_rolloff(S=mag, sr=SR)[0],
        "flatness": spec.spectral_flatness(S=mag)[0],
    }
    if rms_from == "spectrum":
        want["rms"] = spec.rms(S=mag, frame_length=2048)[0]
    assert list(got) == ["centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms",
                         "contrast"]
    for name, values in want.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)


def test_contrast_works_at_low_sample_rates():
    f = F.spectral_features(signals.sine(sr=8000, duration=1.0), sr=8000, n_fft=256, hop_length=64)
    assert np.isfinite(f["contrast"]).all()


# --------------------------------------------------------------------------- precomputed inputs


@pytest.fixture(scope="module")
def chord():
    """A chord over clicks: tonal and percussive, so every feature has something to see."""
    y = signals.major_chord(sr=SR, duration=2.0) + signals.click_track(sr=SR, duration=2.0)
    return (0.5 * y).astype(np.float32)


def test_stft_power_is_the_squared_stft_magnitude(chord):
    S = F.stft_power(chord, sr=SR, n_fft=1024, hop_length=256)
    assert S.shape == (513, 1 + chord.size // 256) and S.dtype == np.float32
    D = librosa.stft(chord, n_fft=1024, hop_length=256)
    np.testing.assert_allclose(S, np.abs(D) ** 2, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize(("n_fft", "hop_length"), [(512, 256), (2048, 512)])
def test_features_of_S_are_the_features_of_y(chord, n_fft, hop_length):
    opts = {"sr": SR, "n_fft": n_fft, "hop_length": hop_length}
    mel_opts = {**opts, "n_mels": 40, "fmin": 50.0, "fmax": 8000.0}
    S = F.stft_power(chord, **opts)
    np.testing.assert_array_equal(F.stft_db(S=S, **opts), F.stft_db(chord, **opts))
    for func in (F.mel_power, F.mel_db, F.log_mel):
        np.testing.assert_array_equal(func(S=S, **mel_opts), func(chord, **mel_opts))
    np.testing.assert_array_equal(
        F.mfcc(S=S, n_mfcc=13, deltas=True, **mel_opts),
        F.mfcc(chord, n_mfcc=13, deltas=True, **mel_opts),
    )
    np.testing.assert_array_equal(F.chroma(S=S, **opts), F.chroma(chord, **opts))
    from_y = F.spectral_features(chord, **opts)
    from_S = F.spectral_features(chord, S=S, **opts)
    assert list(from_S) == list(from_y)
    for key in from_y:
        np.testing.assert_array_equal(from_S[key], from_y[key], err_msg=key)


def test_features_of_M_are_the_features_of_y(chord):
    mel_opts = {"sr": SR, "n_fft": 1024, "hop_length": 256, "n_mels": 64, "fmax": 6000.0}
    M = F.mel_power(chord, **mel_opts)
    assert M.shape == (64, 1 + chord.size // 256) and M.dtype == np.float32
    assert M.min() >= 0
    for func in (F.mel_db, F.log_mel):
        np.testing.assert_array_equal(func(M=M, sr=SR), func(chord, **mel_opts))
    np.testing.assert_array_equal(
        F.mfcc(M=M, sr=SR, n_mfcc=20, deltas=True),
        F.mfcc(chord, n_mfcc=20, deltas=True, **mel_opts),
    )
    # M's rows are its bands: the options that make mel bands are not used.
    np.testing.assert_array_equal(
        F.mfcc(M=M, sr=SR, n_mfcc=64, n_mels=20, n_fft=64), F.mfcc(M=M, sr=SR, n_mfcc=64)
    )


def test_mel_power_is_librosas_melspectrogram(chord):
    M = F.mel_power(chord, sr=SR, n_fft=1024, hop_length=256, n_mels=64)
    ref = librosa.feature.melspectrogram(y=chord, sr=SR, n_fft=1024, hop_length=256, n_mels=64)
    np.testing.assert_array_equal(M, ref)


def test_log_mel_compresses_the_mel_power(chord):
    M = F.mel_power(chord, sr=SR, n_mels=32)
    L = F.log_mel(M=M, sr=SR, gain=100.0)
    assert L.shape == M.shape and L.dtype == np.float32
    np.testing.assert_allclose(L, np.log10(1.0 + 100.0 * M), rtol=1e-6)
    assert not F.log_mel(np.zeros(SR, dtype=np.float32), sr=SR).any()  # silence is 0


def test_chroma_with_a_given_tuning_does_not_estimate_it():
    detuned = signals.sine(freq=440.0 * 2 ** (0.3 / 12), duration=2.0)  # 30 cents sharp
    fixed = F.chroma(detuned, sr=SR, tuning=0.0)
    np.testing.assert_allclose(
        fixed, librosa.feature.chroma_stft(y=detuned, sr=SR, tuning=0.0), rtol=1e-6
    )
    assert not np.allclose(fixed, F.chroma(detuned, sr=SR))  # estimated: about +0.3
    assert F.PITCH_CLASSES[int(F.chroma(detuned, sr=SR, tuning=0.3).mean(axis=1).argmax())] == "A"


def test_rms_from_the_spectrum_is_of_the_hann_windowed_frame(sine440):
    f = F.spectral_features(sine440, sr=SR, rms_from="spectrum")
    mid = slice(10, -10)
    # mean(hann ** 2) = 3 / 8: the windowed frame's RMS is sqrt(3 / 8) of the samples'.
    assert np.median(f["rms"][mid]) == pytest.approx(0.8 / np.sqrt(2) * np.sqrt(3 / 8), rel=0.02)
    S = np.abs(librosa.stft(sine440, n_fft=2048, hop_length=512))
    np.testing.assert_allclose(f["rms"], librosa.feature.rms(S=S, frame_length=2048)[0], rtol=1e-5)
    samples = F.spectral_features(sine440, sr=SR)
    for key in ("centroid", "bandwidth", "rolloff", "flatness", "zcr", "contrast"):
        np.testing.assert_array_equal(f[key], samples[key])


def test_spectral_features_of_the_first_frames_of_S(chord):
    S = F.stft_power(chord, sr=SR, n_fft=1024, hop_length=256)
    full = F.spectral_features(chord, sr=SR, n_fft=1024, hop_length=256)
    part = F.spectral_features(chord, sr=SR, S=S[:, :50], n_fft=1024, hop_length=256)
    assert part["contrast"].shape == (7, 50)
    for key in ("centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms"):
        np.testing.assert_array_equal(part[key], full[key][:50], err_msg=key)


def test_spectral_features_in_float64_round_to_the_float32_ones(chord):
    f32 = F.spectral_features(chord, sr=SR)
    f64 = F.spectral_features(chord, sr=SR, dtype=np.float64)
    for key in f32:
        assert f64[key].dtype == np.float64 and f32[key].dtype == np.float32
        np.testing.assert_array_equal(f64[key].astype(np.float32), f32[key])


# --------------------------------------------------------------------------- rhythm


def test_click_track_tempo_is_120_bpm(clicks):
    tempo, beats = F.tempo_beats(clicks, sr=SR)
    assert tempo == pytest.approx(120.0, abs=1.5)
    assert np.median(np.diff(beats)) == pytest.approx(0.5, abs=0.03)


def test_unrefined_tempo_is_librosas_frame_quantised_estimate(clicks):
    tempo, _ = F.tempo_beats(clicks, sr=SR, refine=False)
    # librosa's lag grid at hop 512 holds 117.45 and 123.05 BPM but not 120.
    assert tempo == pytest.approx(120.0, abs=3.1)


def test_drum_pattern_tempo():
    tempo, _ = F.tempo_beats(signals.drum_pattern(bpm=100.0, duration=8.0), sr=SR)
    assert tempo == pytest.approx(100.0, abs=2.0)


def test_silence_has_no_beats():
    tempo, beats = F.tempo_beats(np.zeros(2 * SR, dtype=np.float32), sr=SR)
    assert beats.size == 0 and tempo == 0.0


def test_hpss_splits_clicks_from_a_sine():
    click = signals.click_track(bpm=120.0, duration=3.0)
    tone = signals.sine(freq=440.0, duration=3.0)
    h, p = F.hpss(click + tone)
    assert h.shape == p.shape == click.shape
    assert h.dtype == p.dtype == np.float32
    assert np.corrcoef(h, tone)[0, 1] > 0.99
    assert np.corrcoef(p, click)[0, 1] > 0.8
    # The percussive part lives around the clicks (first 40 ms of each beat).
    near = np.zeros(p.size, dtype=bool)
    for t in 0.01 + 0.5 * np.arange(6):
        near[int(t * SR) - 200 : int((t + 0.04) * SR)] = True
    energy = p.astype(float) ** 2
    assert energy[near].sum() > 0.8 * energy.sum()
    np.testing.assert_allclose(h + p, click + tone, atol=1e-3)


# --------------------------------------------------------------------------- plot resolution


@pytest.mark.parametrize(
    ("seconds", "n_fft", "hop_length"),
    [(240.0, 2048, 512), (240.0, 2048, 64), (240.0, 256, 64), (600.0, 8192, 4096),
     (600.0, 8192, 64), (61.0, 1024, 512), (30.0, 2048, 256)],
)
def test_frame_grid_bounds_the_frames_by_what_a_plot_draws(seconds, n_fft, hop_length):
    n = int(seconds * SR)
    g = F.frame_grid(n, n_fft=n_fft, hop_length=hop_length)
    assert g.n_frames <= F.PLOT_FRAMES
    assert g.n_computed == 1 + n // g.hop_length
    assert g.n_frames == -(-g.n_computed // g.pool)
    # a multiple of the hop asked for, and frames still overlap by at least half
    assert g.hop_length % hop_length == 0
    assert g.hop_length <= max(hop_length, n_fft // 2)
    # the STFT work is bounded by the samples, not by a finer hop
    assert g.n_computed * n_fft <= 2 * (n + n_fft) + n_fft * F.PLOT_FRAMES


def test_frame_grid_of_a_short_window_is_exact():
    assert F.frame_grid(30 * SR, n_fft=2048, hop_length=512) == (512, 1, 1292, 1292)
    assert F.frame_grid(SR, n_fft=1024, hop_length=64) == (64, 1, 345, 345)
    # a 240-s window computes the same frames whatever the hop asked for below n_fft / 2
    assert (F.frame_grid(240 * SR, n_fft=2048, hop_length=64)
            == F.frame_grid(240 * SR, n_fft=2048, hop_length=512) == (1024, 4, 1292, 5168))


def test_frame_grid_times_are_the_centres_of_the_runs():
    g = F.frame_grid(240 * SR, n_fft=2048, hop_length=512)
    computed = F.frame_times(g.n_computed, sr=SR, hop_length=g.hop_length)
    full = g.n_computed // g.pool
    centres = computed[: full * g.pool].reshape(full, g.pool).mean(axis=1)
    np.testing.assert_allclose(g.times(sr=SR)[:full], centres)
    assert g.times(sr=SR).shape == (g.n_frames,)
    exact = F.frame_grid(SR, n_fft=2048, hop_length=512)
    np.testing.assert_allclose(exact.times(sr=SR), F.frame_times(44, sr=SR, hop_length=512))


def test_pool_frames_means_and_rms_over_runs_with_a_short_last_run():
    X = np.array([[1.0, 3.0, 5.0, 7.0, 9.0], [0.0, 0.0, 0.0, 0.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(F.pool_frames(X, pool=2), [[2, 6, 9], [0, 0, 1]])
    assert F.pool_frames(X, pool=2).dtype == np.float32
    np.testing.assert_allclose(F.pool_frames(np.array([3.0, 4.0, 5.0]), pool=2, how="rms"),
                               [np.sqrt(12.5), 5.0])
    assert F.pool_frames(X, pool=1) is X
    np.testing.assert_allclose(F.pool_frames(np.arange(6), pool=6), [2.5])


@pytest.fixture(scope="module")
def long_music():
    """240 s of music-like audio (a drum beat over a chord)."""
    y = 0.6 * signals.drum_pattern(sr=SR, duration=240.0)
    return (y + 0.4 * signals.major_chord(sr=SR, duration=240.0)).astype(np.float32)


def test_pooled_power_of_a_short_window_is_the_stft_power(chord):
    np.testing.assert_array_equal(F.pooled_power(chord, sr=SR, n_fft=1024, hop_length=256),
                                  F.stft_power(chord, sr=SR, n_fft=1024, hop_length=256))


def test_pooled_power_averages_the_power_of_runs_of_frames(long_music):
    g = F.frame_grid(long_music.size, n_fft=2048, hop_length=512)
    S = F.pooled_power(long_music, sr=SR, n_fft=2048, hop_length=512)
    assert S.shape == (1025, g.n_frames) and S.dtype == np.float32
    full = F.stft_power(long_music, sr=SR, n_fft=2048, hop_length=g.hop_length)
    np.testing.assert_allclose(S, F.pool_frames(full, pool=g.pool), rtol=1e-4,
                               atol=1e-6 * float(full.max()))


def test_pooled_power_is_the_same_whatever_its_chunks(monkeypatch, chord):
    from mgc_core.features import spectral

    y = np.tile(chord, 8)  # 16 s
    whole = F.pooled_power(y, sr=SR, n_fft=512, hop_length=128, max_frames=100)
    monkeypatch.setattr(spectral, "_CHUNK_VALUES", 3000)  # a few runs a chunk
    np.testing.assert_allclose(
        F.pooled_power(y, sr=SR, n_fft=512, hop_length=128, max_frames=100), whole, rtol=1e-5)


def test_pooled_power_keeps_a_click_between_computed_frames():
    """Every sample counts: a click shows in its column however long the window."""
    y = np.zeros(240 * SR, dtype=np.float32)
    at = 2_714_500  # 123.1 s: between the frames of hop 3584 (7 x 512), which skip samples
    y[at : at + 20] = 1.0
    g = F.frame_grid(y.size, n_fft=2048, hop_length=512)
    S = F.pooled_power(y, sr=SR, n_fft=2048, hop_length=512)
    loud = np.flatnonzero(S.sum(axis=0) > 0)
    assert loud.size and np.all(np.abs(g.times(sr=SR)[loud] - at / SR) < 0.3)


def test_features_of_pooled_power_describe_the_runs(long_music):
    g = F.frame_grid(long_music.size, n_fft=2048, hop_length=512)
    S = F.pooled_power(long_music, sr=SR)
    f = F.spectral_features(long_music, sr=SR, S=S, hop_length=g.hop_length, pool=g.pool)
    assert {k: v.shape[-1] for k, v in f.items()} == dict.fromkeys(f, g.n_frames)
    rms = F.pool_frames(librosa.feature.rms(y=long_music, hop_length=g.hop_length)[0],
                        pool=g.pool, how="rms")
    np.testing.assert_allclose(f["rms"], rms, rtol=1e-5)
    zcr = librosa.feature.zero_crossing_rate(long_music, frame_length=2048,
                                             hop_length=g.hop_length)[0]
    np.testing.assert_allclose(f["zcr"], F.pool_frames(zcr, pool=g.pool), rtol=1e-5)
    # without S, the same
    again = F.spectral_features(long_music[: 20 * SR], sr=SR, hop_length=1024, pool=4)
    first = F.spectral_features(long_music[: 20 * SR], sr=SR, hop_length=1024, pool=4,
                                S=F.pool_frames(F.stft_power(long_music[: 20 * SR], sr=SR,
                                                             hop_length=1024), pool=4))
    for k in again:
        np.testing.assert_allclose(again[k], first[k], rtol=1e-5)
    C = F.chroma(S=S, sr=SR)
    assert C.shape == (12, g.n_frames)
    assert {F.PITCH_CLASSES[i] for i in np.argsort(C.mean(axis=1))[-3:]} == {"C", "E", "G"}
    assert F.mfcc(S=S, sr=SR, deltas=True).shape == (60, g.n_frames)


def test_tonnetz_grid_and_pooled_tonnetz():
    assert F.tonnetz_grid(30 * SR, hop_length=512) == (512, 1, 1292, 1292)
    # whatever the hop asked for, the constant-Q transform runs at most every 1024 samples
    g = F.tonnetz_grid(240 * SR, hop_length=64)
    assert g.hop_length == F.TONNETZ_MAX_HOP and g.n_frames <= F.PLOT_FRAMES
    y = signals.major_chord(duration=12.0)
    g = F.tonnetz_grid(y.size, hop_length=256, max_frames=100)
    T = F.tonnetz(y, sr=SR, hop_length=g.hop_length, pool=g.pool)
    assert T.shape == (6, g.n_frames) and g.pool > 1
    assert np.all(np.abs(T) <= 1.0)
    exact = F.tonnetz(y, sr=SR, hop_length=g.hop_length)
    np.testing.assert_allclose(T.mean(axis=1), exact.mean(axis=1), atol=0.05)


# --------------------------------------------------------------------------- misc


def test_frame_times_match_librosa():
    np.testing.assert_allclose(
        F.frame_times(10, sr=SR, hop_length=512),
        librosa.frames_to_time(np.arange(10), sr=SR, hop_length=512),
    )
    assert F.frame_times(0, sr=SR, hop_length=512).shape == (0,)


def test_contrast_band_edges():
    edges = F.contrast_band_edges(sr=SR)
    np.testing.assert_allclose(edges, [0, 200, 400, 800, 1600, 3200, 6400, SR / 2])


def test_warm_up_runs():
    assert F.warm_up() is None
