"""Where things sit in time and frequency.

Frame times, time windows, mel band centres, contrast band edges, the waveform envelope.

A frame ``i`` of a feature matrix is centred on sample ``i * hop_length``
(librosa's ``center=True``), see :func:`frame_times`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mgc_core.features._checks import (
    CONTRAST_BANDS,
    _contrast_fmin,
    _largest_n_mels,
    _validate,
)

__all__ = [
    "frame_times",
    "window",
    "mel_frequencies",
    "max_n_mels",
    "contrast_band_edges",
    "Envelope",
    "waveform_envelope",
]


# --------------------------------------------------------------------------- helpers


def frame_times(n_frames: int, *, sr: int, hop_length: int) -> np.ndarray:
    """Times (s) of the centres of the frames of a feature matrix.

    Parameters
    ----------
    n_frames : int
        Number of frames (columns), 0 or more.
    sr : int
        Sample rate in Hz.
    hop_length : int
        Samples between frames.

    Returns
    -------
    times : np.ndarray [shape=(n_frames,), dtype=float64]
        ``i * hop_length / sr``.

    Examples
    --------
    >>> frame_times(3, sr=22050, hop_length=11025)
    array([0. , 0.5, 1. ])
    """
    _validate(n_frames=n_frames, sr=sr, hop_length=hop_length)
    return np.arange(int(n_frames)) * (int(hop_length) / int(sr))


def window(
    y: np.ndarray, *, sr: int, start_s: float = 0.0, end_s: float | None = None
) -> np.ndarray:
    """The samples of ``y`` between ``start_s`` and ``end_s`` (a view, not a copy).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    start_s : float
        Start of the window in seconds, ``0 <= start_s < n / sr``.
    end_s : float or None
        End of the window in seconds, ``start_s < end_s <= n / sr``; ``None`` for
        the end of ``y``.

    Returns
    -------
    w : np.ndarray [shape=(m,), dtype=float32]
        Samples ``floor(start_s * sr + 0.5)`` up to (excluding)
        ``floor(end_s * sr + 0.5)``.

    Examples
    --------
    >>> import numpy as np
    >>> window(np.zeros(22050, dtype=np.float32), sr=22050, start_s=0.25, end_s=0.75).shape
    (11025,)
    """
    c = _validate(y=y, sr=sr, start_s=start_s, end_s=end_s)
    return c.y[c.start : c.stop]


def mel_frequencies(
    n_mels: int, fmin: float = 0.0, fmax: float | None = None, *, sr: int = 22050
) -> np.ndarray:
    """Centre frequencies (Hz) of the ``n_mels`` bands of :func:`mel_db`.

    Unlike ``librosa.mel_frequencies``, which returns ``n`` points including the
    outer edges, this returns one centre per band.

    Parameters
    ----------
    n_mels : int
        Number of mel bands, 1 to 256.
    fmin, fmax : float
        Frequency range of the filter bank in Hz; ``fmax=None`` means ``sr / 2``.
    sr : int
        Sample rate in Hz (only used to resolve ``fmax=None`` and check the range).

    Returns
    -------
    centres : np.ndarray [shape=(n_mels,)]

    Examples
    --------
    >>> mel_frequencies(4, 0.0, 8000.0).round()
    array([ 603., 1237., 2305., 4294.])
    """
    import librosa

    c = _validate(n_mels=n_mels, sr=sr, fmin=fmin, fmax=fmax)
    return librosa.mel_frequencies(int(n_mels) + 2, fmin=c.fmin, fmax=c.fmax)[1:-1]


def max_n_mels(*, sr: int, n_fft: int, fmin: float = 0.0, fmax: float | None = None) -> int:
    """The largest ``n_mels`` (at most 256) whose mel bands all contain an FFT bin.

    Use it to bound a mel-band slider: :func:`mel_db` and :func:`mfcc` refuse
    more bands than this, since the extra bands would be empty.

    Parameters
    ----------
    sr : int
        Sample rate in Hz.
    n_fft : int
        FFT size.
    fmin, fmax : float
        Frequency range in Hz; ``fmax=None`` means ``sr / 2``.

    Returns
    -------
    int
        0 if even a single band would be empty.

    Examples
    --------
    >>> max_n_mels(sr=22050, n_fft=2048)
    256
    >>> max_n_mels(sr=22050, n_fft=256)
    76
    """
    c = _validate(sr=sr, n_fft=n_fft, fmin=fmin, fmax=fmax)
    return _largest_n_mels(sr=c.sr, n_fft=int(n_fft), fmin=c.fmin, fmax=c.fmax)


def contrast_band_edges(*, sr: int) -> np.ndarray:
    """Edges (Hz) of the 7 bands of the spectral contrast in :func:`spectral_features`.

    Parameters
    ----------
    sr : int
        Sample rate in Hz.

    Returns
    -------
    edges : np.ndarray [shape=(8,)]
        Band ``k`` spans ``edges[k]`` to ``edges[k + 1]``: 0 to fmin, then six
        octaves, the last one extended to ``sr / 2``.

    Examples
    --------
    >>> contrast_band_edges(sr=22050)
    array([    0.,   200.,   400.,   800.,  1600.,  3200.,  6400., 11025.])
    """
    c = _validate(sr=sr)
    f = _contrast_fmin(c.sr)
    return np.concatenate([[0.0], f * 2.0 ** np.arange(CONTRAST_BANDS), [c.sr / 2]])


# --------------------------------------------------------------------------- waveform, spectrum


class Envelope(NamedTuple):
    """Min/max outline of a waveform, one value pair per plot column.

    Attributes
    ----------
    times : np.ndarray [shape=(m,)]
        Start time (s) of each column: column ``i`` covers samples
        ``[i * k, (i + 1) * k)`` of the window, ``k = round((times[1] - times[0]) * sr)``.
    ymin, ymax : np.ndarray [shape=(m,), dtype=float32]
        Smallest and largest sample in each column.
    """

    times: np.ndarray
    ymin: np.ndarray
    ymax: np.ndarray


def waveform_envelope(
    y: np.ndarray,
    *,
    sr: int,
    n_columns: int = 2000,
    start_s: float = 0.0,
    end_s: float | None = None,
) -> Envelope:
    """Min/max envelope of a waveform for fast plotting.

    The window is cut into at most ``n_columns`` runs of ``k = ceil(n / n_columns)``
    samples (the last run may be shorter) and each run keeps its minimum and
    maximum, so the plot shows every peak however long the audio. A window of at
    most ``n_columns`` samples is returned sample by sample.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    n_columns : int
        Most columns to return, 1 to 100000.
    start_s, end_s : float
        Window in seconds, as in :func:`window`.

    Returns
    -------
    Envelope
        ``times`` (s, absolute, starting at ``start_s``), ``ymin``, ``ymax``.

    Examples
    --------
    >>> from mgc_core.audio.signals import sine
    >>> env = waveform_envelope(sine(duration=10.0), sr=22050, n_columns=1000)
    >>> len(env.times) <= 1000, float(env.ymax.max()) <= 0.8 + 1e-6
    (True, True)
    """
    c = _validate(y=y, sr=sr, start_s=start_s, end_s=end_s, n_columns=n_columns)
    seg = c.y[c.start : c.stop]
    n = seg.size
    k = max(1, -(-n // int(n_columns)))
    full = (n // k) * k
    head = seg[:full].reshape(-1, k)
    ymin, ymax = head.min(axis=1), head.max(axis=1)
    if full < n:
        ymin = np.append(ymin, seg[full:].min())
        ymax = np.append(ymax, seg[full:].max())
    times = (c.start + k * np.arange(ymin.size)) / c.sr
    return Envelope(times, ymin, ymax)
