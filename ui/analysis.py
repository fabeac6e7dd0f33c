"""Cached feature computation for the pages.

Every function takes a key naming the samples by content, hashed by Streamlit: the
audio's content key (:attr:`mgc_core.audio.Audio.key`) for the whole clip, or a
:class:`Window` of it; the samples themselves come as an underscore argument (not
hashed: the key already identifies them). Moving a slider recomputes only what that
slider changes and never decodes the file again. ``max_entries`` keeps memory
bounded: the caches are shared by every session of the server, and the windows can be
as long as the clip (up to 600 s), so the three whose entries grow with the window
(the samples, the spectrogram, the harmonic/percussive split) keep fewer entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from mgc_core import features

__all__ = [
    "Window", "clip", "envelope", "spectrum", "spectrogram", "mfcc", "spectral", "harmony",
    "rhythm",
]

_ENTRIES = 24
#: For results that grow with the window: a 600-s window's samples take 53 MB and its
#: STFT in dB 106 MB (1025 bins x 25 840 frames, float32), so 8 entries bound these
#: two caches to about 1.3 GB in the worst case instead of 3.8 GB.
_BIG_ENTRIES = 8


@dataclass(frozen=True)
class Window:
    """A stretch of a clip named by content (hashable: a cache key for its samples).

    Attributes
    ----------
    audio_key : str
        The clip's content key (:attr:`mgc_core.audio.Audio.key`).
    start_s, end_s : float
        The stretch (s), exactly as chosen.

    Examples
    --------
    >>> Window("3f2a…", 0.0, 30.0) == Window("3f2a…", 0.0, 30.0)
    True
    """

    audio_key: str
    start_s: float
    end_s: float


#: What names the samples a function is given: a clip's content key, or a Window of it.
Key = str | Window


@st.cache_data(max_entries=_BIG_ENTRIES, show_spinner=False)
def clip(key: Key, _y: np.ndarray, sr: int, start_s: float, end_s: float) -> np.ndarray:
    """Return the samples between ``start_s`` and ``end_s``."""
    return features.window(_y, sr=sr, start_s=start_s, end_s=end_s)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def envelope(key: Key, _y: np.ndarray, sr: int, n_columns: int = 2000) -> features.Envelope:
    """Min/max envelope of the whole clip for a fast waveform plot."""
    return features.waveform_envelope(_y, sr=sr, n_columns=n_columns)


@st.cache_data(max_entries=_ENTRIES, show_spinner="Computing the spectrum…")
def spectrum(key: Key, _y: np.ndarray, sr: int, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """Average magnitude spectrum (dB) of the window ``key`` names."""
    return features.spectrum(_y, sr=sr, n_fft=n_fft)


@st.cache_data(max_entries=_BIG_ENTRIES, show_spinner="Computing the spectrogram…")
def spectrogram(
    key: Key, _y: np.ndarray, sr: int, kind: str, n_fft: int, hop_length: int,
    n_mels: int, fmin: float, fmax: float,
) -> np.ndarray:
    """STFT (``kind="stft"``) or mel (``kind="mel"``) spectrogram in dB."""
    if kind == "mel":
        return features.mel_db(
            _y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax
        )
    return features.stft_db(_y, sr=sr, n_fft=n_fft, hop_length=hop_length)


@st.cache_data(max_entries=_ENTRIES, show_spinner="Computing MFCCs…")
def mfcc(
    key: Key, _y: np.ndarray, sr: int, n_mfcc: int, n_fft: int, hop_length: int,
    n_mels: int, fmin: float, fmax: float, deltas: bool,
) -> np.ndarray:
    """MFCCs (optionally with deltas) of the window ``key`` names."""
    return features.mfcc(
        _y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
        fmin=fmin, fmax=fmax, deltas=deltas,
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner="Computing spectral features…")
def spectral(key: Key, _y: np.ndarray, sr: int, n_fft: int, hop_length: int) -> dict:
    """Centroid, bandwidth, roll-off, flatness, contrast, ZCR and RMS."""
    return features.spectral_features(_y, sr=sr, n_fft=n_fft, hop_length=hop_length)


@st.cache_data(max_entries=_ENTRIES, show_spinner="Computing chroma and tonnetz…")
def harmony(
    key: Key, _y: np.ndarray, sr: int, n_fft: int, hop_length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Chroma (12 × t) and tonnetz (6 × t)."""
    return (
        features.chroma(_y, sr=sr, n_fft=n_fft, hop_length=hop_length),
        features.tonnetz(_y, sr=sr, hop_length=hop_length),
    )


@st.cache_data(max_entries=_BIG_ENTRIES, show_spinner="Finding the beat…")
def rhythm(key: Key, _y: np.ndarray, sr: int, hop_length: int) -> dict:
    """Tempo, beat times and the harmonic/percussive split of the window."""
    tempo, beats = features.tempo_beats(_y, sr=sr, hop_length=hop_length)
    harmonic, percussive = features.hpss(_y)
    return {"tempo": tempo, "beats": beats, "harmonic": harmonic, "percussive": percussive}
