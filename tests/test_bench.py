"""Tests of the benchmark (``python -m mgc_core bench``): shape of the report, no speed limits."""

from __future__ import annotations

import json

import pytest

from mgc_core.analysis.classify import model_path
from mgc_core.cli import main
from mgc_core.errors import ParameterError
from mgc_core.models import MODEL_NAMES
from mgc_devtools import bench

pytestmark = pytest.mark.slow

_MISSING = [name for name in MODEL_NAMES if not model_path(name).is_file()]
needs_models = pytest.mark.skipif(
    bool(_MISSING), reason=f"bundled models missing: {', '.join(_MISSING)} "
    "(build them with `python -m mgc_core train --gtzan DIR`)"
)


def _is_timing(s) -> bool:
    return (
        set(s) == {"median_s", "min_s", "max_s", "n"}
        and s["n"] >= 1
        and 0 < s["min_s"] <= s["median_s"] <= s["max_s"]
    )


def _check_report(report: dict, *, repeats: int) -> None:
    assert report["repeats"] == repeats
    for key in ("classify_30s", "classify_5min"):
        assert _is_timing(report[key]) and report[key]["n"] == repeats
    assert report["cold_start_s"] > 0 and report["peak_rss_mb"] > 0
    mem = report["memory"]
    assert 0 < mem["rss_models_loaded_mb"] <= mem["peak_rss_mb"] == report["peak_rss_mb"]
    assert 0 < mem["rss_after_30s_mb"] <= mem["peak_rss_mb"]
    assert 0 < mem["rss_after_5min_mb"] <= mem["peak_rss_mb"]
    tr = report["transfer"]
    assert 1.3e9 < tr["macs_per_patch_per_network"] < 1.5e9  # the issue's ~1.4 G
    for key in ("30s", "5min"):
        assert 0 < tr[key]["share_of_classify"] < 1 and tr[key]["gflops"] > 0
        assert tr[key]["share_of_matmul"] == pytest.approx(tr[key]["gflops"] / tr["matmul_gflops"])
    machine = report["machine"]
    assert machine["cores"] >= 1 and machine["cpu"] and machine["python"] and machine["numpy"]
    assert set(report["decode"]) == {"wav_30s", "mp3_30s", "wav_5min", "mp3_5min"}
    assert set(report["features"]) == {
        "waveform_envelope", "spectrum", "stft_db", "mel_db", "mfcc", "spectral_features",
        "chroma", "tonnetz", "tempo_beats", "hpss",
    }
    for key in ("30s", "5min"):
        assert set(report["models"][key]) == set(MODEL_NAMES)
        assert all(_is_timing(s) for s in report["models"][key].values())
        assert _is_timing(report["analysis"][key])
    assert all(_is_timing(s) for s in (*report["decode"].values(), *report["features"].values()))


def test_music_like_is_deterministic():
    a, b = bench.music_like(duration=2.0), bench.music_like(duration=2.0)
    assert a.shape == (2 * bench.SR,) and (a == b).all()


def test_bad_repeats_raise_a_parameter_error():
    with pytest.raises(ParameterError, match="repeats"):
        bench.run_benchmarks(repeats=0)


@needs_models
def test_run_benchmarks_quick_returns_every_measurement():
    report = bench.run_benchmarks(quick=True, repeats=1)
    _check_report(report, repeats=1)
    assert report["quick"] and report["clips"]["long_s"] == bench.QUICK_LONG_S
    json.dumps(report)  # JSON-ready


@needs_models
def test_cli_bench_json_quick_parses(capsys):
    assert main(["bench", "--json", "--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    _check_report(json.loads(out), repeats=1)


@needs_models
def test_profile_names_where_classify_spends_its_time():
    pytest.importorskip("pyinstrument")
    text = bench.profile_classify(seconds=6.0, repeats=1)
    assert "classify" in text and "predict" in text


def test_runtimes_compare_tensorflow_onnx_and_litert():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    from mgc_devtools.runtimes import compare_runtimes

    report = compare_runtimes(n_patches=(5,), repeats=1)
    assert set(report["runtimes"]) == {"tensorflow", "onnxruntime", "litert"}
    assert 1.3e9 < report["macs_per_patch"] < 1.5e9 and report["matmul_gflops"] > 0
    for name, r in report["runtimes"].items():
        assert r["max_abs_diff"] < 1e-4, name  # the same network in every runtime
        assert r["5"]["median_s"] > 0 and r["5"]["gflops"] > 0
