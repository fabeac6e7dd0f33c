"""Tests of mgc_core.explore.similar: nearest GTZAN clips by space, places on the maps, the CLI.

Synthetic clips test the arithmetic (a clip is its own nearest neighbour, PCA places
exactly, t-SNE places a clip on itself); the bundled file is checked against the map;
the real models run on a few songs (a GTZAN clip read the app's way, an 8 kHz
recording, bad audio) and through ``python -m mgc_core similar``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mgc_core import assets
from mgc_core.audio import Audio, load_audio
from mgc_core.audio.signals import make_signal
from mgc_core.cli import main
from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import AssetError, ParameterError
from mgc_core.explore import maps as datamap
from mgc_core.explore import similar as sim
from mgc_core.genres import GENRES
from mgc_core.models.frontend import SR

GTZAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan"
N = 30


def _table(n: int) -> ClipTable:
    genres = [GENRES[i % len(GENRES)] for i in range(n)]
    ids = tuple(f"{g}.{i:05d}" for i, g in enumerate(genres))
    return ClipTable(ids=ids, labels=np.array([GENRES.index(g) for g in genres]),
                     groups=tuple(f"artist:{i // 3}" for i in range(n)),
                     paths=tuple(Path(t) for t in ids), excluded=0)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """30 clips of random inputs, their map, stored and read back; and the inputs."""
    rng = np.random.default_rng(0)
    table = _table(N)
    inputs = {"knn": [rng.normal(size=(int(rng.integers(2, 6)), 91)) * 50 + 100
                      for _ in range(N)]}
    inputs["transfer"] = [rng.normal(size=(len(x), 1411)) for x in inputs["knn"]]
    record = datamap.build_map(table, inputs, artists={t: f"Artist {i}" for i, t in
                                                      enumerate(table.ids)})
    root = tmp_path_factory.mktemp("assets")
    datamap.write_map(record, assets_dir=root,
                      arrays={sim.CLIPS_FILE: sim.build_clip_store(table, inputs, record)})
    return sim.read_clip_store(assets_dir=root), inputs, root


def _own(inputs, i: int) -> dict[str, np.ndarray]:
    return sim.pool_song({m: inputs[m][i] for m in ("knn", "transfer")})


# --------------------------------------------------------------------------- arithmetic


def test_spaces_match_the_models_inputs():
    from mgc_core.models.knn import N_FEATURES
    from mgc_core.models.transfer import N_EMBEDDING, N_MUSICNN

    widths = {"knn": N_FEATURES, "transfer": N_EMBEDDING}
    sizes = {s: len(range(widths[spec["model"]])[slice(*spec["columns"])])
             for s, spec in sim.SPACES.items()}
    assert sizes == {"features": N_FEATURES, "musicnn": N_MUSICNN,
                     "audioset": N_EMBEDDING - N_MUSICNN}
    # the maps' sources are made of the same spaces, pooled alike
    for source, spaces in sim.MAP_SPACES.items():
        spec = datamap.SOURCES[source]
        assert {sim.SPACES[s]["model"] for s in spaces} == {spec["model"]}
        assert {sim.SPACES[s]["pooling"] for s in spaces} == {spec["pooling"]}


def test_every_clip_is_its_own_nearest_neighbour(synthetic):
    store, inputs, _ = synthetic
    for i, clip in enumerate(store.ids):
        found = sim.nearest(store, _own(inputs, i), k=3)
        for space, neighbours in found.items():
            assert neighbours[0].id == clip, space
            assert neighbours[0].distance < 0.01 < neighbours[1].distance
            assert [n.distance for n in neighbours] == sorted(n.distance for n in neighbours)
    first = sim.nearest(store, _own(inputs, 0), k=1)["features"][0]
    assert (first.genre, first.artist) == ("blues", "Artist 0")


def test_pca_places_exactly_and_tsne_puts_a_clip_on_itself(synthetic):
    store, inputs, _ = synthetic
    for i in range(N):
        placed = sim.place_on_maps(store, _own(inputs, i))
        assert set(placed) == set(datamap.MAPS)
        for name, xy in placed.items():
            np.testing.assert_allclose(xy, store.coordinates[name][i], err_msg=name,
                                       atol=2e-3)


def test_tsne_places_a_newcomer_among_its_nearest_clips(synthetic):
    store, inputs, _ = synthetic
    song = {s: (v + _own(inputs, 1)[s]) / 2 for s, v in _own(inputs, 0).items()}  # between two
    placed = sim.place_on_maps(store, song)
    for source, spaces in sim.MAP_SPACES.items():
        xy = np.asarray(placed[f"{source}_tsne"])
        d = store.distances(store.standardise(song), spaces)
        near = np.argsort(d)[:sim.K_PLACE]
        w = 1 / d[near] ** 2
        expected = (w[:, None] * store.coordinates[f"{source}_tsne"][near]).sum(0) / w.sum()
        np.testing.assert_allclose(xy, expected, rtol=1e-6)
        box = store.coordinates[f"{source}_tsne"][near]
        assert np.all(xy >= box.min(0) - 1e-9) and np.all(xy <= box.max(0) + 1e-9)


def test_a_clip_comes_first_among_equally_near_clips(synthetic):
    store, inputs, _ = synthetic
    twin = dict(store.z)  # clip 5 stored twice: clip 6 gets clip 5's numbers
    twin = {s: np.concatenate([z[:6], z[5:6], z[7:]]) for s, z in twin.items()}
    store2 = type(store)(**{**store.__dict__, "z": twin})
    song = _own(inputs, 5)
    for clip_id in (store.ids[5], store.ids[6]):
        first = sim.nearest(store2, song, k=2, clip_id=clip_id)["musicnn"]
        assert first[0].id == clip_id and {n.id for n in first} == set(store.ids[5:7])


def test_distances_are_rms_in_standard_deviations(synthetic):
    store, inputs, _ = synthetic
    for space in sim.SPACES:
        assert store.z[space].shape == (N, store.mean[space].size)
        np.testing.assert_allclose(store.z[space].mean(0), 0, atol=1e-2)
        assert 1.0 < store.typical[space] < 1.6  # about sqrt(2) for independent numbers


def test_json_and_report_lines(synthetic):
    store, inputs, _ = synthetic
    found = sim.Similarity(neighbours=sim.nearest(store, _own(inputs, 2)),
                           positions=sim.place_on_maps(store, _own(inputs, 2)),
                           typical=store.typical)
    out = json.loads(json.dumps(found.to_json_dict(file="x.wav")))
    assert out["file"] == "x.wav" and set(out["neighbours"]) == set(sim.SPACES)
    for neighbours in out["neighbours"].values():
        assert len(neighbours) == sim.K
        assert set(neighbours[0]) == {"id", "genre", "artist", "distance"}
        assert neighbours[0]["id"] == store.ids[2]
    assert set(out["maps"]) == set(datamap.MAPS)
    lines = sim.report_lines(found, file="x.wav")
    assert lines[0] == "x.wav" and len(lines) == 1 + len(sim.SPACES) * (1 + sim.K)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("inputs", "match"), [
    ({"knn": np.ones((2, 91))}, "transfer"),
    ({"knn": np.ones((0, 91)), "transfer": np.ones((0, 1411))}, "at least one segment"),
    ({"knn": np.ones(91), "transfer": np.ones(1411)}, r"\(n_segments, d\)"),
    ({"knn": np.full((2, 91), np.nan), "transfer": np.ones((2, 1411))}, "not all finite"),
])
def test_pool_song_refuses_bad_inputs(inputs, match):
    with pytest.raises(ParameterError, match=match):
        sim.pool_song(inputs)


def test_nearest_refuses_bad_vectors_and_k(synthetic):
    store, inputs, _ = synthetic
    song = _own(inputs, 0)
    for k in (0, N + 1, 2.5):
        with pytest.raises(ParameterError, match="k must be"):
            sim.nearest(store, song, k=k)
    with pytest.raises(ParameterError, match="no 'audioset' vector"):
        sim.nearest(store, {s: v for s, v in song.items() if s != "audioset"})
    with pytest.raises(ParameterError, match="shape"):
        sim.nearest(store, {**song, "musicnn": song["musicnn"][:10]})
    with pytest.raises(ParameterError, match="finite"):
        sim.place_on_maps(store, {**song, "features": song["features"] * np.inf})


def test_song_inputs_refuses_what_is_not_audio():
    with pytest.raises(ParameterError, match="needs an Audio"):
        sim.song_inputs(np.zeros(16000))
    with pytest.raises(ParameterError, match="empty"):
        sim.song_inputs(Audio(np.zeros(0, np.float32), sr=16000))


def test_store_files_must_be_there_listed_and_built_together(synthetic, tmp_path):
    import shutil

    _, _, root = synthetic
    copy = Path(shutil.copytree(root, tmp_path / "assets"))
    (copy / sim.CLIPS_FILE).unlink()
    with pytest.raises(AssetError, match="gtzan_clips.npz is missing"):
        sim.read_clip_store(assets_dir=copy)
    copy = Path(shutil.copytree(root, tmp_path / "other"))
    record = datamap.read_map(assets_dir=copy)
    record["clips"] = record["clips"][::-1]  # another order: not the npz's clips
    datamap.write_map(record, assets_dir=copy)
    with pytest.raises(AssetError, match="do not hold the same clips"):
        sim.read_clip_store(assets_dir=copy)


def test_build_refuses_a_record_of_other_clips(synthetic):
    _, inputs, _ = synthetic
    record = datamap.build_map(_table(N), inputs)
    with pytest.raises(ParameterError, match="same clip table"):
        sim.build_clip_store(_table(N - 1), inputs, record)


# --------------------------------------------------------------------------- the bundled file


@pytest.fixture(scope="module")
def bundled() -> sim.ClipStore:
    return sim.read_clip_store()


def test_bundled_store_matches_the_map(bundled):
    record = datamap.read_map()
    assert bundled.ids == tuple(c["id"] for c in record["clips"])
    assert {s: z.shape[1] for s, z in bundled.z.items()} == {"features": 182, "musicnn": 500,
                                                            "audioset": 911}
    assert all(0.5 < t < 2.0 for t in bundled.typical.values())
    # the stored PCA reproduces the map from the stored (float16) numbers
    for source, spaces in sim.MAP_SPACES.items():
        centre, components = bundled.pca[source]
        Z = np.concatenate([bundled.z[s] for s in spaces], axis=1).astype(np.float64)
        xy = (Z - centre) @ components.T
        np.testing.assert_allclose(xy, bundled.coordinates[f"{source}_pca"], atol=0.05)
    entry = assets.read_manifest()["files"][sim.CLIPS_FILE]
    assert entry["command"] == datamap.MAP_COMMAND


# --------------------------------------------------------------------------- real models


@pytest.fixture(scope="module")
def models():
    from mgc_core.analysis.classify import load_models

    return load_models(["transfer"])


@pytest.mark.slow
@pytest.mark.gtzan
@pytest.mark.skipif(not (GTZAN / "genres").is_dir(), reason="GTZAN data not found")
def test_a_gtzan_clip_decoded_as_stored_is_its_own_nearest_neighbour(bundled, models):
    from mgc_core.datasets import GTZAN as Dataset

    dataset = Dataset(GTZAN)
    sixteen = [t for t in bundled.ids if _rate(dataset, t) == 16000][:2]  # held at 16 kHz
    for clip in [bundled.ids[0], bundled.ids[len(bundled) // 2], *sixteen]:
        audio = load_audio(dataset.track(clip).path, sr=SR)  # as the CLI and `map` decode it
        found = sim.similar(audio, loaded=models, store=bundled, clip_id=clip)
        for space, neighbours in found.neighbours.items():
            assert neighbours[0].id == clip, (clip, space)
            assert neighbours[0].distance < 0.01 < neighbours[1].distance
        i = bundled.ids.index(clip)
        for name, xy in found.positions.items():
            np.testing.assert_allclose(xy, bundled.coordinates[name][i], atol=0.01)


def test_a_stored_clip_is_its_own_nearest_neighbour_at_distance_zero(bundled):
    """What the app uses for a GTZAN clip: its stored numbers (see ui.similar)."""
    for i in range(0, len(bundled), 7):
        clip = bundled.ids[i]
        found = sim.nearest(bundled, bundled.vectors(clip), clip_id=clip)
        assert all(ns[0].id == clip and ns[0].distance < 1e-6 for ns in found.values())
        placed = sim.place_on_maps(bundled, bundled.vectors(clip))
        for name, xy in placed.items():
            np.testing.assert_allclose(xy, bundled.coordinates[name][i],
                                       atol=0.05 if name.endswith("_pca") else 1e-6)
    with pytest.raises(ParameterError, match="not one of"):
        bundled.vectors("blues.99999")


def _rate(dataset, clip: str) -> int:  # noqa: ANN001
    return sf.info(dataset.track(clip).path).samplerate


@pytest.mark.slow
def test_a_phone_recording_and_bad_audio(bundled, models):
    phone = Audio(make_signal("drum_pattern", sr=8000, duration=10.0), sr=8000)
    found = sim.similar(phone, loaded=models, store=bundled)
    assert all(len(n) == sim.K for n in found.neighbours.values())
    assert all(np.all(np.isfinite(xy)) for xy in found.positions.values())
    with pytest.raises(ParameterError, match="NaN"):
        sim.similar(Audio(np.full(8000, np.nan, np.float32), sr=8000), loaded=models,
                    store=bundled)


def _wav(seconds: float, sr: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, make_signal("drum_pattern", sr=sr, duration=seconds), sr, format="WAV")
    return buf.getvalue()


@pytest.mark.slow
def test_cli_similar_json_and_text(tmp_path, capsys):
    song, bad = tmp_path / "song.wav", tmp_path / "bad.wav"
    song.write_bytes(_wav(6.0, 8000))
    bad.write_bytes(b"not audio at all")
    assert main(["similar", str(song), "--json", "--k", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 1 and out[0]["file"] == str(song)
    assert set(out[0]["neighbours"]) == {"features", "musicnn", "audioset"}
    for neighbours in out[0]["neighbours"].values():
        assert len(neighbours) == 3
        assert all(set(n) == {"id", "genre", "artist", "distance"} for n in neighbours)
        assert [n["distance"] for n in neighbours] == sorted(n["distance"] for n in neighbours)
    assert main(["similar", str(song), str(bad)]) == 2  # the bad file fails, the good one prints
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{song}\n  Hand-made features")
    assert f"error: {bad}:" in captured.err
    assert main(["similar", str(song), "--k", "0"]) == 2
    assert "--k must be" in capsys.readouterr().err
