"""Cached feature computation for the pages.

Every function takes a key naming the samples by content, hashed by Streamlit: the
audio's content key (:attr:`mgc_core.audio.Audio.key`) for the whole clip, or a
:class:`Window` of it; the samples themselves come as an underscore argument (not
hashed: the key already identifies them). Moving a slider recomputes only what that
slider changes and never decodes the file again. ``max_entries`` keeps memory
bounded: the caches are shared by every session of the server, and the windows can be
as long as the clip (up to 600 s), so those whose entries grow with the window (the
samples, the harmonic/percussive split) or are large (the spectrograms) keep fewer.

The frame features are computed at the plot's resolution: from
:func:`mgc_core.features.pooled_power` (at most :data:`~mgc_core.features.PLOT_FRAMES`
frames, exact for short windows, averaged runs of frames for long ones; see
:func:`mgc_core.features.frame_grid`), so their size and their cost stay bounded
however long the window. The spectrogram of a window is computed once (:func:`power`)
and feeds every tab.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from mgc_core import features

__all__ = [
    "Window", "clip", "envelope", "spectrum", "power", "spectrogram", "mfcc", "spectral",
    "chroma", "tonnetz", "beats", "hpss", "resolution",
]

_ENTRIES = 24
#: For results that grow with the window, or are large: a 600-s window's samples take
#: 53 MB; a spectrogram at most 25 MB (4097 bins x 1500 frames at n_fft 8192, float32,
#: since they are computed at the plot's resolution), so 8 entries bound each of these
#: caches to a few hundred MB.
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


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def spectrum(key: Key, _y: np.ndarray, sr: int, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """Average magnitude spectrum (dB) of the window ``key`` names."""
    return features.spectrum(_y, sr=sr, n_fft=n_fft)


@st.cache_data(max_entries=_BIG_ENTRIES, show_spinner=False)
def power(key: Key, _y: np.ndarray, sr: int, n_fft: int, hop_length: int) -> np.ndarray:
    """Power spectrogram at the plot's resolution (:func:`mgc_core.features.pooled_power`)."""
    return features.pooled_power(_y, sr=sr, n_fft=n_fft, hop_length=hop_length)


@st.cache_data(max_entries=_BIG_ENTRIES, show_spinner=False)
def spectrogram(
    key: Key, _y: np.ndarray, sr: int, kind: str, n_fft: int, hop_length: int,
    n_mels: int, fmin: float, fmax: float,
) -> np.ndarray:
    """STFT (``kind="stft"``) or mel (``kind="mel"``) spectrogram in dB, from :func:`power`."""
    S = power(key, _y, sr, n_fft, hop_length)
    if kind == "mel":
        return features.mel_db(
            S=S, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax
        )
    return features.stft_db(S=S, sr=sr, n_fft=n_fft, hop_length=hop_length)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def mfcc(
    key: Key, _y: np.ndarray, sr: int, n_mfcc: int, n_fft: int, hop_length: int,
    n_mels: int, fmin: float, fmax: float, deltas: bool,
) -> np.ndarray:
    """MFCCs (optionally with deltas) of the window ``key`` names, from :func:`power`."""
    return features.mfcc(
        S=power(key, _y, sr, n_fft, hop_length), sr=sr, n_mfcc=n_mfcc, n_fft=n_fft,
        hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax, deltas=deltas,
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def spectral(key: Key, _y: np.ndarray, sr: int, n_fft: int, hop_length: int) -> dict:
    """Centroid, bandwidth, roll-off, flatness, contrast, ZCR and RMS, from :func:`power`."""
    grid = features.frame_grid(len(_y), n_fft=n_fft, hop_length=hop_length)
    return features.spectral_features(
        _y, sr=sr, S=power(key, _y, sr, n_fft, hop_length), n_fft=n_fft,
        hop_length=grid.hop_length, pool=grid.pool,
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def chroma(key: Key, _y: np.ndarray, sr: int, n_fft: int, hop_length: int) -> np.ndarray:
    """Chroma (12 × t) from :func:`power`."""
    return features.chroma(
        S=power(key, _y, sr, n_fft, hop_length), sr=sr, n_fft=n_fft, hop_length=hop_length
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def tonnetz(key: Key, _y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    """Tonnetz (6 × t) on the frames of :func:`mgc_core.features.tonnetz_grid`."""
    grid = features.tonnetz_grid(len(_y), hop_length=hop_length)
    return features.tonnetz(_y, sr=sr, hop_length=grid.hop_length, pool=grid.pool)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def beats(key: Key, _y: np.ndarray, sr: int, hop_length: int) -> tuple[float, np.ndarray]:
    """Tempo (BPM, 0 when no beat is found) and beat times (s) of the window.

    Tracked at ``max(hop_length, features.BEAT_HOP)``: a finer hop is much slower for
    the same beats, which a plot of up to 60 s (40 ms a pixel) could not show anyway.
    """
    return features.tempo_beats(_y, sr=sr, hop_length=max(hop_length, features.BEAT_HOP))


@st.cache_data(max_entries=_BIG_ENTRIES, show_spinner=False)
def hpss(key: Key, _y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The harmonic and percussive parts of the window."""
    return features.hpss(_y)


def _ms(samples: int, sr: int) -> str:
    ms = 1000 * samples / sr
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def resolution(n_samples: int, *, sr: int, n_fft: int, hop_length: int) -> str:
    """Say in plain words how finely in time the frame features of a window are computed.

    Parameters
    ----------
    n_samples : int
        Length of the window.
    sr, n_fft, hop_length : int
        The page's settings; the frames are :func:`mgc_core.features.frame_grid`'s.

    Returns
    -------
    str
        One sentence (Markdown) for a caption.

    Examples
    --------
    >>> resolution(240 * 22050, sr=22050, n_fft=2048, hop_length=512)[:51]
    'Computed every 186 ms to fit the plot: 1,292 points'
    """
    grid = features.frame_grid(n_samples, n_fft=n_fft, hop_length=hop_length)
    frame = _ms(n_fft, sr)
    if grid.pool == 1 and grid.hop_length == hop_length:
        return (f"Every frame is drawn: {grid.n_frames:,} frames of {frame}, "
                f"one every {_ms(hop_length, sr)} (the hop length).")
    asked = 1 + n_samples // hop_length
    why = (f"the hop length of {hop_length} samples would give {asked:,} frames, more than "
           f"the {features.PLOT_FRAMES:,} points a plot can show")
    if grid.pool == 1:
        return (f"Computed every {_ms(grid.step, sr)} to fit the plot: {grid.n_frames:,} "
                f"frames of {frame} ({why}).")
    return (f"Computed every {_ms(grid.step, sr)} to fit the plot: {grid.n_frames:,} points, "
            f"each the average of {grid.pool} frames of {frame} taken every "
            f"{_ms(grid.hop_length, sr)} ({why}).")
