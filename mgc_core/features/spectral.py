"""Spectra and spectrograms.

The average spectrum, STFT and mel spectrograms (power, dB, log-compressed),
MFCCs, and the frame-wise spectral descriptors.

Like librosa, the functions on frames take the audio ``y`` or a spectrogram
computed before: ``S``, the STFT power spectrogram (:func:`stft_power`), or
``M``, the mel power spectrogram (:func:`mel_power`). The result is the same as
from ``y`` at the same settings, so one STFT can feed every feature of a clip.

For a plot of a long window, :func:`pooled_power` gives a power spectrogram of at
most :data:`~mgc_core.features.PLOT_FRAMES` frames (each the average of a run of
frames, see :func:`~mgc_core.features.frame_grid`); every function that takes ``S``
takes it too, and then describes those averaged frames.
"""

from __future__ import annotations

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.features._checks import (
    AMIN,
    CONTRAST_BANDS,
    TOP_DB,
    _Checked,
    _contrast_fmin,
    _validate,
)
from mgc_core.features.grid import PLOT_FRAMES, frame_grid, pool_frames

__all__ = [
    "spectrum",
    "stft_power",
    "pooled_power",
    "stft_db",
    "mel_power",
    "mel_db",
    "log_mel",
    "mfcc",
    "spectral_features",
]


def spectrum(
    y: np.ndarray,
    *,
    sr: int,
    n_fft: int = 4096,
    start_s: float = 0.0,
    end_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Average magnitude spectrum of a window of ``y``, in dB (Welch's method).

    Mean power over Hann-windowed frames of ``n_fft`` samples with 50 % overlap
    (``scipy.signal.welch``). A window shorter than ``n_fft`` is analysed as one
    frame of its own length, zero-padded to ``n_fft`` so the frequency grid is
    the same. Levels are relative to a full-scale sine: a sine of amplitude ``A``
    peaks at ``20 * log10(A)`` dB; the floor is -120 dB.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    n_fft : int
        Frame length, a power of two from 64 to 16384.
    start_s, end_s : float
        Window in seconds, as in :func:`window`.

    Returns
    -------
    freqs : np.ndarray [shape=(1 + n_fft // 2,)]
        Bin frequencies in Hz, 0 to ``sr / 2``.
    db : np.ndarray [shape=(1 + n_fft // 2,), dtype=float32]
        Level of each bin in dB.

    Examples
    --------
    >>> import numpy as np
    >>> from mgc_core.audio.signals import sine
    >>> freqs, db = spectrum(sine(freq=1000.0, duration=1.0), sr=22050, n_fft=2048)
    >>> round(float(freqs[np.argmax(db)])), round(float(db.max()))
    (1001, -2)
    """
    from scipy.signal import welch

    c = _validate(y=y, sr=sr, n_fft=n_fft, start_s=start_s, end_s=end_s)
    seg = c.y[c.start : c.stop]
    nperseg = min(int(n_fft), seg.size)
    freqs, power = welch(
        seg,
        fs=c.sr,
        window="hann",
        nperseg=nperseg,
        noverlap=nperseg // 2,
        nfft=int(n_fft),
        detrend=False,
        scaling="spectrum",
        average="mean",
    )
    # "spectrum" scaling gives a sine of amplitude A the power A**2 / 2.
    db = 10.0 * np.log10(np.maximum(2.0 * power, 1e-12))
    return freqs, db.astype(np.float32)


# --------------------------------------------------------------------------- spectrograms


def _stft_power(y: np.ndarray, *, n_fft: int, hop_length: int) -> np.ndarray:
    """``|STFT|**2`` of checked samples: Hann window, centred frames, zero padding."""
    import librosa

    return np.abs(librosa.stft(y, n_fft=int(n_fft), hop_length=int(hop_length))) ** 2


def _power(c: _Checked, *, n_fft: int, hop_length: int) -> np.ndarray:
    """The STFT power spectrogram: the checked ``S``, or computed from the checked ``y``."""
    if c.S is not None:
        return c.S
    return _stft_power(c.y, n_fft=n_fft, hop_length=hop_length)


def _mel(c: _Checked, *, n_fft: int, hop_length: int, n_mels: int) -> np.ndarray:
    """The mel power spectrogram: the checked ``M``, or computed from ``S`` or ``y``."""
    import librosa

    if c.M is not None:
        return c.M
    return librosa.feature.melspectrogram(
        S=_power(c, n_fft=n_fft, hop_length=hop_length),
        sr=c.sr,
        n_fft=int(n_fft),
        n_mels=int(n_mels),
        fmin=c.fmin,
        fmax=c.fmax,
    )


def _mel_options(
    M: np.ndarray | None,
    *,
    n_fft: int,
    hop_length: int,
    n_mels: int,
    fmin: float,
    fmax: float | None,
) -> dict:
    """The options to check: those that make the mel bands are unused when ``M`` is given."""
    if M is not None:
        return {"hop_length": hop_length}
    return {"n_fft": n_fft, "hop_length": hop_length, "n_mels": n_mels, "fmin": fmin, "fmax": fmax}


def stft_power(y: np.ndarray, *, sr: int, n_fft: int = 2048, hop_length: int = 512) -> np.ndarray:
    """Power spectrogram ``|STFT(y)|**2``: the ``S`` that the other frame features accept.

    Hann window of ``n_fft`` samples, frames centred on ``i * hop_length`` with
    zero padding at the ends (librosa's defaults).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz (checked; the values do not depend on it).
    n_fft : int
        FFT size, a power of two from 64 to 16384.
    hop_length : int
        Samples between frames, 1 to ``n_fft``.

    Returns
    -------
    S : np.ndarray [shape=(1 + n_fft // 2, 1 + n // hop_length), dtype=float32]
        Row ``f`` is the frequency ``f * sr / n_fft``.

    Examples
    --------
    >>> from mgc_core.audio.signals import sine
    >>> y = sine(duration=1.0)
    >>> S = stft_power(y, sr=22050, n_fft=1024, hop_length=256)
    >>> S.shape
    (513, 87)
    >>> bool((stft_db(S=S, sr=22050, n_fft=1024) == stft_db(y, sr=22050, n_fft=1024,
    ...                                                      hop_length=256)).all())
    True
    """
    c = _validate(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length)
    return _stft_power(c.y, n_fft=n_fft, hop_length=hop_length)


#: Complex STFT values computed at once by :func:`pooled_power` (8 MB), so that its
#: memory does not grow with the window.
_CHUNK_VALUES = 2**20


def pooled_power(
    y: np.ndarray,
    *,
    sr: int,
    n_fft: int = 2048,
    hop_length: int = 512,
    max_frames: int = PLOT_FRAMES,
) -> np.ndarray:
    """Power spectrogram of at most ``max_frames`` frames, for plotting a window of any length.

    The frames of :func:`~mgc_core.features.frame_grid`: when ``y`` gives at most
    ``max_frames`` frames at ``hop_length`` this is :func:`stft_power`, exactly.
    Otherwise the STFT is computed at the grid's coarser hop (frames still overlap
    by at least half) and its power is averaged over runs of ``pool`` frames
    (Welch's method), a few hundred runs at a time so that memory stays small: each
    returned frame is the mean power of its stretch of audio, in which every sample
    counts.
    Pass it as ``S`` to :func:`stft_db`, :func:`mel_db`, :func:`mfcc`,
    :func:`~mgc_core.features.chroma`, or with the grid's ``hop_length`` and
    ``pool`` to :func:`spectral_features`.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz (checked; the values do not depend on it).
    n_fft : int
        FFT size, a power of two from 64 to 16384.
    hop_length : int
        The hop asked for, 1 to ``n_fft``.
    max_frames : int
        Most frames to return, 1 to 100000.

    Returns
    -------
    S : np.ndarray [shape=(1 + n_fft // 2, grid.n_frames), dtype=float32]
        ``grid = frame_grid(n, n_fft=n_fft, hop_length=hop_length, max_frames=max_frames)``;
        frame ``j`` sits at ``grid.times(sr=sr)[j]``.

    Raises
    ------
    ParameterError
        On a bad parameter.

    Examples
    --------
    >>> from mgc_core.audio.signals import sine
    >>> y = sine(duration=240.0)
    >>> pooled_power(y, sr=22050).shape
    (1025, 1292)
    >>> bool((pooled_power(y[:22050], sr=22050) == stft_power(y[:22050], sr=22050)).all())
    True
    """
    import librosa

    c = _validate(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, max_frames=max_frames)
    n_fft = int(n_fft)
    grid = frame_grid(c.y.size, n_fft=n_fft, hop_length=hop_length, max_frames=max_frames)
    hop, pool = grid.hop_length, grid.pool
    if pool == 1:
        return _stft_power(c.y, n_fft=n_fft, hop_length=hop)
    # librosa's centred frames: frame i covers padded[i * hop : i * hop + n_fft].
    padded = np.pad(c.y, n_fft // 2)
    runs = max(1, _CHUNK_VALUES // ((1 + n_fft // 2) * pool))
    parts = []
    for first in range(0, grid.n_computed, runs * pool):
        last = min(grid.n_computed, first + runs * pool)  # one past
        seg = padded[first * hop : (last - 1) * hop + n_fft]
        D = librosa.stft(seg, n_fft=n_fft, hop_length=hop, center=False)
        parts.append(pool_frames(np.abs(D) ** 2, pool=pool))
    return np.concatenate(parts, axis=1).astype(np.float32, copy=False)


def stft_db(
    y: np.ndarray | None = None,
    *,
    sr: int,
    S: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
) -> np.ndarray:
    """Magnitude spectrogram in dB relative to its maximum, floored at -80 dB.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio; or pass ``S`` instead.
    sr : int
        Sample rate in Hz (checked; the values do not depend on it).
    S : np.ndarray [shape=(1 + n_fft // 2, t)] or None
        Power spectrogram, from :func:`stft_power` at the same ``n_fft``, instead of ``y``.
    n_fft : int
        FFT size, a power of two from 64 to 16384.
    hop_length : int
        Samples between frames, 1 to ``n_fft`` (unused with ``S``).

    Returns
    -------
    S_db : np.ndarray [shape=(1 + n_fft // 2, 1 + n // hop_length), dtype=float32]
        Row ``f`` is the frequency ``f * sr / n_fft``; the maximum is 0 dB.

    Raises
    ------
    ParameterError
        On a bad parameter, or unless exactly one of ``y`` and ``S`` is given.

    Examples
    --------
    >>> from mgc_core.audio.signals import sine
    >>> stft_db(sine(duration=1.0), sr=22050, n_fft=1024, hop_length=256).shape
    (513, 87)
    """
    import librosa

    c = _validate(y=y, S=S, sr=sr, n_fft=n_fft, hop_length=hop_length)
    power = _power(c, n_fft=n_fft, hop_length=hop_length)
    return librosa.power_to_db(power, ref=np.max, amin=AMIN, top_db=TOP_DB).astype(np.float32)


def mel_power(
    y: np.ndarray | None = None,
    *,
    sr: int,
    S: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> np.ndarray:
    """Mel power spectrogram: the ``M`` that :func:`mel_db`, :func:`log_mel`, :func:`mfcc` take.

    The power spectrogram (:func:`stft_power`) through librosa's mel filter bank
    (Slaney mel scale and area normalisation, librosa's defaults).

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
    n_mels : int
        Number of mel bands, 1 to 256, and no more than :func:`max_n_mels` allows
        (every band must contain an FFT bin).
    fmin, fmax : float
        Frequency range of the bands in Hz, ``0 <= fmin < fmax <= sr / 2``;
        ``fmax=None`` means ``sr / 2``. Band centres: :func:`mel_frequencies`.

    Returns
    -------
    M : np.ndarray [shape=(n_mels, 1 + n // hop_length), dtype=float32]

    Raises
    ------
    ParameterError
        On a bad parameter, or unless exactly one of ``y`` and ``S`` is given.

    Examples
    --------
    >>> from mgc_core.audio.signals import chirp
    >>> y = chirp(sr=16000, fmax=4000.0, duration=1.0)
    >>> S = stft_power(y, sr=16000, n_fft=512, hop_length=256)
    >>> mel_power(S=S, sr=16000, n_fft=512, n_mels=96).shape
    (96, 63)
    """
    c = _validate(
        y=y, S=S, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax
    )
    M = _mel(c, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    return M.astype(np.float32, copy=False)


def mel_db(
    y: np.ndarray | None = None,
    *,
    sr: int,
    S: np.ndarray | None = None,
    M: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> np.ndarray:
    """Mel power spectrogram in dB relative to its maximum, floored at -80 dB.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio; or pass ``S`` or ``M`` instead.
    sr : int
        Sample rate in Hz.
    S : np.ndarray [shape=(1 + n_fft // 2, t)] or None
        Power spectrogram, from :func:`stft_power` at the same ``n_fft``, instead of ``y``.
    M : np.ndarray [shape=(n_mels, t)] or None
        Mel power spectrogram, from :func:`mel_power`, instead of ``y``; its rows
        are the bands, and ``n_fft``, ``n_mels``, ``fmin`` and ``fmax`` are unused.
    n_fft, hop_length
        As in :func:`stft_db`.
    n_mels, fmin, fmax
        As in :func:`mel_power`.

    Returns
    -------
    M_db : np.ndarray [shape=(n_mels, 1 + n // hop_length), dtype=float32]

    Raises
    ------
    ParameterError
        On a bad parameter, or unless exactly one of ``y``, ``S`` and ``M`` is given.

    Examples
    --------
    >>> from mgc_core.audio.signals import chirp
    >>> mel_db(chirp(duration=1.0), sr=22050, n_mels=40, fmax=8000.0).shape
    (40, 44)
    """
    import librosa

    opts = _mel_options(M, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax)
    c = _validate(y=y, S=S, M=M, sr=sr, **opts)
    mel = _mel(c, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    return librosa.power_to_db(mel, ref=np.max, top_db=TOP_DB).astype(np.float32)


def log_mel(
    y: np.ndarray | None = None,
    *,
    sr: int,
    S: np.ndarray | None = None,
    M: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    gain: float = 10000.0,
) -> np.ndarray:
    """Log-compressed mel power spectrogram, ``log10(1 + gain * M)``.

    Unlike :func:`mel_db` it has no reference and no floor: silence is 0, and a
    louder sound gives larger values. With the default ``gain`` it is musicnn's
    input (Pons and Serra, 2019), which the genre models also read.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio; or pass ``S`` or ``M`` instead.
    sr : int
        Sample rate in Hz.
    S, M : np.ndarray or None
        Power or mel power spectrogram instead of ``y``, as in :func:`mel_db`.
    n_fft, hop_length
        As in :func:`stft_db`.
    n_mels, fmin, fmax
        As in :func:`mel_power`.
    gain : float
        Factor applied to the mel power before the logarithm, above 0.

    Returns
    -------
    L : np.ndarray [shape=(n_mels, 1 + n // hop_length), dtype=float32]
        Non-negative.

    Raises
    ------
    ParameterError
        On a bad parameter, or unless exactly one of ``y``, ``S`` and ``M`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> L = log_mel(np.zeros(16000, dtype=np.float32), sr=16000, n_fft=512,
    ...             hop_length=256, n_mels=96)
    >>> L.shape, float(L.max())
    ((96, 63), 0.0)
    """
    opts = _mel_options(M, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax)
    c = _validate(y=y, S=S, M=M, sr=sr, gain=gain, **opts)
    mel = _mel(c, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    return np.log10(1.0 + c.gain * mel).astype(np.float32, copy=False)


def mfcc(
    y: np.ndarray | None = None,
    *,
    sr: int,
    S: np.ndarray | None = None,
    M: np.ndarray | None = None,
    n_mfcc: int = 20,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    deltas: bool = False,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients, optionally with deltas and delta-deltas.

    The DCT (type II, orthonormal) of the mel power spectrogram in dB
    (``librosa.feature.mfcc(S=librosa.power_to_db(M))``: relative to a power of 1,
    floored 80 dB below the loudest value). Deltas use a 9-frame window, narrowed
    for short inputs.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio; or pass ``S`` or ``M`` instead.
    sr : int
        Sample rate in Hz.
    S : np.ndarray [shape=(1 + n_fft // 2, t)] or None
        Power spectrogram, from :func:`stft_power` at the same ``n_fft``, instead of ``y``.
    M : np.ndarray [shape=(n_mels, t)] or None
        Mel power spectrogram, from :func:`mel_power`, instead of ``y``; its rows
        are the bands, and ``n_fft``, ``n_mels``, ``fmin`` and ``fmax`` are unused.
        The 80-dB floor is relative to the loudest value of ``M``.
    n_mfcc : int
        Number of coefficients, 1 to ``n_mels`` (the rows of ``M``).
    n_fft, hop_length
        As in :func:`stft_db`.
    n_mels, fmin, fmax
        As in :func:`mel_power`.
    deltas : bool
        Stack the first and second time derivatives under the coefficients.

    Returns
    -------
    C : np.ndarray [shape=(n_mfcc, t) or (3 * n_mfcc, t), dtype=float32]
        ``t = 1 + n // hop_length``; with ``deltas`` rows are coefficients,
        deltas, delta-deltas.

    Raises
    ------
    ParameterError
        On a bad parameter, unless exactly one of ``y``, ``S`` and ``M`` is given,
        or with ``deltas=True`` when ``t < 3``.

    Examples
    --------
    >>> from mgc_core.audio.signals import harmonics
    >>> y = harmonics(duration=1.0)
    >>> mfcc(y, sr=22050, n_mfcc=13, deltas=True).shape
    (39, 44)
    >>> M = mel_power(y, sr=22050)
    >>> bool((mfcc(M=M, sr=22050, n_mfcc=13) == mfcc(y, sr=22050, n_mfcc=13)).all())
    True
    """
    import librosa

    opts = _mel_options(M, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax)
    c = _validate(y=y, S=S, M=M, sr=sr, n_mfcc=n_mfcc, **opts)
    mel = _mel(c, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    C = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=int(n_mfcc))
    if deltas:
        t = C.shape[1]
        if t < 3:
            raise ParameterError(
                f"deltas=True needs at least 3 frames; this audio gives {t} with "
                f"hop_length={hop_length}. Use longer audio or a smaller hop_length."
            )
        width = min(9, t if t % 2 else t - 1)
        C = np.vstack(
            [
                C,
                librosa.feature.delta(C, width=width, order=1),
                librosa.feature.delta(C, width=width, order=2),
            ]
        )
    return C.astype(np.float32)


# --------------------------------------------------------------------------- spectral shape


def spectral_features(
    y: np.ndarray,
    *,
    sr: int,
    S: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    rms_from: str = "samples",
    dtype: type = np.float32,
    pool: int = 1,
) -> dict[str, np.ndarray]:
    """Frame-wise spectral shape and loudness features, all from one STFT.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio (always needed: the zero-crossing rate is counted on it).
    sr : int
        Sample rate in Hz.
    S : np.ndarray [shape=(1 + n_fft // 2, t)] or None
        The power spectrogram of ``y``, from :func:`stft_power` at the same
        ``n_fft`` and ``hop_length``, to use instead of computing it again; or
        its first ``t`` frames (``t <= 1 + n // hop_length``), to describe only
        those.
    n_fft, hop_length
        As in :func:`stft_db`; the spectral contrast also needs
        ``n_fft >= sr / 200`` (e.g. 128 at 22050 Hz).
    rms_from : {"samples", "spectrum"}
        How ``rms`` is measured: ``"samples"``, the RMS of each frame's samples,
        unwindowed (a sine of amplitude ``A`` gives ``A / sqrt(2)``); ``"spectrum"``,
        the RMS of the Hann-windowed frame, from the spectrum by Parseval's
        theorem (``librosa.feature.rms(S=...)``: ``sqrt(3 / 8)`` times smaller
        for a steady sound), as the KNN model reads it.
    dtype : np.float32 or np.float64
        Type of the returned arrays. Several features are computed in float64;
        ``np.float64`` keeps them unrounded (for statistics taken over many frames).
    pool : int
        Describe runs of ``pool`` frames instead of single frames (1 or more), as
        :func:`pooled_power` gives for a plot: ``S`` (or ``y``'s spectrogram) is the
        power averaged over each run, from which the spectral features are computed,
        and ``zcr`` and ``rms`` are measured on every frame at ``hop_length`` and
        averaged over the same runs (``rms`` as the root of the mean square). With
        :func:`pooled_power`'s ``S``, pass its grid's ``hop_length`` and ``pool``
        (:func:`~mgc_core.features.frame_grid`).

    Returns
    -------
    dict[str, np.ndarray]
        ``t`` frames each (``t = ceil((1 + n // hop_length) / pool)`` without ``S``),
        of ``dtype``:

        - ``centroid`` (t,): centre of mass of the spectrum, Hz ("brightness").
        - ``bandwidth`` (t,): spread around the centroid, Hz.
        - ``rolloff`` (t,): frequency below which 85 % of the energy lies, Hz.
        - ``flatness`` (t,): 0 for a pure tone, near 1 for white noise.
        - ``zcr`` (t,): fraction of samples where the sign changes.
        - ``rms`` (t,): root-mean-square level of each frame (see ``rms_from``).
        - ``contrast`` (7, t): peak-to-valley difference (dB) in the bands of
          :func:`contrast_band_edges`.

        The spectral ones are computed on the magnitude ``sqrt(S)``.

    Raises
    ------
    ParameterError
        On a bad parameter, or if ``S`` has the wrong number of frequency rows for
        ``n_fft`` or more frames than ``y`` gives (at ``hop_length`` and ``pool``).

    Examples
    --------
    >>> from mgc_core.audio.signals import white_noise
    >>> f = spectral_features(white_noise(duration=1.0), sr=22050)
    >>> list(f), f["contrast"].shape
    (['centroid', 'bandwidth', 'rolloff', 'flatness', 'zcr', 'rms', 'contrast'], (7, 44))
    """
    import librosa

    c = _validate(
        y=y,
        S=S,
        sr=sr,
        n_fft=n_fft,
        hop_length=hop_length,
        rms_from=rms_from,
        dtype=dtype,
        pool=pool,
        contrast=True,
        y_and_S=True,
    )
    n_fft, hop_length, pool = int(n_fft), int(hop_length), int(pool)
    power = c.S
    if power is None:
        power = pool_frames(_stft_power(c.y, n_fft=n_fft, hop_length=hop_length), pool=pool)
    mag = np.sqrt(power)
    t = mag.shape[1]
    spec = librosa.feature
    out = _frame_shape(mag, sr=c.sr, n_fft=n_fft, rms=c.rms_from == "spectrum")
    if c.rms_from != "spectrum":
        out["rms"] = pool_frames(
            spec.rms(y=c.y, frame_length=n_fft, hop_length=hop_length), pool=pool, how="rms"
        )[0, :t]
    zcr = spec.zero_crossing_rate(c.y, frame_length=n_fft, hop_length=hop_length)
    out["zcr"] = pool_frames(zcr, pool=pool)[0, :t]
    # The contrast's dB floor is relative to its loudest band over all frames: one call.
    out["contrast"] = spec.spectral_contrast(
        S=mag, sr=c.sr, n_fft=n_fft, fmin=_contrast_fmin(c.sr), n_bands=CONTRAST_BANDS
    )
    order = ("centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms", "contrast")
    return {k: out[k].astype(c.dtype) for k in order}


#: Frames of a magnitude spectrogram that :func:`_frame_shape` describes at once: its
#: float64 temporaries stay a few MB for any length (a 5-minute clip at 16 kHz, hop 256,
#: would otherwise need about 150 MB of them).
_SHAPE_BLOCK = 2048


def _frame_shape(mag: np.ndarray, *, sr: int, n_fft: int, rms: bool) -> dict[str, np.ndarray]:
    """The features of :func:`spectral_features` that depend on one frame only, block by
    block of :data:`_SHAPE_BLOCK` frames (the same values as one call over all frames)."""
    import librosa

    spec = librosa.feature
    names = ("centroid", "bandwidth", "rolloff", "flatness") + (("rms",) if rms else ())
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for start in range(0, mag.shape[1], _SHAPE_BLOCK):
        m = mag[:, start:start + _SHAPE_BLOCK]
        parts["centroid"].append(spec.spectral_centroid(S=m, sr=sr, n_fft=n_fft)[0])
        parts["bandwidth"].append(spec.spectral_bandwidth(S=m, sr=sr, n_fft=n_fft)[0])
        parts["rolloff"].append(spec.spectral_rolloff(S=m, sr=sr, n_fft=n_fft)[0])
        parts["flatness"].append(spec.spectral_flatness(S=m)[0])
        if rms:
            parts["rms"].append(spec.rms(S=m, frame_length=n_fft)[0])
    return {name: np.concatenate(p) if p else np.zeros(0, dtype=mag.dtype)
            for name, p in parts.items()}
