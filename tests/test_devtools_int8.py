"""Tests of the int8 musicnn measurement (mgc_devtools.int8).

The fast tests check the arguments and the adoption rule on made-up measurements; the
``slow`` one quantises the MSD network (TensorFlow) and times it against float32 on two
patches. The GTZAN measurement itself is run by hand (``python -m mgc_devtools.int8
--gtzan DIR``); the README quotes it.
"""

from __future__ import annotations

import pytest

from mgc_core.errors import ParameterError
from mgc_devtools import int8


def _gtzan(agreement: float, points: float | None) -> dict:
    entry = {"verdict_agreement": agreement}
    if points is not None:
        entry["points_vs_fp32"] = points
    return {"variants": {"dynamic": entry}}


def _timing(ratio: float) -> dict:
    return {"dynamic": {"10": {"over_fp32": ratio}, "100": {"over_fp32": ratio}}}


@pytest.mark.parametrize(("agreement", "points", "ratio", "adopt"), [
    (0.995, -0.3, 0.6, True),   # meets the bar and is faster
    (0.98, -0.3, 0.6, False),   # verdicts differ on 2% of clips
    (0.995, -0.8, 0.6, False),  # loses 0.8 points
    (0.995, -0.3, 1.4, False),  # slower than float32: nothing to gain
    (0.995, None, 0.6, None),   # accuracy not measured: no answer
    (0.9, None, 0.6, False),    # ... unless agreement already fails
])
def test_adoption_needs_agreement_accuracy_and_speed(agreement, points, ratio, adopt):
    verdict = int8.adoption(_timing(ratio), _gtzan(agreement, points))["dynamic"]
    assert verdict["adopt"] is adopt and verdict["reasons"]


def test_adoption_without_gtzan_gives_no_answer():
    assert int8.adoption(_timing(0.5), None)["dynamic"]["adopt"] is None


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"which": "MSD_musicnn", "variant": "int4"}, "variant"),
    ({"which": "msd", "variant": "dynamic"}, "which"),
    ({"which": "MSD_musicnn", "variant": "full"}, "calibration"),
])
def test_bad_arguments_raise_before_tensorflow_is_needed(kwargs, match):
    which = kwargs.pop("which")
    with pytest.raises(ParameterError, match=match):
        int8.quantize_musicnn(which, **kwargs)


@pytest.mark.slow
def test_dynamic_range_msd_network_is_smaller_and_is_timed_against_float32():
    blob = int8.quantize_musicnn("MSD_musicnn", variant="dynamic")
    variants = {"dynamic": {w: blob for w in int8.NETWORKS}}
    report = int8.time_variants(variants, n_patches=(2,), repeats=1)
    assert report["sizes_bytes"]["dynamic"]["MSD_musicnn"] < (
        report["sizes_bytes"]["fp32"]["MSD_musicnn"] / 3)  # int8 weights
    assert report["fp32"]["2"]["over_fp32"] == 1.0
    assert report["dynamic"]["2"]["median_s"] > 0 and report["floor_s"]["2"] > 0
    assert report["macs_per_patch"] == 1_398_553_584
