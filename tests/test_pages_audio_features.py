"""AppTest runs of the Audio features page: no input, upload, recording, signal, GTZAN, bad input."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from _apptest import app_on, figures, messages

PAGE = "audio_features"
GTZAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"


def _wav_bytes(freq: float = 440.0, *, sr: int = 44100, seconds: float = 3.0) -> bytes:
    t = np.arange(int(sr * seconds)) / sr
    y = 0.5 * np.sin(2 * np.pi * freq * t)
    buf = io.BytesIO()
    sf.write(buf, np.stack([y, y], axis=1), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


TABS = ["Spectrum", "Spectrogram", "MFCC", "Timbre & loudness", "Pitch & harmony", "Rhythm"]


def _all_figures(at) -> dict:
    """Open every feature tab in turn (only the open tab computes) and collect its figures."""
    figs = {}
    for label in TABS:
        at.session_state["feature_tab"] = label
        at.run()
        assert not at.exception, (label, at.exception)
        figs.update(figures(at))
    at.session_state["feature_tab"] = TABS[0]
    at.run()
    return figs


def _spectrum_peak_hz(at) -> float:
    fig = figures(at)["fig_spectrum"]
    trace = fig["data"][0]
    return float(np.asarray(trace["x"])[np.argmax(np.asarray(trace["y"]))])


@pytest.fixture(autouse=True)
def _no_dataset(monkeypatch):
    monkeypatch.delenv("MGC_GTZAN_DIR", raising=False)


def test_no_input_explains_what_to_do():
    at = app_on(PAGE)
    assert not at.exception
    assert any("Choose some music" in m for m in messages(at, "info"))
    assert not figures(at)


def test_upload_shows_every_feature_plot_and_the_right_peak():
    at = app_on(PAGE)
    at.file_uploader(key="input_upload").set_value(("tone.wav", _wav_bytes(440.0), "audio/wav"))
    at.run()
    assert not at.exception, at.exception
    figs = _all_figures(at)
    expected = {
        "fig_waveform", "fig_spectrum", "fig_spectrogram", "fig_mfcc", "fig_spectral",
        "fig_loudness", "fig_contrast", "fig_chroma", "fig_tonnetz", "fig_beats",
    }
    assert expected <= set(figs)
    assert abs(_spectrum_peak_hz(at) - 440.0) < 11.0
    assert any("44.1 kHz stereo" in c.value for c in at.caption)


def test_upload_persists_across_pages_and_changing_a_control_keeps_it():
    at = app_on(PAGE)
    at.file_uploader(key="input_upload").set_value(("tone.wav", _wav_bytes(1000.0), "audio/wav"))
    at.run()
    at.switch_page("pages/classify.py").run()
    at.switch_page("pages/audio_features.py").run()
    assert not at.exception
    assert abs(_spectrum_peak_hz(at) - 1000.0) < 11.0
    at.toggle(key="spectrum_log").set_value(False).run()
    assert abs(_spectrum_peak_hz(at) - 1000.0) < 11.0


def test_recording_path_uses_the_same_bytes():
    at = app_on(PAGE)
    at.audio_input(key="input_record").set_value(
        ("recording.wav", _wav_bytes(660.0, sr=48000), "audio/wav")
    )
    at.run()
    assert not at.exception
    assert abs(_spectrum_peak_hz(at) - 660.0) < 11.0


def test_built_in_signal():
    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("sine")
    at.button(key="input_signal_go").click()
    at.run()
    assert not at.exception
    assert abs(_spectrum_peak_hz(at) - 440.0) < 11.0
    at.session_state["feature_tab"] = "Spectrogram"
    at.run()
    mel = figures(at)["fig_spectrogram"]
    assert np.asarray(mel["data"][0]["z"]).ndim == 2


def test_bad_upload_shows_an_error_and_the_page_stays_usable():
    at = app_on(PAGE)
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    at.file_uploader(key="input_upload").set_value(("song.mp3", png, "audio/mpeg"))
    at.run()
    assert not at.exception
    errors = messages(at, "error")
    assert errors and "song.mp3" in errors[0] and "PNG" in errors[0]
    # still usable: a signal can be chosen afterwards
    at.selectbox(key="input_signal").set_value("sine")
    at.button(key="input_signal_go").click()
    at.run()
    assert not messages(at, "error")
    assert "fig_spectrum" in figures(at)


def test_without_dataset_the_gtzan_tab_says_how_to_configure_one():
    at = app_on(PAGE)
    assert any("MGC_GTZAN_DIR" in m for m in messages(at, "info"))


@pytest.mark.gtzan
@pytest.mark.skipif(not GTZAN.is_dir(), reason="GTZAN not found at ../shared/data/gtzan")
def test_gtzan_clip(monkeypatch):
    monkeypatch.setenv("MGC_GTZAN_DIR", os.fspath(GTZAN))
    at = app_on(PAGE)
    at.selectbox(key="input_gtzan_genre").set_value("classical")
    at.run()
    at.selectbox(key="input_gtzan_id").set_value("classical.00000")
    at.button(key="input_gtzan_go").click()
    at.run()
    assert not at.exception
    assert not messages(at, "error")
    assert {"fig_spectrogram", "fig_chroma"} <= set(_all_figures(at))
    assert any("classical.00000" in md.value for md in at.markdown)
