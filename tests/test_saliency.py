"""Occlusion maps (mgc_core.analysis.saliency) on fake models whose evidence lies in known regions."""

from __future__ import annotations

import numpy as np
import pytest

from mgc_core.analysis.saliency import occlusion_map
from mgc_core.errors import ParameterError
from mgc_core.genres import GENRES

REGION = (slice(34, 51), slice(40, 48))  # frames 34-50, bands 40-47: one default patch


class RegionModel:
    """Genre ``jazz`` (index 5) grows with the loudness of REGION; the rest share the remainder.

    Counts its calls, so that the one-batch promise can be checked.
    """

    def __init__(self) -> None:
        self.calls = []

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        self.calls.append(X.shape)
        p5 = 1.0 / (1.0 + np.exp(-(X[:, REGION[0], REGION[1]].mean(axis=(1, 2)) - 2.0)))
        rest = (1.0 - p5) / 9.0
        out = np.repeat(rest[:, None], 10, axis=1)
        out[:, 5] = p5
        return out


@pytest.fixture(scope="module")
def segment() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 0.5, size=(187, 96)).astype(np.float32)
    x[REGION] = 5.0
    return x


def test_map_peaks_in_the_region_the_model_reads(segment):
    model = RegionModel()
    m = occlusion_map(model, segment)
    assert m.shape == (187, 96) and m.dtype == np.float32
    r, c = np.unravel_index(np.argmax(m), m.shape)
    assert REGION[0].start <= r < REGION[0].stop and REGION[1].start <= c < REGION[1].stop
    outside = np.ones(m.shape, dtype=bool)
    outside[REGION] = False
    assert m[REGION].min() > 0.5 and np.abs(m[outside]).max() < 1e-9
    assert len(model.calls) == 1 and model.calls[0] == (1 + 11 * 12, 187, 96)


def test_overlapping_stride_and_target_handling(segment):
    model = RegionModel()
    m = occlusion_map(model, segment, patch=(10, 10), stride=(5, 5))
    r, c = np.unravel_index(np.argmax(m), m.shape)
    assert REGION[0].start <= r < REGION[0].stop and REGION[1].start <= c < REGION[1].stop
    top = occlusion_map(model, segment, target=None)
    assert np.array_equal(top, occlusion_map(model, segment, target="jazz"))
    assert np.array_equal(top, occlusion_map(model, segment, target=5))
    # Another genre gains when jazz loses: its map is negative where jazz's is positive.
    other = occlusion_map(model, segment, target=GENRES[0])
    assert other[REGION].max() < 0


def test_fixed_baseline_equal_to_the_region_changes_nothing(segment):
    m = occlusion_map(RegionModel(), segment, baseline=5.0)
    assert np.allclose(m, 0.0)


@pytest.mark.parametrize("kwargs", [
    {"patch": (0, 8)}, {"patch": (200, 8)}, {"patch": "ab"}, {"stride": (1, -1)},
    {"baseline": "median"}, {"baseline": float("nan")}, {"target": "polka"}, {"target": 10},
    {"target": True},
])
def test_bad_options(segment, kwargs):
    with pytest.raises(ParameterError):
        occlusion_map(RegionModel(), segment, **kwargs)


def test_bad_inputs(segment):
    with pytest.raises(ParameterError, match=r"\(187, 96\)"):
        occlusion_map(RegionModel(), segment.T)
    bad = segment.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ParameterError, match="NaN"):
        occlusion_map(RegionModel(), bad)
    with pytest.raises(ParameterError, match="predict_proba"):
        occlusion_map(object(), segment)

    class Wrong:
        def predict_proba(self, X):
            return np.zeros((3, 10))

    with pytest.raises(ParameterError, match="n_inputs"):
        occlusion_map(Wrong(), segment)


def test_occlusion_figure_puts_bands_on_y_and_seconds_on_x(segment):
    from mgc_core import plotting

    m = occlusion_map(RegionModel(), segment)
    fig = plotting.occlusion_figure(segment, m, sr=16000, hop_length=256, start_s=3.0)
    spec, occ = fig.data
    assert np.asarray(spec.z).shape == np.asarray(occ.z).shape == (96, 187)
    assert np.allclose(np.asarray(occ.z), m.T)
    assert np.isclose(occ.x[0], 3.0) and np.isclose(occ.x[-1], 3.0 + 186 * 256 / 16000)
    assert 0 < occ.y[0] < occ.y[-1] < 8000 and occ.zmid == 0
    with pytest.raises(ParameterError):
        plotting.occlusion_figure(segment, m[:100], sr=16000, hop_length=256)
