"""Tests of the evaluation-result figures of mgc_core.plotting: the numbers on the traces."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from mgc_core import plotting
from mgc_core.errors import ParameterError
from mgc_core.genres import GENRE_COLORS, GENRES


@pytest.fixture(scope="module")
def counts() -> np.ndarray:
    rng = np.random.default_rng(0)
    cm = rng.integers(0, 5, size=(10, 10))
    cm[3] = 0  # a genre with no clip
    return cm


def test_confusion_counts(counts):
    fig = plotting.confusion_figure(counts, title="t")
    assert isinstance(fig, go.Figure)
    trace = fig.data[0]
    np.testing.assert_array_equal(trace.z, counts)
    np.testing.assert_array_equal(trace.customdata, counts)
    assert list(trace.x) == list(GENRES) and list(trace.y) == list(GENRES)
    assert "%{customdata} clips" in trace.hovertemplate
    assert fig.layout.xaxis.title.text == "predicted genre"


def test_confusion_row_normalised(counts):
    trace = plotting.confusion_figure(counts, normalize=True).data[0]
    z = np.asarray(trace.z)
    rows = z.sum(axis=1)
    np.testing.assert_allclose(np.delete(rows, 3), 1.0)
    assert rows[3] == 0  # no clip: stays zero, not NaN
    np.testing.assert_array_equal(trace.customdata, counts)
    assert "%{customdata} clips" in trace.hovertemplate and trace.zmax == 1


@pytest.mark.parametrize("bad, match", [(np.ones((3, 3)), "square matrix of shape"),
                                        (-np.ones((10, 10)), "non-negative")])
def test_confusion_bad_input(bad, match):
    with pytest.raises(ParameterError, match=match):
        plotting.confusion_figure(bad)


def test_grouped_bars():
    values = {"leaky": {"segments": 0.9, "clips": 0.95}, "honest": {"segments": 0.5, "clips": 0.6}}
    fig = plotting.grouped_bars_figure(values, colors={"leaky": "#CC6677"})
    assert [t.name for t in fig.data] == ["leaky", "honest"]
    assert list(fig.data[0].x) == ["segments", "clips"]
    np.testing.assert_allclose(fig.data[1].y, [0.5, 0.6])
    assert fig.data[0].marker.color == "#CC6677" and fig.layout.barmode == "group"
    with pytest.raises(ParameterError, match="categories"):
        plotting.grouped_bars_figure({"a": {"x": 1.0}, "b": {"y": 1.0}})


def test_pairwise():
    m = np.array([[1.0, 0.5], [0.5, 1.0]])
    fig = plotting.pairwise_figure(m, ["KNN", "CNN"], value_format=".0%")
    np.testing.assert_array_equal(fig.data[0].z, m)
    assert list(fig.data[0].x) == ["KNN", "CNN"]
    with pytest.raises(ParameterError, match="shape"):
        plotting.pairwise_figure(m, ["KNN"])


def test_genre_counts():
    fig = plotting.genre_counts_figure({"rock": 3, "blues": 5})
    assert list(fig.data[0].x) == list(GENRES)
    assert list(fig.data[0].y) == [5, 0, 0, 0, 0, 0, 0, 0, 0, 3]
    assert list(fig.data[0].marker.color) == [GENRE_COLORS[g] for g in GENRES]
    with pytest.raises(ParameterError, match="outside GENRES"):
        plotting.genre_counts_figure({"polka": 1})


def test_genre_bars_follow_genres_and_colours():
    from mgc_core.genres import GENRE_COLORS, GENRES

    p = np.linspace(1, 10, 10)
    p /= p.sum()
    bar = plotting.genre_bars_figure(p).data[0]
    assert list(bar.y) == list(GENRES)
    np.testing.assert_allclose(bar.x, p)
    assert list(bar.marker.color) == [GENRE_COLORS[g] for g in GENRES]


@pytest.mark.parametrize("n", [1, 4])
def test_timeline_cells_span_their_segments(n):
    times = np.stack([np.arange(n) * 2.992, (np.arange(n) + 1) * 2.992], axis=1)
    P = np.random.default_rng(0).dirichlet(np.ones(10), size=n)
    heat = plotting.timeline_figure(times, P, selected=0).data[0]
    np.testing.assert_allclose(np.asarray(heat.z), P.T)
    np.testing.assert_allclose(heat.x, np.append(times[:, 0], times[-1, 1]))


def test_occlusion_rows_are_equal_mel_bands_labelled_in_hz():
    """The CNN sees 96 equal mel rows: so must the figure (not a linear Hz axis)."""
    from mgc_core.features import mel_frequencies

    rng = np.random.default_rng(0)
    fig = plotting.occlusion_figure(rng.normal(size=(187, 96)), rng.normal(size=(187, 96)),
                                    sr=16000, hop_length=256)
    centres = mel_frequencies(96, 0.0, 8000.0, sr=16000)
    for trace in fig.data:
        np.testing.assert_array_equal(trace.y, np.arange(1, 97))  # one equal row per band
    for axis in (fig.layout.yaxis, fig.layout.yaxis2):
        assert axis.type in (None, "linear") and axis.tickmode == "array"
        assert tuple(axis.range) == (0.5, 96.5)
        assert list(axis.ticktext) == ["250", "500", "1k", "2k", "4k"]
        for band, text in zip(axis.tickvals, axis.ticktext, strict=True):
            hz = float(text.replace("k", "e3"))
            below, above = int(np.floor(band)), int(np.ceil(band))  # the bands around it
            assert centres[below - 1] <= hz <= centres[above - 1]
    # Mel is nearly linear below 1 kHz: it gets about a third of the rows, not an eighth.
    one_k = fig.layout.yaxis.tickvals[list(fig.layout.yaxis.ticktext).index("1k")]
    assert 0.3 < one_k / 96 < 0.4


def test_reliability_diagram_draws_the_bins():
    from mgc_core.evaluation.calibration import reliability
    from mgc_core.plotting.evaluation import reliability_figure

    P = np.array([[0.95, 0.05], [0.92, 0.08], [0.55, 0.45], [0.62, 0.38]])
    rel = reliability(P, np.array([0, 1, 0, 1]))
    fig = reliability_figure(rel.edges, rel.confidence, rel.accuracy, rel.counts, title="t")
    bars, said, diagonal = fig.data
    assert [b.type for b in fig.data] == ["bar", "scatter", "scatter"]
    np.testing.assert_allclose(bars.x, np.arange(10) / 10 + 0.05)
    assert bars.y[:5] == (None,) * 5 and bars.y[9] == 0.5 and bars.y[5] == 1.0
    assert bars.y[6] == 0.0  # a bin of wrong answers is a bar of height 0, not a gap
    assert said.y[9] == pytest.approx(0.935) and said.y[0] is None
    np.testing.assert_array_equal(np.asarray(bars.customdata)[:, 3], rel.counts)
    assert list(diagonal.x) == [0, 1] and list(diagonal.y) == [0, 1]
    assert fig.layout.xaxis.range == (0, 1) and fig.layout.xaxis.tickformat == ".0%"
    with pytest.raises(ParameterError, match="one value per bin"):
        reliability_figure(rel.edges, rel.confidence[:3], rel.accuracy, rel.counts)
    with pytest.raises(ParameterError, match="increasing bin edges"):
        reliability_figure(rel.edges[::-1], rel.confidence, rel.accuracy, rel.counts)
