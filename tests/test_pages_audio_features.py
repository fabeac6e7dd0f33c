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


# --------------------------------------------------------------------------- state and links
# The settings live in the page (not the sidebar, which covers a phone's screen), outlive a
# visit to another page, and are written in the URL so that a reload or a shared link opens
# the same view; the music comes back after a reload from the server's kept music.


def _sine(at) -> None:
    at.selectbox(key="input_signal").set_value("sine")
    at.button(key="input_signal_go").click()
    at.run()
    assert not at.exception, at.exception


def _window_key(at) -> str:
    return next(s.key for s in at.slider if s.key and s.key.startswith("window_"))


def _settings(at) -> dict:
    return {
        "n_fft": at.select_slider(key="fx_n_fft").value,
        "hop": at.select_slider(key="fx_hop").value,
        "freq_range": at.slider(key="freq_range").value,
        "n_mels": at.slider(key="fx_n_mels").value,
        "n_mfcc": at.slider(key="fx_n_mfcc").value,
        "window": at.slider(key=_window_key(at)).value,
        "tab": at.session_state["feature_tab"],
    }


def _opened_from_link(params: dict[str, str]):
    """A new session (a reload, or a shared link) opening the page with these parameters."""
    from _apptest import APP, TIMEOUT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()  # the app's default page, with no parameters (as a link to /features skips)
    at.query_params.update(params)
    at.switch_page(f"pages/{PAGE}.py").run()
    return at


def test_the_settings_are_in_the_page_not_the_sidebar():
    at = app_on(PAGE)
    _sine(at)
    assert not at.sidebar.slider and not at.sidebar.select_slider
    assert at.select_slider(key="fx_n_fft").value == 2048
    assert "Analysis settings" in [e.label for e in at.expander]


def test_settings_window_and_tab_survive_a_visit_to_another_page():
    at = app_on(PAGE)
    _sine(at)
    at.select_slider(key="fx_n_fft").set_value(4096).run()
    at.select_slider(key="fx_hop").set_value(1024).run()
    at.slider(key="freq_range").set_value((100.0, 8000.0)).run()
    at.slider(key="fx_n_mels").set_value(64).run()
    at.slider(key="fx_n_mfcc").set_value(13).run()
    at.slider(key=_window_key(at)).set_value((1.0, 5.0)).run()
    _open(at, "Spectrogram")
    at.segmented_control(key="spec_axis").set_value("mel").run()
    _open(at, "MFCC")
    at.toggle(key="mfcc_deltas").set_value(True).run()
    chosen = _settings(at)
    assert chosen == {"n_fft": 4096, "hop": 1024, "freq_range": (100.0, 8000.0),
                      "n_mels": 64, "n_mfcc": 13, "window": (1.0, 5.0), "tab": "MFCC"}

    at.switch_page("pages/about.py").run()
    assert not at.exception
    at.switch_page(f"pages/{PAGE}.py").run()
    assert not at.exception, at.exception
    assert _settings(at) == chosen
    assert at.toggle(key="mfcc_deltas").value is True
    assert "fig_mfcc" in figures(at)  # the MFCC tab is open again, and computed
    assert np.asarray(figures(at)["fig_mfcc"]["data"][0]["z"]).shape[0] == 3 * 13
    _open(at, "Spectrogram")
    assert at.segmented_control(key="spec_axis").value == "mel"


def test_changing_n_fft_keeps_the_hop_length_when_it_still_fits():
    at = app_on(PAGE)
    _sine(at)
    at.select_slider(key="fx_hop").set_value(256).run()
    for n_fft in (4096, 512, 8192, 256):
        at.select_slider(key="fx_n_fft").set_value(n_fft).run()
        assert at.select_slider(key="fx_hop").value == 256, n_fft
    assert not [m for m in messages(at, "info") if "Hop length" in m]


def test_when_the_hop_length_must_change_the_page_says_so():
    at = app_on(PAGE)
    _sine(at)
    at.select_slider(key="fx_n_fft").set_value(8192).run()
    at.select_slider(key="fx_hop").set_value(4096).run()
    at.select_slider(key="fx_n_fft").set_value(1024).run()
    assert at.select_slider(key="fx_hop").value == 512
    said = [m for m in messages(at, "info") if "Hop length" in m]
    assert said == ["Hop length changed from 4096 to 512 (half the FFT size): it cannot be "
                    "longer than the FFT size of 1024."]
    at.run()  # said once, when it happened
    assert not [m for m in messages(at, "info") if "Hop length" in m]
    assert at.select_slider(key="fx_hop").value == 512


def test_mel_bands_that_no_longer_fit_are_lowered_and_the_page_says_so():
    at = app_on(PAGE)
    _sine(at)
    at.slider(key="fx_n_mels").set_value(60).run()
    at.select_slider(key="fx_n_fft").set_value(512).run()  # still fits: kept
    assert at.slider(key="fx_n_mels").value == 60
    at.select_slider(key="fx_n_fft").set_value(2048).run()
    at.slider(key="fx_n_mels").set_value(200).run()
    at.select_slider(key="fx_n_fft").set_value(256).run()
    cap = at.slider(key="fx_n_mels").proto.max
    assert at.slider(key="fx_n_mels").value == cap < 200
    assert any(f"Mel bands changed from 200 to {cap:g}" in m for m in messages(at, "info"))


def test_the_url_holds_what_differs_from_the_defaults():
    at = app_on(PAGE)
    _sine(at)
    assert set(at.query_params) == {"music"}  # the defaults make a plain URL
    at.select_slider(key="fx_n_fft").set_value(4096).run()
    at.slider(key=_window_key(at)).set_value((1.5, 6.0)).run()
    _open(at, "MFCC")
    params = dict(at.query_params)
    assert params.pop("music")
    assert params == {"n_fft": "4096", "start": "1.5", "end": "6", "tab": "mfcc"}


def test_a_link_opens_the_same_music_and_view_in_a_new_session():
    first = app_on(PAGE)
    _sine(first)
    music = first.query_params["music"]
    at = _opened_from_link({"music": music, "n_fft": "4096", "hop": "1024", "start": "1",
                            "end": "5", "tab": "mfcc", "mels": "40", "mfcc": "13",
                            "fmin": "100", "fmax": "8000", "axis": "mel"})
    assert not at.exception, at.exception
    assert not messages(at, "warning")
    assert at.session_state["selection"].label == "Sine 440 Hz"
    assert _settings(at) == {"n_fft": 4096, "hop": 1024, "freq_range": (100.0, 8000.0),
                             "n_mels": 40, "n_mfcc": 13, "window": (1.0, 5.0), "tab": "MFCC"}
    assert "fig_mfcc" in figures(at)
    _open(at, "Spectrogram")
    assert at.segmented_control(key="spec_axis").value == "mel"
    assert at.query_params["music"] == music and at.query_params["n_fft"] == "4096"


def test_bad_link_values_are_named_and_their_defaults_used():
    at = _opened_from_link({"n_fft": "3000", "hop": "abc", "tab": "nope", "start": "5",
                            "end": "2", "fmin": "-3", "mfcc": "99", "mels": "1e9",
                            "axis": "<b>x</b>", "music": "not-a-key"})
    assert not at.exception, at.exception
    warnings = messages(at, "warning")
    for name in ("n_fft", "hop", "tab", "start", "fmin", "mfcc", "mels", "axis"):
        assert any(f"The link asks for {name}=" in w for w in warnings), (name, warnings)
    assert any("`<b>x</b>`" in w for w in warnings)  # shown as code, never as markup
    assert any("no longer kept" in m for m in messages(at, "info"))
    _sine(at)  # the page works, with the defaults
    assert _settings(at) == {"n_fft": 2048, "hop": 512, "freq_range": (0.0, 11025.0),
                             "n_mels": 128, "n_mfcc": 20, "window": (0.0, 8.0),
                             "tab": "Spectrum"}
    assert set(at.query_params) == {"music"}
    assert not messages(at, "warning")  # said once, when the link was opened


def test_a_link_whose_window_is_past_the_end_of_the_music_says_so():
    first = app_on(PAGE)
    _sine(first)  # 8 s
    at = _opened_from_link({"music": first.query_params["music"], "start": "10", "end": "20"})
    assert not at.exception, at.exception
    assert any("after the end of this music" in w for w in messages(at, "warning"))
    assert at.slider(key=_window_key(at)).value == (0.0, 8.0)


def test_a_reload_brings_the_upload_back():
    first = app_on(PAGE)
    first.file_uploader(key="input_upload").set_value(
        ("tone.wav", _wav_bytes(1000.0), "audio/wav"))
    first.run()
    music = first.query_params["music"]
    assert len(music) == 32 and music != first.session_state["selection"].audio.key
    at = _opened_from_link({"music": music})
    assert not at.exception, at.exception
    assert any("tone.wav" in md.value for md in at.markdown)
    assert abs(_spectrum_peak_hz(at) - 1000.0) < 11.0
