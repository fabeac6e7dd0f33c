"""The data behind a moving playhead: one song's waveform, spectrogram and genre timeline.

A player whose position moves one line across three strips (waveform envelope, mel
spectrogram, genre timeline) is drawn in the browser; this module prepares everything
it needs, as small arrays and bytes, with no screen and no network: :func:`playhead_payload`
returns one dict (a WAV to play, the strips' numbers, the genres and their colours).

Everything is bounded, however long the song: the envelope has at most
:data:`ENVELOPE_COLUMNS` columns, the spectrogram at most :data:`SPEC_COLUMNS` columns of
:data:`SPEC_ROWS` mel bands (one byte each), and the WAV at most
:data:`MAX_AUDIO_BYTES`: the audio is played at the highest rate of
:data:`PLAYBACK_RATES` that fits (a ten-minute song plays at 8 kHz), and only when even
8 kHz does not fit is it cut, which the payload says (``cut_s``).

Examples
--------
>>> import numpy as np
>>> from mgc_core.audio import Audio
>>> from mgc_core.audio.signals import chirp
>>> p = playhead_payload(Audio(chirp(duration=2.0), sr=22050))
>>> p["duration"], p["rate"], p["spec_shape"][0], p["wav"][:4]
(2.0, 22050, 96, b'RIFF')
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.features import log_mel
from mgc_core.genres import GENRE_COLORS, GENRES
from mgc_core.plotting._base import _groups, _pool

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.audio import Audio

__all__ = [
    "ENVELOPE_COLUMNS", "SPEC_ROWS", "SPEC_COLUMNS", "MAX_AUDIO_BYTES", "PLAYBACK_RATES",
    "playback_rate", "playback_wav", "envelope", "spectrogram_image", "segment_matrix",
    "audio_payload", "timeline_payload", "playhead_payload",
]

#: Most columns of the waveform envelope (min and max of each).
ENVELOPE_COLUMNS = 1200
#: Mel bands of the spectrogram strip.
SPEC_ROWS = 96
#: Most time columns of the spectrogram strip.
SPEC_COLUMNS = 1000
#: Most bytes of the WAV handed to the player (16-bit mono).
MAX_AUDIO_BYTES = 10_000_000
#: Rates (Hz) the player may use, best first; never above the audio's own rate.
PLAYBACK_RATES = (22050, 16000, 11025, 8000)
_WAV_HEADER = 44


def _check_audio(audio: Any) -> tuple[np.ndarray, int]:
    samples, sr = getattr(audio, "samples", None), getattr(audio, "sr", None)
    if samples is None or sr is None:
        raise ParameterError(
            f"The playhead needs an Audio (from mgc_core.audio.load_audio); got "
            f"{type(audio).__name__}. Wrap samples as Audio(samples, sr=...)."
        )
    y = np.asarray(samples, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"The playhead needs mono audio with samples; got shape {y.shape}.")
    if not np.all(np.isfinite(y)):
        raise ParameterError("The audio holds NaN or infinite samples; load it again with "
                             "mgc_core.audio.load_audio, which rejects them.")
    return y, int(sr)


def playback_rate(duration_s: float, sr: int, *, max_bytes: int = MAX_AUDIO_BYTES) -> int:
    """The highest rate of :data:`PLAYBACK_RATES` (or ``sr`` if lower) whose WAV fits.

    Returns the lowest rate when none fits (the WAV is then cut, see :func:`playback_wav`).

    Examples
    --------
    >>> playback_rate(30.0, 22050), playback_rate(600.0, 22050), playback_rate(5.0, 8000)
    (22050, 8000, 8000)
    """
    if not (duration_s > 0 and math.isfinite(duration_s)) or sr <= 0:
        raise ParameterError(f"playback_rate needs a positive duration and rate; got "
                             f"{duration_s!r} s at {sr!r} Hz.")
    top = min(int(sr), PLAYBACK_RATES[0])
    rates = [top, *(r for r in PLAYBACK_RATES if r < top)]
    for rate in rates:
        if _WAV_HEADER + 2 * math.ceil(duration_s * rate) <= max_bytes:
            return rate
    return rates[-1]


def playback_wav(
    audio: Audio, *, max_bytes: int = MAX_AUDIO_BYTES
) -> tuple[bytes, int, float | None]:
    """A 16-bit mono WAV of ``audio`` for the player, at most ``max_bytes`` long.

    Returns
    -------
    wav : bytes
    rate : int
        Its sample rate (:func:`playback_rate`).
    cut_s : float or None
        Where the audio was cut when even the lowest rate did not fit; else ``None``.
    """
    import soundfile as sf

    y, sr = _check_audio(audio)
    if max_bytes < _WAV_HEADER + 2 * 8000:
        raise ParameterError(f"max_bytes must allow at least one second at 8 kHz "
                             f"({_WAV_HEADER + 16000} bytes); got {max_bytes}.")
    rate = playback_rate(y.size / sr, sr, max_bytes=max_bytes)
    if rate != sr:
        import librosa

        y = librosa.resample(y, orig_sr=sr, target_sr=rate, res_type="soxr_hq")
    keep = (max_bytes - _WAV_HEADER) // 2
    cut_s = keep / rate if y.size > keep else None
    buf = io.BytesIO()
    sf.write(buf, np.clip(y[:keep], -1.0, 1.0), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue(), rate, cut_s


def envelope(y: np.ndarray, *, columns: int = ENVELOPE_COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of each of at most ``columns`` equal runs of ``y`` (float32).

    Examples
    --------
    >>> lo, hi = envelope(np.sin(np.arange(100_000) / 10.0), columns=500)
    >>> lo.shape, bool(lo.min() < -0.99), bool(hi.max() > 0.99)
    ((500,), True, True)
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"envelope needs non-empty mono samples; got shape {y.shape}.")
    if not 1 <= int(columns) <= 100_000:
        raise ParameterError(f"columns must be 1 to 100000; got {columns!r}.")
    starts = np.linspace(0, y.size, min(int(columns), y.size) + 1).astype(np.int64)[:-1]
    starts = np.unique(starts)
    return np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)


def spectrogram_image(
    y: np.ndarray, *, sr: int, rows: int = SPEC_ROWS, columns: int = SPEC_COLUMNS
) -> np.ndarray:
    """Log-mel spectrogram scaled to bytes: 0 silence, 255 the loudest cell.

    The hop grows with the length, so a ten-minute song costs about as much as a
    one-minute one; columns are then averaged down to at most ``columns``.

    Returns
    -------
    image : np.ndarray [shape=(rows, <= columns), dtype=uint8]
        Row 0 is the lowest band.
    """
    y = np.asarray(y, dtype=np.float32)
    if not 8 <= int(rows) <= 256 or not 1 <= int(columns) <= 5000:
        raise ParameterError(f"rows must be 8 to 256 and columns 1 to 5000; got {rows!r}, "
                             f"{columns!r}.")
    hop = max(256, -(-y.size // (4 * int(columns))))
    n_fft = max(1024, 1 << (hop - 1).bit_length())
    if y.size < n_fft:
        y = np.pad(y, (0, n_fft - y.size))
    L = log_mel(y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=int(rows))
    L = _pool(L, _groups(L.shape[1], int(columns)), axis=1, how="mean")
    top = float(L.max())
    return (np.round(255.0 * L / top) if top > 0 else np.zeros_like(L)).astype(np.uint8)


def segment_matrix(result: Any, *, model: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Segment times and probabilities of one model, or of the ensemble, from a Result.

    Parameters
    ----------
    result : mgc_core.analysis.classify.Result
    model : str or None
        A model in ``result.models``; ``None``: the ensemble, the models' segment
        probabilities weighted by ``result.ensemble_weights`` (equal when none are given).

    Returns
    -------
    times : np.ndarray [shape=(n, 2)]
        Start and end (s) of each segment.
    P : np.ndarray [shape=(n, 10), dtype=float32]
        In GENRES order.
    """
    models: Mapping[str, Any] = getattr(result, "models", None) or {}
    times = np.asarray(getattr(result, "segment_times", np.empty((0, 2))), dtype=float)
    if not models or times.ndim != 2 or times.shape[1:] != (2,) or len(times) == 0:
        raise ParameterError("The genre timeline needs a classification Result with segments "
                             "(from mgc_core.analysis.classify); got "
                             f"{type(result).__name__}.")
    if model is not None:
        if model not in models:
            raise ParameterError(f"No model {model!r} in this result; it has {sorted(models)}.")
        P = np.asarray(models[model].segment_probabilities, dtype=float)
    else:
        weights = dict(getattr(result, "ensemble_weights", None) or {})
        w = np.array([float(weights.get(n, 0.0)) for n in models])
        w = w if w.sum() > 0 else np.ones(len(models))
        P = sum(wi * np.asarray(r.segment_probabilities, dtype=float)
                for wi, r in zip(w / w.sum(), models.values(), strict=True))
    if P.shape != (len(times), len(GENRES)):
        raise ParameterError(f"Segment probabilities must have shape ({len(times)}, "
                             f"{len(GENRES)}); got {P.shape}.")
    return times, P.astype(np.float32)


def audio_payload(audio: Audio, *, max_bytes: int = MAX_AUDIO_BYTES) -> dict[str, Any]:
    """The part of :func:`playhead_payload` that depends on the audio alone (cache it by
    ``audio.key``): ``wav``, ``rate``, ``duration``, ``cut_s``, ``env_min``, ``env_max``,
    ``spec`` and ``spec_shape``."""
    y, sr = _check_audio(audio)
    wav, rate, cut_s = playback_wav(audio, max_bytes=max_bytes)
    if cut_s is not None:
        y = y[: int(round(cut_s * sr))]
    lo, hi = envelope(y)
    spec = spectrogram_image(y, sr=sr)
    return {
        "wav": wav, "rate": rate, "duration": (len(wav) - _WAV_HEADER) / 2 / rate,
        "cut_s": cut_s,
        "env_min": np.round(lo, 4).tolist(), "env_max": np.round(hi, 4).tolist(),
        "spec": np.ascontiguousarray(spec).tobytes(), "spec_shape": list(spec.shape),
    }


def timeline_payload(
    result: Any = None, *, model: str | None = None, duration: float = math.inf
) -> dict[str, Any]:
    """The genre-timeline part of :func:`playhead_payload`: ``segments``, ``probs``,
    ``genres``, ``colors`` and ``timeline`` (whose: a model's name, ``"ensemble"``, or
    ``""`` when ``result`` is ``None``); segments starting at or after ``duration`` are
    left out."""
    segments: list[list[float]] = []
    probs: list[list[float]] = []
    if result is not None:
        times, P = segment_matrix(result, model=model)
        keep = times[:, 0] < duration
        segments = np.round(times[keep], 3).tolist()
        probs = np.round(P[keep], 4).tolist()
    return {
        "segments": segments, "probs": probs,
        "genres": list(GENRES), "colors": [GENRE_COLORS[g] for g in GENRES],
        "timeline": "" if result is None else (model or "ensemble"),
    }


def playhead_payload(
    audio: Audio,
    result: Any = None,
    *,
    model: str | None = None,
    max_bytes: int = MAX_AUDIO_BYTES,
) -> dict[str, Any]:
    """Everything the playhead component draws and plays, as one dict.

    Parameters
    ----------
    audio : Audio
        The music (any rate; 8 kHz phone recordings included).
    result : Result or None
        Its classification, for the genre timeline; ``None`` draws no timeline.
    model : str or None
        Whose segments the timeline shows (:func:`segment_matrix`); ``None``: the ensemble.
    max_bytes : int
        Most bytes of the WAV (:func:`playback_wav`).

    Returns
    -------
    dict
        ``wav`` (bytes), ``rate``, ``duration`` (s, of the WAV), ``cut_s`` (or ``None``),
        ``env_min`` and ``env_max`` (lists of float, at most :data:`ENVELOPE_COLUMNS`),
        ``spec`` (bytes, row-major uint8, lowest band first) and ``spec_shape``
        (rows, columns), ``segments`` (list of ``[start, end]`` s), ``probs`` (list of
        10-value lists), ``genres`` and ``colors`` (GENRES order), ``timeline`` (whose).
    """
    out = audio_payload(audio, max_bytes=max_bytes)
    return {**out, **timeline_payload(result, model=model, duration=out["duration"])}
