"""Tests of the benchmark (mgc_devtools.bench, ``python -m mgc_core bench``): shape of the
report, no speed limits. The runtime comparison (``bench --runtimes``) is tested in
test_devtools_runtimes.py, the shared helpers in test_devtools_common.py."""

from __future__ import annotations

import json

import pytest

from mgc_core import assets
from mgc_core.cli import main
from mgc_core.errors import ParameterError
from mgc_core.models import MODEL_NAMES
from mgc_core.models.registry import MODELS
from mgc_devtools import bench

_MISSING = [name for name, m in MODELS.items()
            if not all((assets.ASSETS_DIR / "models" / f).is_file() for f in m.files)]
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
    assert set(report["cold_start"]) == {"import_s", "load_models_s", "first_classify_s"}
    assert report["cold_start_s"] >= sum(report["cold_start"].values()) * 0.99
    tr = report["transfer"]
    assert 1.3e9 < tr["macs_per_patch_per_network"] < 1.5e9  # the issue's ~1.4 G
    for key in ("30s", "5min"):
        assert 0 < tr[key]["share_of_classify"] < 1 and tr[key]["gflops"] > 0
        assert tr[key]["share_of_matmul"] == pytest.approx(tr[key]["gflops"] / tr["matmul_gflops"])
    _check_arithmetic(report)
    machine = report["machine"]
    assert machine["cores"] >= 1 and machine["cpu"] and machine["python"] and machine["numpy"]
    assert set(report["load_average"]) == {"start", "end"}
    assert set(report["decode"]) == {"wav_30s", "mp3_30s", "wav_5min", "mp3_5min"}
    assert list(report["features"]) == [  # the Audio features page's steps, in its order
        "waveform_envelope", "spectrum", "stft_db", "mel_db", "mfcc", "spectral_features",
        "chroma", "tonnetz", "tempo_beats", "hpss", "beats_envelope",
    ]
    assert report["features_total_s"] == pytest.approx(
        sum(s["median_s"] for s in report["features"].values()))
    window = report["clips"]["features_240s_window_s"]
    assert window == min(bench.FEATURES_LONG_WINDOW_S, report["clips"]["long_s"])
    assert list(report["features_240s"])[:8] == list(report["features"])[:8]
    assert report["features_240s_total_s"] == pytest.approx(
        sum(s["median_s"] for s in report["features_240s"].values()))
    for key in ("30s", "5min"):
        assert set(report["models"][key]) == set(MODEL_NAMES)
        assert all(_is_timing(s) for s in report["models"][key].values())
        assert _is_timing(report["analysis"][key])
    assert all(_is_timing(s) for s in (*report["decode"].values(), *report["features"].values()))


def _check_arithmetic(report: dict) -> None:
    """The floor: every registry network seen, counted and timed; ratios that add up."""
    ar = report["arithmetic"]
    limit = ar["matmul_gflops"]
    assert limit > 0 and set(ar["networks"]) == set(bench.tflite_networks())
    assert limit == max(ar["matmul_gflops_runs"]) and len(ar["matmul_gflops_runs"]) == 2
    for key in ("30s", "5min"):
        n_segments = report["n_segments"][key]
        for f, net in ar["networks"].items():
            load = net[key]
            assert load["observed"], f  # every bundled network runs in classify
            assert load["inputs"] >= n_segments and load["invokes"] >= 1
            assert load["macs"] == n_segments * load["macs_per_input"] > 0
            assert load["macs"] <= load["macs_executed"]
            assert _is_timing(load["seconds"])
            assert load["share_of_matmul"] == pytest.approx(load["gflops"] / limit)
            assert load["gflops"] == pytest.approx(
                2 * load["macs_executed"] / load["seconds"]["median_s"] / 1e9)
        total = ar[key]
        assert total["complete"]
        assert total["macs"] == sum(net[key]["macs"] for net in ar["networks"].values())
        assert report[f"floor_{key}_s"] == total["floor_s"] == pytest.approx(
            2 * total["macs"] / (limit * 1e9))
        assert report["classify_over_floor"][key] == pytest.approx(
            report[f"classify_{key}"]["median_s"] / total["floor_s"])
        assert 0 < total["networks_s"] < total["classify_s"]
        assert total["networks_ratio"] == pytest.approx(total["networks_s"] / total["floor_s"])
    assert set(ar["networks"]["musicnn_msd.tflite"]["models"]) == {"transfer"}


def test_every_tflite_network_of_the_registry_is_listed_once():
    nets = bench.tflite_networks()
    files = {f for m in MODELS.values() for f in m.files if f.endswith(".tflite")}
    assert set(nets) == files
    assert nets["efficientat_mn04.tflite"] == ("transfer", "audioset")  # shared, listed once
    assert {"musicnn_msd.tflite", "musicnn_mtt.tflite"} <= set(nets)


def _network(name: str):
    path = assets.ASSETS_DIR / "models" / name
    if not path.is_file():
        pytest.skip(f"{name} is not bundled")
    return path


def test_the_watch_records_invocations_of_bundled_networks_only_while_recording():
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    path = _network("cnn.tflite")
    original = Interpreter.invoke
    with bench._LiteRTWatch({"cnn.tflite": path}) as watch:
        net = Interpreter(model_content=path.read_bytes(), num_threads=1)
        net.allocate_tensors()
        shape = tuple(int(v) for v in net.get_input_details()[0]["shape"])
        net.set_tensor(net.get_input_details()[0]["index"], np.zeros(shape, np.float32))
        net.invoke()  # not recorded
        with watch.record() as calls:
            net.invoke()
            net.invoke()
        net.invoke()
    assert Interpreter.invoke is original  # put back
    assert [(name, shapes) for name, shapes, _ in calls] == [("cnn.tflite", (shape,))] * 2
    assert all(seconds > 0 for *_, seconds in calls)


def test_network_load_counts_needed_inputs_and_padded_batches():
    from mgc_devtools.macs import count_macs

    path = _network("cnn.tflite")
    shape = count_macs(path).input_shapes[0]  # the converted batch
    per_input = count_macs(path).total // shape[0]
    n_segments = shape[0] + 2  # two batches, the second padded
    runs = [[("cnn.tflite", (shape,), 0.01), ("cnn.tflite", (shape,), 0.02)],
            [("cnn.tflite", (shape,), 0.01), ("other.tflite", ((1, 3),), 9.0),
             ("cnn.tflite", (shape,), 0.04)]]
    load = bench._network_load(path, runs, n_segments, {})
    assert load["observed"] and load["inputs"] == 2 * shape[0] and load["invokes"] == 2
    assert load["macs_per_input"] == per_input
    assert load["macs"] == n_segments * per_input
    assert load["macs_executed"] == 2 * shape[0] * per_input
    assert load["seconds"]["median_s"] == pytest.approx(0.04)  # per run: 0.03 and 0.05
    unseen = bench._network_load(path, [[("other.tflite", ((1, 3),), 1.0)]], 7, {})
    assert not unseen["observed"] and unseen["macs"] == unseen["macs_executed"] == 7 * per_input


@pytest.mark.parametrize("repeats", [0, 101, 2.5, True, "3"])
def test_bad_repeats_raise_a_parameter_error(repeats):
    with pytest.raises(ParameterError, match="repeats"):
        bench.run_benchmarks(repeats=repeats)


def test_machine_info_names_the_machine():
    info = bench.machine_info()
    assert info["cores"] >= 1 and info["cpu"] and info["python"] and info["numpy"]
    assert 1 <= info["usable_cores"] <= info["cores"]
    assert info["isa"] is None or set(info["isa"]) <= set(bench.ISA_FLAGS)
    assert info["litert"]
    json.dumps(info)


@pytest.fixture(scope="module")
def quick_report() -> dict:
    return bench.run_benchmarks(quick=True, repeats=1)


@pytest.mark.slow
@needs_models
def test_run_benchmarks_quick_returns_every_measurement(quick_report):
    _check_report(quick_report, repeats=1)
    assert quick_report["quick"] and quick_report["clips"]["long_s"] == bench.QUICK_LONG_S
    json.dumps(quick_report)  # JSON-ready


@pytest.mark.slow
@needs_models
def test_cli_bench_prints_the_floor_table(quick_report, monkeypatch, capsys):
    monkeypatch.setattr(bench, "run_benchmarks", lambda **_: quick_report)
    assert main(["bench", "--quick"]) == 0
    out = capsys.readouterr().out
    for f in bench.tflite_networks():
        assert f in out
    ratio = quick_report["classify_over_floor"]["30s"]
    assert "classify / floor" in out and f"{ratio:.2f}x" in out
    assert "240-s window" not in out and "60-s window" in out  # quick: the long clip's 60 s
    assert "import" in out and "first classify" in out


@pytest.mark.slow
@needs_models
def test_cli_bench_batch_adds_the_library_table(quick_report, monkeypatch, capsys):
    from mgc_devtools import batch_bench

    asked, real = {}, batch_bench.run_batch_bench

    def library(**kwargs):
        asked.update(kwargs)
        return real(scenarios={"clips": (2, 2.0)}, models=["knn"],
                                           fmt="wav")

    monkeypatch.setattr(bench, "run_benchmarks", lambda **_: dict(quick_report))
    monkeypatch.setattr(batch_bench, "run_batch_bench", library)
    assert main(["bench", "--quick", "--batch"]) == 0
    out = capsys.readouterr().out
    assert asked["quick"] is True
    assert "classify / floor" in out and "plain loop" in out and "2 x 2 s" in out


@pytest.mark.slow
@needs_models
def test_cli_bench_json_quick_parses(quick_report, monkeypatch, capsys):
    asked = {}
    monkeypatch.setattr(bench, "run_benchmarks",
                        lambda **kwargs: asked.update(kwargs) or quick_report)
    assert main(["bench", "--json", "--quick", "--repeats", "1"]) == 0
    assert asked["repeats"] == 1 and asked["quick"] is True
    out = capsys.readouterr().out
    _check_report(json.loads(out), repeats=1)  # the fixture's real run, through JSON


@pytest.mark.slow
@needs_models
def test_profile_names_where_classify_spends_its_time():
    pytest.importorskip("pyinstrument")
    text = bench.profile_classify(seconds=6.0, repeats=1)
    assert "classify" in text and "predict" in text
