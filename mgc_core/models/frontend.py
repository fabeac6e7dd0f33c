"""The shared front end of every genre model: one segment grid, one spectrogram.

All models analyse audio at 16 kHz (:data:`SR`), so that bandwidth gives nothing
away (30 GTZAN clips exist only at 16 kHz). The clip's STFT and mel spectrogram
are computed **once** (:func:`analyse`) and every model reads its inputs from the
result, segment by segment:

- the segment grid is 187 frames of hop 256 at 16 kHz (2.992 s, "3-second
  segments", the patch length of musicnn), with a hop of 187 frames (no overlap):
  segment ``i`` covers frames ``[187 i, 187 (i + 1))``; a trailing part shorter
  than one segment is dropped, except that a clip shorter than one segment is
  padded by repeating it (as musicnn was trained) rather than rejected;
- :attr:`Frontend.logmel` is musicnn's input, ``log10(1 + 10000 mel)``, also the
  CNN's input; the LSTM's MFCCs and the KNN's summary features derive from the
  same mel and STFT power.

The features are those of the Audio features page: :func:`analyse` calls
:func:`mgc_core.features.stft_power` and :func:`mgc_core.features.mel_power`, and
the models read their inputs with the other functions of :mod:`mgc_core.features`
given these spectrograms (their ``S=`` and ``M=`` inputs), all at the settings of
:data:`SETTINGS`. The page's features at these settings are therefore exactly what
the models receive: ``features.log_mel(M=front.mel, sr=SR)`` is the CNN's input
(bands first), ``features.mfcc(M=front.mel, sr=SR, n_mfcc=20, deltas=True)`` the
LSTM's, and :func:`mgc_core.models.knn.frame_features` the KNN's frame rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mgc_core import features
from mgc_core.errors import ParameterError

__all__ = [
    "FrontendSettings",
    "SETTINGS",
    "SR",
    "N_FFT",
    "HOP",
    "N_MELS",
    "SEGMENT_FRAMES",
    "SEGMENT_SECONDS",
    "Frontend",
    "analyse",
    "analyse_audio",
    "to_model_rate",
    "segment_times",
    "pool_segments",
]


@dataclass(frozen=True)
class FrontendSettings:
    """The settings of the models' front end (hashable: usable as a cache key).

    Attributes
    ----------
    sr : int
        Sample rate (Hz) every model analyses at.
    n_fft, hop_length : int
        STFT size and hop (samples).
    n_mels : int
        Mel bands (Slaney mel, librosa defaults).
    segment_frames : int
        Frames per segment (187 frames of hop 256 at 16 kHz: 2.992 s).
    """

    sr: int = 16000
    n_fft: int = 512
    hop_length: int = 256
    n_mels: int = 96
    segment_frames: int = 187

    @property
    def segment_samples(self) -> int:
        """Samples per segment."""
        return self.segment_frames * self.hop_length

    @property
    def segment_seconds(self) -> float:
        """Length of a segment (s)."""
        return self.segment_samples / self.sr


#: The one set of front-end settings every model uses.
SETTINGS = FrontendSettings()
SR = SETTINGS.sr
N_FFT = SETTINGS.n_fft
HOP = SETTINGS.hop_length
N_MELS = SETTINGS.n_mels
SEGMENT_FRAMES = SETTINGS.segment_frames
SEGMENT_SAMPLES = SETTINGS.segment_samples
SEGMENT_SECONDS = SETTINGS.segment_seconds  # 2.992 s
LOG_GAIN = 10000.0


@dataclass(frozen=True, eq=False)
class Frontend:
    """A clip's spectrograms at 16 kHz, computed once and shared by all models.

    Attributes
    ----------
    y : np.ndarray [shape=(n,), dtype=float32]
        The (possibly repeat-padded) 16-kHz samples analysed.
    power : np.ndarray [shape=(1 + N_FFT // 2, t), dtype=float32]
        STFT power spectrogram, :func:`mgc_core.features.stft_power` of ``y``;
        ``t = 1 + n // HOP``.
    mel : np.ndarray [shape=(N_MELS, t), dtype=float32]
        Mel power spectrogram (Slaney mel, librosa defaults),
        :func:`mgc_core.features.mel_power` of ``power``.
    n_segments : int
        Number of segments on the grid (at least 1).

    Notes
    -----
    Outputs of a pretrained network that several models read (the AudioSet tagger's
    segment outputs feed the transfer model, the AudioSet model and the music/speech
    gate) are computed once per analysis through :meth:`shared`, and live as long as
    this object: nothing is kept beyond one clip's analysis.
    """

    y: np.ndarray
    power: np.ndarray
    mel: np.ndarray
    n_segments: int
    _shared: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)

    def shared(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per analysis and ``key`` (e.g. a network's sha256), then reused."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    @property
    def logmel(self) -> np.ndarray:
        """musicnn's input, ``log10(1 + 10000 mel)``, shape ``(t, N_MELS)``, float32.

        :func:`mgc_core.features.log_mel` of :attr:`mel`, frames first.
        """
        return features.log_mel(M=self.mel, sr=SR, gain=LOG_GAIN).T

    def segments(self, frames_by_feature: np.ndarray) -> np.ndarray:
        """Cut a ``(t, f)`` array into ``(n_segments, SEGMENT_FRAMES, f)`` segments."""
        n = self.n_segments
        return np.ascontiguousarray(
            frames_by_feature[: n * SEGMENT_FRAMES].reshape(n, SEGMENT_FRAMES, -1)
        )

    def segment_samples(self, i: int) -> np.ndarray:
        """The 16-kHz samples of segment ``i``."""
        return self.y[i * SEGMENT_SAMPLES : (i + 1) * SEGMENT_SAMPLES]


def to_model_rate(samples: np.ndarray, sr: int) -> np.ndarray:
    """Resample mono ``samples`` from ``sr`` to 16 kHz (soxr, high quality)."""
    import soxr

    y = np.asarray(samples, dtype=np.float32)
    if y.ndim != 1:
        raise ParameterError(f"samples must be mono (1-D); got shape {y.shape}.")
    if sr == SR:
        return y
    return soxr.resample(y, sr, SR, quality="HQ").astype(np.float32)


def analyse(y: np.ndarray, *, sr: int = SR) -> Frontend:
    """Compute the shared spectrograms of a clip.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio at 16 kHz.
    sr : int
        Must be 16000; resample first with :func:`to_model_rate`.

    Returns
    -------
    Frontend

    Examples
    --------
    >>> import librosa
    >>> front = analyse(librosa.tone(440, sr=16000, duration=10.0))
    >>> front.n_segments, front.logmel.shape[1]
    (3, 96)
    """
    if sr != SR:
        raise ParameterError(f"the models' front end needs {SR} Hz audio; got {sr} Hz: "
                             "resample with to_model_rate(samples, sr) first.")
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"y must be non-empty mono audio, a 1-D array of samples; got "
                             f"shape {y.shape} (mix channels down first, e.g. y.mean(axis=0)).")
    if not np.all(np.isfinite(y)):
        raise ParameterError("y contains NaN or infinite samples (clean it with "
                             "np.nan_to_num(y)).")
    if y.size < SEGMENT_SAMPLES:  # shorter than one segment: repeat-pad, as musicnn does
        y = np.tile(y, int(np.ceil(SEGMENT_SAMPLES / y.size)))[:SEGMENT_SAMPLES]
    s = SETTINGS
    power = features.stft_power(y, sr=s.sr, n_fft=s.n_fft, hop_length=s.hop_length)
    mel = features.mel_power(S=power, sr=s.sr, n_fft=s.n_fft, hop_length=s.hop_length,
                             n_mels=s.n_mels)
    n_segments = max(1, power.shape[1] // s.segment_frames)
    return Frontend(y=y, power=power, mel=mel, n_segments=n_segments)


def analyse_audio(audio) -> Frontend:  # noqa: ANN001 - mgc_core.audio.Audio
    """Resample an :class:`~mgc_core.audio.Audio` to 16 kHz and analyse it (the one way in)."""
    return analyse(to_model_rate(audio.samples, audio.sr))


def segment_times(n_segments: int) -> np.ndarray:
    """Start and end times (s) of each segment, shape ``(n_segments, 2)``."""
    starts = np.arange(n_segments) * SEGMENT_SECONDS
    return np.stack([starts, starts + SEGMENT_SECONDS], axis=1)


def pool_segments(probabilities: np.ndarray) -> np.ndarray:
    """Clip probabilities from segment probabilities: the normalised mean of log-probabilities.

    Parameters
    ----------
    probabilities : np.ndarray [shape=(n_segments, n_classes)]

    Returns
    -------
    np.ndarray [shape=(n_classes,)]
        ``softmax(mean_i log p_i)``, i.e. the normalised geometric mean (a product
        of experts over the segments).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ParameterError(f"probabilities must be (n_segments, n_classes); got {p.shape}.")
    logp = np.log(np.clip(p, 1e-7, 1.0)).mean(axis=0)
    logp -= logp.max()
    out = np.exp(logp)
    return (out / out.sum()).astype(np.float32)
