"""Audio features: look at the music the way the models do."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import streamlit as st

from mgc_core import features, plotting
from mgc_core.audio import Audio, to_wav_bytes
from mgc_core.errors import MGCError
from mgc_core.models import FRONTEND
from ui import analysis
from ui.explain import EXPLAIN
from ui.guards import shows_errors
from ui.input_panel import input_panel

st.title("Audio features")
st.caption(
    "Waveform, spectrum, spectrograms, MFCCs and the other classic features, each with a "
    "short explanation. Change the settings in the sidebar and the plots follow."
)

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

with st.sidebar:
    st.header("Analysis settings")
    n_fft = st.select_slider(
        "FFT size (n_fft)", [256, 512, 1024, 2048, 4096, 8192], value=2048,
        help="Samples per analysis frame. Bigger: finer frequency detail, blurrier timing.",
    )
    hop_length = st.select_slider(
        "Hop length", [h for h in (64, 128, 256, 512, 1024, 2048, 4096) if h <= n_fft],
        value=min(512, n_fft // 2),
        help="Samples between frames. Smaller: more frames, slower to compute.",
    )
    fmin, fmax = st.slider(
        "Frequency range (Hz)", 0.0, float(nyquist), (0.0, float(nyquist)), 50.0,
        format="%.0f Hz", key="freq_range",
        help="Limits the mel bands, MFCCs and the spectrum's axis.",
    )
    if fmax - fmin < 200:
        st.warning("The frequency range is narrower than 200 Hz; using the full range.")
        fmin, fmax = 0.0, float(nyquist)
    mel_cap = features.max_n_mels(sr=sr, n_fft=n_fft, fmin=fmin, fmax=fmax)
    n_mels = mel_cap if mel_cap <= 8 else st.slider(
        "Mel bands (n_mels)", 8, mel_cap, min(128, mel_cap),
        help=f"At most {mel_cap} bands fit this FFT size and frequency range "
        "(each band needs at least one FFT bin).",
    )
    n_mfcc = st.slider("MFCCs (n_mfcc)", 1, max(2, min(40, n_mels)), min(20, n_mels))

# The whole clip's waveform, with the analysed window shaded.
default_end = audio.duration if audio.duration <= 60 else 30.0
start_s, end_s = st.slider(
    "Time window to analyse (s)", 0.0, float(audio.duration), (0.0, float(default_end)), 0.1,
    key=f"window_{audio.key}",
    help="The spectrum, spectrograms and features below use this stretch of the audio.",
)
if end_s - start_s < 0.5:
    st.error("Choose a time window of at least 0.5 s.")
    st.stop()
envelope = analysis.envelope(audio.key, y, sr)
# Plotly renders a subset of HTML in titles: a file name like "<b>x.wav" must stay text.
wave_fig = plotting.waveform_figure(envelope, title=f"Waveform of {html.escape(selection.label)}")
wave_fig.add_vrect(x0=start_s, x1=end_s, fillcolor="#88CCEE", opacity=0.25, line_width=0)
st.plotly_chart(wave_fig, key="fig_waveform")
st.caption(EXPLAIN["waveform"])

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
    log_freq = st.toggle("Logarithmic frequency axis", value=True, key="spectrum_log")
    ((freqs, db),) = _computing("the spectrum", {
        "average spectrum of the window": lambda: analysis.spectrum(wkey, w, sr, n_fft),
    })
    st.plotly_chart(
        plotting.spectrum_figure(freqs, db, log_freq=log_freq, fmin=fmin, fmax=fmax),
        key="fig_spectrum",
    )
    st.caption(EXPLAIN["spectrum"])


def _spectrogram_tab() -> None:
    scale = st.segmented_control(
        "Frequency axis", ["linear", "log", "mel"], default="log", key="spec_axis",
        required=True,
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


def _mfcc_tab() -> None:
    deltas = st.toggle("Add deltas and delta-deltas", value=False, key="mfcc_deltas")
    _, M = _computing("the MFCCs", {
        SPECTRA: lambda: analysis.power(wkey, w, sr, n_fft, hop_length),
        "mel bands and cepstral coefficients": lambda: analysis.mfcc(
            wkey, w, sr, n_mfcc, n_fft, hop_length, n_mels, fmin, fmax, deltas),
    })
    st.plotly_chart(plotting.mfcc_figure(M, **frames_axis), key="fig_mfcc", theme=None)
    _resolution()
    st.caption(EXPLAIN["mfcc"])


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
    st.caption(EXPLAIN["hpss"])
    left, right = st.columns(2)
    for col, part, samples in ((left, "harmonic", harmonic), (right, "percussive", percussive)):
        col.markdown(f"**{part.capitalize()} part**")
        col.audio(to_wav_bytes(Audio(samples, sr=sr)), format="audio/wav")


SECTIONS = {
    "Spectrum": _spectrum_tab,
    "Spectrogram": _spectrogram_tab,
    "MFCC": _mfcc_tab,
    "Timbre & loudness": _timbre_tab,
    "Pitch & harmony": _harmony_tab,
    "Rhythm": _rhythm_tab,
}
# Only the open tab computes (on_change="rerun" makes each tab's .open known).
for tab, render in zip(st.tabs(list(SECTIONS), key="feature_tab", on_change="rerun"),
                       SECTIONS.values(), strict=True):
    with tab, shows_errors():
        if tab.open is not False:
            render()
