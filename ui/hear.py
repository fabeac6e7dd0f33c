"""Hear the features: a "Listen to it" player beside each plot of the Audio features page.

Each function draws a toggle; when it is on, it plays the feature turned back into sound
(:mod:`mgc_core.features.sonify`) with a caption saying what one hears, in classroom
words. The sound is computed on demand and cached by content (the window's
:class:`ui.analysis.Window` key and the settings), as WAV bytes, so moving away and back
costs nothing:

- :func:`hear_mel`: audio rebuilt from the mel spectrogram with 16 bands and with more
  (the page's setting, or 128);
- :func:`hear_mfcc`: audio rebuilt from the MFCCs;
- :func:`hear_beats`: the music with a click on each beat the tracker found;
- :func:`hear_hpss`: the harmonic and the percussive parts (already computed).

Rebuilding from a spectrogram is slow (Griffin-Lim), so at most the first
:data:`~mgc_core.features.sonify.MAX_REBUILD_S` seconds of the window are rebuilt; the
caption says so when the window is longer.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mgc_core import features
from mgc_core.audio import Audio, to_wav_bytes
from mgc_core.errors import MGCError
from mgc_core.features import sonify
from ui import analysis

__all__ = ["hear_mel", "hear_mfcc", "hear_beats", "hear_hpss"]

_ENTRIES = 16
_FEW_BANDS = 16


def _wav(y: np.ndarray, sr: int) -> bytes:
    return to_wav_bytes(Audio(y, sr=sr))


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def _mel_wav(key: analysis.Key, _w: np.ndarray, sr: int, n_mels: int, n_fft: int,
             hop_length: int, fmin: float, fmax: float) -> bytes:
    return _wav(sonify.from_mel(_w, sr=sr, n_mels=n_mels, n_fft=n_fft, hop_length=hop_length,
                                fmin=fmin, fmax=fmax), sr)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def _mfcc_wav(key: analysis.Key, _w: np.ndarray, sr: int, n_mfcc: int, n_mels: int,
              n_fft: int, hop_length: int, fmin: float, fmax: float) -> bytes:
    return _wav(sonify.from_mfcc(_w, sr=sr, n_mfcc=n_mfcc, n_mels=n_mels, n_fft=n_fft,
                                 hop_length=hop_length, fmin=fmin, fmax=fmax), sr)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def _clicks_wav(key: analysis.Key, _w: np.ndarray, sr: int, beats: tuple[float, ...]) -> bytes:
    return _wav(sonify.with_beat_clicks(_w, sr=sr, beats=np.asarray(beats, dtype=float)), sr)


def _listen(key: str, label: str = "Listen to it") -> bool:
    return st.toggle(label, key=key, help="Turn the feature back into sound (computed once, "
                                          "then kept).")


def _long_note(w: np.ndarray, sr: int) -> str:
    if len(w) > sonify.MAX_REBUILD_S * sr:
        return (f" Only the first {sonify.MAX_REBUILD_S:g} s of the window are rebuilt: "
                "guessing the lost phase (Griffin-Lim) is slow.")
    return ""


def hear_mel(key: analysis.Key, w: np.ndarray, sr: int, *, n_mels: int, n_fft: int = 2048,
             hop_length: int = 512, fmin: float = 0.0, fmax: float | None = None) -> None:
    """Players of the window rebuilt from its mel spectrogram: 16 bands and ``n_mels``
    (or 128 when the page asks for 16 or fewer), beside the mel spectrogram."""
    if not _listen("hear_mel"):
        return
    fmax = sr / 2 if fmax is None else fmax
    try:
        cap = features.max_n_mels(sr=sr, n_fft=n_fft, fmin=fmin, fmax=fmax)
        few = min(_FEW_BANDS, cap)
        many = n_mels if n_mels > few else min(128, cap)
        bands = sorted({few, min(many, cap)})
        with st.spinner("Rebuilding the sound from the mel bands…"):
            sounds = {n: _mel_wav(key, w, sr, n, n_fft, hop_length, fmin, fmax) for n in bands}
    except MGCError as err:
        st.error(str(err))
        return
    for col, (n, wav) in zip(st.columns(len(sounds)), sounds.items(), strict=True):
        col.markdown(f"**From {n} mel bands**")
        col.audio(wav, format="audio/wav")
    st.caption(
        "This is what is left of the sound after it is turned into the mel spectrogram and "
        "back. A spectrogram keeps how strong each band of pitches is, moment by moment, "
        "but not the exact waveform, so a little 'phasey' blur is added when it is rebuilt. "
        f"With {bands[-1]} bands melodies are still there; with {bands[0]} bands the notes "
        "smear into broad hisses and hums and mostly the rhythm and the tone colour "
        "survive: that is all a model fed with so few bands can hear." + _long_note(w, sr))


def hear_mfcc(key: analysis.Key, w: np.ndarray, sr: int, *, n_mfcc: int, n_mels: int = 128,
              n_fft: int = 2048, hop_length: int = 512, fmin: float = 0.0,
              fmax: float | None = None) -> None:
    """A player of the window rebuilt from its ``n_mfcc`` MFCCs, beside the MFCC plot."""
    if not _listen("hear_mfcc"):
        return
    fmax = sr / 2 if fmax is None else fmax
    try:
        with st.spinner("Rebuilding the sound from the MFCCs…"):
            wav = _mfcc_wav(key, w, sr, n_mfcc, n_mels, n_fft, hop_length, fmin, fmax)
    except MGCError as err:
        st.error(str(err))
        return
    st.markdown(f"**From {n_mfcc} MFCCs**")
    st.audio(wav, format="audio/wav")
    st.caption(
        "The MFCCs keep only the broad shape of the spectrum (is the sound bright or dark, "
        "hollow or full?), not the individual notes. Rebuilt, music sounds like a whisper or "
        "a robot: the rhythm and the timbre's outline are there, the melody is gone. This "
        "is why MFCCs describe *how* something sounds better than *what* is played."
        + _long_note(w, sr))


def hear_beats(key: analysis.Key, w: np.ndarray, sr: int, beats: np.ndarray) -> None:
    """A player of the window with a click on each of ``beats`` (seconds from its start),
    beside the beat plot."""
    if not _listen("hear_beats"):
        return
    beats = np.asarray(beats, dtype=float)
    if beats.size == 0:
        st.info("No beat was found in this window, so there is nothing to click.")
        return
    try:
        with st.spinner("Mixing clicks over the music…"):
            wav = _clicks_wav(key, w, sr, tuple(float(b) for b in beats))
    except MGCError as err:
        st.error(str(err))
        return
    st.markdown("**The music with a click on each beat found**")
    st.audio(wav, format="audio/wav")
    st.caption(
        "A short click marks every beat the beat tracker found. If the clicks fall where "
        "you would tap your foot, the tempo above is right; if they drift or land between "
        "the beats, the tracker was fooled (it often is by swing, rubato or music without "
        "drums).")


def hear_hpss(harmonic: np.ndarray, percussive: np.ndarray, sr: int) -> None:
    """Players of the harmonic and the percussive parts of the window (always shown: the
    page computes the split for its status box, e.g. with :func:`ui.analysis.hpss`)."""
    left, right = st.columns(2)
    for col, part, samples in ((left, "harmonic", harmonic), (right, "percussive", percussive)):
        col.markdown(f"**{part.capitalize()} part**")
        col.audio(_wav(samples, sr), format="audio/wav")
    st.caption("Listen for what moved where: chords and melodies stay in the harmonic part, "
               "drums and plucks go to the percussive one. Added together, the two parts "
               "give back the original: nothing is lost, only sorted.")
