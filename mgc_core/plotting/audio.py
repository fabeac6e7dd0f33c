"""Figures of audio and its classic features.

Waveform, spectrum, spectrograms, MFCC, chroma, tonnetz, contrast, feature lines, beats.

Every builder takes data computed by :mod:`mgc_core.features` and returns a
``plotly.graph_objects.Figure`` (it never shows it). Time axes are in seconds,
frequency axes in Hz. A logarithmic frequency axis starts at :data:`LOG_FMIN_HZ`, or
at ``fmin`` when higher (the bins below are left out), and its ticks are written out
in Hz ("50", "100", "1k", "10k").

Heatmaps keep their own colour scale in Streamlit. Its frontend rewrites the hex
colours ``#000001`` to ``#000040`` anywhere in a chart, its theme's placeholders, with
or without the theme: Magma's darkest, ``#000004``, turned silence pink (``#ffabab``;
purple with ``theme=None``). So the heatmaps write their colour scales in ``rgb()``
(:func:`heatmap_figure`), and the pages show them with ``theme=None`` so that nothing
else of Streamlit's theme is applied to them either.
"""

from __future__ import annotations

import math
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
from mgc_core.plotting._base import (
    HEIGHT,
    LINE_COLOR,
    MAX_COLUMNS,
    MAX_ROWS,
    _add_markers,
    _check_matrix,
    _groups,
    _layout,
    _pool,
)

__all__ = [
    "LOG_FMIN_HZ",
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
]


#: Lowest frequency (Hz) of a logarithmic frequency axis: about the lowest pitch people
#: hear. Below it a log axis would give much of its height to a few FFT bins of rumble
#: (a quarter of it at n_fft 8192, where the bins are 2.7 Hz apart).
LOG_FMIN_HZ = 20.0


# --------------------------------------------------------------------------- frequency axes


def _hz_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Ticks of a log axis from ``lo`` to ``hi`` Hz at 1, 2, 5 x 10^k (1..9 if too few)."""
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    values: list[float] = []
    for mantissas in ((1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9)):
        values = [m * 10.0**d for d in decades for m in mantissas if lo <= m * 10.0**d <= hi]
        if len(values) >= 3:
            break
    labels = [f"{v:g}" if v < 1000 else f"{v / 1000:g}k" for v in values]
    return values, labels


def _log_hz_axis(fig: go.Figure, axis: Literal["x", "y"], lo: float, hi: float) -> None:
    """Make ``axis`` a log axis from ``lo`` to ``hi`` Hz with ticks written out in Hz."""
    values, labels = _hz_ticks(lo, hi)
    settings = {"type": "log", "range": [math.log10(lo), math.log10(hi)]}
    if len(values) >= 2:  # else plotly's own ticks
        settings |= {"tickmode": "array", "tickvals": values, "ticktext": labels}
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**settings)


def _log_floor(fmin: float | None) -> float:
    """Lowest frequency a log axis shows: :data:`LOG_FMIN_HZ`, or ``fmin`` when higher."""
    return max(LOG_FMIN_HZ, float(fmin or 0.0))


def _cell_edges(rows: np.ndarray) -> tuple[float, float]:
    """Lower and upper edge (Hz) of a heatmap's rows centred at increasing ``rows``."""
    if rows.size < 2:
        return float(rows[0]) / 1.5, float(rows[0]) * 1.5
    return (float(rows[0] - (rows[1] - rows[0]) / 2),
            float(rows[-1] + (rows[-1] - rows[-2]) / 2))


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
    >>> from mgc_core.audio.signals import am_tone
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
        Shown in the default title; 0 (what
        :func:`~mgc_core.features.tempo_beats` gives when it finds no beat) says
        "no beat found" instead of "0 BPM".
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
    >>> from mgc_core.audio.signals import click_track
    >>> env = waveform_envelope(click_track(duration=2.0), sr=22050)
    >>> fig = beats_figure(env, np.array([0.0, 0.5, 1.0, 1.5]), tempo_bpm=120.0)
    >>> fig.layout.title.text
    'Beats (120 BPM)'
    """
    if title is None:
        if tempo_bpm is None:
            title = "Beats"
        elif tempo_bpm > 0 and np.size(beat_times) > 0:
            title = f"Beats ({tempo_bpm:.0f} BPM)"
        else:
            title = "Beats (no beat found)"
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
        Logarithmic frequency axis, from :data:`LOG_FMIN_HZ` (or ``fmin`` when
        higher) with ticks in Hz; the bins below are left out.
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
        keep &= freqs >= _log_floor(fmin)
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
    if log_freq:
        x = freqs[keep]
        _log_hz_axis(fig, "x", float(x[0]), float(x[-1]) if x.size > 1 else float(x[0]) * 1.5)
    else:
        fig.update_xaxes(type="linear")
    return _layout(fig, title=title, x_title="Frequency (Hz)", y_title="Level (dB)", height=height)


# --------------------------------------------------------------------------- heatmaps


def _rgb_colorscale(name: str) -> list[list]:
    """Plotly's colour scale ``name`` (e.g. ``"Magma"``, ``"RdBu_r"``) with ``rgb()`` colours.

    Streamlit's frontend replaces the hex colours ``#000001`` to ``#000040`` in every
    chart (its theme's placeholders), so a scale must not spell its colours that way.
    """
    from plotly.colors import get_colorscale, hex_to_rgb

    return [[pos, "rgb({}, {}, {})".format(*hex_to_rgb(c)) if c.startswith("#") else c]
            for pos, c in get_colorscale(name)]


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
        Plotly colour scale, by name; written into the figure in ``rgb()`` colours
        (see the module: Streamlit rewrites some hex colours).
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
            colorscale=_rgb_colorscale(colorscale),
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
        Samples between frames (for frames averaged in runs, as
        :func:`~mgc_core.features.pooled_power` gives them: the grid's ``step``,
        with ``start_s`` moved by its ``offset``).
    y_axis : {"linear", "log", "mel"}
        ``"linear"``/``"log"``: rows are FFT bins, shown between ``fmin`` and
        ``fmax`` on a linear/log axis. ``"mel"``: rows are mel bands, placed at
        their centre frequency (:func:`~mgc_core.features.mel_frequencies` of
        ``fmin``, ``fmax``: pass the values the mel spectrogram was computed with)
        on a log axis, the closest plotly axis to the mel scale. A log axis starts
        at :data:`LOG_FMIN_HZ` (or ``fmin`` when higher; rows below are left out,
        and so is 0 Hz) and its ticks are written out in Hz.
    fmin, fmax : float
        See ``y_axis``; ``fmax=None`` means ``sr / 2``.
    start_s : float
        Time (s) of the first frame.
    title : str
        Figure title.
    max_columns, max_rows : int
        Larger spectrograms are max-pooled down to this size (each column keeps
        the loudest level of the frames it stands for). To plot a long window,
        better compute at most ``max_columns`` frames in the first place, with
        :func:`~mgc_core.features.pooled_power` (each frame the mean power of its
        stretch).
    height : int
        Figure height in pixels.

    Returns
    -------
    go.Figure
        ``data[0]`` is a ``go.Heatmap``: ``x`` times (s), ``y`` frequencies (Hz),
        ``z`` levels (dB). Show it with ``theme=None`` (see the module).

    Examples
    --------
    >>> from mgc_core.features import stft_db
    >>> from mgc_core.audio.signals import chirp
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
        keep = freqs >= _log_floor(fmin)
    elif y_axis in ("linear", "log"):
        freqs = np.linspace(0.0, nyquist, S_db.shape[0])
        keep = (freqs >= fmin) & (freqs <= fmax)
        if y_axis == "log":
            keep &= freqs >= _log_floor(fmin)
    else:
        raise ParameterError(f"y_axis must be 'linear', 'log' or 'mel'; got {y_axis!r}.")
    if not keep.any():
        raise ParameterError(
            f"No frequency {'band' if y_axis == 'mel' else 'bin'} lies between "
            f"fmin={fmin:g} and fmax={fmax:g} Hz"
            + ("" if y_axis == "linear" else f" (a log axis starts at {LOG_FMIN_HZ:g} Hz)")
            + "; widen the range."
        )
    S_db, freqs = S_db[keep], freqs[keep]
    top = float(np.max(S_db))
    fig = heatmap_figure(
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
    if y_axis != "linear":
        lo, hi = _cell_edges(freqs)
        _log_hz_axis(fig, "y", max(lo, _log_floor(fmin)), hi)
    return fig


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
