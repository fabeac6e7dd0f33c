"""Tests of mgc_core.models.musicnn_lite: musicnn converted to LiteRT, run in fixed batches."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from mgc_core import assets
from mgc_core.errors import AssetError, ParameterError
from mgc_core.models import musicnn as mn
from mgc_core.models.musicnn_lite import (
    LITE_BATCH,
    LITE_FILES,
    LiteMusicnn,
    bundled_lite_path,
    convert_to_tflite,
)
from mgc_core.models.transfer import embedding_networks

FIXTURES = Path(__file__).parents[1].parent / "shared" / "fixtures" / "musicnn_reference"
#: The port's tolerance against the original network (tests/test_models_musicnn.py).
TOL_NET = 1e-3


def _patches(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (2.0 * rng.standard_normal((n, mn.PATCH_FRAMES, mn.N_MELS))).astype(np.float32)


@pytest.fixture(scope="module")
def lite() -> dict[str, LiteMusicnn]:
    msd, mtt = embedding_networks()
    return {"MSD_musicnn": msd, "MTT_musicnn": mtt}


@pytest.mark.parametrize("which", list(LITE_FILES))
def test_lite_network_matches_the_keras_network(lite, which):
    keras_model = mn.load_musicnn(mn.bundled_model_path(which))
    x = _patches(11)
    ref = mn.predict_patches(keras_model, x)
    got = lite[which].predict(x)
    for key in ("penultimate", "taggram"):
        assert got[key].shape == ref[key].shape and got[key].dtype == np.float32
        assert np.abs(got[key] - ref[key]).max() < 1e-4, key


@pytest.mark.parametrize("name", ["synthetic_9s_16k", "classical.00000"])
def test_lite_msd_reproduces_the_original_musicnn(lite, name):
    path = FIXTURES / f"{name}.npz"
    if not path.is_file():
        pytest.skip(f"reference fixture {path} is absent (shared fixtures not checked out)")
    with np.load(path) as ref:
        out = lite["MSD_musicnn"].predict(mn.logmel_patches(ref["logmel"]))
        assert np.abs(out["taggram"] - ref["taggram"]).max() <= TOL_NET
        pen = ref["penultimate"]  # rows > 0 may be copies of row 0 (musicnn 0.1.0 bug)
        rows = slice(0, 1) if len(pen) > 1 and np.all(pen == pen[0]) else slice(None)
        assert np.abs(out["penultimate"][rows] - pen[rows]).max() <= TOL_NET


@pytest.mark.parametrize("n", [0, 1, LITE_BATCH - 1, LITE_BATCH, LITE_BATCH + 1, 3 * LITE_BATCH])
def test_batches_and_padding_do_not_change_a_patch(lite, n):
    x = _patches(max(n, 1), seed=n)[:n]
    got = lite["MSD_musicnn"].predict(x)
    assert got["penultimate"].shape == (n, 200) and got["taggram"].shape == (n, 50)
    if n:
        one = lite["MSD_musicnn"].predict(x[-1:])
        np.testing.assert_allclose(got["taggram"][-1:], one["taggram"], atol=1e-6)


def test_concurrent_calls_give_each_caller_its_own_answer(lite):
    net = lite["MTT_musicnn"]
    inputs = [_patches(5, seed=s) for s in range(4)]
    expected = [net.predict(x)["taggram"] for x in inputs]
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        results[i] = net.predict(inputs[i])["taggram"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for i in range(4):
        np.testing.assert_allclose(results[i], expected[i], atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 187), (2, 100, 96), (2, 187, 95)])
def test_bad_patches_are_parameter_errors(lite, shape):
    with pytest.raises(ParameterError, match="patches must have shape"):
        lite["MSD_musicnn"].predict(np.zeros(shape, np.float32))


def test_garbage_content_is_an_asset_error():
    with pytest.raises(AssetError, match="convert-musicnn --tflite-only"):
        LiteMusicnn(b"not a flatbuffer at all" * 10)


def test_bundled_files_are_in_the_manifest_with_their_command():
    files = assets.read_manifest()["files"]
    for which, name in LITE_FILES.items():
        entry = files[f"models/{name}"]
        assert entry["command"] == "python -m mgc_core convert-musicnn --tflite-only"
        assert bundled_lite_path(which).stat().st_size == entry["size"]


def test_bundled_lite_path_refuses_unknown_networks():
    with pytest.raises(ParameterError, match="MSD_musicnn"):
        bundled_lite_path("nope")


@pytest.mark.slow
def test_conversion_reproduces_the_bundled_network(tmp_path, lite):
    out = convert_to_tflite(mn.bundled_model_path("MSD_musicnn"), tmp_path / "msd.tflite")
    again = LiteMusicnn(out.read_bytes())
    x = _patches(3)
    np.testing.assert_allclose(again.predict(x)["taggram"],
                               lite["MSD_musicnn"].predict(x)["taggram"], atol=1e-6)


@pytest.mark.slow
def test_the_serving_graph_computes_the_reference_network_exactly():
    """The rewrites (frequency unfolded, batch norm after the max-pool, filters with a
    negative batch-norm scale negated) hold for any weights: here random ones with both
    signs of scale in every block, on inputs with large values of both signs."""
    from mgc_core.models.musicnn_lite import serving_graph

    ref = mn.build_musicnn(name="random_musicnn")
    rng = np.random.default_rng(3)
    for layer in ref.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if layer.name.endswith("bn") or layer.name in ("input_bn", "penultimate"):
            gamma, beta, mean, var = weights
            gamma = rng.uniform(0.5, 2.0, gamma.shape) * rng.choice([-1.0, 1.0], gamma.shape)
            weights = [gamma, rng.normal(size=beta.shape), rng.normal(size=mean.shape),
                       rng.uniform(0.5, 2.0, var.shape)]
        else:
            weights = [rng.normal(scale=0.1, size=w.shape) for w in weights]
        layer.set_weights([w.astype(np.float32) for w in weights])
    serving = serving_graph(ref)
    x = _patches(3, seed=5)
    want, got = ref.predict_on_batch(x), serving.predict_on_batch(x)
    for key in ("penultimate", "taggram"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-4, atol=1e-4)
    names = {layer.name for layer in serving.layers}
    assert {"timbral_7x38_unfold", "timbral_7x67_unfold", "temporal_128_sign"} <= names


GTZAN = Path(__file__).parents[1].parent / "shared" / "data" / "gtzan"


@pytest.mark.slow
def test_the_transfer_verdicts_on_gtzan_clips_do_not_depend_on_the_runtime():
    """musicnn's part of the transfer input is the same from LiteRT as from TensorFlow, and
    the verdicts do not depend on which runtime computed it."""
    from mgc_core.analysis.classify import load_model
    from mgc_core.audio import load_audio
    from mgc_core.datasets import GTZAN as Dataset
    from mgc_core.genres import GENRES
    from mgc_core.models.frontend import analyse, pool_segments, to_model_rate
    from mgc_core.models.transfer import N_MUSICNN

    if not GTZAN.is_dir():
        pytest.skip(f"GTZAN is not at {GTZAN}")
    dataset = Dataset(GTZAN)
    head = load_model("transfer")
    keras_nets = [mn.load_musicnn(mn.bundled_model_path(w)) for w in LITE_FILES]
    ids = [dataset.track_ids(g)[0] for g in GENRES if dataset.track_ids(g)]  # one per genre
    assert len(ids) == len(GENRES)
    for track_id in ids:
        audio = load_audio(dataset.track(track_id).path)
        front = analyse(to_model_rate(audio.samples, audio.sr))
        patches = front.segments(front.logmel)
        lite_x = head.inputs(front)
        outs = [mn.predict_patches(net, patches) for net in keras_nets]
        tf_musicnn = np.concatenate([outs[0]["penultimate"], outs[0]["taggram"],
                                     outs[1]["penultimate"], outs[1]["taggram"]], axis=1)
        assert np.abs(lite_x[:, :N_MUSICNN] - tf_musicnn).max() < 1e-3, track_id
        tf_x = np.concatenate([tf_musicnn, lite_x[:, N_MUSICNN:]], axis=1)  # same AudioSet part
        p_lite = pool_segments(head.predict_proba(lite_x))
        p_tf = pool_segments(head.predict_proba(tf_x))
        assert p_lite.argmax() == p_tf.argmax() and np.abs(p_lite - p_tf).max() < 1e-3, track_id
