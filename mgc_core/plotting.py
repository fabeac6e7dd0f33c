"""Plotly figures of audio and its features.

Every builder takes data computed by :mod:`mgc_core.features` and returns a
``plotly.graph_objects.Figure`` (it never shows it). The numbers stay on the
traces (``fig.data[i].x / .y / .z``), so a figure can be checked as data. Time
axes are in seconds, frequency axes in Hz. Large matrices are pooled to at most
``max_columns`` time columns (and ``max_rows`` frequency rows), so a ten-minute
song draws as fast as a short clip.

Examples
--------
>>> from mgc_core import features, plotting
>>> from mgc_core.signals import sine
>>> y = sine(freq=440.0, duration=1.0)
>>> fig = plotting.spectrum_figure(*features.spectrum(y, sr=22050))
>>> fig.layout.xaxis.type
'log'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import plotly.graph_objects as go

from mgc_core.errors import ParameterError
from mgc_core.features import (
    PITCH_CLASSES,
    TONNETZ_LABELS,
    Envelope,
    contrast_band_edges,
    frame_times,
    mel_frequencies,
)

__all__ = [
    "waveform_figure",
    "beats_figure",
    "spectrum_figure",
    "heatmap_figure",
    "spectrogram_figure",
    "mfcc_figure",
    "chroma_figure",
    "tonnetz_figure",
    "contrast_figure",
    "feature_lines_figure",
    "frame_times",
]

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


# --------------------------------------------------------------------------- waveform, spectrum


def waveform_figure(
    env: Envelope,
    *,
    title: str = "Waveform",
    start_s: float = 0.0,
    beat_times: np.ndarray | None = None,
    height: int = HEIGHT,
) -> go.Figure:
    """Waveform outline: the band between each column's minimum and maximum.

    Parameters
    ----------
    env : Envelope
        From :func:`mgc_core.features.waveform_envelope`.
    title : str
        Figure title.
    start_s : float
        Added to ``env.times`` (for an envelope of a window cut out of a song).
    beat_times : np.ndarray [shape=(n_beats,)] or None
        Absolute times (s) to mark with vertical lines (last trace).
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        ``data[0]``: the maxima (``x`` = times, ``y`` = ``env.ymax``);
        ``data[1]``: the minima, filled up to ``data[0]``.

    Examples
    --------
    >>> from mgc_core.features import waveform_envelope
    >>> from mgc_core.signals import am_tone
    >>> fig = waveform_figure(waveform_envelope(am_tone(duration=1.0), sr=22050))
    >>> len(fig.data)
    2
    """
    x = np.asarray(env.times, dtype=float) + float(start_s)
    style = {"mode": "lines", "line": {"color": LINE_COLOR, "width": 1}, "showlegend": False}
    fig = go.Figure(
        [
            go.Scatter(x=x, y=env.ymax, name="max", hoverinfo="skip", **style),
            go.Scatter(x=x, y=env.ymin, name="min", fill="tonexty", hoverinfo="skip", **style),
        ]
    )
    if beat_times is not None:
        _add_markers(fig, beat_times, name="beats")
    return _layout(fig, title=title, x_title="Time (s)", y_title="Amplitude", height=height)


def beats_figure(
    env: Envelope,
    beat_times: np.ndarray,
    *,
    tempo_bpm: float | None = None,
    start_s: float = 0.0,
    title: str | None = None,
    height: int = HEIGHT,
) -> go.Figure:
    """Waveform with a dotted vertical line at every beat.

    Parameters
    ----------
    env : Envelope
        Waveform envelope.
    beat_times : np.ndarray [shape=(n_beats,)]
        Beat times in seconds, on the same (absolute) clock as ``env.times + start_s``.
    tempo_bpm : float or None
        Shown in the default title.
    start_s : float
        Added to ``env.times``.
    title : str or None
        Figure title; default "Beats" plus the tempo when given.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        As :func:`waveform_figure`; the beats are the last trace.

    Examples
    --------
    >>> import numpy as np
    >>> from mgc_core.features import waveform_envelope
    >>> from mgc_core.signals import click_track
    >>> env = waveform_envelope(click_track(duration=2.0), sr=22050)
    >>> fig = beats_figure(env, np.array([0.0, 0.5, 1.0, 1.5]), tempo_bpm=120.0)
    >>> fig.layout.title.text
    'Beats (120 BPM)'
    """
    if title is None:
        title = "Beats" if tempo_bpm is None else f"Beats ({tempo_bpm:.0f} BPM)"
    return waveform_figure(env, title=title, start_s=start_s, beat_times=beat_times, height=height)


def spectrum_figure(
    freqs: np.ndarray,
    db: np.ndarray,
    *,
    log_freq: bool = True,
    fmin: float | None = None,
    fmax: float | None = None,
    title: str = "Spectrum",
    height: int = HEIGHT,
) -> go.Figure:
    """Line plot of a spectrum in dB against frequency.

    Parameters
    ----------
    freqs : np.ndarray [shape=(n,)]
        Frequencies in Hz (from :func:`mgc_core.features.spectrum`).
    db : np.ndarray [shape=(n,)]
        Levels in dB.
    log_freq : bool
        Logarithmic frequency axis (the 0 Hz bin is then left out).
    fmin, fmax : float or None
        Keep only frequencies in this range (Hz).
    title : str
        Figure title.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        ``data[0].x`` frequencies (Hz), ``data[0].y`` levels (dB).

    Examples
    --------
    >>> import numpy as np
    >>> fig = spectrum_figure(np.array([0.0, 100.0, 200.0]), np.array([-10.0, 0.0, -5.0]))
    >>> fig.data[0].x.tolist()
    [100.0, 200.0]
    """
    freqs, db = np.asarray(freqs, dtype=float), np.asarray(db)
    if freqs.ndim != 1 or freqs.shape != db.shape or freqs.size == 0:
        raise ParameterError(
            f"freqs and db must be 1-D arrays of the same non-zero length; got shapes "
            f"{freqs.shape} and {db.shape}."
        )
    keep = np.ones(freqs.size, dtype=bool)
    if log_freq:
        keep &= freqs > 0
    if fmin is not None:
        keep &= freqs >= fmin
    if fmax is not None:
        keep &= freqs <= fmax
    if not keep.any():
        raise ParameterError(
            f"No frequency of the spectrum lies between fmin={fmin} and fmax={fmax} Hz; "
            "widen the range."
        )
    fig = go.Figure(
        go.Scatter(
            x=freqs[keep],
            y=db[keep],
            mode="lines",
            line={"color": LINE_COLOR, "width": 1.5},
            hovertemplate="%{x:.0f} Hz<br>%{y:.1f} dB<extra></extra>",
        )
    )
    fig.update_xaxes(type="log" if log_freq else "linear")
    return _layout(fig, title=title, x_title="Frequency (Hz)", y_title="Level (dB)", height=height)


# --------------------------------------------------------------------------- heatmaps


def heatmap_figure(
    Z: np.ndarray,
    *,
    x: np.ndarray,
    y: Sequence[float] | Sequence[str] | np.ndarray,
    title: str,
    y_title: str,
    x_title: str = "Time (s)",
    colorbar_title: str = "",
    colorscale: str = "Viridis",
    y_type: Literal["linear", "log", "category"] = "linear",
    zmin: float | None = None,
    zmax: float | None = None,
    zmid: float | None = None,
    pool: Literal["max", "mean"] = "mean",
    max_columns: int = MAX_COLUMNS,
    max_rows: int = MAX_ROWS,
    height: int = HEIGHT,
) -> go.Figure:
    """A feature matrix as a heatmap: rows ``y``, columns at times ``x``.

    The generic builder behind the spectrogram, MFCC, chroma, tonnetz and
    contrast figures. Columns beyond ``max_columns`` are pooled (``pool="max"``
    keeps peaks, right for dB spectrograms; ``"mean"`` suits signed features),
    and so are rows beyond ``max_rows`` when ``y`` is numeric (in equal runs, or
    runs of equal log-width on a log axis); ``x`` and ``y`` are averaged over the
    same runs.

    Parameters
    ----------
    Z : np.ndarray [shape=(n_rows, n_cols)]
        Values.
    x : np.ndarray [shape=(n_cols,)]
        Time (s) of each column.
    y : array-like [shape=(n_rows,)]
        Row positions (numbers, e.g. Hz) or row names (strings).
    title, y_title, x_title, colorbar_title : str
        Texts.
    colorscale : str
        Plotly colour scale.
    y_type : {"linear", "log", "category"}
        Type of the y axis.
    zmin, zmax, zmid : float or None
        Colour range (``zmid`` centres a diverging scale).
    pool : {"max", "mean"}
        How to pool columns and rows.
    max_columns, max_rows : int
        Most columns and rows drawn.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        ``data[0]`` is the ``go.Heatmap`` (``x``, ``y``, ``z``).

    Examples
    --------
    >>> import numpy as np
    >>> fig = heatmap_figure(np.zeros((3, 5000)), x=np.arange(5000) / 100, y=[1, 2, 3],
    ...                      title="t", y_title="row", max_columns=1000)
    >>> np.asarray(fig.data[0].z).shape
    (3, 1000)
    """
    Z = _check_matrix(Z, "Z")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y)
    if x.shape != (Z.shape[1],) or y.shape != (Z.shape[0],):
        raise ParameterError(
            f"x and y must have one entry per column and per row of Z {Z.shape}; got "
            f"{x.shape} and {y.shape}."
        )
    if pool not in ("max", "mean"):
        raise ParameterError(f"pool must be 'max' or 'mean'; got {pool!r}.")
    g = _groups(Z.shape[1], max_columns)
    Z, x = _pool(Z, g, axis=1, how=pool), _pool(x, g, axis=0, how="mean")
    if y.dtype.kind in "iuf":
        y = y.astype(float)
        log_rows = y_type == "log" and y[0] > 0 and np.all(np.diff(y) > 0)
        g = _groups(Z.shape[0], max_rows, y if log_rows else None)
        Z, y = _pool(Z, g, axis=0, how=pool), _pool(y, g, axis=0, how="mean")
    else:
        y = [str(v) for v in y]
    fig = go.Figure(
        go.Heatmap(
            z=Z,
            x=x,
            y=y,
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax,
            zmid=zmid,
            colorbar={"title": {"text": colorbar_title}, "thickness": 12},
        )
    )
    fig.update_yaxes(type=y_type)
    return _layout(fig, title=title, x_title=x_title, y_title=y_title, height=height)


def _times(n_frames: int, *, sr: int, hop_length: int, start_s: float) -> np.ndarray:
    return float(start_s) + frame_times(n_frames, sr=sr, hop_length=hop_length)


def spectrogram_figure(
    S_db: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    y_axis: Literal["linear", "log", "mel"] = "linear",
    fmin: float = 0.0,
    fmax: float | None = None,
    start_s: float = 0.0,
    title: str = "Spectrogram",
    max_columns: int = MAX_COLUMNS,
    max_rows: int = MAX_ROWS,
    height: int = HEIGHT,
) -> go.Figure:
    """Spectrogram heatmap with real frequencies (Hz) on the y axis.

    Parameters
    ----------
    S_db : np.ndarray [shape=(n_bins, t)]
        :func:`~mgc_core.features.stft_db` output (``n_bins = 1 + n_fft // 2``) for
        ``"linear"`` and ``"log"``; :func:`~mgc_core.features.mel_db` output
        (``n_bins = n_mels``) for ``"mel"``.
    sr : int
        Sample rate in Hz.
    hop_length : int
        Samples between frames.
    y_axis : {"linear", "log", "mel"}
        ``"linear"``/``"log"``: rows are FFT bins, shown between ``fmin`` and
        ``fmax`` on a linear/log axis (log leaves out 0 Hz). ``"mel"``: rows are
        mel bands, placed at their centre frequency
        (:func:`~mgc_core.features.mel_frequencies` of ``fmin``, ``fmax``: pass the
        values the mel spectrogram was computed with) on a log axis, the closest
        plotly axis to the mel scale.
    fmin, fmax : float
        See ``y_axis``; ``fmax=None`` means ``sr / 2``.
    start_s : float
        Time (s) of the first frame.
    title : str
        Figure title.
    max_columns, max_rows : int
        Larger spectrograms are max-pooled down to this size.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        ``data[0]`` is a ``go.Heatmap``: ``x`` times (s), ``y`` frequencies (Hz),
        ``z`` levels (dB).

    Examples
    --------
    >>> from mgc_core.features import stft_db
    >>> from mgc_core.signals import chirp
    >>> S = stft_db(chirp(duration=1.0), sr=22050)
    >>> fig = spectrogram_figure(S, sr=22050, hop_length=512, y_axis="log")
    >>> fig.layout.yaxis.type
    'log'
    """
    S_db = _check_matrix(S_db, "S_db")
    nyquist = sr / 2
    fmax = nyquist if fmax is None else float(fmax)
    if y_axis == "mel":
        freqs = mel_frequencies(S_db.shape[0], fmin, fmax, sr=sr)
    elif y_axis in ("linear", "log"):
        freqs = np.linspace(0.0, nyquist, S_db.shape[0])
        keep = (freqs >= fmin) & (freqs <= fmax)
        if y_axis == "log":
            keep &= freqs > 0
        if not keep.any():
            raise ParameterError(
                f"No frequency bin lies between fmin={fmin:g} and fmax={fmax:g} Hz; "
                "widen the range."
            )
        S_db, freqs = S_db[keep], freqs[keep]
    else:
        raise ParameterError(f"y_axis must be 'linear', 'log' or 'mel'; got {y_axis!r}.")
    top = float(np.max(S_db))
    return heatmap_figure(
        S_db,
        x=_times(S_db.shape[1], sr=sr, hop_length=hop_length, start_s=start_s),
        y=freqs,
        title=title,
        y_title="Frequency (Hz)",
        colorbar_title="dB",
        colorscale="Magma",
        y_type="linear" if y_axis == "linear" else "log",
        zmin=top - 80.0,
        zmax=top,
        pool="max",
        max_columns=max_columns,
        max_rows=max_rows,
        height=height,
    )


def mfcc_figure(
    M: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    start_s: float = 0.0,
    title: str = "MFCC",
    height: int = HEIGHT,
) -> go.Figure:
    """MFCC heatmap; rows are coefficients 0, 1, ... (then deltas, delta-deltas).

    Parameters
    ----------
    M : np.ndarray [shape=(n_mfcc, t) or (3 * n_mfcc, t)]
        From :func:`mgc_core.features.mfcc`.
    sr, hop_length, start_s
        Time axis, as in :func:`spectrogram_figure`.
    title : str
        Figure title.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        ``data[0].y`` is ``0 .. n_rows - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> fig = mfcc_figure(np.zeros((13, 10)), sr=22050, hop_length=512)
    >>> fig.data[0].y[:3].tolist()
    [0.0, 1.0, 2.0]
    """
    M = _check_matrix(M, "M")
    return heatmap_figure(
        M,
        x=_times(M.shape[1], sr=sr, hop_length=hop_length, start_s=start_s),
        y=np.arange(M.shape[0]),
        title=title,
        y_title="Coefficient",
        colorscale="RdBu_r",
        zmid=0.0,
        height=height,
    )


def chroma_figure(
    C: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    start_s: float = 0.0,
    title: str = "Chroma",
    height: int = HEIGHT,
) -> go.Figure:
    """Chromagram heatmap with pitch-class names (C, C#, ..., B) on the y axis.

    Parameters
    ----------
    C : np.ndarray [shape=(12, t)]
        From :func:`mgc_core.features.chroma`.
    sr, hop_length, start_s
        Time axis, as in :func:`spectrogram_figure`.
    title : str
        Figure title.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure

    Examples
    --------
    >>> import numpy as np
    >>> chroma_figure(np.zeros((12, 4)), sr=22050, hop_length=512).data[0].y[0]
    'C'
    """
    C = _check_matrix(C, "C", rows=12)
    return heatmap_figure(
        C,
        x=_times(C.shape[1], sr=sr, hop_length=hop_length, start_s=start_s),
        y=list(PITCH_CLASSES),
        title=title,
        y_title="Pitch class",
        y_type="category",
        zmin=0.0,
        zmax=1.0,
        height=height,
    )


def tonnetz_figure(
    T: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    start_s: float = 0.0,
    title: str = "Tonnetz",
    height: int = HEIGHT,
) -> go.Figure:
    """Tonnetz heatmap: six tonal-centroid coordinates over time.

    Parameters
    ----------
    T : np.ndarray [shape=(6, t)]
        From :func:`mgc_core.features.tonnetz`.
    sr, hop_length, start_s
        Time axis, as in :func:`spectrogram_figure`.
    title : str
        Figure title.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure

    Examples
    --------
    >>> import numpy as np
    >>> tonnetz_figure(np.zeros((6, 4)), sr=22050, hop_length=512).data[0].y[0]
    '5th x'
    """
    T = _check_matrix(T, "T", rows=6)
    return heatmap_figure(
        T,
        x=_times(T.shape[1], sr=sr, hop_length=hop_length, start_s=start_s),
        y=list(TONNETZ_LABELS),
        title=title,
        y_title="Interval circle",
        y_type="category",
        colorscale="RdBu_r",
        zmin=-1.0,
        zmax=1.0,
        height=height,
    )


def contrast_figure(
    C: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    start_s: float = 0.0,
    title: str = "Spectral contrast",
    height: int = HEIGHT,
) -> go.Figure:
    """Spectral-contrast heatmap with the frequency band of each row as its label.

    Parameters
    ----------
    C : np.ndarray [shape=(7, t)]
        ``spectral_features(...)["contrast"]``.
    sr, hop_length, start_s
        Time axis, as in :func:`spectrogram_figure`; ``sr`` also gives the bands
        (:func:`mgc_core.features.contrast_band_edges`).
    title : str
        Figure title.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure

    Examples
    --------
    >>> import numpy as np
    >>> contrast_figure(np.zeros((7, 4)), sr=22050, hop_length=512).data[0].y[0]
    '0–200 Hz'
    """
    C = _check_matrix(C, "C", rows=7)
    edges = contrast_band_edges(sr=sr)
    labels = [f"{lo:.0f}–{hi:.0f} Hz" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    return heatmap_figure(
        C,
        x=_times(C.shape[1], sr=sr, hop_length=hop_length, start_s=start_s),
        y=labels,
        title=title,
        y_title="Band",
        y_type="category",
        colorbar_title="dB",
        height=height,
    )


# --------------------------------------------------------------------------- lines


def feature_lines_figure(
    times: np.ndarray,
    series: Mapping[str, np.ndarray],
    *,
    title: str,
    y_title: str,
    beat_times: np.ndarray | None = None,
    log_y: bool = False,
    height: int = HEIGHT,
) -> go.Figure:
    """One line per frame-wise feature against time (centroid, RMS, ...).

    Parameters
    ----------
    times : np.ndarray [shape=(t,)]
        Frame times in seconds (e.g. ``start_s + frame_times(t, sr=sr, hop_length=hop)``).
    series : mapping of str to np.ndarray [shape=(t,)]
        Name and values of each line, in legend order.
    title, y_title : str
        Figure title and y-axis title (with units, e.g. ``"Frequency (Hz)"``).
    beat_times : np.ndarray [shape=(n_beats,)] or None
        Times (s) to mark with vertical lines (last trace).
    log_y : bool
        Logarithmic y axis.
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        ``data[i]`` is the line of the ``i``-th series (``name`` its key).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(4) * 0.1
    >>> fig = feature_lines_figure(t, {"a": np.ones(4), "b": np.zeros(4)}, title="x",
    ...                            y_title="value")
    >>> [trace.name for trace in fig.data]
    ['a', 'b']
    """
    times = np.asarray(times, dtype=float)
    if not series:
        raise ParameterError("series must hold at least one named line; got none.")
    fig = go.Figure()
    for name, values in series.items():
        values = np.asarray(values)
        if values.shape != times.shape:
            raise ParameterError(
                f"series {name!r} has shape {values.shape}, but times has {times.shape}; "
                "give one value per frame time."
            )
        fig.add_trace(go.Scatter(x=times, y=values, mode="lines", name=str(name)))
    if beat_times is not None:
        _add_markers(fig, beat_times, name="beats")
    if log_y:
        fig.update_yaxes(type="log")
    fig.update_layout(
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"}
    )
    return _layout(fig, title=title, x_title="Time (s)", y_title=y_title, height=height)


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
    height: int = 260,
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
    fig.update_yaxes(autorange="reversed")
    return fig


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
        Coordinates, e.g. from :func:`mgc_core.datamap.clip_map`.
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


__all__ += ["clip_map_figure"]


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


__all__ += ["confusion_figure", "grouped_bars_figure", "pairwise_figure", "genre_counts_figure"]


# --------------------------------------------------------------------------- saliency


def occlusion_figure(
    logmel_segment: np.ndarray,
    saliency: np.ndarray,
    *,
    start_s: float = 0.0,
    title: str = "",
    height: int = 560,
) -> go.Figure:
    """A log-mel segment above its occlusion map, on shared time and frequency axes.

    Parameters
    ----------
    logmel_segment : np.ndarray [shape=(frames, mel bands)]
        One model input, e.g. ``CNNModel().inputs(front)[i]`` (187 x 96 at 16 kHz).
    saliency : np.ndarray [shape=(frames, mel bands)]
        Its map from :func:`mgc_core.saliency.occlusion_map` (drop in probability).
    start_s : float
        Time (s) of the segment's first frame in the clip.
    title : str
    height : int

    Returns
    -------
    go.Figure
        ``data[0]`` the log-mel heatmap and ``data[1]`` the occlusion heatmap, each
        with ``z`` of shape ``(mel bands, frames)``, ``x`` the frame times (s) and
        ``y`` the band centre frequencies (Hz). The occlusion colours are diverging and
        centred on 0: red where hiding the region lowers the probability.

    Raises
    ------
    ParameterError
        If the two arrays are not 2-D of the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> fig = occlusion_figure(np.zeros((187, 96)), np.zeros((187, 96)), start_s=3.0)
    >>> np.asarray(fig.data[1].z).shape
    (96, 187)
    """
    from plotly.subplots import make_subplots

    from mgc_core.models.frontend import HOP, SR

    L = _check_matrix(np.asarray(logmel_segment, dtype=float), "logmel_segment")
    S = _check_matrix(np.asarray(saliency, dtype=float), "saliency")
    if L.shape != S.shape:
        raise ParameterError(
            f"logmel_segment and saliency must have the same shape; got {L.shape} and {S.shape}."
        )
    x = float(start_s) + np.arange(L.shape[0]) * HOP / SR
    y = mel_frequencies(L.shape[1], 0.0, SR / 2, sr=SR)
    reach = float(np.max(np.abs(S))) or 1.0
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Log-mel spectrogram (the CNN's input)",
                                        "Occlusion map: drop in probability when hidden"))
    fig.add_trace(go.Heatmap(
        z=L.T, x=x, y=y, colorscale="Viridis",
        colorbar={"title": {"text": "log-mel"}, "thickness": 12, "y": 0.78, "len": 0.45},
        hovertemplate="%{x:.2f} s, %{y:.0f} Hz: %{z:.2f}<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Heatmap(
        z=S.T, x=x, y=y, colorscale="RdBu_r", zmid=0.0, zmin=-reach, zmax=reach,
        colorbar={"title": {"text": "drop"}, "thickness": 12, "y": 0.22, "len": 0.45,
                  "tickformat": "+.0%"},
        hovertemplate="%{x:.2f} s, %{y:.0f} Hz: %{z:+.1%}<extra></extra>",
    ), row=2, col=1)
    fig.update_yaxes(title_text="Frequency (Hz)")
    fig.update_xaxes(title_text="Time (s)", row=2, col=1)
    fig.update_layout(title={"text": title, "x": 0.01, "xanchor": "left"},
                      template="plotly_white", height=height, margin=_MARGIN)
    return fig


__all__ += ["occlusion_figure"]
