"""Tests of mgc_core.plotting: the figures carry the right numbers."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from mgc_core import features as F
from mgc_core import plotting as P
from mgc_core.audio import signals
from mgc_core.errors import ParameterError
from mgc_core.plotting.audio import LOG_FMIN_HZ

SR = 22050


@pytest.fixture(scope="module")
def sine440():
    return signals.sine(freq=440.0, sr=SR, duration=2.0)


@pytest.fixture(scope="module")
def env(sine440):
    return F.waveform_envelope(sine440, sr=SR, n_columns=500)


def _common_layout(fig: go.Figure) -> None:
    assert isinstance(fig, go.Figure)
    assert fig.layout.template.layout.paper_bgcolor == "white"  # plotly_white
    assert 280 <= fig.layout.height <= 360
    assert fig.layout.title.text


def test_waveform_figure_fills_between_min_and_max(env):
    fig = P.waveform_figure(env, title="Sine")
    _common_layout(fig)
    np.testing.assert_array_equal(fig.data[0].x, env.times)
    np.testing.assert_array_equal(fig.data[0].y, env.ymax)
    np.testing.assert_array_equal(fig.data[1].y, env.ymin)
    assert fig.data[1].fill == "tonexty"
    assert fig.layout.xaxis.title.text == "Time (s)"


def test_beats_figure_marks_every_beat_and_shifts_the_envelope(env):
    beats = np.array([10.5, 11.0, 11.5])
    fig = P.beats_figure(env, beats, tempo_bpm=120.0, start_s=10.0)
    assert fig.layout.title.text == "Beats (120 BPM)"
    np.testing.assert_allclose(fig.data[0].x, env.times + 10.0)
    marks = np.asarray(fig.data[-1].x, dtype=float)
    np.testing.assert_allclose(np.unique(marks[np.isfinite(marks)]), beats)
    assert fig.data[-1].yaxis == "y2"


def test_spectrum_figure_of_a_sine_peaks_at_440(sine440):
    freqs, db = F.spectrum(sine440, sr=SR)
    fig = P.spectrum_figure(freqs, db)
    _common_layout(fig)
    x, y = np.asarray(fig.data[0].x), np.asarray(fig.data[0].y)
    assert abs(x[np.argmax(y)] - 440.0) <= SR / 4096
    assert x.min() > 0 and fig.layout.xaxis.type == "log"
    assert fig.layout.xaxis.title.text == "Frequency (Hz)"


def test_spectrum_figure_crops_to_fmin_fmax(sine440):
    freqs, db = F.spectrum(sine440, sr=SR)
    fig = P.spectrum_figure(freqs, db, log_freq=False, fmin=0.0, fmax=1000.0)
    x = np.asarray(fig.data[0].x)
    assert x[0] == 0.0 and x[-1] <= 1000.0
    assert fig.layout.xaxis.type == "linear"


@pytest.mark.parametrize("y_axis", ["linear", "log"])
def test_spectrogram_figure_has_frequencies_in_hz(sine440, y_axis):
    S = F.stft_db(sine440, sr=SR, n_fft=1024, hop_length=256)
    fig = P.spectrogram_figure(S, sr=SR, hop_length=256, y_axis=y_axis, start_s=5.0, max_rows=1024)
    _common_layout(fig)
    hm = fig.data[0]
    assert isinstance(hm, go.Heatmap)
    y, z = np.asarray(hm.y), np.asarray(hm.z)
    assert z.shape == (y.size, S.shape[1])
    assert abs(y[np.argmax(z.mean(axis=1))] - 440.0) <= SR / 1024
    assert y[-1] == SR / 2
    assert (y[0] == 0.0) == (y_axis == "linear")
    assert fig.layout.yaxis.type == y_axis
    np.testing.assert_allclose(hm.x[:2], [5.0, 5.0 + 256 / SR])


def test_spectrogram_figure_crops_to_the_frequency_range(sine440):
    S = F.stft_db(sine440, sr=SR)
    fig = P.spectrogram_figure(S, sr=SR, hop_length=512, fmin=100.0, fmax=2000.0)
    y = np.asarray(fig.data[0].y)
    assert y.min() >= 100.0 and y.max() <= 2000.0


def test_mel_spectrogram_figure_uses_band_centres(sine440):
    M = F.mel_db(sine440, sr=SR, n_mels=64, fmin=50.0, fmax=8000.0)
    fig = P.spectrogram_figure(M, sr=SR, hop_length=512, y_axis="mel", fmin=50.0, fmax=8000.0)
    y = np.asarray(fig.data[0].y)
    np.testing.assert_allclose(y, F.mel_frequencies(64, 50.0, 8000.0, sr=SR))
    assert fig.layout.yaxis.type == "log"
    band = np.argmax(np.asarray(fig.data[0].z).mean(axis=1))
    assert 300.0 < y[band] < 600.0


def test_long_spectrograms_are_max_pooled_to_at_most_1500_columns():
    S = np.full((513, 25_000), -80.0, dtype=np.float32)
    S[100, 12_345] = 0.0  # a single peak must survive the pooling
    fig = P.spectrogram_figure(S, sr=SR, hop_length=512)
    z = np.asarray(fig.data[0].z)
    assert z.shape[1] <= 1500 and z.shape[0] <= 512
    assert z.max() == 0.0
    x = np.asarray(fig.data[0].x)
    assert x.size == z.shape[1] and np.all(np.diff(x) > 0)
    assert x[np.argmax(z.max(axis=0))] == pytest.approx(12_345 * 512 / SR, abs=10 * 512 / SR)


@pytest.mark.parametrize("y_axis", ["linear", "log"])
def test_tall_spectrograms_are_pooled_to_at_most_max_rows(y_axis):
    S = np.full((8193, 10), -80.0)
    S[41, 3] = 0.0  # 55 Hz at n_fft=16384
    fig = P.spectrogram_figure(S, sr=SR, hop_length=512, y_axis=y_axis, max_rows=512)
    y, z = np.asarray(fig.data[0].y), np.asarray(fig.data[0].z)
    assert z.shape[0] == y.size <= 512 and np.all(np.diff(y) > 0)
    assert z.max() == 0.0
    peak = y[np.argmax(z[:, 3])]
    if y_axis == "log":  # log-width runs keep the low rows: one bin each down there
        assert peak == pytest.approx(41 * SR / 16384)
    else:
        assert peak == pytest.approx(55.0, abs=SR / 512)


def test_mfcc_figure_rows_are_coefficients(sine440):
    M = F.mfcc(sine440, sr=SR, n_mfcc=13, deltas=True)
    fig = P.mfcc_figure(M, sr=SR, hop_length=512, start_s=1.0)
    _common_layout(fig)
    np.testing.assert_array_equal(fig.data[0].y, np.arange(39))
    np.testing.assert_allclose(np.asarray(fig.data[0].z), M, rtol=1e-6)
    assert fig.data[0].x[0] == 1.0


def test_chroma_figure_names_pitch_classes():
    C = F.chroma(signals.major_chord(duration=2.0), sr=SR)
    fig = P.chroma_figure(C, sr=SR, hop_length=512)
    _common_layout(fig)
    assert list(fig.data[0].y) == ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    z = np.asarray(fig.data[0].z)
    assert {fig.data[0].y[i] for i in np.argsort(z.mean(axis=1))[-3:]} == {"C", "E", "G"}


def test_tonnetz_and_contrast_figures_label_their_rows(sine440):
    T = F.tonnetz(sine440, sr=SR)
    fig = P.tonnetz_figure(T, sr=SR, hop_length=512)
    assert list(fig.data[0].y) == list(F.TONNETZ_LABELS)
    contrast = F.spectral_features(sine440, sr=SR)["contrast"]
    fig = P.contrast_figure(contrast, sr=SR, hop_length=512)
    assert len(fig.data[0].y) == 7
    assert fig.data[0].y[0] == "0–200 Hz" and fig.data[0].y[-1] == "6400–11025 Hz"


def test_feature_lines_figure_has_one_line_per_series(sine440):
    f = F.spectral_features(sine440, sr=SR)
    times = P.frame_times(f["centroid"].size, sr=SR, hop_length=512)
    series = {k: f[k] for k in ("centroid", "bandwidth", "rolloff")}
    fig = P.feature_lines_figure(
        times, series, title="Brightness", y_title="Frequency (Hz)", beat_times=[0.5, 1.0]
    )
    _common_layout(fig)
    assert [t.name for t in fig.data] == ["centroid", "bandwidth", "rolloff", "beats"]
    np.testing.assert_array_equal(fig.data[0].y, f["centroid"])
    np.testing.assert_array_equal(fig.data[0].x, times)
    assert fig.layout.yaxis.title.text == "Frequency (Hz)"


def test_heatmap_figure_mean_pools_signed_features():
    Z = np.tile([1.0, -1.0], (2, 2000))  # mean-pooling pairs gives zeros
    fig = P.heatmap_figure(
        Z, x=np.arange(4000) / 100, y=[0, 1], title="t", y_title="row", max_columns=2000
    )
    np.testing.assert_allclose(np.asarray(fig.data[0].z), 0.0)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: P.spectrogram_figure(np.zeros((5, 5)), sr=SR, hop_length=1, y_axis="bark"),
            "y_axis must be 'linear', 'log' or 'mel'",
        ),
        (
            lambda: P.spectrogram_figure(np.zeros(5), sr=SR, hop_length=1),
            "S_db must be a non-empty 2-D array",
        ),
        (lambda: P.chroma_figure(np.zeros((11, 5)), sr=SR, hop_length=1), "C must have 12 rows"),
        (lambda: P.spectrum_figure(np.arange(3.0), np.arange(4.0)), "same non-zero length"),
        (
            lambda: P.spectrum_figure(np.arange(3.0), np.arange(3.0), fmin=10, fmax=20),
            "No frequency of the spectrum",
        ),
        (
            lambda: P.feature_lines_figure(
                np.arange(3), {"a": np.arange(4)}, title="t", y_title="y"
            ),
            "series 'a' has shape",
        ),
        (
            lambda: P.feature_lines_figure(np.arange(3), {}, title="t", y_title="y"),
            "at least one named line",
        ),
        (
            lambda: P.heatmap_figure(
                np.zeros((2, 3)), x=np.arange(2), y=[0, 1], title="t", y_title="y"
            ),
            "one entry per column and per row",
        ),
    ],
)
def test_bad_plot_inputs_raise_parameter_error(call, fragment):
    with pytest.raises(ParameterError, match=fragment):
        call()


# --------------------------------------------------------------------------- readable axes


def test_log_frequency_axes_write_their_ticks_out_in_hz(sine440):
    freqs, db = F.spectrum(sine440, sr=SR, n_fft=8192)
    fig = P.spectrum_figure(freqs, db)
    axis = fig.layout.xaxis
    assert axis.tickmode == "array" and axis.title.text == "Frequency (Hz)"
    ticks = dict(zip(axis.tickvals, axis.ticktext, strict=True))
    assert ticks[50.0] == "50" and ticks[100.0] == "100" and ticks[1000.0] == "1k"
    assert ticks[10000.0] == "10k" and "2" not in ticks.values() and "5" not in ticks.values()
    # it starts at 20 Hz, not at the 2.7-Hz first bin of n_fft 8192
    assert np.asarray(fig.data[0].x).min() >= LOG_FMIN_HZ
    assert axis.range[0] >= np.log10(LOG_FMIN_HZ)


@pytest.mark.parametrize(("n_fft", "y_axis"), [(8192, "log"), (2048, "mel")])
def test_log_spectrograms_start_at_20_hz_with_ticks_in_hz(sine440, n_fft, y_axis):
    if y_axis == "mel":
        S, n_bins = F.mel_db(sine440, sr=SR, n_fft=n_fft, n_mels=256), 256
    else:
        S, n_bins = F.stft_db(sine440, sr=SR, n_fft=n_fft), 1 + n_fft // 2
    fig = P.spectrogram_figure(S, sr=SR, hop_length=512, y_axis=y_axis)
    y, axis = np.asarray(fig.data[0].y), fig.layout.yaxis
    assert y.min() >= LOG_FMIN_HZ and S.shape[0] == n_bins
    lo, hi = axis.range
    assert lo >= np.log10(LOG_FMIN_HZ) and hi >= np.log10(SR / 2) - 0.05
    # no part of the axis is spent below 20 Hz (at n_fft 8192, 2-20 Hz was a quarter of it)
    assert axis.type == "log" and "1k" in axis.ticktext and "100" in axis.ticktext
    z = np.asarray(fig.data[0].z)
    assert abs(y[np.argmax(z.mean(axis=1))] - 440.0) < 0.1 * 440.0


def test_a_log_axis_above_fmin_starts_at_fmin(sine440):
    S = F.stft_db(sine440, sr=SR)
    fig = P.spectrogram_figure(S, sr=SR, hop_length=512, y_axis="log", fmin=300.0)
    assert np.asarray(fig.data[0].y).min() >= 300.0
    assert fig.layout.yaxis.range[0] == pytest.approx(np.log10(300.0))


def test_beats_figure_says_when_no_beat_was_found(env):
    fig = P.beats_figure(env, np.array([]), tempo_bpm=0.0)
    assert fig.layout.title.text == "Beats (no beat found)"
    assert "0 BPM" not in fig.layout.title.text


def test_frames_averaged_for_a_long_window_sit_at_the_centre_of_their_runs():
    n = 240 * SR
    g = F.frame_grid(n, n_fft=2048, hop_length=512)
    S = np.zeros((1025, g.n_frames), dtype=np.float32)
    fig = P.spectrogram_figure(S, sr=SR, hop_length=g.step, start_s=10.0 + g.offset / SR)
    np.testing.assert_allclose(np.asarray(fig.data[0].x), 10.0 + g.times(sr=SR))
    assert np.asarray(fig.data[0].z).shape[1] == g.n_frames  # drawn as computed


# --------------------------------------------------------------------------- heatmap colours


#: The hex colours Streamlit's frontend rewrites in every chart, theme or not.
STREAMLIT_PLACEHOLDER = r"#0000(?:[0-3][0-9]|40)\b"


def test_heatmaps_spell_no_colour_that_streamlit_rewrites(sine440):
    """Magma's darkest is #000004, one of Streamlit's placeholders: silence turned pink."""
    import re

    S = F.stft_db(sine440, sr=SR)
    figs = [
        P.spectrogram_figure(S, sr=SR, hop_length=512, y_axis=axis) for axis in ("linear", "log")
    ] + [
        P.mfcc_figure(F.mfcc(sine440, sr=SR), sr=SR, hop_length=512),
        P.chroma_figure(F.chroma(sine440, sr=SR), sr=SR, hop_length=512),
        P.tonnetz_figure(np.zeros((6, 4)), sr=SR, hop_length=512),
        P.contrast_figure(np.zeros((7, 4)), sr=SR, hop_length=512),
        P.heatmap_figure(np.zeros((2, 2)), x=[0, 1], y=[0, 1], title="t", y_title="y",
                         colorscale="Inferno"),
    ]
    for fig in figs:
        assert not re.search(STREAMLIT_PLACEHOLDER, fig.to_json(), re.IGNORECASE), fig.layout.title
    magma = figs[0].data[0].colorscale
    assert magma[0][1] == "rgb(0, 0, 4)" and len(magma) == 10  # still Magma, black floor


def _heatmap_builders() -> set[str]:
    """Names of the plotting functions whose figures hold a heatmap."""
    import inspect

    names = set()
    for name in P.__all__:
        obj = getattr(P, name)
        if inspect.isfunction(obj):
            src = inspect.getsource(obj)
            if "go.Heatmap(" in src or "heatmap_figure(" in src:
                names.add(name)
    return names


def test_every_heatmap_the_app_shows_keeps_its_own_colours():
    """Streamlit's chart theme turns Magma's darkest colour (#000004) pink: every
    ``plotly_chart`` of a heatmap in pages/ and ui/ must pass ``theme=None``."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    builders = _heatmap_builders()
    assert {"spectrogram_figure", "mfcc_figure", "confusion_figure", "timeline_figure"} <= builders
    checked, wrong = 0, []
    for path in sorted([*root.glob("pages/*.py"), *root.glob("ui/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        made = {}  # variable -> plotting function that made it
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Attribute)):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        made[target.id] = node.value.func.attr
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "plotly_chart" and node.args):
                continue
            fig = node.args[0]
            if isinstance(fig, ast.Call) and isinstance(fig.func, ast.Attribute):
                builder = fig.func.attr
            else:
                builder = made.get(getattr(fig, "id", None))
            if builder not in builders:
                continue
            checked += 1
            theme = [k.value for k in node.keywords if k.arg == "theme"]
            if not (theme and isinstance(theme[0], ast.Constant) and theme[0].value is None):
                wrong.append(f"{path.relative_to(root)}:{node.lineno} ({builder})")
    assert not wrong, f"heatmaps shown without theme=None: {wrong}"
    assert checked >= 10  # the Audio features, Classify and Models pages' heatmaps
