"""Tests of the soak test (mgc_devtools.soak): a leak check, not a speed test.

The slow test runs many analyses of clips of varying length in this process (decode,
classify, the CNN's occlusion map, the Audio features page's features, every page's
figure) and asserts the resident memory after the last is within ``BOUND_MB`` of
the memory after the 10th. CI runs ``SOAK_N`` = 40 analyses of clips of 3 to 20 s;
``MGC_SOAK_N=200`` runs the full soak (the count given, clips of 3 to 60 s, as
``python -m mgc_core soak`` does):

    MGC_SOAK_N=200 .venv/bin/python -m pytest tests/test_devtools_soak.py -q
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from mgc_core import assets
from mgc_core.errors import ParameterError
from mgc_core.models import MODEL_NAMES
from mgc_core.models.registry import MODELS
from mgc_devtools import soak

#: Analyses in CI; the environment variable MGC_SOAK_N runs the full soak instead.
SOAK_N = int(os.environ.get("MGC_SOAK_N", "40"))
#: The longest clip: short in CI (the test stays within ~2-3 min on 2 cores), the
#: CLI's 60 s in the full soak.
SOAK_MAX_SECONDS = soak.MAX_SECONDS if "MGC_SOAK_N" in os.environ else 20.0
#: Figures of one analysis: per model its bars and timeline, the CNN's occlusion map,
#: and the Audio features page's 11 (waveform, spectrum, two spectrograms, MFCC, two
#: feature-line plots, contrast, chroma, tonnetz, beats).
FIGURES_PER_ANALYSIS = 2 * len(MODEL_NAMES) + 1 + 11

_MISSING = [name for name, m in MODELS.items()
            if not all((assets.ASSETS_DIR / "models" / f).is_file() for f in m.files)]
needs_models = pytest.mark.skipif(
    bool(_MISSING), reason=f"bundled models missing: {', '.join(_MISSING)} "
    "(build them with `python -m mgc_core train --gtzan DIR`)"
)


def _report(rss: list[float], bound: float = soak.BOUND_MB) -> soak.SoakReport:
    return soak.SoakReport(
        durations_s=tuple(3.0 for _ in rss), rss_mb=tuple(rss), start_rss_mb=rss[0],
        baseline_after=min(soak.BASELINE_AFTER, len(rss)), bound_mb=bound, seconds=1.0,
        peak_rss_mb=max(rss), figures=20 * len(rss),
    )


# --------------------------------------------------------------------------- the measure


def test_report_growth_is_last_minus_the_tenth():
    rss = [500.0 + i for i in range(20)]
    r = _report(rss)
    assert r.baseline_after == 10 and r.baseline_mb == 509.0 and r.last_mb == 519.0
    assert r.growth_mb == 10.0 and r.passed
    assert r.slope_mb_per_100 == pytest.approx(100.0)
    d = r.to_dict()
    assert d["growth_mb"] == 10.0 and d["passed"] is True and len(d["rss_mb"]) == 20


def test_report_fails_above_the_bound():
    r = _report([500.0] * 10 + [500.0 + 20.0 * i for i in range(1, 11)])
    assert r.growth_mb == 200.0 and not r.passed


def test_few_analyses_use_the_last_as_baseline():
    r = _report([400.0, 450.0, 470.0])
    assert r.baseline_after == 3 and r.growth_mb == 0.0 and r.slope_mb_per_100 == 0.0


@pytest.mark.parametrize("kwargs", [
    {"n_analyses": 0}, {"n_analyses": 2.5}, {"n_analyses": True},
    {"n_analyses": 5, "min_seconds": 1.0}, {"n_analyses": 5, "min_seconds": 30.0,
                                            "max_seconds": 20.0},
    {"n_analyses": 5, "max_seconds": 900.0}, {"n_analyses": 5, "bound_mb": 0.0},
])
def test_bad_arguments_raise_a_parameter_error(kwargs):
    with pytest.raises(ParameterError):
        soak.run_soak(**kwargs)


def test_the_check_catches_a_leak(monkeypatch):
    """An analysis that keeps 16 MB each time is caught: the detector works.

    15 analyses after the baseline keep 240 MB, well above the 100-MB bound even when the
    process (a test worker that ran other tests) frees some memory of its own meanwhile.
    """
    kept = []

    def leaky(y, *, sr):  # noqa: ANN001, ANN202
        kept.append(np.ones(2**21))  # 16 MB, touched, never released
        return 1

    monkeypatch.setattr(soak, "analyse_once", leaky)
    report = soak.run_soak(25, max_seconds=3.0, bound_mb=100.0)
    assert report.growth_mb > 100.0 and not report.passed
    assert report.slope_mb_per_100 > 1000.0
    kept.clear()


def test_clip_lengths_vary_and_follow_the_seed(monkeypatch):
    lengths = []
    monkeypatch.setattr(soak, "analyse_once", lambda y, *, sr: lengths.append(len(y) / sr) or 0)
    report = soak.run_soak(12, seed=3, min_seconds=3.0, max_seconds=15.0)
    assert np.allclose(lengths, report.durations_s, atol=1e-3)
    assert min(lengths) >= 3.0 and max(lengths) <= 15.0 and np.std(lengths) > 2.0
    again = soak.run_soak(12, seed=3, min_seconds=3.0, max_seconds=15.0)
    assert again.durations_s == report.durations_s


# --------------------------------------------------------------------------- the soak


@pytest.mark.slow
@needs_models
def test_soak_memory_stays_bounded():
    """Leak check: SOAK_N analyses, RSS after the last within BOUND_MB of after the 10th."""
    report = soak.run_soak(SOAK_N, seed=0, max_seconds=SOAK_MAX_SECONDS)
    d = report.to_dict()
    summary = {k: v for k, v in d.items() if k not in ("durations_s", "rss_mb")}
    assert report.n_analyses == SOAK_N and report.figures == FIGURES_PER_ANALYSIS * SOAK_N
    assert report.growth_mb <= soak.BOUND_MB, (
        f"memory grew {report.growth_mb:.0f} MB from analysis {report.baseline_after} to "
        f"analysis {SOAK_N}: {summary}; RSS after each: {d['rss_mb']}"
    )
