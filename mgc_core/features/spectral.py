"""Spectra and spectrograms: the average spectrum, STFT and mel spectrograms in dB, MFCCs, and the frame-wise spectral descriptors."""

from __future__ import annotations

import numpy as np

from mgc_core.errors import ParameterError
from mgc_core.features._checks import CONTRAST_BANDS, TOP_DB, _Checked, _contrast_fmin, _validate

__all__ = [
    "spectrum",
    "stft_db",
    "mel_db",
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
    >>> from mgc_core.audio.signals import sine
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
    >>> from mgc_core.audio.signals import chirp
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
    >>> from mgc_core.audio.signals import harmonics
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
    >>> from mgc_core.audio.signals import white_noise
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
