"""Sounds like: the GTZAN clips nearest to a piece of music, in each model's feature space.

A song is described three ways (:data:`SPACES`), each what one kind of model reads:

- ``features``: the KNN model's 91 hand-made features per 3-s segment (timbre, pitch
  classes, brightness, loudness, tempo, ...), pooled over the song by their mean and
  standard deviation (182 numbers);
- ``musicnn``: the two musicnn networks' penultimate layers and tags, as the transfer
  model reads them (500 numbers, mean over the segments);
- ``audioset``: the AudioSet network's embedding and its 527 class scores, as the
  transfer model reads them (911 numbers, mean over the segments).

Every usable GTZAN clip's three vectors are standardised (each number minus its mean
over the clips, divided by its standard deviation) and stored as float16 in
``assets/maps/gtzan_clips.npz`` with those means and deviations, so that a new song is
standardised exactly like the clips. The **distance** between two songs is the
root-mean-square difference of their standardised numbers: 0 for identical numbers, and
in units of one standard deviation, so the three spaces read alike; the file also holds
the median distance between two GTZAN clips in each space, to say what is near.

The file also places a song on the Dataset page's 2-D maps (``assets/maps/gtzan_map.json``,
:mod:`mgc_core.explore.maps`):

- **PCA** maps exactly: the song's standardised numbers go through the same linear map
  (stored centre and two components) that placed the clips;
- **t-SNE** has no formula for a new point. The song is put at the distance-weighted
  mean of the 2-D positions of its :data:`K_PLACE` nearest clips in the map's space
  (weights 1 / distance²): an approximation, which the page names. A clip of the map
  lands on itself.

Both files are built by ``python -m mgc_core map --gtzan DIR`` from the models' cached
inputs (:func:`build_clip_store`); a song's vectors come from the bundled models
(:func:`song_vectors`). ``python -m mgc_core similar FILE... [--json]`` prints the
neighbours.

Example
-------
>>> from mgc_core.audio.signals import make_signal
>>> from mgc_core.audio import Audio
>>> audio = Audio(make_signal("drum_pattern", sr=22050, duration=8.0), sr=22050)
>>> found = similar(audio)                                   # doctest: +SKIP
>>> [n.genre for n in found.neighbours["features"]]          # doctest: +SKIP
['hiphop', 'disco', 'hiphop', 'pop', 'reggae']
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AssetError, MGCError, ParameterError
from mgc_core.explore import maps as datamap

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.audio import Audio
    from mgc_core.datasets.clips import ClipTable
    from mgc_core.models.base import GenreModel

__all__ = [
    "CLIPS_FILE",
    "SPACES",
    "MAP_SPACES",
    "K",
    "K_PLACE",
    "Neighbour",
    "ClipStore",
    "Similarity",
    "pool_song",
    "song_inputs",
    "song_vectors",
    "nearest",
    "place_on_maps",
    "similar",
    "build_clip_store",
    "read_clip_store",
    "report_lines",
]

#: The per-clip vectors, relative to the assets folder.
CLIPS_FILE = "maps/gtzan_clips.npz"
#: The three spaces: model whose inputs are used, their columns, pooling, title, words.
SPACES: dict[str, dict[str, Any]] = {
    "features": {"model": "knn", "columns": (0, None), "pooling": "mean+std",
                 "title": "Hand-made features",
                 "words": "91 numbers measured by formulas written by people (timbre, "
                          "pitch classes, brightness, loudness, tempo), averaged over the "
                          "song with their spread"},
    "musicnn": {"model": "transfer", "columns": (0, 500), "pooling": "mean",
                "title": "musicnn",
                "words": "500 numbers from two musicnn networks, which learned to tag "
                         "about a million songs (rock, piano, female vocals, ...)"},
    "audioset": {"model": "transfer", "columns": (500, None), "pooling": "mean",
                 "title": "AudioSet network",
                 "words": "911 numbers from the network that learned 527 kinds of sound from "
                          "two million YouTube clips (its embedding and its class scores)"},
}
#: The spaces of each source of the 2-D maps (:data:`mgc_core.explore.maps.SOURCES`).
MAP_SPACES: dict[str, tuple[str, ...]] = {"features": ("features",),
                                          "embeddings": ("musicnn", "audioset")}
#: Neighbours shown by default.
K = 5
#: Clips whose positions place a new point on a t-SNE map.
K_PLACE = 5
_FORMAT = 1
_MODELS = ("knn", "transfer")


@dataclass(frozen=True)
class Neighbour:
    """A GTZAN clip near the song: its id, genre, artist (or None) and distance."""

    id: str
    genre: str
    artist: str | None
    distance: float

    def to_dict(self) -> dict[str, Any]:
        """``{"id", "genre", "artist", "distance"}`` (distance rounded to 4 decimals)."""
        return {"id": self.id, "genre": self.genre, "artist": self.artist,
                "distance": round(self.distance, 4)}


@dataclass(frozen=True, eq=False)
class ClipStore:
    """The GTZAN clips as :mod:`similar` compares them (read-only arrays).

    Attributes
    ----------
    ids, genres, artists : tuple
        One per clip, in the map's order (artist ``None`` when unknown).
    z : mapping of str to np.ndarray [shape=(n_clips, d), dtype=float32]
        Standardised vectors by space.
    mean, scale : mapping of str to np.ndarray [shape=(d,)]
        What standardises a new song: ``(x - mean) / scale``.
    typical : mapping of str to float
        Median distance between two different GTZAN clips, by space.
    pca : mapping of str to (np.ndarray, np.ndarray)
        By map source: the centre ``(d,)`` and the two components ``(2, d)`` of its PCA.
    coordinates : mapping of str to np.ndarray [shape=(n_clips, 2)]
        By map name (:data:`mgc_core.explore.maps.MAPS`): the clips' stored positions.
    """

    ids: tuple[str, ...]
    genres: tuple[str, ...]
    artists: tuple[str | None, ...]
    z: Mapping[str, np.ndarray]
    mean: Mapping[str, np.ndarray]
    scale: Mapping[str, np.ndarray]
    typical: Mapping[str, float]
    pca: Mapping[str, tuple[np.ndarray, np.ndarray]]
    coordinates: Mapping[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.ids)

    def standardise(self, vectors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each space's raw vector of a song (:func:`pool_song`), standardised like the clips.

        Raises
        ------
        ParameterError
            If a space is missing, a vector has the wrong length or a value is not finite.
        """
        out = {}
        for space in SPACES:
            if space not in vectors:
                raise ParameterError(f"The song has no {space!r} vector: make them with "
                                     "song_vectors(audio) or pool_song(inputs).")
            x = np.asarray(vectors[space], dtype=np.float64)
            if x.shape != self.mean[space].shape:
                raise ParameterError(
                    f"The song's {space!r} vector has shape {x.shape}; the stored clips have "
                    f"{self.mean[space].shape}: it must come from the same models' inputs."
                )
            if not np.all(np.isfinite(x)):
                raise ParameterError(
                    f"The song's {space!r} numbers are not all finite, so it cannot be "
                    "compared with the clips; try a longer or louder recording."
                )
            out[space] = (x - self.mean[space]) / self.scale[space]
        return out

    def vectors(self, clip_id: str) -> dict[str, np.ndarray]:
        """The stored raw vectors of the GTZAN clip ``clip_id`` (float16 precision).

        The very numbers its neighbours are measured against: a clip of the store is
        its own nearest neighbour at distance 0, however the app decoded its file.

        Raises
        ------
        ParameterError
            If the clip is not in the store.
        """
        if clip_id not in self.ids:
            raise ParameterError(f"{clip_id!r} is not one of the {len(self)} stored GTZAN clips.")
        i = self.ids.index(clip_id)
        return {s: self.z[s][i].astype(np.float64) * self.scale[s] + self.mean[s]
                for s in SPACES}

    def distances(self, z: Mapping[str, np.ndarray], spaces: Sequence[str]) -> np.ndarray:
        """RMS difference between the standardised song ``z`` and every clip, over ``spaces``."""
        song = np.concatenate([z[s] for s in spaces])
        clips = np.concatenate([self.z[s] for s in spaces], axis=1)
        return np.sqrt(np.mean((clips - song) ** 2, axis=1, dtype=np.float64))


@dataclass(frozen=True, eq=False)
class Similarity:
    """A song's nearest GTZAN clips by space and its positions on the maps.

    Attributes
    ----------
    neighbours : mapping of str to tuple of Neighbour
        By space, nearest first.
    positions : mapping of str to (float, float)
        By map name: where the song lands (:func:`place_on_maps`).
    typical : mapping of str to float
        The median distance between two GTZAN clips, by space.
    """

    neighbours: Mapping[str, tuple[Neighbour, ...]]
    positions: Mapping[str, tuple[float, float]]
    typical: Mapping[str, float]

    def to_json_dict(self, *, file: str) -> dict[str, Any]:
        """``{"file", "neighbours": {space: [{"id", "genre", "artist", "distance"}]}, "maps"}``."""
        return {
            "file": file,
            "neighbours": {s: [n.to_dict() for n in ns] for s, ns in self.neighbours.items()},
            "maps": {name: [round(x, 4), round(y, 4)] for name, (x, y) in self.positions.items()},
        }


# --------------------------------------------------------------------------- a song


def pool_song(inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One song's per-segment model inputs pooled into each space's vector.

    Parameters
    ----------
    inputs : mapping of str to np.ndarray [shape=(n_segments, d)]
        ``"knn"`` (91 per segment) and ``"transfer"`` (1411 per segment), e.g. from
        :func:`song_inputs` or one clip of :func:`mgc_core.training.inputs.extract_inputs`.

    Returns
    -------
    dict of str to np.ndarray [shape=(d,)]
        By space of :data:`SPACES`, not standardised.

    Raises
    ------
    ParameterError
        If an input is missing, empty or not finite.
    """
    for model in _MODELS:
        x = np.asarray(inputs[model]) if model in inputs else None
        if x is None or x.ndim != 2 or x.shape[0] == 0:
            raise ParameterError(
                f"inputs[{model!r}] must be an (n_segments, d) array with at least one "
                f"segment; got {None if x is None else x.shape}: pass the knn and transfer "
                "models' inputs (song_inputs(audio))."
            )
        if not np.all(np.isfinite(x)):
            raise ParameterError(
                f"The {model} model's numbers for this music are not all finite, so it "
                "cannot be compared with the clips; try a longer or louder recording."
            )
    out = {}
    for space, spec in SPACES.items():
        start, stop = spec["columns"]
        part = np.asarray(inputs[spec["model"]])[:, start:stop]
        out[space] = datamap.pool_clips([part], pooling=spec["pooling"])[0]
    return out


def song_inputs(
    audio: Audio, *, loaded: Mapping[str, GenreModel] | None = None
) -> dict[str, np.ndarray]:
    """The knn and transfer models' per-segment inputs of a song (one shared analysis).

    Parameters
    ----------
    audio : mgc_core.audio.Audio
        Mono audio at any rate (resampled to 16 kHz, as
        :func:`~mgc_core.analysis.classify.classify` does).
    loaded : mapping of str to GenreModel, optional
        Loaded models by name (the app's cache, :func:`~mgc_core.analysis.classify.load_models`);
        a model missing from it is made fresh (the transfer model then loads and verifies
        the bundled networks).

    Returns
    -------
    dict of str to np.ndarray
        ``{"knn": (n_segments, 91), "transfer": (n_segments, 1411)}``.

    Raises
    ------
    ParameterError
        If ``audio`` is not an Audio.
    AssetError
        If a bundled network is missing or altered.
    """
    from mgc_core.audio import Audio
    from mgc_core.models import model_class
    from mgc_core.models.frontend import analyse_audio

    if not isinstance(audio, Audio):
        raise ParameterError(f"similar needs an Audio (from mgc_core.audio.load_audio); got "
                             f"{type(audio).__name__}.")
    if audio.samples.size == 0:
        raise ParameterError("The audio is empty: there is nothing to compare.")
    loaded = loaded or {}
    front = analyse_audio(audio)
    return {name: np.asarray((loaded.get(name) or model_class(name)()).inputs(front))
            for name in _MODELS}


def song_vectors(
    audio: Audio, *, loaded: Mapping[str, GenreModel] | None = None
) -> dict[str, np.ndarray]:
    """A song's vector in each space (:func:`song_inputs`, then :func:`pool_song`)."""
    return pool_song(song_inputs(audio, loaded=loaded))


def nearest(
    store: ClipStore, vectors: Mapping[str, np.ndarray], *, k: int = K,
    clip_id: str | None = None,
) -> dict[str, tuple[Neighbour, ...]]:
    """The ``k`` GTZAN clips nearest to a song in each space, nearest first.

    Parameters
    ----------
    store : ClipStore
        From :func:`read_clip_store`.
    vectors : mapping of str to np.ndarray
        The song's raw vectors by space (:func:`song_vectors`).
    k : int
        Neighbours per space, 1 to the number of clips.
    clip_id : str, optional
        The song's GTZAN id when it is a clip: it comes first among equally near clips.

    Raises
    ------
    ParameterError
        For a bad ``k`` or vector.
    """
    if not isinstance(k, int | np.integer) or not 1 <= k <= len(store):
        raise ParameterError(f"k must be an integer from 1 to {len(store)}; got {k!r}.")
    z = store.standardise(vectors)
    ids = np.asarray(store.ids)
    out = {}
    for space in SPACES:
        d = store.distances(z, [space])
        order = np.lexsort((ids != clip_id, np.round(d, 9)))[:k]
        out[space] = tuple(Neighbour(store.ids[i], store.genres[i], store.artists[i],
                                     float(d[i])) for i in order)
    return out


def place_on_maps(
    store: ClipStore, vectors: Mapping[str, np.ndarray]
) -> dict[str, tuple[float, float]]:
    """Where a song lands on each 2-D map: exactly on PCA, approximately on t-SNE.

    PCA: the stored centre and components applied to the standardised song. t-SNE: the
    distance-weighted mean (weights 1 / distance²) of the positions of its
    :data:`K_PLACE` nearest clips in the map's space; a clip of the map lands on itself.

    Returns
    -------
    dict of str to (float, float)
        By map name (:data:`mgc_core.explore.maps.MAPS`).
    """
    z = store.standardise(vectors)
    out = {}
    for source, spaces in MAP_SPACES.items():
        song = np.concatenate([z[s] for s in spaces])
        centre, components = store.pca[source]
        x, y = components @ (song - centre)
        out[f"{source}_pca"] = (float(x), float(y))
        d = store.distances(z, spaces)
        near = np.argsort(d, kind="stable")[:K_PLACE]
        w = 1.0 / np.maximum(d[near], 1e-9) ** 2
        x, y = (w[:, None] * store.coordinates[f"{source}_tsne"][near]).sum(axis=0) / w.sum()
        out[f"{source}_tsne"] = (float(x), float(y))
    return out


def similar(
    audio: Audio, *, k: int = K, loaded: Mapping[str, GenreModel] | None = None,
    store: ClipStore | None = None, clip_id: str | None = None,
    assets_dir: str | os.PathLike | None = None,
) -> Similarity:
    """A song's ``k`` nearest GTZAN clips in each space and its places on the maps.

    Parameters
    ----------
    audio : mgc_core.audio.Audio
    k : int
    loaded : mapping of str to GenreModel, optional
        See :func:`song_inputs`.
    store : ClipStore, optional
        Read from ``assets_dir`` (:func:`read_clip_store`) when not given.
    clip_id : str, optional
        See :func:`nearest`.
    assets_dir : path-like, optional

    Raises
    ------
    ParameterError, AssetError
        For bad audio or ``k``; for missing or altered stored files or networks.
    """
    store = store if store is not None else read_clip_store(assets_dir=assets_dir)
    vectors = song_vectors(audio, loaded=loaded)
    return Similarity(
        neighbours=MappingProxyType(nearest(store, vectors, k=k, clip_id=clip_id)),
        positions=MappingProxyType(place_on_maps(store, vectors)),
        typical=store.typical,
    )


def report_lines(found: Similarity, *, file: str) -> list[str]:
    """The text the CLI prints for one file: each space's neighbours, one per line."""
    lines = [file]
    for space, neighbours in found.neighbours.items():
        lines.append(f"  {SPACES[space]['title']} (two GTZAN clips are typically "
                     f"{found.typical[space]:.2f} apart)")
        lines += [f"    {n.distance:6.3f}  {n.id:<16} {n.genre:<10} {n.artist or '?'}"
                  for n in neighbours]
    return lines


# --------------------------------------------------------------------------- the stored clips


def _standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``StandardScaler`` (as the maps use): the standardised ``X``, its mean and scale."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    return scaler.transform(X), scaler.mean_, scaler.scale_


def _median_distance(Z: np.ndarray) -> float:
    """Median RMS distance between two different rows of ``Z``."""
    sq = np.sum(Z ** 2, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * Z @ Z.T, 0.0) / Z.shape[1]
    return float(np.median(np.sqrt(d2[np.triu_indices(len(Z), k=1)])))


def build_clip_store(
    table: ClipTable, inputs: Mapping[str, Sequence[np.ndarray]], record: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """The arrays of ``maps/gtzan_clips.npz`` for the clips of a map record.

    Parameters
    ----------
    table : ClipTable
        The clips the map was built from, in its order.
    inputs : mapping of str to sequence of np.ndarray
        ``"knn"`` and ``"transfer"`` per-segment inputs of every clip
        (:func:`mgc_core.training.inputs.extract_inputs`), as given to
        :func:`mgc_core.explore.maps.build_map`.
    record : dict
        The map record built from them: its PCA coordinates must be reproduced by the
        stored centre and components (checked here, signs aligned).

    Returns
    -------
    dict of str to np.ndarray
        ``ids``, and per space ``z_<space>`` (float16), ``mean_<space>``,
        ``scale_<space>``, ``typical_<space>``; per map source ``pca_centre_<source>``
        and ``pca_components_<source>``.

    Raises
    ------
    ParameterError
        If the inputs or the record do not match the table.
    MGCError
        If the PCA cannot reproduce the record's coordinates (a bug).
    """
    from sklearn.decomposition import PCA

    ids = [c["id"] for c in record["clips"]]
    if list(table.ids) != ids:
        raise ParameterError("The map record's clips are not the table's: build both from "
                             "the same clip table.")
    raw: dict[str, list[np.ndarray]] = {s: [] for s in SPACES}
    for i in range(len(table)):
        for space, x in pool_song({m: inputs[m][i] for m in _MODELS}).items():
            raw[space].append(x)
    arrays: dict[str, np.ndarray] = {"format": np.array(_FORMAT), "ids": np.array(ids)}
    z64 = {}
    for space in SPACES:
        z64[space], arrays[f"mean_{space}"], arrays[f"scale_{space}"] = _standardise(
            np.stack(raw[space]))
        arrays[f"z_{space}"] = z64[space].astype(np.float16)
        arrays[f"typical_{space}"] = np.array(_median_distance(z64[space]))
    for source, spaces in MAP_SPACES.items():
        Z = np.concatenate([z64[s] for s in spaces], axis=1)
        pca = PCA(n_components=2, svd_solver="full", random_state=int(record.get("seed", 0)))
        xy = pca.fit_transform(Z)
        stored = datamap.map_coordinates(record, f"{source}_pca")
        signs = np.where(np.sum(xy * stored, axis=0) < 0, -1.0, 1.0)
        if not np.allclose(xy * signs, stored, atol=1e-3):
            raise MGCError(f"The {source} PCA does not reproduce the map's coordinates: a bug "
                           "in mgc_core.explore (both are fit on the same numbers).")
        arrays[f"pca_centre_{source}"] = pca.mean_
        arrays[f"pca_components_{source}"] = pca.components_ * signs[:, None]
    return arrays


def read_clip_store(*, assets_dir: str | os.PathLike | None = None) -> ClipStore:
    """The stored clips (``maps/gtzan_clips.npz`` with ``maps/gtzan_map.json``), verified.

    Raises
    ------
    AssetError
        If either file is missing, altered or malformed, or they were not built together;
        the message names the command that rebuilds them.
    """
    record = datamap.read_map(assets_dir=assets_dir)
    arrays = datamap.read_arrays(CLIPS_FILE, assets_dir=assets_dir)
    clips = record["clips"]
    try:
        ids = tuple(str(i) for i in arrays["ids"])
        z = {s: arrays[f"z_{s}"].astype(np.float32) for s in SPACES}
        ok = (ids == tuple(c["id"] for c in clips)
              and all(z[s].shape == (len(ids), arrays[f"mean_{s}"].size) for s in SPACES))
        store = ClipStore(
            ids=ids, genres=tuple(c["genre"] for c in clips),
            artists=tuple(c.get("artist") or None for c in clips),
            z=MappingProxyType(z),
            mean=MappingProxyType({s: arrays[f"mean_{s}"] for s in SPACES}),
            scale=MappingProxyType({s: arrays[f"scale_{s}"] for s in SPACES}),
            typical=MappingProxyType({s: float(arrays[f"typical_{s}"]) for s in SPACES}),
            pca=MappingProxyType({src: (arrays[f"pca_centre_{src}"],
                                        arrays[f"pca_components_{src}"]) for src in MAP_SPACES}),
            coordinates=MappingProxyType({m: datamap.map_coordinates(record, m)
                                          for m in datamap.MAPS}),
        )
    except (KeyError, ValueError, ParameterError) as err:
        raise AssetError(f"assets/{CLIPS_FILE} lacks {err}; rebuild it with "
                         f"`{datamap.MAP_COMMAND}`.") from err
    if not ok:
        raise AssetError(f"assets/{CLIPS_FILE} and assets/{datamap.MAP_FILE} do not hold the "
                         f"same clips; rebuild both with `{datamap.MAP_COMMAND}`.")
    for x in z.values():
        x.flags.writeable = False
    return store
