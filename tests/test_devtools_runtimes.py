"""Tests of the runtime comparison (mgc_devtools.runtimes; ``mgc_core bench --runtimes``).

The fast tests count musicnn's multiply-adds (the README's 1.40 G per 3-s patch), measure
the matmul limit on a small product and check the arguments; the comparison itself,
which converts the network for ONNX Runtime and LiteRT, is ``slow``.
"""

from __future__ import annotations

import pytest

from mgc_core.errors import ParameterError
from mgc_devtools import runtimes

#: The multiply-adds of one 3-s patch through each bundled musicnn network, from the
#: layers' shapes: the README's "1.40 G multiply-adds per 3-s patch each".
MUSICNN_MACS = 1_398_553_584


@pytest.fixture(scope="module")
def msd_network():
    from mgc_core.models import musicnn as mn

    return mn.load_musicnn(mn.bundled_model_path("MSD_musicnn"))


def test_musicnn_macs_of_the_bundled_network_is_1_40_g(msd_network):
    macs = runtimes.musicnn_macs(msd_network)
    assert macs == MUSICNN_MACS and round(macs / 1e9, 2) == 1.40


def test_musicnn_macs_counts_convolutions_and_dense_layers():
    import keras

    x = keras.Input((10, 8))
    h = keras.layers.Conv1D(4, 3, padding="same")(x)  # 10 positions x (3 * 8 * 4) = 960
    h = keras.layers.MaxPooling1D(2)(h)  # not counted
    h = keras.layers.Flatten()(h)
    y = keras.layers.Dense(5)(h)  # 20 * 5 = 100
    assert runtimes.musicnn_macs(keras.Model(x, y)) == 960 + 100


def test_matmul_gflops_is_a_positive_rate():
    gflops = runtimes.matmul_gflops(n=256, repeats=2)
    assert isinstance(gflops, float) and gflops > 0


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"n": 1.5}, {"repeats": 0}, {"repeats": True}])
def test_matmul_gflops_refuses_bad_sizes(kwargs):
    with pytest.raises(ParameterError):
        runtimes.matmul_gflops(**kwargs)


@pytest.mark.parametrize("names", [("tensorflw",), ("tensorflow", "onnx"), ()])
def test_unknown_runtimes_raise_a_clear_error_before_any_work(names, monkeypatch):
    import mgc_core.models.musicnn as mn

    monkeypatch.setattr(mn, "load_musicnn", lambda *a, **k: pytest.fail("loaded the network"))
    with pytest.raises(ParameterError, match="tensorflow, onnxruntime, litert") as err:
        runtimes.compare_runtimes(runtimes=names)
    for name in names:
        if name not in runtimes.RUNTIMES:
            assert repr(name) in str(err.value)


@pytest.mark.parametrize("kwargs", [{"n_patches": ()}, {"n_patches": (0,)}, {"repeats": 0},
                                    {"threads": 0}, {"batch": -1}])
def test_bad_counts_raise_a_parameter_error(kwargs):
    with pytest.raises(ParameterError):
        runtimes.compare_runtimes(**kwargs)


@pytest.mark.slow
def test_runtimes_compare_tensorflow_onnx_and_litert():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    report = runtimes.compare_runtimes(n_patches=(5,), repeats=1)
    assert set(report["runtimes"]) == set(runtimes.RUNTIMES)
    assert report["macs_per_patch"] == MUSICNN_MACS and report["matmul_gflops"] > 0
    limit = report["matmul_gflops"]
    for name, r in report["runtimes"].items():
        assert r["max_abs_diff"] < 1e-4, name  # the same network in every runtime
        assert r["5"]["median_s"] > 0 and r["5"]["gflops"] > 0
        assert r["5"]["share_of_matmul"] == pytest.approx(r["5"]["gflops"] / limit)

