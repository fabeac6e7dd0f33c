"""What the developer tools share: the test music, memory readings, timing statistics,
and the Audio features page's work.

The benchmark (:mod:`mgc_devtools.bench`), the soak test (:mod:`mgc_devtools.soak`) and
the runtime comparison (:mod:`mgc_devtools.runtimes`) import from here, never from one
another's measuring code, so there is no import circle between them.

:func:`features_page_work` is the one description of what the Audio features page
computes with its default settings; the benchmark times its steps
(:func:`features_page_steps`) and the soak test draws its results.

Examples
--------
>>> y = music_like(duration=2.0)
>>> work = features_page_work(y, sr=SR)
>>> sorted(work)[:3]
['beats_envelope', 'chroma', 'hpss']
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mgc_core.errors import MGCError, ParameterError

__all__ = [
    "SR",
    "music_like",
    "rss_mb",
    "peak_rss_mb",
    "time_calls",
    "timing_stats",
    "PageSettings",
    "features_page_steps",
    "features_page_work",
]

#: Sample rate of the synthesised audio and of decoding (the app's analysis rate).
SR = 22050
#: Columns of the page's waveform envelopes (``ui.analysis.envelope``'s default).
ENVELOPE_COLUMNS = 2000
#: The page computes tempo, beats and the harmonic/percussive split only for windows
#: up to this long (its Rhythm tab), in seconds.
RHYTHM_MAX_S = 60.0


# --------------------------------------------------------------------------- test music


def music_like(*, duration: float, sr: int = SR) -> np.ndarray:
    """Deterministic music-like audio: a 120-BPM drum beat over a C major chord.

    Parameters
    ----------
    duration : float
        Length in seconds (above 0, at most 600).
    sr : int
        Sample rate in Hz.

    Returns
    -------
    y : np.ndarray [shape=(round(duration * sr),), dtype=float32]
        Peak 0.8.

    Examples
    --------
    >>> music_like(duration=2.0).shape
    (44100,)
    """
    from mgc_core.audio.signals import drum_pattern, major_chord

    y = 0.6 * drum_pattern(sr=sr, duration=duration) + 0.4 * major_chord(sr=sr, duration=duration)
    return (0.8 / float(np.max(np.abs(y))) * y).astype(np.float32)


# --------------------------------------------------------------------------- memory


def rss_mb() -> float:
    """The resident set size of this process now, in MB (2**20 bytes).

    Read from ``/proc/self/statm`` (Linux); elsewhere from psutil when it is installed.

    Raises
    ------
    MGCError
        If neither is available.
    """
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        raise MGCError(
            "Cannot read this process's memory: /proc/self/statm is missing (not Linux). "
            "Install psutil (pip install psutil) to run the soak test here."
        ) from None
    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MB.

    On Linux, ``VmHWM`` of ``/proc/self/status``: the high-water mark of this program's
    own memory. ``ru_maxrss`` (used elsewhere) is not: a child started by ``subprocess``
    (vfork and exec) inherits the parent's peak in it, so a small child of a big parent
    would report the parent's peak.
    """
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


# --------------------------------------------------------------------------- timing


def time_calls(fn: Callable[[], Any], repeats: int) -> list[float]:
    """Wall times (s) of ``repeats`` calls of ``fn`` after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def timing_stats(seconds: list[float]) -> dict[str, float | int]:
    """``{"median_s", "min_s", "max_s", "n"}`` of a list of wall times."""
    return {
        "median_s": float(statistics.median(seconds)),
        "min_s": float(min(seconds)),
        "max_s": float(max(seconds)),
        "n": len(seconds),
    }


# --------------------------------------------------------------------------- the features page


@dataclass(frozen=True)
class PageSettings:
    """The Audio features page's settings: its sidebar and its time window.

    ``None`` means the page's default for the clip, filled in by :meth:`resolve`
    with the page's own rules (``pages/audio_features.py``).

    Attributes
    ----------
    n_fft : int
        FFT size (page default 2048).
    hop_length : int or None
        Hop length; default ``min(512, n_fft // 2)``.
    fmin, fmax : float or None
        Frequency range in Hz; default the whole range, ``0`` to ``sr / 2``. A range
        narrower than 200 Hz falls back to the whole range, as on the page.
    n_mels : int or None
        Mel bands; default ``min(128, cap)`` where ``cap`` is
        :func:`mgc_core.features.max_n_mels` (``cap`` itself when it is 8 or fewer).
    n_mfcc : int or None
        MFCCs; default ``min(20, n_mels)``.
    deltas : bool
        Add deltas and delta-deltas to the MFCCs (page default off).
    start_s, end_s : float or None
        The analysed window; default from 0 to the clip's end when it lasts at most
        60 s, else to 30 s.
    max_frames : int or None
        Most frames the frame features are computed into (the plot's resolution, see
        :func:`mgc_core.features.frame_grid`); default
        :data:`mgc_core.features.PLOT_FRAMES`, as on the page. A large value (up to
        100000) computes every frame at ``hop_length``, as the page did before it
        bounded its work.
    """

    n_fft: int = 2048
    hop_length: int | None = None
    fmin: float = 0.0
    fmax: float | None = None
    n_mels: int | None = None
    n_mfcc: int | None = None
    deltas: bool = False
    start_s: float = 0.0
    end_s: float | None = None
    max_frames: int | None = None

    def resolve(self, *, duration: float, sr: int) -> PageSettings:
        """These settings with every default filled in for a clip of ``duration`` s at ``sr``.

        Raises
        ------
        ParameterError
            If the window is shorter than 0.5 s (the page refuses it).
        """
        from mgc_core import features

        nyquist = sr / 2
        hop = self.hop_length if self.hop_length is not None else min(512, self.n_fft // 2)
        fmin = float(self.fmin)
        fmax = float(self.fmax) if self.fmax is not None else nyquist
        if fmax - fmin < 200:
            fmin, fmax = 0.0, nyquist
        cap = features.max_n_mels(sr=sr, n_fft=self.n_fft, fmin=fmin, fmax=fmax)
        n_mels = self.n_mels if self.n_mels is not None else (cap if cap <= 8 else min(128, cap))
        n_mfcc = self.n_mfcc if self.n_mfcc is not None else min(20, n_mels)
        end_s = self.end_s if self.end_s is not None else (
            duration if duration <= 60 else 30.0)
        if end_s - self.start_s < 0.5:
            raise ParameterError(
                f"the window must last at least 0.5 s; got {self.start_s:g}-{end_s:g} s."
            )
        max_frames = features.PLOT_FRAMES if self.max_frames is None else int(self.max_frames)
        return dataclasses.replace(self, hop_length=int(hop), fmin=fmin, fmax=fmax,
                                   n_mels=int(n_mels), n_mfcc=int(n_mfcc), end_s=float(end_s),
                                   max_frames=max_frames)


def features_page_steps(
    y: np.ndarray, *, sr: int, settings: PageSettings | None = None
) -> dict[str, Callable[[], Any]]:
    """The Audio features page's computations as named calls, not yet run.

    Every tab of the page, each opened once, with the settings given (the page's
    defaults when ``None``); the spectrogram in both kinds (STFT for the linear and
    log axes, mel for the mel axis). The calls and their arguments are those of
    ``ui/analysis.py``: the frame features are computed at the plot's resolution,
    from :func:`mgc_core.features.pooled_power` (at most ``settings.max_frames``
    frames; exact for a short window). Each frame step includes that spectrogram,
    which the page computes once per window and shares between its tabs, so a step
    times its tab opened first: Spectrogram ``stft_db`` (or ``mel_db``), MFCC
    ``mfcc``, Timbre & loudness ``spectral_features``, Pitch & harmony ``chroma``
    plus ``tonnetz``.

    To time the page's work on a 240-s window of a clip ``y`` of at least 240 s:
    ``features_page_steps(y, sr=sr, settings=PageSettings(end_s=240.0))``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The whole clip, mono.
    sr : int
        Its sample rate.
    settings : PageSettings, optional
        The page's settings; resolved for this clip with :meth:`PageSettings.resolve`.

    Returns
    -------
    dict of str to callable
        In the page's order: ``waveform_envelope`` (whole clip), ``spectrum``,
        ``stft_db``, ``mel_db``, ``mfcc``, ``spectral_features``, ``chroma``,
        ``tonnetz``, and for a window of at most 60 s ``tempo_beats``, ``hpss`` and
        ``beats_envelope`` (the window's envelope under the beats).

    Raises
    ------
    ParameterError
        If the settings do not fit the clip (see :meth:`PageSettings.resolve`).
    """
    from mgc_core import features

    y = np.asarray(y)
    s = (settings or PageSettings()).resolve(duration=len(y) / sr, sr=sr)
    w = features.window(y, sr=sr, start_s=s.start_s, end_s=s.end_s)
    spectral = {"sr": sr, "n_fft": s.n_fft, "hop_length": s.hop_length}
    mel = {**spectral, "n_mels": s.n_mels, "fmin": s.fmin, "fmax": s.fmax}
    grid = features.frame_grid(len(w), n_fft=s.n_fft, hop_length=s.hop_length,
                               max_frames=s.max_frames)
    t_grid = features.tonnetz_grid(len(w), hop_length=s.hop_length, max_frames=s.max_frames)

    def power() -> np.ndarray:
        return features.pooled_power(w, max_frames=s.max_frames, **spectral)

    steps: dict[str, Callable[[], Any]] = {
        "waveform_envelope": lambda: features.waveform_envelope(
            y, sr=sr, n_columns=ENVELOPE_COLUMNS),
        "spectrum": lambda: features.spectrum(w, sr=sr, n_fft=s.n_fft),
        "stft_db": lambda: features.stft_db(S=power(), **spectral),
        "mel_db": lambda: features.mel_db(S=power(), **mel),
        "mfcc": lambda: features.mfcc(S=power(), n_mfcc=s.n_mfcc, deltas=s.deltas, **mel),
        "spectral_features": lambda: features.spectral_features(
            w, S=power(), sr=sr, n_fft=s.n_fft, hop_length=grid.hop_length, pool=grid.pool),
        "chroma": lambda: features.chroma(S=power(), **spectral),
        "tonnetz": lambda: features.tonnetz(
            w, sr=sr, hop_length=t_grid.hop_length, pool=t_grid.pool),
    }
    if s.end_s - s.start_s <= RHYTHM_MAX_S:
        steps["tempo_beats"] = lambda: features.tempo_beats(
            w, sr=sr, hop_length=max(s.hop_length, features.BEAT_HOP))
        steps["hpss"] = lambda: features.hpss(w)
        steps["beats_envelope"] = lambda: features.waveform_envelope(
            w, sr=sr, n_columns=ENVELOPE_COLUMNS)
    return steps


def features_page_work(
    y: np.ndarray, *, sr: int, settings: PageSettings | None = None
) -> dict[str, Any]:
    """Do the Audio features page's work: every result of :func:`features_page_steps`.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The whole clip, mono.
    sr : int
        Its sample rate.
    settings : PageSettings, optional
        The page's settings (its defaults when ``None``).

    Returns
    -------
    dict
        The result of each step, under its name.

    Raises
    ------
    ParameterError
        If the settings do not fit the clip.

    Examples
    --------
    >>> work = features_page_work(music_like(duration=3.0), sr=SR)
    >>> work["mfcc"].shape[0], work["mel_db"].shape[0]
    (20, 128)
    """
    return {name: step() for name, step in features_page_steps(y, sr=sr, settings=settings).items()}
