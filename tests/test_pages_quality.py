"""Every page that takes music, in the states people bring: a 10-s clip, a 10-minute song,
a mono 8 kHz phone recording, and bad input. The other pages with music chosen elsewhere.

AppTest, whole app; needs the bundled models for Classify (skips with the command).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from _apptest import app_on, figures, messages

from mgc_core.analysis.classify import model_path
from mgc_core.models import MODEL_NAMES

pytestmark = pytest.mark.slow
MODELS_BUNDLED = all(model_path(m).is_file() for m in MODEL_NAMES)


def _song(seconds: float, sr: int, *, seed: int = 0) -> bytes:
    """A music-like signal: a chord with a beat and some noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    chord = sum(np.sin(2 * np.pi * f * t) for f in (196.0, 246.9, 293.7)) / 3
    beat = (np.sin(2 * np.pi * 2.0 * t) > 0.95) * rng.standard_normal(t.size)
    y = (0.4 * chord + 0.3 * beat + 0.02 * rng.standard_normal(t.size)).astype(np.float32)
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


STATES = {
    "clip_10s": ("clip.wav", lambda: _song(10.0, 22050)),
    "song_10min": ("long song.wav", lambda: _song(600.0, 11025)),
    "phone_8k": ("phone.wav", lambda: _song(20.0, 8000)),
}


@pytest.fixture(autouse=True)
def _no_dataset(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)


@pytest.fixture(scope="module", params=list(STATES))
def upload(request):
    name, make = STATES[request.param]
    return request.param, name, make()


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="input_upload").set_value((name, data, "audio/wav"))
    at.run()
    assert not at.exception, at.exception
    assert not messages(at, "error"), messages(at, "error")
    return at


def test_audio_features_in_every_state(upload):
    state, name, data = upload
    at = _upload(app_on("audio_features"), name, data)
    figs = figures(at)
    assert {"fig_waveform", "fig_spectrum"} <= set(figs)
    if state == "song_10min":
        # the waveform covers the whole song; the analysed window defaults to 30 s
        assert float(np.max(figs["fig_waveform"]["data"][0]["x"])) > 590
        assert any("30" in str(s.value) for s in at.slider if s.key and "window" in s.key)
    if state == "phone_8k":
        assert any("8 kHz" in w or "8000" in w for w in messages(at, "warning")), \
            "a low original sample rate should be flagged"


@pytest.mark.skipif(not MODELS_BUNDLED, reason="run `python -m mgc_core train --gtzan DIR`")
def test_classify_in_every_state(upload):
    state, name, data = upload
    at = _upload(app_on("classify"), name, data)
    figs = figures(at)
    n_segments = np.asarray(figs["fig_timeline_transfer"]["data"][0]["z"]).shape[1]
    expected = {"clip_10s": 3, "song_10min": 200, "phone_8k": 6}[state]
    assert n_segments == expected
    assert any(h.value.startswith("Verdict:") for h in at.subheader)


@pytest.mark.parametrize("page", ["models", "dataset", "about"])
def test_pages_without_music_input_run_with_music_chosen(page):
    at = app_on("audio_features")
    at.selectbox(key="input_signal").set_value("sine")
    at.button(key="input_signal_go").click()
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert not messages(at, "error")
