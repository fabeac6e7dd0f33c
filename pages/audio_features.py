"""Audio features: look at the music the way the models do."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import streamlit as st

from mgc_core import features, plotting
from mgc_core.errors import MGCError
from mgc_core.models import FRONTEND
from ui import analysis, state
from ui.explain import EXPLAIN
from ui.guards import shows_errors
from ui.hear import hear_beats, hear_hpss, hear_mel, hear_mfcc
from ui.input_panel import ANALYSIS_SR, input_panel
from ui.playhead import playhead

st.title("Audio features")
st.caption(
    "Waveform, spectrum, spectrograms, MFCCs and the other classic features, each with a "
    "short explanation. Change the *Analysis settings* above the plots and the plots follow."
)

# The page's settings, kept in a plain session key (Streamlit forgets the values of
# widgets a run does not draw, e.g. when another page is open) and written in the URL
# (only what differs from the defaults), so a reload or a shared link opens this view.
# The URL is read once per session; a bad value is named, and its default used.
VIEW = "features_view"
if VIEW not in st.session_state:
    st.session_state[VIEW], _problems = state.read_feature_view(
        st.query_params, nyquist=ANALYSIS_SR / 2)
    for problem in _problems:
        st.warning(problem)
view: dict = st.session_state[VIEW]

selection = input_panel()
if selection is None:
    st.info(
        "Choose some music above: upload a song, record one, pick a GTZAN clip, or try a "
        "built-in signal such as *Sine 440 Hz*."
    )
    st.stop()

audio = selection.audio
y, sr, nyquist = audio.samples, audio.sr, audio.sr / 2
st.caption(
    f"This page analyses the audio at {sr / 1000:g} kHz (frequencies up to "
    f"{nyquist / 1000:.3g} kHz); the genre models hear it at {FRONTEND.sr / 1000:g} kHz "
    f"(up to {FRONTEND.sr / 2000:g} kHz)."
)

# The whole clip's waveform, with the analysed window shaded. Each piece of music keeps
# its own window; the URL's window goes to the first music shown.
default_window = (0.0, float(audio.duration if audio.duration <= 60 else 30.0))
windows: dict = view.setdefault("windows", {})
if "window" in view:
    asked_window = view.pop("window")
    if asked_window[1] <= audio.duration:
        windows.setdefault(audio.key, asked_window)
    else:
        st.warning(f"The link's time window ends at {asked_window[1]:g} s, after the end of "
                   f"this music ({audio.duration:.1f} s); using the default window.")
window_key = f"window_{audio.key}"
state.prepare_widget(window_key, windows.get(audio.key, default_window), fix=lambda w: (
    w if 0 <= w[0] < w[1] <= audio.duration else default_window))
start_s, end_s = st.slider(
    "Time window to analyse (s)", 0.0, float(audio.duration), step=0.1, key=window_key,
    help="The spectrum, spectrograms and features below use this stretch of the audio.",
)
windows.pop(audio.key, None)
windows[audio.key] = (start_s, end_s)
while len(windows) > 16:  # the most recent pieces of music only
    windows.pop(next(iter(windows)))
if end_s - start_s < state.MIN_WINDOW_S:
    st.error(f"Choose a time window of at least {state.MIN_WINDOW_S:g} s.")
    st.stop()
envelope = analysis.envelope(audio.key, y, sr)
# Plotly renders a subset of HTML in titles: a file name like "<b>x.wav" must stay text.
wave_fig = plotting.waveform_figure(envelope, title=f"Waveform of {html.escape(selection.label)}")
wave_fig.add_vrect(x0=start_s, x1=end_s, fillcolor="#88CCEE", opacity=0.25, line_width=0)
st.plotly_chart(wave_fig, key="fig_waveform")
st.caption(EXPLAIN["waveform"])
playhead(audio, key="playhead_features")


# ------------------------------------------------------------------ analysis settings
# In the page, just above the plots (not in the sidebar, which covers a phone's screen).
# A setting that another one makes impossible (a hop longer than a smaller FFT, more mel
# bands than fit) changes to the nearest valid value, and the page says so.


def _clamp(low: int, high: int) -> Callable[[int], int]:
    return lambda n: min(max(int(n), low), high)


changes: list[str] = []
settings = st.expander("Analysis settings", icon=":material/tune:", key="fx_settings")
summary = st.empty()  # the settings in one line, for when the expander is closed
# Three columns on a wide screen; on a phone they stack, but each keeps its pair of
# sliders side by side (wrap=False), so the plots start close below the settings.
fft_col, freq_col, mel_col = settings.columns(3)
n_fft_col, hop_col = fft_col.columns(2, wrap=False)
n_mels_col, n_mfcc_col = mel_col.columns(2, wrap=False)
with n_fft_col:
    state.prepare_widget("fx_n_fft", view.get("n_fft", 2048),
                         fix=lambda n: n if n in state.FFT_SIZES else 2048)
    n_fft = st.select_slider(
        "FFT size (n_fft)", state.FFT_SIZES, key="fx_n_fft",
        help="Samples per analysis frame. Bigger: finer frequency detail, blurrier timing.",
    )
hops = [h for h in state.HOP_LENGTHS if h <= n_fft]
default_hop = min(512, n_fft // 2)
with hop_col:
    hop_length, asked_hop = state.prepare_widget(
        "fx_hop", view.get("hop", default_hop), fix=lambda h: h if h in hops else n_fft // 2)
    if hop_length != asked_hop:
        changes.append(f"Hop length changed from {asked_hop} to {hop_length} (half the FFT "
                       f"size): it cannot be longer than the FFT size of {n_fft}.")
    hop_length = st.select_slider(
        "Hop length", hops, key="fx_hop",
        help="Samples between frames. Smaller: more frames, slower to compute.",
    )
with freq_col:
    state.prepare_widget("freq_range", view.get("freq_range", (0.0, nyquist)), fix=lambda r: (
        (max(0.0, r[0]), min(nyquist, r[1])) if r[0] < nyquist and r[1] > 0 else (0.0, nyquist)))
    fmin, fmax = st.slider(
        "Frequency range (Hz)", 0.0, float(nyquist), step=50.0, format="%.0f Hz",
        key="freq_range", help="Limits the mel bands, MFCCs and the spectrum's axis.",
    )
    chosen_fmin, chosen_fmax = view["freq_range"] = fmin, fmax  # as set; used below if wide
    if fmax - fmin < 200:
        st.warning("The frequency range is narrower than 200 Hz; using the full range.")
        fmin, fmax = 0.0, float(nyquist)
mel_cap = features.max_n_mels(sr=sr, n_fft=n_fft, fmin=fmin, fmax=fmax)
with n_mels_col:
    if mel_cap <= state.MIN_MELS:
        n_mels = mel_cap
        st.caption(f"{mel_cap} mel bands: no more fit this FFT size and frequency range.")
    else:
        n_mels, asked = state.prepare_widget("fx_n_mels", view.get("n_mels", min(128, mel_cap)),
                                             fix=_clamp(state.MIN_MELS, mel_cap),
                                             bounds=mel_cap)
        if n_mels != asked:
            changes.append(f"Mel bands changed from {asked} to {n_mels}: at most {mel_cap} "
                           "fit this FFT size and frequency range.")
        n_mels = st.slider(
            "Mel bands (n_mels)", state.MIN_MELS, mel_cap, key="fx_n_mels",
            help=f"At most {mel_cap} bands fit this FFT size and frequency range "
            "(each band needs at least one FFT bin).",
        )
        view["n_mels"] = n_mels
mfcc_cap = max(2, min(state.MAX_MFCC, n_mels))
with n_mfcc_col:
    n_mfcc, asked = state.prepare_widget("fx_n_mfcc", view.get("n_mfcc", min(20, n_mels)),
                                         fix=_clamp(1, mfcc_cap), bounds=mfcc_cap)
    if n_mfcc != asked:
        changes.append(f"MFCCs changed from {asked} to {n_mfcc}: at most {mfcc_cap} with "
                       f"{n_mels} mel bands.")
    n_mfcc = st.slider("MFCCs (n_mfcc)", 1, mfcc_cap, key="fx_n_mfcc")
view.update(n_fft=n_fft, hop=hop_length, n_mfcc=n_mfcc)
for change in changes:
    settings.info(change, icon=":material/info:")
summary.caption(
    f"FFT size {n_fft} · hop {hop_length} · {fmin:.0f}–{fmax:.0f} Hz · {n_mels} mel bands · "
    f"{n_mfcc} MFCCs"
)

wkey = analysis.Window(audio.key, start_s, end_s)
w = analysis.clip(wkey, y, sr, start_s, end_s)
# The frame features are computed at the plot's resolution: every frame for a short
# window, runs of frames averaged for a long one (features.frame_grid).
grid = features.frame_grid(len(w), n_fft=n_fft, hop_length=hop_length)


def _axis(g: features.FrameGrid) -> dict:
    """Time axis of frame features on grid ``g``: frame j at ``start_s + g.times()[j]``."""
    return {"sr": sr, "hop_length": g.step, "start_s": start_s + g.offset / sr}


frames_axis = _axis(grid)
SPECTRA = "short-time spectra"


def _computing(what: str, steps: dict[str, Callable[[], Any]]) -> list[Any]:
    """Run a tab's steps under a status box that names each step while it runs."""
    results = []
    with st.status(f"Computing {what}…", expanded=False) as status:
        try:
            for i, (label, step) in enumerate(steps.items(), 1):
                status.update(label=f"Computing {what}: {label} (step {i} of {len(steps)})…")
                results.append(step())
                st.write(f"✓ {label}")
        except MGCError:
            status.update(label=f"Could not compute {what}", state="error")
            raise
        status.update(label=f"Computed {what}", state="complete")
    return results


def _resolution() -> None:
    st.caption(analysis.resolution(len(w), sr=sr, n_fft=n_fft, hop_length=hop_length))


def _spectrum_tab() -> None:
    state.prepare_widget("spectrum_log", view.get("spectrum_log", True))
    log_freq = view["spectrum_log"] = st.toggle("Logarithmic frequency axis", key="spectrum_log")
    ((freqs, db),) = _computing("the spectrum", {
        "average spectrum of the window": lambda: analysis.spectrum(wkey, w, sr, n_fft),
    })
    st.plotly_chart(
        plotting.spectrum_figure(freqs, db, log_freq=log_freq, fmin=fmin, fmax=fmax),
        key="fig_spectrum",
    )
    st.caption(EXPLAIN["spectrum"])


def _spectrogram_tab() -> None:
    state.prepare_widget("spec_axis", view.get("axis", "log"))
    scale = view["axis"] = st.segmented_control(
        "Frequency axis", state.SPECTROGRAM_AXES, key="spec_axis", required=True,
    )
    kind = "mel" if scale == "mel" else "stft"
    _, S = _computing("the spectrogram", {
        SPECTRA: lambda: analysis.power(wkey, w, sr, n_fft, hop_length),
        "mel bands in dB" if kind == "mel" else "levels in dB": lambda: analysis.spectrogram(
            wkey, w, sr, kind, n_fft, hop_length, n_mels, fmin, fmax),
    })
    st.plotly_chart(
        plotting.spectrogram_figure(
            S, y_axis=scale, fmin=fmin, fmax=fmax, **frames_axis,
            title=f"{'Mel s' if kind == 'mel' else 'S'}pectrogram ({scale})",
        ),
        key="fig_spectrogram", theme=None,
    )
    _resolution()
    st.caption(EXPLAIN["mel" if kind == "mel" else "stft"])
    hear_mel(wkey, w, sr, n_mels=n_mels, n_fft=n_fft, hop_length=hop_length, fmin=fmin,
             fmax=fmax)


def _mfcc_tab() -> None:
    state.prepare_widget("mfcc_deltas", view.get("deltas", False))
    deltas = view["deltas"] = st.toggle("Add deltas and delta-deltas", key="mfcc_deltas")
    _, M = _computing("the MFCCs", {
        SPECTRA: lambda: analysis.power(wkey, w, sr, n_fft, hop_length),
        "mel bands and cepstral coefficients": lambda: analysis.mfcc(
            wkey, w, sr, n_mfcc, n_fft, hop_length, n_mels, fmin, fmax, deltas),
    })
    st.plotly_chart(plotting.mfcc_figure(M, **frames_axis), key="fig_mfcc", theme=None)
    _resolution()
    st.caption(EXPLAIN["mfcc"])
    hear_mfcc(wkey, w, sr, n_mfcc=n_mfcc, n_mels=n_mels, n_fft=n_fft, hop_length=hop_length,
              fmin=fmin, fmax=fmax)


def _timbre_tab() -> None:
    _, sf = _computing("the timbre and loudness features", {
        SPECTRA: lambda: analysis.power(wkey, w, sr, n_fft, hop_length),
        "centroid, bandwidth, roll-off, flatness, contrast, loudness, zero crossings":
            lambda: analysis.spectral(wkey, w, sr, n_fft, hop_length),
    })
    times = start_s + grid.times(sr=sr)
    st.plotly_chart(
        plotting.feature_lines_figure(
            times, {k: sf[k] for k in ("centroid", "bandwidth", "rolloff")},
            title="Brightness: spectral centroid, bandwidth and roll-off", y_title="Hz",
        ),
        key="fig_spectral",
    )
    st.caption(EXPLAIN["spectral"])
    st.plotly_chart(
        plotting.feature_lines_figure(
            times, {k: sf[k] for k in ("rms", "zcr", "flatness")},
            title="Loudness (RMS), zero-crossing rate and flatness", y_title="value",
        ),
        key="fig_loudness",
    )
    st.caption(EXPLAIN["loudness"])
    st.plotly_chart(
        plotting.contrast_figure(sf["contrast"], **frames_axis), key="fig_contrast", theme=None
    )
    _resolution()
    st.caption(EXPLAIN["contrast"])


def _harmony_tab() -> None:
    _, C, T = _computing("pitch and harmony", {
        SPECTRA: lambda: analysis.power(wkey, w, sr, n_fft, hop_length),
        "chroma": lambda: analysis.chroma(wkey, w, sr, n_fft, hop_length),
        "tonnetz (constant-Q transform)": lambda: analysis.tonnetz(wkey, w, sr, hop_length),
    })
    st.plotly_chart(plotting.chroma_figure(C, **frames_axis), key="fig_chroma", theme=None)
    _resolution()
    st.caption(EXPLAIN["chroma"])
    t_grid = features.tonnetz_grid(len(w), hop_length=hop_length)
    st.plotly_chart(plotting.tonnetz_figure(T, **_axis(t_grid)), key="fig_tonnetz", theme=None)
    if t_grid.step != grid.step:
        st.caption(f"The tonnetz is computed every {1000 * t_grid.step / sr:.0f} ms "
                   "(its constant-Q transform would be slow at a finer hop).")
    st.caption(EXPLAIN["tonnetz"])


def _rhythm_tab() -> None:
    if end_s - start_s > 60:
        st.info("Tempo and the harmonic/percussive split need a window of 60 s or less.")
        return
    (tempo, beats), (harmonic, percussive), env = _computing("the rhythm", {
        "tempo and beats": lambda: analysis.beats(wkey, w, sr, hop_length),
        "harmonic/percussive split": lambda: analysis.hpss(wkey, w),
        "waveform outline": lambda: analysis.envelope(wkey, w, sr),
    })
    found = tempo > 0 and beats.size > 0
    st.metric("Estimated tempo", f"{tempo:.0f} BPM" if found else "no beat found",
              help="Beats per minute." if found else
              "No steady pulse was found in this window (a held note, silence, speech).")
    st.plotly_chart(
        plotting.beats_figure(env, beats + start_s, tempo_bpm=tempo, start_s=start_s),
        key="fig_beats",
    )
    st.caption(EXPLAIN["rhythm"])
    hear_beats(wkey, w, sr, beats)
    st.caption(EXPLAIN["hpss"])
    hear_hpss(harmonic, percussive, sr)


SECTIONS = dict(zip(state.FEATURE_TABS.values(), (
    _spectrum_tab, _spectrogram_tab, _mfcc_tab, _timbre_tab, _harmony_tab, _rhythm_tab,
), strict=True))
# Only the open tab computes (on_change="rerun" makes each tab's .open known).
state.prepare_widget("feature_tab", view.get("tab", "Spectrum"),
                     fix=lambda t: t if t in SECTIONS else "Spectrum")
for tab, render in zip(st.tabs(list(SECTIONS), key="feature_tab", on_change="rerun"),
                       SECTIONS.values(), strict=True):
    with tab, shows_errors():
        if tab.open is not False:
            render()
view["tab"] = st.session_state["feature_tab"]

# ------------------------------------------------------------------ the view in the URL
# Only what differs from the defaults, so a plain visit keeps a plain URL.
_slugs = {label: slug for slug, label in state.FEATURE_TABS.items()}
_window = (start_s, end_s) != default_window
state.update_query_params({
    "n_fft": str(n_fft) if n_fft != 2048 else None,
    "hop": str(hop_length) if hop_length != default_hop else None,
    "fmin": state.number_param(chosen_fmin) if chosen_fmin > 0 else None,
    "fmax": state.number_param(chosen_fmax) if chosen_fmax < nyquist else None,
    "mels": str(n_mels) if mel_cap > state.MIN_MELS and n_mels != min(128, mel_cap) else None,
    "mfcc": str(n_mfcc) if n_mfcc != min(20, n_mels) else None,
    "start": state.number_param(start_s) if _window else None,
    "end": state.number_param(end_s) if _window else None,
    "tab": _slugs[view["tab"]] if view["tab"] != "Spectrum" else None,
    "axis": view.get("axis") if view.get("axis", "log") != "log" else None,
})
