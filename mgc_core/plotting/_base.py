"""Shared look and helpers of every figure: size, colours, margins, pooling of large matrices."""

from __future__ import annotations

from typing import Literal

import numpy as np
import plotly.graph_objects as go

from mgc_core.errors import ParameterError

HEIGHT = 330
MAX_COLUMNS = 1500
MAX_ROWS = 512
LINE_COLOR = "#332288"
MARKER_COLOR = "#CC6677"
_MARGIN = {"l": 60, "r": 20, "t": 45, "b": 45}


# --------------------------------------------------------------------------- helpers


def _layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        height=height,
        margin=_MARGIN,
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    return fig


def _groups(n: int, limit: int, positions: np.ndarray | None = None) -> np.ndarray | None:
    """Start indices of at most ``limit`` runs covering ``n`` entries; None if ``n <= limit``.

    Runs are equally long, or, given increasing positive ``positions``, equally wide
    on a log scale (so a log axis keeps its low rows and pools the crowded high ones).
    """
    if n <= limit:
        return None
    if positions is None:
        return np.arange(0, n, -(-n // max(1, limit)))
    edges = np.geomspace(positions[0], positions[-1], limit + 1)[:-1]
    return np.unique(np.searchsorted(positions, edges, side="left"))


def _pool(
    a: np.ndarray, starts: np.ndarray | None, *, axis: int, how: Literal["max", "mean"]
) -> np.ndarray:
    """Reduce the runs of ``a`` along ``axis`` that begin at ``starts`` to their max or mean."""
    if starts is None:
        return a
    a = np.asarray(a)
    if how == "max":
        return np.maximum.reduceat(a, starts, axis=axis)
    sizes = np.diff(np.append(starts, a.shape[axis]))
    shape = [1] * a.ndim
    shape[axis] = sizes.size
    out = np.add.reduceat(a.astype(np.float64), starts, axis=axis) / sizes.reshape(shape)
    return out.astype(a.dtype) if a.dtype.kind == "f" else out


def _check_matrix(Z: np.ndarray, name: str, *, rows: int | None = None) -> np.ndarray:
    Z = np.asarray(Z)
    if Z.ndim != 2 or Z.size == 0:
        raise ParameterError(f"{name} must be a non-empty 2-D array; got shape {Z.shape}.")
    if rows is not None and Z.shape[0] != rows:
        raise ParameterError(f"{name} must have {rows} rows; got shape {Z.shape}.")
    return Z


def _add_markers(fig: go.Figure, times: np.ndarray, *, name: str) -> None:
    """Add vertical lines at ``times`` as one trace on a hidden 0..1 axis.

    One trace (x = each time twice, separated by ``None``) instead of one shape per
    marker keeps long songs fast and the times readable from ``fig.data[-1].x``.
    """
    times = np.asarray(times, dtype=float).ravel()
    x = np.column_stack([times, times, np.full(times.size, np.nan)]).ravel()
    y = np.tile([0.0, 1.0, np.nan], times.size)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            name=name,
            yaxis="y2",
            line={"color": MARKER_COLOR, "width": 1, "dash": "dot"},
            hoverinfo="x",
        )
    )
    fig.update_layout(
        yaxis2={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True}
    )
