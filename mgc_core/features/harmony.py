"""Pitch and harmony: chroma and tonnetz."""

from __future__ import annotations

import math
import warnings

import numpy as np

from mgc_core.features._checks import _validate
from mgc_core.features.grid import PLOT_FRAMES, FrameGrid, _grid, pool_frames
from mgc_core.features.spectral import _power

__all__ = [
    "PITCH_CLASSES",
    "TONNETZ_LABELS",
    "TONNETZ_MAX_HOP",
    "chroma",
    "tonnetz",
    "tonnetz_grid",
]

#: Pitch-class names, in the row order of :func:`chroma`.
PITCH_CLASSES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Row names of :func:`tonnetz`: x/y coordinates of the fifths, minor-thirds and
#: major-thirds circles.
TONNETZ_LABELS: tuple[str, ...] = ("5th x", "5th y", "m3 x", "m3 y", "M3 x", "M3 y")
#: Coarsest hop (samples) :func:`tonnetz_grid` computes the constant-Q transform at
#: before it averages frames (93 ms at 22050 Hz). Its cost grows with its frames,
#: whatever the STFT's ``n_fft`` (at hop 128 a 240-s window takes seven seconds). Its
#: filters for notes up to C#5 (554 Hz) are longer than this at 22050 Hz, so they still
#: hear every sample; the shorter ones of higher notes skip some, as they do at any hop
#: above about 270 samples (the page's default is 512).
TONNETZ_MAX_HOP = 2048


# --------------------------------------------------------------------------- harmony


def chroma(
    y: np.ndarray | None = None,
    *,
    sr: int,
    S: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    tuning: float | None = None,
) -> np.ndarray:
    """Chromagram: energy of each of the 12 pitch classes per frame (from the STFT).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio; or pass ``S`` instead.
    sr : int
        Sample rate in Hz.
    S : np.ndarray [shape=(1 + n_fft // 2, t)] or None
        Power spectrogram, from :func:`stft_power` at the same ``n_fft``, instead of ``y``.
    n_fft, hop_length
        As in :func:`stft_db`.
    tuning : float or None
        Deviation of the tuning from A440, in fractions of a semitone
        (``-0.5 <= tuning < 0.5``); ``None`` estimates it from the spectrogram.

    Returns
    -------
    C : np.ndarray [shape=(12, 1 + n // hop_length), dtype=float32]
        Rows in :data:`PITCH_CLASSES` order (C first); each frame scaled so its
        largest value is 1.

    Raises
    ------
    ParameterError
        On a bad parameter, or unless exactly one of ``y`` and ``S`` is given.

    Examples
    --------
    >>> from mgc_core.audio.signals import sine
    >>> C = chroma(sine(freq=440.0, duration=1.0), sr=22050)
    >>> PITCH_CLASSES[int(C.mean(axis=1).argmax())]
    'A'
    """
    import librosa

    c = _validate(y=y, S=S, sr=sr, n_fft=n_fft, hop_length=hop_length, tuning=tuning)
    power = _power(c, n_fft=n_fft, hop_length=hop_length)
    C = librosa.feature.chroma_stft(S=power, sr=c.sr, n_fft=int(n_fft), tuning=c.tuning)
    return C.astype(np.float32)


def tonnetz_grid(
    n_samples: int, *, hop_length: int, max_frames: int = PLOT_FRAMES
) -> FrameGrid:
    """The frames for :func:`tonnetz` in a plot of ``n_samples``: at most ``max_frames``.

    As :func:`~mgc_core.features.frame_grid`, but the hop is coarsened up to
    :data:`TONNETZ_MAX_HOP` (or ``hop_length`` when larger) whatever the FFT size,
    since the constant-Q transform has no ``n_fft``: call
    ``tonnetz(y, sr=sr, hop_length=grid.hop_length, pool=grid.pool)``. A window that
    fits is computed exactly, at ``hop_length``.

    Parameters
    ----------
    n_samples : int
        Length of the audio, 1 or more.
    hop_length : int
        The hop asked for, 1 to 16384.
    max_frames : int
        Most frames to return, 1 to 100000.

    Returns
    -------
    FrameGrid

    Examples
    --------
    >>> tonnetz_grid(240 * 22050, hop_length=128)
    FrameGrid(hop_length=2048, pool=2, n_frames=1292, n_computed=2584)
    """
    _validate(n_samples=n_samples, hop_length=hop_length, max_frames=max_frames)
    hop = int(hop_length)
    return _grid(int(n_samples), hop, max(hop, TONNETZ_MAX_HOP), int(max_frames))


def tonnetz(y: np.ndarray, *, sr: int, hop_length: int = 512, pool: int = 1) -> np.ndarray:
    """Tonal centroid features (Harte et al., 2006) from a constant-Q chromagram.

    Six coordinates per frame: the chroma vector projected onto the circles of
    fifths, minor thirds and major thirds. Below 16.8 kHz sample rate the
    constant-Q transform uses fewer than 7 octaves so it stays under ``sr / 2``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    hop_length : int
        Samples between frames, 1 to 16384.
    pool : int
        Average the constant-Q chromagram over runs of ``pool`` frames before the
        projection (1 or more), for the frames of :func:`tonnetz_grid`; 1 keeps
        every frame. Above 1 the tuning is estimated at ``hop_length`` too (librosa
        estimates it every 512 samples, whose cost would grow with the audio).

    Returns
    -------
    T : np.ndarray [shape=(6, ceil((1 + n // hop_length) / pool)), dtype=float32]
        Rows in :data:`TONNETZ_LABELS` order, values in [-1, 1].

    Examples
    --------
    >>> from mgc_core.audio.signals import major_chord
    >>> tonnetz(major_chord(duration=1.0), sr=22050).shape
    (6, 44)
    """
    import librosa

    c = _validate(y=y, sr=sr, hop_length=hop_length, pool=pool)
    c1 = librosa.note_to_hz("C1")
    n_octaves = int(max(1, min(7, math.floor(math.log2(0.45 * c.sr / c1)))))
    with warnings.catch_warnings():
        # The constant-Q transform downsamples for its low octaves, and librosa then
        # warns that its internal n_fft exceeds the downsampled length even for
        # ordinary inputs; the result is still correct.
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large", category=UserWarning)
        if int(pool) == 1:
            T = librosa.feature.tonnetz(
                y=c.y, sr=c.sr, hop_length=int(hop_length), n_octaves=n_octaves
            )
        else:
            tuning = librosa.estimate_tuning(
                y=c.y, sr=c.sr, bins_per_octave=36, hop_length=max(512, int(hop_length))
            )
            C = librosa.feature.chroma_cqt(
                y=c.y, sr=c.sr, hop_length=int(hop_length), n_octaves=n_octaves, tuning=tuning
            )
            T = librosa.feature.tonnetz(chroma=pool_frames(C, pool=int(pool)), sr=c.sr)
    return T.astype(np.float32)
