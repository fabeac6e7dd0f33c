"""Where things sit in time and frequency.

Frame times, time windows, the frame grid of a plot, mel band centres, contrast band
edges, the waveform envelope.

A frame ``i`` of a feature matrix is centred on sample ``i * hop_length``
(librosa's ``center=True``), see :func:`frame_times`. A long window summarised for
a plot has fewer frames, each the average of a run of frames: :func:`frame_grid`
says where they sit, :func:`pool_frames` averages them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.features._checks import (
    CONTRAST_BANDS,
    _contrast_fmin,
    _largest_n_mels,
    _validate,
)

__all__ = [
    "PLOT_FRAMES",
    "frame_times",
    "FrameGrid",
    "frame_grid",
    "pool_frames",
    "window",
    "mel_frequencies",
    "max_n_mels",
    "contrast_band_edges",
    "Envelope",
    "waveform_envelope",
]


#: Most frames a feature plot needs: :mod:`mgc_core.plotting` draws at most 1500 columns
#: (its ``MAX_COLUMNS``), about the width of a wide screen in pixels.
PLOT_FRAMES = 1500


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


class FrameGrid(NamedTuple):
    """Where the frames of a window's features sit when they are summarised for a plot.

    The STFT frames are computed every ``hop_length`` samples, then averaged in runs
    of ``pool`` frames; returned frame ``j`` is the average of computed frames
    ``j * pool`` to ``(j + 1) * pool - 1`` (the last run may be shorter).

    Attributes
    ----------
    hop_length : int
        Samples between the frames computed: the hop asked for, or a multiple of it
        no larger than half the FFT size, so that frames still overlap.
    pool : int
        Computed frames averaged into each returned frame; 1 when none are.
    n_frames : int
        Frames returned, ``ceil(n_computed / pool)``.
    n_computed : int
        Frames computed, ``1 + n_samples // hop_length``.

    Examples
    --------
    >>> g = frame_grid(240 * 22050, n_fft=2048, hop_length=512)
    >>> g.hop_length, g.pool, g.n_frames, round(1000 * g.step / 22050)
    (1024, 4, 1292, 186)
    """

    hop_length: int
    pool: int
    n_frames: int
    n_computed: int

    @property
    def step(self) -> int:
        """Samples between returned frames, ``hop_length * pool``."""
        return self.hop_length * self.pool

    @property
    def offset(self) -> float:
        """Sample at which returned frame 0 is centred: the middle of its run."""
        return (self.pool - 1) * self.hop_length / 2

    def times(self, *, sr: int) -> np.ndarray:
        """Times (s) of the returned frames: ``(offset + j * step) / sr``.

        The centre of each run of frames; for ``pool == 1``, :func:`frame_times`.

        Parameters
        ----------
        sr : int
            Sample rate in Hz.

        Returns
        -------
        times : np.ndarray [shape=(n_frames,), dtype=float64]
        """
        c = _validate(sr=sr)
        return (self.offset + self.step * np.arange(self.n_frames)) / c.sr


def frame_grid(
    n_samples: int, *, n_fft: int, hop_length: int, max_frames: int = PLOT_FRAMES
) -> FrameGrid:
    """The frames to compute for a plot of ``n_samples``: at most ``max_frames`` of them.

    A window whose ``1 + n_samples // hop_length`` frames fit in ``max_frames`` is
    computed exactly as asked (``pool == 1``). A longer one is computed at a coarser
    hop, a multiple of ``hop_length`` up to ``n_fft // 2`` (so every sample still
    falls in a frame), and its frames are then averaged in runs of ``pool``: the plot
    gets at most ``max_frames`` frames, each summarising every sample of its stretch
    (Welch's method), and the work no longer grows with a smaller ``hop_length``.

    Parameters
    ----------
    n_samples : int
        Length of the audio, 1 or more.
    n_fft : int
        FFT size, a power of two from 64 to 16384.
    hop_length : int
        The hop asked for, 1 to ``n_fft``.
    max_frames : int
        Most frames to return, 1 to 100000; :data:`PLOT_FRAMES` by default.

    Returns
    -------
    FrameGrid

    Raises
    ------
    ParameterError
        On a bad parameter.

    Examples
    --------
    >>> frame_grid(30 * 22050, n_fft=2048, hop_length=512)  # fits: exact
    FrameGrid(hop_length=512, pool=1, n_frames=1292, n_computed=1292)
    >>> frame_grid(30 * 22050, n_fft=2048, hop_length=256)  # hop 512 fits
    FrameGrid(hop_length=512, pool=1, n_frames=1292, n_computed=1292)
    """
    _validate(n_samples=n_samples, n_fft=n_fft, hop_length=hop_length, max_frames=max_frames)
    return _grid(int(n_samples), int(hop_length), int(n_fft) // 2, int(max_frames))


def _grid(n: int, hop: int, max_hop: int, limit: int) -> FrameGrid:
    """:func:`frame_grid` of checked values, coarsening the hop up to ``max_hop`` at most."""
    frames = 1 + n // hop
    if frames <= limit:
        return FrameGrid(hop, 1, frames, frames)
    hop *= min(-(-frames // limit), max(1, max_hop // hop))
    frames = 1 + n // hop
    pool = -(-frames // limit)
    return FrameGrid(hop, pool, -(-frames // pool), frames)


def pool_frames(X: np.ndarray, *, pool: int, how: str = "mean") -> np.ndarray:
    """Average the frames (last axis) of ``X`` in runs of ``pool``.

    Run ``j`` is frames ``j * pool`` to ``(j + 1) * pool - 1``; the last run may be
    shorter and is averaged over the frames it has. The runs of :func:`frame_grid`.

    Parameters
    ----------
    X : np.ndarray [shape=(..., t)]
        Frame-wise values (a spectrogram, a feature), real.
    pool : int
        Frames per run, 1 or more (1 returns ``X`` unchanged).
    how : {"mean", "rms"}
        ``"mean"``: the arithmetic mean, right for power and rates; ``"rms"``: the
        root of the mean square, right for RMS levels (the RMS of the run's samples).

    Returns
    -------
    pooled : np.ndarray [shape=(..., ceil(t / pool))]
        Of ``X``'s floating-point dtype (float64 for integer input).

    Raises
    ------
    ParameterError
        On a bad ``pool`` or ``how``, or an ``X`` without frames.

    Examples
    --------
    >>> import numpy as np
    >>> pool_frames(np.array([1.0, 3.0, 5.0, 7.0, 9.0]), pool=2)
    array([2., 6., 9.])
    >>> pool_frames(np.array([3.0, 4.0]), pool=2, how="rms").round(3)
    array([3.536])
    """
    _validate(pool=pool)
    if how not in ("mean", "rms"):
        raise ParameterError(f"how must be 'mean' or 'rms'; got {how!r}.")
    X = np.asarray(X)
    if X.ndim == 0 or X.shape[-1] == 0 or X.dtype.kind not in "iuf":
        raise ParameterError(
            f"X must be a real array with at least one frame on its last axis; got shape "
            f"{X.shape} and dtype {X.dtype}."
        )
    pool = int(pool)
    if pool == 1:
        return X
    t = X.shape[-1]
    starts = np.arange(0, t, pool)
    sizes = np.diff(np.append(starts, t))
    wide = X.astype(np.float64)
    if how == "rms":
        wide = wide * wide
    out = np.add.reduceat(wide, starts, axis=-1) / sizes
    if how == "rms":
        out = np.sqrt(out)
    return out.astype(X.dtype) if X.dtype.kind == "f" else out


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
