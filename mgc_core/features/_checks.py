"""One validator for every feature option: each parameter is checked the same way everywhere, and a bad one raises :class:`~mgc_core.errors.ParameterError` naming the value and the fix."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mgc_core.errors import ParameterError

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


def _largest_n_mels(*, sr: int, n_fft: int, fmin: float, fmax: float) -> int:
    """The largest ``n_mels`` (at most MAX_N_MELS) without an empty band (checked options)."""
    lo, hi = 0, MAX_N_MELS  # invariant: lo works (0 trivially), answer <= hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _empty_mel_bands(mid, sr=sr, n_fft=n_fft, fmin=fmin, fmax=fmax):
            hi = mid - 1
        else:
            lo = mid
    return lo


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
                best = _largest_n_mels(sr=out["sr"], n_fft=n_fft, fmin=f_lo, fmax=f_hi)
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
