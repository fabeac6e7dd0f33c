"""Tests of mgc_core.models.musicnn, the Keras 3 port of MSD_musicnn / MTT_musicnn.

The reference outputs in ``../shared/fixtures/musicnn_reference`` come from the original
TF1 network (see its README). Tests that need them, the GTZAN clip or the musicnn
wheel skip, with the reason, when these are absent.

Note on ``penultimate`` in the fixtures: musicnn 0.1.0's ``extractor`` stores the
features of the first patch only and then, through a bug in its batch loop
(``..., backend_ = tf_out`` but ``np.concatenate((..., penultimate_))``), appends that
same first row for every later patch. Where a fixture's rows are all copies of row 0,
only row 0 is a real reference, and only it is compared; the taggram, which is
computed from the penultimate layer, is compared on every patch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgc_core.errors import AssetError, AudioError, ParameterError
from mgc_core.models import musicnn as mn

SHARED = Path(__file__).parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "musicnn_reference"
AUDIO = {
    "synthetic_9s_16k": FIXTURES / "synthetic_9s_16k.wav",
    "classical.00000": SHARED / "data" / "gtzan" / "genres" / "classical" / "classical.00000.ogg",
}
TOL_NET = 1e-3
TOL_LOGMEL = 1e-2


def _fixture(name: str) -> dict[str, np.ndarray]:
    path = FIXTURES / f"{name}.npz"
    if not path.is_file():
        pytest.skip(f"reference fixture {path} is absent (shared fixtures not checked out)")
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module")
def msd_model():
    path = mn.bundled_model_path("MSD_musicnn")
    if not path.is_file():
        pytest.fail(f"bundled model {path} is missing: run convert_musicnn")
    return mn.load_musicnn(path)


def _wheel_dir(which: str) -> Path:
    try:
        return mn.checkpoint_dir(which)
    except AssetError as err:
        pytest.skip(f"musicnn wheel not installed: {err}")


# --- (1) bundled network vs the TF1 reference ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["synthetic_9s_16k", "classical.00000"])
def test_bundled_msd_reproduces_reference(msd_model, name):
    ref = _fixture(name)
    patches = mn.logmel_patches(ref["logmel"])
    assert patches.shape == (ref["taggram"].shape[0], mn.PATCH_FRAMES, mn.N_MELS)
    out = mn.predict_patches(msd_model, patches, batch_size=4)
    assert out["taggram"].dtype == np.float32
    assert np.abs(out["taggram"] - ref["taggram"]).max() <= TOL_NET

    pen_ref = ref["penultimate"]
    rows = slice(None)
    if len(pen_ref) > 1 and np.all(pen_ref == pen_ref[0]):
        rows = slice(0, 1)  # musicnn 0.1.0 extractor bug, see the module docstring
    assert np.abs(out["penultimate"][rows] - pen_ref[rows]).max() <= TOL_NET
    assert list(ref["tags"]) == list(mn.MSD_TAGS)


@pytest.mark.slow
def test_bundled_mtt_loads_and_predicts():
    model = mn.load_musicnn(mn.bundled_model_path("MTT_musicnn"))
    rng = np.random.default_rng(0)
    patches = rng.uniform(0, 2, (3, mn.PATCH_FRAMES, mn.N_MELS)).astype(np.float32)
    out = mn.predict_patches(model, patches)
    assert out["taggram"].shape == (3, len(mn.MTT_TAGS))
    assert out["penultimate"].shape == (3, mn.PENULTIMATE_UNITS)
    assert np.all((out["taggram"] >= 0) & (out["taggram"] <= 1))


def test_predict_patches_batches_agree_and_handle_empty(msd_model):
    rng = np.random.default_rng(1)
    patches = rng.uniform(0, 2, (5, mn.PATCH_FRAMES, mn.N_MELS)).astype(np.float32)
    whole = mn.predict_patches(msd_model, patches, batch_size=32)
    split = mn.predict_patches(msd_model, patches, batch_size=2)
    for key in ("taggram", "penultimate"):
        np.testing.assert_allclose(whole[key], split[key], atol=1e-5)
    empty = mn.predict_patches(msd_model, np.zeros((0, mn.PATCH_FRAMES, mn.N_MELS)))
    assert empty["taggram"].shape == (0, 50)
    assert empty["penultimate"].shape == (0, mn.PENULTIMATE_UNITS)


# --- (2) our log-mel vs the reference log-mel ------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["synthetic_9s_16k", pytest.param("classical.00000", marks=pytest.mark.gtzan)],
)
def test_logmel_matches_reference(name):
    import librosa

    ref = _fixture(name)
    audio = AUDIO[name]
    if not audio.is_file():
        pytest.skip(f"audio {audio} is absent (GTZAN or fixtures not available)")
    y, sr = librosa.load(audio, sr=16000)
    logmel = mn.musicnn_logmel(y, sr=sr)
    assert logmel.dtype == np.float32
    assert logmel.shape == ref["logmel"].shape
    assert np.abs(logmel - ref["logmel"]).max() <= TOL_LOGMEL


# --- (3) the converter reproduces the bundled files ---------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("which", ["MSD_musicnn", "MTT_musicnn"])
def test_convert_matches_bundled(tmp_path, which):
    _wheel_dir(which)
    out = mn.convert_musicnn(which, tmp_path)
    assert out == tmp_path / mn.CHECKPOINTS[which]
    fresh = mn.load_musicnn(out)
    bundled = mn.load_musicnn(mn.bundled_model_path(which))
    fresh_w = {v.path: v.value.numpy() for v in fresh.weights}
    bundled_w = {v.path: v.value.numpy() for v in bundled.weights}
    assert fresh_w.keys() == bundled_w.keys()
    assert len(fresh_w) == 2 * 10 + 4 * 11  # 10 conv/dense layers, 11 batch norms
    for key, value in fresh_w.items():
        assert value.dtype == np.float32
        np.testing.assert_array_equal(value, bundled_w[key], err_msg=key)


@pytest.mark.slow
def test_load_tf1_checkpoint_rejects_mismatched_model():
    folder = _wheel_dir("MSD_musicnn")
    model = mn.build_musicnn(n_tags=10, name="wrong")
    with pytest.raises(AssetError, match="tag_logits"):
        mn.load_tf1_checkpoint(model, folder)


def test_checkpoint_dir_without_wheel(monkeypatch):
    monkeypatch.setattr(mn.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(AssetError, match="pip install --no-deps musicnn==0.1.0"):
        mn.checkpoint_dir("MSD_musicnn")


def test_checkpoint_dir_unknown_name():
    with pytest.raises(ParameterError, match="MSD_musicnn"):
        mn.checkpoint_dir("MSD_vgg")


def test_load_musicnn_missing_or_corrupt(tmp_path):
    with pytest.raises(AssetError, match="missing"):
        mn.load_musicnn(tmp_path / "nope.keras")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(AssetError, match="corrupt"):
        mn.load_musicnn(bad)


# --- (4) patches, padding and bad inputs ---------------------------------------------------


def test_patches_from_frame_zero_without_overlap():
    logmel = np.arange(563 * 96, dtype=np.float32).reshape(563, 96)
    patches = mn.logmel_patches(logmel)
    assert patches.shape == (3, 187, 96) and patches.dtype == np.float32
    np.testing.assert_array_equal(patches[1], logmel[187:374])
    assert mn.logmel_patches(logmel[:187]).shape == (1, 187, 96)
    overlap = mn.logmel_patches(logmel, hop_frames=94)
    assert overlap.shape == (1 + (563 - 187) // 94, 187, 96)
    np.testing.assert_array_equal(overlap[1], logmel[94:281])


def test_patches_pad_short_clip_and_partial_tail():
    logmel = np.random.default_rng(2).random((50, 96)).astype(np.float32)
    (patch,) = mn.logmel_patches(logmel)
    assert patch.shape == (187, 96)
    np.testing.assert_array_equal(patch[:50], logmel)
    np.testing.assert_array_equal(patch[50:100], logmel)  # repeat-padded
    long = np.random.default_rng(3).random((400, 96)).astype(np.float32)
    assert mn.logmel_patches(long).shape == (2, 187, 96)
    kept = mn.logmel_patches(long, keep_partial=True)
    assert kept.shape == (3, 187, 96)
    np.testing.assert_array_equal(kept[2][:26], long[374:])
    assert mn.logmel_patches(long[:374], keep_partial=True).shape == (2, 187, 96)


def test_logmel_shape_and_bad_inputs():
    y = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    logmel = mn.musicnn_logmel(y)
    assert logmel.shape == (1 + 16000 // mn.HOP, mn.N_MELS) and logmel.dtype == np.float32
    with pytest.raises(ParameterError, match="resample"):
        mn.musicnn_logmel(y, sr=22050)
    with pytest.raises(ParameterError, match="mono"):
        mn.musicnn_logmel(np.stack([y, y]))
    with pytest.raises(AudioError):
        mn.musicnn_logmel(np.zeros(0, np.float32))
    with pytest.raises(AudioError):
        mn.musicnn_logmel(np.full(1000, np.nan, np.float32))


def test_patches_and_predict_bad_inputs(msd_model):
    with pytest.raises(ParameterError, match="frames, 96"):
        mn.logmel_patches(np.zeros((200, 128), np.float32))
    with pytest.raises(ParameterError, match="hop_frames"):
        mn.logmel_patches(np.zeros((200, 96), np.float32), hop_frames=0)
    with pytest.raises(AudioError):
        mn.logmel_patches(np.zeros((0, 96), np.float32))
    with pytest.raises(ParameterError, match="187"):
        mn.predict_patches(msd_model, np.zeros((2, 100, 96), np.float32))
    with pytest.raises(ParameterError, match="batch_size"):
        mn.predict_patches(msd_model, np.zeros((1, 187, 96), np.float32), batch_size=0)
