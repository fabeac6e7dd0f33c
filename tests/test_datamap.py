"""Tests of mgc_core.explore.maps: 2-D clip maps on synthetic features, the record, the array
files, the bundled files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mgc_core import assets
from mgc_core.cli import main
from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import AssetError, ParameterError
from mgc_core.explore import maps as datamap
from mgc_core.genres import GENRES

N_PER_CLUSTER = 15


@pytest.fixture(scope="module")
def clusters() -> tuple[list[np.ndarray], np.ndarray]:
    """Three well-separated clusters of clips, 15 clips each, 4-7 segments of 8 values."""
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=10.0, size=(3, 8))
    clips, labels = [], []
    for k, centre in enumerate(centres):
        for _ in range(N_PER_CLUSTER):
            n_segments = int(rng.integers(4, 8))
            clips.append(centre + rng.normal(scale=0.5, size=(n_segments, 8)))
            labels.append(k)
    return clips, np.array(labels)


def _table(n: int) -> ClipTable:
    genres = [GENRES[i % len(GENRES)] for i in range(n)]
    ids = tuple(f"{g}.{i:05d}" for i, g in enumerate(genres))
    return ClipTable(
        ids=ids, labels=np.array([GENRES.index(g) for g in genres]),
        groups=tuple(f"clip:{t}" for t in ids), paths=tuple(Path(t) for t in ids), excluded=2,
    )


@pytest.fixture(scope="module")
def record() -> dict:
    rng = np.random.default_rng(1)
    n = 24
    inputs = {
        "knn": [rng.normal(size=(5, 91)) for _ in range(n)],
        "transfer": [rng.normal(size=(5, 500)) for _ in range(n)],
    }
    return datamap.build_map(_table(n), inputs, artists={"blues.00000": ("Someone", "Song")})


# --------------------------------------------------------------------------- clip_map


@pytest.mark.parametrize("method", datamap.METHODS)
def test_shape_and_determinism(clusters, method):
    clips, _ = clusters
    a = datamap.clip_map(clips, method=method, seed=3)
    b = datamap.clip_map(clips, method=method, seed=3)
    assert a.shape == (len(clips), 2)
    assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, b)


def test_tsne_seed_changes_the_map(clusters):
    clips, _ = clusters
    a = datamap.clip_map(clips, method="tsne", seed=0)
    b = datamap.clip_map(clips, method="tsne", seed=1, perplexity=5.0)
    assert not np.allclose(a, b)


@pytest.mark.parametrize("pooling", datamap.POOLINGS)
def test_separable_clusters_stay_separated_in_pca(clusters, pooling):
    clips, labels = clusters
    xy = datamap.clip_map(clips, method="pca", pooling=pooling)
    centroids = np.stack([xy[labels == k].mean(axis=0) for k in range(3)])
    spread = max(np.linalg.norm(xy[labels == k] - centroids[k], axis=1).max() for k in range(3))
    gaps = [np.linalg.norm(centroids[i] - centroids[j]) for i in range(3) for j in range(i)]
    assert min(gaps) > 2 * spread
    # and every clip is nearer its own cluster's centre than any other
    nearest = np.argmin(np.linalg.norm(xy[:, None] - centroids[None], axis=2), axis=1)
    np.testing.assert_array_equal(nearest, labels)


def test_pooling():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    np.testing.assert_allclose(datamap.pool_clips([x], pooling="mean"), [[2.0, 4.0]])
    np.testing.assert_allclose(datamap.pool_clips([x], pooling="mean+std"),
                               [[2.0, 4.0, 1.0, 2.0]])


@pytest.mark.parametrize(
    ("clips", "kwargs", "match"),
    [
        ([], {}, "empty"),
        ([np.ones((2, 3))] * 5, {"method": "umap"}, "Unknown method"),
        ([np.ones((2, 3))] * 5, {"pooling": "max"}, "Unknown pooling"),
        ([np.ones((2, 3))] * 2, {}, "at least 3 clips"),
        ([np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 3))], {}, "same model"),
        ([np.ones((0, 3))] * 4, {}, "at least one segment"),
        ([np.full((2, 3), np.nan)] * 4, {}, "NaN"),
        ([np.eye(3)] * 5, {"method": "tsne", "perplexity": 9.0}, "perplexity"),
    ],
)
def test_bad_input_raises_parameter_error(clips, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        datamap.clip_map(clips, **kwargs)


# --------------------------------------------------------------------------- record


def test_build_map_record(record):
    assert set(record["maps"]) == set(datamap.MAPS)
    assert len(record["clips"]) == 24
    assert record["sources"]["features"]["dimensions"] == 182
    assert record["sources"]["embeddings"]["dimensions"] == 500
    for name in datamap.MAPS:
        assert datamap.map_coordinates(record, name).shape == (24, 2)
        if name.endswith("pca"):
            ratios = record["maps"][name]["explained_variance"]
            assert len(ratios) == 2 and 0 < ratios[1] <= ratios[0] < 1
    first = record["clips"][0]
    assert (first["id"], first["genre"], first["artist"]) == ("blues.00000", "blues", "Someone")
    assert record["clips"][1]["artist"] is None
    assert record["data"]["n_clips"] == 24


def test_build_map_needs_both_inputs():
    with pytest.raises(ParameterError, match="transfer"):
        datamap.build_map(_table(5), {"knn": [np.ones((2, 91))] * 5})
    with pytest.raises(ParameterError, match="4 clips but the table has 5"):
        datamap.build_map(_table(5), {"knn": [np.ones((2, 91))] * 4, "transfer": []})


def test_write_read_round_trip_and_tamper(record, tmp_path):
    root = tmp_path / "assets"
    root.mkdir()
    with pytest.raises(AssetError, match="python -m mgc_core map --gtzan DIR"):
        datamap.read_map(assets_dir=root)
    path = datamap.write_map(record, assets_dir=root)
    assert path == root / datamap.MAP_FILE
    entry = assets.read_manifest(root / "manifest.json")["files"][datamap.MAP_FILE]
    assert entry["command"] == datamap.MAP_COMMAND
    back = datamap.read_map(assets_dir=root)
    assert back == json.loads(json.dumps(record))
    path.write_text(path.read_text().replace("blues", "metal", 1))
    with pytest.raises(AssetError, match="altered.*python -m mgc_core map"):
        datamap.read_map(assets_dir=root)
    path.unlink()
    with pytest.raises(AssetError, match="missing.*python -m mgc_core map"):
        datamap.read_map(assets_dir=root)


def test_unlisted_file_is_refused(record, tmp_path):
    root = tmp_path / "assets"
    (root / "maps").mkdir(parents=True)
    (root / datamap.MAP_FILE).write_text(json.dumps(record))
    with pytest.raises(AssetError, match="not listed.*python -m mgc_core map"):
        datamap.read_map(assets_dir=root)


def test_cli_map_uses_the_input_cache(record, monkeypatch, tmp_path, capsys):
    """The command wires dataset -> extract_inputs (cached) -> build_map -> write_map."""

    rng = np.random.default_rng(2)
    table = _table(12)
    calls = {}

    def fake_extract(tbl, *, models, cache_dir=None, progress=None):
        calls["models"], calls["cache_dir"] = list(models), cache_dir
        return {"knn": [rng.normal(size=(3, 91)) for _ in tbl.ids],
                "transfer": [rng.normal(size=(3, 1411)) for _ in tbl.ids]}

    class FakeGTZAN:
        def __init__(self, root):
            calls["root"] = root

        def artist_index(self):
            return {}

    monkeypatch.setattr("mgc_core.datasets.GTZAN", FakeGTZAN)
    monkeypatch.setattr("mgc_core.datasets.clips.clip_table", lambda dataset: table)
    monkeypatch.setattr("mgc_core.training.inputs.extract_inputs", fake_extract)
    out = tmp_path / "assets"
    out.mkdir()
    status = main(["map", "--gtzan", "/some/gtzan", "--out", str(out), "--cache", "C"])
    assert status == 0, capsys.readouterr().err
    assert calls == {"root": "/some/gtzan", "models": ["knn", "transfer"], "cache_dir": "C"}
    assert len(datamap.read_map(assets_dir=out)["clips"]) == 12
    printed = capsys.readouterr().out
    assert "explained variance" in printed
    # the clips' and segments' vectors are written and recorded with the map, same command
    files = assets.read_manifest(out / "manifest.json")["files"]
    for name in (datamap.MAP_FILE, "maps/gtzan_clips.npz", "maps/gtzan_segments.npz"):
        assert files[name]["command"] == f"{datamap.MAP_COMMAND} --out {out}"
        assert f"wrote {out / name}" in printed
    assert len(datamap.read_arrays("maps/gtzan_clips.npz", assets_dir=out)["ids"]) == 12


# --------------------------------------------------------------------------- array files


def test_array_files_round_trip_without_pickle_and_refuse_tampering(record, tmp_path):
    root = tmp_path / "assets"
    root.mkdir()
    arrays = {"maps/extra.npz": {"ids": np.array(["a.00001", "b.00002"]),
                                 "x": np.arange(6, dtype=np.float16).reshape(2, 3)}}
    datamap.write_map(record, assets_dir=root, arrays=arrays)
    back = datamap.read_arrays("maps/extra.npz", assets_dir=root)
    assert list(back["ids"]) == ["a.00001", "b.00002"] and back["x"].dtype == np.float16
    assert not back["x"].flags.writeable
    with np.load(root / "maps/extra.npz", allow_pickle=False) as data:  # plain npz, no pickle
        assert sorted(data.files) == ["ids", "x"]
    path = root / "maps/extra.npz"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(AssetError, match="altered.*python -m mgc_core map"):
        datamap.read_arrays("maps/extra.npz", assets_dir=root)
    with pytest.raises(AssetError, match="missing"):
        datamap.read_arrays("maps/none.npz", assets_dir=root)


@pytest.mark.parametrize(("name", "arrays", "match"), [
    ("maps/x.npz", {"o": np.array([{"a": 1}], dtype=object)}, "without pickle"),
    ("models/x.npz", {"x": np.zeros(2)}, "maps/"),
    ("maps/x.pkl", {"x": np.zeros(2)}, ".npz"),
])
def test_array_files_refuse_what_needs_pickle_or_lives_elsewhere(record, tmp_path, name, arrays,
                                                                 match):
    with pytest.raises(ParameterError, match=match):
        datamap.write_map(record, assets_dir=tmp_path, arrays={name: arrays})


# --------------------------------------------------------------------------- bundled file


def test_bundled_map_verifies_and_holds_every_usable_clip():
    record = datamap.read_map()
    n = record["data"]["n_clips"]  # the clips usable when the map was built (495 of 521)
    assert len(record["clips"]) == n >= 495
    assert set(record["maps"]) == set(datamap.MAPS)
    for name in datamap.MAPS:
        xy = datamap.map_coordinates(record, name)
        assert xy.shape == (n, 2) and np.all(np.isfinite(xy))
    ids = [c["id"] for c in record["clips"]]
    assert len(set(ids)) == n and ids == sorted(ids)
    counts = {g: sum(c["genre"] == g for c in record["clips"]) for g in GENRES}
    assert counts == record["data"]["clips_per_genre"]
    entry = assets.read_manifest()["files"][datamap.MAP_FILE]
    assert entry["command"] == datamap.MAP_COMMAND
    for name in ("maps/gtzan_clips.npz", "maps/gtzan_segments.npz"):  # built with it
        other = assets.read_manifest()["files"][name]
        assert other["command"] == entry["command"] and other["data"] == entry["data"]
    assert sum(p.stat().st_size for p in assets.BUNDLED_DIR.rglob("*") if p.is_file()) <= 30e6
