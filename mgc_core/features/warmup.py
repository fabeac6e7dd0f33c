"""Compile librosa's numba kernels once, into the on-disk cache."""

from __future__ import annotations

from mgc_core.features.grid import frame_grid, waveform_envelope
from mgc_core.features.harmony import chroma, tonnetz
from mgc_core.features.rhythm import hpss, tempo_beats
from mgc_core.features.spectral import (
    log_mel,
    mel_db,
    mel_power,
    mfcc,
    pooled_power,
    spectral_features,
    spectrum,
    stft_db,
    stft_power,
)

__all__ = [
    "warm_up",
]


# --------------------------------------------------------------------------- warm-up


def warm_up() -> None:
    """Run every feature once on 2 s of synthetic audio.

    librosa's numba kernels are compiled on first use (about 17 s on a cold
    cache). Calling this at set-up time with ``NUMBA_CACHE_DIR`` set (see
    :mod:`mgc_core`) writes them to the on-disk cache, so later processes
    start fast. Used by ``python -m mgc_core warmup``.

    Examples
    --------
    >>> warm_up()
    """
    from mgc_core.audio.signals import drum_pattern, major_chord

    sr = 22050
    y = 0.5 * major_chord(sr=sr, duration=2.0) + 0.5 * drum_pattern(sr=sr, duration=2.0)
    waveform_envelope(y, sr=sr)
    spectrum(y, sr=sr)
    S = stft_power(y, sr=sr)
    stft_db(S=S, sr=sr)
    mel_db(M=mel_power(S=S, sr=sr), sr=sr)
    log_mel(S=S, sr=sr)
    mfcc(y, sr=sr, deltas=True)
    chroma(y, sr=sr)
    tonnetz(y, sr=sr)
    tonnetz(y, sr=sr, pool=4)
    spectral_features(y, sr=sr, S=S)
    grid = frame_grid(y.size, n_fft=2048, hop_length=512, max_frames=10)
    pooled = pooled_power(y, sr=sr, max_frames=10)
    spectral_features(y, sr=sr, S=pooled, hop_length=grid.hop_length, pool=grid.pool)
    tempo_beats(y, sr=sr)
    hpss(y)
