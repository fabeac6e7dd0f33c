"""The playhead's data (mgc_core/plotting/playhead.py) and its widget (ui/playhead) without a
browser: shapes and bounds, a ten-minute song, an 8 kHz phone recording, no input and
bad input. The browser half is tests/test_playhead_browser.py."""

from __future__ import annotations

import io
import time
import warnings

import numpy as np
import pytest
import soundfile as sf

from mgc_core.analysis.classify import ModelResult, Result
from mgc_core.audio import Audio
from mgc_core.audio.signals import chirp, drum_pattern
from mgc_core.errors import ParameterError
from mgc_core.genres import GENRE_COLORS, GENRES
from mgc_core.plotting.playhead import (
    ENVELOPE_COLUMNS,
    MAX_AUDIO_BYTES,
    SPEC_COLUMNS,
    SPEC_ROWS,
    envelope,
    playback_rate,
    playhead_payload,
    segment_matrix,
    spectrogram_image,
    timeline_payload,
)


def _result(duration: float, *, names=("knn", "cnn"), weights=None, seed=0) -> Result:
    rng = np.random.default_rng(seed)
    times = np.array([[t, t + 3.0] for t in np.arange(0.0, max(duration - 2.9, 0.1), 1.5)])
    models = {}
    for name in names:
        P = rng.dirichlet(np.ones(len(GENRES)), size=len(times)).astype(np.float32)
        models[name] = ModelResult(name, P.mean(axis=0), P, GENRES[0], 0.0)
    ens = np.mean([m.probabilities for m in models.values()], axis=0)
    return Result(duration, times, models, ens, 0.0, ensemble_weights=weights or {})


@pytest.fixture(scope="module")
def clip():
    return Audio(drum_pattern(sr=22050, duration=8.0), sr=22050)


@pytest.fixture(scope="module")
def payload(clip):
    return playhead_payload(clip, _result(8.0))


def _wav(data: bytes) -> tuple[np.ndarray, int]:
    y, sr = sf.read(io.BytesIO(data), dtype="float32")
    return y, sr


# --------------------------------------------------------------------------- shapes and bounds


def test_payload_shapes(payload, clip):
    assert payload["wav"][:4] == b"RIFF"
    y, sr = _wav(payload["wav"])
    assert sr == payload["rate"] == 22050 and y.ndim == 1
    assert payload["duration"] == pytest.approx(clip.duration) == y.size / sr
    assert payload["cut_s"] is None
    assert len(payload["env_min"]) == len(payload["env_max"]) <= ENVELOPE_COLUMNS
    assert all(lo <= hi for lo, hi in zip(payload["env_min"], payload["env_max"], strict=True))
    rows, cols = payload["spec_shape"]
    assert rows == SPEC_ROWS and 1 <= cols <= SPEC_COLUMNS
    assert len(payload["spec"]) == rows * cols
    assert payload["genres"] == list(GENRES)
    assert payload["colors"] == [GENRE_COLORS[g] for g in GENRES]
    assert payload["timeline"] == "ensemble"
    assert len(payload["segments"]) == len(payload["probs"]) > 0
    assert all(len(p) == len(GENRES) for p in payload["probs"])
    assert np.allclose(np.sum(payload["probs"], axis=1), 1.0, atol=1e-3)


def test_envelope_keeps_the_peaks():
    y = np.zeros(100_000, dtype=np.float32)
    y[12_345], y[67_890] = 0.9, -0.7
    lo, hi = envelope(y, columns=500)
    assert lo.shape == hi.shape == (500,)
    assert hi.max() == pytest.approx(0.9) and lo.min() == pytest.approx(-0.7)
    lo, hi = envelope(y[:10], columns=500)  # fewer samples than columns: one per sample
    assert lo.shape == (10,)


def test_spectrogram_is_bytes_with_the_low_band_first():
    sr = 22050
    low = Audio(chirp(sr=sr, duration=3.0, fmin=60.0, fmax=120.0), sr=sr)
    img = spectrogram_image(low.samples, sr=sr)
    assert img.dtype == np.uint8 and img.shape[0] == SPEC_ROWS and img.max() == 255
    assert img[: SPEC_ROWS // 4].mean() > 10 * img[SPEC_ROWS // 2 :].mean()


def test_silence_and_a_short_blip_draw_without_nan():
    p = playhead_payload(Audio(np.zeros(22050, dtype=np.float32), sr=22050))
    assert set(p["spec"]) == {0} and max(p["env_max"]) == 0.0
    p = playhead_payload(Audio(np.full(50, 0.1, dtype=np.float32), sr=22050))
    assert p["spec_shape"][1] >= 1 and len(p["env_min"]) == 50


def test_no_result_draws_no_timeline(clip):
    t = timeline_payload(None)
    assert t["segments"] == [] and t["probs"] == [] and t["timeline"] == ""
    assert playhead_payload(clip)["timeline"] == ""


def test_the_timeline_is_the_weighted_ensemble_or_one_model():
    r = _result(20.0, weights={"knn": 0.75, "cnn": 0.25})
    times, P = segment_matrix(r)
    expected = 0.75 * r.models["knn"].segment_probabilities \
        + 0.25 * r.models["cnn"].segment_probabilities
    np.testing.assert_allclose(P, expected, rtol=1e-6)
    assert times.shape == (len(P), 2)
    _, P = segment_matrix(_result(20.0))  # no weights: the plain mean
    r = _result(20.0)
    np.testing.assert_allclose(segment_matrix(r)[1], np.mean(
        [m.segment_probabilities for m in r.models.values()], axis=0), rtol=1e-6)
    _, P = segment_matrix(r, model="cnn")
    np.testing.assert_array_equal(P, r.models["cnn"].segment_probabilities)
    assert timeline_payload(r, model="cnn")["timeline"] == "cnn"


def test_segments_past_the_audio_played_are_left_out():
    t = timeline_payload(_result(60.0), duration=30.0)
    assert t["segments"] and max(s[0] for s in t["segments"]) < 30.0


# --------------------------------------------------------------------------- long, low, cut


def test_a_ten_minute_song_plays_at_8_khz_within_the_bound():
    sr = 22050
    y = np.random.default_rng(0).standard_normal(600 * sr).astype(np.float32) * 0.1
    start = time.perf_counter()
    p = playhead_payload(Audio(y, sr=sr), _result(600.0))
    seconds = time.perf_counter() - start
    assert p["rate"] == 8000 and p["cut_s"] is None
    assert len(p["wav"]) <= MAX_AUDIO_BYTES
    assert p["duration"] == pytest.approx(600.0)
    assert p["spec_shape"] == [SPEC_ROWS, SPEC_COLUMNS]
    assert len(p["env_min"]) == ENVELOPE_COLUMNS
    assert p["segments"][-1][0] < 600.0
    assert seconds < 30, f"{seconds:.1f} s for a ten-minute song"


def test_an_8_khz_phone_recording_is_never_upsampled():
    sr = 8000
    y = drum_pattern(sr=sr, duration=20.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. librosa's empty mel filters
        p = playhead_payload(Audio(y, sr=sr), _result(20.0))
    assert p["rate"] == 8000 and p["duration"] == pytest.approx(20.0)
    assert p["spec_shape"][0] == SPEC_ROWS and max(p["spec"]) == 255
    assert playback_rate(20.0, 4000) == 4000  # below 8 kHz: kept as it is


def test_rates_step_down_with_length():
    assert playback_rate(30.0, 44100) == 22050
    assert playback_rate(30.0, 16000) == 16000
    assert playback_rate(300.0, 22050) == 16000
    assert playback_rate(450.0, 22050) == 11025
    assert playback_rate(600.0, 22050) == 8000


def test_audio_too_long_even_at_8_khz_is_cut_and_says_so():
    sr = 8000
    y = drum_pattern(sr=sr, duration=30.0)
    p = playhead_payload(Audio(y, sr=sr), _result(30.0), max_bytes=100_044)
    assert p["cut_s"] == pytest.approx(6.25) and p["duration"] == pytest.approx(6.25)
    assert len(p["wav"]) <= 100_044
    assert max(s[0] for s in p["segments"]) < 6.25


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("audio", "match"),
    [
        (np.zeros(1000, dtype=np.float32), "needs an Audio"),
        (None, "needs an Audio"),
        (Audio(np.zeros(0, dtype=np.float32), sr=22050), "mono audio with samples"),
        (Audio(np.array([0.0, np.nan, 0.1], dtype=np.float32), sr=22050), "NaN"),
    ],
)
def test_bad_audio(audio, match):
    with pytest.raises(ParameterError, match=match):
        playhead_payload(audio)


def test_bad_result_and_options(clip):
    with pytest.raises(ParameterError, match="No model 'lstm'.*'cnn', 'knn'"):
        playhead_payload(clip, _result(8.0), model="lstm")
    with pytest.raises(ParameterError, match="classification Result with segments"):
        playhead_payload(clip, object())
    r = _result(8.0)
    bad = Result(8.0, r.segment_times[:1], r.models, r.ensemble, 0.0)
    with pytest.raises(ParameterError, match=r"must have shape \(1, 10\)"):
        segment_matrix(bad)
    with pytest.raises(ParameterError, match="max_bytes"):
        playhead_payload(clip, max_bytes=1000)
    with pytest.raises(ParameterError, match="columns"):
        envelope(clip.samples, columns=0)
    with pytest.raises(ParameterError, match="rows"):
        spectrogram_image(clip.samples, sr=22050, rows=2)
    with pytest.raises(ParameterError, match="positive duration"):
        playback_rate(0.0, 22050)


# --------------------------------------------------------------------------- the widget


_WIDGET = """
import numpy as np
import streamlit as st
from mgc_core.audio import Audio
from ui.playhead import playhead

st.title("w")
which = st.session_state.get("which")
if which == "none":
    playhead(None)
elif which == "bad":
    playhead(Audio(np.zeros(8000, dtype=np.float32), sr=8000), object())
elif which == "samples":
    playhead(np.zeros(8000, dtype=np.float32))
else:
    playhead(Audio(np.zeros(8000, dtype=np.float32), sr=8000))
"""


@pytest.mark.parametrize(("which", "info", "error"),
                         [("none", "Choose some music", None),
                          ("bad", None, "classification Result"),
                          ("samples", None, "needs an Audio"),
                          ("ok", None, None)])
def test_the_widget_handles_no_input_and_bad_input(which, info, error):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(_WIDGET, default_timeout=60)
    at.session_state["which"] = which
    at.run()
    assert not at.exception, at.exception
    infos, errors = [i.value for i in at.info], [e.value for e in at.error]
    assert (info is None and not infos) or any(info in i for i in infos), infos
    assert (error is None and not errors) or any(error in e for e in errors), errors
