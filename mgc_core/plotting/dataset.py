"""Figures of the dataset: clip maps and genre counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from mgc_core.errors import ParameterError
from mgc_core.plotting._base import _layout

__all__ = [
    "clip_map_figure",
    "genre_counts_figure",
]


# --------------------------------------------------------------------------- dataset


def clip_map_figure(
    xy: np.ndarray,
    genres: Sequence[str],
    *,
    ids: Sequence[str],
    hover: Sequence[str] | None = None,
    highlight: str | None = None,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    height: int = 440,
) -> go.Figure:
    """A 2-D map of clips: one point per clip, one trace (and legend entry) per genre.

    Parameters
    ----------
    xy : np.ndarray [shape=(n, 2)]
        Coordinates, e.g. from :func:`mgc_core.explore.maps.clip_map`.
    genres : sequence of str [length n]
        Genre of each clip; colours follow :data:`~mgc_core.genres.GENRE_COLORS`.
    ids : sequence of str [length n]
        Clip ids, shown on hover.
    hover : sequence of str [length n], optional
        A second hover line per clip (e.g. artist and title).
    highlight : str, optional
        The id of a clip to mark with a large outlined star (an extra trace named
        ``'selected'``); ignored when not among ``ids``.
    title, x_title, y_title : str
    height : int

    Returns
    -------
    go.Figure
        Genre traces in GENRES order, only for the genres present; their ``x``/``y``
        together hold every point once and ``customdata`` the ids and hover lines.

    Raises
    ------
    ParameterError
        If the shapes disagree or a genre is unknown.
    """
    from mgc_core.genres import GENRE_COLORS, GENRES

    xy = np.asarray(xy, dtype=float)
    n = len(ids)
    if xy.ndim != 2 or xy.shape != (n, 2) or len(genres) != n:
        raise ParameterError(
            f"xy must have shape (n, 2) with one genre and one id per row; got xy "
            f"{xy.shape}, {len(genres)} genres, {n} ids."
        )
    hover = list(hover) if hover is not None else [""] * n
    if len(hover) != n:
        raise ParameterError(f"hover has {len(hover)} entries for {n} clips.")
    unknown = sorted(set(genres) - set(GENRES))
    if unknown:
        raise ParameterError(f"Unknown genre(s) {unknown}: use {', '.join(GENRES)}.")
    genres_arr = np.asarray(genres)
    custom = np.stack([np.asarray(ids, dtype=object), np.asarray(hover, dtype=object)], axis=1)
    fig = go.Figure()
    for genre in GENRES:
        rows = np.flatnonzero(genres_arr == genre)
        if rows.size == 0:
            continue
        fig.add_trace(go.Scatter(
            x=xy[rows, 0], y=xy[rows, 1], mode="markers", name=genre,
            marker={"color": GENRE_COLORS[genre], "size": 7, "opacity": 0.85,
                    "line": {"width": 0.5, "color": "white"}},
            customdata=custom[rows],
            hovertemplate=f"<b>%{{customdata[0]}}</b> ({genre})<br>%{{customdata[1]}}"
                          "<extra></extra>",
        ))
    if highlight is not None and highlight in ids:
        i = list(ids).index(highlight)
        fig.add_trace(go.Scatter(
            x=[xy[i, 0]], y=[xy[i, 1]], mode="markers", name="selected",
            marker={"symbol": "star", "size": 18, "color": GENRE_COLORS[genres[i]],
                    "line": {"width": 2, "color": "black"}},
            customdata=custom[[i]],
            hovertemplate="<b>%{customdata[0]}</b> (selected)<br>%{customdata[1]}"
                          "<extra></extra>",
        ))
    _layout(fig, title=title, x_title=x_title, y_title=y_title, height=height)
    fig.update_xaxes(showticklabels=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, zeroline=False)
    return fig


def genre_counts_figure(
    counts: Mapping[str, int], *, title: str = "", height: int = 300
) -> go.Figure:
    """Vertical bars of a count per genre (e.g. clips per genre), in each genre's colour.

    Parameters
    ----------
    counts : mapping of str to int
        Genre -> count; genres of :data:`~mgc_core.genres.GENRES` that are absent
        count 0, others are an error.
    title : str
    height : int

    Returns
    -------
    go.Figure
        One bar trace; ``x`` the genres in GENRES order, ``y`` the counts.
    """
    from mgc_core.genres import GENRE_COLORS, GENRES

    unknown = sorted(set(counts) - set(GENRES))
    if unknown:
        raise ParameterError(f"counts has genres outside GENRES: {', '.join(unknown)}.")
    y = [int(counts.get(g, 0)) for g in GENRES]
    fig = go.Figure(
        go.Bar(x=list(GENRES), y=y, text=y, textposition="outside",
               marker_color=[GENRE_COLORS[g] for g in GENRES],
               hovertemplate="%{x}: %{y} clips<extra></extra>")
    )
    _layout(fig, title=title, x_title="", y_title="clips", height=height)
    fig.update_yaxes(range=[0, max(y + [1]) * 1.15])
    return fig
