"""Train and cross-validate the genre models on GTZAN, honestly.

The pipeline, in the order the CLI runs it (``python -m mgc_core train|evaluate``):

1. :func:`clip_table`: the usable clips (present minus those the fault-filtered split
   leaves out as faulty: 495 of the 521 held) with their genre and artist group
   (Sturm's 2012 index; a clip with no artist is a group of its own).
2. :func:`choose_protocol`: when every id of the fault-filtered split's three lists
   is present, train on ``train``, select on ``valid`` and report ``test``;
   otherwise (as with the 521 clips held) artist-grouped, stratified 5-fold
   cross-validation, repeated for fold seeds 0, 1 and 2.
3. :func:`extract_inputs`: each clip is decoded once at 16 kHz and analysed once
   (:func:`~mgc_core.models.frontend.analyse`); every model's per-segment inputs come
   from that one :class:`~mgc_core.models.frontend.Frontend` and are cached on disk,
   keyed by the file's sha256, the model and :data:`FEATURE_VERSION`.
4. :func:`cross_validate`: out-of-fold segment and clip predictions of each model.
   A clip's segments always stay with their clip, and a clip with its artist, so no
   track and no artist is on both sides of a split. :func:`leaky_cross_validate`
   runs the *same* pipeline with the split done the way many tutorials do it (random
   folds of 3-s segments), to show how much that inflates the scores.
5. :func:`evaluate_all` writes ``assets/evaluation/<model>.json`` (and
   ``ensemble.json``); :func:`train_all` fits each model on all usable clips and
   writes ``assets/models/<file_name>``. Both record their files in
   ``assets/manifest.json``.

Nothing here prints; long steps report through a ``progress(stage, done, total)``
callback.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import os
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mgc_core.errors import AudioError, MGCError, ParameterError
from mgc_core.genres import GENRES

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.datasets.gtzan import GTZAN

__all__ = [
    "FEATURE_VERSION",
    "DEFAULT_CACHE_DIR",
    "FOLD_SEEDS",
    "N_SPLITS",
    "Progress",
    "ClipTable",
    "CVResult",
    "TrainReport",
    "EvaluationReport",
    "clip_table",
    "choose_protocol",
    "extract_inputs",
    "stack_inputs",
    "grouped_folds",
    "cross_validate",
    "leaky_cross_validate",
    "inner_predictions",
    "ensemble_record",
    "evaluate_all",
    "train_all",
]

#: Version of the front end and of the models' input code; part of every cache key.
#: Bump it when :mod:`mgc_core.models.frontend` or a model's ``inputs`` changes. A
#: model class may add its own ``feature_version`` class attribute.
FEATURE_VERSION = "frontend-1"
#: Where :func:`extract_inputs` caches inputs by default (git-ignored).
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[1] / ".mgc_cache"
#: Fold seeds of the repeated cross-validation.
FOLD_SEEDS: tuple[int, ...] = (0, 1, 2)
#: Folds of the cross-validation.
N_SPLITS = 5
_DEFAULT_TRAIN_COMMAND = "python -m mgc_core train --gtzan DIR"
_DEFAULT_EVAL_COMMAND = "python -m mgc_core evaluate --gtzan DIR"

#: ``progress(stage, done, total)``, called as long steps advance.
Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _check_models(models: Sequence[str]) -> tuple[str, ...]:
    from mgc_core.models import MODEL_NAMES

    models = tuple(models)
    if not models:
        raise ParameterError(f"No model given: choose among {', '.join(MODEL_NAMES)}.")
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown:
        raise ParameterError(f"Unknown model(s) {', '.join(map(repr, unknown))}: use "
                             f"{', '.join(MODEL_NAMES)}.")
    return tuple(dict.fromkeys(models))


def _model_class(name: str) -> type:
    from mgc_core.models import model_class

    return model_class(name)


# --------------------------------------------------------------------------- clips


@dataclass(frozen=True, eq=False)
class ClipTable:
    """The usable clips of a GTZAN copy, in sorted id order.

    Attributes
    ----------
    ids : tuple of str
        Track ids, e.g. ``'blues.00012'``.
    labels : np.ndarray [shape=(n,), dtype=int]
        Genre indices (positions in GENRES).
    groups : tuple of str
        ``'artist:<name>'`` from Sturm's index, or ``'clip:<id>'`` for a clip
        without an artist (a group of its own).
    paths : tuple of Path
        The audio files.
    excluded : int
        Clips present but left out as faulty by the fault-filtered split.
    """

    ids: tuple[str, ...]
    labels: np.ndarray
    groups: tuple[str, ...]
    paths: tuple[Path, ...]
    excluded: int

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def genres(self) -> tuple[str, ...]:
        """The genre name of each clip."""
        return tuple(GENRES[i] for i in self.labels)

    def summary(self) -> dict[str, Any]:
        """``{"n_clips", "clips_per_genre", "excluded", "n_groups"}`` for the records."""
        counts = np.bincount(self.labels, minlength=len(GENRES))
        return {
            "n_clips": len(self.ids),
            "clips_per_genre": {g: int(n) for g, n in zip(GENRES, counts)},
            "excluded": int(self.excluded),
            "n_groups": len(set(self.groups)),
        }


def clip_table(dataset: GTZAN) -> ClipTable:
    """The usable clips of ``dataset`` with their labels and artist groups.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN

    Returns
    -------
    ClipTable
        Present clips minus those in ``gtzan_excluded_by_filtered_split.txt``.

    Raises
    ------
    DatasetNotFoundError
        If no usable clip is left.
    """
    from mgc_core.datasets.gtzan import usable_ids
    from mgc_core.errors import DatasetNotFoundError

    ids = usable_ids(dataset)
    if not ids:
        raise DatasetNotFoundError(
            f"The GTZAN copy at {dataset.root} has no usable clip (all are missing or "
            "excluded as faulty). Point --gtzan at a folder holding the audio."
        )
    excluded = len(dataset.tracks) - len(ids)
    groups = []
    for track_id in ids:
        artist = dataset.tracks[track_id].artist
        key = " ".join(artist.split()).casefold() if artist else ""
        groups.append(f"artist:{key}" if key else f"clip:{track_id}")
    return ClipTable(
        ids=tuple(ids),
        labels=np.array([GENRES.index(dataset.tracks[t].genre) for t in ids], dtype=np.int64),
        groups=tuple(groups),
        paths=tuple(dataset.tracks[t].path for t in ids),
        excluded=excluded,
    )


# --------------------------------------------------------------------------- protocol


def choose_protocol(
    dataset: GTZAN,
    *,
    n_splits: int = N_SPLITS,
    fold_seeds: Sequence[int] = FOLD_SEEDS,
) -> dict[str, Any]:
    """Pick the evaluation protocol that the data allows, and describe it.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN
    n_splits : int >= 2
        Folds of the cross-validation.
    fold_seeds : sequence of int
        Seeds of the repeated cross-validation.

    Returns
    -------
    dict
        ``{"name", "description", "n_splits", "fold_seeds", "groups"}``; ``name`` is
        ``"filtered-split"`` when every id of the fault-filtered split's three lists
        is present (then also ``"split"``: ids per part), else ``"grouped-cv"``.
    """
    from mgc_core.evaluation import GROUPS

    if not isinstance(n_splits, int) or n_splits < 2:
        raise ParameterError(f"n_splits must be an integer >= 2; got {n_splits!r}.")
    seeds = [int(s) for s in fold_seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ParameterError(f"fold_seeds must be distinct integers; got {list(fold_seeds)!r}.")
    parts = dataset.split_ids()
    if all(parts.values()) and all(t in dataset.tracks for ids in parts.values() for t in ids):
        return {
            "name": "filtered-split",
            "description": (
                "The fault-filtered split of Kereliuk, Sturm and Larsen (2015): each model "
                "is trained on the 'train' clips, its settings are chosen on the 'valid' "
                "clips, and it is scored once on the 'test' clips, which it never saw. The "
                "split keeps each artist on one side only and leaves out faulty clips."
            ),
            "n_splits": 1,
            "fold_seeds": seeds[:1],
            "groups": GROUPS,
            "split": {k: len(v) for k, v in parts.items()},
        }
    held = sum(t in dataset.tracks for ids in parts.values() for t in ids)
    total = sum(len(v) for v in parts.values())
    return {
        "name": "grouped-cv",
        "description": (
            f"Artist-grouped {n_splits}-fold cross-validation. The usable clips are dealt "
            f"into {n_splits} parts so that every artist's songs stay in one part and each "
            f"part keeps about the same mix of genres. Each model is trained {n_splits} "
            "times, each time on four parts, and predicts the clips of the part it did not "
            "see; so every clip gets a prediction from a model that never heard that clip "
            "or its artist. The 3-second segments of a clip always stay with their clip. "
            f"The whole procedure is repeated with {len(seeds)} different shuffles (fold "
            "seeds) to show how much the scores move by chance. (The standard fault-filtered "
            f"split cannot be used: only {held} of its {total} clips are present.)"
        ),
        "n_splits": n_splits,
        "fold_seeds": seeds,
        "groups": GROUPS,
    }


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


def stack_inputs(per_clip: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate per-clip inputs into segments.

    Returns
    -------
    X : np.ndarray [shape=(n_segments, ...)]
    clip_of : np.ndarray [shape=(n_segments,), dtype=int]
        Index (into the clip table) of each segment's clip.
    """
    if not per_clip:
        raise ParameterError("per_clip is empty: there are no clips to stack.")
    X = np.concatenate([np.asarray(x) for x in per_clip], axis=0)
    clip_of = np.repeat(np.arange(len(per_clip)), [len(x) for x in per_clip])
    return X, clip_of


# --------------------------------------------------------------------------- folds


def grouped_folds(table: ClipTable, *, n_splits: int = N_SPLITS, seed: int = 0) -> np.ndarray:
    """Fold of each clip under artist-grouped stratified k-fold.

    Uses :class:`sklearn.model_selection.StratifiedGroupKFold` with
    ``shuffle=True, random_state=seed`` on the clips, their genres and artist groups.

    Returns
    -------
    np.ndarray [shape=(n_clips,), dtype=int]
        Fold index (0..n_splits-1) of each clip.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(set(table.groups))
    if n_groups < n_splits:
        raise ParameterError(
            f"{n_splits}-fold grouped cross-validation needs at least {n_splits} artist "
            f"groups; the data has {n_groups}. Use fewer folds or more clips."
        )
    folds = np.full(len(table), -1, dtype=np.int64)
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(cv.split(np.zeros(len(table)), table.labels, table.groups)):
        folds[test] = k
    return folds


def _fit_kwargs(cls: type, available: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``available`` that ``cls.fit`` accepts (always ``groups``)."""
    params = inspect.signature(cls.fit).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return {k: v for k, v in available.items()
            if k == "groups" or takes_any or k in params}


def _run_folds(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    fit_arrays: Mapping[str, np.ndarray],
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    fixed: Mapping[str, Any] | None = None,
    stage: str,
    progress: Progress,
) -> np.ndarray:
    """Out-of-fold segment probabilities of model ``name`` over the given splits.

    This is the one place models are fitted for evaluation: the honest and the leaky
    evaluations differ only in the ``splits`` they pass. ``fit_arrays`` holds
    per-segment arrays (``groups``, ``clips``) passed to ``fit`` restricted to the
    training segments, when ``fit`` accepts them; ``fixed`` holds arguments passed as
    they are (``validation`` under the filtered split), when ``fit`` accepts them.
    """
    cls = _model_class(name)
    kwargs = _fit_kwargs(cls, fit_arrays)
    constant = _fit_kwargs(cls, fixed or {})
    oof = np.full((len(y), len(GENRES)), np.nan, dtype=np.float64)
    progress(stage, 0, len(splits))
    for k, (train, test) in enumerate(splits):
        model = cls().fit(X[train], y[train], **{a: v[train] for a, v in kwargs.items()},
                          **constant)
        p = np.asarray(model.predict_proba(X[test]), dtype=np.float64)
        if p.shape != (len(test), len(GENRES)):
            raise MGCError(f"The {name} model's predict_proba returned shape {p.shape}; "
                           f"expected ({len(test)}, {len(GENRES)}) (a bug in the model class).")
        oof[test] = p
        progress(stage, k + 1, len(splits))
    tested = np.concatenate([np.asarray(test) for _, test in splits])
    if np.isnan(oof[tested]).any():
        raise MGCError(f"The {name} model returned NaN probabilities; check its inputs and fit.")
    return oof


def _pool(seg_probs: np.ndarray, clip_of: np.ndarray, clips: np.ndarray) -> np.ndarray:
    from mgc_core.models.frontend import pool_segments

    return np.stack([pool_segments(seg_probs[clip_of == c]) for c in clips]).astype(np.float64)


@dataclass(frozen=True, eq=False)
class CVResult:
    """Out-of-fold predictions of one model.

    Attributes
    ----------
    model : str
    protocol : dict
        From :func:`choose_protocol`.
    evaluated : np.ndarray [shape=(m,), dtype=int]
        Clip indices (into the table) that have predictions: all clips under
        cross-validation, the test clips under the fixed split.
    folds : dict of int to np.ndarray [shape=(m,)]
        Fold seed -> fold of each evaluated clip (``-1`` marks the fixed test part).
    clip_probabilities : dict of int to np.ndarray [shape=(m, 10)]
        Fold seed -> pooled out-of-fold clip probabilities.
    segment_probabilities : dict of int to np.ndarray [shape=(n_segments, 10)]
        Fold seed -> out-of-fold segment probabilities (NaN for segments not evaluated).
    clip_of : np.ndarray [shape=(n_segments,)]
        Clip index of each segment.
    seconds : float
        Wall time of the fits and predictions.
    """

    model: str
    protocol: dict[str, Any]
    evaluated: np.ndarray
    folds: dict[int, np.ndarray]
    clip_probabilities: dict[int, np.ndarray]
    segment_probabilities: dict[int, np.ndarray]
    clip_of: np.ndarray
    seconds: float


def _honest_splits(
    table: ClipTable, clip_of: np.ndarray, protocol: Mapping[str, Any], seed: int,
    dataset_parts: Mapping[str, list[str]] | None,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """Segment splits, evaluated clips and their folds for one fold seed."""
    if protocol["name"] == "filtered-split":
        position = {t: i for i, t in enumerate(table.ids)}
        parts = {k: np.array([position[t] for t in v if t in position], dtype=np.int64)
                 for k, v in (dataset_parts or {}).items()}
        train = np.flatnonzero(np.isin(clip_of, parts["train"]))
        test = np.flatnonzero(np.isin(clip_of, parts["test"]))
        evaluated = np.sort(parts["test"])
        return [(train, test)], evaluated, np.full(len(evaluated), -1)
    folds = grouped_folds(table, n_splits=int(protocol["n_splits"]), seed=seed)
    seg_folds = folds[clip_of]
    splits = [(np.flatnonzero(seg_folds != k), np.flatnonzero(seg_folds == k))
              for k in range(int(protocol["n_splits"]))]
    return splits, np.arange(len(table)), folds


def cross_validate(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    *,
    protocol: Mapping[str, Any],
    models: Sequence[str] | None = None,
    split_ids: Mapping[str, list[str]] | None = None,
    progress: Progress | None = None,
) -> dict[str, CVResult]:
    """Out-of-fold predictions of each model under ``protocol``.

    Under ``"grouped-cv"``, for each fold seed the clips are dealt into folds by
    :func:`grouped_folds`; each fold's model (``model_class(name)()``) is fitted on the
    other folds' segments with their labels, ``groups`` (the artist group of each
    segment's clip) and, if its ``fit`` accepts it, ``clips`` (the clip id of each
    segment); its segment probabilities on the held-out fold are pooled per clip with
    :func:`~mgc_core.models.frontend.pool_segments`. Under ``"filtered-split"`` the
    model is fitted on the ``train`` clips (given ``validation=(X, y)`` of the
    ``valid`` clips if its ``fit`` accepts it) and predicts the ``test`` clips.

    Parameters
    ----------
    table : ClipTable
    inputs : mapping of str to list of np.ndarray
        From :func:`extract_inputs`.
    protocol : mapping
        From :func:`choose_protocol`.
    models : sequence of str, optional
        Defaults to every model in ``inputs``.
    split_ids : mapping, optional
        ``dataset.split_ids()``; needed by the ``"filtered-split"`` protocol.
    progress : callable, optional
        ``progress("cv <model> seed <s>", done_folds, n_folds)``.

    Returns
    -------
    dict of str to CVResult
    """
    models = _check_models(models if models is not None else list(inputs))
    progress = progress or _noop
    if protocol["name"] == "filtered-split" and not split_ids:
        raise ParameterError("The filtered-split protocol needs split_ids "
                             "(dataset.split_ids()).")
    results = {}
    for name in models:
        start = time.perf_counter()
        X, clip_of = stack_inputs(inputs[name])
        y = table.labels[clip_of]
        arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
                  "clips": np.asarray(table.ids, dtype=object)[clip_of]}
        fixed = (_validation(table, X, y, clip_of, split_ids)
                 if protocol["name"] == "filtered-split" else {})
        folds, clip_probs, seg_probs = {}, {}, {}
        evaluated = np.arange(len(table))
        for seed in protocol["fold_seeds"]:
            splits, evaluated, clip_folds = _honest_splits(table, clip_of, protocol, seed,
                                                           split_ids)
            oof = _run_folds(name, X, y, arrays, splits, fixed=fixed,
                             stage=f"cv {name} seed {seed}", progress=progress)
            folds[int(seed)] = clip_folds
            seg_probs[int(seed)] = oof
            clip_probs[int(seed)] = _pool(oof, clip_of, evaluated)
        results[name] = CVResult(
            model=name, protocol=dict(protocol), evaluated=evaluated, folds=folds,
            clip_probabilities=clip_probs, segment_probabilities=seg_probs, clip_of=clip_of,
            seconds=time.perf_counter() - start,
        )
    return results


def _validation(table, X, y, clip_of, split_ids):  # noqa: ANN001, ANN202
    """``{"validation": (X_valid, y_valid)}`` of the filtered split's valid clips, or {}."""
    position = {t: i for i, t in enumerate(table.ids)}
    valid = np.array([position[t] for t in split_ids.get("valid", []) if t in position])
    if valid.size == 0:
        return {}
    seg = np.flatnonzero(np.isin(clip_of, valid))
    return {"validation": (X[seg], y[seg])}


def leaky_cross_validate(
    table: ClipTable,
    inputs: Sequence[np.ndarray],
    *,
    model: str = "knn",
    honest: CVResult,
    n_splits: int = N_SPLITS,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The same pipeline with the split done the leaky way: random folds of segments.

    :class:`sklearn.model_selection.KFold` (``shuffle=True, random_state=seed``) over
    the 3-s segments, as many tutorials do, so segments of one song land on both sides.
    Everything else (model, inputs, labels, ``fit`` arguments) is what
    :func:`cross_validate` used for ``honest``.

    Parameters
    ----------
    table : ClipTable
    inputs : list of np.ndarray
        ``extract_inputs(...)[model]``.
    model : str
    honest : CVResult
        The honest result of ``model``, for the figures shown next to the leaky ones.
    n_splits, seed : int
        Folds and seed of the random segment split.
    progress : callable, optional

    Returns
    -------
    dict
        ``{"description", "split", "fold_seed", "n_segments", "segment_level",
        "clip_level", "honest_segment_level", "honest_clip_level",
        "segments_sharing_a_clip_across_the_split"}``; each ``*_level`` holds accuracy,
        balanced_accuracy and macro_f1.
    """
    from sklearn.model_selection import KFold

    from mgc_core.evaluation import clip_metrics

    progress = progress or _noop
    X, clip_of = stack_inputs(inputs)
    y = table.labels[clip_of]
    arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
              "clips": np.asarray(table.ids, dtype=object)[clip_of]}
    splits = list(KFold(n_splits=n_splits, shuffle=True, random_state=seed).split(X))
    oof = _run_folds(model, X, y, arrays, splits, stage=f"leaky {model}", progress=progress)
    clips = np.arange(len(table))
    leaky_clip = _pool(oof, clip_of, clips).argmax(axis=1)
    shared = sum(np.intersect1d(clip_of[tr], clip_of[te]).size for tr, te in splits)
    honest_seed = seed if seed in honest.segment_probabilities else min(
        honest.segment_probabilities)
    h_seg = honest.segment_probabilities[honest_seed]
    evaluated_segments = np.flatnonzero(~np.isnan(h_seg).any(axis=1))
    return {
        "description": (
            "The same KNN pipeline (same features, same model, same training settings), "
            f"scored with a random {n_splits}-fold split of the 3-second segments instead of "
            "the artist-grouped split. Segments of one song then sit on both sides, so the "
            "model is partly tested on songs it was trained on: the scores go up, but they "
            "no longer say how it does on new music."
        ),
        "split": f"KFold(n_splits={n_splits}, shuffle=True, random_state={seed}) over segments",
        "fold_seed": int(seed),
        "n_segments": int(len(y)),
        "clips_on_both_sides": int(shared),
        "segment_level": clip_metrics(y, oof.argmax(axis=1)),
        "clip_level": clip_metrics(table.labels, leaky_clip),
        "honest_segment_level": clip_metrics(y[evaluated_segments],
                                             h_seg[evaluated_segments].argmax(axis=1)),
        "honest_clip_level": clip_metrics(
            table.labels[honest.evaluated],
            honest.clip_probabilities[honest_seed].argmax(axis=1)),
    }


def inner_predictions(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    *,
    models: Sequence[str],
    folds: np.ndarray,
    evaluated: np.ndarray,
    split_ids: Mapping[str, list[str]] | None = None,
    progress: Progress | None = None,
) -> tuple[dict[int, list[np.ndarray]], dict[int, np.ndarray]]:
    """Predictions of each outer training part by models that did not see them.

    What :func:`mgc_core.ensemble.nested_ensemble` chooses its weights on. Under
    grouped cross-validation (``folds`` >= 0) each model is fitted once per pair of
    folds ``(a, b)`` on the other folds; that fit predicts fold ``b`` for outer fold
    ``a`` and fold ``a`` for outer fold ``b``. Under the fixed split (``folds`` all
    -1) each model is fitted on the ``train`` clips and predicts the ``valid`` ones.

    Parameters
    ----------
    table : ClipTable
    inputs : mapping of str to list of np.ndarray
        From :func:`extract_inputs`.
    models : sequence of str
    folds : np.ndarray [shape=(m,)]
        Outer fold of each evaluated clip.
    evaluated : np.ndarray [shape=(m,)]
        Clip indices (into the table) of the evaluated clips.
    split_ids : mapping, optional
        ``dataset.split_ids()``; needed under the fixed split.
    progress : callable, optional

    Returns
    -------
    inner : dict of int to list of np.ndarray [shape=(m_f, 10)]
        Outer fold -> one array per model (in ``models`` order).
    inner_y : dict of int to np.ndarray [shape=(m_f,)]
        Outer fold -> true genres of those clips.
    """
    progress = progress or _noop
    folds, evaluated = np.asarray(folds), np.asarray(evaluated)
    if (folds < 0).all():
        position = {t: i for i, t in enumerate(table.ids)}
        parts = {k: np.array([position[t] for t in (split_ids or {}).get(k, []) if t in position],
                             dtype=np.int64) for k in ("train", "valid")}
        if not parts["train"].size or not parts["valid"].size:
            raise ParameterError("The fixed split needs 'train' and 'valid' clips to choose "
                                 "the ensemble's weights; pass split_ids=dataset.split_ids().")
        jobs = [(parts["train"], {-1: parts["valid"]})]
    else:
        ks = np.unique(folds)
        jobs = [(evaluated[~np.isin(folds, (a, b))],
                 {int(a): evaluated[folds == b], int(b): evaluated[folds == a]})
                for a, b in itertools.combinations(ks, 2)]
    inner: dict[int, list[np.ndarray]] = {}
    inner_clips: dict[int, list[np.ndarray]] = {}
    for name in models:
        X, clip_of = stack_inputs(inputs[name])
        y = table.labels[clip_of]
        arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
                  "clips": np.asarray(table.ids, dtype=object)[clip_of]}
        preds: dict[int, list[np.ndarray]] = {}
        clips_of_fold: dict[int, list[np.ndarray]] = {}
        stage = f"ensemble weights: inner {name}"
        progress(stage, 0, len(jobs))
        for k, (fit_clips, targets) in enumerate(jobs):
            test_clips = np.concatenate(list(targets.values()))
            split = (np.flatnonzero(np.isin(clip_of, fit_clips)),
                     np.flatnonzero(np.isin(clip_of, test_clips)))
            seg = _run_folds(name, X, y, arrays, [split], stage=stage, progress=_noop)
            for f, clips in targets.items():
                preds.setdefault(f, []).append(_pool(seg, clip_of, clips))
                clips_of_fold.setdefault(f, []).append(clips)
            progress(stage, k + 1, len(jobs))
        for f in preds:
            inner.setdefault(f, []).append(np.concatenate(preds[f]))
            inner_clips[f] = np.concatenate(clips_of_fold[f])
    inner_y = {f: table.labels[c] for f, c in inner_clips.items()}
    return inner, inner_y


def _member_predictions(
    table: ClipTable, records: Mapping[str, Mapping[str, Any]], members: Sequence[str]
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Outer probabilities, folds and clip indices read from the members' records."""
    position = {t: i for i, t in enumerate(table.ids)}
    first = records[members[0]]["clips"]
    ids = [c["id"] for c in first]
    unknown = [t for t in ids if t not in position]
    if unknown:
        raise ParameterError(f"The stored evaluation lists clips this dataset lacks "
                             f"({', '.join(unknown[:3])}); evaluate the models again.")
    folds = np.array([-1 if c["fold"] == "test" else int(c["fold"]) for c in first])
    outer = []
    for m in members:
        clips = records[m]["clips"]
        if [c["id"] for c in clips] != ids or [c["fold"] for c in clips] != [c["fold"]
                                                                         for c in first]:
            raise ParameterError(
                f"The stored evaluations of {members[0]} and {m} cover different clips or "
                "folds; evaluate every model with the same command before the ensemble."
            )
        outer.append(np.array([[c["probabilities"][g] for g in GENRES] for c in clips]))
    return outer, folds, np.array([position[t] for t in ids], dtype=np.int64)


def ensemble_record(
    table: ClipTable,
    inputs: Mapping[str, Sequence[np.ndarray]],
    records: Mapping[str, Mapping[str, Any]],
    *,
    protocol: Mapping[str, Any],
    split_ids: Mapping[str, list[str]] | None = None,
    data: Mapping[str, Any] | None = None,
    command: str = _DEFAULT_EVAL_COMMAND,
    n_resamples: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The evaluation record of the ensemble, scored by nested cross-validation.

    The members' out-of-fold predictions of the first fold seed come from their
    records; :func:`inner_predictions` refits the members inside each training part
    and :func:`mgc_core.ensemble.nested_ensemble` chooses the weights there. The
    record also holds the weights the app uses (``weights``, chosen on every clip)
    and those used on each outer fold (``weights_by_fold``).

    Parameters
    ----------
    table : ClipTable
    inputs : mapping of str to list of np.ndarray
        From :func:`extract_inputs`, for every member.
    records : mapping of str to dict
        The members' evaluation records (every model of
        :data:`~mgc_core.models.MODEL_NAMES`).
    protocol : mapping
        From :func:`choose_protocol`; must be the one the records were made with.
    split_ids, data, command, n_resamples, progress
        As for :func:`evaluate_all`.

    Returns
    -------
    dict
    """
    from mgc_core.ensemble import RULE, WEIGHT_STEP, nested_ensemble
    from mgc_core.evaluation import N_RESAMPLES, evaluation_record
    from mgc_core.models import MODEL_NAMES

    members = list(MODEL_NAMES)
    missing = [m for m in members if m not in records]
    if missing:
        raise ParameterError(f"The ensemble needs the evaluations of {', '.join(missing)} "
                             "too; evaluate every model first.")
    seed = int(protocol["fold_seeds"][0])
    outer, folds, evaluated = _member_predictions(table, records, members)
    if protocol["name"] != "filtered-split":
        expected = grouped_folds(table, n_splits=int(protocol["n_splits"]), seed=seed)
        if not np.array_equal(expected[evaluated], folds):
            raise ParameterError("The stored evaluations were made with other folds than "
                                 "this dataset gives now; evaluate every model again.")
    inner, inner_y = inner_predictions(table, inputs, models=members, folds=folds,
                                       evaluated=evaluated, split_ids=split_ids,
                                       progress=progress)
    y = table.labels[evaluated]
    nested = nested_ensemble(outer, y, folds, inner, inner_y, step=WEIGHT_STEP)
    named = lambda w: {m: round(float(v), 6) for m, v in zip(members, w)}  # noqa: E731
    clips = [{"id": table.ids[c], "genre": GENRES[table.labels[c]],
              "probabilities": p, "fold": "test" if f < 0 else int(f)}
             for c, p, f in zip(evaluated, nested.probabilities, folds)]
    return evaluation_record(
        "ensemble", {**protocol, "fold_seeds": [seed]}, clips,
        data=data, command=command, n_resamples=n_resamples or N_RESAMPLES,
        extra={"rule": RULE, "members": members, "weights": named(nested.weights),
               "weights_by_fold": {str(f): named(w)
                                   for f, w in nested.weights_by_fold.items()}},
    )


# --------------------------------------------------------------------------- orchestration


@dataclass(frozen=True)
class EvaluationReport:
    """What :func:`evaluate_all` wrote: records by model, file paths, timings (s)."""

    records: dict[str, dict[str, Any]]
    paths: dict[str, Path]
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainReport:
    """What :func:`train_all` wrote: model files by name, data summary, timings (s)."""

    paths: dict[str, Path]
    data: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def _clip_entries(table: ClipTable, cv: CVResult, seed: int) -> list[dict[str, Any]]:
    return [
        {"id": table.ids[c], "genre": GENRES[table.labels[c]],
         "probabilities": cv.clip_probabilities[seed][j],
         "fold": "test" if cv.folds[seed][j] < 0 else int(cv.folds[seed][j])}
        for j, c in enumerate(cv.evaluated)
    ]


def evaluate_all(
    dataset: GTZAN,
    *,
    models: Sequence[str] | None = None,
    fold_seeds: Sequence[int] = FOLD_SEEDS,
    n_splits: int = N_SPLITS,
    cache_dir: str | os.PathLike | None = None,
    assets_dir: str | os.PathLike | None = None,
    command: str = _DEFAULT_EVAL_COMMAND,
    n_resamples: int | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Cross-validate models and write ``<assets_dir>/evaluation/<model>.json``.

    Writes one record per model (:func:`mgc_core.evaluation.evaluation_record`; the
    clips listed are the out-of-fold predictions of the first fold seed), adds the
    ``leaky`` comparison to the KNN's, and writes ``ensemble.json``
    (:func:`ensemble_record`, nested) when all four models were evaluated or
    ``"ensemble"`` is asked for; members not evaluated now are read from their stored
    records. Every file is recorded in the manifest.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN
    models : sequence of str, optional
        Models of :data:`~mgc_core.models.MODEL_NAMES` and/or ``"ensemble"``; all of
        them by default. ``["ensemble"]`` alone rebuilds the ensemble from the stored
        evaluations of the four models.
    fold_seeds : sequence of int
    n_splits : int
    cache_dir : path-like, optional
        Input cache (see :func:`extract_inputs`).
    assets_dir : path-like, optional
        Defaults to the bundled ``assets/``.
    command : str
        Recorded as the command that rebuilds the files.
    n_resamples : int, optional
        Bootstrap resamples (default :data:`mgc_core.evaluation.N_RESAMPLES`).
    progress : callable, optional

    Returns
    -------
    EvaluationReport
    """
    from mgc_core import assets
    from mgc_core.evaluation import (
        N_RESAMPLES,
        evaluation_record,
        read_evaluation,
        write_evaluation,
    )
    from mgc_core.models import MODEL_NAMES

    requested = tuple(models) if models is not None else (*MODEL_NAMES, "ensemble")
    with_ensemble = "ensemble" in requested or set(MODEL_NAMES) <= set(requested)
    members = [m for m in requested if m != "ensemble"]
    models = _check_models(members) if members else ()
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    n_resamples = n_resamples or N_RESAMPLES
    stored = {}
    if with_ensemble:  # fail early, before hours of fitting, if a member is missing
        stored = {m: read_evaluation(m, assets_dir=root) for m in MODEL_NAMES
                  if m not in models}
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    table = clip_table(dataset)
    protocol = choose_protocol(dataset, n_splits=n_splits, fold_seeds=fold_seeds)
    split_ids = dataset.split_ids() if protocol["name"] == "filtered-split" else None
    timings["clip table"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inputs = extract_inputs(table, models=MODEL_NAMES if with_ensemble else models,
                            cache_dir=cache_dir, progress=progress)
    timings["inputs (decode, analyse, cache)"] = time.perf_counter() - t0
    results = {} if not models else cross_validate(table, inputs, protocol=protocol, models=models,
                             split_ids=split_ids, progress=progress)
    for name, cv in results.items():
        timings[f"cross-validation {name}"] = cv.seconds
    data = table.summary()
    seed0 = int(protocol["fold_seeds"][0])
    records, paths = {}, {}
    for name, cv in results.items():
        extra = {}
        if name == "knn":
            t0 = time.perf_counter()
            extra["leaky"] = leaky_cross_validate(table, inputs[name], model=name, honest=cv,
                                                  n_splits=n_splits, seed=seed0,
                                                  progress=progress)
            timings["leaky split knn"] = time.perf_counter() - t0
        records[name] = evaluation_record(
            name, protocol, _clip_entries(table, cv, seed0), seeds=cv.clip_probabilities,
            data=data, command=command, n_resamples=n_resamples, extra=extra,
        )
    if with_ensemble:
        t0 = time.perf_counter()
        records["ensemble"] = ensemble_record(
            table, inputs, {**stored, **records}, protocol=protocol, split_ids=split_ids, data=data,
            command=command, n_resamples=n_resamples, progress=progress)
        timings["ensemble (nested weights)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for name, record in records.items():
        paths[name] = write_evaluation(record, assets_dir=root)
    timings["write records"] = time.perf_counter() - t0
    return EvaluationReport(records=records, paths=paths, timings=timings)


def train_all(
    dataset: GTZAN,
    *,
    models: Sequence[str] | None = None,
    cache_dir: str | os.PathLike | None = None,
    assets_dir: str | os.PathLike | None = None,
    command: str = _DEFAULT_TRAIN_COMMAND,
    progress: Progress | None = None,
) -> TrainReport:
    """Fit each model on all usable clips and bundle it as ``assets/models/<file_name>``.

    Each model is fitted on the segments of every usable clip with ``groups`` (artist
    group per segment) and ``clips`` when its ``fit`` accepts it, saved with its own
    :meth:`~mgc_core.models.base.GenreModel.save`, and recorded in the manifest with
    the command, a data summary (clips per genre, excluded, the evaluation protocol),
    library versions and the date.

    Parameters
    ----------
    dataset : mgc_core.datasets.GTZAN
    models : sequence of str, optional
        Defaults to all of :data:`~mgc_core.models.MODEL_NAMES`.
    cache_dir : path-like, optional
        Input cache (see :func:`extract_inputs`).
    assets_dir : path-like, optional
        Defaults to the bundled ``assets/``.
    command : str
        Recorded as the command that rebuilds the files.
    progress : callable, optional
        ``progress("inputs", ...)``, then ``progress("fit", done_models, n_models)``.

    Returns
    -------
    TrainReport
    """
    from mgc_core import assets
    from mgc_core.models import MODEL_NAMES

    models = _check_models(models if models is not None else MODEL_NAMES)
    progress = progress or _noop
    root = Path(assets_dir) if assets_dir is not None else assets.ASSETS_DIR
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    table = clip_table(dataset)
    protocol = choose_protocol(dataset)
    data = {**table.summary(), "protocol": protocol["name"],
            "trained_on": "all usable clips (present minus excluded as faulty)"}
    timings["clip table"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inputs = extract_inputs(table, models=models, cache_dir=cache_dir, progress=progress)
    timings["inputs (decode, analyse, cache)"] = time.perf_counter() - t0
    paths = {}
    progress("fit", 0, len(models))
    for k, name in enumerate(models):
        t0 = time.perf_counter()
        cls = _model_class(name)
        X, clip_of = stack_inputs(inputs[name])
        arrays = {"groups": np.asarray(table.groups, dtype=object)[clip_of],
                  "clips": np.asarray(table.ids, dtype=object)[clip_of]}
        model = cls().fit(X, table.labels[clip_of], **_fit_kwargs(cls, arrays))
        timings[f"fit {name}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        path = root / "models" / cls.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        assets.record([path], command=command, data=data, root=root)
        timings[f"save {name}"] = time.perf_counter() - t0
        paths[name] = path
        progress("fit", k + 1, len(models))
    return TrainReport(paths=paths, data=data, timings=timings)
