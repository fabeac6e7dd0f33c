"""Plotly figures, split by subject: audio and its features, one piece of music's
results, stored evaluations, the dataset.

Every builder takes data computed elsewhere (:mod:`mgc_core.features`,
:mod:`mgc_core.analysis`, :mod:`mgc_core.evaluation`) and returns a
``plotly.graph_objects.Figure`` (it never shows it). The numbers stay on the traces
(``fig.data[i].x / .y / .z``), so a figure can be checked as data. Time axes are in
seconds, frequency axes in Hz. Large matrices are pooled to at most ``max_columns``
time columns (and ``max_rows`` frequency rows), so a ten-minute song draws as fast
as a short clip. Plotting knows no model: whatever it needs of one (a sample rate,
a hop) is passed in.

Examples
--------
>>> from mgc_core import features, plotting
>>> from mgc_core.audio.signals import sine
>>> y = sine(freq=440.0, duration=1.0)
>>> fig = plotting.spectrum_figure(*features.spectrum(y, sr=22050))
>>> fig.layout.xaxis.type
'log'
"""

from __future__ import annotations

from mgc_core.features import frame_times
from mgc_core.plotting._base import LINE_COLOR, MARKER_COLOR
from mgc_core.plotting.audio import (
    beats_figure,
    chroma_figure,
    contrast_figure,
    feature_lines_figure,
    heatmap_figure,
    mfcc_figure,
    spectrogram_figure,
    spectrum_figure,
    tonnetz_figure,
    waveform_figure,
)
from mgc_core.plotting.dataset import clip_map_figure, genre_counts_figure
from mgc_core.plotting.evaluation import (
    confusion_figure,
    grouped_bars_figure,
    pairwise_figure,
    reliability_figure,
)
from mgc_core.plotting.results import genre_bars_figure, occlusion_figure, timeline_figure

__all__ = [
    "waveform_figure", "beats_figure", "spectrum_figure", "heatmap_figure",
    "spectrogram_figure", "mfcc_figure", "chroma_figure", "tonnetz_figure",
    "contrast_figure", "feature_lines_figure", "frame_times",
    "genre_bars_figure", "timeline_figure", "occlusion_figure",
    "confusion_figure", "grouped_bars_figure", "pairwise_figure", "reliability_figure",
    "clip_map_figure", "genre_counts_figure", "LINE_COLOR", "MARKER_COLOR",
]
