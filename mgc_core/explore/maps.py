"""2-D maps of the GTZAN clips: how the models' inputs spread the genres out.

Every usable clip becomes one point. Its per-segment model inputs are pooled into
one vector per clip, standardised, and projected to two dimensions with PCA (a
linear view: the two directions of largest spread) or t-SNE (a non-linear view that
keeps neighbours together). Two kinds of input are mapped:

- ``features``: the KNN model's 91 hand-made features per 3-s segment, pooled by
  their mean and standard deviation over the clip (182 numbers);
- ``embeddings``: the transfer model's 1411-dimensional input per segment (musicnn's
  and the AudioSet network's embeddings and tags), pooled by the mean (1411 numbers).

Where two genres' points mix, the models that read those inputs tend to confuse
them. The map is computed once by ``python -m mgc_core map --gtzan DIR`` (which
reuses the on-disk cache of :func:`mgc_core.training.inputs.extract_inputs`, so no network
runs when the cache is warm) and bundled as ``assets/maps/gtzan_map.json``, recorded
in ``assets/manifest.json``. The app only reads it (:func:`read_map`). The same command
stores, beside it and through :func:`write_map`, the arrays that place a new song on the
maps and find its nearest clips (:mod:`mgc_core.explore.similar`) and the per-segment
numbers of the Lab (:mod:`mgc_core.explore.lab`), as ``.npz`` files read without pickle
(:func:`read_arrays`).

Example
-------
>>> import numpy as np
>>> from mgc_core.explore.maps import clip_map
>>> rng = np.random.default_rng(0)
>>> clips = [rng.normal(size=(10, 5)) for _ in range(20)]
>>> clip_map(clips, method="pca").shape
(20, 2)
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mgc_core.errors import AssetError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.clips import ClipTable

__all__ = [
    "MAP_FILE",
    "MAP_COMMAND",
    "METHODS",
    "POOLINGS",
    "SOURCES",
    "MAPS",
    "pool_clips",
    "clip_map",
    "build_map",
    "write_map",
    "read_map",
    "map_coordinates",
    "read_arrays",
]

#: The bundled map, relative to the assets folder.
MAP_FILE = "maps/gtzan_map.json"
#: The command that rebuilds it (recorded in the manifest).
MAP_COMMAND = "python -m mgc_core map --gtzan DIR"
#: Projection methods of :func:`clip_map`.
METHODS: tuple[str, ...] = ("pca", "tsne")
#: How a clip's segment vectors are pooled into one vector.
POOLINGS: tuple[str, ...] = ("mean", "mean+std")
#: What is mapped: name -> model whose inputs are used, pooling, and a title for people.
SOURCES: dict[str, dict[str, str]] = {
    "features": {"model": "knn", "pooling": "mean+std", "title": "Hand-made features"},
    "embeddings": {"model": "transfer", "pooling": "mean",
                   "title": "Transfer embeddings (musicnn and AudioSet)"},
}
#: The four maps of the bundled file, ``'<source>_<method>'``.
MAPS: tuple[str, ...] = tuple(f"{s}_{m}" for s in SOURCES for m in METHODS)
#: Default t-SNE perplexity; smaller data sets get ``(n - 1) / 3``.
TSNE_PERPLEXITY = 30.0
_FORMAT = 1
_DECIMALS = 4


# --------------------------------------------------------------------------- projection


def pool_clips(
    features_per_clip: Sequence[np.ndarray], *, pooling: Literal["mean", "mean+std"] = "mean"
) -> np.ndarray:
    """Pool each clip's segment vectors into one vector.

    Parameters
    ----------
    features_per_clip : sequence of np.ndarray [shape=(n_segments, d)]
        One array per clip; the number of segments may differ between clips, ``d``
        may not. A 1-D array counts as one segment.
    pooling : {"mean", "mean+std"}
        The mean over segments, or the mean followed by the standard deviation.

    Returns
    -------
    np.ndarray [shape=(n_clips, d) or (n_clips, 2 * d)]

    Raises
    ------
    ParameterError
        If there are no clips, a clip has no segment, the widths differ, a value is
        not finite, or ``pooling`` is unknown.
    """
    if pooling not in POOLINGS:
        raise ParameterError(f"Unknown pooling {pooling!r}: use one of {', '.join(POOLINGS)}.")
    if len(features_per_clip) == 0:
        raise ParameterError("features_per_clip is empty: pass one array per clip.")
    rows = []
    width = None
    for i, x in enumerate(features_per_clip):
        x = np.asarray(x, dtype=np.float64)
        x = x[None, :] if x.ndim == 1 else x
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
            raise ParameterError(
                f"Clip {i} has inputs of shape {x.shape}: expected (n_segments, d) with at "
                "least one segment and one value per segment."
            )
        if width is None:
            width = x.shape[1]
        elif x.shape[1] != width:
            raise ParameterError(
                f"Clip {i} has {x.shape[1]} values per segment but clip 0 has {width}: "
                "every clip must come from the same model's inputs."
            )
        if not np.all(np.isfinite(x)):
            raise ParameterError(
                f"Clip {i} has NaN or infinite inputs; recompute its inputs (delete its "
                "entry in .mgc_cache/ and rerun the command)."
            )
        pooled = [x.mean(axis=0)]
        if pooling == "mean+std":
            pooled.append(x.std(axis=0))
        rows.append(np.concatenate(pooled))
    return np.stack(rows)


def _project(
    X: np.ndarray, *, method: str, seed: int, perplexity: float | None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Standardise ``X`` (clips x values) and project it to 2-D; return coordinates and info."""
    from sklearn.preprocessing import StandardScaler

    if method not in METHODS:
        raise ParameterError(f"Unknown method {method!r}: use one of {', '.join(METHODS)}.")
    n, d = X.shape
    if n < 3 or d < 2:
        raise ParameterError(
            f"A 2-D map needs at least 3 clips with at least 2 values each; got {n} clips "
            f"with {d} values."
        )
    Z = StandardScaler().fit_transform(X)
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, svd_solver="full", random_state=seed)
        xy = pca.fit_transform(Z)
        ratios = [round(float(v), 6) for v in pca.explained_variance_ratio_]
        return xy, {"explained_variance": ratios}

    from sklearn.manifold import TSNE

    if perplexity is None:
        perplexity = min(TSNE_PERPLEXITY, (n - 1) / 3)
    if not 0 < perplexity < n:
        raise ParameterError(
            f"perplexity must be > 0 and < the number of clips ({n}); got {perplexity!r}."
        )
    tsne = TSNE(
        n_components=2, perplexity=float(perplexity), init="pca", learning_rate="auto",
        random_state=seed,
    )
    xy = tsne.fit_transform(Z)
    return xy, {"perplexity": float(perplexity),
                "kl_divergence": round(float(tsne.kl_divergence_), 6)}


def clip_map(
    features_per_clip: Sequence[np.ndarray],
    *,
    method: Literal["pca", "tsne"] = "pca",
    seed: int = 0,
    pooling: Literal["mean", "mean+std"] = "mean",
    perplexity: float | None = None,
) -> np.ndarray:
    """Place every clip on a 2-D map of its pooled, standardised model inputs.

    Parameters
    ----------
    features_per_clip : sequence of np.ndarray [shape=(n_segments, d)]
        One array per clip (see :func:`pool_clips`).
    method : {"pca", "tsne"}
        PCA (:class:`sklearn.decomposition.PCA`, the two directions of largest
        variance) or t-SNE (:class:`sklearn.manifold.TSNE`, PCA initialisation).
    seed : int
        ``random_state`` of the projection; the same seed gives the same map.
    pooling : {"mean", "mean+std"}
        How segments are pooled into one vector per clip.
    perplexity : float, optional
        t-SNE only: about how many neighbours each point keeps close. Defaults to
        30 (suited to a few hundred clips), or ``(n - 1) / 3`` for fewer than 91 clips.

    Returns
    -------
    np.ndarray [shape=(n_clips, 2)]
        The coordinates, one row per clip, in the order given.

    Raises
    ------
    ParameterError
        For an unknown method or pooling, fewer than 3 clips, inconsistent or
        non-finite inputs, or a perplexity out of range.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> clips = [rng.normal(loc=k % 2 * 5, size=(4, 3)) for k in range(12)]
    >>> xy = clip_map(clips, method="tsne", seed=0)
    >>> xy.shape
    (12, 2)
    """
    X = pool_clips(features_per_clip, pooling=pooling)
    return _project(X, method=method, seed=seed, perplexity=perplexity)[0]


# --------------------------------------------------------------------------- the record


def build_map(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    *,
    artists: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Compute the four maps of the usable clips: hand-made features and embeddings, PCA and t-SNE.

    Parameters
    ----------
    table : mgc_core.datasets.clips.ClipTable
        The clips, from :func:`mgc_core.datasets.clips.clip_table`.
    inputs : mapping of str to sequence of np.ndarray
        From :func:`mgc_core.training.inputs.extract_inputs` with ``models=["knn", "transfer"]``:
        per clip, ``(n_segments, 91)`` features and ``(n_segments, 1411)`` embeddings,
        in ``table`` order.
    artists : mapping, optional
        Clip id -> artist name, or -> ``(artist, title)`` as returned by
        :meth:`mgc_core.datasets.GTZAN.artist_index`; only the artist is stored.
        A clip without one gets ``None``.
    seed : int
        ``random_state`` of every projection.

    Returns
    -------
    dict
        ``{"format", "description", "data", "seed", "sources", "maps", "clips"}``:
        ``maps[name]`` describes each of :data:`MAPS` (method, source, PCA's
        ``explained_variance`` ratios, t-SNE's ``perplexity``); ``clips`` holds one
        ``{"id", "genre", "artist", <map name>: [x, y], ...}`` per clip.

    Raises
    ------
    ParameterError
        If an input is missing or does not have one array per clip.
    """
    n = len(table)
    for source, spec in SOURCES.items():
        model = spec["model"]
        if model not in inputs:
            raise ParameterError(
                f"inputs has no {model!r} entry (needed for the {source} map): call "
                "mgc_core.training.inputs.extract_inputs(table, models=['knn', 'transfer'])."
            )
        if len(inputs[model]) != n:
            raise ParameterError(
                f"inputs[{model!r}] has {len(inputs[model])} clips but the table has {n}: "
                "extract the inputs from the same table."
            )
    maps: dict[str, dict[str, Any]] = {}
    coords: dict[str, np.ndarray] = {}
    sources: dict[str, dict[str, Any]] = {}
    for source, spec in SOURCES.items():
        X = pool_clips(inputs[spec["model"]], pooling=spec["pooling"])
        sources[source] = {**spec, "dimensions": int(X.shape[1])}
        for method in METHODS:
            name = f"{source}_{method}"
            xy, info = _project(X, method=method, seed=seed, perplexity=None)
            coords[name] = np.round(np.asarray(xy, dtype=np.float64), _DECIMALS)
            maps[name] = {"source": source, "method": method, **info}
    artists = artists or {}
    clips = []
    for i, (track_id, genre) in enumerate(zip(table.ids, table.genres, strict=True)):
        artist = artists.get(track_id)
        if isinstance(artist, tuple | list):
            artist = artist[0] if artist else None
        clip: dict[str, Any] = {"id": track_id, "genre": genre, "artist": artist or None}
        for name in MAPS:
            clip[name] = [float(v) for v in coords[name][i]]
        clips.append(clip)
    return {
        "format": _FORMAT,
        "description": (
            "2-D maps of the usable GTZAN clips: each clip's per-segment model inputs "
            "pooled over the clip, standardised, and projected with PCA or t-SNE."
        ),
        "data": table.summary(),
        "seed": int(seed),
        "sources": sources,
        "maps": maps,
        "clips": clips,
    }


def _root(assets_dir: str | os.PathLike | None) -> Path:
    from mgc_core import assets

    return Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR


def _dumps(record: Mapping[str, Any]) -> str:
    """JSON with the header indented and one clip per line (small, readable diffs)."""
    head = {k: v for k, v in record.items() if k != "clips"}
    text = json.dumps(head, indent=1, ensure_ascii=False)
    clips = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in record["clips"])
    return text[:-2] + ',\n "clips": [\n' + clips + "\n ]\n}\n"


def write_map(
    record: Mapping[str, Any],
    *,
    assets_dir: str | os.PathLike | None = None,
    command: str = MAP_COMMAND,
    arrays: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> Path:
    """Write ``record`` to ``<assets_dir>/maps/gtzan_map.json`` and record it in the manifest.

    Parameters
    ----------
    record : dict
        From :func:`build_map`.
    assets_dir : path-like, optional
        The assets folder (holding ``manifest.json``); defaults to the repository's.
    command : str
        The command stored in the manifest as the way to rebuild the file.
    arrays : mapping, optional
        More files built from the same clips, by name relative to the assets folder
        (``"maps/<name>.npz"``) -> the arrays to store in it (numbers and fixed-width
        strings only: :func:`read_arrays` loads them without pickle). Written and
        recorded with the map, under the same command: the per-clip vectors of
        :mod:`mgc_core.explore.similar` and the per-segment ones of
        :mod:`mgc_core.explore.lab`.

    Returns
    -------
    Path
        The map file written.
    """
    from mgc_core import assets

    _check_record(record, "the record to write", rebuild="build it with build_map()",
                  error=ParameterError)
    root = _root(assets_dir)
    path = root / MAP_FILE
    written = []
    for name, content in {MAP_FILE: _dumps(record).encode("utf-8"),
                          **{n: _npz_bytes(n, a) for n, a in (arrays or {}).items()}}.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        tmp.replace(target)
        written.append(target)
    assets.record(written, command=command, data=dict(record.get("data", {})), root=root)
    return path


def _npz_bytes(name: str, arrays: Mapping[str, np.ndarray]) -> bytes:
    """``arrays`` as the bytes of a compressed ``.npz``, refusing what would need pickle."""
    if not name.startswith("maps/") or not name.endswith(".npz"):
        raise ParameterError(f"Array files live in maps/ and end in .npz; got {name!r}.")
    plain = {}
    for key, value in arrays.items():
        value = np.asarray(value)
        if value.dtype.kind not in "biufU":
            raise ParameterError(
                f"{name}: {key!r} has dtype {value.dtype}; store numbers or fixed-width "
                "strings only, so the file loads without pickle."
            )
        plain[key] = value
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **plain)
    return buffer.getvalue()


def read_arrays(name: str, *, assets_dir: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Read an array file written by :func:`write_map`, after checking it against the manifest.

    Parameters
    ----------
    name : str
        Relative to the assets folder, e.g. ``"maps/gtzan_clips.npz"``.
    assets_dir : path-like, optional
        The assets folder; defaults to the repository's.

    Returns
    -------
    dict of str to np.ndarray
        Read-only arrays, loaded without pickle from the very bytes checked.

    Raises
    ------
    AssetError
        If the file is missing, unlisted, altered or unreadable; the message names the
        command that rebuilds it.
    """
    from mgc_core import assets

    root = _root(assets_dir)
    content = assets.read_verified(root / name, root=root)
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as data:
            out = {key: np.array(data[key]) for key in data.files}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
        raise AssetError(f"assets/{name} is unreadable ({err}); rebuild it with "
                         f"`{MAP_COMMAND}`.") from err
    for value in out.values():
        value.flags.writeable = False
    return out


def _check_record(
    record: Any, what: str, *, rebuild: str, error: type[Exception] = AssetError
) -> None:
    if not isinstance(record, Mapping):
        raise error(f"{what} is not a JSON object; {rebuild}.")
    clips = record.get("clips")
    if not isinstance(clips, list) or not clips or not isinstance(record.get("maps"), Mapping):
        raise error(f"{what} has no clips or no maps; {rebuild}.")
    for clip in clips:
        ok = isinstance(clip, Mapping) and isinstance(clip.get("id"), str) and all(
            isinstance(clip.get(m), list) and len(clip[m]) == 2 for m in record["maps"]
        )
        if not ok:
            raise error(f"{what} has a malformed clip entry ({str(clip)[:80]}); {rebuild}.")


def read_map(*, assets_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Read the bundled map after checking it against the manifest.

    Parameters
    ----------
    assets_dir : path-like, optional
        The assets folder; defaults to the repository's.

    Returns
    -------
    dict
        The record written by :func:`write_map` (see :func:`build_map`).

    Raises
    ------
    AssetError
        If the file is missing, not in the manifest, altered or malformed; the
        message names the command that rebuilds it.
    """
    from mgc_core import assets

    root = _root(assets_dir)
    path = root / MAP_FILE
    rebuild = f"rebuild it with `{MAP_COMMAND}`"
    listed = MAP_FILE in assets.read_manifest(root / "manifest.json")["files"]
    if not path.is_file():
        raise AssetError(
            f"The clip map assets/{MAP_FILE} is missing. Restore it with "
            f"`git checkout assets/{MAP_FILE}` or {rebuild}."
        )
    if not listed:
        raise AssetError(
            f"assets/{MAP_FILE} is not listed in assets/manifest.json, so it cannot be "
            f"trusted; {rebuild}, which records it."
        )
    assets.verify(path, root=root)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise AssetError(f"assets/{MAP_FILE} is unreadable ({err}); {rebuild}.") from err
    _check_record(record, f"assets/{MAP_FILE}", rebuild=rebuild)
    return record


def map_coordinates(record: Mapping[str, Any], name: str) -> np.ndarray:
    """The ``(n_clips, 2)`` coordinates of map ``name`` (one of ``record["maps"]``).

    Raises
    ------
    ParameterError
        If the record has no map of that name.
    """
    if name not in record.get("maps", {}):
        raise ParameterError(
            f"Unknown map {name!r}: use one of {', '.join(record.get('maps', {}))}."
        )
    return np.array([clip[name] for clip in record["clips"]], dtype=np.float64)
