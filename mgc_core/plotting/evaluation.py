"""Figures of stored evaluations: confusion matrices, grouped metric bars, pairwise agreement,
reliability diagrams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from mgc_core.errors import ParameterError
from mgc_core.plotting._base import LINE_COLOR, MARKER_COLOR, _layout

__all__ = [
    "confusion_figure",
    "grouped_bars_figure",
    "pairwise_figure",
    "reliability_figure",
]


# --------------------------------------------------------------------------- evaluation results


def confusion_figure(
    counts: np.ndarray,
    *,
    normalize: bool = False,
    labels: Sequence[str] | None = None,
    title: str = "",
    height: int = 460,
) -> go.Figure:
    """A confusion matrix as a heatmap: true genres down, predicted genres across.

    Parameters
    ----------
    counts : np.ndarray [shape=(n, n), dtype=int]
        Clip counts; rows are the true classes, columns the predicted ones.
    normalize : bool
        If True, show each row divided by its total (the share of each true genre
        given each label; a row of zeros, a genre with no clip, stays zero).
        Otherwise show the counts.
    labels : sequence of str, optional
        Class names; defaults to :data:`~mgc_core.genres.GENRES`.
    title : str
    height : int

    Returns
    -------
    go.Figure
        One heatmap trace; ``z`` holds the counts (or row shares), ``customdata`` the
        counts, which the hover text always shows.
    """
    from mgc_core.genres import GENRES

    labels = list(GENRES if labels is None else labels)
    C = np.asarray(counts)
    if C.ndim != 2 or C.shape != (len(labels), len(labels)):
        raise ParameterError(f"counts must be a square matrix of shape "
                             f"({len(labels)}, {len(labels)}); got shape {C.shape}.")
    if not np.all(np.isfinite(C)) or np.any(C < 0):
        raise ParameterError("counts must hold finite, non-negative clip counts.")
    C = C.astype(np.int64)
    totals = C.sum(axis=1, keepdims=True)
    if normalize:
        z = np.divide(C, totals, out=np.zeros(C.shape), where=totals > 0)
        text, zmax, bar = ".0%", 1.0, {"title": "share", "tickformat": ".0%"}
        hover = "true %{y} → predicted %{x}: %{z:.1%} of the row (%{customdata} clips)"
    else:
        z = C
        text, zmax, bar = "d", max(int(C.max()), 1), {"title": "clips"}
        hover = "true %{y} → predicted %{x}: %{customdata} clips"
    fig = go.Figure(
        go.Heatmap(
            z=z, x=labels, y=labels, customdata=C, zmin=0, zmax=zmax, colorscale="Blues",
            colorbar=bar, texttemplate=f"%{{z:{text}}}", hovertemplate=hover + "<extra></extra>",
        )
    )
    _layout(fig, title=title, x_title="predicted genre", y_title="true genre", height=height)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="bottom")
    return fig


def grouped_bars_figure(
    values: Mapping[str, Mapping[str, float]],
    *,
    colors: Mapping[str, str] | None = None,
    title: str = "",
    y_title: str = "",
    height: int = 320,
) -> go.Figure:
    """Grouped bars of scores in [0, 1]: one trace per series, one group per category.

    Parameters
    ----------
    values : mapping of str to mapping of str to float
        Series name -> {category: value}; every series has the same categories.
    colors : mapping of str to str, optional
        Series name -> colour.
    title, y_title : str
    height : int

    Returns
    -------
    go.Figure
        One bar trace per series, in the order of ``values``; ``x`` the categories,
        ``y`` the values.
    """
    if not values:
        raise ParameterError("values is empty: give at least one series of bars.")
    categories = list(next(iter(values.values())))
    fig = go.Figure()
    for name, series in values.items():
        if list(series) != categories:
            raise ParameterError(f"series {name!r} has categories {list(series)}, "
                                 f"expected {categories}.")
        y = np.asarray([series[c] for c in categories], dtype=float)
        fig.add_trace(go.Bar(
            x=categories, y=y, name=name, marker_color=(colors or {}).get(name),
            text=[f"{v:.0%}" for v in y], textposition="outside",
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
        ))
    _layout(fig, title=title, x_title="", y_title=y_title, height=height)
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%")
    return fig


def pairwise_figure(
    matrix: np.ndarray,
    names: Sequence[str],
    *,
    title: str = "",
    zmin: float = 0.0,
    zmax: float = 1.0,
    value_format: str = ".2f",
    height: int = 320,
) -> go.Figure:
    """A symmetric model-by-model matrix (agreement, kappa) as an annotated heatmap.

    Parameters
    ----------
    matrix : np.ndarray [shape=(n, n)]
        Values; NaN cells stay blank.
    names : sequence of str
        The ``n`` row and column labels.
    title : str
    zmin, zmax : float
        Colour range.
    value_format : str
        d3 format of the numbers written in the cells.
    height : int

    Returns
    -------
    go.Figure
        One heatmap trace whose ``z`` is ``matrix``.
    """
    M = np.asarray(matrix, dtype=float)
    names = list(names)
    if M.shape != (len(names), len(names)):
        raise ParameterError(f"matrix must have shape ({len(names)}, {len(names)}) to match "
                             f"names; got {M.shape}.")
    fig = go.Figure(
        go.Heatmap(
            z=M, x=names, y=names, zmin=zmin, zmax=zmax, colorscale="Blues", showscale=False,
            texttemplate=f"%{{z:{value_format}}}",
            hovertemplate=f"%{{y}} vs %{{x}}: %{{z:{value_format}}}<extra></extra>",
        )
    )
    _layout(fig, title=title, x_title="", y_title="", height=height)
    fig.update_yaxes(autorange="reversed")
    return fig


def reliability_figure(
    edges: np.ndarray,
    confidence: np.ndarray,
    accuracy: np.ndarray,
    counts: np.ndarray,
    *,
    title: str = "",
    height: int = 360,
) -> go.Figure:
    """A reliability diagram: in each bin of confidence, how often the model was right.

    A calibrated model's bars reach the diagonal: of the answers it gave with 70%
    confidence, 70% were right. Bars below the diagonal, and below the marks of how sure
    it said it was, are overconfidence; bars above are modesty.

    Parameters
    ----------
    edges : np.ndarray [shape=(n_bins + 1,)]
        Bin edges of confidence, increasing, within [0, 1].
    confidence, accuracy : np.ndarray [shape=(n_bins,)]
        Mean confidence and share right of each bin's answers; NaN for an empty bin.
    counts : np.ndarray [shape=(n_bins,)]
        Answers in each bin.
    title : str
    height : int

    Returns
    -------
    go.Figure
        ``data[0]`` the bars (``x`` bin centres, ``y`` the share right, ``None`` for an
        empty bin; ``customdata`` rows of bin start, bin end, mean confidence, count);
        ``data[1]`` the mean confidence of each bin as a mark (``y``); ``data[2]`` the
        diagonal of perfect calibration.

    Raises
    ------
    ParameterError
        If the arrays do not match ``edges`` in length or the edges are not increasing
        within [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> fig = reliability_figure(np.array([0, 0.5, 1]), np.array([np.nan, 0.9]),
    ...                          np.array([np.nan, 0.6]), np.array([0, 40]))
    >>> fig.data[0].y, fig.data[1].y
    ((None, 0.6), (None, 0.9))
    """
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) \
            or edges[0] < 0 or edges[-1] > 1:
        raise ParameterError("edges must be at least two increasing bin edges within [0, 1].")
    n_bins = edges.size - 1
    arrays = {"confidence": confidence, "accuracy": accuracy, "counts": counts}
    conf, acc, n = (np.asarray(a, dtype=float) for a in arrays.values())
    for (name, _), a in zip(arrays.items(), (conf, acc, n), strict=True):
        if a.shape != (n_bins,):
            raise ParameterError(f"{name} must have one value per bin ({n_bins}); got shape "
                                 f"{a.shape}.")

    def _values(a: np.ndarray) -> list[float | None]:
        return [None if not np.isfinite(v) else float(v) for v in a]

    centres = (edges[:-1] + edges[1:]) / 2
    custom = np.column_stack([edges[:-1], edges[1:], np.nan_to_num(conf), n])
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=centres, y=_values(acc), width=np.diff(edges) * 0.9, customdata=custom,
        name="how often it was right", marker_color=LINE_COLOR, opacity=0.85,
        text=[f"{int(c)}" if c else "" for c in n], textposition="inside",
        insidetextanchor="start", textfont={"size": 10},
        hovertemplate=("said %{customdata[0]:.0%}–%{customdata[1]:.0%} (on average "
                       "%{customdata[2]:.0%}): right %{y:.0%} of %{customdata[3]:.0f} clips"
                       "<extra></extra>"),
    ))
    fig.add_trace(go.Scatter(
        x=centres, y=_values(conf), mode="markers", name="how sure it said it was",
        marker={"symbol": "line-ew-open", "size": 22, "color": MARKER_COLOR,
                "line": {"width": 3, "color": MARKER_COLOR}},
        hovertemplate="said %{y:.0%} on average<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="calibrated: right as often as it says",
        line={"color": "#888888", "dash": "dash", "width": 1}, hoverinfo="skip",
    ))
    _layout(fig, title=title, x_title="how sure the model said it was (its top probability)",
            y_title="share of answers right", height=height)
    fig.update_xaxes(range=[0, 1], tickformat=".0%", dtick=0.1)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    fig.update_layout(legend={"orientation": "h", "y": -0.25}, bargap=0)
    return fig
