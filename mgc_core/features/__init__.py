"""Classic audio features of a mono signal: spectra, MFCC, chroma, rhythm and their axes.

:mod:`~mgc_core.features.grid` (frame times, windows, the frame grid of a plot, mel band
centres, the envelope),
:mod:`~mgc_core.features.spectral` (spectrum, STFT and mel spectrograms in power, dB and
log-compressed, MFCC, spectral descriptors),
:mod:`~mgc_core.features.harmony` (chroma, tonnetz) and :mod:`~mgc_core.features.rhythm`
(tempo, beats, harmonic/percussive split). Features do not know who uses them: the
page calls them at its settings, the models' front end at the models' rate and
settings.

Pure functions on 1-D floating-point arrays, with librosa doing the signal
processing. Every function checks its options through one validator,
:mod:`mgc_core.features._checks`, which raises :class:`~mgc_core.errors.ParameterError` naming
the value and the fix, so the same parameter is checked the same way everywhere.

As in librosa, the frame features also take a spectrogram computed before instead
of the samples: ``S``, the power spectrogram of :func:`stft_power`, or ``M``, the
mel power spectrogram of :func:`mel_power`. The result is the same as from the
samples at the same settings, so one STFT of a clip can feed all its features.

Plots of long windows: :func:`pooled_power` computes a power spectrogram of at most
:data:`PLOT_FRAMES` frames (exact for short audio; for long audio each frame is the
average power of a run of frames, Welch's method), which every feature above takes
as ``S``; :func:`frame_grid` says where its frames sit, and :func:`spectral_features`
takes its ``pool``; :func:`tonnetz` takes the ``pool`` of :func:`tonnetz_grid`.

Time axes: a frame ``i`` of a feature matrix is centred on sample
``i * hop_length`` (librosa's ``center=True``), see :func:`frame_times`.

Examples
--------
>>> import numpy as np
>>> from mgc_core import features
>>> from mgc_core.audio.signals import sine
>>> y = sine(freq=440.0, sr=22050, duration=1.0)
>>> freqs, db = features.spectrum(y, sr=22050)
>>> round(float(freqs[np.argmax(db)]))
441
>>> features.mel_db(y, sr=22050, n_mels=64).shape
(64, 44)
>>> S = features.stft_power(y, sr=22050)
>>> M_db = features.mel_db(S=S, sr=22050, n_mels=64)
>>> bool((M_db == features.mel_db(y, sr=22050, n_mels=64)).all())
True
"""

from __future__ import annotations

from mgc_core.features.grid import (
    PLOT_FRAMES,
    Envelope,
    FrameGrid,
    contrast_band_edges,
    frame_grid,
    frame_times,
    max_n_mels,
    mel_frequencies,
    pool_frames,
    waveform_envelope,
    window,
)
from mgc_core.features.harmony import (
    PITCH_CLASSES,
    TONNETZ_LABELS,
    TONNETZ_MAX_HOP,
    chroma,
    tonnetz,
    tonnetz_grid,
)
from mgc_core.features.rhythm import BEAT_HOP, hpss, tempo_beats
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
from mgc_core.features.warmup import warm_up

__all__ = [
    "Envelope",
    "waveform_envelope",
    "window",
    "spectrum",
    "stft_power",
    "pooled_power",
    "stft_db",
    "mel_power",
    "mel_db",
    "log_mel",
    "mel_frequencies",
    "max_n_mels",
    "mfcc",
    "chroma",
    "tonnetz",
    "tonnetz_grid",
    "spectral_features",
    "contrast_band_edges",
    "tempo_beats",
    "hpss",
    "BEAT_HOP",
    "frame_times",
    "FrameGrid",
    "frame_grid",
    "pool_frames",
    "PLOT_FRAMES",
    "warm_up",
    "PITCH_CLASSES",
    "TONNETZ_LABELS",
    "TONNETZ_MAX_HOP",
]
