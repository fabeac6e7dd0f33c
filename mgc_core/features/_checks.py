"""One validator for every feature option and input.

Each parameter is checked the same way everywhere, and a bad one raises
:class:`~mgc_core.errors.ParameterError` naming the value and the fix.
"""

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
#: Most frames a feature may be summarised into (:func:`~mgc_core.features.frame_grid`).
MAX_FRAMES = 100_000
TOP_DB = 80.0
#: Smallest power that :func:`librosa.power_to_db` takes the logarithm of (its default).
AMIN = 1e-10
#: The ways :func:`~mgc_core.features.spectral_features` can compute the RMS level.
RMS_FROM = ("samples", "spectrum")
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
    S: np.ndarray | None = None  # STFT power spectrogram, (1 + n_fft // 2, t)
    M: np.ndarray | None = None  # mel power spectrogram, (n_mels, t)
    sr: int | None = None
    fmin: float | None = None
    fmax: float | None = None
    start: int | None = None  # first sample of the window
    stop: int | None = None  # one past the last sample of the window
    tuning: float | None = None
    gain: float | None = None
    rms_from: str | None = None
    dtype: np.dtype | None = None


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


#: What each input of a feature function is, for the messages.
_INPUTS = {
    "y": "y (the samples)",
    "S": "S (a power spectrogram, e.g. from stft_power)",
    "M": "M (a mel power spectrogram, e.g. from mel_power)",
}
_SPECTROGRAMS = {"S": "power spectrogram", "M": "mel power spectrogram"}
_SPECTROGRAM_FIX = {
    "S": "np.abs(D) ** 2 of an STFT D, as stft_power gives",
    "M": "a mel power spectrogram, as mel_power gives",
}


def _check_inputs(given: dict[str, Any], *, y_and_S: bool) -> None:
    """Check which of the inputs ``y``, ``S``, ``M`` a function was given.

    ``given`` maps the inputs the function takes to their values (``None`` when
    not passed). They are alternatives, exactly one of which must be given,
    unless ``y_and_S``: then ``y`` is required and ``S`` is ``y``'s spectrogram.
    """
    if y_and_S:
        if given["y"] is None:
            raise ParameterError(
                "y is missing: pass the samples as a 1-D float array; they are needed even "
                "with S (the zero-crossing rate is counted on them)."
            )
        return
    present = [name for name, value in given.items() if value is not None]
    if len(present) == 1:
        return
    names = list(given)
    choices = ", ".join(names[:-1]) + f" or {names[-1]}"
    if not present:
        listed = "; ".join(_INPUTS[name] for name in names)
        raise ParameterError(f"Pass one input: {listed}. None of {choices} was given.")
    raise ParameterError(
        f"Pass only one of {choices}; got both {' and '.join(present)}. They are "
        f"alternatives ({' and '.join(present[1:])} would be computed from {present[0]}), "
        "so keep the one you have and leave the other(s) None."
    )


def _as_spectrogram(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float32 (bands, frames) array of finite, non-negative powers."""
    what, fix = _SPECTROGRAMS[name], _SPECTROGRAM_FIX[name]
    arr = np.asarray(value)
    if arr.dtype.kind == "c":
        raise ParameterError(f"{name} must be a real {what}; got complex values: pass {fix}.")
    if arr.dtype.kind != "f":
        raise ParameterError(
            f"{name} must be a {what} of floating-point values; got dtype {arr.dtype}."
        )
    if arr.ndim != 2 or arr.size == 0:
        raise ParameterError(
            f"{name} must be a {what}, a non-empty 2-D array (bands, frames); "
            f"got shape {arr.shape}."
        )
    arr = np.asarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ParameterError(
            f"{name} must hold finite values; it holds NaN or infinity (recompute it from "
            "finite audio)."
        )
    lowest = float(arr.min())
    if lowest < 0:
        raise ParameterError(
            f"{name} must be a {what}, which is never negative; got {lowest:g}. "
            f"Pass power, not decibels: {fix}."
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
    S: Any = _SKIP,
    M: Any = _SKIP,
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
    n_samples: Any = _SKIP,
    max_frames: Any = _SKIP,
    pool: Any = _SKIP,
    tuning: Any = _SKIP,
    gain: Any = _SKIP,
    rms_from: Any = _SKIP,
    dtype: Any = _SKIP,
    contrast: bool = False,
    y_and_S: bool = False,
) -> _Checked:
    """Check every given parameter, in dependency order, and return them normalised.

    This is the one place where each parameter's rule is written; public
    functions pass the parameters they take. ``fmax=None`` resolves to ``sr / 2``,
    ``end_s=None`` to the end of ``y``. ``contrast=True`` adds the spectral
    contrast's need for ``n_fft >= sr / fmin_contrast``.

    Inputs: a function that takes more than one of ``y`` (samples), ``S`` (STFT
    power spectrogram) and ``M`` (mel power spectrogram) passes them all; exactly
    one must be given (not ``None``). With ``y_and_S=True`` ``y`` is required and
    ``S``, optional, is ``y``'s spectrogram or its first frames: it must not have
    more frames than ``y`` gives (at ``hop_length``, averaged in runs of ``pool``
    frames when ``pool`` is given). ``S`` must have the ``1 + n_fft // 2`` rows of
    ``n_fft``; ``M``'s rows bound ``n_mfcc``.

    Raises
    ------
    ParameterError
        On the first parameter that breaks its rule.
    """
    out: dict[str, Any] = {}
    given = {k: v for k, v in (("y", y), ("S", S), ("M", M)) if v is not _SKIP}
    if len(given) > 1:
        _check_inputs(given, y_and_S=y_and_S)
    if y is not _SKIP and (y is not None or len(given) == 1):
        out["y"] = _as_audio(y)
    for name in ("S", "M"):
        if given.get(name) is not None:
            out[name] = _as_spectrogram(name, given[name])
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
        if "S" in out and out["S"].shape[0] != 1 + n_fft // 2:
            rows, guess = out["S"].shape[0], 2 * (out["S"].shape[0] - 1)
            hint = f" (n_fft={guess} gives {rows})" if guess > 0 and not guess & (guess - 1) else ""
            raise ParameterError(
                f"S has {rows} frequency rows but n_fft={n_fft} gives {1 + n_fft // 2}: pass "
                f"the n_fft that S was computed with{hint}."
            )
    if pool is not _SKIP:
        pool = _as_int("pool", pool)
        if pool < 1:
            raise ParameterError(
                f"pool must be 1 or more (the frames averaged into each frame); got {pool}."
            )
    if hop_length is not _SKIP:
        hop_length = _as_int("hop_length", hop_length)
        hi, what = (n_fft, f"n_fft ({n_fft})") if n_fft is not _SKIP else (MAX_HOP, str(MAX_HOP))
        if not 1 <= hop_length <= hi:
            raise ParameterError(f"hop_length must be between 1 and {what}; got {hop_length}.")
        if y_and_S and "S" in out:
            runs = 1 if pool is _SKIP else pool
            frames, expected = out["S"].shape[1], -(-(1 + out["y"].size // hop_length) // runs)
            if frames > expected and runs == 1:
                raise ParameterError(
                    f"S has {frames} frames but y gives only {expected} at "
                    f"hop_length={hop_length}: S must be the power spectrogram of this y at "
                    "these settings, stft_power(y, sr=sr, n_fft=n_fft, hop_length=hop_length), "
                    "or its first frames."
                )
            if frames > expected:
                raise ParameterError(
                    f"S has {frames} frames but y gives only {expected} at "
                    f"hop_length={hop_length} averaged in runs of pool={runs}: S must be "
                    "pooled_power(y, ...) of this y, whose frame_grid gives hop_length and "
                    "pool, or its first frames."
                )
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
        if "M" in out:
            hi, what = out["M"].shape[0], f"the number of mel bands in M ({out['M'].shape[0]})"
        else:
            hi = n_mels if n_mels is not _SKIP else MAX_N_MELS
            what = f"n_mels ({hi})"
        if not 1 <= n_mfcc <= hi:
            raise ParameterError(f"n_mfcc must be between 1 and {what}; got {n_mfcc}.")
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
    if n_samples is not _SKIP:
        n_samples = _as_int("n_samples", n_samples)
        if n_samples < 1:
            raise ParameterError(f"n_samples must be 1 or more; got {n_samples}.")
    if max_frames is not _SKIP:
        max_frames = _as_int("max_frames", max_frames)
        if not 1 <= max_frames <= MAX_FRAMES:
            raise ParameterError(
                f"max_frames must be between 1 and {MAX_FRAMES} (the frames a plot can draw); "
                f"got {max_frames}."
            )
    if tuning is not _SKIP and tuning is not None:
        tuning = _as_float("tuning", tuning)
        if not -0.5 <= tuning < 0.5:
            raise ParameterError(
                f"tuning must be between -0.5 and 0.5 (a fraction of a semitone), or None to "
                f"estimate it from the audio; got {tuning:g}."
            )
        out["tuning"] = tuning
    if gain is not _SKIP:
        gain = _as_float("gain", gain)
        if not gain > 0:
            raise ParameterError(f"gain must be above 0; got {gain:g}.")
        out["gain"] = gain
    if rms_from is not _SKIP:
        if not isinstance(rms_from, str) or rms_from not in RMS_FROM:
            raise ParameterError(f"rms_from must be 'samples' or 'spectrum'; got {rms_from!r}.")
        out["rms_from"] = rms_from
    if dtype is not _SKIP:
        try:
            out["dtype"] = None if dtype is None else np.dtype(dtype)
        except TypeError:
            out["dtype"] = None
        if out["dtype"] not in (np.float32, np.float64):
            raise ParameterError(f"dtype must be np.float32 or np.float64; got {dtype!r}.")
    return _Checked(**out)


def _contrast_fmin(sr: int) -> float:
    return min(CONTRAST_FMIN, 0.9 * sr / 2**CONTRAST_BANDS)
