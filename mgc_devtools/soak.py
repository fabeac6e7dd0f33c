"""A soak test: many analyses in one process, resident memory watched after each.

One *analysis* is what the app does with a new piece of music, end to end:

1. synthesise a music-like clip (:func:`mgc_devtools._common.music_like`: a drum beat
   over a C major chord) of a random length between ``min_seconds`` and
   ``max_seconds``, encode it as WAV bytes and decode them with
   :func:`~mgc_core.audio.load_audio` (22050 Hz, as the input panel does);
2. the Classify page: :func:`~mgc_core.analysis.classify.classify` with every bundled model,
   :func:`~mgc_core.analysis.verdict.verdict`, the JSON download, per model its probability
   bars and segment timeline, and the CNN's occlusion map
   (:func:`~mgc_core.analysis.saliency.occlusion_map`) of the first segment with its figure;
3. the Audio features page with its default settings
   (:func:`mgc_devtools._common.features_page_work`: the whole clip when it lasts at
   most 60 s, else its first 30 s; ``n_fft=2048``, ``hop_length=512``, up to 128 mel
   bands, 20 MFCCs): the waveform envelope, spectrum, STFT and mel spectrograms,
   MFCCs, spectral features, chroma, tonnetz, tempo and beats, and the
   harmonic/percussive split, each with the page's figure;

every figure serialised to JSON as ``st.plotly_chart`` does, then dropped (and any
matplotlib figure closed). After each analysis the garbage collector runs and the
resident set size (RSS) is read. The check compares the RSS after the
:data:`BASELINE_AFTER`-th analysis (models loaded, kernels compiled, allocator warm)
with the RSS after the last: a growth above :data:`BOUND_MB` is a leak.

This is a leak check, not a speed test. :func:`run_soak` returns data and prints
nothing; ``python -m mgc_core soak`` prints it.

Examples
--------
>>> from mgc_devtools.soak import run_soak
>>> report = run_soak(12, max_seconds=5.0)                 # doctest: +SKIP
>>> report.growth_mb <= report.bound_mb                    # doctest: +SKIP
True
"""

from __future__ import annotations

import functools
import gc
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mgc_core.errors import ParameterError
from mgc_devtools._common import (
    SR,
    PageSettings,
    features_page_work,
    music_like,
    peak_rss_mb,
    rss_mb,
)

__all__ = ["run_soak", "analyse_once", "SoakReport", "BOUND_MB", "BASELINE_AFTER",
           "MIN_SECONDS", "MAX_SECONDS"]

#: Largest allowed growth of the RSS from after the baseline analysis to after the last (MB).
BOUND_MB = 150.0
#: The analysis after which the baseline RSS is read (1-based).
BASELINE_AFTER = 10
#: Default range of the clips' lengths, in seconds.
MIN_SECONDS, MAX_SECONDS = 3.0, 60.0
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SoakReport:
    """What :func:`run_soak` measured.

    Attributes
    ----------
    durations_s : tuple of float
        Length of each analysed clip, in order.
    rss_mb : tuple of float
        RSS (MB) after each analysis, after a garbage collection.
    start_rss_mb : float
        RSS before the first analysis (modules imported, no model loaded).
    baseline_after : int
        The analysis (1-based) whose RSS is the baseline: ``min(BASELINE_AFTER, n)``.
    bound_mb : float
        The largest growth that passes.
    seconds : float
        Wall time of all the analyses.
    peak_rss_mb : float
        The process's peak RSS (``ru_maxrss``) at the end.
    figures : int
        Figures built (and serialised) per analysis, summed over all analyses.
    """

    durations_s: tuple[float, ...]
    rss_mb: tuple[float, ...]
    start_rss_mb: float
    baseline_after: int
    bound_mb: float
    seconds: float
    peak_rss_mb: float
    figures: int

    @property
    def n_analyses(self) -> int:
        return len(self.rss_mb)

    @property
    def baseline_mb(self) -> float:
        """RSS after analysis ``baseline_after``."""
        return self.rss_mb[self.baseline_after - 1]

    @property
    def last_mb(self) -> float:
        """RSS after the last analysis."""
        return self.rss_mb[-1]

    @property
    def growth_mb(self) -> float:
        """``last_mb - baseline_mb``."""
        return self.last_mb - self.baseline_mb

    @property
    def slope_mb_per_100(self) -> float:
        """Least-squares slope of the RSS after the baseline, in MB per 100 analyses
        (0 with fewer than 3 points): a steady leak shows here before it breaks the bound."""
        tail = np.asarray(self.rss_mb[self.baseline_after - 1:], dtype=float)
        if tail.size < 3:
            return 0.0
        return float(np.polyfit(np.arange(tail.size), tail, 1)[0] * 100)

    @property
    def passed(self) -> bool:
        """Whether the growth is at most the bound."""
        return self.growth_mb <= self.bound_mb

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the summary first, then the per-analysis series."""
        return {
            "n_analyses": self.n_analyses,
            "baseline_after": self.baseline_after,
            "start_rss_mb": round(self.start_rss_mb, 1),
            "baseline_rss_mb": round(self.baseline_mb, 1),
            "last_rss_mb": round(self.last_mb, 1),
            "growth_mb": round(self.growth_mb, 1),
            "bound_mb": self.bound_mb,
            "passed": self.passed,
            "slope_mb_per_100": round(self.slope_mb_per_100, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "seconds": round(self.seconds, 1),
            "figures": self.figures,
            "durations_s": [round(d, 2) for d in self.durations_s],
            "rss_mb": [round(r, 1) for r in self.rss_mb],
        }


def _close_matplotlib() -> None:
    """Close every matplotlib figure, if matplotlib's pyplot was imported by anyone."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@functools.lru_cache(maxsize=1)
def _loaded_models(assets_dir: str) -> dict[str, Any]:
    from mgc_core.analysis.classify import load_models

    return load_models(assets_dir=assets_dir)


def _app_models() -> dict[str, Any]:
    """Every bundled model of the assets folder in use, loaded once and kept, as the
    app's model cache (``ui.results``) keeps them: the library itself caches nothing."""
    from mgc_core import assets

    return _loaded_models(str(assets.ASSETS_DIR))


def analyse_once(y: np.ndarray, *, sr: int = SR) -> int:
    """One analysis of the soak (decode, Classify page, Audio features page).

    The models are loaded on the first analysis and kept for the process, as in the app.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The clip, mono float32 in [-1, 1].
    sr : int
        Its sample rate.

    Returns
    -------
    int
        How many figures were built (each serialised to JSON, then dropped).

    Raises
    ------
    AssetError
        If a bundled model is missing or altered.
    """
    from mgc_core import features, plotting
    from mgc_core.analysis.classify import classify
    from mgc_core.analysis.rows import to_json_dict
    from mgc_core.analysis.saliency import occlusion_map
    from mgc_core.analysis.verdict import verdict
    from mgc_core.audio import Audio, load_audio, to_wav_bytes
    from mgc_core.models import FRONTEND, MODEL_TITLES
    from mgc_core.models.frontend import analyse_audio

    figures = 0

    def show(fig: Any) -> None:  # what st.plotly_chart does with a figure: serialise it
        nonlocal figures
        fig.to_json()
        figures += 1

    audio = load_audio(to_wav_bytes(Audio(y, sr=sr)), sr=SR)
    samples, rate = audio.samples, audio.sr

    # The Classify page.
    models = _app_models()
    result = classify(audio, loaded=models)
    verdict(result)
    json.dumps(to_json_dict(result, file="soak.wav"))
    for name, r in result.models.items():
        show(plotting.genre_bars_figure(r.probabilities, height=280))
        show(plotting.timeline_figure(result.segment_times, r.segment_probabilities,
                                      title=MODEL_TITLES[name], selected=0))
    cnn = models["cnn"]
    logmel = cnn.inputs(analyse_audio(audio))[0]
    p = np.asarray(cnn.predict_proba(logmel[None]), dtype=float)[0]
    saliency = occlusion_map(cnn, logmel, target=int(np.argmax(p)))
    show(plotting.occlusion_figure(logmel, saliency, sr=FRONTEND.sr,
                                    hop_length=FRONTEND.hop_length, start_s=0.0))

    # The Audio features page, default settings: its work, then its figures.
    s = PageSettings().resolve(duration=audio.duration, sr=rate)
    f = features_page_work(samples, sr=rate, settings=s)
    hop, fmin, fmax, start_s = s.hop_length, s.fmin, s.fmax, s.start_s
    wave = plotting.waveform_figure(f["waveform_envelope"], title="Waveform of soak.wav")
    wave.add_vrect(x0=start_s, x1=s.end_s, fillcolor="#88CCEE", opacity=0.25, line_width=0)
    show(wave)
    show(plotting.spectrum_figure(*f["spectrum"], log_freq=True, fmin=fmin, fmax=fmax))
    for key, axis in (("stft_db", "log"), ("mel_db", "mel")):
        show(plotting.spectrogram_figure(f[key], sr=rate, hop_length=hop, y_axis=axis,
                                         fmin=fmin, fmax=fmax, start_s=start_s))
    show(plotting.mfcc_figure(f["mfcc"], sr=rate, hop_length=hop, start_s=start_s))
    sf = f["spectral_features"]
    times = start_s + features.frame_times(len(sf["centroid"]), sr=rate, hop_length=hop)
    for keys, title, unit in ((("centroid", "bandwidth", "rolloff"), "Brightness", "Hz"),
                              (("rms", "zcr", "flatness"), "Loudness", "value")):
        show(plotting.feature_lines_figure(times, {k: sf[k] for k in keys}, title=title,
                                           y_title=unit))
    show(plotting.contrast_figure(sf["contrast"], sr=rate, hop_length=hop, start_s=start_s))
    show(plotting.chroma_figure(f["chroma"], sr=rate, hop_length=hop, start_s=start_s))
    show(plotting.tonnetz_figure(f["tonnetz"], sr=rate, hop_length=hop, start_s=start_s))
    if "tempo_beats" in f:  # the Rhythm tab: windows of at most 60 s
        tempo, beats = f["tempo_beats"]
        show(plotting.beats_figure(f["beats_envelope"], beats + start_s, tempo_bpm=tempo,
                                   start_s=start_s))
        for part in f["hpss"]:  # the page's two audio players
            to_wav_bytes(Audio(part, sr=rate))
    _close_matplotlib()
    return figures


def run_soak(
    n_analyses: int = 200,
    *,
    seed: int = 0,
    min_seconds: float = MIN_SECONDS,
    max_seconds: float = MAX_SECONDS,
    bound_mb: float = BOUND_MB,
    progress: Progress | None = None,
) -> SoakReport:
    """Run ``n_analyses`` analyses of clips of varying length in this process.

    Parameters
    ----------
    n_analyses : int
        How many analyses (1 to 10000). With at most :data:`BASELINE_AFTER`, the
        baseline is the last one and the growth is 0: use more for a real check.
    seed : int
        Seed of the clips' lengths.
    min_seconds, max_seconds : float
        Range of the clips' lengths (uniform), at least 3 s (one model segment) and at
        most 600 s.
    bound_mb : float
        The largest RSS growth that passes.
    progress : callable ``(stage, done, total)``, optional
        Called after each analysis (the CLI draws a progress bar).

    Returns
    -------
    SoakReport

    Raises
    ------
    ParameterError
        If an argument is out of range.
    AssetError
        If a bundled model is missing or altered.
    MGCError
        If this process's memory cannot be read (see :func:`mgc_devtools._common.rss_mb`).
    """
    if isinstance(n_analyses, bool) or not isinstance(n_analyses, (int, np.integer)) or not (
        1 <= n_analyses <= 10000
    ):
        raise ParameterError(f"n_analyses must be an integer from 1 to 10000; got {n_analyses!r}.")
    if not (3.0 <= min_seconds <= max_seconds <= 600.0):
        raise ParameterError(
            "the clip lengths must satisfy 3 <= min_seconds <= max_seconds <= 600; got "
            f"min_seconds={min_seconds!r}, max_seconds={max_seconds!r}."
        )
    if not (np.isfinite(bound_mb) and bound_mb > 0):
        raise ParameterError(f"bound_mb must be a positive number; got {bound_mb!r}.")
    n = int(n_analyses)
    durations = np.round(np.random.default_rng(seed).uniform(min_seconds, max_seconds, n), 2)

    gc.collect()
    start_rss = rss_mb()
    rss, figures = [], 0
    start = time.perf_counter()
    if progress is not None:
        progress("soak", 0, n)
    for i, duration in enumerate(durations):
        figures += analyse_once(music_like(duration=float(duration), sr=SR), sr=SR)
        gc.collect()
        rss.append(rss_mb())
        if progress is not None:
            progress("soak", i + 1, n)
    return SoakReport(
        durations_s=tuple(float(d) for d in durations),
        rss_mb=tuple(rss),
        start_rss_mb=start_rss,
        baseline_after=min(BASELINE_AFTER, n),
        bound_mb=float(bound_mb),
        seconds=time.perf_counter() - start,
        peak_rss_mb=peak_rss_mb(),
        figures=figures,
    )
