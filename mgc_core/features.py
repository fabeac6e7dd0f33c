"""Classic audio features of a mono signal, for plots and for the classic models.

Pure functions on 1-D floating-point arrays, with librosa doing the signal
processing. Every function checks its options through one validator,
:func:`_validate`, which raises :class:`~mgc_core.errors.ParameterError` naming
the value and the fix, so the same parameter is checked the same way everywhere.

Time axes: a frame ``i`` of a feature matrix is centred on sample
``i * hop_length`` (librosa's ``center=True``), see :func:`frame_times`.

Examples
--------
>>> import numpy as np
>>> from mgc_core import features
>>> from mgc_core.signals import sine
>>> y = sine(freq=440.0, sr=22050, duration=1.0)
>>> freqs, db = features.spectrum(y, sr=22050)
>>> round(float(freqs[np.argmax(db)]))
441
>>> features.mel_db(y, sr=22050, n_mels=64).shape
(64, 44)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from mgc_core.errors import ParameterError

__all__ = [
    "Envelope",
    "waveform_envelope",
    "window",
    "spectrum",
    "stft_db",
    "mel_db",
    "mel_frequencies",
    "max_n_mels",
    "mfcc",
    "chroma",
    "tonnetz",
    "spectral_features",
    "contrast_band_edges",
    "tempo_beats",
    "hpss",
    "frame_times",
    "warm_up",
    "PITCH_CLASSES",
    "TONNETZ_LABELS",
]

#: Pitch-class names, in the row order of :func:`chroma`.
PITCH_CLASSES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Row names of :func:`tonnetz`: x/y coordinates of the fifths, minor-thirds and
#: major-thirds circles.
TONNETZ_LABELS: tuple[str, ...] = ("5th x", "5th y", "m3 x", "m3 y", "M3 x", "M3 y")

SR_RANGE = (4000, 192000)
N_FFT_RANGE = (64, 16384)
MAX_HOP = 16384
MAX_N_MELS = 256
MAX_COLUMNS = 100_000
TOP_DB = 80.0
#: Lower edge (Hz) of the second band of the spectral contrast (librosa's default),
#: lowered for sample rates below about 14.2 kHz so that all six octave bands fit.
CONTRAST_FMIN = 200.0
CONTRAST_BANDS = 6

_SKIP: Any = object()  # "this parameter is not checked"


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Checked:
    """Validated, normalised parameters (only those that were given are set)."""

    y: np.ndarray | None = None
    sr: int | None = None
    fmin: float | None = None
    fmax: float | None = None
    start: int | None = None  # first sample of the window
    stop: int | None = None  # one past the last sample of the window


def _as_int(name: str, value: Any) -> int:
    """Return ``value`` as an int if it is an integer (or an integral float)."""
    if isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be an integer; got {value!r}.")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
        return int(value)
    raise ParameterError(f"{name} must be an integer; got {value!r}.")


def _as_float(name: str, value: Any) -> float:
    """Return ``value`` as a finite float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ParameterError(f"{name} must be a number; got {value!r}.")
    if not math.isfinite(value):
        raise ParameterError(f"{name} must be a finite number; got {value!r}.")
    return float(value)


def _as_audio(y: Any) -> np.ndarray:
    """Return ``y`` as a contiguous float32 1-D array of finite samples."""
    arr = np.asarray(y)
    if arr.dtype.kind != "f":
        hint = ""
        if arr.dtype.kind in "iu":
            hint = " (convert integer PCM with y.astype(np.float32) / 32768)"
        raise ParameterError(
            f"y must be an array of floating-point samples; got dtype {arr.dtype}{hint}."
        )
    if arr.ndim != 1:
        raise ParameterError(
            f"y must be mono, a 1-D array of samples; got shape {arr.shape} "
            "(mix channels down first, e.g. y.mean(axis=0))."
        )
    if arr.size == 0:
        raise ParameterError("y is empty: it must hold at least one sample.")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise ParameterError(
            f"y must hold finite samples; sample {bad} is {arr[bad]} "
            "(clean it with np.nan_to_num(y))."
        )
    return arr


def _empty_mel_bands(n_mels: int, *, sr: int, n_fft: int, fmin: float, fmax: float) -> int:
    """Count the mel bands of librosa's filter bank that contain no FFT bin."""
    import librosa

    edges = librosa.mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)
    bins = np.linspace(0.0, sr / 2, 1 + n_fft // 2)
    # A triangular filter is non-zero strictly between its lower and upper edges.
    lo = np.searchsorted(bins, edges[:-2], side="right")
    hi = np.searchsorted(bins, edges[2:], side="left")
    return int(np.sum(hi <= lo))


def _validate(
    *,
    y: Any = _SKIP,
    sr: Any = _SKIP,
    n_fft: Any = _SKIP,
    hop_length: Any = _SKIP,
    n_mels: Any = _SKIP,
    n_mfcc: Any = _SKIP,
    fmin: Any = _SKIP,
    fmax: Any = _SKIP,
    start_s: Any = _SKIP,
    end_s: Any = _SKIP,
    n_columns: Any = _SKIP,
    n_frames: Any = _SKIP,
    contrast: bool = False,
) -> _Checked:
    """Check every given parameter, in dependency order, and return them normalised.

    This is the one place where each parameter's rule is written; public
    functions pass the parameters they take. ``fmax=None`` resolves to ``sr / 2``,
    ``end_s=None`` to the end of ``y``. ``contrast=True`` adds the spectral
    contrast's need for ``n_fft >= sr / fmin_contrast``.

    Raises
    ------
    ParameterError
        On the first parameter that breaks its rule.
    """
    out: dict[str, Any] = {}
    if y is not _SKIP:
        out["y"] = _as_audio(y)
    if sr is not _SKIP:
        sr = _as_int("sr", sr)
        if not SR_RANGE[0] <= sr <= SR_RANGE[1]:
            raise ParameterError(
                f"sr must be a sample rate between {SR_RANGE[0]} and {SR_RANGE[1]} Hz; got {sr!r}."
            )
        out["sr"] = sr
    if n_fft is not _SKIP:
        n_fft = _as_int("n_fft", n_fft)
        lo, hi = N_FFT_RANGE
        if not lo <= n_fft <= hi or n_fft & (n_fft - 1):
            raise ParameterError(
                f"n_fft must be a power of two between {lo} and {hi}; got {n_fft}."
            )
        if contrast and n_fft < out["sr"] / _contrast_fmin(out["sr"]):
            need = 1 << math.ceil(math.log2(out["sr"] / _contrast_fmin(out["sr"])))
            raise ParameterError(
                f"n_fft={n_fft} is too small for the spectral contrast at sr={out['sr']} Hz: its "
                f"lowest band needs finer frequency bins; use n_fft >= {need}."
            )
    if hop_length is not _SKIP:
        hop_length = _as_int("hop_length", hop_length)
        hi, what = (n_fft, f"n_fft ({n_fft})") if n_fft is not _SKIP else (MAX_HOP, str(MAX_HOP))
        if not 1 <= hop_length <= hi:
            raise ParameterError(f"hop_length must be between 1 and {what}; got {hop_length}.")
    if fmin is not _SKIP or fmax is not _SKIP:
        nyquist = out["sr"] / 2
        fmax = nyquist if fmax is None or fmax is _SKIP else _as_float("fmax", fmax)
        fmin = 0.0 if fmin is _SKIP else _as_float("fmin", fmin)
        if not 0 < fmax <= nyquist:
            raise ParameterError(
                f"fmax must be above 0 and at most sr/2 ({nyquist:g} Hz); got {fmax:g} "
                "(or pass fmax=None for sr/2)."
            )
        if not 0 <= fmin < fmax:
            raise ParameterError(
                f"fmin must be at least 0 and below fmax ({fmax:g} Hz); got {fmin:g}."
            )
        out["fmin"], out["fmax"] = fmin, fmax
    if n_mels is not _SKIP:
        n_mels = _as_int("n_mels", n_mels)
        if not 1 <= n_mels <= MAX_N_MELS:
            raise ParameterError(f"n_mels must be between 1 and {MAX_N_MELS}; got {n_mels}.")
        if n_fft is not _SKIP:
            f_lo, f_hi = out.get("fmin", 0.0), out.get("fmax", out["sr"] / 2)
            if _empty_mel_bands(n_mels, sr=out["sr"], n_fft=n_fft, fmin=f_lo, fmax=f_hi):
                best = max_n_mels(sr=out["sr"], n_fft=n_fft, fmin=f_lo, fmax=f_hi)
                raise ParameterError(
                    f"n_mels={n_mels} is too many for n_fft={n_fft} at sr={out['sr']} Hz "
                    f"between {f_lo:g} and {f_hi:g} Hz: some mel bands would contain no FFT "
                    f"bin. Use n_mels <= {best}, a larger n_fft or a wider frequency range."
                )
    if n_mfcc is not _SKIP:
        n_mfcc = _as_int("n_mfcc", n_mfcc)
        hi = n_mels if n_mels is not _SKIP else MAX_N_MELS
        if not 1 <= n_mfcc <= hi:
            raise ParameterError(f"n_mfcc must be between 1 and n_mels ({hi}); got {n_mfcc}.")
    if start_s is not _SKIP or end_s is not _SKIP:
        n, rate = out["y"].size, out["sr"]
        duration = n / rate
        start_s = 0.0 if start_s is _SKIP else _as_float("start_s", start_s)
        end_s = duration if end_s is None or end_s is _SKIP else _as_float("end_s", end_s)
        if not 0 <= start_s < duration:
            raise ParameterError(
                f"start_s must be at least 0 and before the end of the audio "
                f"({duration:.3f} s); got {start_s:g}."
            )
        if not start_s < end_s <= duration + 1.0 / rate:
            raise ParameterError(
                f"end_s must be after start_s ({start_s:g} s) and at most the duration of "
                f"the audio ({duration:.3f} s); got {end_s:g} (or pass end_s=None)."
            )
        start, stop = math.floor(start_s * rate + 0.5), min(n, math.floor(end_s * rate + 0.5))
        if stop <= start:
            raise ParameterError(
                f"The window from start_s={start_s:g} s to end_s={end_s:g} s holds no whole "
                "sample; make it longer."
            )
        out["start"], out["stop"] = start, stop
    if n_columns is not _SKIP:
        n_columns = _as_int("n_columns", n_columns)
        if not 1 <= n_columns <= MAX_COLUMNS:
            raise ParameterError(f"n_columns must be between 1 and {MAX_COLUMNS}; got {n_columns}.")
    if n_frames is not _SKIP:
        n_frames = _as_int("n_frames", n_frames)
        if n_frames < 0:
            raise ParameterError(f"n_frames must be 0 or more; got {n_frames}.")
    return _Checked(**out)


def _contrast_fmin(sr: int) -> float:
    return min(CONTRAST_FMIN, 0.9 * sr / 2**CONTRAST_BANDS)


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
    lo, hi = 0, MAX_N_MELS  # invariant: lo works (0 trivially), answer <= hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _empty_mel_bands(mid, sr=c.sr, n_fft=int(n_fft), fmin=c.fmin, fmax=c.fmax):
            hi = mid - 1
        else:
            lo = mid
    return lo


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
    >>> from mgc_core.signals import sine
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
    >>> from mgc_core.signals import sine
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


def stft_db(y: np.ndarray, *, sr: int, n_fft: int = 2048, hop_length: int = 512) -> np.ndarray:
    """Magnitude spectrogram in dB relative to its maximum, floored at -80 dB.

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
    S_db : np.ndarray [shape=(1 + n_fft // 2, 1 + n // hop_length), dtype=float32]
        Row ``f`` is the frequency ``f * sr / n_fft``; the maximum is 0 dB.

    Examples
    --------
    >>> from mgc_core.signals import sine
    >>> stft_db(sine(duration=1.0), sr=22050, n_fft=1024, hop_length=256).shape
    (513, 87)
    """
    import librosa

    c = _validate(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length)
    S = np.abs(librosa.stft(c.y, n_fft=int(n_fft), hop_length=int(hop_length)))
    return librosa.amplitude_to_db(S, ref=np.max, top_db=TOP_DB).astype(np.float32)


def _mel_power(c: _Checked, *, n_fft: int, hop_length: int, n_mels: int) -> np.ndarray:
    import librosa

    return librosa.feature.melspectrogram(
        y=c.y,
        sr=c.sr,
        n_fft=int(n_fft),
        hop_length=int(hop_length),
        n_mels=int(n_mels),
        fmin=c.fmin,
        fmax=c.fmax,
    )


def mel_db(
    y: np.ndarray,
    *,
    sr: int,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> np.ndarray:
    """Mel power spectrogram in dB relative to its maximum, floored at -80 dB.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
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
    M_db : np.ndarray [shape=(n_mels, 1 + n // hop_length), dtype=float32]

    Examples
    --------
    >>> from mgc_core.signals import chirp
    >>> mel_db(chirp(duration=1.0), sr=22050, n_mels=40, fmax=8000.0).shape
    (40, 44)
    """
    import librosa

    c = _validate(
        y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax
    )
    M = _mel_power(c, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    return librosa.power_to_db(M, ref=np.max, top_db=TOP_DB).astype(np.float32)


def mfcc(
    y: np.ndarray,
    *,
    sr: int,
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
    (``librosa.feature.mfcc``). Deltas use a 9-frame window, narrowed for short
    inputs.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    n_mfcc : int
        Number of coefficients, 1 to ``n_mels``.
    n_fft, hop_length, n_mels, fmin, fmax
        As in :func:`mel_db`.
    deltas : bool
        Stack the first and second time derivatives under the coefficients.

    Returns
    -------
    M : np.ndarray [shape=(n_mfcc, t) or (3 * n_mfcc, t), dtype=float32]
        ``t = 1 + n // hop_length``; with ``deltas`` rows are coefficients,
        deltas, delta-deltas.

    Raises
    ------
    ParameterError
        On a bad parameter, or with ``deltas=True`` when ``t < 3``.

    Examples
    --------
    >>> from mgc_core.signals import harmonics
    >>> mfcc(harmonics(duration=1.0), sr=22050, n_mfcc=13, deltas=True).shape
    (39, 44)
    """
    import librosa

    c = _validate(
        y=y,
        sr=sr,
        n_fft=n_fft,
        hop_length=hop_length,
        n_mels=n_mels,
        n_mfcc=n_mfcc,
        fmin=fmin,
        fmax=fmax,
    )
    M = _mel_power(c, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    C = librosa.feature.mfcc(S=librosa.power_to_db(M), n_mfcc=int(n_mfcc))
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


# --------------------------------------------------------------------------- harmony


def chroma(y: np.ndarray, *, sr: int, n_fft: int = 2048, hop_length: int = 512) -> np.ndarray:
    """Chromagram: energy of each of the 12 pitch classes per frame (from the STFT).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    n_fft, hop_length
        As in :func:`stft_db`.

    Returns
    -------
    C : np.ndarray [shape=(12, 1 + n // hop_length), dtype=float32]
        Rows in :data:`PITCH_CLASSES` order (C first); each frame scaled so its
        largest value is 1.

    Examples
    --------
    >>> from mgc_core.signals import sine
    >>> C = chroma(sine(freq=440.0, duration=1.0), sr=22050)
    >>> PITCH_CLASSES[int(C.mean(axis=1).argmax())]
    'A'
    """
    import librosa

    c = _validate(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length)
    C = librosa.feature.chroma_stft(y=c.y, sr=c.sr, n_fft=int(n_fft), hop_length=int(hop_length))
    return C.astype(np.float32)


def tonnetz(y: np.ndarray, *, sr: int, hop_length: int = 512) -> np.ndarray:
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

    Returns
    -------
    T : np.ndarray [shape=(6, 1 + n // hop_length), dtype=float32]
        Rows in :data:`TONNETZ_LABELS` order, values in [-1, 1].

    Examples
    --------
    >>> from mgc_core.signals import major_chord
    >>> tonnetz(major_chord(duration=1.0), sr=22050).shape
    (6, 44)
    """
    import librosa

    c = _validate(y=y, sr=sr, hop_length=hop_length)
    c1 = librosa.note_to_hz("C1")
    n_octaves = int(max(1, min(7, math.floor(math.log2(0.45 * c.sr / c1)))))
    with warnings.catch_warnings():
        # The constant-Q transform downsamples for its low octaves, and librosa then
        # warns that its internal n_fft exceeds the downsampled length even for
        # ordinary inputs; the result is still correct.
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large", category=UserWarning)
        T = librosa.feature.tonnetz(y=c.y, sr=c.sr, hop_length=int(hop_length), n_octaves=n_octaves)
    return T.astype(np.float32)


# --------------------------------------------------------------------------- spectral shape


def spectral_features(
    y: np.ndarray, *, sr: int, n_fft: int = 2048, hop_length: int = 512
) -> dict[str, np.ndarray]:
    """Frame-wise spectral shape and loudness features, all from one STFT.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    n_fft, hop_length
        As in :func:`stft_db`; the spectral contrast also needs
        ``n_fft >= sr / 200`` (e.g. 128 at 22050 Hz).

    Returns
    -------
    dict[str, np.ndarray]
        ``t = 1 + n // hop_length`` frames each, float32:

        - ``centroid`` (t,): centre of mass of the spectrum, Hz ("brightness").
        - ``bandwidth`` (t,): spread around the centroid, Hz.
        - ``rolloff`` (t,): frequency below which 85 % of the energy lies, Hz.
        - ``flatness`` (t,): 0 for a pure tone, near 1 for white noise.
        - ``zcr`` (t,): fraction of samples where the sign changes.
        - ``rms`` (t,): root-mean-square level of each frame.
        - ``contrast`` (7, t): peak-to-valley difference (dB) in the bands of
          :func:`contrast_band_edges`.

    Examples
    --------
    >>> from mgc_core.signals import white_noise
    >>> f = spectral_features(white_noise(duration=1.0), sr=22050)
    >>> list(f), f["contrast"].shape
    (['centroid', 'bandwidth', 'rolloff', 'flatness', 'zcr', 'rms', 'contrast'], (7, 44))
    """
    import librosa

    c = _validate(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, contrast=True)
    n_fft, hop_length = int(n_fft), int(hop_length)
    S = np.abs(librosa.stft(c.y, n_fft=n_fft, hop_length=hop_length))
    spec = librosa.feature
    out = {
        "centroid": spec.spectral_centroid(S=S, sr=c.sr, n_fft=n_fft)[0],
        "bandwidth": spec.spectral_bandwidth(S=S, sr=c.sr, n_fft=n_fft)[0],
        "rolloff": spec.spectral_rolloff(S=S, sr=c.sr, n_fft=n_fft)[0],
        "flatness": spec.spectral_flatness(S=S)[0],
        "zcr": spec.zero_crossing_rate(c.y, frame_length=n_fft, hop_length=hop_length)[0],
        "rms": spec.rms(y=c.y, frame_length=n_fft, hop_length=hop_length)[0],
        "contrast": spec.spectral_contrast(
            S=S, sr=c.sr, n_fft=n_fft, fmin=_contrast_fmin(c.sr), n_bands=CONTRAST_BANDS
        ),
    }
    return {k: v.astype(np.float32) for k, v in out.items()}


# --------------------------------------------------------------------------- rhythm


def tempo_beats(
    y: np.ndarray, *, sr: int, hop_length: int = 512, refine: bool = True
) -> tuple[float, np.ndarray]:
    """Global tempo (BPM) and beat times, by librosa's dynamic-programming beat tracker.

    librosa's tempo is quantised to whole onset-frame lags (at 22050 Hz and hop
    512, 117.5 or 123.0 BPM but never 120). With ``refine`` the tempo is instead
    60 over the mean interval between the tracked beats whose spacing agrees
    with librosa's estimate within 15 %, which is exact for steady music.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    hop_length : int
        Samples between onset-envelope frames, 1 to 16384.
    refine : bool
        Refine the tempo from the beat intervals (see above).

    Returns
    -------
    tempo_bpm : float
        Estimated tempo; 0.0 when no beat is found (silence, very short audio).
    beat_times : np.ndarray [shape=(n_beats,)]
        Beat positions in seconds from the start of ``y``.

    Examples
    --------
    >>> from mgc_core.signals import click_track
    >>> tempo, beats = tempo_beats(click_track(bpm=120.0, duration=6.0), sr=22050)
    >>> round(tempo)
    120
    """
    import librosa

    c = _validate(y=y, sr=sr, hop_length=hop_length)
    tempo, beats = librosa.beat.beat_track(y=c.y, sr=c.sr, hop_length=int(hop_length), units="time")
    bpm = float(np.atleast_1d(tempo)[0])
    beats = np.asarray(beats, dtype=np.float64)
    if refine and bpm > 0 and beats.size >= 3:
        period = 60.0 / bpm
        ibi = np.diff(beats)
        agree = ibi[np.abs(ibi - period) <= 0.15 * period]
        if agree.size >= 2:
            bpm = float(60.0 / agree.mean())
    return bpm, beats


def hpss(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split audio into a harmonic (sustained) and a percussive (transient) part.

    Median-filtering separation of the STFT (Fitzgerald, 2010) via
    ``librosa.effects.hpss``; the two parts add up to ``y`` (up to the STFT's
    round-trip error).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.

    Returns
    -------
    harmonic, percussive : np.ndarray [shape=(n,), dtype=float32]

    Examples
    --------
    >>> from mgc_core.signals import drum_pattern
    >>> h, p = hpss(drum_pattern(duration=1.0))
    >>> h.shape == p.shape == (22050,)
    True
    """
    import librosa

    c = _validate(y=y)
    h, p = librosa.effects.hpss(c.y)
    return h.astype(np.float32), p.astype(np.float32)


# --------------------------------------------------------------------------- warm-up


def warm_up() -> None:
    """Run every feature once on 2 s of synthetic audio.

    librosa's numba kernels are compiled on first use (about 17 s on a cold
    cache). Calling this at set-up time with ``NUMBA_CACHE_DIR`` set (see
    :mod:`mgc_core._env`) writes them to the on-disk cache, so later processes
    start fast. Used by ``python -m mgc_core warmup``.

    Examples
    --------
    >>> warm_up()
    """
    from mgc_core.signals import drum_pattern, major_chord

    sr = 22050
    y = 0.5 * major_chord(sr=sr, duration=2.0) + 0.5 * drum_pattern(sr=sr, duration=2.0)
    waveform_envelope(y, sr=sr)
    spectrum(y, sr=sr)
    stft_db(y, sr=sr)
    mel_db(y, sr=sr)
    mfcc(y, sr=sr, deltas=True)
    chroma(y, sr=sr)
    tonnetz(y, sr=sr)
    spectral_features(y, sr=sr)
    tempo_beats(y, sr=sr)
    hpss(y)
