"""Tests of mgc_core.explore.lab: the stored segments, the two splits, the leak, bad choices."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mgc_core import assets
from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import AssetError, ParameterError
from mgc_core.explore import lab
from mgc_core.explore import maps as datamap
from mgc_core.genres import GENRES

N_CLIPS, N_SEGMENTS = 120, 6


@pytest.fixture(scope="module")
def leaky(tmp_path_factory) -> tuple[lab.SegmentStore, Path]:
    """Clips whose numbers say nothing of their genre but everything of their recording.

    Each clip's segments sit close to a centre of its own, while the genres are spread over
    the artists at random: a classifier can only recognise recordings. Four clips per artist.
    """
    rng = np.random.default_rng(0)
    artists = np.arange(N_CLIPS) // 4
    labels = rng.integers(0, len(GENRES), size=artists.max() + 1)[artists]
    ids = tuple(f"{GENRES[g]}.{i:05d}" for i, g in enumerate(labels))
    table = ClipTable(ids=ids, labels=labels, groups=tuple(f"artist:{a}" for a in artists),
                      paths=tuple(Path(t) for t in ids), excluded=0)
    inputs = {"knn": [], "transfer": []}
    for _ in range(N_CLIPS):
        inputs["knn"].append(rng.normal(size=91) * 5 + rng.normal(size=(N_SEGMENTS, 91)))
        inputs["transfer"].append(rng.normal(size=1411) * 5
                                  + rng.normal(size=(N_SEGMENTS, 1411)))
    root = tmp_path_factory.mktemp("assets")
    record = datamap.build_map(table, {m: [x.astype(np.float64) for x in v]
                                       for m, v in inputs.items()})
    datamap.write_map(record, assets_dir=root,
                      arrays={lab.SEGMENTS_FILE: lab.build_segment_store(table, inputs,
                                                                         n_components=8)})
    return lab.read_segment_store(assets_dir=root), root


def test_store_layout(leaky):
    store, _ = leaky
    assert len(store) == N_CLIPS * N_SEGMENTS and len(store.ids) == N_CLIPS
    assert {s: x.shape[1] for s, x in store.x.items()} == {"features": 91, "musicnn": 8,
                                                          "audioset": 8}
    assert dict(store.widths) == {"features": 91, "musicnn": 500, "audioset": 911}
    assert store.kept["features"] == 1.0 and 0 < store.kept["musicnn"] < 1
    assert list(store.clips[:N_SEGMENTS]) == [0] * N_SEGMENTS
    assert sum(store.clips_per_genre.values()) == N_CLIPS
    assert not store.x["musicnn"].flags.writeable and not store.labels.flags.writeable


def test_random_split_shares_songs_and_the_artist_split_shares_no_artist(leaky):
    store, _ = leaky
    for split in lab.SPLITS:
        train, test = lab.split_segments(store, split, seed=1)
        assert not set(train) & set(test) and train.size + test.size == len(store)
        assert 0.15 < test.size / len(store) < 0.25
        shared_songs = set(store.clips[train]) & set(store.clips[test])
        shared_artists = set(store.groups[train]) & set(store.groups[test])
        if split == "random":
            assert len(shared_songs) > 0.8 * len(set(store.clips[test]))
        else:
            assert not shared_artists and not shared_songs


def test_the_leak_appears_with_the_random_split(leaky):
    """Recognising recordings scores high on random segments, near chance by artist."""
    store, _ = leaky
    for features in (["features"], ["musicnn", "audioset"]):
        leaked = lab.train_and_test(store, features=features, classifier="knn", split="random",
                                    k=1)
        honest = lab.train_and_test(store, features=features, classifier="knn", split="artist",
                                    k=1)
        assert leaked.accuracy > 0.9 and honest.accuracy < 0.4
        assert leaked.songs_seen > 0.9 and honest.songs_seen == honest.artists_seen == 0.0


@pytest.mark.parametrize("classifier", list(lab.CLASSIFIERS))
@pytest.mark.parametrize("split", list(lab.SPLITS))
def test_every_classifier_and_split(leaky, classifier, split):
    store, _ = leaky
    result = lab.train_and_test(store, features=["features", "musicnn"], classifier=classifier,
                                split=split, k=3, C=0.1, seed=2)
    assert result.confusion.shape == (10, 10) and result.confusion.sum() == result.n_test
    assert not result.confusion.flags.writeable
    assert result.n_train + result.n_test == len(store)
    assert 0 <= result.balanced_accuracy <= 1 and 0 <= result.accuracy <= 1
    np.testing.assert_allclose(result.accuracy,
                               np.trace(result.confusion) / result.confusion.sum())
    assert result.features == ("features", "musicnn") and result.seconds >= 0
    assert dict(result.params)["seed"] == 2


def test_same_choices_same_result(leaky):
    store, _ = leaky
    a, b = (lab.train_and_test(store, features=["audioset"], classifier="forest",
                               split="artist", seed=3) for _ in range(2))
    np.testing.assert_array_equal(a.confusion, b.confusion)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"features": []}, "one or more"),
    ({"features": ["mfcc"]}, "one or more"),
    ({"classifier": "svm"}, "Unknown classifier"),
    ({"split": "by song"}, "Unknown split"),
    ({"k": 0}, "k must be"),
    ({"k": 10**6}, "k must be"),
    ({"k": 2.5}, "k must be"),
    ({"classifier": "logistic", "C": 0.0}, "C must be"),
    ({"classifier": "logistic", "C": float("nan")}, "C must be"),
    ({"classifier": "logistic", "C": "big"}, "C must be"),
])
def test_bad_choices_raise_parameter_error(leaky, kwargs, match):
    store, _ = leaky
    choices = {"features": ["features"], "classifier": "knn", "split": "artist", **kwargs}
    with pytest.raises(ParameterError, match=match):
        lab.train_and_test(store, **choices)


def test_store_file_missing_or_altered(leaky, tmp_path):
    _, root = leaky
    copy = Path(shutil.copytree(root, tmp_path / "assets"))
    path = copy / lab.SEGMENTS_FILE
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(AssetError, match="altered.*python -m mgc_core map"):
        lab.read_segment_store(assets_dir=copy)
    path.unlink()
    with pytest.raises(AssetError, match="missing"):
        lab.read_segment_store(assets_dir=copy)


def test_build_refuses_inputs_of_another_table(leaky):
    table = ClipTable(ids=("blues.00000",), labels=np.array([0]), groups=("clip:x",),
                      paths=(Path("x"),), excluded=0)
    with pytest.raises(ParameterError, match="one array per clip"):
        lab.build_segment_store(table, {"knn": [], "transfer": []})
    with pytest.raises(ParameterError, match="extract them together"):
        lab.build_segment_store(table, {"knn": [np.ones((3, 91))],
                                        "transfer": [np.ones((2, 1411))]})


# --------------------------------------------------------------------------- the bundled file


@pytest.fixture(scope="module")
def bundled() -> lab.SegmentStore:
    return lab.read_segment_store()


def test_bundled_store(bundled):
    record = datamap.read_map()
    assert bundled.ids == tuple(c["id"] for c in record["clips"])
    assert len(bundled) >= 9 * len(bundled.ids)  # about ten 3-s segments per 30-s clip
    assert {s: x.shape[1] for s, x in bundled.x.items()} == {
        "features": 91, "musicnn": lab.N_COMPONENTS, "audioset": lab.N_COMPONENTS}
    assert all(0.5 < bundled.kept[s] < 1 for s in ("musicnn", "audioset"))
    assert bundled.clips_per_genre == record["data"]["clips_per_genre"]
    entry = assets.read_manifest()["files"][lab.SEGMENTS_FILE]
    assert entry["command"] == datamap.MAP_COMMAND


def test_bundled_leak_is_large_and_training_takes_seconds(bundled):
    leaked = lab.train_and_test(bundled, features=["musicnn"], classifier="knn", split="random")
    honest = lab.train_and_test(bundled, features=["musicnn"], classifier="knn", split="artist")
    assert leaked.accuracy > honest.accuracy + 0.1
    assert leaked.balanced_accuracy > honest.balanced_accuracy + 0.1
    assert leaked.songs_seen > 0.95 and honest.artists_seen == 0.0
    assert leaked.seconds < 30 and honest.seconds < 30
