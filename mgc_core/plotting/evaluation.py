"""Figures of stored evaluations: confusion matrices, grouped metric bars, pairwise agreement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from mgc_core.errors import ParameterError
from mgc_core.plotting._base import _layout

__all__ = [
    "confusion_figure",
    "grouped_bars_figure",
    "pairwise_figure",
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
