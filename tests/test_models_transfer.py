"""Tests of mgc_core.models.transfer: musicnn embeddings and the skops head.

The head is tested on random, separable embeddings; musicnn runs only on one short
synthetic clip.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from mgc_core import assets
from mgc_core.errors import AssetError, ParameterError
from mgc_core.genres import GENRES
from mgc_core.models import model_class
from mgc_core.models import musicnn as mn
from mgc_core.models.frontend import SR, analyse
from mgc_core.models.musicnn_lite import LITE_FILES, bundled_lite_path
from mgc_core.models.transfer import (
    EMBEDDING_PARTS,
    N_EMBEDDING,
    TransferModel,
    embedding_networks,
)

PRESENT = (GENRES.index("blues"), GENRES.index("jazz"), GENRES.index("rock"))


def _embeddings(rng: np.random.Generator, clips_per_genre: int, segments: int = 3):
    centres = {g: rng.normal(0.0, 1.0, N_EMBEDDING) for g in PRESENT}
    X, y, clips, artists = [], [], [], []
    for g in PRESENT:
        for c in range(clips_per_genre):
            clip_centre = centres[g] + rng.normal(0.0, 0.3, N_EMBEDDING)
            X.append(clip_centre + rng.normal(0.0, 1.0, (segments, N_EMBEDDING)))
            y += [g] * segments
            clips += [f"{g}-{c}"] * segments
            artists += [f"{g}-{c // 2}"] * segments
    return np.vstack(X).astype(np.float32), np.array(y), np.array(clips), np.array(artists)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return _embeddings(rng, 6), _embeddings(np.random.default_rng(0), 2)


@pytest.fixture(scope="module")
def fitted(data):
    (X, y, clips, artists), _ = data
    return TransferModel(c_grid=(0.01, 1.0)).fit(X, y, groups=artists, clips=clips)


def test_registry_and_layout():
    assert model_class("transfer") is TransferModel
    assert TransferModel.name == "transfer" and TransferModel.file_name == "transfer_head.skops"
    assert N_EMBEDDING == 1411 == sum(w for _, w in EMBEDDING_PARTS)
    assert [name for name, _ in EMBEDDING_PARTS][-2:] == ["audioset_embedding",
                                                          "audioset_logits"]


@pytest.mark.slow
def test_inputs_on_a_synthetic_clip():
    t = np.arange(10 * SR) / SR
    y = (0.3 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 2 * t))).astype(np.float32)
    front = analyse(y)
    model = TransferModel()
    X = model.inputs(front)
    assert X.shape == (3, 1411) and X.dtype == np.float32 and np.all(np.isfinite(X))
    tags = model.tagger().tag(front)  # the AudioSet part: the shared tagger's outputs
    np.testing.assert_array_equal(X[:, 500:884], tags.embedding)
    np.testing.assert_array_equal(X[:, 884:], tags.logits)
    # The model loaded the bundled networks on first use and keeps them (no module cache).
    networks = model.networks_
    np.testing.assert_array_equal(model.inputs(front), X)
    assert model.networks_ is networks and model.networks() is networks
    # The same networks given as verified bytes (as load_model does) embed the same.
    given = TransferModel().load_parts({
        **{f: assets.read_verified(bundled_lite_path(w)) for w, f in LITE_FILES.items()},
        **{f: assets.read_verified(assets.ASSETS_DIR / "models" / f)
           for f in ("efficientat_mn04.tflite", "efficientat_mn04_labels.csv")}})
    np.testing.assert_array_equal(given.inputs(front), X)
    fresh = embedding_networks()
    assert fresh[0] is not networks[0]  # each call loads anew: callers keep what they load
    # The same as running musicnn's own input pipeline through the .keras networks
    # (TensorFlow), part by part: the LiteRT conversion changes nothing that matters.
    patches = mn.logmel_patches(mn.musicnn_logmel(y))
    for which, offset in (("MSD_musicnn", 0), ("MTT_musicnn", 250)):
        out = mn.predict_patches(mn.load_musicnn(mn.bundled_model_path(which)), patches)
        np.testing.assert_allclose(X[:, offset : offset + 200], out["penultimate"], atol=1e-3)
        np.testing.assert_allclose(X[:, offset + 200 : offset + 250], out["taggram"], atol=1e-3)


def test_head_fit_predict(fitted, data):
    _, (X, y, clips, _) = data
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), len(GENRES)) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    absent = [i for i in range(len(GENRES)) if i not in PRESENT]
    assert np.all(proba[:, absent] == 0)
    assert np.mean(proba.argmax(axis=1) == y) >= 0.9
    assert fitted.best_params_["C"] in (0.01, 1.0)
    assert fitted.cv_level_ == "clip" and 0.0 <= fitted.cv_score_ <= 1.0


def test_clip_mean_head_pools_segments_into_its_clip_verdict(fitted, data):
    """Trained on clip means, the linear head's verdict on a clip's mean equals the pooled
    verdict of the clip's segments (what the app shows)."""
    from mgc_core.models.frontend import pool_segments

    _, (X, _, clips, _) = data
    for clip in np.unique(clips)[:5]:
        seg = X[clips == clip]
        pooled = pool_segments(fitted.predict_proba(seg))
        whole = fitted.predict_proba(seg.mean(axis=0, keepdims=True))[0]
        np.testing.assert_allclose(pooled, whole, atol=1e-5)


def test_segments_of_one_clip_must_share_its_genre(data):
    _, (X, y, clips, _) = data
    y = y.copy()
    y[0] = (y[0] + 1) % len(GENRES)
    with pytest.raises(ParameterError, match="every segment of a clip"):
        TransferModel().fit(X, y, clips=clips)


def test_head_fit_without_clips_scores_segments(data):
    (X, y, _, artists), _ = data
    model = TransferModel(c_grid=(0.1,), prior_grid=(1.0,), audioset_grid=(1.0,)).fit(
        X, y, groups=artists)
    assert model.cv_level_ == "segment"
    assert model.best_params_ == {"C": 0.1, "prior": 1.0, "audioset": 1.0}


def test_the_weights_are_chosen_with_c_and_folded_into_the_served_scale(fitted, data):
    """Every (C, prior, AudioSet weight) is scored by the inner CV; the chosen prior divides
    the scale of AudioSet's genre columns, the AudioSet weight that of its other columns,
    and the musicnn columns keep theirs: all the served head needs."""
    from mgc_core.models.transfer import (
        AUDIOSET_COLUMNS,
        AUDIOSET_GRID,
        GENRE_COLUMNS,
        N_EMBEDDING,
        PRIOR_GRID,
    )

    assert set(fitted.cv_scores_) == {(c, w, a) for c in (0.01, 1.0) for w in PRIOR_GRID
                                      for a in AUDIOSET_GRID}
    assert fitted.cv_score_ == max(fitted.cv_scores_.values())
    prior, audioset = fitted.best_params_["prior"], fitted.best_params_["audioset"]
    std = np.sqrt(fitted.pipeline_.steps[0][1].var_)
    expected = std.copy()
    expected[list(GENRE_COLUMNS)] /= prior
    expected[list(AUDIOSET_COLUMNS)] /= audioset
    np.testing.assert_allclose(fitted.head_.scale, expected, rtol=1e-6)
    assert len(AUDIOSET_COLUMNS) == 901 and not set(AUDIOSET_COLUMNS) & set(GENRE_COLUMNS)
    assert max(AUDIOSET_COLUMNS) == N_EMBEDDING - 1
    for grid in ("prior_grid", "audioset_grid"):
        with pytest.raises(ParameterError, match=f"{grid} must hold positive"):
            TransferModel(**{grid: (0.0,)}).fit(*data[0][:2], clips=data[0][2])


def test_head_round_trip(fitted, data, tmp_path):
    _, (X, _, _, _) = data
    path = tmp_path / TransferModel.file_name
    fitted.save(path)
    loaded = TransferModel.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert loaded.best_params_ == fitted.best_params_
    served = TransferModel.load(TransferModel.served_path(path))
    assert served.best_params_ == fitted.best_params_ and served.cv_level_ == fitted.cv_level_
    np.testing.assert_array_equal(served.predict_proba(X), fitted.predict_proba(X))
    from mgc_core.models._sklearn_common import genre_columns

    reference = genre_columns(fitted.pipeline_.predict_proba(X), fitted.pipeline_.classes_)
    np.testing.assert_allclose(fitted.predict_proba(X), reference, atol=1e-6)


def test_untrusted_or_foreign_files_are_refused(tmp_path):
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    evil = tmp_path / "evil.skops"
    pipe = Pipeline([("run", FunctionTransformer(func=os.system))])
    sio.dump({"model": "transfer", "format": 1, "pipeline": pipe, "best_params": {"C": 1}}, evil)
    with pytest.raises(AssetError, match="system"):
        TransferModel.load(evil)
    foreign = tmp_path / "foreign.skops"
    sio.dump({"model": "knn", "pipeline": Pipeline([("p", "passthrough")])}, foreign)
    with pytest.raises(AssetError, match="not a saved 'transfer' model"):
        TransferModel.load(foreign)


def test_bad_inputs(fitted, data):
    (X, y, clips, _), _ = data
    with pytest.raises(ParameterError, match="not fitted"):
        TransferModel().predict_proba(X)
    with pytest.raises(ParameterError, match="shape"):
        fitted.predict_proba(X[:, :250])
    with pytest.raises(ParameterError, match="c_grid"):
        TransferModel(c_grid=(0.0,)).fit(X, y)
    with pytest.raises(ParameterError, match="one id per row"):
        TransferModel().fit(X, y, clips=clips[:3])
    with pytest.raises(ParameterError, match="Frontend"):
        TransferModel().inputs(np.zeros((10, 96)))
    with pytest.raises(ParameterError, match="musicnn_mtt.tflite"):
        TransferModel().load_parts({"musicnn_msd.tflite": b"x"})


def test_the_head_file_holds_no_network(fitted, tmp_path):
    """The networks a model holds are not saved with its head (they are bundled apart)."""
    fitted.networks_ = ("not", "saved")
    try:
        fitted.save(tmp_path / TransferModel.file_name)
    finally:
        del fitted.networks_
    assert not hasattr(TransferModel.load(tmp_path / TransferModel.file_name), "networks_")
