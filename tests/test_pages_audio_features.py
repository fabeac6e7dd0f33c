"""AppTest runs of the Audio features page: inputs, bad input, long windows, readability."""

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


# --------------------------------------------------------------------------- resolution, progress

HEATMAPS = {"fig_spectrogram", "fig_mfcc", "fig_contrast", "fig_chroma", "fig_tonnetz"}
FRAME_FIGURES = HEATMAPS | {"fig_spectral", "fig_loudness"}


def _themes(at) -> dict[str, str]:
    """The theme each plotly chart is sent with, by widget key ("" for theme=None)."""
    return {el.proto.id.rsplit("-", 1)[-1]: el.proto.theme for el in at.get("plotly_chart")}


def _open(at, tab: str) -> None:
    at.session_state["feature_tab"] = tab
    at.run()
    assert not at.exception, (tab, at.exception)


def _music_wav(seconds: float, sr: int = 22050) -> bytes:
    from mgc_core.audio import signals

    y = 0.5 * signals.drum_pattern(sr=sr, duration=seconds)
    y = y + 0.3 * signals.major_chord(sr=sr, duration=seconds)
    buf = io.BytesIO()
    sf.write(buf, y / np.max(np.abs(y)) * 0.8, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture(scope="module")
def long_page():
    """The page on a 240-s upload, its whole length chosen as the window."""
    at = app_on(PAGE)
    at.file_uploader(key="input_upload").set_value(("long.wav", _music_wav(240.0), "audio/wav"))
    at.run()
    assert not at.exception, at.exception
    key = next(s.key for s in at.slider if s.key and s.key.startswith("window_"))
    at.slider(key=key).set_value((0.0, 240.0)).run()
    assert not at.exception, at.exception
    return at


def test_a_long_window_is_computed_at_the_plot_resolution(long_page):
    """240 s at hop 512 is 10 336 frames; the page computes and draws 1292 averaged ones."""
    at = long_page
    figs = {}
    for tab in ("Spectrogram", "MFCC", "Timbre & loudness", "Pitch & harmony"):
        _open(at, tab)
        figs.update(figures(at))
        captions = [c.value for c in at.caption]
        assert any("Computed every 186 ms to fit the plot" in c for c in captions), tab
        # the tab's progress box ends complete, naming what was computed
        boxes = [s for s in at.status if s.label.startswith("Computed")]
        assert boxes and boxes[-1].state == "complete", (tab, [s.label for s in at.status])
        assert any("short-time spectra" in md.value for md in at.markdown), tab
    for key in FRAME_FIGURES:
        trace = figs[key]["data"][0]
        x = np.asarray(trace["x"], dtype=float)
        assert x.size == 1292, key  # computed at the plot's resolution, not pooled when drawn
        assert 0.0 <= x[0] < 0.2 and 239.5 < x[-1] < 240.2, key
    assert np.asarray(figs["fig_spectrogram"]["data"][0]["z"]).shape[1] == 1292
    _open(at, "Rhythm")
    assert any("60 s or less" in m for m in messages(at, "info"))


def test_a_short_window_draws_every_frame(long_page):
    at = long_page
    key = next(s.key for s in at.slider if s.key and s.key.startswith("window_"))
    at.slider(key=key).set_value((10.0, 40.0)).run()
    _open(at, "MFCC")
    z = np.asarray(figures(at)["fig_mfcc"]["data"][0]["z"])
    assert z.shape[1] == 1 + 30 * 22050 // 512  # every frame, exactly as set
    assert any("Every frame is drawn" in c.value for c in at.caption)
    at.slider(key=key).set_value((0.0, 240.0)).run()


def test_heatmaps_are_sent_without_streamlits_theme():
    """Heatmaps keep their own look: sent with theme=None (lines keep the app's theme)."""
    at = app_on(PAGE)
    at.file_uploader(key="input_upload").set_value(("tone.wav", _wav_bytes(440.0), "audio/wav"))
    at.run()
    themes = {}
    for tab in TABS:
        _open(at, tab)
        themes.update(_themes(at))
    assert HEATMAPS <= set(themes)
    assert {k: v for k, v in themes.items() if k in HEATMAPS} == dict.fromkeys(HEATMAPS, "")
    assert themes["fig_waveform"] == "streamlit"  # lines keep the app's look


def test_heatmaps_send_no_colour_that_streamlit_rewrites():
    """Streamlit's frontend replaces #000001-#000040 in any chart, with or without its
    theme: Magma's darkest (#000004) made a 440-Hz sine's silent field pink."""
    import re

    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("sine")
    at.button(key="input_signal_go").click()
    at.run()
    specs = {}
    for tab in TABS[1:5]:
        _open(at, tab)
        specs |= {el.proto.id.rsplit("-", 1)[-1]: el.proto.spec for el in at.get("plotly_chart")}
    assert HEATMAPS <= set(specs)
    for key in HEATMAPS:
        assert not re.search(r"#0000(?:[0-3][0-9]|40)\b", specs[key], re.IGNORECASE), key
    assert "rgb(0, 0, 4)" in specs["fig_spectrogram"]  # Magma's black floor, spelled safely


def test_classroom_readability():
    at = app_on(PAGE)
    at.selectbox(key="input_signal").set_value("sine")
    at.button(key="input_signal_go").click()
    at.run()
    assert not at.exception
    # whole hertz on the frequency slider, not "11025.00"
    assert at.slider(key="freq_range").proto.format == "%.0f Hz"
    # both analysis rates are named
    assert any("22.05 kHz" in c.value and "16 kHz" in c.value for c in at.caption)
    # a log frequency axis with its ticks written out
    axis = figures(at)["fig_spectrum"]["layout"]["xaxis"]
    assert axis["type"] == "log" and "1k" in axis["ticktext"] and "100" in axis["ticktext"]
    # a sine has no beat: say so, not "0 BPM"
    _open(at, "Rhythm")
    tempo = at.metric[0]
    assert tempo.value == "no beat found"
    assert figures(at)["fig_beats"]["layout"]["title"]["text"] == "Beats (no beat found)"
