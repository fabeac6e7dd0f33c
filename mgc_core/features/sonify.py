"""Hear the features: audio rebuilt from a mel spectrogram or MFCCs, and beat clicks.

A plot of a feature shows what a model reads; playing it back lets a class *hear* what
the feature keeps and what it throws away:

- :func:`from_mel` rebuilds audio from the mel power spectrogram. With 128 bands the
  music is still recognisable; with 16 bands the pitch is smeared into broad bands and
  only the rhythm and the rough "colour" of the sound survive.
- :func:`from_mfcc` rebuilds it from the MFCCs (the mel spectrogram in dB, compressed
  further by a discrete cosine transform and truncated to ``n_mfcc`` coefficients):
  a whispery, robot-like sound that keeps the timbre's outline but no melody.
- :func:`with_beat_clicks` mixes a click at each beat time over the music, so one can
  hear whether the beat tracker found the pulse.

The harmonic and percussive parts are already audio: :func:`mgc_core.features.hpss`.

Speed, and what the rebuilt audio is
------------------------------------
A spectrogram keeps each frequency's strength but not its phase; Griffin-Lim
(``librosa.griffinlim``) guesses a phase by iterating STFTs, which is slow. So:

- at most :data:`MAX_REBUILD_S` seconds (10 s) are rebuilt: the *first* ``max_seconds``
  of the samples given (pass the stretch you want to hear);
- :data:`N_ITER` (16) Griffin-Lim iterations: enough to hear the point, with a little
  "phasiness" left;
- the mel bands are spread back over the frequencies they cover by a fast, non-negative
  interpolation (each band's average power per frequency bin, weighted by its triangular
  filter) instead of ``librosa.feature.inverse.mel_to_stft``'s non-negative least squares,
  which takes several seconds per 10 s of audio on a small CPU and sounds much the same.

Rebuilt audio is scaled to the loudness (RMS) of the original stretch, with its peak kept
at most 0.99, and is reproducible (Griffin-Lim starts from a seeded random phase).

Examples
--------
>>> from mgc_core.audio.signals import sine
>>> y = sine(freq=440.0, sr=22050, duration=1.0)
>>> from_mel(y, sr=22050, n_mels=128).shape
(22050,)
>>> from_mfcc(y, sr=22050, n_mfcc=20, max_seconds=0.5).shape
(11025,)
"""

from __future__ import annotations

import math

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.features._checks import _as_float, _as_int, _validate
from mgc_core.features.spectral import mel_power, mfcc

__all__ = ["MAX_REBUILD_S", "N_ITER", "from_mel", "from_mfcc", "with_beat_clicks"]

#: Most seconds of audio that :func:`from_mel` and :func:`from_mfcc` rebuild.
MAX_REBUILD_S = 10.0
#: Griffin-Lim iterations by default.
N_ITER = 16
_MAX_ITER = 200
#: Peak of the mixes and rebuilt audio at most (so a player never clips).
_PEAK = 0.99


def _check_rebuild(n_iter: object, max_seconds: object, seed: object) -> tuple[int, float, int]:
    n = _as_int("n_iter", n_iter)
    if not 1 <= n <= _MAX_ITER:
        raise ParameterError(
            f"n_iter must be between 1 and {_MAX_ITER} Griffin-Lim iterations; got {n}."
        )
    s = _as_float("max_seconds", max_seconds)
    if not 0 < s <= MAX_REBUILD_S:
        raise ParameterError(
            f"max_seconds must be above 0 and at most {MAX_REBUILD_S:g} s (Griffin-Lim is "
            f"slow: rebuild a shorter stretch); got {s:g}."
        )
    return n, s, _as_int("seed", seed)


def _head(y: np.ndarray, sr: int, seconds: float) -> np.ndarray:
    return y[: max(1, int(round(seconds * sr)))]


def _spread_mel(M: np.ndarray, *, sr: int, n_fft: int, fmin: float, fmax: float) -> np.ndarray:
    """A linear-frequency power spectrogram ``(1 + n_fft // 2, t)`` whose mel bands are ``M``.

    Each bin gets the average, weighted by the mel filters that cover it, of those bands'
    power per bin: a flat spectrum comes back flat, a tone comes back as a peak as wide as
    its band. Bins no band covers (outside ``fmin``..``fmax``) stay silent.
    """
    import librosa

    W = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=M.shape[0], fmin=fmin, fmax=fmax)
    area = W.sum(axis=1)
    density = np.divide(M, area[:, None], out=np.zeros_like(M, dtype=np.float64),
                        where=area[:, None] > 0)
    cover = W.sum(axis=0)
    S = W.T @ density
    return np.divide(S, cover[:, None], out=np.zeros_like(S), where=cover[:, None] > 0)


def _griffin_lim(S_power: np.ndarray, *, hop_length: int, n_fft: int, n_iter: int,
                 length: int, seed: int, like: np.ndarray) -> np.ndarray:
    """Audio whose STFT magnitude is ``sqrt(S_power)``, at the loudness of ``like``."""
    import librosa

    out = librosa.griffinlim(np.sqrt(np.maximum(S_power, 0.0)), n_iter=n_iter,
                             hop_length=hop_length, n_fft=n_fft, length=length,
                             random_state=seed)
    out = np.nan_to_num(np.asarray(out, dtype=np.float64))
    target, got = math.sqrt(float(np.mean(like.astype(np.float64) ** 2))), \
        math.sqrt(float(np.mean(out**2)))
    if got <= 0 or target <= 0:
        return np.zeros(length, dtype=np.float32)
    out *= target / got
    peak = float(np.max(np.abs(out)))
    if peak > _PEAK:
        out *= _PEAK / peak
    return out.astype(np.float32)


def from_mel(
    y: np.ndarray,
    *,
    sr: int,
    n_mels: int = 128,
    n_fft: int = 2048,
    hop_length: int = 512,
    fmin: float = 0.0,
    fmax: float | None = None,
    n_iter: int = N_ITER,
    max_seconds: float = MAX_REBUILD_S,
    seed: int = 0,
) -> np.ndarray:
    """Audio rebuilt from the mel power spectrogram of (the start of) ``y``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio; its first ``max_seconds`` are rebuilt.
    sr : int
        Sample rate in Hz.
    n_mels, n_fft, hop_length, fmin, fmax
        The mel spectrogram's settings (:func:`mgc_core.features.mel_power`).
    n_iter : int
        Griffin-Lim iterations, 1 to 200.
    max_seconds : float
        Seconds rebuilt, above 0 and at most :data:`MAX_REBUILD_S`.
    seed : int
        Seed of Griffin-Lim's random starting phase.

    Returns
    -------
    np.ndarray [shape=(min(n, max_seconds * sr),), dtype=float32]

    Raises
    ------
    ParameterError
        On a bad parameter (the same rules as :func:`~mgc_core.features.mel_power`).

    Examples
    --------
    >>> from mgc_core.audio.signals import chirp
    >>> from_mel(chirp(duration=2.0), sr=22050, n_mels=16, n_iter=4).dtype
    dtype('float32')
    """
    n_iter, max_seconds, seed = _check_rebuild(n_iter, max_seconds, seed)
    c = _validate(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
                  fmin=fmin, fmax=fmax)
    head = _head(c.y, c.sr, max_seconds)
    M = mel_power(head, sr=c.sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
                  fmin=c.fmin, fmax=c.fmax)
    S = _spread_mel(np.asarray(M, dtype=np.float64), sr=c.sr, n_fft=int(n_fft),
                    fmin=c.fmin, fmax=c.fmax)
    return _griffin_lim(S, hop_length=int(hop_length), n_fft=int(n_fft), n_iter=n_iter,
                        length=len(head), seed=seed, like=head)


def from_mfcc(
    y: np.ndarray,
    *,
    sr: int,
    n_mfcc: int = 20,
    n_mels: int = 128,
    n_fft: int = 2048,
    hop_length: int = 512,
    fmin: float = 0.0,
    fmax: float | None = None,
    n_iter: int = N_ITER,
    max_seconds: float = MAX_REBUILD_S,
    seed: int = 0,
) -> np.ndarray:
    """Audio rebuilt from the MFCCs of (the start of) ``y``.

    The MFCCs (:func:`mgc_core.features.mfcc`) are turned back into a mel spectrogram by
    ``librosa.feature.inverse.mfcc_to_mel`` (inverse DCT, dB to power); the coefficients
    above ``n_mfcc`` are gone, so fine detail across frequency (the pitch of notes) is
    lost. The mel bands are then rebuilt into audio as in :func:`from_mel`.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio; its first ``max_seconds`` are rebuilt.
    sr : int
    n_mfcc : int
        Coefficients kept, at most ``n_mels``.
    n_mels, n_fft, hop_length, fmin, fmax, n_iter, max_seconds, seed
        As :func:`from_mel`.

    Returns
    -------
    np.ndarray [shape=(min(n, max_seconds * sr),), dtype=float32]

    Raises
    ------
    ParameterError
        On a bad parameter.
    """
    import librosa

    n_iter, max_seconds, seed = _check_rebuild(n_iter, max_seconds, seed)
    c = _validate(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
                  n_mfcc=n_mfcc, fmin=fmin, fmax=fmax)
    head = _head(c.y, c.sr, max_seconds)
    C = mfcc(head, sr=c.sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length,
             n_mels=n_mels, fmin=c.fmin, fmax=c.fmax)
    M = librosa.feature.inverse.mfcc_to_mel(np.asarray(C, dtype=np.float64), n_mels=int(n_mels))
    S = _spread_mel(M, sr=c.sr, n_fft=int(n_fft), fmin=c.fmin, fmax=c.fmax)
    return _griffin_lim(S, hop_length=int(hop_length), n_fft=int(n_fft), n_iter=n_iter,
                        length=len(head), seed=seed, like=head)


def with_beat_clicks(
    y: np.ndarray, *, sr: int, beats: np.ndarray, click_freq: float = 1000.0,
    level: float = 0.6,
) -> np.ndarray:
    """The music with a short click (``librosa.clicks``) mixed in at each beat time.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    beats : np.ndarray [shape=(n_beats,)]
        Beat times in seconds from the start of ``y`` (e.g. from
        :func:`mgc_core.features.tempo_beats`); times after the end are left out. May be
        empty (no beat found): the music comes back unchanged.
    click_freq : float
        Pitch of the click in Hz, 100 Hz to below ``sr / 2``.
    level : float
        Click peak relative to the music's peak, above 0 and at most 2 (full scale when
        the music is silent).

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float32]
        Peak at most 0.99 (the mix is scaled down if needed).

    Raises
    ------
    ParameterError
        On a bad parameter, or beat times that are not finite numbers of seconds >= 0.

    Examples
    --------
    >>> from mgc_core.audio.signals import sine
    >>> y = with_beat_clicks(sine(duration=2.0), sr=22050, beats=np.array([0.5, 1.0, 1.5]))
    >>> y.shape
    (44100,)
    """
    import librosa

    c = _validate(y=y, sr=sr)
    freq = _as_float("click_freq", click_freq)
    if not 100 <= freq < c.sr / 2:
        raise ParameterError(
            f"click_freq must be from 100 Hz to below sr/2 ({c.sr / 2:g} Hz); got {freq:g}."
        )
    lvl = _as_float("level", level)
    if not 0 < lvl <= 2:
        raise ParameterError(f"level must be above 0 and at most 2; got {lvl:g}.")
    times = np.asarray(beats)
    if times.dtype.kind not in "fiu" or times.ndim != 1:
        raise ParameterError(
            "beats must be a 1-D array of beat times in seconds (as tempo_beats returns); "
            f"got dtype {times.dtype} and shape {times.shape}."
        )
    times = times.astype(np.float64)
    if not np.isfinite(times).all() or (times < 0).any():
        raise ParameterError("beats must hold finite times of at least 0 seconds.")
    music = c.y.astype(np.float64)
    times = times[times < len(music) / c.sr]
    if times.size == 0:
        return c.y.copy()
    clicks = librosa.clicks(times=times, sr=c.sr, length=len(music), click_freq=freq)
    peak = float(np.max(np.abs(music))) or 1.0 / lvl
    mix = music + lvl * peak * clicks / max(float(np.max(np.abs(clicks))), 1e-12)
    top = float(np.max(np.abs(mix)))
    if top > _PEAK:
        mix *= _PEAK / top
    return mix.astype(np.float32)

