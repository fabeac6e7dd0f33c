"""Figures of one piece of music's results: genre bars, the segment timeline, the CNN's
occlusion map."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from mgc_core.errors import ParameterError
from mgc_core.features import (
    mel_frequencies,
)
from mgc_core.plotting._base import _MARGIN, _check_matrix, _layout

__all__ = [
    "genre_bars_figure",
    "timeline_figure",
    "occlusion_figure",
]

#: Room above the plot for the chart's toolbar (plotly's mode bar, about 25 px, and the
#: app's own buttons, drawn over a figure's top right corner when it is hovered or
#: tapped): the titles sit below it, just above the plot, not under it on a narrow screen.
_TOOLBAR_ROOM = 30
_TITLE_BELOW_TOOLBAR = {"yref": "paper", "y": 1.0, "yanchor": "bottom", "pad": {"b": 8}}


# --------------------------------------------------------------------------- genre results


def genre_bars_figure(
    probabilities: np.ndarray, *, title: str = "", height: int = 300
) -> go.Figure:
    """Horizontal bars of the ten genre probabilities, each in its genre's colour.

    Parameters
    ----------
    probabilities : np.ndarray [shape=(10,)]
        In :data:`~mgc_core.genres.GENRES` order.
    title : str
    height : int

    Returns
    -------
    go.Figure
        One bar trace; ``y`` holds the genres, ``x`` the probabilities.
    """
    from mgc_core.genres import GENRE_COLORS, GENRES

    p = _check_matrix(np.asarray(probabilities, dtype=float)[None, :], "probabilities", rows=1)[0]
    fig = go.Figure(
        go.Bar(
            x=p, y=list(GENRES), orientation="h",
            marker_color=[GENRE_COLORS[g] for g in GENRES],
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    _layout(fig, title=title, x_title="probability", y_title="", height=height)
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    return fig


def timeline_figure(
    segment_times: np.ndarray,
    segment_probabilities: np.ndarray,
    *,
    title: str = "",
    selected: int | None = None,
    height: int = 260 + _TOOLBAR_ROOM,
) -> go.Figure:
    """A genre timeline: probability of every genre (rows) in every segment (columns).

    Parameters
    ----------
    segment_times : np.ndarray [shape=(n, 2)]
        Start and end of each segment (s).
    segment_probabilities : np.ndarray [shape=(n, 10)]
        In GENRES order.
    title : str
    selected : int or None
        A segment to outline.
    height : int

    Returns
    -------
    go.Figure
        A heatmap whose ``z`` is ``segment_probabilities.T``.
    """
    from mgc_core.genres import GENRES

    times = np.asarray(segment_times, dtype=float)
    P = _check_matrix(np.asarray(segment_probabilities, dtype=float), "segment_probabilities")
    # Cell edges (n + 1 values): each segment's cell spans its own start to end, even
    # when there is a single segment.
    edges = np.append(times[:, 0], times[-1, 1])
    fig = go.Figure(
        go.Heatmap(
            z=P.T, x=edges, y=list(GENRES), zmin=0, zmax=1, colorscale="Blues",
            colorbar={"title": "p", "tickformat": ".0%"},
            hovertemplate="%{y}: %{z:.1%}<extra></extra>",
        )
    )
    if selected is not None and 0 <= selected < len(times):
        t0, t1 = times[selected]
        fig.add_vrect(x0=t0, x1=t1, line_width=2, line_color="#CC6677", fillcolor="rgba(0,0,0,0)")
    _layout(fig, title=title, x_title="Time (s)", y_title="", height=height)
    fig.update_layout(margin={**_MARGIN, "t": _MARGIN["t"] + _TOOLBAR_ROOM},
                      title=_TITLE_BELOW_TOOLBAR)
    fig.update_yaxes(autorange="reversed")
    return fig


# --------------------------------------------------------------------------- saliency

#: Frequencies (Hz) that may label a mel axis; those inside the bank's range are used.
_MEL_TICKS_HZ = (50, 100, 250, 500, 1000, 2000, 4000, 8000, 16000)


def _mel_band_ticks(
    n_mels: int, *, fmin: float, fmax: float | None, sr: int
) -> tuple[list[float], list[str]]:
    """Where round frequencies fall on an axis of mel bands numbered 1 to ``n_mels``.

    Band centres are equally spaced in mel, so a frequency's (fractional) band number
    is linear in its mel value, also beyond the outer centres up to the rows' edges.
    Ticks are kept from the top down at least a twelfth of the axis apart, so the
    crowded low frequencies do not print over one another.
    """
    import librosa

    mels = librosa.hz_to_mel(mel_frequencies(n_mels, fmin, fmax, sr=sr))
    step = float(mels[1] - mels[0]) if n_mels > 1 else 1.0
    gap = n_mels / 12
    ticks: list[tuple[float, str]] = []
    for hz in sorted(_MEL_TICKS_HZ, reverse=True):
        band = 1.0 + (float(librosa.hz_to_mel(hz)) - float(mels[0])) / step
        if 0.5 <= band <= n_mels + 0.5 and (not ticks or ticks[-1][0] - band >= gap):
            ticks.append((band, f"{hz:g}" if hz < 1000 else f"{hz / 1000:g}k"))
    ticks.reverse()
    return [b for b, _ in ticks], [t for _, t in ticks]



def occlusion_figure(
    logmel_segment: np.ndarray,
    saliency: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    start_s: float = 0.0,
    fmin: float = 0.0,
    fmax: float | None = None,
    title: str = "",
    height: int = 560 + _TOOLBAR_ROOM,
) -> go.Figure:
    """A log-mel segment above its occlusion map, on shared time and mel-band axes.

    Each mel band is one row of equal height, as the CNN sees it (a linear Hz axis
    would squeeze most bands into the bottom strip); the rows are labelled in Hz.

    Parameters
    ----------
    logmel_segment : np.ndarray [shape=(frames, mel bands)]
        One model input, e.g. ``CNNModel().inputs(front)[i]`` (187 x 96 at 16 kHz).
    saliency : np.ndarray [shape=(frames, mel bands)]
        Its map from :func:`mgc_core.analysis.saliency.occlusion_map` (drop in probability).
    sr : int
        Sample rate (Hz) the log-mel was computed at (the models': 16000).
    hop_length : int
        Samples between frames (the models': 256).
    start_s : float
        Time (s) of the segment's first frame in the clip.
    fmin, fmax : float
        Frequency range (Hz) of the mel filter bank; ``fmax=None`` means ``sr / 2``
        (the models' front end uses the whole range).
    title : str
    height : int

    Returns
    -------
    go.Figure
        ``data[0]`` the log-mel heatmap and ``data[1]`` the occlusion heatmap, each
        with ``z`` of shape ``(mel bands, frames)``, ``x`` the frame times (s) and
        ``y`` the band numbers 1 (lowest) to ``mel bands``, one equal row each. The y
        axes' ticks sit at round frequencies (``tickvals`` in band numbers, between
        bands where a frequency falls between their centres; ``ticktext`` in Hz,
        e.g. ``"1k"``). The occlusion colours are diverging and centred on 0: red
        where hiding the region lowers the probability.

    Raises
    ------
    ParameterError
        If the two arrays are not 2-D of the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> fig = occlusion_figure(np.zeros((187, 96)), np.zeros((187, 96)), sr=16000,
    ...                        hop_length=256, start_s=3.0)
    >>> np.asarray(fig.data[1].z).shape
    (96, 187)
    """
    from plotly.subplots import make_subplots

    L = _check_matrix(np.asarray(logmel_segment, dtype=float), "logmel_segment")
    S = _check_matrix(np.asarray(saliency, dtype=float), "saliency")
    if L.shape != S.shape:
        raise ParameterError(
            f"logmel_segment and saliency must have the same shape; got {L.shape} and {S.shape}."
        )
    x = float(start_s) + np.arange(L.shape[0]) * hop_length / sr
    bands = np.arange(1, L.shape[1] + 1)
    reach = float(np.max(np.abs(S))) or 1.0
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Log-mel spectrogram (the CNN's input)",
                                        "Occlusion map: drop in probability when hidden"))
    fig.add_trace(go.Heatmap(
        z=L.T, x=x, y=bands, colorscale="Viridis",
        colorbar={"title": {"text": "log-mel"}, "thickness": 12, "y": 0.78, "len": 0.45},
        hovertemplate="%{x:.2f} s, mel band %{y}: %{z:.2f}<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Heatmap(
        z=S.T, x=x, y=bands, colorscale="RdBu_r", zmid=0.0, zmin=-reach, zmax=reach,
        colorbar={"title": {"text": "drop"}, "thickness": 12, "y": 0.22, "len": 0.45,
                  "tickformat": "+.0%"},
        hovertemplate="%{x:.2f} s, mel band %{y}: %{z:+.1%}<extra></extra>",
    ), row=2, col=1)
    tickvals, ticktext = _mel_band_ticks(L.shape[1], fmin=fmin, fmax=fmax, sr=sr)
    fig.update_yaxes(title_text="Frequency (Hz)", tickmode="array", tickvals=tickvals,
                     ticktext=ticktext, range=[0.5, L.shape[1] + 0.5])
    fig.update_xaxes(title_text="Time (s)", row=2, col=1)
    # The subplot titles sit just above their plots: the room above the first keeps its
    # title clear of the toolbar.
    fig.update_layout(title={"text": title, "x": 0.01, "xanchor": "left"},
                      template="plotly_white", height=height,
                      margin={**_MARGIN, "t": _MARGIN["t"] + _TOOLBAR_ROOM})
    return fig
