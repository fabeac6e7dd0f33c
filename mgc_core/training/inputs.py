"""The models' inputs for every clip of a dataset, computed once and cached on disk.

Each clip is decoded once at 16 kHz and analysed once
(:func:`~mgc_core.models.frontend.analyse`); every model's per-segment inputs come
from that one :class:`~mgc_core.models.frontend.Frontend` and are cached, keyed by
the file's sha256, the model and :data:`FEATURE_VERSION`.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mgc_core.datasets.clips import ClipTable
from mgc_core.errors import AudioError, MGCError
from mgc_core.evaluation.protocols import Progress, _check_models, _model_class, _noop

__all__ = [
    "FEATURE_VERSION",
    "DEFAULT_CACHE_DIR",
    "extract_inputs",
]

#: Version of the front end and of the models' input code; part of every cache key.
#: Bump it when :mod:`mgc_core.models.frontend` or a model's ``inputs`` changes. A
#: model class may add its own ``feature_version`` class attribute.
FEATURE_VERSION = "frontend-1"
#: Where :func:`extract_inputs` caches inputs by default (git-ignored).
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[2] / ".mgc_cache"


# --------------------------------------------------------------------------- inputs


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cache_file(cache_dir: Path, name: str, version: str, sha: str) -> Path:
    return cache_dir / name / sha[:2] / f"{sha}.{name}.{version}.npz"


def _read_cached(path: Path) -> np.ndarray | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return np.array(data["inputs"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return None  # an unreadable cache entry is a miss: it is recomputed and rewritten


def _write_cached(path: Path, inputs: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, inputs=inputs)
    tmp.replace(path)


def extract_inputs(
    table: ClipTable,
    *,
    models: Sequence[str],
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> dict[str, list[np.ndarray]]:
    """Every requested model's per-segment inputs for every clip, cached on disk.

    Each clip is decoded once at 16 kHz and analysed once; all models read their
    inputs (:meth:`~mgc_core.models.base.GenreModel.inputs`) from that one front end.
    Inputs are cached as ``<cache_dir>/<model>/<sha[:2]>/<sha>.<model>.<version>.npz``,
    keyed by the audio file's sha256, the model and :data:`FEATURE_VERSION` (plus the
    model class's ``feature_version`` if it has one), so reruns, folds and seeds reuse
    them and an edited file is analysed again.

    Parameters
    ----------
    table : ClipTable
        From :func:`clip_table`.
    models : sequence of str
        Model names (see :data:`~mgc_core.models.MODEL_NAMES`).
    cache_dir : path-like, optional
        Cache folder; defaults to :data:`DEFAULT_CACHE_DIR` (``.mgc_cache/``).
    progress : callable, optional
        ``progress("inputs", done, total)`` after each clip.

    Returns
    -------
    dict of str to list of np.ndarray
        Model name -> one array per clip (in ``table`` order), first axis the clip's
        segments.

    Raises
    ------
    AudioError
        If a clip cannot be decoded (the message names it).
    """
    from mgc_core.audio import load_audio
    from mgc_core.models.frontend import SR, analyse

    models = _check_models(models)
    progress = progress or _noop
    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
    instances = {name: _model_class(name)() for name in models}
    versions = {
        name: f"{FEATURE_VERSION}-{getattr(type(m), 'feature_version', '0')}"
        for name, m in instances.items()
    }
    out: dict[str, list[np.ndarray]] = {name: [] for name in models}
    total = len(table)
    progress("inputs", 0, total)
    for i, (track_id, path) in enumerate(zip(table.ids, table.paths)):
        sha = _sha256(path)
        files = {name: _cache_file(cache, name, versions[name], sha) for name in models}
        got = {name: _read_cached(files[name]) for name in models}
        missing = [name for name, x in got.items() if x is None]
        if missing:
            try:
                audio = load_audio(path, sr=SR)
            except AudioError as err:
                raise AudioError(f"GTZAN clip {track_id} ({path}) could not be decoded: {err}"
                                 ) from err
            front = analyse(audio.samples, sr=SR)
            for name in missing:
                x = np.asarray(instances[name].inputs(front))
                if x.shape[0] != front.n_segments:
                    raise MGCError(
                        f"The {name} model returned inputs for {x.shape[0]} segments but the "
                        f"clip has {front.n_segments}; its inputs() must give one row per "
                        "segment (a bug in the model class)."
                    )
                _write_cached(files[name], x)
                got[name] = x
        for name in models:
            out[name].append(got[name])
        progress("inputs", i + 1, total)
    return out
